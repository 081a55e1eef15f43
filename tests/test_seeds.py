"""The seed conformance table of SPEC.md, one test per row (numbers as in
the seed documents)."""
import numpy as np
import pytest

import s2s


def test_seed_3_matmul_constant():
    def f(weight):
        return weight @ np.array([[9.0], [10.0]])
    g = s2s.grad(f)(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(g, [[9.0, 10.0]])


def _seed4(a, b):
    c = a + b
    cs = s2s.stop_gradient(c)
    d = a + b
    return cs + d


def _seed5(a, b):
    c = a + b
    cs = s2s.stop_gradient(c)
    d = a + b
    return c + d


def test_seed_4_stop_gradient():
    assert s2s.grad(_seed4, wrt=(0, 1))(1.0, 1.0) == (1.0, 1.0)


def test_seed_5_without_stop():
    assert s2s.grad(_seed5, wrt=(0, 1))(1.0, 1.0) == (2.0, 2.0)


def _square(a):
    return a ** 2


def test_seed_6_first_order():
    assert s2s.grad(_square)(2.0) == 4.0


def _seed10(x):
    return 2 * x.T @ x


def test_seed_10_quadratic_form():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(s2s.grad(_seed10)(x), [[0.0], [4.0], [8.0], [12.0]])


def _seed12(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return c


@pytest.mark.parametrize("shape", [(1, 1), (1,), (3,), (2, 2)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_seed_12_while_and_if(shape, sign):
    rng = np.random.default_rng(12)
    a = sign * rng.uniform(0.1, 1.0, size=shape)
    np.testing.assert_allclose(s2s.grad(_seed12)(a), _seed12(a) / a)


def _seed14(x, y):
    out = 1.0
    for i in range(int(y)):
        out = out * x
    return out


def test_seed_14_for_range_of_inactive_argument():
    g = s2s.grad(_seed14)
    assert g(3.0, 2) == 6.0
    assert g(4.0, 3) == 48.0


def _cube(x):
    return x * x * x


def test_seed_16_first_order():
    assert s2s.grad(_cube)(2.0) == 12.0


def _affine(m, x, b):
    return m * x + b


def test_seed_17_wrt_by_name():
    assert s2s.grad(_affine, wrt="x")(2.0, 3.0, 1.0) == 2.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_seed_3_dtype_kept(dtype):
    def f(weight):
        return weight @ np.array([[9.0], [10.0]], dtype=dtype)
    g = s2s.grad(f)(np.array([[1.0, 2.0]], dtype=dtype))
    assert g.dtype == dtype

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


def _seed1(w1, w2, w3, w4):
    z1 = 3 * w1 + 2 * w2 + w3
    z2 = -1 * w3 + w4
    return z1, z2


def _ws():
    return [np.array([1.0, 2.0, 3.0], dtype=np.float32) + i for i in range(4)]


def test_seed_1_gradients_sum_over_ys():
    got = s2s.gradients(_seed1, wrt=(0, 1, 2, 3))(*_ws())
    for g, expected in zip(got, [[3, 3, 3], [2, 2, 2], [0, 0, 0], [1, 1, 1]]):
        np.testing.assert_array_equal(g, expected)
        assert g.dtype == np.float32


def test_seed_2_grad_ys():
    grad_ys = [[-2.0, -3.0, -4.0], [-1.0, -2.0, -3.0]]
    got = s2s.gradients(_seed1, wrt=(0, 1, 2, 3))(
        *_ws(), grad_ys=[np.array(g, dtype=np.float32) for g in grad_ys])
    expected = [[-6, -9, -12], [-4, -6, -8], [-1, -1, -1], [-1, -2, -3]]
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_seed_6_higher_orders():
    g1 = s2s.grad(_square)
    g2 = s2s.grad(g1)
    g3 = s2s.grad(g2)
    assert (g1(2.0), g2(2.0), g3(2.0)) == (4.0, 2.0, 0.0)


def _seed7(a):
    b = 2 * a
    return a + b


def test_seed_7_gradient_wrt_local():
    assert s2s.gradients(_seed7, wrt=("a", "b"))(0.0) == [3.0, 1.0]


def test_seed_8_stop_gradients():
    assert s2s.gradients(_seed7, wrt=("a", "b"), stop_gradients=("a", "b"))(0.0) == [1.0, 1.0]


def _seed9(w1, w2, w3):
    a = w1 + w2
    s = s2s.stop_gradient(a)
    return s + w3


def test_seed_9_unconnected():
    x = np.array([1.0, 2.0])
    got = s2s.gradients(_seed9, wrt=("w1", "w2", "w3"))(x, x, x, grad_ys=[[1.0, 2.0]])
    assert got[0] is None and got[1] is None
    np.testing.assert_array_equal(got[2], [1.0, 2.0])
    got = s2s.gradients(_seed9, wrt=("w1", "w2", "w3"), unconnected_gradients="zero")(
        x, x, x, grad_ys=[[1.0, 2.0]])
    np.testing.assert_array_equal(got[0], [0.0, 0.0])
    np.testing.assert_array_equal(got[1], [0.0, 0.0])
    np.testing.assert_array_equal(got[2], [1.0, 2.0])


def _seed11(x):
    y = x * x
    z = y * y
    return z, y


def test_seed_11_persistent_tape_outputs():
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    g0 = s2s.grad(_seed11, output=0)(x)
    g1 = s2s.grad(_seed11, output=1)(x)
    assert g0.shape == (4, 1) and g1.shape == (4, 1)
    np.testing.assert_array_equal(g0.ravel(), [0, 4, 32, 108])
    np.testing.assert_array_equal(g1.ravel(), [0, 2, 4, 6])


def _seed13(x):
    return np.square(np.sin(x))


def test_seed_13_third_derivative_by_nesting():
    x = np.linspace(-2 * np.pi, 2 * np.pi, 100)
    d1 = s2s.grad(_seed13)
    d2 = s2s.grad(d1)
    d3 = s2s.grad(d2)
    np.testing.assert_allclose(d1(x), np.sin(2 * x), atol=1e-12)
    np.testing.assert_allclose(d2(x), 2 * np.cos(2 * x), atol=1e-12)
    np.testing.assert_allclose(d3(x), -4 * np.sin(2 * x), atol=1e-12)


def _seed15(x):
    y = np.sum(x)
    return y * y


def test_seed_15_gradient_wrt_intermediate():
    x = np.ones((2, 2))
    np.testing.assert_array_equal(s2s.grad(_seed15)(x), 8 * np.ones((2, 2)))
    assert s2s.gradients(_seed15, wrt="y")(x) == [8.0]


def test_seed_16_second_order():
    assert s2s.grad(s2s.grad(_cube))(2.0) == 12.0


def _seed18(x, A):
    return 0.5 * x @ A @ x


def test_seed_18_hessian_and_hvp():
    rng = np.random.default_rng(18)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    v = rng.normal(size=4)
    np.testing.assert_allclose(s2s.hessian(_seed18)(x, A), (A + A.T) / 2, atol=1e-12)
    np.testing.assert_allclose(s2s.hvp(_seed18)(x, A, v), (A + A.T) / 2 @ v, atol=1e-12)


def _seed19(a):
    return np.ones((3, 1)) * 2


def test_seed_19_unconnected_both_modes():
    a = np.array([1.0, 2.0])
    assert s2s.gradients(_seed19, wrt="a")(a) == [None]
    got = s2s.gradients(_seed19, wrt="a", unconnected_gradients=s2s.UnconnectedGradients.ZERO)(a)
    np.testing.assert_array_equal(got[0], np.zeros_like(a))

"""The runtime's matmul adjoint helpers against the derivative they stand for.

matmul_adjoint_a(g, a, b) and matmul_adjoint_b(g, a, b) are the gradients of
L = sum(g * (a @ b)) with respect to a and b, g broadcast against the
product (it may be shaped like the product, smaller, or larger). L is linear
in each operand, so central differences with a unit step are exact up to
rounding: a closed form and a finite difference at once."""
import numpy as np
import pytest

from s2s.runtime import matmul_adjoint_a, matmul_adjoint_b, matmul_adjoints


def _loss(g, a, b):
    return np.sum(g * (a @ b))


def _differences(g, a, b, wrt):
    """d L / d operand, one element at a time (unit steps: L is linear)."""
    x = (a, b)[wrt]
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += 1.0
        down[index] -= 1.0
        args_up = (up, b) if wrt == 0 else (a, up)
        args_down = (down, b) if wrt == 0 else (a, down)
        out[index] = (_loss(g, *args_up) - _loss(g, *args_down)) / 2.0
    return out


CASES = [
    # (a, b, g): g shaped like the product first, then smaller and larger
    ((5, 3), (3, 4), (5, 4)),
    ((3,), (3, 4), (4,)),            # 1-D a
    ((5, 3), (3,), (5,)),            # 1-D b
    ((3,), (3,), ()),                # two vectors
    ((2, 5, 3), (3, 4), (2, 5, 4)),  # batched a
    ((5, 3), (2, 3, 4), (2, 5, 4)),  # batched b
    ((2, 5, 3), (2, 3, 4), (2, 5, 4)),
    ((1, 5, 3), (2, 3, 4), (2, 5, 4)),  # a's batch broadcast
    ((5, 3), (3, 4), (4,)),          # g smaller: spread over the product
    ((5, 3), (3, 4), (5, 1)),        # g with a stretched axis (no matmul with b.T)
    ((5, 3), (3, 4), (1, 4)),
    ((5, 3), (3, 4), (2, 5, 4)),     # g larger: summed down to the product
    ((1, 3), (3, 4), (5, 4)),        # g larger along a's own axis
    ((5, 3), (3, 1), (5, 4)),        # ... along b's
    ((2, 5, 3), (3, 4), (5, 4)),     # g lacks the batch axis
    ((3, 3, 3), (3, 3, 3), (3, 3, 3)),  # square batches: a.T would be all axes reversed
    ((2, 3, 3), (3, 3), (2, 3, 3)),
    ((3, 3), (2, 3, 3), (2, 3, 3)),
]


@pytest.mark.parametrize("a_shape, b_shape, g_shape", CASES, ids=str)
def test_matmul_adjoints_match_differences(a_shape, b_shape, g_shape):
    rng = np.random.default_rng(sum(a_shape) * 7 + sum(b_shape) * 3 + len(g_shape))
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    g = rng.standard_normal(g_shape)
    for helper, wrt in ((matmul_adjoint_a, 0), (matmul_adjoint_b, 1)):
        got = helper(g, a, b)
        assert np.shape(got) == (a, b)[wrt].shape, helper.__name__
        np.testing.assert_allclose(got, _differences(g, a, b, wrt), rtol=1e-10, atol=1e-10,
                                   err_msg=helper.__name__)
        np.testing.assert_allclose(got, matmul_adjoints(g, a, b)[wrt], rtol=1e-12, atol=1e-12)


def test_matmul_adjoints_take_a_number_for_g():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(matmul_adjoint_a(2.0, a, b), np.full((2, 4), 2.0) @ b.T)
    np.testing.assert_allclose(matmul_adjoint_b(2.0, a, b), a.T @ np.full((2, 4), 2.0))


def test_matmul_adjoints_leave_their_arguments_alone():
    rng = np.random.default_rng(3)
    a, b, g = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    kept = [x.copy() for x in (a, b, g)]
    matmul_adjoint_a(g, a, b)
    matmul_adjoint_b(g, a, b)
    for before, after in zip(kept, (a, b, g)):
        np.testing.assert_array_equal(before, after)


def test_matmul_adjoints_take_lists_and_numpy_numbers():
    # no ndim or shape on a list, no @ with a number: the general path
    a, b = [[1.0, 2.0], [3.0, 4.0]], [[0.5], [-1.0]]
    g = [[2.0], [3.0]]
    A, B, G = np.array(a), np.array(b), np.array(g)
    np.testing.assert_allclose(matmul_adjoint_a(g, a, b), G @ B.T)
    np.testing.assert_allclose(matmul_adjoint_b(g, a, b), A.T @ G)
    np.testing.assert_allclose(matmul_adjoint_a(G, A, b), G @ B.T)
    np.testing.assert_allclose(matmul_adjoint_b(G, a, B), A.T @ G)
    np.testing.assert_allclose(matmul_adjoint_a(np.float64(2.0), A, B), np.full((2, 1), 2.0) @ B.T)
    np.testing.assert_allclose(matmul_adjoint_b(np.float64(2.0), A, B), A.T @ np.full((2, 1), 2.0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_adjoints_keep_the_dtype(dtype):
    a, b = np.ones((4, 3), dtype), np.ones((3, 2), dtype)
    g = np.ones((4, 2), dtype)
    assert matmul_adjoint_a(g, a, b).dtype == dtype
    assert matmul_adjoint_b(g, a, b).dtype == dtype

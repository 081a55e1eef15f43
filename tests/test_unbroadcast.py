"""runtime.unbroadcast: an adjoint summed down to the shape of the value it
belongs to, on its fast paths (equal shapes, a bias of a batch of rows, a
cached plan) and its general one, checked against a sum written out with
np.sum over the axes broadcasting added or stretched."""
import numpy as np
import pytest

import s2s
from s2s.runtime import unbroadcast

from helpers import assert_grad_fd, rand


def summed_by_hand(g, shape):
    """g summed over its extra leading axes and the axes `shape` has as 1."""
    extra = g.ndim - len(shape)
    g = np.sum(g, axis=tuple(range(extra))) if extra else g
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return np.sum(g, axis=stretched, keepdims=True) if stretched else g


PAIRS = [
    ((8, 4), (4,)),        # a bias of a batch of rows (the fast path)
    ((1, 4), (4,)),
    ((5, 1), (1,)),        # one column: the fast path's sum is still (1,)
    ((3, 0), (0,)),        # empty rows
    ((0, 3), (3,)),        # no rows: zeros
    ((8, 4), (1, 4)),      # same rank, a stretched axis
    ((8, 4), (8, 1)),
    ((2, 3, 4), (4,)),     # two leading axes
    ((2, 3, 4), (3, 4)),
    ((2, 3, 4), (3, 1)),
    ((2, 3), ()),          # to a 0-d array
    ((3,), (3,)),
]


@pytest.mark.parametrize("g_shape, x_shape", PAIRS)
def test_unbroadcast_sums_what_broadcasting_added(g_shape, x_shape):
    g, x = rand(*g_shape, seed=1), np.zeros(x_shape)
    expected = summed_by_hand(g, x_shape)
    for _ in range(2):  # the second call takes the cached plan where there is one
        got = unbroadcast(g, x)
        assert got.shape == x_shape
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_the_bias_sum_keeps_the_dtype(dtype):
    g = np.ones((8, 4), dtype)
    got = unbroadcast(g, np.zeros(4, dtype))
    assert got.dtype == dtype and got.shape == (4,)
    np.testing.assert_array_equal(got, np.full(4, 8, dtype))


def test_the_bias_sum_is_a_new_array():
    g = rand(8, 4, seed=3)
    kept = g.copy()
    got = unbroadcast(g, np.zeros(4))
    got += 1.0
    np.testing.assert_array_equal(g, kept)


def dense_layer(W, b, x):
    return np.sum(np.tanh(x @ W + b) ** 2)


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_bias_gradient_of_a_layer(batch):
    W, b, x = rand(5, 4, seed=4), rand(4, seed=5), rand(batch, 5, seed=6)
    assert_grad_fd(dense_layer, (W, b, x), wrt=1)
    # closed form: the sum over the batch of 2 h (1 - h^2)
    h = np.tanh(x @ W + b)
    got = s2s.grad(dense_layer, wrt=1)(W, b, x)
    np.testing.assert_allclose(got, np.sum(2 * h * (1 - h * h), axis=0), rtol=1e-12)

"""Uniform adjoints summed down without their array (uniform.py, read kinds
"sum" and "part") and the helper they use, runtime.broadcast_sum.

`np.sum(Y * logp)`: the adjoint of the sum is one number c spread over the
shape of Y * logp. logp's adjoint is that spread times Y, summed down to
logp's shape: broadcast_sum(Y * c, logp) gives it without making the spread
(or Y * logp). Each test checks central differences over shapes where Y
broadcasts logp up, logp broadcasts Y up, and both, and the generated code."""
import numpy as np
import pytest

import s2s
from s2s.api import numerical_gradient
from s2s.runtime import broadcast_sum, unbroadcast

from helpers import assert_grad_fd, rand

PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)), ((2, 1), (1, 4)), ((), (2, 3)),
         ((2, 3), ())]


@pytest.mark.parametrize("g_shape, x_shape", PAIRS + [((4, 1, 3), (2, 1)), ((5,), (4, 1))])
def test_broadcast_sum_is_broadcast_then_unbroadcast(g_shape, x_shape):
    g, x = rand(*g_shape, seed=1), rand(*x_shape, seed=2)
    full = np.broadcast_shapes(np.shape(g), np.shape(x))
    expected = unbroadcast(np.broadcast_to(g, full) * np.ones(full), x)
    got = broadcast_sum(g, x)
    assert np.shape(got) == np.shape(x)
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_broadcast_sum_keeps_the_dtype_and_passes_equal_shapes_through():
    g = np.ones((2, 3), np.float32)
    assert broadcast_sum(g, np.zeros((2, 3))) is g
    assert broadcast_sum(g, np.zeros((1, 3))).dtype == np.float32


# ---- "sum": the number serves, summed down ---------------------------------
def weighted_log(y, z):
    return -np.sum(y * np.log(z * z + 1.0)) / 4.0


@pytest.mark.parametrize("shapes", PAIRS)
def test_weighted_sum_needs_no_spread(shapes):
    y, z = rand(*shapes[0], seed=3), rand(*shapes[1], seed=4)
    assert_grad_fd(weighted_log, (y, z), wrt=(0, 1))
    code = s2s.source(s2s.grad(weighted_log, wrt=1))
    assert "broadcast_sum(" in code and "unreduce" not in code, code
    if np.shape(y) == np.shape(z):  # closed form
        got = s2s.grad(weighted_log, wrt=1)(y, z)
        np.testing.assert_allclose(got, -y * 2.0 * z / (z * z + 1.0) / 4.0, rtol=1e-12)


def mean_log(y, z):
    return np.mean(y * np.log(z * z + 1.0))


@pytest.mark.parametrize("shapes", PAIRS)
def test_mean_is_one_number_too(shapes):
    # the adjoint of np.mean is 1 / its count spread: a number as well
    y, z = rand(*shapes[0], seed=13), rand(*shapes[1], seed=14)
    assert_grad_fd(mean_log, (y, z), wrt=(0, 1))
    code = s2s.source(s2s.grad(mean_log, wrt=1))
    assert "broadcast_sum(" in code and "unreduce" not in code, code


# ---- "part": an array of the part of the shape the target lacks -------------
def logistic(y, z):
    return np.sum(np.log1p(np.exp(z)) - y * z) / 5.0


@pytest.mark.parametrize("shapes", PAIRS)
def test_logistic_loss_spreads_over_the_labels_only(shapes):
    y, z = rand(*shapes[0], seed=5), rand(*shapes[1], seed=6)
    assert_grad_fd(logistic, (y, z), wrt=(0, 1))
    code = "\n".join(line for line in s2s.source(s2s.grad(logistic, wrt=1)).splitlines()
                     if not line.strip().startswith("#"))
    assert "y * z" not in code, code  # the product is not made for its shape
    if np.shape(y) == np.shape(z):
        got = s2s.grad(logistic, wrt=1)(y, z)
        np.testing.assert_allclose(got, (1.0 / (1.0 + np.exp(-z)) - y) / 5.0, rtol=1e-12)


def test_unoptimised_gradient_agrees():
    y, z = rand(2, 1, seed=7), rand(1, 4, seed=8)
    for f in (weighted_log, logistic):
        fast = s2s.grad(f, wrt=(0, 1))(y, z)
        plain = s2s.grad(f, wrt=(0, 1), optimize=False)(y, z)
        for a, b in zip(fast, plain):
            np.testing.assert_allclose(a, b, rtol=1e-13)


# ---- derivatives of a gradient that calls broadcast_sum ---------------------
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3))])
def test_hessian_through_broadcast_sum(shapes):
    y, z = rand(*shapes[0], seed=9), rand(*shapes[1], seed=10)
    g = s2s.grad(weighted_log, wrt=1)
    H = s2s.hessian(weighted_log, wrt=1)(y, z)         # forward over reverse
    flat = z.reshape(-1)
    fd = np.stack([numerical_gradient(
        lambda zz, j=j: g(y, zz.reshape(z.shape)).reshape(-1)[j], [flat], 0)
        for j in range(flat.size)])
    np.testing.assert_allclose(H.reshape(flat.size, flat.size), fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3))])
def test_reverse_over_reverse_through_broadcast_sum(shapes):
    y, z = rand(*shapes[0], seed=11), rand(*shapes[1], seed=12)
    g = s2s.grad(weighted_log, wrt=1)
    assert "broadcast_sum(" in s2s.source(g)
    gg = s2s.grad(g, wrt=(0, 1))(y, z)   # gradient of sum(g), as tf.gradients
    for position, got in enumerate(gg):
        expected = numerical_gradient(lambda *a: np.sum(g(*a)), (y, z), position)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)

"""unbroadcast(g, m) written as np.add.reduce(g, axis=A, keepdims=True) where m
is a keepdims reduction over A of a value of g's shape (optimize.py,
_sums_written_out), and np.add.reduce as a primitive of its own (the
optimiser's output must be differentiable again for Hessians)."""
import numpy as np
import pytest

import s2s
from s2s.api import numerical_gradient

from helpers import assert_grad_fd, rand


def _code(f, **options):
    return "\n".join(line for line in s2s.source(s2s.grad(f, **options)).splitlines()
                     if not line.strip().startswith("#"))


# ---- the rewrite ----------------------------------------------------------
def log_softmax_loss(x, y):
    z = x - np.max(x, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp)


def centred_square(x):
    # the mean's adjoint reaches a keepdims mean over the last axis
    c = x - np.mean(x, axis=-1, keepdims=True)
    return np.sum(c * c * np.sin(x))


def scaled_by_row_norm(x, w):
    n = np.sqrt(np.sum(x * x, axis=(0, 2), keepdims=True))
    return np.sum(w * x / n)


def summed_over_another_axis(x, w):
    # m reduces axis 0; its adjoint reaches `x / m` whose class is x's
    m = np.sum(x, axis=0, keepdims=True)
    return np.sum(w * x / m)


@pytest.mark.parametrize("shape", [(3, 4), (1, 5), (2, 3, 4)])
def test_log_softmax_row_sum_is_written_out(shape):
    x, y = rand(*shape, seed=1), rand(*shape, seed=2)
    assert_grad_fd(log_softmax_loss, (x, y), wrt=(0, 1))
    code = _code(log_softmax_loss, wrt=(0, 1))
    assert "np.add.reduce(" in code and "axis=1, keepdims=True)" in code
    assert "np.add.reduce(" not in _code(log_softmax_loss, wrt=(0, 1), optimize=False)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 5)])
def test_centred_square_matches_finite_differences(shape):
    x = rand(*shape, seed=3)
    assert_grad_fd(centred_square, (x,))
    plain = s2s.grad(centred_square, optimize=False)(x)
    np.testing.assert_allclose(s2s.grad(centred_square)(x), plain, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)),
                                    ((2, 3, 4), (1, 3, 1)), ((3, 2, 2), (3, 2, 2))])
def test_tuple_axes_match_finite_differences(shapes):
    x, w = rand(*shapes[0], seed=4, low=0.5, high=1.5), rand(*shapes[1], seed=5)
    assert_grad_fd(scaled_by_row_norm, (x, w), wrt=(0, 1))


def log_softmax_over_two_axes(x, y):
    z = x - np.max(x, axis=(1, 2), keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=(1, 2), keepdims=True))
    return -np.sum(y * logp)


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (3, 4)),
                                    ((1, 2, 2), (5, 1, 2, 2))])
def test_row_sum_over_a_tuple_of_axes(shapes):
    x, y = rand(*shapes[0], seed=21), rand(*shapes[1], seed=22)
    assert_grad_fd(log_softmax_over_two_axes, (x, y), wrt=(0, 1))
    code = _code(log_softmax_over_two_axes, wrt=(0, 1))
    assert "np.add.reduce(" in code and "axis=(1, 2), keepdims=True)" in code


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1))])
def test_broadcast_weights_match_finite_differences(shapes):
    x, w = rand(*shapes[0], seed=6, low=0.5, high=1.5), rand(*shapes[1], seed=7)
    assert_grad_fd(summed_over_another_axis, (x, w), wrt=(0, 1))


def test_closed_form_of_the_log_softmax_gradient():
    x = rand(4, 3, seed=8)
    y = np.eye(3)[[0, 2, 1, 2]]
    p = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    np.testing.assert_allclose(s2s.grad(log_softmax_loss)(x, y), p - y, rtol=1e-12, atol=1e-14)


def smaller_adjoint(x, b):
    # g (x + b's broadcast) is larger than the reduction's operand x: not a
    # row sum of x's shape, so the helper stays
    m = np.max(x, axis=1, keepdims=True)
    return np.sum((x + b) * m)


@pytest.mark.parametrize("shapes", [((3, 4), (2, 3, 4)), ((3, 4), (4,))])
def test_a_different_shape_keeps_the_helper(shapes):
    x, b = rand(*shapes[0], seed=9), rand(*shapes[1], seed=10)
    assert_grad_fd(smaller_adjoint, (x, b), wrt=(0, 1))


def test_hessian_of_the_rewritten_gradient():
    x, y = rand(2, 3, seed=11), rand(2, 3, seed=12)
    hess = s2s.hessian(log_softmax_loss)(x, y)
    grad = s2s.grad(log_softmax_loss)
    for i in np.ndindex(*x.shape):
        row = numerical_gradient(lambda x_, y_: grad(x_, y_)[i], (x, y), 0)
        np.testing.assert_allclose(hess[i], row, rtol=1e-5, atol=1e-7)


# ---- np.add.reduce as a primitive ------------------------------------------
def add_reduce_keepdims(x, w):
    return np.sum(np.add.reduce(x * w, axis=1, keepdims=True) ** 2)


def add_reduce_default_axis(x, w):
    return np.sum(np.add.reduce(x) * w)


def add_reduce_tuple_axes(x):
    return np.sum(np.sin(np.add.reduce(x, axis=(0, -1))))


def add_reduce_all_axes(x):
    return np.add.reduce(x * x, axis=None)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1))])
def test_add_reduce_keepdims(shapes):
    x, w = rand(*shapes[0], seed=13), rand(*shapes[1], seed=14)
    assert_grad_fd(add_reduce_keepdims, (x, w), wrt=(0, 1))


@pytest.mark.parametrize("shapes", [((3,), ()), ((3, 4), (4,)), ((2, 3, 4), (1, 4))])
def test_add_reduce_default_axis_is_zero(shapes):
    x, w = rand(*shapes[0], seed=15), rand(*shapes[1], seed=16)
    got = assert_grad_fd(add_reduce_default_axis, (x, w), wrt=(0, 1))
    # closed form: d/dx sum(sum_0(x) * w) = w spread over axis 0
    np.testing.assert_allclose(got[0], np.broadcast_to(w, x.shape[1:])[None].repeat(
        x.shape[0], 0) if x.ndim > 1 else np.full(x.shape, w), rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4)])
def test_add_reduce_tuple_and_all_axes(shape):
    x = rand(*shape, seed=17)
    assert_grad_fd(add_reduce_tuple_axes, (x,))
    got = assert_grad_fd(add_reduce_all_axes, (x,))
    np.testing.assert_allclose(got[0], 2.0 * x, rtol=1e-12)


def test_add_reduce_forward_mode_and_second_order():
    x, w = rand(3, 4, seed=18), rand(3, 4, seed=19)
    v = rand(3, 4, seed=20)
    _, tangent = s2s.jvp(add_reduce_keepdims)(x, w, v)
    expected = np.sum(numerical_gradient(add_reduce_keepdims, (x, w), 0) * v)
    np.testing.assert_allclose(tangent, expected, rtol=1e-6)
    s2s.check_grads(add_reduce_keepdims, (x, w), order=2)

"""A softmax's stabilising shift is held constant (s2s/invariance.py).

softmax(x - m) and log_softmax(x - m) over axes A do not depend on an m that
is constant along A, so the gradient through m is zero and s2s does not
compute it. Each case checks the gradient against central differences and
the closed form, and the generated source for whether the maximum's adjoint
(`extremum_adjoint`) is there.
"""
import numpy as np
import pytest

import s2s
from tests.helpers import assert_grad_fd, rand


def log_softmax_loss(x, w):
    z = x - np.max(x, axis=-1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    return np.sum(w * logp)


def log_softmax_axis0(x, w):
    m = np.max(x, axis=0, keepdims=True)
    z = x - m
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=0, keepdims=True))))


def log_softmax_all(x, w):
    z = x - np.max(x)
    return np.sum(w * (z - np.log(np.sum(np.exp(z)))))


def log_softmax_method(x, w):
    z = x - x.max(axis=1, keepdims=True)
    return np.sum(w * (z - np.log(np.exp(z).sum(axis=1, keepdims=True))))


def softmax_loss(x, w):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return np.sum(w * (e / np.sum(e, axis=-1, keepdims=True)))


def shift_over_more_axes(x, w):
    # the maximum over axes (0, 1) is constant along axis 1 too
    z = x - np.max(x, axis=(0, 1), keepdims=True)
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))))


def log_softmax_in_loop(x, w):
    total = 0.0
    for _ in range(3):
        z = x - np.max(x, axis=-1, keepdims=True)
        total = total + np.sum(w * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))))
        x = x * 1.5
    return total


def _log_softmax(x, axis):
    z = x - np.max(x, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _closed_log_softmax(x, w, axis):
    """d/dx sum(w * log_softmax(x)) = w - softmax(x) * sum(w over axis)."""
    return w - np.exp(_log_softmax(x, axis)) * np.sum(w, axis=axis, keepdims=True)


def _closed_softmax(x, w, axis):
    """d/dx sum(w * softmax(x)) = p * (w - sum(w * p over axis))."""
    p = np.exp(_log_softmax(x, axis))
    return p * (w - np.sum(w * p, axis=axis, keepdims=True))


CASES = [  # function, shapes of x, the closed form
    (log_softmax_loss, [(5,), (4, 3), (2, 3, 4)], lambda x, w: _closed_log_softmax(x, w, -1)),
    (log_softmax_axis0, [(5,), (4, 3)], lambda x, w: _closed_log_softmax(x, w, 0)),
    (log_softmax_all, [(5,), (4, 3)], lambda x, w: _closed_log_softmax(x, w, None)),
    (log_softmax_method, [(4, 3), (2, 3, 4)], lambda x, w: _closed_log_softmax(x, w, 1)),
    (softmax_loss, [(5,), (4, 3), (2, 3, 4)], lambda x, w: _closed_softmax(x, w, -1)),
    (shift_over_more_axes, [(4, 3), (2, 3, 4)], lambda x, w: _closed_log_softmax(x, w, 1)),
]


@pytest.mark.parametrize("f, shapes, closed", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_shift_is_held_constant(f, shapes, closed):
    assert "extremum_adjoint" not in s2s.source(s2s.grad(f))
    for shape in shapes:
        x, w = rand(*shape) * 3.0, rand(*shape, seed=1)
        got = assert_grad_fd(f, (x, w))[0]
        np.testing.assert_allclose(got, closed(x, w), rtol=1e-12, atol=1e-12)
        # as the function is written, the maximum's path included: the same
        np.testing.assert_allclose(got, s2s.grad(f, optimize=False)(x, w), rtol=1e-12,
                                   atol=1e-12)


def test_ties_at_the_maximum():
    # the maximum is not differentiable at ties; the log-softmax is, and its
    # gradient is what comes out
    x = np.array([[2.0, 2.0, 1.0], [0.5, 3.0, 3.0]])
    w = rand(2, 3, seed=2)
    got = s2s.grad(log_softmax_loss)(x, w)
    np.testing.assert_allclose(got, _closed_log_softmax(x, w, -1), rtol=1e-12, atol=1e-12)


def test_in_a_loop():
    x, w = rand(4, 3), rand(4, 3, seed=1)
    assert "extremum_adjoint" not in s2s.source(s2s.grad(log_softmax_in_loop))
    assert_grad_fd(log_softmax_in_loop, (x, w))


# ---- where the rule must not apply: the maximum's adjoint stays ------------

def shift_also_returned(x, w):
    m = np.max(x, axis=-1, keepdims=True)
    z = x - m
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True)))) + np.sum(m)


def shift_along_other_axis(x, w):
    z = x - np.max(x, axis=0, keepdims=True)  # varies along axis 1
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))))


def shift_of_other_array(x, y, w):
    z = x - np.max(y, axis=-1, keepdims=True)
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))))


def shift_without_keepdims(x, w):
    m = np.max(x, axis=1)  # shape (n,): broadcasts along the last axis, not the first
    z = x - m
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))))


def exponent_read_elsewhere(x, w):
    z = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(z)
    return np.sum(w * (z - np.log(np.sum(e, axis=-1, keepdims=True)))) + np.sum(e)


@pytest.mark.parametrize("f", [shift_also_returned, shift_along_other_axis,
                               shift_without_keepdims, exponent_read_elsewhere],
                         ids=lambda f: f.__name__)
def test_shift_that_matters_is_differentiated(f):
    assert "extremum_adjoint" in s2s.source(s2s.grad(f))
    assert_grad_fd(f, (rand(3, 3) * 3.0, rand(3, 3, seed=1)))


def test_shift_of_another_array_is_differentiated():
    g = s2s.grad(shift_of_other_array, wrt=(0, 1))
    assert "extremum_adjoint" in s2s.source(g)
    assert_grad_fd(shift_of_other_array, (rand(4, 3) * 3.0, rand(4, 3, seed=3), rand(4, 3, seed=1)),
                   wrt=(0, 1))


def named_shift(x, w):
    m = np.max(x, axis=-1, keepdims=True)
    z = x - m
    return np.sum(w * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))))


def test_gradient_with_respect_to_the_shift_itself():
    # asked for, it is computed: zero up to rounding
    x, w = rand(4, 3) * 3.0, rand(4, 3, seed=1)
    g_m, g_x = s2s.gradients(named_shift, wrt=["m", "x"])(x, w)
    assert np.shape(g_m) == (4, 1)
    np.testing.assert_allclose(g_x, _closed_log_softmax(x, w, -1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g_m, 0.0, atol=1e-12)


def test_hessian_of_log_softmax_loss():
    x, w = rand(4) * 3.0, rand(4, seed=1)
    h = s2s.hessian(log_softmax_loss)(x, w)
    # the Jacobian of the closed-form gradient, by central differences
    eps = 1e-6
    expected = np.stack([(_closed_log_softmax(x + eps * e, w, -1)
                          - _closed_log_softmax(x - eps * e, w, -1)) / (2 * eps)
                         for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-8)

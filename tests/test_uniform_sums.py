"""A uniform adjoint summed down to a smaller shape is one number too
(uniform.py, summed_down): `unbroadcast(u, b)` with u a number standing for
an array of a class containing b's becomes u * broadcast_count(p, b), p a
value of the part b lacks. Checked against finite differences where that
count is 1, more than 1, and where the shapes differ both ways."""
import numpy as np
import pytest

import s2s
from s2s.runtime import broadcast_count
from s2s.api import numerical_gradient

from helpers import assert_grad_fd, rand


def _code(f, **options):
    return "\n".join(line for line in s2s.source(s2s.grad(f, **options)).splitlines()
                     if not line.strip().startswith("#"))


def softplus_sum(w, X, y):
    z = X @ w
    return np.sum(np.log1p(np.exp(z)) - y * z)


def softplus_mean(w, X, y):
    z = X @ w
    return np.mean(np.log1p(np.exp(z)) - y * z)


def scaled_sum(x, y):
    # the seed of a sum over x * y's shape, summed to sin(x)'s
    return 3.0 * np.sum(np.sin(x) + x * y)


@pytest.mark.parametrize("y_shape", [(6,), (1,), (4, 6), (4, 1), (2, 1, 6)])
@pytest.mark.parametrize("f", [softplus_sum, softplus_mean])
def test_loss_summed_down_matches_finite_differences(f, y_shape):
    X, w = rand(6, 3, seed=1), rand(3, seed=2)
    y = (rand(*y_shape, seed=3) > 0) * 1.0
    got = assert_grad_fd(f, (w, X, y), wrt=(0, 2))
    plain = s2s.grad(f, wrt=(0, 2), optimize=False)(w, X, y)
    for a, b in zip(got, plain):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    code = _code(f, wrt=0)
    assert "broadcast_count(y, " in code and "unreduce(" not in code


def test_closed_form_of_the_logistic_gradient():
    X, w = rand(7, 3, seed=4), rand(3, seed=5)
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    np.testing.assert_allclose(s2s.grad(softplus_mean)(w, X, y), X.T @ (p - y) / 7,
                               rtol=1e-12, atol=1e-14)
    # y with a leading axis of 3: the loss counts every row of X three times
    Y = np.stack([y, y, y])
    np.testing.assert_allclose(s2s.grad(softplus_sum)(w, X, Y), 3.0 * X.T @ (p - y),
                               rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (2, 3)), ((2, 1), (1, 4)),
                                    ((2, 3), ())])
def test_shapes_differing_both_ways(shapes):
    x, y = rand(*shapes[0], seed=6), rand(*shapes[1], seed=7)
    assert_grad_fd(scaled_sum, (x, y), wrt=(0, 1))


def test_float32_stays_float32():
    X = rand(5, 2, seed=8).astype(np.float32)
    w = rand(2, seed=9).astype(np.float32)
    y = np.ones(5, dtype=np.float32)
    g = s2s.grad(softplus_mean)(w, X, y)
    assert g.dtype == np.float32


def test_hessian_through_the_count():
    X, w = rand(6, 3, seed=10), rand(3, seed=11)
    y = (rand(4, 6, seed=12) > 0) * 1.0
    hess = s2s.hessian(softplus_sum)(w, X, y)
    grad = s2s.grad(softplus_sum)
    for i in range(3):
        row = numerical_gradient(lambda w_, X_, y_: grad(w_, X_, y_)[i], (w, X, y), 0)
        np.testing.assert_allclose(hess[i], row, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("y_shape, x_shape, count", [
    ((3,), (3,), 1), ((4, 3), (3,), 4), ((4, 1), (1, 3), 4), ((2, 1, 3), (5, 1), 6),
    ((), (3,), 1), ((0, 3), (3,), 0), ((2,), (0, 2), 0)])
def test_broadcast_count(y_shape, x_shape, count):
    assert broadcast_count(np.zeros(y_shape), np.zeros(x_shape)) == count

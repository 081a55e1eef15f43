"""Second derivatives through the NumPy-breadth templates: grad(grad(f))
(checked by s2s.check_grads against finite differences of the gradient) and
hvp (forward over reverse, against finite differences of s2s.grad). They
exercise the templates of the runtime helpers that generated gradients call
(templates/*/numpy_helpers.py)."""
import numpy as np
import pytest

import s2s

W = np.arange(6.0).reshape(3, 2) / 5
A = np.eye(3) * 3 + 0.1


def _elementwise(x):
    return np.sum(np.exp2(x) * np.arcsinh(x) + np.log10(x) * np.cbrt(x) + np.arctan2(x, x.T))


def _moments(x):
    return np.sum(np.var(x, axis=0)) + np.std(x) + np.sum(np.mean(x, axis=1) ** 3)


def _cumulative(x):
    return np.sum(np.cumsum(x, axis=1) ** 2) + np.sum(np.cumsum(x) ** 3)


def _extremes(x):
    return np.sum(np.max(x, axis=1) ** 2) + np.min(x) ** 3


def _tile_repeat(x):
    return np.sum(np.tile(x, 2) ** 3) + np.sum(np.repeat(x, 2, axis=0) ** 3)


def _pad_diagonal_trace(x):
    return np.sum(np.pad(x, 1) ** 3) + np.sum(np.diagonal(x) ** 3) + np.trace(x) ** 2


def _take_concatenate(x):
    return np.sum(np.take(x, [0, 2, 2]) ** 3) + np.sum(np.concatenate([x, x * x], axis=0) ** 2)


def _stack_hstack(x):
    return np.sum(np.stack([x, x ** 2]) ** 2) + np.sum(np.hstack([x, x]) ** 3)


def _linalg(x):
    return np.linalg.det(x) + np.sum(np.linalg.inv(x)) + np.sum(np.linalg.solve(A, x) ** 2)


def _piecewise(x):
    return np.sum(np.abs(x) ** 3 + np.clip(x, 0.8, 1.5) ** 2 + np.maximum(x, 1.0) ** 2)


def _construction(x):
    return np.sum(np.array([x[0, 0], x[1, 1] ** 2]) ** 2) + np.sum(x.astype(np.float64) ** 3)


def _products(x):
    a = np.tensordot(x, W, 1)
    b = np.inner(x, W.T)
    c = np.kron(x, W)
    e = np.einsum("ij,jk->ik", x, W)
    return np.sum(a ** 2) + np.sum(b ** 2) + np.sum(c ** 2) + np.sum(e * e * e)


def _special(x):
    return special.logsumexp(x) + np.sum(special.softmax(x, axis=0) ** 2)


SECOND_ORDER = [_elementwise, _moments, _cumulative, _extremes, _tile_repeat,
                _pad_diagonal_trace, _take_concatenate, _stack_hstack, _linalg, _piecewise,
                _construction, _products]
try:
    from scipy import special
    SECOND_ORDER.append(_special)
except ImportError:  # pragma: no cover
    special = None


def _point():
    rng = np.random.default_rng(0)
    return rng.uniform(0.5, 1.5, (3, 3)) + np.eye(3)


@pytest.mark.parametrize("f", SECOND_ORDER, ids=lambda f: f.__name__[1:])
def test_grad_of_grad(f):
    assert s2s.check_grads(f, (_point(),), order=2, rtol=1e-4, atol=1e-5)


# hvp runs forward mode over the gradient: the bilinear adjoint helpers
# (tensordot, inner, kron, einsum, solve) have no tangent templates yet.
HVP = [f for f in SECOND_ORDER if f not in (_products, _linalg)]


@pytest.mark.parametrize("f", HVP, ids=lambda f: f.__name__[1:])
def test_hvp(f):
    x = _point()
    v = np.random.default_rng(1).normal(size=x.shape)
    got = s2s.hvp(f)(x, v)
    g = s2s.grad(f)
    eps = 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def _bilinear_constant(x):
    return np.sum(np.tensordot(x, W, 1) ** 2)


def test_hvp_through_bilinear_adjoint():
    x, v = _point(), np.ones((3, 3))
    got = s2s.hvp(_bilinear_constant)(x, v)
    hessian = s2s.hessian(_bilinear_constant)(x)
    np.testing.assert_allclose(got, np.tensordot(hessian, v, x.ndim), rtol=1e-7, atol=1e-9)


# ---- np.prod to second and third order, exact with zeros ---------------------
# The adjoint of np.prod multiplies by the product of the *other* elements
# (no division), and its own derivative is the matrix of products of all but
# two elements: these must hold with zeros in x, where y / x is undefined.

def _prod_all(x):
    return np.prod(x)


def _prod_axis0(x):
    return np.sum(np.prod(x, axis=0) ** 2)


def _prod_last_keepdims(x):
    return np.sum(np.prod(x, axis=-1, keepdims=True) * x)


def _prod_method_tuple_axis(x):
    return np.sum(x.prod(axis=(0, -1)) * np.arange(1.0, x.shape[1] + 1))


def _prod_points():
    return [
        np.array([1.5, -2.0, 0.5]),
        np.array([1.5, 0.0, 0.5, 2.0]),            # one zero
        np.array([0.0, 0.0, 3.0, -1.5]),           # two zeros: the Hessian is not zero
        np.array([[1.2, 0.0], [0.7, -1.1], [2.0, 0.3]]),
        np.array([[[0.9, -1.2, 0.0], [1.1, 0.4, 1.3]], [[0.6, 1.4, -0.8], [0.0, 0.0, 1.5]]]),
    ]


PROD_CASES = [(f, x) for f in (_prod_all, _prod_axis0, _prod_last_keepdims)
              for x in _prod_points()] + [(_prod_method_tuple_axis, _prod_points()[-1])]


def _case_id(case):
    f, x = case
    return f"{f.__name__[1:]}-{'x'.join(map(str, x.shape))}-{int(np.sum(x == 0))}zeros"


@pytest.mark.parametrize("case", PROD_CASES, ids=_case_id)
def test_prod_second_derivatives_match_finite_differences(case):
    f, x = case
    g = s2s.grad(f)
    # grad(grad(f)) against central differences of the s2s gradient
    assert s2s.check_grads(f, (x,), order=2, rtol=1e-6, atol=1e-7)
    # hessian and jvp(grad) (forward over reverse) against the same differences
    v = np.random.default_rng(x.size).normal(size=x.shape)
    eps = 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    _, jv = s2s.jvp(g)(x, v)
    np.testing.assert_allclose(jv, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(s2s.hvp(f)(x, v), expected, rtol=1e-6, atol=1e-7)
    hessian = s2s.hessian(f)(x)
    np.testing.assert_allclose(np.tensordot(hessian, v, x.ndim), expected, rtol=1e-6, atol=1e-7)


def _prod_hessian_closed_form(x):
    """d2 prod(x) / dx_i dx_k: the product of all elements but i and k."""
    flat = x.ravel()
    n = flat.size
    h = np.zeros((n, n))
    for i in range(n):
        for k in range(n):
            if i != k:
                h[i, k] = np.prod(np.delete(flat, [i, k]))
    return h.reshape(x.shape + x.shape)


@pytest.mark.parametrize("x", _prod_points(), ids=lambda x: f"{x.shape}-{int(np.sum(x == 0))}zeros")
def test_prod_hessian_closed_form(x):
    expected = _prod_hessian_closed_form(x)
    np.testing.assert_allclose(s2s.hessian(_prod_all)(x), expected, rtol=1e-12, atol=1e-14)
    # grad(grad(f)) is the Hessian's row sums (the gradient of sum(grad f))
    np.testing.assert_allclose(s2s.grad(s2s.grad(_prod_all))(x),
                               expected.reshape(x.size, x.size).sum(axis=0).reshape(x.shape),
                               rtol=1e-12, atol=1e-14)


def test_prod_second_derivative_with_zeros_is_exact_not_nan():
    x = np.array([0.0, 0.0, 3.0])
    h = s2s.hessian(_prod_all)(x)
    assert np.all(np.isfinite(h))
    np.testing.assert_array_equal(h, [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("x", [_prod_points()[1], _prod_points()[3]], ids=["1d", "2d"])
def test_prod_third_order(x):
    assert s2s.check_grads(_prod_axis0, (x,), order=3, rtol=1e-5, atol=1e-6)
    g2 = s2s.grad(s2s.grad(_prod_axis0))
    v = np.ones_like(x)
    _, jv = s2s.jvp(g2)(x, v)
    eps = 1e-6
    np.testing.assert_allclose(jv, (g2(x + eps * v) - g2(x - eps * v)) / (2 * eps),
                               rtol=1e-5, atol=1e-6)


def test_prod_second_order_keeps_float32():
    x = np.array([1.5, 0.0, 0.5, 2.0], dtype=np.float32)
    assert s2s.grad(s2s.grad(_prod_all))(x).dtype == np.float32
    assert s2s.hessian(_prod_all)(x).dtype == np.float32

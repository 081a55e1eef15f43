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


# ---- np.linalg.norm to second and third order ----------------------------------
# Every ord and axis form the first-order template supports, differentiated
# again: reverse over reverse (grad(grad), check_grads) and forward over
# reverse (hessian, hvp, jvp(grad)), against central differences of the s2s
# gradient. The matrix 2, -2 and nuclear norms go through the SVD.

def _norm_default(x):
    return np.linalg.norm(x) ** 3


def _norm_axis_keepdims(x):
    return np.sum(np.linalg.norm(x, axis=-1, keepdims=True) * x)


def _norm_axis0(x):
    return np.sum(np.linalg.norm(x, axis=0) ** 2 * np.arange(1.0, x.shape[1] + 1))


def _norm_p3(x):
    return np.sum(np.linalg.norm(x, 3, axis=0) ** 1.5)


def _norm_fro(x):
    return np.linalg.norm(x, "fro") ** 1.5 + np.linalg.norm(x, "fro")


def _norm_two(x):
    return np.linalg.norm(x, 2) ** 2 + np.linalg.norm(x, 2)


def _norm_minus_two(x):
    return np.linalg.norm(x, -2) ** 3


def _norm_nuc(x):
    return np.linalg.norm(x, "nuc") ** 2 + np.sum(x * x)


def _norm_batched_two(x):
    return np.sum(np.linalg.norm(x, 2, axis=(1, 2), keepdims=True) ** 2 * x)


def _norm_batched_nuc(x):
    return np.sum(np.linalg.norm(x, "nuc", axis=(-1, 0)))


def _norm_piecewise(x):
    # ord 1 / inf are piecewise linear: their second derivatives come from the powers
    return np.linalg.norm(x, 1) ** 2 + np.linalg.norm(x, np.inf) ** 2


def _norm_point(shape, seed=0):
    return np.random.default_rng(seed + len(shape)).normal(size=shape)


NORM_CASES = [
    (_norm_default, (5,)), (_norm_default, (3, 4)), (_norm_default, (2, 3, 2)),
    (_norm_axis_keepdims, (3, 4)), (_norm_axis0, (4, 3)), (_norm_p3, (3, 2)),
    (_norm_fro, (3, 3)), (_norm_fro, (2, 4)),
    (_norm_two, (3, 3)), (_norm_two, (4, 2)), (_norm_two, (2, 5)),
    (_norm_minus_two, (3, 3)), (_norm_minus_two, (4, 3)),
    (_norm_nuc, (3, 3)), (_norm_nuc, (4, 2)), (_norm_nuc, (2, 3)),
    (_norm_batched_two, (2, 3, 3)), (_norm_batched_two, (3, 4, 2)),
    (_norm_batched_nuc, (3, 2, 4)),
    (_norm_piecewise, (4,)), (_norm_piecewise, (3, 3)),
]


def _norm_id(case):
    f, shape = case
    return f"{f.__name__[6:]}-{'x'.join(map(str, shape))}"


@pytest.mark.parametrize("case", NORM_CASES, ids=_norm_id)
def test_norm_second_derivatives_match_finite_differences(case):
    f, shape = case
    x = _norm_point(shape)
    assert s2s.check_grads(f, (x,), order=2, rtol=1e-5, atol=1e-6)
    g = s2s.grad(f)
    v = _norm_point(shape, seed=1)
    eps = 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    _, jv = s2s.jvp(g)(x, v)
    np.testing.assert_allclose(jv, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(s2s.hvp(f)(x, v), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.tensordot(s2s.hessian(f)(x), v, x.ndim), expected,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [(_norm_default, (4,)), (_norm_axis_keepdims, (2, 3)),
                                  (_norm_fro, (3, 2)), (_norm_two, (3, 3)),
                                  (_norm_minus_two, (3, 2)), (_norm_nuc, (2, 3)),
                                  (_norm_batched_two, (2, 2, 3))], ids=_norm_id)
def test_norm_third_order(case):
    f, shape = case
    assert s2s.check_grads(f, (_norm_point(shape),), order=3, rtol=1e-4, atol=1e-5)


def _norm_plain(x):
    return np.linalg.norm(x)


@pytest.mark.parametrize("shape", [(3,), (6,), (2, 3)])
def test_norm_hessian_closed_form(shape):
    # d2 |x| = (I - x x^T / |x|^2) / |x|
    x = _norm_point(shape, seed=2)
    flat = x.ravel()
    r = np.linalg.norm(flat)
    expected = (np.eye(flat.size) - np.outer(flat, flat) / r ** 2) / r
    np.testing.assert_allclose(s2s.hessian(_norm_plain)(x), expected.reshape(shape + shape),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(s2s.grad(s2s.grad(_norm_plain))(x),
                               expected.sum(axis=0).reshape(shape), rtol=1e-12, atol=1e-14)


def _nuclear(x):
    return np.linalg.norm(x, "nuc")


def test_nuclear_norm_second_derivative_with_equal_singular_values():
    # 2 * a rotation: all singular values equal. The nuclear norm is still
    # twice differentiable there, and its second derivative has no division
    # by a difference of singular values.
    c, s = np.cos(0.3), np.sin(0.3)
    x = 2.0 * np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    v = _norm_point((3, 3), seed=3)
    g = s2s.grad(_nuclear)
    eps = 1e-6
    expected = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(s2s.hvp(_nuclear)(x, v), expected, rtol=1e-5, atol=1e-6)
    assert s2s.check_grads(_nuclear, (x,), order=2, rtol=1e-5, atol=1e-6)


def _spectral(x):
    return np.linalg.norm(x, 2)


def test_spectral_norm_with_a_tied_largest_singular_value_is_nan_not_a_guess():
    # |x|_2 has no second derivative where the largest singular value is tied
    x = np.diag([2.0, 2.0, 0.5])
    assert np.isnan(s2s.hessian(_spectral)(x)).any()
    assert np.isnan(s2s.grad(s2s.grad(_spectral))(x)).any()
    # untied: finite, and the smaller tie (0.5, 0.5) does not matter
    y = np.diag([3.0, 0.5, 0.5])
    assert np.all(np.isfinite(s2s.hessian(_spectral)(y)))
    assert s2s.check_grads(_spectral, (y,), order=2, rtol=1e-5, atol=1e-6)

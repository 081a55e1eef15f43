"""Reverse-mode templates of the NumPy breadth, each checked against central
finite differences in float64 (tests/helpers.py), over several shapes; binary
functions over broadcasting shapes; reductions over every axis/keepdims
variant; float32 stays float32. Outputs are weighted by a random array so
that a wrong adjoint cannot hide behind a symmetric sum."""
import math

import numpy as np
import pytest

import s2s
from tests.helpers import assert_grad_fd, rand


def weighted(fn):
    """f(x, w) = sum(fn(x) * w): the gradient is the vjp of fn with cotangent w."""
    def f(x, w):
        return np.sum(fn(x) * w)
    return f


def weighted2(fn):
    def f(x, y, w):
        return np.sum(fn(x, y) * w)
    return f


def check_unary(fn, x, **tol):
    w = rand(*np.shape(fn(x)), seed=11)
    return assert_grad_fd(weighted(fn), (x, w), **tol)


# ---- elementwise ----------------------------------------------------------

UNARY = [  # (function, low, high): inputs inside the function's domain
    (np.exp, -1, 1), (np.exp2, -1, 1), (np.expm1, -1, 1), (np.log, 0.2, 2),
    (np.log2, 0.2, 2), (np.log10, 0.2, 2), (np.log1p, -0.5, 2), (np.sqrt, 0.2, 2),
    (np.cbrt, 0.2, 2), (np.square, -2, 2), (np.abs, 0.1, 1), (np.absolute, -1, -0.1),
    (np.fabs, -1, -0.1), (np.reciprocal, 0.5, 2), (np.sin, -3, 3), (np.cos, -3, 3),
    (np.tan, -1, 1), (np.arcsin, -0.9, 0.9), (np.arccos, -0.9, 0.9), (np.arctan, -3, 3),
    (np.sinh, -2, 2), (np.cosh, -2, 2), (np.tanh, -2, 2), (np.arcsinh, -2, 2),
    (np.arccosh, 1.2, 3), (np.arctanh, -0.9, 0.9), (np.negative, -1, 1),
    (np.positive, -1, 1), (np.conj, -1, 1),
]


def unary_shapes(fn):
    """fn on a scalar (np.float64) and on a (2, 3) array, in one function."""
    def f(s, m):
        return fn(s) * 1.5 + np.sum(fn(m) * np.arange(6.0).reshape(2, 3))
    return f


@pytest.mark.parametrize("fn,low,high", UNARY, ids=[f.__name__ for f, _, _ in UNARY])
def test_unary(fn, low, high):
    args = (np.float64(rand(low=low, high=high)), rand(2, 3, low=low, high=high))
    assert_grad_fd(unary_shapes(fn), args, wrt=(0, 1))


@pytest.mark.parametrize("fn,low,high", UNARY, ids=[f.__name__ for f, _, _ in UNARY])
def test_unary_float32_stays_float32(fn, low, high):
    x = rand(4, low=low, high=high).astype(np.float32)
    g = s2s.grad(weighted(fn))(x, np.ones(4, np.float32))
    assert g.dtype == np.float32


def test_abs_closed_form_and_zero_at_zero():
    g = s2s.grad(weighted(np.abs))(np.array([-2.0, 0.0, 3.0]), np.ones(3))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


BINARY = [
    (np.arctan2, -1, 1), (np.hypot, -1, 1), (np.logaddexp, -2, 2), (np.logaddexp2, -2, 2),
    (np.maximum, -1, 1), (np.minimum, -1, 1), (np.fmax, -1, 1), (np.fmin, -1, 1),
    (np.power, 0.5, 2), (np.float_power, 0.5, 2), (np.add, -1, 1), (np.subtract, -1, 1),
    (np.multiply, -1, 1), (np.divide, 0.5, 2),
]
SHAPE_PAIRS = [((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((3, 1), ())]


def binary_shapes(fn):
    """fn(x_k, y_k) over the five SHAPE_PAIRS (broadcasting both ways, with a
    scalar on either side), in one function: f(x1, ..., x5, y1, ..., y5)."""
    def f(x1, x2, x3, x4, x5, y1, y2, y3, y4, y5):
        z = np.sum(fn(x1, y1) * np.arange(4.0)) + np.sum(fn(x2, y2) * np.arange(6.0).reshape(2, 3))
        z = z + np.sum(fn(x3, y3) * np.arange(6.0).reshape(2, 3) ** 2)
        z = z + np.sum(fn(x4, y4) * np.arange(6.0).reshape(2, 3) - 1.5)
        return z + np.sum(fn(x5, y5) * np.arange(3.0).reshape(3, 1))
    return f


@pytest.mark.parametrize("fn,low,high", BINARY, ids=[f.__name__ for f, _, _ in BINARY])
def test_binary_broadcasting(fn, low, high):
    xs = [rand(*a, low=low, high=high, seed=1 + k) for k, (a, _) in enumerate(SHAPE_PAIRS)]
    ys = [rand(*b, low=low, high=high, seed=11 + k) for k, (_, b) in enumerate(SHAPE_PAIRS)]
    assert_grad_fd(binary_shapes(fn), xs + ys, wrt=tuple(range(10)))


@pytest.mark.parametrize("fn", [np.arctan2, np.hypot, np.logaddexp, np.maximum, np.fmax,
                                np.float_power])
def test_binary_float32_stays_float32(fn):
    x = rand(3, low=0.5, high=2).astype(np.float32)
    y = rand(3, low=0.5, high=2, seed=5).astype(np.float32)
    gx, gy = s2s.grad(weighted2(fn), wrt=(0, 1))(x, y, np.ones(3, np.float32))
    assert gx.dtype == np.float32 and gy.dtype == np.float32


def test_maximum_ties_go_to_first_argument():
    gx, gy = s2s.grad(weighted2(np.maximum), wrt=(0, 1))(np.ones(2), np.ones(2), np.ones(2))
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0])


def test_fmax_ignores_nan():
    gx, gy = s2s.grad(weighted2(np.fmax), wrt=(0, 1))(
        np.array([np.nan, 1.0]), np.array([2.0, np.nan]), np.ones(2))
    np.testing.assert_array_equal(gx, [0.0, 1.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0])


def _clip(x, lo, hi, w):
    return np.sum(np.clip(x, lo, hi) * w)


def _clip_method(x, w):
    return np.sum(x.clip(-0.5, 0.5) * w)


def _clip_upper_only(x, w):
    return np.sum(np.clip(x, None, 0.5) * w)


def test_clip():
    x = np.array([-2.0, -0.3, 0.2, 0.9, 3.0])
    w = rand(5)
    assert_grad_fd(_clip, (x, -0.5, 0.5, w), wrt=0)
    assert_grad_fd(_clip, (x, rand(5, low=-1, high=-0.2), rand(5, low=0.3, high=1), w),
                   wrt=(0, 1, 2))
    np.testing.assert_array_equal(s2s.grad(_clip_method)(x, np.ones(5)), [0, 1, 1, 0, 0])
    np.testing.assert_array_equal(s2s.grad(_clip_upper_only)(x, np.ones(5)), [1, 1, 1, 0, 0])


def _where(x, y, w):
    return np.sum(np.where(x > 0, x * y, y) * w)


def test_where():
    assert_grad_fd(_where, (rand(2, 3), rand(3, seed=4), rand(2, 3, seed=5)), wrt=(0, 1))


def _power_int(x):
    return np.sum(x ** 3 + np.power(x, 2))


def test_power_closed_form():
    x = rand(4)
    np.testing.assert_allclose(s2s.grad(_power_int)(x), 3 * x ** 2 + 2 * x)


def _nondifferentiable(x):
    return np.sum(np.floor(x) + np.ceil(x) + np.round(x) + np.sign(x) + (x > 0)) + np.sum(x)


def test_nondifferentiable_have_zero_derivative():
    np.testing.assert_array_equal(s2s.grad(_nondifferentiable)(rand(2, 3)), np.ones((2, 3)))


# ---- math module and Python builtins on scalars -------------------------

MATH = [
    (math.exp, 0.3), (math.log, 1.5), (math.log2, 1.5), (math.log10, 1.5), (math.log1p, 0.4),
    (math.expm1, 0.3), (math.sqrt, 1.7), (math.sin, 0.4), (math.cos, 0.4), (math.tan, 0.4),
    (math.asin, 0.3), (math.acos, 0.3), (math.atan, 0.3), (math.sinh, 0.3), (math.cosh, 0.3),
    (math.tanh, 0.3), (math.asinh, 0.3), (math.acosh, 1.3), (math.atanh, 0.3),
    (math.fabs, -0.7), (abs, -0.7), (float, 0.7),
] + [(getattr(math, n), 0.6) for n in ("exp2", "cbrt") if hasattr(math, n)]


def scalar(fn):
    def f(x):
        return fn(x) * 3.0
    return f


@pytest.mark.parametrize("fn,x", MATH, ids=[f.__name__ for f, _ in MATH])
def test_math_scalars(fn, x):
    assert_grad_fd(scalar(fn), (x,))


def _math_binary(x, y):
    return math.atan2(x, y) + math.hypot(x, y) + math.pow(x, y) + pow(y, x) + math.log(x, y)


def test_math_binary():
    assert_grad_fd(_math_binary, (1.3, 2.1), wrt=(0, 1))


def _builtin_max(a, b, c):
    return max(a, b, c) * 2.0 + min(a, b) * 3.0


def _builtin_max_list(a, b, c):
    xs = [a, b, c]
    return max(xs) + 10.0 * min(xs) + sum(xs)


def _builtin_sum_arrays(x, y):
    return np.sum(sum([x, y]) * np.arange(3.0))


def test_builtins_max_min_sum():
    assert s2s.grad(_builtin_max, wrt=(0, 1, 2))(1.0, 3.0, 2.0) == (3.0, 2.0, 0.0)
    assert s2s.grad(_builtin_max_list, wrt=(0, 1, 2))(1.0, 3.0, 2.0) == (11.0, 2.0, 1.0)
    # ties split equally
    assert s2s.grad(_builtin_max, wrt=(0, 1, 2))(3.0, 3.0, 1.0) == (2.5, 2.5, 0.0)
    assert_grad_fd(_builtin_sum_arrays, (rand(3), rand(3, seed=1)), wrt=(0, 1))


# ---- reductions -----------------------------------------------------------

AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]
# weights for every (axis, keepdims) variant: W[k] for AXES[k // 2], keepdims k % 2
W = [rand(*np.shape(np.sum(np.ones((2, 3, 4)), axis=a, keepdims=k)), seed=20 + i)
     for i, (a, k) in enumerate((a, k) for a in AXES for k in (False, True))]


def every_axis(fn):
    """All 14 axis/keepdims variants of fn in one function (one compilation),
    each weighted differently so that none can hide behind another."""
    def f(x):
        y = np.sum(fn(x) * W[0]) + np.sum(fn(x, axis=None, keepdims=True) * W[1])
        y = y + np.sum(fn(x, axis=0) * W[2]) + np.sum(fn(x, axis=0, keepdims=True) * W[3])
        y = y + np.sum(fn(x, axis=1) * W[4]) + np.sum(fn(x, axis=1, keepdims=True) * W[5])
        y = y + np.sum(fn(x, axis=-1) * W[6]) + np.sum(fn(x, axis=-1, keepdims=True) * W[7])
        y = y + np.sum(fn(x, axis=(0, 2)) * W[8])
        y = y + np.sum(fn(x, axis=(0, 2), keepdims=True) * W[9])
        y = y + np.sum(fn(x, axis=(-1, 0)) * W[10])
        y = y + np.sum(fn(x, axis=(-1, 0), keepdims=True) * W[11])
        y = y + np.sum(fn(x, axis=(0, 1, 2)) * W[12])
        return y + np.sum(fn(x, axis=(0, 1, 2), keepdims=True) * W[13])
    return f


def reduction(fn, axis, keepdims):
    def f(x, w):
        return np.sum(fn(x, axis=axis, keepdims=keepdims) * w)
    return f


REDUCTIONS = [np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std]


@pytest.mark.parametrize("fn", REDUCTIONS, ids=lambda f: f.__name__)
def test_reductions(fn):
    """axis None, int, negative, tuple (with a negative), all; keepdims both."""
    assert_grad_fd(every_axis(fn), (rand(2, 3, 4, low=0.5, high=1.5),))


@pytest.mark.parametrize("axis", [None, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_alone(axis, keepdims):
    # one variant on its own (a wrong variant localised), with a method call
    x = rand(2, 3, 4, low=0.5, high=1.5)
    w = rand(*np.shape(np.var(x, axis=axis, keepdims=keepdims)), seed=3)
    assert_grad_fd(reduction(np.var, axis, keepdims), (x, w))


def _var_ddof(x):
    return np.var(x, axis=1, ddof=1)[0] + np.std(x, ddof=1) * 2.0


def test_var_std_ddof():
    assert_grad_fd(_var_ddof, (rand(3, 4),))


@pytest.mark.parametrize("fn", [np.sum, np.mean, np.max, np.prod, np.var, np.std])
def test_reductions_float32(fn):
    x = rand(3, 4, low=0.5, high=1.5).astype(np.float32)
    g = s2s.grad(reduction(fn, 1, False))(x, np.ones(3, np.float32))
    assert g.dtype == np.float32 and g.shape == (3, 4)


def _max_all(x):
    return np.max(x)


def _min_axis(x):
    return np.sum(np.min(x, axis=1) * np.array([1.0, 10.0]))


def test_max_min_ties_split_equally():
    np.testing.assert_array_equal(s2s.grad(_max_all)(np.array([1.0, 3.0, 3.0])), [0, 0.5, 0.5])
    g = s2s.grad(_min_axis)(np.array([[1.0, 1.0, 2.0], [0.0, 5.0, 0.0]]))
    np.testing.assert_array_equal(g, [[0.5, 0.5, 0], [5.0, 0, 5.0]])


def _prod(x):
    return np.prod(x)


def test_prod_with_zeros_is_exact():
    np.testing.assert_array_equal(s2s.grad(_prod)(np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(s2s.grad(_prod)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])


def cumulative(fn, axis):
    def f(x, w):
        return np.sum(fn(x, axis=axis) * w)
    return f


@pytest.mark.parametrize("fn", [np.cumsum, np.cumprod], ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumulative(fn, axis):
    x = rand(3, 4, low=0.5, high=1.5)
    w = rand(*np.shape(fn(x, axis=axis)), seed=2)
    assert_grad_fd(cumulative(fn, axis), (x, w))


def _average(x, weights, w):
    return np.sum(np.average(x, axis=1, weights=weights) * w)


def _average_full(x, weights):
    return np.average(x, weights=weights)


def _average_plain(x):
    return np.sum(np.average(x, axis=(0, 2), keepdims=True) * np.arange(3.0).reshape(1, 3, 1))


def test_average():
    x = rand(2, 3, 4)
    assert_grad_fd(_average_plain, (x,))
    assert_grad_fd(_average, (rand(2, 3), rand(3, low=0.5, high=1), rand(2)), wrt=(0, 1))
    assert_grad_fd(_average_full, (rand(2, 3), rand(2, 3, low=0.5, high=1)), wrt=(0, 1))


VECTOR_NORMS = [None, 1, 2, np.inf, -np.inf, 3, 0.5]
MATRIX_NORMS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def vector_norms(ord):
    """np.linalg.norm as a vector norm: 1-D, axis 1, axis -2 of a matrix,
    axis 0 of a 3-D array, keepdims both ways; one compilation."""
    def f(v, m, t):
        y = np.linalg.norm(v, ord) + np.sum(np.linalg.norm(m, ord, axis=1) * np.arange(3.0))
        y = y + np.sum(np.linalg.norm(m, ord=ord, axis=-2, keepdims=True) * np.arange(4.0))
        y = y + np.sum(np.linalg.norm(t, ord=ord, axis=0) * np.arange(12.0).reshape(3, 4))
        return y + np.sum(np.linalg.norm(v, ord=ord, keepdims=True) * 2.0)
    return f


def matrix_norms(ord):
    """np.linalg.norm as a matrix norm: a matrix, axis (1, 2) and (2, 0) of a
    3-D array, keepdims; one compilation."""
    def f(m, t):
        y = np.linalg.norm(m, ord) + np.sum(np.linalg.norm(t, ord, axis=(1, 2)) * np.arange(2.0))
        y = y + np.sum(np.linalg.norm(t, ord=ord, axis=(2, 0)) * np.arange(3.0))
        return y + np.sum(np.linalg.norm(m, ord=ord, keepdims=True) * 2.0)
    return f


def _signed(*shape, seed=0):
    return rand(*shape, low=0.2, high=1.0, seed=seed) * np.where(
        rand(*shape, seed=seed + 9) > 0, 1, -1)


@pytest.mark.parametrize("ord", VECTOR_NORMS, ids=str)
def test_vector_norms(ord):
    args = (_signed(5), _signed(3, 4, seed=1), _signed(2, 3, 4, seed=2))
    assert_grad_fd(vector_norms(ord), args, wrt=(0, 1, 2), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("ord", MATRIX_NORMS, ids=str)
def test_matrix_norms(ord):
    args = (rand(3, 4), rand(2, 3, 4, seed=1))
    assert_grad_fd(matrix_norms(ord), args, wrt=(0, 1), rtol=1e-4, atol=1e-6)


def _norm_closed(x):
    return np.linalg.norm(x)


def test_norm_closed_form_and_3d_default():
    x = rand(2, 3, 4)
    np.testing.assert_allclose(s2s.grad(_norm_closed)(x), x / np.linalg.norm(x))
    np.testing.assert_array_equal(s2s.grad(_norm_closed)(np.zeros(3)), np.zeros(3))


# ---- methods (METHOD_ALIASES and method templates) -------------------------

def _methods(x):
    a = x.sum(axis=0) + x.mean(axis=0, keepdims=True).T.ravel() + x.max(axis=0)
    b = x.reshape(4, 3).T.dot(np.arange(4.0)) + x.transpose().prod(axis=1)[:3]
    c = x.var(axis=0)[:3] * x.std() + x.min()
    e = x.clip(0.7, 1.2).squeeze().flatten()[:3] + x.astype(np.float64).ravel()[2:5]
    f = x.cumsum(axis=1)[0, :3] + x.swapaxes(0, 1).diagonal() + x.trace() + x.take([0, 5, 5])
    return np.sum(a) + np.sum(b * b) + np.sum(c) + np.sum(e * f) + x.copy().item(2)


def test_array_methods():
    assert_grad_fd(_methods, (rand(3, 4, low=0.5, high=1.5),))


def _astype32(x):
    return np.sum(x.astype(np.float32) * 2.0)


def _astype_int(x):
    return np.sum(x.astype(int) * 2.0) + np.sum(x)


def test_astype():
    g = s2s.grad(_astype32)(rand(3))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(s2s.grad(_astype_int)(rand(3)), [1.0, 1.0, 1.0])


# ---- shape functions ------------------------------------------------------

# x has shape (2, 3, 4); each case is a function with source (s2s reads it,
# inter-procedurally, through `weighted`).
def _s_reshape(x):
    return np.reshape(x, (4, 6))

def _s_ravel(x):
    return np.ravel(x)

def _s_transpose(x):
    return np.transpose(x)

def _s_transpose_axes(x):
    return np.transpose(x, (1, 2, 0))

def _s_transpose_array_axes(x):
    return np.transpose(x, np.argsort(np.array([2, 0, 1])))

def _s_transpose_method_array_axes(x):
    return x.transpose(np.array([2, 0, 1]))

def _s_swapaxes(x):
    return np.swapaxes(x, 0, 2)

def _s_moveaxis(x):
    return np.moveaxis(x, 0, -1)

def _s_moveaxis_many(x):
    return np.moveaxis(x, (0, 1), (2, 0))

def _s_squeeze(x):
    return np.squeeze(x[:, :1])

def _s_squeeze_axis(x):
    return np.squeeze(x[:1], axis=0)

def _s_expand_dims(x):
    return np.expand_dims(x, 1)

def _s_expand_dims_tuple(x):
    return np.expand_dims(x, (0, -1))

def _s_broadcast_to(x):
    return np.broadcast_to(x[:, :1], (5, 2, 3, 4))

def _s_tile(x):
    return np.tile(x, 2)

def _s_tile_more(x):
    return np.tile(x, (2, 1, 1, 3))

def _s_tile_fewer(x):
    return np.tile(x, (2, 2))

def _s_repeat(x):
    return np.repeat(x, 2)

def _s_repeat_axis(x):
    return np.repeat(x, 3, axis=1)

def _s_repeat_counts(x):
    return np.repeat(x, [1, 0, 3], axis=-2)

def _s_flip(x):
    return np.flip(x)

def _s_flip_axis(x):
    return np.flip(x, 1)

def _s_flip_axes(x):
    return np.flip(x, (0, 2))

def _s_fliplr(x):
    return np.fliplr(x)

def _s_flipud(x):
    return np.flipud(x)

def _s_diagonal(x):
    return np.diagonal(x)

def _s_diagonal_offset(x):
    return np.diagonal(x, 1, 1, 2)

def _s_diagonal_negative(x):
    return np.diagonal(x, -1, 2, 0)

def _s_trace(x):
    return np.trace(x)

def _s_trace_offset(x):
    return np.trace(x, offset=1, axis1=2, axis2=1)

def _s_triu(x):
    return np.triu(x)

def _s_tril(x):
    return np.tril(x, -1)

def _s_pad(x):
    return np.pad(x, 1)

def _s_pad_widths(x):
    return np.pad(x, ((0, 1), (2, 0), (1, 1)))

def _s_pad_value(x):
    return np.pad(x, (1, 2), constant_values=3.0)

def _s_atleast_2d(x):
    return np.atleast_2d(x[0, 0])


SHAPE_FUNCTIONS = [_s_reshape, _s_ravel, _s_transpose, _s_transpose_axes, _s_transpose_array_axes, _s_transpose_method_array_axes, _s_swapaxes, _s_moveaxis, _s_moveaxis_many, _s_squeeze, _s_squeeze_axis, _s_expand_dims, _s_expand_dims_tuple, _s_broadcast_to, _s_tile, _s_tile_more, _s_tile_fewer, _s_repeat, _s_repeat_axis, _s_repeat_counts, _s_flip, _s_flip_axis, _s_flip_axes, _s_fliplr, _s_flipud, _s_diagonal, _s_diagonal_offset, _s_diagonal_negative, _s_trace, _s_trace_offset, _s_triu, _s_tril, _s_pad, _s_pad_widths, _s_pad_value, _s_atleast_2d]


@pytest.mark.parametrize("fn", SHAPE_FUNCTIONS, ids=lambda f: f.__name__[3:])
def test_shape_functions(fn):
    check_unary(fn, rand(2, 3, 4))


def _diag(x):
    return np.diag(x)


def _diag_1(x):
    return np.diag(x, 1)


def _diag_m1(x):
    return np.diag(x, -1)


def _diag_2(x):
    return np.diag(x, 2)


def test_diag():
    for fn in (_diag, _diag_1, _diag_m1, _diag_2):
        check_unary(fn, rand(4))
        check_unary(fn, rand(3, 4))


def _concatenate(x, y, w):
    return np.sum(np.concatenate([x, y, x], axis=1) * w)


def _concatenate_none(x, y):
    return np.sum(np.concatenate((x, y), axis=None) * np.arange(18.0))


def _stack(x, y, w):
    return np.sum(np.stack((x, y), axis=-1) * w) + np.sum(np.stack([x, y]) * w[..., 0])


def _hstack_vstack(x, y):
    a = np.hstack([x, y])
    b = np.vstack((x, y))
    c = np.hstack((x[0], y[1], x[1]))
    d = np.vstack([x[0], y[1]])
    return np.sum(a * a) + np.sum(b * np.arange(3.0)) + np.sum(c ** 3) + np.sum(d * 2.0)


def _split(x, w):
    parts = np.split(x, 3, axis=1)
    return np.sum(parts[1] * w)


def _split_two_pieces(x):
    parts = np.split(x, 3, axis=1)
    return np.sum(parts[0]) + np.sum(parts[2] ** 2)


def _array_split(x):
    parts = np.array_split(x, [1, 4])
    return np.sum(parts[1] * 3.0)


def test_two_items_of_a_split_list():
    # two contributions to the adjoint of one list add item by item
    assert_grad_fd(_split_two_pieces, (rand(2, 6),))


def test_concatenate_stack_split():
    x, y = rand(2, 3), rand(2, 3, seed=1)
    assert_grad_fd(_concatenate, (x, y, rand(2, 9, seed=2)), wrt=(0, 1))
    assert_grad_fd(_concatenate_none, (x, rand(4, 3, seed=1)), wrt=(0, 1))
    assert_grad_fd(_stack, (x, y, rand(2, 3, 2, seed=2)), wrt=(0, 1))
    assert_grad_fd(_hstack_vstack, (x, y), wrt=(0, 1))
    assert_grad_fd(_split, (rand(2, 6), rand(2, 2, seed=3)))
    np.testing.assert_array_equal(s2s.grad(_array_split)(rand(6)), [0, 3, 3, 3, 0, 0])


# ---- indexing -------------------------------------------------------------

def _index_int(x):
    return x[1] * x[-1, 2]


def _index_slices(x):
    return np.sum(x[::-1, 1:3] * np.arange(4.0).reshape(2, 2)) + np.sum(x[::-2, ::2] ** 2)


def _index_none_ellipsis(x):
    return np.sum(x[None, ..., 1] * np.arange(2.0)) + np.sum(x[..., None] ** 2)


def _index_fancy_repeats(x):
    return np.sum(x[[0, 0, 1, 0]] * np.arange(4.0)[:, None])


def _index_fancy_2d(x):
    return np.sum(x[[0, 1, 1], [2, 2, 0]] * np.array([1.0, 2.0, 3.0]))


def _index_mask(x):
    return np.sum(x[x > 0.0] ** 2)


def _take(x):
    return np.sum(np.take(x, [3, 1, 3]) * np.arange(3.0)) + np.sum(np.take(x, [1, 1], axis=1))


def test_indexing():
    x = rand(2, 4)
    for f in (_index_int, _index_slices, _index_none_ellipsis, _index_fancy_repeats,
              _index_fancy_2d, _index_mask, _take):
        assert_grad_fd(f, (x,))


def test_fancy_repeats_accumulate():
    g = s2s.grad(_index_fancy_repeats)(np.ones((3, 2)))
    np.testing.assert_array_equal(g, [[4.0, 4.0], [2.0, 2.0], [0.0, 0.0]])


def _index_float32(x):
    return np.sum(x[[0, 0, 1, 0]] * 2.0) + np.sum(x[x > 0.5]) + np.sum(x[::-1, None])


def test_indexing_float32():
    g = s2s.grad(_index_float32)(np.ones((3, 2), np.float32))
    assert g.dtype == np.float32


# ---- construction -----------------------------------------------------------

def _array_of_scalars(a, b):
    y = np.array([a, b, 2.0 * a, 1.0])
    return np.sum(y * np.arange(4.0))


def _array_nested(a, b):
    m = np.array([[a, b], [b, 1.0]])
    return np.linalg.det(m)


def _asarray_of_arrays(x, y):
    return np.sum(np.asarray((x, y, x)) * np.arange(3.0)[:, None])


def _array_copy(x):
    return np.sum(np.array(x, dtype=np.float64) ** 2) + np.sum(np.copy(x))


def test_construction():
    assert s2s.grad(_array_of_scalars, wrt=(0, 1))(1.0, 2.0) == (4.0, 1.0)  # b + 2*(2a)
    assert_grad_fd(_array_nested, (1.5, 0.5), wrt=(0, 1))
    assert_grad_fd(_asarray_of_arrays, (rand(3), rand(3, seed=1)), wrt=(0, 1))
    assert_grad_fd(_array_copy, (rand(2, 2),))


def test_array_of_float32_keeps_float32():
    g = s2s.grad(_array_copy)(rand(2, 2).astype(np.float32))
    assert g.dtype == np.float32


# ---- linear algebra ---------------------------------------------------------

def _linalg_products(a, b):
    r = np.vdot(a, b) + np.sum(np.outer(a, b) * np.arange(12.0).reshape(3, 4)[:, :3])
    return r + np.sum(np.inner(a, b) * 2.0) + np.sum(np.kron(a, b) ** 2)


def test_vdot_outer_inner_kron_vectors():
    assert_grad_fd(_linalg_products, (rand(3), rand(3, seed=1)), wrt=(0, 1))


def two(fn):
    def f(a, b, w):
        return np.sum(fn(a, b) * w)
    return f


PRODUCTS = [
    ("inner_2d", np.inner, (2, 3), (4, 3)),
    ("inner_3d_1d", np.inner, (2, 2, 3), (3,)),
    ("inner_scalar", np.inner, (), (2, 3)),
    ("outer_2d", np.outer, (2, 2), (3,)),
    ("vdot_2d", np.vdot, (2, 3), (2, 3)),
    ("kron_2d", np.kron, (2, 3), (3, 2)),
    ("kron_mixed", np.kron, (3,), (2, 2)),
    ("kron_3d", np.kron, (2, 1, 2), (2, 3)),
    ("matmul", np.matmul, (2, 3), (3, 4)),
    ("matmul_batched", np.matmul, (5, 2, 3), (3,)),
    ("dot_3d", np.dot, (2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("name,fn,sa,sb", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products(name, fn, sa, sb):
    a, b = rand(*sa), rand(*sb, seed=1)
    assert_grad_fd(two(fn), (a, b, rand(*np.shape(fn(a, b)), seed=2)), wrt=(0, 1))


def tensordot(axes):
    def f(a, b, w):
        return np.sum(np.tensordot(a, b, axes=axes) * w)
    return f


@pytest.mark.parametrize("axes,sa,sb", [
    (2, (2, 3, 4), (3, 4, 5)), (1, (2, 3), (3, 4)), (0, (2,), (3,)),
    (([1, 0], [0, 2]), (3, 2, 4), (2, 5, 3)), ((2, 0), (3, 2, 4), (4, 5)),
    (([-1], [-2]), (2, 3), (3, 3)),
], ids=str)
def test_tensordot(axes, sa, sb):
    a, b = rand(*sa), rand(*sb, seed=1)
    w = rand(*np.shape(np.tensordot(a, b, axes=axes)), seed=2)
    assert_grad_fd(tensordot(axes), (a, b, w), wrt=(0, 1))


def einsum2(spec):
    def f(a, b, w):
        return np.sum(np.einsum(spec, a, b) * w)
    return f


def einsum1(spec):
    def f(a, w):
        return np.sum(np.einsum(spec, a) * w)
    return f


@pytest.mark.parametrize("spec,sa,sb", [
    ("ij,jk->ik", (2, 3), (3, 4)), ("ij,jk", (2, 3), (3, 4)), ("i,i->", (3,), (3,)),
    ("i,j->ij", (2,), (3,)), ("bij,bjk->bik", (2, 2, 3), (2, 3, 2)),
    ("...ij,jk->...ik", (2, 2, 3), (3, 2)), ("ij,ij->i", (2, 3), (2, 3)),
    ("ij,k->ik", (2, 3), (4,)), ("ii,i->i", (3, 3), (3,)),
], ids=str)
def test_einsum_two_operands(spec, sa, sb):
    a, b = rand(*sa), rand(*sb, seed=1)
    w = rand(*np.shape(np.einsum(spec, a, b)), seed=2)
    assert_grad_fd(einsum2(spec), (a, b, w), wrt=(0, 1))


@pytest.mark.parametrize("spec,sa", [("ii->", (3, 3)), ("ij->ji", (2, 3)), ("ijk->j", (2, 3, 4)),
                                     ("ii->i", (3, 3)), ("...i->...", (2, 3))], ids=str)
def test_einsum_one_operand(spec, sa):
    a = rand(*sa)
    w = rand(*np.shape(np.einsum(spec, a)), seed=2)
    assert_grad_fd(einsum1(spec), (a, w))


def _einsum3(a, b, c):
    return np.sum(np.einsum("ij,jk,k->i", a, b, c) * np.array([1.0, -2.0]))


def test_einsum_three_operands():
    assert_grad_fd(_einsum3, (rand(2, 3), rand(3, 4, seed=1), rand(4, seed=2)), wrt=(0, 1, 2))


def _spd(n, seed=0):
    m = rand(n, n, seed=seed)
    return m @ m.T + n * np.eye(n)


def _inv(a, w):
    return np.sum(np.linalg.inv(a) * w)


def _solve(a, b, w):
    return np.sum(np.linalg.solve(a, b) * w)


def _det(a):
    return np.linalg.det(a) * 2.0


def _slogdet(a):
    r = np.linalg.slogdet(a)
    return r[1] * 3.0


def _slogdet_attribute(a):
    r = np.linalg.slogdet(a)
    return r.logabsdet * r.sign + r[1] * 2.0


def _det_batched(a):
    return np.sum(np.linalg.det(a) * np.array([1.0, 2.0]))


def _cholesky(a, w):
    s = (a + a.T) / 2.0
    return np.sum(np.linalg.cholesky(s) * w)


def _cholesky_upper(a, w):
    s = (a + a.T) / 2.0
    return np.sum(np.linalg.cholesky(s, upper=True) * w)


def test_inverse_solve_det():
    a = _spd(3)
    assert_grad_fd(_inv, (a, rand(3, 3, seed=3)))
    assert_grad_fd(_inv, (np.stack([a, _spd(3, 4)]), rand(2, 3, 3, seed=3)))
    assert_grad_fd(_solve, (a, rand(3, seed=1), rand(3, seed=2)), wrt=(0, 1))
    assert_grad_fd(_solve, (a, rand(3, 2, seed=1), rand(3, 2, seed=2)), wrt=(0, 1))
    assert_grad_fd(_solve, (np.stack([a, _spd(3, 4)]), rand(2, 3, 2, seed=1),
                            rand(2, 3, 2, seed=2)), wrt=(0, 1))
    assert_grad_fd(_det, (rand(3, 3),))
    assert_grad_fd(_slogdet, (rand(3, 3),))
    assert_grad_fd(_slogdet_attribute, (rand(3, 3),))
    assert_grad_fd(_det_batched, (rand(2, 3, 3),))


def test_det_closed_form():
    a = rand(3, 3)
    np.testing.assert_allclose(s2s.grad(_det)(a), 2.0 * np.linalg.det(a) * np.linalg.inv(a).T)


def test_cholesky():
    a = _spd(4)
    assert_grad_fd(_cholesky, (a, np.tril(rand(4, 4, seed=3))), rtol=1e-4)
    assert_grad_fd(_cholesky_upper, (a, np.triu(rand(4, 4, seed=3))), rtol=1e-4)


# ---- scipy.special ----------------------------------------------------------

special = pytest.importorskip("scipy.special") if False else None
try:
    import scipy.special as special
except ImportError:  # pragma: no cover
    special = None

needs_scipy = pytest.mark.skipif(special is None, reason="SciPy is not installed")


@needs_scipy
@pytest.mark.parametrize("name,low,high", [("expit", -2, 2), ("logit", 0.1, 0.9),
                                           ("erf", -1, 1), ("erfc", -1, 1),
                                           ("gammaln", 0.5, 3), ("log_expit", -2, 2)])
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_special_unary(name, low, high, shape):
    fn = getattr(special, name)
    x = rand(*shape, low=low, high=high)
    if shape == ():
        x = np.float64(x)
    check_unary(fn, x)


def special_reduction(fn, axis, keepdims=False):
    def f(x, w):
        return np.sum(fn(x, axis=axis, keepdims=keepdims) * w)
    return f


def special_softmax(fn, axis):
    def f(x, w):
        return np.sum(fn(x, axis=axis) * w)
    return f


@needs_scipy
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)], ids=str)
def test_special_logsumexp_softmax(axis):
    x = rand(2, 3)
    for keepdims in (False, True):
        w = rand(*np.shape(special.logsumexp(x, axis=axis, keepdims=keepdims)), seed=2)
        assert_grad_fd(special_reduction(special.logsumexp, axis, keepdims), (x, w))
    for fn in (special.softmax, special.log_softmax):
        assert_grad_fd(special_softmax(fn, axis), (x, rand(2, 3, seed=3)))


def _logsumexp_b(x, b):
    return special.logsumexp(x, b=b)


@needs_scipy
def test_special_logsumexp_weights():
    assert_grad_fd(_logsumexp_b, (rand(3), rand(3, low=0.5, high=1, seed=1)), wrt=(0, 1))


def _max_rows(x):
    return np.sum(np.max(x, axis=1))


def test_max_of_integers_has_a_float_gradient():
    g = s2s.grad(_max_rows)(np.array([[1, 4, 4], [7, 2, 3]]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [1, 0, 0]])

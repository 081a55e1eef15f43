"""Tangents of reductions: the same reduction applied to the tangent."""
import numpy as np

from s2s.runtime import (average_share, average_spread, average_weights_shape, norm_gradient,
                         prod_adjoint, reduced_size, unreduce)
from s2s.template import d, tangent


@tangent(np.sum, "method.sum")
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[x], axis=axis, keepdims=keepdims)


@tangent(np.add.reduce)
def add_reduce(y, x, axis=0, dtype=None, out=None, keepdims=False, initial=None):
    d[y] = np.add.reduce(d[x], axis=axis, keepdims=keepdims)


@tangent(np.mean, "method.mean")
def mean(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.mean(d[x], axis=axis, keepdims=keepdims)


@tangent(np.max, np.amax, "method.max")
def max(y, x, axis=None, out=None, keepdims=False):
    # Ties average the tangents of the maximal elements (as the adjoint splits).
    mask = x == unreduce(y, x, axis, keepdims)
    d[y] = np.sum(d[x] * mask, axis=axis, keepdims=keepdims) / np.sum(mask, axis=axis, keepdims=keepdims)


@tangent(np.min, np.amin, "method.min")
def min(y, x, axis=None, out=None, keepdims=False):
    mask = x == unreduce(y, x, axis, keepdims)
    d[y] = np.sum(d[x] * mask, axis=axis, keepdims=keepdims) / np.sum(mask, axis=axis, keepdims=keepdims)


@tangent(unreduce)
def unreduce_(y, g, x, axis=None, keepdims=False):
    d[y] = unreduce(d[g], x, axis, keepdims)


# ---- the NumPy breadth (as templates/reverse/reductions.py) ----

@tangent(np.prod)
def prod(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(prod_adjoint(np.ones_like(y), x, axis, keepdims) * d[x], axis=axis, keepdims=keepdims)


@tangent(np.var)
def var(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[y] = np.sum(2.0 * (x - np.mean(x, axis=axis, keepdims=True)) * d[x], axis=axis, keepdims=keepdims) / (reduced_size(x, axis) - ddof)


@tangent(np.std)
def std(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[y] = np.sum((x - np.mean(x, axis=axis, keepdims=True)) * d[x], axis=axis, keepdims=keepdims) / ((reduced_size(x, axis) - ddof) * y)


@tangent(np.cumsum)
def cumsum(y, x, axis=None, dtype=None, out=None):
    d[y] = np.cumsum(d[x], axis)


@tangent(np.cumprod)
def cumprod(y, x, axis=None, dtype=None, out=None):
    # Divides by x: x must have no zeros.
    d[y] = y * np.cumsum(d[x] / x, axis)


@tangent(np.average)
def average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    d[y] = np.sum(d[a] * average_share(a, axis, weights), axis=axis, keepdims=keepdims) + np.sum(average_spread(a, y, axis, weights, keepdims) * np.reshape(d[weights], average_weights_shape(a, axis, weights)), axis=axis, keepdims=keepdims)


@tangent(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[y] = np.sum(norm_gradient(np.ones_like(y), x, y, ord, axis, keepdims) * d[x], axis=axis, keepdims=keepdims)

"""Tangents of reductions: the same reduction applied to the tangent."""
import numpy as np

from s2s.runtime import unreduce
from s2s.template import d, tangent


@tangent(np.sum, "method.sum")
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[y] = np.sum(d[x], axis=axis, keepdims=keepdims)


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

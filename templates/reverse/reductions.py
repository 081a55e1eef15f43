"""Adjoints of reductions: the adjoint is spread back over the reduced axes."""
import numpy as np

from s2s.runtime import reduced_size, unreduce
from s2s.template import adjoint, d


@adjoint(np.sum, "method.sum")
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims)


@adjoint(np.mean, "method.mean")
def mean(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims) / reduced_size(x, axis)


@adjoint(np.max, np.amax, "method.max")
def max(y, x, axis=None, out=None, keepdims=False):
    # Ties split the adjoint equally between the maximal elements.
    mask = x == unreduce(y, x, axis, keepdims)
    d[x] = unreduce(d[y], x, axis, keepdims) * mask / np.sum(mask, axis=axis, keepdims=True)


@adjoint(np.min, np.amin, "method.min")
def min(y, x, axis=None, out=None, keepdims=False):
    mask = x == unreduce(y, x, axis, keepdims)
    d[x] = unreduce(d[y], x, axis, keepdims) * mask / np.sum(mask, axis=axis, keepdims=True)

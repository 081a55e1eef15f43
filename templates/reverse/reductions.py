"""Adjoints of reductions: the adjoint is spread back over the reduced axes.

`axis` may be None, an int, a negative int or a tuple; `keepdims` either way:
`unreduce` puts the reduced axes back and broadcasts.

Ties in max/min (np.max, np.amax, np.min, np.amin, x.max(), the inf norms and
the builtins max/min) split the adjoint equally between the tied elements:
the mean of the subgradients, as TF's reduce_max and JAX do. The elementwise
np.maximum/np.minimum instead send it all to their first argument.
"""
import numpy as np

from s2s.runtime import (average_adjoint_a, average_adjoint_weights, extremum_adjoint,
                         norm_gradient, prod_adjoint, reduced_size, reverse_cumsum, unreduce)
from s2s.template import adjoint, d


@adjoint(np.sum, "method.sum")
def sum(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims)


@adjoint(np.add.reduce)
def add_reduce(y, x, axis=0, dtype=None, out=None, keepdims=False, initial=None):
    # (the optimiser writes it for a sum it can prove: see optimize.py)
    d[x] = unreduce(d[y], x, axis, keepdims)


@adjoint(np.mean, "method.mean")
def mean(y, x, axis=None, dtype=None, out=None, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims) / reduced_size(x, axis)


@adjoint(np.max, np.amax, "method.max", np.min, np.amin, "method.min")
def max(y, x, axis=None, out=None, keepdims=False):
    # Ties split the adjoint equally between the extreme elements.
    d[x] = extremum_adjoint(d[y], x, y, axis, keepdims)


@adjoint(np.prod)
def prod(y, x, axis=None, dtype=None, out=None, keepdims=False):
    # Exact with zeros in x: the product of the other elements, not y / x.
    d[x] = prod_adjoint(d[y], x, axis, keepdims)


@adjoint(np.var)
def var(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[x] = unreduce(d[y], x, axis, keepdims) * 2.0 * (x - np.mean(x, axis=axis, keepdims=True)) / (reduced_size(x, axis) - ddof)


@adjoint(np.std)
def std(y, x, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    d[x] = unreduce(d[y] / y, x, axis, keepdims) * (x - np.mean(x, axis=axis, keepdims=True)) / (reduced_size(x, axis) - ddof)


@adjoint(np.cumsum)
def cumsum(y, x, axis=None, dtype=None, out=None):
    d[x] = np.reshape(reverse_cumsum(d[y], axis), np.shape(x))


@adjoint(np.cumprod)
def cumprod(y, x, axis=None, dtype=None, out=None):
    # Divides by x: x must have no zeros.
    d[x] = np.reshape(reverse_cumsum(d[y] * y, axis), np.shape(x)) / x


@adjoint(np.average)
def average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    d[a] = average_adjoint_a(d[y], a, axis, weights, keepdims)
    d[weights] = average_adjoint_weights(d[y], y, a, axis, weights, keepdims)


@adjoint(np.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_gradient(d[y], x, y, ord, axis, keepdims)

"""Adjoints of the helpers reverse-mode code calls, so that a generated
gradient can itself be differentiated (grad(grad(f))). Each helper is linear
in the adjoint it receives, so its own adjoint is the forward operation."""
import numpy as np

from s2s.runtime import (broadcast_like, broadcast_sum, dot_adjoint_a, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b,
                         to_shape_of, unbroadcast, unindex, unreduce)
from s2s.template import adjoint, d


@adjoint(unbroadcast, to_shape_of)
def unbroadcast_(y, g, x):
    d[g] = to_shape_of(d[y], g)


@adjoint(broadcast_sum)
def broadcast_sum_(y, g, x):
    # linear in g: broadcast up to the common shape, sum down; its adjoint
    # broadcasts d[y] up to that shape and sums down to g's
    d[g] = broadcast_sum(d[y], g)


@adjoint(unreduce)
def unreduce_(y, g, x, axis=None, keepdims=False):
    d[g] = to_shape_of(np.sum(d[y], axis=axis, keepdims=keepdims), g)


@adjoint(matmul_adjoint_a)
def matmul_adjoint_a_(y, g, a, b):
    # <Y, ga(g, b)> = <Y @ b, g>
    d[g] = unbroadcast(np.matmul(d[y], b), g)
    d[b] = matmul_adjoint_b(g, d[y], b)


@adjoint(matmul_adjoint_b)
def matmul_adjoint_b_(y, g, a, b):
    # <Y, gb(g, a)> = <a @ Y, g>
    d[g] = unbroadcast(np.matmul(a, d[y]), g)
    d[a] = matmul_adjoint_a(g, a, d[y])


@adjoint(dot_adjoint_a)
def dot_adjoint_a_(y, g, a, b):
    d[g] = unbroadcast(np.dot(d[y], b), g)
    d[b] = dot_adjoint_b(g, d[y], b)


@adjoint(dot_adjoint_b)
def dot_adjoint_b_(y, g, a, b):
    d[g] = unbroadcast(np.dot(a, d[y]), g)
    d[a] = dot_adjoint_a(g, a, d[y])


@adjoint(unindex)
def unindex_(y, g, x, index):
    d[g] = d[y][index]


@adjoint(broadcast_like)
def broadcast_like_(y, g, x):
    d[g] = unbroadcast(d[y], g)

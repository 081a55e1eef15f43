"""Tangents of products: the product rule."""
import operator

import numpy as np

from s2s.runtime import cholesky_tangent, einsum_tangent, inner_axes, kron_shapes, tensordot_plan
from s2s.template import d, tangent


@tangent(operator.matmul, np.matmul)
def matmul(z, a, b):
    d[z] = d[a] @ b + a @ d[b]


@tangent(np.dot, "method.dot")
def dot(z, a, b):
    d[z] = np.dot(d[a], b) + np.dot(a, d[b])


# ---- the NumPy breadth (as templates/reverse/linalg.py). Products are
# written with np.dot/np.reshape/np.transpose, which the engine knows to be
# linear, so that the term of a constant operand disappears. ----

@tangent(np.vdot)
def vdot(z, a, b):
    d[z] = np.dot(np.reshape(d[a], -1), np.reshape(b, -1)) + np.dot(np.reshape(a, -1), np.reshape(d[b], -1))


@tangent(np.inner)
def inner(z, a, b):
    d[z] = np.dot(d[a], np.transpose(b, inner_axes(a, b))) + np.dot(a, np.transpose(d[b], inner_axes(a, b)))


@tangent(np.outer)
def outer(z, a, b):
    d[z] = np.dot(np.reshape(d[a], (-1, 1)), np.reshape(b, (1, -1))) + np.dot(np.reshape(a, (-1, 1)), np.reshape(d[b], (1, -1)))


@tangent(np.tensordot)
def tensordot(z, a, b, axes=2):
    perm_a, shape_a, perm_b, shape_b = tensordot_plan(a, b, axes)
    d[z] = np.reshape(np.dot(np.reshape(np.transpose(d[a], perm_a), shape_a), np.reshape(np.transpose(b, perm_b), shape_b)) + np.dot(np.reshape(np.transpose(a, perm_a), shape_a), np.reshape(np.transpose(d[b], perm_b), shape_b)), np.shape(z))


@tangent(np.einsum)
def einsum(y, subscripts, x0, x1=None, x2=None, x3=None, out=None, optimize=False):
    d[y] = einsum_tangent(y, subscripts, (d[x0], d[x1], d[x2], d[x3]), (x0, x1, x2, x3))


@tangent(np.kron)
def kron(z, a, b):
    shape_a, shape_b = kron_shapes(a, b)
    d[z] = np.reshape(np.reshape(d[a], shape_a) * np.reshape(b, shape_b) + np.reshape(a, shape_a) * np.reshape(d[b], shape_b), np.shape(z))


@tangent(np.linalg.inv)
def inv(y, a):
    d[y] = -(y @ d[a] @ y)


@tangent(np.linalg.solve)
def solve(x, a, b):
    # vector b: d[a] @ x is a matrix-vector product, as a @ x
    d[x] = np.linalg.solve(a, d[b] - d[a] @ x)


@tangent(np.linalg.det)
def det(y, a):
    d[y] = y * np.trace(np.linalg.solve(a, d[a]), axis1=-2, axis2=-1)


@tangent(np.linalg.slogdet)
def slogdet(y, a):
    d[y] = (np.zeros_like(y[0]), np.trace(np.linalg.solve(a, d[a]), axis1=-2, axis2=-1))


@tangent("attr.logabsdet")
def logabsdet(y, r):
    d[y] = d[r][1]


@tangent("attr.sign")
def sign(y, r):
    d[y] = np.zeros_like(y)


@tangent(np.linalg.cholesky)
def cholesky(L, a, upper=False):
    d[L] = cholesky_tangent(d[a], L, upper)

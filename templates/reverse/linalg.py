"""Adjoints of products and linear algebra."""
import operator

import numpy as np

from s2s.runtime import (cholesky_adjoint, dot_adjoint_a, dot_adjoint_b, einsum_adjoint,
                         inner_adjoint_a, inner_adjoint_b, kron_adjoint_a, kron_adjoint_b,
                         matmul_adjoint_a, matmul_adjoint_b, solve_adjoint_a, solve_adjoint_b,
                         tensordot_adjoint_a, tensordot_adjoint_b, unbroadcast)
from s2s.template import adjoint, d


@adjoint(operator.matmul, np.matmul)
def matmul(z, a, b):
    d[a] = matmul_adjoint_a(d[z], a, b)
    d[b] = matmul_adjoint_b(d[z], a, b)


@adjoint(np.dot, "method.dot")
def dot(z, a, b):
    d[a] = dot_adjoint_a(d[z], a, b)
    d[b] = dot_adjoint_b(d[z], a, b)


@adjoint(np.vdot)
def vdot(z, a, b):
    d[a] = d[z] * np.reshape(b, np.shape(a))
    d[b] = d[z] * np.reshape(a, np.shape(b))


@adjoint(np.inner)
def inner(z, a, b):
    d[a] = inner_adjoint_a(d[z], a, b)
    d[b] = inner_adjoint_b(d[z], a, b)


@adjoint(np.outer)
def outer(z, a, b):
    d[a] = np.reshape(d[z] @ np.ravel(b), np.shape(a))
    d[b] = np.reshape(np.ravel(a) @ d[z], np.shape(b))


@adjoint(np.tensordot)
def tensordot(z, a, b, axes=2):
    d[a] = tensordot_adjoint_a(d[z], a, b, axes)
    d[b] = tensordot_adjoint_b(d[z], a, b, axes)


@adjoint(np.einsum)
def einsum(y, subscripts, x0, x1=None, x2=None, x3=None, out=None, optimize=False):
    # Up to 4 operands; the subscripts may use '...', repeated (diagonal)
    # labels and the implicit output.
    d[x0] = einsum_adjoint(d[y], subscripts, 0, x0, x1, x2, x3)
    d[x1] = einsum_adjoint(d[y], subscripts, 1, x0, x1, x2, x3)
    d[x2] = einsum_adjoint(d[y], subscripts, 2, x0, x1, x2, x3)
    d[x3] = einsum_adjoint(d[y], subscripts, 3, x0, x1, x2, x3)


@adjoint(np.kron)
def kron(z, a, b):
    d[a] = kron_adjoint_a(d[z], a, b)
    d[b] = kron_adjoint_b(d[z], a, b)


@adjoint(np.linalg.inv)
def inv(y, a):
    yT = np.swapaxes(y, -1, -2)
    d[a] = -(yT @ d[y] @ yT)


@adjoint(np.linalg.solve)
def solve(x, a, b):
    gb = solve_adjoint_b(d[x], a, b)  # solve(a.T, d[x])
    d[b] = unbroadcast(gb, b)
    d[a] = unbroadcast(solve_adjoint_a(gb, x, b), a)


@adjoint(np.linalg.det)
def det(y, a):
    d[a] = np.expand_dims(d[y] * y, (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@adjoint(np.linalg.slogdet)
def slogdet(y, a):
    # y is (sign, logabsdet); only logabsdet has a derivative.
    d[a] = np.expand_dims(d[y][1], (-2, -1)) * np.swapaxes(np.linalg.inv(a), -1, -2)


@adjoint("attr.logabsdet")
def logabsdet(y, r):
    d[r] = (0.0, d[y])


@adjoint("attr.sign")
def sign(y, r):
    """The sign of a slogdet result: a constant."""


@adjoint(np.linalg.cholesky)
def cholesky(L, a, upper=False):
    # The symmetric adjoint (as TF and JAX): NumPy reads only one triangle of
    # a, so compare with finite differences of a symmetrised input.
    d[a] = cholesky_adjoint(d[L], L, upper)

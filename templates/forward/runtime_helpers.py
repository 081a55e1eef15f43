"""Tangents of the helpers reverse-mode code calls, so that forward mode can
differentiate a generated gradient (Hessian-vector products, jvp(grad(f)))."""
from s2s.runtime import (broadcast_like, dot_adjoint_a, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b,
                         unbroadcast, unindex)
from s2s.template import d, tangent


@tangent(unbroadcast)
def unbroadcast_(y, g, x):
    d[y] = unbroadcast(d[g], x)


@tangent(matmul_adjoint_a)
def matmul_adjoint_a_(y, g, a, b):
    d[y] = matmul_adjoint_a(d[g], a, b) + matmul_adjoint_a(g, a, d[b])


@tangent(matmul_adjoint_b)
def matmul_adjoint_b_(y, g, a, b):
    d[y] = matmul_adjoint_b(d[g], a, b) + matmul_adjoint_b(g, d[a], b)


@tangent(dot_adjoint_a)
def dot_adjoint_a_(y, g, a, b):
    d[y] = dot_adjoint_a(d[g], a, b) + dot_adjoint_a(g, a, d[b])


@tangent(dot_adjoint_b)
def dot_adjoint_b_(y, g, a, b):
    d[y] = dot_adjoint_b(d[g], a, b) + dot_adjoint_b(g, d[a], b)


@tangent(unindex)
def unindex_(y, g, x, index):
    d[y] = unindex(d[g], x, index)


@tangent("method.pop")
def pop(y, stack):
    d[y] = d[stack].pop()


@tangent(broadcast_like)
def broadcast_like_(y, g, x):
    d[y] = broadcast_like(d[g], y)

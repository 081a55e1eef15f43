"""Tangents of the helpers reverse-mode code calls, so that forward mode can
differentiate a generated gradient (Hessian-vector products, jvp(grad(f)))."""
from s2s.runtime import (broadcast_like, broadcast_sum, dot_adjoint_a, to_shape_of, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b,
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


@tangent(broadcast_sum)
def broadcast_sum_(y, g, x):
    d[y] = broadcast_sum(d[g], x)


@tangent(to_shape_of)
def to_shape_of_(y, g, x):
    d[y] = to_shape_of(d[g], x)


# Helpers of the linear-algebra adjoints: bilinear in the adjoint and the
# other operand, so the tangent is the sum of the two partial applications.
from s2s.runtime import (inner_adjoint_a, inner_adjoint_b, kron_adjoint_a,  # noqa: E402
                         kron_adjoint_b, tensordot_adjoint_a, tensordot_adjoint_b)


@tangent(tensordot_adjoint_a)
def tensordot_adjoint_a_(y, g, a, b, axes=2):
    d[y] = tensordot_adjoint_a(d[g], a, b, axes) + tensordot_adjoint_a(g, a, d[b], axes)


@tangent(tensordot_adjoint_b)
def tensordot_adjoint_b_(y, g, a, b, axes=2):
    d[y] = tensordot_adjoint_b(d[g], a, b, axes) + tensordot_adjoint_b(g, d[a], b, axes)


@tangent(inner_adjoint_a)
def inner_adjoint_a_(y, g, a, b):
    d[y] = inner_adjoint_a(d[g], a, b) + inner_adjoint_a(g, a, d[b])


@tangent(inner_adjoint_b)
def inner_adjoint_b_(y, g, a, b):
    d[y] = inner_adjoint_b(d[g], a, b) + inner_adjoint_b(g, d[a], b)


@tangent(kron_adjoint_a)
def kron_adjoint_a_(y, g, a, b):
    d[y] = kron_adjoint_a(d[g], a, b) + kron_adjoint_a(g, a, d[b])


@tangent(kron_adjoint_b)
def kron_adjoint_b_(y, g, a, b):
    d[y] = kron_adjoint_b(d[g], a, b) + kron_adjoint_b(g, d[a], b)

"""Adjoints of the runtime helpers that the NumPy-breadth templates call, so
that a generated gradient can itself be differentiated (grad(grad(f)),
hessian). Most helpers are linear in the adjoint g they receive: their own
adjoint is the forward operation. Helpers without a template here (norm,
average, cholesky adjoints) are differentiated through their source, when
s2s can read it; the ones they call that cannot be (they call the SVD) have
templates here."""
import numpy as np

from s2s import runtime
from s2s.runtime import (cast_adjoint, diag_adjoint, diagonal_adjoint, einsum_adjoint,
                         einsum_adjoint_operand, einsum_replaced, exclusive_prod,
                         exclusive_prod_hvp, hstack_adjoint,
                         inner_adjoint_a, inner_adjoint_b, item_adjoint, kron_adjoint_a,
                         kron_adjoint_b, ones_if_none, pad_adjoint, prod_adjoint, repeat_adjoint,
                         reverse_cumsum, sequence_max_adjoint, solve_adjoint_a, solve_adjoint_b,
                         singular_gradient, singular_hessian_product, split_adjoint,
                         svd_factor, svd_factor_adjoint, take_adjoint, tensordot_adjoint_a, tensordot_adjoint_b,
                         tile_adjoint, to_shape_of, trace_adjoint, unreduce, unstack,
                         vstack_adjoint)
from s2s.template import adjoint, d, nondifferentiable

# Piecewise constant, or shapes and permutations: no derivative.
nondifferentiable(runtime.extremum_share, runtime.inner_axes, runtime.tensordot_plan,
                  runtime.kron_shapes, runtime.average_weights_shape, runtime.prod_group_plan)


@adjoint(cast_adjoint)
def cast_adjoint_(y, g, x, z):
    d[g] = to_shape_of(d[y], g)


@adjoint(reverse_cumsum)
def reverse_cumsum_(y, g, axis=None):
    d[g] = np.cumsum(d[y], axis)


@adjoint(split_adjoint)
def split_adjoint_(y, g, arrays, axis=0):
    d[g] = np.reshape(np.concatenate(d[y], axis), np.shape(g))


@adjoint(hstack_adjoint)
def hstack_adjoint_(y, g, arrays):
    d[g] = np.hstack(d[y])


@adjoint(vstack_adjoint)
def vstack_adjoint_(y, g, arrays):
    d[g] = np.vstack(d[y])


@adjoint(tile_adjoint)
def tile_adjoint_(y, g, x, reps):
    d[g] = np.reshape(np.tile(d[y], reps), np.shape(g))


@adjoint(repeat_adjoint)
def repeat_adjoint_(y, g, x, repeats, axis=None):
    d[g] = np.reshape(np.repeat(d[y], repeats, axis), np.shape(g))


@adjoint(diag_adjoint)
def diag_adjoint_(y, g, v, k=0):
    d[g] = np.diag(d[y], k)


@adjoint(diagonal_adjoint)
def diagonal_adjoint_(y, g, a, offset=0, axis1=0, axis2=1):
    d[g] = np.diagonal(d[y], offset, axis1, axis2)


@adjoint(trace_adjoint)
def trace_adjoint_(y, g, a, offset=0, axis1=0, axis2=1):
    d[g] = np.trace(d[y], offset, axis1, axis2)


@adjoint(pad_adjoint)
def pad_adjoint_(y, g, array, pad_width, mode="constant"):
    d[g] = np.pad(d[y], pad_width)


@adjoint(take_adjoint)
def take_adjoint_(y, g, a, indices, axis=None):
    d[g] = np.take(d[y], indices, axis)


@adjoint(item_adjoint)
def item_adjoint_(y, g, x, index=()):
    d[g] = d[y].item(*index)


@adjoint(sequence_max_adjoint)
def sequence_max_adjoint_(y, g, z, i, *args):
    # linear in g; the tie pattern is piecewise constant in the arguments
    d[g] = np.sum(d[y] * sequence_max_adjoint(1.0, z, i, *args))


@adjoint(ones_if_none)
def ones_if_none_(y, b):
    d[b] = d[y]


@adjoint(inner_adjoint_a)
def inner_adjoint_a_(y, g, a, b):
    # <Y, ga(g, b)> = <inner(Y, b), g>
    d[g] = to_shape_of(np.inner(d[y], b), g)
    d[b] = inner_adjoint_b(g, d[y], b)


@adjoint(inner_adjoint_b)
def inner_adjoint_b_(y, g, a, b):
    d[g] = to_shape_of(np.inner(a, d[y]), g)
    d[a] = inner_adjoint_a(g, a, d[y])


@adjoint(tensordot_adjoint_a)
def tensordot_adjoint_a_(y, g, a, b, axes=2):
    d[g] = np.tensordot(d[y], b, axes)
    d[b] = tensordot_adjoint_b(g, d[y], b, axes)


@adjoint(tensordot_adjoint_b)
def tensordot_adjoint_b_(y, g, a, b, axes=2):
    d[g] = np.tensordot(a, d[y], axes)
    d[a] = tensordot_adjoint_a(g, a, d[y], axes)


@adjoint(kron_adjoint_a)
def kron_adjoint_a_(y, g, a, b):
    d[g] = np.kron(d[y], b)
    d[b] = kron_adjoint_b(g, d[y], b)


@adjoint(kron_adjoint_b)
def kron_adjoint_b_(y, g, a, b):
    d[g] = np.kron(a, d[y])
    d[a] = kron_adjoint_a(g, a, d[y])


@adjoint(solve_adjoint_b)
def solve_adjoint_b_(y, g, a, b):
    # y = a^-T g: <Y, y> = <a^-1 Y, g>
    z = np.linalg.solve(a, d[y])
    d[g] = z
    d[a] = solve_adjoint_a(y, z, b)


@adjoint(solve_adjoint_a)
def solve_adjoint_a_(y, gb, x, b):
    # y = -gb x^T (an outer product for vector b)
    d[gb] = -(d[y] @ x)
    d[x] = -(np.swapaxes(d[y], -1, -2) @ gb)


@adjoint(einsum_adjoint)
def einsum_adjoint_(y, g, subscripts, i, x0, x1=None, x2=None, x3=None):
    # <Y, einsum_adjoint_i(g)> = <einsum with operand i replaced by Y, g>
    d[g] = einsum_replaced(subscripts, i, d[y], x0, x1, x2, x3)
    d[x0] = einsum_adjoint_operand(g, d[y], subscripts, i, 0, x0, x1, x2, x3)
    d[x1] = einsum_adjoint_operand(g, d[y], subscripts, i, 1, x0, x1, x2, x3)
    d[x2] = einsum_adjoint_operand(g, d[y], subscripts, i, 2, x0, x1, x2, x3)
    d[x3] = einsum_adjoint_operand(g, d[y], subscripts, i, 3, x0, x1, x2, x3)


@adjoint(unstack)
def unstack_(y, g, arrays, axis=0):
    d[g] = np.stack(d[y], axis)


# np.prod: y = unreduce(g) * exclusive_prod(x). Linear in g; the derivative of
# exclusive_prod is the symmetric matrix of products of all but two elements
# (exclusive_prod_hvp), itself plain NumPy that s2s differentiates through for
# higher orders. Exact with zeros in x: nothing divides by x.
@adjoint(prod_adjoint)
def prod_adjoint_(y, g, x, axis=None, keepdims=False):
    d[g] = to_shape_of(np.sum(d[y] * exclusive_prod(x, axis), axis=axis, keepdims=keepdims), g)
    d[x] = exclusive_prod_hvp(d[y] * unreduce(g, x, axis, keepdims), x, axis)


@adjoint(exclusive_prod)
def exclusive_prod_(y, x, axis=None):
    d[x] = exclusive_prod_hvp(d[y], x, axis)


# np.linalg.norm, ord 2/-2/'nuc' on matrices: norm_gradient calls
# singular_gradient (u_q v_q^T or u @ vt), whose derivative is a symmetric map
# (tangent and adjoint alike); that one is differentiable NumPy over
# svd_factor, whose adjoint is too: any order, no tuple-valued SVD inside.
@adjoint(singular_gradient)
def singular_gradient_(y, a, ord):
    d[a] = singular_hessian_product(a, d[y], ord)


@adjoint(svd_factor)
def svd_factor_(y, a, i):
    d[a] = svd_factor_adjoint(d[y], a, i)

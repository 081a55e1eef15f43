"""Tangents of the runtime helpers that the NumPy-breadth reverse templates
call, so that forward mode can differentiate a generated gradient (hvp,
hessian, jvp(grad(f))). These helpers are linear in the adjoint g they
receive (the other arguments give shapes, indices or a piecewise-constant
pattern), so the tangent is the helper applied to g's tangent. The
bilinear helpers (inner/tensordot/kron/solve adjoints) have none yet: the
engine cannot drop a constant operand's zero tangent inside a call."""
from s2s.runtime import (cast_adjoint, diag_adjoint, diagonal_adjoint, exclusive_prod,
                         exclusive_prod_hvp, hstack_adjoint, item_adjoint, ones_if_none,
                         pad_adjoint, prod_adjoint, repeat_adjoint, reverse_cumsum,
                         sequence_max_adjoint, singular_gradient, singular_hessian_product,
                         split_adjoint, svd_factor, svd_factor_tangent, take_adjoint, tile_adjoint,
                         trace_adjoint, unreduce, unstack, vstack_adjoint)
from s2s.template import d, tangent


@tangent(cast_adjoint)
def cast_adjoint_(y, g, x, z):
    d[y] = cast_adjoint(d[g], x, z)


@tangent(reverse_cumsum)
def reverse_cumsum_(y, g, axis=None):
    d[y] = reverse_cumsum(d[g], axis)


@tangent(split_adjoint)
def split_adjoint_(y, g, arrays, axis=0):
    d[y] = split_adjoint(d[g], arrays, axis)


@tangent(hstack_adjoint)
def hstack_adjoint_(y, g, arrays):
    d[y] = hstack_adjoint(d[g], arrays)


@tangent(vstack_adjoint)
def vstack_adjoint_(y, g, arrays):
    d[y] = vstack_adjoint(d[g], arrays)


@tangent(tile_adjoint)
def tile_adjoint_(y, g, x, reps):
    d[y] = tile_adjoint(d[g], x, reps)


@tangent(repeat_adjoint)
def repeat_adjoint_(y, g, x, repeats, axis=None):
    d[y] = repeat_adjoint(d[g], x, repeats, axis)


@tangent(diag_adjoint)
def diag_adjoint_(y, g, v, k=0):
    d[y] = diag_adjoint(d[g], v, k)


@tangent(diagonal_adjoint)
def diagonal_adjoint_(y, g, a, offset=0, axis1=0, axis2=1):
    d[y] = diagonal_adjoint(d[g], a, offset, axis1, axis2)


@tangent(trace_adjoint)
def trace_adjoint_(y, g, a, offset=0, axis1=0, axis2=1):
    d[y] = trace_adjoint(d[g], a, offset, axis1, axis2)


@tangent(pad_adjoint)
def pad_adjoint_(y, g, array, pad_width, mode="constant"):
    d[y] = pad_adjoint(d[g], array, pad_width, mode)


@tangent(take_adjoint)
def take_adjoint_(y, g, a, indices, axis=None):
    d[y] = take_adjoint(d[g], a, indices, axis)


@tangent(item_adjoint)
def item_adjoint_(y, g, x, index=()):
    d[y] = item_adjoint(d[g], x, index)


@tangent(sequence_max_adjoint)
def sequence_max_adjoint_(y, g, z, i, *args):
    d[y] = sequence_max_adjoint(d[g], z, i, *args)


@tangent(ones_if_none)
def ones_if_none_(y, b):
    d[y] = d[b]


@tangent(unstack)
def unstack_(y, g, arrays, axis=0):
    d[y] = unstack(d[g], arrays, axis)


# np.prod (as templates/reverse/numpy_helpers.py): the product rule on
# unreduce(g) * exclusive_prod(x).
@tangent(prod_adjoint)
def prod_adjoint_(y, g, x, axis=None, keepdims=False):
    d[y] = prod_adjoint(d[g], x, axis, keepdims) + unreduce(g, x, axis, keepdims) * exclusive_prod_hvp(d[x], x, axis)


@tangent(exclusive_prod)
def exclusive_prod_(y, x, axis=None):
    d[y] = exclusive_prod_hvp(d[x], x, axis)


# np.linalg.norm, ord 2/-2/'nuc' (as templates/reverse/numpy_helpers.py)
@tangent(singular_gradient)
def singular_gradient_(y, a, ord):
    d[y] = singular_hessian_product(a, d[a], ord)


@tangent(svd_factor)
def svd_factor_(y, a, i):
    d[y] = svd_factor_tangent(d[a], a, i)

"""Tangents of shape changes and indexing: the same change on the tangent."""
import numpy as np

from s2s.template import d, tangent


@tangent(np.reshape)
def reshape(y, x, newshape=None, order="C", shape=None):
    d[y] = np.reshape(d[x], np.shape(y))


@tangent("method.reshape", np.ravel, "method.ravel", "method.flatten")
def reshape_method(y, x, *shape, order="C"):
    d[y] = np.reshape(d[x], np.shape(y))


@tangent(np.transpose)
def transpose(y, x, axes=None):
    d[y] = np.transpose(d[x], axes)


@tangent("method.transpose")
def transpose_method(y, x, *axes):
    d[y] = np.transpose(d[x], *axes)


@tangent("attr.T")
def transpose_attribute(y, x):
    d[y] = np.transpose(d[x])


@tangent("getitem")
def getitem(y, x, index):
    d[y] = d[x][index]


# ---- the NumPy breadth (as templates/reverse/shape.py): the same change on
# the tangent ----

@tangent(np.take, "method.take")
def take(y, a, indices, axis=None, out=None, mode="raise"):
    d[y] = np.take(d[a], indices, axis)


@tangent(np.swapaxes, "method.swapaxes")
def swapaxes(y, a, axis1, axis2):
    d[y] = np.swapaxes(d[a], axis1, axis2)


@tangent(np.moveaxis)
def moveaxis(y, a, source, destination):
    d[y] = np.moveaxis(d[a], source, destination)


@tangent(np.squeeze, "method.squeeze", np.expand_dims, np.atleast_1d, np.atleast_2d)
def squeeze(y, a, axis=None):
    d[y] = np.reshape(d[a], np.shape(y))


@tangent(np.broadcast_to)
def broadcast_to(y, array, shape, subok=False):
    d[y] = np.broadcast_to(d[array], shape)


@tangent(np.concatenate)
def concatenate(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[y] = np.concatenate(d[arrays], axis)


@tangent(np.stack)
def stack(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[y] = np.stack(d[arrays], axis)


@tangent(np.hstack)
def hstack(y, tup, dtype=None, casting="same_kind"):
    d[y] = np.hstack(d[tup])


@tangent(np.vstack)
def vstack(y, tup, dtype=None, casting="same_kind"):
    d[y] = np.vstack(d[tup])


@tangent(np.split)
def split(y, ary, indices_or_sections, axis=0):
    d[y] = np.split(d[ary], indices_or_sections, axis)


@tangent(np.array_split)
def array_split(y, ary, indices_or_sections, axis=0):
    d[y] = np.array_split(d[ary], indices_or_sections, axis)


@tangent(np.tile)
def tile(y, A, reps):
    d[y] = np.tile(d[A], reps)


@tangent(np.repeat, "method.repeat")
def repeat(y, a, repeats, axis=None):
    d[y] = np.repeat(d[a], repeats, axis)


@tangent(np.flip)
def flip(y, m, axis=None):
    d[y] = np.flip(d[m], axis)


@tangent(np.fliplr)
def fliplr(y, m):
    d[y] = np.fliplr(d[m])


@tangent(np.flipud)
def flipud(y, m):
    d[y] = np.flipud(d[m])


@tangent(np.diag)
def diag(y, v, k=0):
    d[y] = np.diag(d[v], k)


@tangent(np.diagonal, "method.diagonal")
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    d[y] = np.diagonal(d[a], offset, axis1, axis2)


@tangent(np.trace, "method.trace")
def trace(y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[y] = np.trace(d[a], offset, axis1, axis2)


@tangent(np.triu)
def triu(y, m, k=0):
    d[y] = np.triu(d[m], k)


@tangent(np.tril)
def tril(y, m, k=0):
    d[y] = np.tril(d[m], k)


@tangent(np.pad)
def pad(y, array, pad_width, mode="constant", constant_values=0):
    d[y] = np.pad(d[array], pad_width, mode) + d[constant_values] * np.pad(np.zeros_like(array), pad_width, constant_values=1.0)

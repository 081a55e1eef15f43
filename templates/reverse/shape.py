"""Adjoints of shape changes and indexing: the adjoint is moved back."""
import numpy as np

from s2s.runtime import (diag_adjoint, diagonal_adjoint, hstack_adjoint, inverse_axes, pad_adjoint,
                         repeat_adjoint, split_adjoint, take_adjoint, tile_adjoint, trace_adjoint,
                         unbroadcast, unindex, unstack, vstack_adjoint)
from s2s.template import adjoint, d


@adjoint(np.reshape)
def reshape(y, x, newshape=None, order="C", shape=None):
    d[x] = np.reshape(d[y], np.shape(x))


@adjoint("method.reshape")
def reshape_method(y, x, *shape, order="C"):
    d[x] = np.reshape(d[y], np.shape(x))


@adjoint(np.ravel, "method.ravel", "method.flatten")
def ravel(y, x, order="C"):
    d[x] = np.reshape(d[y], np.shape(x))


@adjoint(np.transpose)
def transpose(y, x, axes=None):
    d[x] = np.transpose(d[y], inverse_axes(axes))


@adjoint("method.transpose")
def transpose_method(y, x, *axes):
    d[x] = np.transpose(d[y], inverse_axes(axes))


@adjoint("attr.T")
def transpose_attribute(y, x):
    d[x] = np.transpose(d[y])


@adjoint("getitem")
def getitem(y, x, index):
    # Integers, slices (any step), None, Ellipsis, boolean masks and integer
    # arrays; repeated integer indices accumulate.
    d[x] = unindex(d[y], x, index)


@adjoint(np.take, "method.take")
def take(y, a, indices, axis=None, out=None, mode="raise"):
    d[a] = take_adjoint(d[y], a, indices, axis)


@adjoint(np.swapaxes, "method.swapaxes")
def swapaxes(y, a, axis1, axis2):
    d[a] = np.swapaxes(d[y], axis1, axis2)


@adjoint(np.moveaxis)
def moveaxis(y, a, source, destination):
    d[a] = np.moveaxis(d[y], destination, source)


@adjoint(np.squeeze, "method.squeeze", np.expand_dims, np.atleast_1d, np.atleast_2d)
def squeeze(y, a, axis=None):
    d[a] = np.reshape(d[y], np.shape(a))


@adjoint(np.broadcast_to)
def broadcast_to(y, array, shape, subok=False):
    d[array] = unbroadcast(d[y], array)


@adjoint(np.concatenate)
def concatenate(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    d[arrays] = split_adjoint(d[y], arrays, axis)


@adjoint(np.stack)
def stack(y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    # The rows of the moved adjoint are the items' adjoints (a list for a list).
    d[arrays] = unstack(d[y], arrays, axis)


@adjoint(np.hstack)
def hstack(y, tup, dtype=None, casting="same_kind"):
    d[tup] = hstack_adjoint(d[y], tup)


@adjoint(np.vstack)
def vstack(y, tup, dtype=None, casting="same_kind"):
    d[tup] = vstack_adjoint(d[y], tup)


@adjoint(np.split, np.array_split)
def split(y, ary, indices_or_sections, axis=0):
    # d[y] is indexable by piece (a list, or an array of equal pieces).
    d[ary] = np.concatenate(d[y], axis)


@adjoint(np.tile)
def tile(y, A, reps):
    d[A] = tile_adjoint(d[y], A, reps)


@adjoint(np.repeat, "method.repeat")
def repeat(y, a, repeats, axis=None):
    d[a] = repeat_adjoint(d[y], a, repeats, axis)


@adjoint(np.flip)
def flip(y, m, axis=None):
    d[m] = np.flip(d[y], axis)


@adjoint(np.fliplr)
def fliplr(y, m):
    d[m] = np.fliplr(d[y])


@adjoint(np.flipud)
def flipud(y, m):
    d[m] = np.flipud(d[y])


@adjoint(np.diag)
def diag(y, v, k=0):
    d[v] = diag_adjoint(d[y], v, k)


@adjoint(np.diagonal, "method.diagonal")
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    d[a] = diagonal_adjoint(d[y], a, offset, axis1, axis2)


@adjoint(np.trace, "method.trace")
def trace(y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    d[a] = trace_adjoint(d[y], a, offset, axis1, axis2)


@adjoint(np.triu)
def triu(y, m, k=0):
    d[m] = np.triu(d[y], k)


@adjoint(np.tril)
def tril(y, m, k=0):
    d[m] = np.tril(d[y], k)


@adjoint(np.pad)
def pad(y, array, pad_width, mode="constant", constant_values=0):
    d[array] = pad_adjoint(d[y], array, pad_width, mode)
    d[constant_values] = np.sum(d[y]) - np.sum(pad_adjoint(d[y], array, pad_width, mode))

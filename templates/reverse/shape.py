"""Adjoints of shape changes and indexing: the adjoint is moved back."""
import numpy as np

from s2s.runtime import inverse_axes, unindex
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
    d[x] = unindex(d[y], x, index)

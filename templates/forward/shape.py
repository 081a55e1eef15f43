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

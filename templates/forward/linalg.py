"""Tangents of products: the product rule."""
import operator

import numpy as np

from s2s.template import d, tangent


@tangent(operator.matmul, np.matmul)
def matmul(z, a, b):
    d[z] = d[a] @ b + a @ d[b]


@tangent(np.dot, "method.dot")
def dot(z, a, b):
    d[z] = np.dot(d[a], b) + np.dot(a, d[b])

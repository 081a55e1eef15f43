"""Adjoints of products and linear algebra."""
import operator

import numpy as np

from s2s.runtime import dot_adjoint_a, dot_adjoint_b, matmul_adjoint_a, matmul_adjoint_b
from s2s.template import adjoint, d


@adjoint(operator.matmul, np.matmul)
def matmul(z, a, b):
    d[a] = matmul_adjoint_a(d[z], a, b)
    d[b] = matmul_adjoint_b(d[z], a, b)


@adjoint(np.dot, "method.dot")
def dot(z, a, b):
    d[a] = dot_adjoint_a(d[z], a, b)
    d[b] = dot_adjoint_b(d[z], a, b)

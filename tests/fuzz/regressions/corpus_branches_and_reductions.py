"""s2s fuzz corpus (hand-written): if on data, a conditional expression,
np.maximum, reductions with and without axis, indexing and a tuple result.

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def f(x0, x1, n):
    v1 = np.maximum(x0, x1[0]) * np.exp(np.tanh(x1))
    if np.sum(v1) > 0.0:
        v2 = np.sum(v1, axis=0) / (1.0 + np.mean(x1) ** 2)
    else:
        v2 = np.log(1.0 + v1[-1] * v1[-1])
    v3 = v2 * x0 if n > 1 else v2 + x0
    for i4 in range(n):
        v3 = 0.5 * v3 + 0.5 * np.sin(v1[1])
    return np.sqrt(1.0 + v3 * v3), np.dot(x0, v3)


ARGS = [np.array([0.3, -0.7, 1.1]), np.array([[0.2, -0.4, 0.9], [1.3, -1.1, 0.5]]), 2]
WRT = ('x0', 'x1')
MODES = ('reverse', 'jvp', 'vjp')

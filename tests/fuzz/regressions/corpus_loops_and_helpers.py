"""s2s fuzz corpus (hand-written): nested loops overwriting a variable, a loop
over an array's rows, a while with a data-dependent trip count and a helper.

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0, a1):
    v1 = np.tanh(a0 * a1)
    return v1 + np.sin(a1)


def f(x0, x1):
    v2 = x0 * 1.0
    for i3 in range(2):
        v2 = v2 * np.cos(x1)
        for i4 in range(3):
            v2 = np.tanh(v2 + 0.5 * i4)
    acc = 0.0
    for r5 in x1:
        acc = acc + np.sum(r5 * v2)
    count6 = 0
    while np.sum(v2 * v2) < 10.0 and count6 < 4:
        count6 += 1
        v2 = v2 * 1.5
    return np.sum(h0(v2, x1)) + acc


ARGS = [np.array([0.3, -0.7, 1.1]), np.array([[0.2, -0.4, 0.9], [1.3, -1.1, 0.5]])]
WRT = ('x0', 'x1')
MODES = ('reverse', 'jvp', 'vjp')

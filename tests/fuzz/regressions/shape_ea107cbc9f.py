"""s2s fuzz regression (shape).

    d/dx0: shape () dtype float64, input shape (3,)

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0):
    pass
    return a0


def f(x0):
    v1 = (x0 + (x0 + x0))
    x0 = 0.5
    v2 = x0
    count3 = 0
    while np.sum(v1 * v1) < 10.0 and count3 < 2:
        count3 += 1
        v1 = v1 * 1.5
        v4 = v2
        x0 = np.tanh(x0 + v2)
    return (v2 + v2)


ARGS = [np.array([0.4108850619643629, -0.6906398587083891, -1.3770794281914158])]
WRT = ('x0',)
MODES = ('reverse', 'jvp', 'vjp', 'order2')

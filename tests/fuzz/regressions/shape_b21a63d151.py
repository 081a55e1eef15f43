"""s2s fuzz regression (shape).

    d/dx0: shape (3,) dtype float64, input shape ()

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0):
    pass
    return (((a0 + a0) * 0.01) + np.zeros((3,)))


def f(x0):
    x0 = ((h0(x0) + x0) * 0.01)
    v1 = 0.5
    v2 = v1
    if np.sum((v1 + v1)) > 0.0:
        v3 = x0.sum()
    return (v1 + v1)


ARGS = [0.4108850619643629]
WRT = ('x0',)
MODES = ('reverse', 'jvp', 'vjp', 'order2')

"""s2s fuzz regression (shape).

    d/dx0: shape (1, 3) dtype int64, input shape (1, 3)

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0):
    a0 = np.tanh(a0 + np.cos(((a0 ** 2) * 0.001)))
    v1 = 1.5
    return (np.var(v1) + np.zeros((2, 3)))


def f(x0, x1):
    if np.sum((x1 + x0[-1])) < -0.5:
        for i2 in range(1):
            if np.mean((x0 + (0.5 * i2))) > 0.0:
                break
            x1 = np.tanh(x1 - np.sum(x1.mean()))
        x1 = x1 + 0.25 * np.tanh(0.25)
    return np.sum(np.minimum(np.minimum(x1, x0), x1.mean()))


ARGS = [np.array([[-1.3262990393396865, -1.2789918568838887, -0.8129302280253482]]), np.array([[0.7393169366180339, 0.37145735742566277, 1.3275214315094845], [-0.15731427295584366, -0.8781945040958947, -0.683813818468197]])]
WRT = ('x0', 'x1')
MODES = ('reverse', 'jvp', 'vjp', 'order2')

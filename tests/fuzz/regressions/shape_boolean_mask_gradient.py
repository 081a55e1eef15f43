"""s2s fuzz regression (shape).

    d/dx0: shape (1, 3) dtype int64, input shape (1, 3)

The adjoint of np.minimum is the seed times a comparison mask; a seed of
ones was folded away and left the boolean mask as the gradient.

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def f(x0, x1):
    if np.sum((x1 + x0[-1])) < -0.5:
        for i2 in range(1):
            if np.mean((x0 + (0.5 * i2))) > 0.0:
                break
            x1 = np.tanh(x1 - np.sum(x1.mean()))
        x1 = x1 + 0.25 * np.tanh(0.25)
    return np.sum(np.minimum(np.minimum(x1, x0), x1.mean()))


ARGS = [np.array([[-1.32629904, -1.27899186, -0.81293023]]),
        np.array([[0.73931694, 0.37145736, 1.32752143],
                  [-0.15731427, -0.8781945, -0.68381382]])]
WRT = ('x0', 'x1')
MODES = ('reverse', 'jvp', 'vjp', 'order2')

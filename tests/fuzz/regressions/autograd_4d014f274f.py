"""s2s fuzz regression (autograd).

    d/dx1: s2s array([[0., 0., 0.],
           [0., 0., 0.]]), autograd array([[nan, nan, nan],
           [nan, nan, nan]])

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0, a1):
    a1 = a1 + 0.25 * np.tanh((-1.0))
    v1 = ((a1 + 2.0) * 0.01)
    return (((a0 - np.exp(np.sqrt(1.0 + 1.5 * 1.5))) * 0.01) + np.zeros((1, 3)))


def h1(a0, a1):
    a1 = ((a1 * ((np.maximum(a0, a1) ** 3) * 1e-05) if np.mean(((a1 * a1) * 0.001)) > -0.5 else a1 + (a0.sum() * 0.01)) * 0.01)
    a1 = a1 + 0.25 * np.tanh((0.5 / (1.0 + np.flip(a0) * np.flip(a0))))
    return (((a1 - a0) * 0.01) + np.zeros((2, 3)))


def f(x0, x1):
    x1 = np.tanh(x1 - x1)
    if np.sum((x1 - (2.0 / (1.0 + np.mean(np.clip(x1, -0.5, 0.75)) * np.mean(np.clip(x1, -0.5, 0.75)))))) < -0.5:
        return np.prod(np.tanh(x1)), np.maximum(np.clip(x0, -0.5, 0.75), x0[-1])
    x0 = (x0 * np.maximum(np.linalg.norm(1.0 + (-1.0) * (-1.0)), (x0 / (1.0 + x0 * x0))) if np.sum((x1 + (np.logaddexp(np.mean(2.0), h1((x0[0] + np.zeros((1, 3))), x0)) * 0.01))) > 0.5 else x0 + np.maximum((x0 / (1.0 + np.cos(2.0) * np.cos(2.0))), x1[-1]))
    v2 = np.arctan(0.25)
    v3 = np.sin((0.5 * v2))
    for r4 in x1:
        if np.mean((v2 + np.exp(np.tanh(h1((3.0 + np.zeros((1, 3))), (v3 / (1.0 + x0 * x0))))))) > -0.5:
            break
        v5 = (v3 / (1.0 + (v2 / (1.0 + np.clip(v2, -0.5, 0.75) * np.clip(v2, -0.5, 0.75))) * (v2 / (1.0 + np.clip(v2, -0.5, 0.75) * np.clip(v2, -0.5, 0.75)))))
        v3 = np.tanh(v3 * np.sum(0.25)) if np.mean((x1 - x1)) > 0.5 else v3 + 0.25 * np.tanh(v2)
    return (v2 - v2), (v3 * (1.5 / (1.0 + 0.25 * 0.25)))


ARGS = [np.array([[0.5360482410843019, -0.4416103103527833, 0.6022357738308437]]), np.array([[-0.233355714313344, -0.5263947528604944, -0.39470388991965355], [-1.4422230278312995, -0.22026046823074896, -1.3792903452476928]])]
WRT = ('x0', 'x1')
MODES = ('reverse', 'jvp', 'vjp', 'order2')

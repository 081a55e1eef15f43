"""s2s fuzz regression (mismatch): the while loop counter `n_while1 = 0`, at the top
of a for body, was recomputed in the reverse loop instead of restored (its
step `n_while1 = n_while1 + 1` did not count as a binding).

    d/dx0: s2s array(-38.75964199), finite differences array(2.07371269)

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0, a1):
    v1 = ((a1 + a1) * 0.01)
    v2 = np.max(np.sin(a0))
    a0 = a1
    return ((a0 + ((a0 + a0) * 0.01)) * 0.01)


def h1(a0):
    pass
    return 0.5


def f(x0, x1, x2):
    x0 = np.tanh(x0 + x0)
    v3 = x0
    v4 = v3
    v5 = np.max(v4)
    v6 = v4 - v5
    v7 = v6 - np.log(np.sum(np.exp(v6)))
    for i8 in range(3):
        count9 = 0
        while np.sum(x0 * x0) < 10.0 and count9 < 4:
            count9 += 1
            x0 = x0 * 1.5
            v10 = (x1[0] / (1.0 + (np.clip(3.0, -0.5, 0.75) ** 3) * (np.clip(3.0, -0.5, 0.75) ** 3)))
            if np.mean((x1 - x0)) < -0.5:
                continue
            if np.sum((v3 + v7)) < 0.5:
                continue
        v11 = (0.5 * i8)
    v7 = (v7 * np.var(v6) if np.sum((v6 * x1)) > 0.0 else v7 + (2.0 * (-1.0)))
    if np.sum((v3 + np.maximum((2.0 / (1.0 + 2.0 * 2.0)), v6))) < 0.0:
        return x0, x1
    return (v3 + v7), (v3 + x2)


ARGS = [-0.7151635972520508, np.array([[-0.6045265697576301, 0.9426772217828407, -1.2242521735947092]]), 0.300301577896962]
WRT = ('x0', 'x1', 'x2')
MODES = ('reverse', 'jvp', 'vjp', 'order2')

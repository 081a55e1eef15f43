"""s2s fuzz regression (runtime:NameError).

    NameError: name 'v1' is not defined
    at grad_f: x0_bar = unreduce(1.0, v1, None, False)

An adjoint kept as a number was made an array with the shape of a value
that dead code removal had already taken away.

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def f(x0):
    x0 = (x0 * x0 if np.mean((x0 * 1.5)) > -0.5 else x0 + x0)
    v1 = x0
    v1 = v1 + 0.25 * np.tanh((v1 - v1))
    v1 = 0.25
    return (x0 + (-1.0)), (v1 + x0)


ARGS = [0.749076740377876]
WRT = ('x0',)
MODES = ('reverse', 'jvp', 'vjp', 'order2')

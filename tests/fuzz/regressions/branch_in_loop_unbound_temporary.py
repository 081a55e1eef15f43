"""s2s fuzz regression (runtime:UnboundLocalError): a conditional expression in a loop
whose branch was never taken left a temporary unbound in the adjoint sweep.

    UnboundLocalError: cannot access local variable 't4' where it is not associated with a value
      at <s2s-generated grad_f 10a7f55247bc>:39: t4_bar = zeros_like_adjoint(t4)

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h0(a0):
    for i1 in range(2):
        v2 = (0.5 + 0.5)
        v3 = v2
        v4 = v2
    return (0.5 + 0.5)


def h1(a0):
    v5 = a0
    v6 = a0
    return a0


def f(x0):
    v7 = x0
    v8 = v7
    v9 = v7
    v10 = v7
    for i11 in range(2):
        v10 = np.tanh(v10 * v10) if np.sum((v10 + v10)) > 0.0 else v10 + 0.25 * np.tanh(v10)
    return (v10 + v10)


ARGS = [0.4108850619643629]
WRT = ('x0',)
MODES = ('reverse', 'jvp', 'vjp')

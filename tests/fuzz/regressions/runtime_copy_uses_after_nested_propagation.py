"""s2s fuzz regression (runtime:NameError), found by
`python -m tests.fuzz --programs 5000 --seed 2026` (program 3058), shrunk by
hand.

`x0_1 = t3` was propagated and deleted although x0_1 was still read after
the loop: the copy `v10 = x0_1` inside the loop had been propagated first,
doubling x0_1's reads there, and the count of x0_1's reads the outer block
compared with was the stale one from before. value_and_grad then raised
NameError: name 'x0_1' is not defined.

Replayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,
differentiated w.r.t. WRT, must match finite differences.
"""
import numpy as np


def h1(a0):
    return (1.5 ** 3)


def f(x0, x1):
    x0 -= np.tanh(np.sum(x1))
    for r3 in x1:
        v10 = x0
        v11 = np.max(v10)
        v12 = v10 - v11
    count15 = 0
    while np.sum(x1 * x1) < 10.0 and count15 < 4:
        x1 = x1 + 0.25 * np.tanh(h1((0.5 ** 2)))
    return (x0 * (2.0 + (3.0 / (1.0 + ((0.5 * count15) - (0.5 * count15)) * ((0.5 * count15) - (0.5 * count15))))))


ARGS = [np.array([[1.46919523, -0.27007118, 1.14850167]]), np.array([1.41719822, 0.09567376, 0.93933074])]
WRT = ('x0',)
MODES = ('reverse', 'jvp', 'vjp', 'order2')

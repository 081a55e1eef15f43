"""The cyclic collector is off while a derivative is built (pipeline.py):
it must be on again afterwards, failed builds included, stay off for a user
who switched it off, and a build must leave (almost) no cyclic garbage, or
switching the collector off would only put the work off."""
import gc

import numpy as np
import pytest

import s2s
from golden_functions import mlp, rnn, seed12

from helpers import rand


def refused(x):
    return lambda v: v * x  # a lambda on the differentiated path: an error


def _fresh(fn):
    import types
    return types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                              fn.__closure__)


def test_the_collector_is_on_after_a_build_and_after_a_failed_one():
    assert gc.isenabled()
    s2s.grad(_fresh(seed12))(rand(3, seed=1))
    assert gc.isenabled()
    with pytest.raises(s2s.S2SError):
        s2s.grad(refused)(1.0)
    assert gc.isenabled()


def test_a_collector_switched_off_stays_off():
    gc.disable()
    try:
        s2s.grad(_fresh(seed12))(rand(3, seed=2))
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("fn, args, wrt", [
    (mlp, (rand(5, 6, seed=3), rand(6, seed=4), rand(6, 3, seed=5), rand(3, seed=6),
           rand(4, 5, seed=7), np.eye(3)[[0, 1, 2, 0]]), (0, 1, 2, 3)),
    (rnn, (rand(3, 4, seed=8), rand(4, 4, seed=9), rand(4, seed=10), rand(5, 2, 3, seed=11)),
     (0, 1, 2)),
    (seed12, (rand(3, seed=12),), 0),
])
def test_a_build_leaves_little_cyclic_garbage(fn, args, wrt):
    grad = s2s.grad(_fresh(fn), wrt=wrt)
    gc.collect()
    gc.disable()
    try:
        grad(*args)  # the build, then one run
        garbage = gc.collect()
    finally:
        gc.enable()
    # a few dozen objects (astor's own closures, the compiled function's
    # factory); a pass that made a cycle of its state would leave thousands
    assert garbage < 300, garbage

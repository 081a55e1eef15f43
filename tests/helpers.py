"""Shared test helpers: finite differences and gradient comparison."""
import numpy as np

import s2s
from s2s.api import numerical_gradient


def assert_grad_fd(f, args, wrt=0, rtol=1e-5, atol=1e-7):
    """s2s.grad(f) w.r.t. each position in wrt equals central differences."""
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    got = s2s.grad(f, wrt=positions)(*args)
    for position, g in zip(positions, got):
        expected = numerical_gradient(f, args, position)
        assert np.shape(g) == np.shape(args[position]), (np.shape(g), np.shape(args[position]))
        np.testing.assert_allclose(np.asarray(g, dtype=float), expected, rtol=rtol, atol=atol)
    return got


def rand(*shape, seed=0, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed + sum(shape) * 7 + len(shape))
    if not shape:
        return float(rng.uniform(low, high))
    return rng.uniform(low, high, size=shape)

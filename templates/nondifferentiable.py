"""Calls whose results are constants for differentiation: integers, booleans,
shapes, random numbers, fresh arrays. They need no template."""
import builtins
import math

import numpy as np

from s2s import runtime
from s2s.inplace import in_place_alias_guard
from s2s.template import nondifferentiable

nondifferentiable(
    builtins.len, builtins.int, builtins.bool, builtins.range, builtins.print,
    builtins.isinstance, builtins.type, builtins.str, builtins.repr, builtins.round,
    builtins.enumerate, builtins.zip, builtins.reversed, builtins.iter, builtins.hash,
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.argwhere,
    np.nonzero, np.flatnonzero, np.searchsorted,
    np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.sign,
    np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose, np.array_equal,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.all, np.any,
    np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.linspace,
    np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.count_nonzero, np.unique, np.result_type, np.dtype,
    math.floor, math.ceil, math.isnan, math.isinf, math.isfinite, math.trunc,
)
# runtime helpers whose results are constants: zeros, sizes, permutations
nondifferentiable(runtime.zeros_like_adjoint, runtime.ones_like_seed, runtime.reduced_size,
                  runtime.broadcast_count, runtime.inverse_axes)
# the check before `y += v` where y may share an array (s2s/inplace.py)
nondifferentiable(in_place_alias_guard)

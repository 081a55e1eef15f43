"""Adjoints of elementwise operations. Binary ones reduce the adjoint back to
each input's shape (unbroadcast), so every broadcasting pattern is handled."""
import math
import operator

import numpy as np

from s2s.runtime import (power_slope, cast_adjoint, item_adjoint, sequence_max_adjoint, sequence_sum_adjoint,
                         unbroadcast)
from s2s.template import adjoint, d


@adjoint("copy")
def copy(y, x):
    d[x] = d[y]


@adjoint(operator.add, np.add)
def add(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(d[z], y)


@adjoint(operator.sub, np.subtract)
def subtract(z, x, y):
    d[x] = unbroadcast(d[z], x)
    d[y] = unbroadcast(-d[z], y)


@adjoint(operator.mul, np.multiply)
def multiply(z, x, y):
    d[x] = unbroadcast(d[z] * y, x)
    d[y] = unbroadcast(x * d[z], y)


@adjoint(operator.truediv, np.divide, np.true_divide)
def divide(z, x, y):
    d[x] = unbroadcast(d[z] / y, x)
    d[y] = unbroadcast(-d[z] * z / y, y)


@adjoint(operator.neg, np.negative)
def negative(y, x):
    d[x] = -d[y]


@adjoint(operator.pos, np.positive)
def positive(y, x):
    d[x] = d[y]


@adjoint(operator.pow, np.power, math.pow, pow)
def power(z, x, y):
    d[x] = unbroadcast(d[z] * power_slope(x, y), x)
    d[y] = unbroadcast(d[z] * z * np.log(np.where(x > 0, x, 1.0)), y)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2 * x


@adjoint(np.exp, math.exp)
def exp(y, x):
    d[x] = d[y] * y


@adjoint(np.log)
def log(y, x):
    d[x] = d[y] / x


@adjoint(math.log)
def math_log(y, x, base=math.e):
    d[x] = d[y] / (x * math.log(base))
    d[base] = -d[y] * y / (base * math.log(base))


@adjoint(np.log1p, math.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@adjoint(np.expm1, math.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@adjoint(np.sqrt, math.sqrt)
def sqrt(y, x):
    d[x] = d[y] / (2.0 * y)


@adjoint(np.sin, math.sin)
def sin(y, x):
    d[x] = d[y] * np.cos(x)


@adjoint(np.cos, math.cos)
def cos(y, x):
    d[x] = -d[y] * np.sin(x)


@adjoint(np.tan, math.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@adjoint(np.tanh, math.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@adjoint(np.maximum)
def maximum(z, x, y):
    # Ties send the whole adjoint to x (as np.maximum picks x on ties, and as
    # TF does); the reductions np.max/np.min split it equally instead.
    d[x] = unbroadcast(d[z] * (x >= y), x)
    d[y] = unbroadcast(d[z] * (x < y), y)


@adjoint(np.minimum)
def minimum(z, x, y):
    d[x] = unbroadcast(d[z] * (x <= y), x)
    d[y] = unbroadcast(d[z] * (x > y), y)


@adjoint(np.where)
def where(z, condition, x, y):
    d[x] = unbroadcast(np.where(condition, d[z], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[z]), y)


@adjoint(float, np.float64, np.float32, np.float16)
def to_float(y, x):
    d[x] = cast_adjoint(d[y], x, y)


# ---- more elementwise functions (math.* versions take Python floats) ----

@adjoint(np.exp2)
def exp2(y, x):
    d[x] = d[y] * y * math.log(2.0)


@adjoint(np.log2, math.log2)
def log2(y, x):
    d[x] = d[y] / (x * math.log(2.0))


@adjoint(np.log10, math.log10)
def log10(y, x):
    d[x] = d[y] / (x * math.log(10.0))


@adjoint(np.cbrt)
def cbrt(y, x):
    d[x] = d[y] / (3.0 * y * y)


@adjoint(np.abs, abs, math.fabs, np.fabs)
def absolute(y, x):
    # The derivative at 0 is taken as 0 (np.sign(0) == 0), as TF and JAX.
    d[x] = d[y] * np.sign(x)


@adjoint(np.reciprocal)
def reciprocal(y, x):
    d[x] = -d[y] * y * y


@adjoint(np.arcsin, math.asin)
def arcsin(y, x):
    d[x] = d[y] / np.sqrt(1.0 - x * x)


@adjoint(np.arccos, math.acos)
def arccos(y, x):
    d[x] = -d[y] / np.sqrt(1.0 - x * x)


@adjoint(np.arctan, math.atan)
def arctan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@adjoint(np.arctan2, math.atan2)
def arctan2(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x2 / (x1 * x1 + x2 * x2), x1)
    d[x2] = unbroadcast(-d[z] * x1 / (x1 * x1 + x2 * x2), x2)


@adjoint(np.sinh, math.sinh)
def sinh(y, x):
    d[x] = d[y] * np.cosh(x)


@adjoint(np.cosh, math.cosh)
def cosh(y, x):
    d[x] = d[y] * np.sinh(x)


@adjoint(np.arcsinh, math.asinh)
def arcsinh(y, x):
    d[x] = d[y] / np.sqrt(x * x + 1.0)


@adjoint(np.arccosh, math.acosh)
def arccosh(y, x):
    d[x] = d[y] / np.sqrt(x * x - 1.0)


@adjoint(np.arctanh, math.atanh)
def arctanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@adjoint(np.hypot, math.hypot)
def hypot(z, x1, x2):
    d[x1] = unbroadcast(d[z] * x1 / z, x1)
    d[x2] = unbroadcast(d[z] * x2 / z, x2)


@adjoint(np.logaddexp)
def logaddexp(z, x1, x2):
    d[x1] = unbroadcast(d[z] * np.exp(x1 - z), x1)
    d[x2] = unbroadcast(d[z] * np.exp(x2 - z), x2)


@adjoint(np.logaddexp2)
def logaddexp2(z, x1, x2):
    d[x1] = unbroadcast(d[z] * np.exp2(x1 - z), x1)
    d[x2] = unbroadcast(d[z] * np.exp2(x2 - z), x2)


@adjoint(np.fmax)
def fmax(z, x, y):
    # As np.maximum, except that a NaN loses to a number.
    d[x] = unbroadcast(d[z] * ((x >= y) | np.isnan(y)), x)
    d[y] = unbroadcast(d[z] * ((x < y) | np.isnan(x)), y)


@adjoint(np.fmin)
def fmin(z, x, y):
    d[x] = unbroadcast(d[z] * ((x <= y) | np.isnan(y)), x)
    d[y] = unbroadcast(d[z] * ((x > y) | np.isnan(x)), y)


@adjoint(np.clip)
def clip(y, a, a_min=None, a_max=None, out=None):
    # The adjoint passes where a is inside [a_min, a_max], bounds included (as TF).
    d[a] = unbroadcast(d[y] * (y == a), a)
    d[a_min] = unbroadcast(d[y] * (a < a_min), a_min)
    d[a_max] = unbroadcast(d[y] * (a > a_max), a_max)


@adjoint(np.float_power)
def float_power(z, x, y):
    d[x] = cast_adjoint(unbroadcast(d[z] * y * np.float_power(x, y - 1), x), x, z)
    d[y] = cast_adjoint(unbroadcast(d[z] * z * np.log(np.where(x > 0, x, 1.0)), y), y, z)


@adjoint(np.conj, np.conjugate)
def conj(y, x):
    d[x] = np.conj(d[y])


# ---- conversions and construction ----

@adjoint(np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.copy)
def array(y, x, dtype=None, *args, **kwargs):
    # x may be a list or tuple literal: its adjoint is then the array d[y],
    # whose rows the engine hands to the items.
    d[x] = cast_adjoint(d[y], x, y)


@adjoint("method.astype")
def astype(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[x] = cast_adjoint(d[y], x, y)


@adjoint("method.item")
def item(y, x, *index):
    d[x] = item_adjoint(d[y], x, index)


# ---- Python builtins on numbers and sequences ----

@adjoint(sum)
def builtin_sum(y, iterable, start=0):
    d[iterable] = sequence_sum_adjoint(d[y], iterable)
    d[start] = unbroadcast(d[y], start)


@adjoint(max, min)
def builtin_max(y, x0, x1=None, x2=None, x3=None, key=None, default=None):
    # max(a, b, ...) or max(xs): ties split the adjoint equally.
    d[x0] = sequence_max_adjoint(d[y], y, 0, x0, x1, x2, x3)
    d[x1] = sequence_max_adjoint(d[y], y, 1, x0, x1, x2, x3)
    d[x2] = sequence_max_adjoint(d[y], y, 2, x0, x1, x2, x3)
    d[x3] = sequence_max_adjoint(d[y], y, 3, x0, x1, x2, x3)




# Python 3.11+ only
if hasattr(math, "exp2"):
    adjoint(math.exp2)(exp2)
if hasattr(math, "cbrt"):
    adjoint(math.cbrt)(cbrt)


@adjoint(power_slope)
def power_slope_(r, x, y):
    # d/dx (y * x**(y-1)) = y * slope(x, y - 1); the exponent's own derivative
    # x**(y-1) * (1 + y log x) is kept for completeness.
    d[x] = unbroadcast(d[r] * y * power_slope(x, y - 1), x)
    d[y] = unbroadcast(d[r] * x ** (y - 1) * (1.0 + y * np.log(np.where(x > 0, x, 1.0))), y)

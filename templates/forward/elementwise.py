"""Tangents of elementwise operations. A term whose input is inactive is
dropped by the engine (d[v] of an inactive v is zero)."""
import math
import operator

import numpy as np

from s2s.runtime import power_slope, cast_adjoint, sequence_max_adjoint
from s2s.template import d, tangent


@tangent("copy")
def copy(y, x):
    d[y] = d[x]


@tangent(operator.add, np.add)
def add(z, x, y):
    d[z] = d[x] + d[y]


@tangent(operator.sub, np.subtract)
def subtract(z, x, y):
    d[z] = d[x] - d[y]


@tangent(operator.mul, np.multiply)
def multiply(z, x, y):
    d[z] = d[x] * y + x * d[y]


@tangent(operator.truediv, np.divide, np.true_divide)
def divide(z, x, y):
    d[z] = d[x] / y - z * d[y] / y


@tangent(operator.neg, np.negative)
def negative(y, x):
    d[y] = -d[x]


@tangent(operator.pos, np.positive)
def positive(y, x):
    d[y] = d[x]


@tangent(operator.pow, np.power, math.pow, pow)
def power(z, x, y):
    d[z] = d[x] * power_slope(x, y) + d[y] * z * np.log(np.where(x > 0, x, 1.0))


@tangent(np.square)
def square(y, x):
    d[y] = d[x] * 2 * x


@tangent(np.exp, math.exp)
def exp(y, x):
    d[y] = d[x] * y


@tangent(np.log, math.log)
def log(y, x):
    d[y] = d[x] / x


@tangent(np.log1p, math.log1p)
def log1p(y, x):
    d[y] = d[x] / (1.0 + x)


@tangent(np.expm1, math.expm1)
def expm1(y, x):
    d[y] = d[x] * (y + 1.0)


@tangent(np.sqrt, math.sqrt)
def sqrt(y, x):
    d[y] = d[x] / (2.0 * y)


@tangent(np.sin, math.sin)
def sin(y, x):
    d[y] = d[x] * np.cos(x)


@tangent(np.cos, math.cos)
def cos(y, x):
    d[y] = -d[x] * np.sin(x)


@tangent(np.tan, math.tan)
def tan(y, x):
    d[y] = d[x] * (1.0 + y * y)


@tangent(np.tanh, math.tanh)
def tanh(y, x):
    d[y] = d[x] * (1.0 - y * y)


@tangent(np.maximum)
def maximum(z, x, y):
    # Products, not np.where(x >= y, d[x], d[y]): the engine drops the term
    # of a constant operand from a product, not from a call's argument.
    d[z] = d[x] * (x >= y) + d[y] * (x < y)


@tangent(np.minimum)
def minimum(z, x, y):
    d[z] = d[x] * (x <= y) + d[y] * (x > y)


@tangent(np.where)
def where(z, condition, x, y):
    d[z] = np.broadcast_to(d[x] * (condition != 0), np.shape(z)) + np.broadcast_to(d[y] * (condition == 0), np.shape(z))


# ---- the NumPy breadth (same families as templates/reverse/elementwise.py) ----

@tangent(math.log)
def math_log(y, x, base=math.e):
    d[y] = d[x] / (x * math.log(base)) - d[base] * y / (base * math.log(base))


@tangent(np.exp2)
def exp2(y, x):
    d[y] = d[x] * y * math.log(2.0)


@tangent(np.log2, math.log2)
def log2(y, x):
    d[y] = d[x] / (x * math.log(2.0))


@tangent(np.log10, math.log10)
def log10(y, x):
    d[y] = d[x] / (x * math.log(10.0))


@tangent(np.cbrt)
def cbrt(y, x):
    d[y] = d[x] / (3.0 * y * y)


@tangent(np.abs, abs, math.fabs, np.fabs)
def absolute(y, x):
    d[y] = d[x] * np.sign(x)


@tangent(np.reciprocal)
def reciprocal(y, x):
    d[y] = -d[x] * y * y


@tangent(np.arcsin, math.asin)
def arcsin(y, x):
    d[y] = d[x] / np.sqrt(1.0 - x * x)


@tangent(np.arccos, math.acos)
def arccos(y, x):
    d[y] = -d[x] / np.sqrt(1.0 - x * x)


@tangent(np.arctan, math.atan)
def arctan(y, x):
    d[y] = d[x] / (1.0 + x * x)


@tangent(np.arctan2, math.atan2)
def arctan2(z, x1, x2):
    d[z] = (d[x1] * x2 - x1 * d[x2]) / (x1 * x1 + x2 * x2)


@tangent(np.sinh, math.sinh)
def sinh(y, x):
    d[y] = d[x] * np.cosh(x)


@tangent(np.cosh, math.cosh)
def cosh(y, x):
    d[y] = d[x] * np.sinh(x)


@tangent(np.arcsinh, math.asinh)
def arcsinh(y, x):
    d[y] = d[x] / np.sqrt(x * x + 1.0)


@tangent(np.arccosh, math.acosh)
def arccosh(y, x):
    d[y] = d[x] / np.sqrt(x * x - 1.0)


@tangent(np.arctanh, math.atanh)
def arctanh(y, x):
    d[y] = d[x] / (1.0 - x * x)


@tangent(np.hypot, math.hypot)
def hypot(z, x1, x2):
    d[z] = (d[x1] * x1 + x2 * d[x2]) / z


@tangent(np.logaddexp)
def logaddexp(z, x1, x2):
    d[z] = d[x1] * np.exp(x1 - z) + d[x2] * np.exp(x2 - z)


@tangent(np.logaddexp2)
def logaddexp2(z, x1, x2):
    d[z] = d[x1] * np.exp2(x1 - z) + d[x2] * np.exp2(x2 - z)


@tangent(np.fmax)
def fmax(z, x, y):
    d[z] = d[x] * ((x >= y) | np.isnan(y)) + d[y] * ((x < y) | np.isnan(x))


@tangent(np.fmin)
def fmin(z, x, y):
    d[z] = d[x] * ((x <= y) | np.isnan(y)) + d[y] * ((x > y) | np.isnan(x))


@tangent(np.clip)
def clip(y, a, a_min=None, a_max=None, out=None):
    d[y] = d[a] * (y == a) + d[a_min] * (a < a_min) + d[a_max] * (a > a_max)


@tangent(np.float_power)
def float_power(z, x, y):
    d[z] = d[x] * y * np.float_power(x, y - 1) + d[y] * z * np.log(np.where(x > 0, x, 1.0))


@tangent(np.conj, np.conjugate)
def conj(y, x):
    d[y] = np.conj(d[x])


@tangent(float, np.float64, np.float32, np.float16)
def to_float(y, x):
    d[y] = cast_adjoint(d[x], y, y)


@tangent(np.asarray, np.asanyarray, np.ascontiguousarray)
def array(y, x, dtype=None, *args, **kwargs):
    d[y] = cast_adjoint(np.asarray(d[x]), y, y)


@tangent(np.array, np.copy)
def array_copy(y, x, dtype=None, *args, **kwargs):
    # y is a copy (x.copy() too): so is its tangent, which may be changed in place
    d[y] = cast_adjoint(np.array(d[x]), y, y)


@tangent("method.astype")
def astype(y, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    d[y] = cast_adjoint(d[x], y, y)


@tangent("method.item")
def item(y, x, *index):
    d[y] = d[x].item(*index)


@tangent(sum)
def builtin_sum(y, iterable, start=0):
    d[y] = sum(d[iterable]) + d[start]


@tangent(max, min)
def builtin_max(y, x0, x1=None, x2=None, x3=None, key=None, default=None):
    # the mean of the tangents of the tied extreme arguments (or items of x0)
    d[y] = np.sum(np.reshape(d[x0], -1) * np.reshape(sequence_max_adjoint(1.0, y, 0, x0, x1, x2, x3), -1)) + d[x1] * sequence_max_adjoint(1.0, y, 1, x0, x1, x2, x3) + d[x2] * sequence_max_adjoint(1.0, y, 2, x0, x1, x2, x3) + d[x3] * sequence_max_adjoint(1.0, y, 3, x0, x1, x2, x3)




if hasattr(math, "exp2"):  # Python 3.11+
    tangent(math.exp2)(exp2)
if hasattr(math, "cbrt"):
    tangent(math.cbrt)(cbrt)


@tangent(power_slope)
def power_slope_(r, x, y):
    d[r] = d[x] * y * power_slope(x, y - 1) + d[y] * x ** (y - 1) * (1.0 + y * np.log(np.where(x > 0, x, 1.0)))

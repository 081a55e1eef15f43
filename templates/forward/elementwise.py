"""Tangents of elementwise operations. A term whose input is inactive is
dropped by the engine (d[v] of an inactive v is zero)."""
import math
import operator

import numpy as np

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
    d[z] = d[x] * y * x ** (y - 1) + d[y] * z * np.log(np.where(x > 0, x, 1.0))


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
    d[z] = np.where(x >= y, d[x], d[y])


@tangent(np.minimum)
def minimum(z, x, y):
    d[z] = np.where(x <= y, d[x], d[y])


@tangent(np.where)
def where(z, condition, x, y):
    d[z] = np.where(condition, d[x], d[y])


@tangent(float, np.float64, np.float32)
def to_float(y, x):
    d[y] = d[x]

"""Adjoints of elementwise operations. Binary ones reduce the adjoint back to
each input's shape (unbroadcast), so every broadcasting pattern is handled."""
import math
import operator

import numpy as np

from s2s.runtime import unbroadcast
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
    d[x] = unbroadcast(d[z] * y * x ** (y - 1), x)
    d[y] = unbroadcast(d[z] * z * np.log(np.where(x > 0, x, 1.0)), y)


@adjoint(np.square)
def square(y, x):
    d[x] = d[y] * 2 * x


@adjoint(np.exp, math.exp)
def exp(y, x):
    d[x] = d[y] * y


@adjoint(np.log, math.log)
def log(y, x):
    d[x] = d[y] / x


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
    # Ties send the whole adjoint to x (as np.maximum picks x on ties).
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


@adjoint(float, np.float64, np.float32)
def to_float(y, x):
    d[x] = d[y]

"""Adjoints of scipy.special functions; registered only when SciPy imports."""
import math

import numpy as np

from s2s.runtime import ones_if_none, unbroadcast, unreduce
from s2s.template import adjoint, d

try:
    from scipy import special
except ImportError:  # pragma: no cover - SciPy is optional
    special = None

if special is not None:

    @adjoint(special.expit)
    def expit(y, x):
        d[x] = d[y] * y * (1.0 - y)

    @adjoint(special.log_expit)
    def log_expit(y, x):
        d[x] = d[y] * special.expit(-x)

    @adjoint(special.logit)
    def logit(y, x):
        d[x] = d[y] / (x * (1.0 - x))

    @adjoint(special.erf)
    def erf(y, x):
        d[x] = d[y] * (2.0 / math.sqrt(math.pi)) * np.exp(-x * x)

    @adjoint(special.erfc)
    def erfc(y, x):
        d[x] = -d[y] * (2.0 / math.sqrt(math.pi)) * np.exp(-x * x)

    @adjoint(special.gammaln)
    def gammaln(y, x):
        d[x] = d[y] * special.digamma(x)

    @adjoint(special.logsumexp)
    def logsumexp(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        d[a] = unbroadcast(unreduce(d[y], a, axis, keepdims) * np.exp(a - unreduce(y, a, axis, keepdims)) * ones_if_none(b), a)
        d[b] = unbroadcast(unreduce(d[y], a, axis, keepdims) * np.exp(a - unreduce(y, a, axis, keepdims)), b)

    @adjoint(special.softmax)
    def softmax(y, x, axis=None):
        d[x] = y * (d[y] - np.sum(d[y] * y, axis=axis, keepdims=True))

    @adjoint(special.log_softmax)
    def log_softmax(y, x, axis=None):
        d[x] = d[y] - np.exp(y) * np.sum(d[y], axis=axis, keepdims=True)

"""Tangents of scipy.special functions; registered only when SciPy imports."""
import math

import numpy as np

from s2s.runtime import ones_if_none, unreduce
from s2s.template import d, tangent

try:
    from scipy import special
except ImportError:  # pragma: no cover - SciPy is optional
    special = None

if special is not None:

    @tangent(special.expit)
    def expit(y, x):
        d[y] = d[x] * y * (1.0 - y)

    @tangent(special.log_expit)
    def log_expit(y, x):
        d[y] = d[x] * special.expit(-x)

    @tangent(special.logit)
    def logit(y, x):
        d[y] = d[x] / (x * (1.0 - x))

    @tangent(special.erf)
    def erf(y, x):
        d[y] = d[x] * (2.0 / math.sqrt(math.pi)) * np.exp(-x * x)

    @tangent(special.erfc)
    def erfc(y, x):
        d[y] = -d[x] * (2.0 / math.sqrt(math.pi)) * np.exp(-x * x)

    @tangent(special.gammaln)
    def gammaln(y, x):
        d[y] = d[x] * special.digamma(x)

    @tangent(special.logsumexp)
    def logsumexp(y, a, axis=None, b=None, keepdims=False, return_sign=False):
        d[y] = np.sum(np.exp(a - unreduce(y, a, axis, keepdims)) * (d[a] * ones_if_none(b) + d[b]), axis=axis, keepdims=keepdims)

    @tangent(special.softmax)
    def softmax(y, x, axis=None):
        d[y] = y * (d[x] - np.sum(d[x] * y, axis=axis, keepdims=True))

    @tangent(special.log_softmax)
    def log_softmax(y, x, axis=None):
        d[y] = d[x] - np.sum(d[x] * np.exp(y), axis=axis, keepdims=True)

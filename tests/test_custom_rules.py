"""Custom derivative rules: @s2s.adjoint / @s2s.tangent for a user function
(which is then not differentiated through) and for a C callable."""
import math

import numpy as np
import pytest

import s2s
from s2s import d
from s2s.api import numerical_gradient

# A C callable with no Python source: differentiating it needs a rule.
gamma = np.vectorize(math.gamma, otypes=[float])
digamma_h = 1e-5


def _digamma(x):
    return (np.log(np.vectorize(math.gamma)(x + digamma_h))
            - np.log(np.vectorize(math.gamma)(x - digamma_h))) / (2 * digamma_h)


def uses_gamma(x):
    return np.sum(gamma(x) * x)


lgamma = np.vectorize(math.lgamma, otypes=[float])


def uses_lgamma(x):
    return np.sum(lgamma(x))


def uses_made_callable(x):
    f = np.vectorize(math.lgamma, otypes=[float])
    return np.sum(f(x))


def test_c_callable_without_rule_is_an_error_naming_the_decorator():
    with pytest.raises(s2s.NoGradientError) as info:
        s2s.grad(uses_lgamma)(np.array([1.5, 2.5]))
    assert "@s2s.adjoint(lgamma)" in str(info.value)
    assert info.value.lineno == uses_lgamma.__code__.co_firstlineno + 1
    with pytest.raises(s2s.NoGradientError) as info:
        s2s.grad(uses_made_callable)(np.array([1.5, 2.5]))
    assert "module-level name" in str(info.value)


def test_rule_for_a_c_callable_reverse_and_forward():
    @s2s.adjoint(gamma)
    def _(y, x):
        d[x] = d[y] * y * digamma(x)

    @s2s.tangent(gamma)
    def _(y, x):
        d[y] = d[x] * y * digamma(x)

    x = np.array([1.5, 2.5, 3.2])
    expected = numerical_gradient(uses_gamma, [x], 0)
    np.testing.assert_allclose(s2s.grad(uses_gamma)(x), expected, rtol=1e-5)
    v = np.array([0.3, -1.0, 2.0])
    np.testing.assert_allclose(s2s.jvp(uses_gamma)(x, v)[1], expected @ v, rtol=1e-5)
    assert "digamma(" in s2s.source(s2s.grad(uses_gamma))  # shows like a built-in rule


def digamma(x):
    return _digamma(x)


def soft_clip(x):
    return np.clip(x, -1.0, 1.0) * 1.0


def uses_soft_clip(x):
    return np.sum(soft_clip(x) ** 2)


def test_rule_for_a_user_function_replaces_differentiating_through_it():
    @s2s.adjoint(soft_clip)
    def _(y, x):
        d[x] = d[y] * 0.5  # deliberately not the true derivative: the rule wins

    x = np.array([0.2, -0.4, 2.0])
    got = s2s.grad(uses_soft_clip)(x)
    np.testing.assert_allclose(got, 2 * np.clip(x, -1, 1) * 0.5)
    assert "vjp_soft_clip" not in s2s.source(s2s.grad(uses_soft_clip))

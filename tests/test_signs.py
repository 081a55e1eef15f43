"""The sign pass (signs.py): a negation moved out to the + or - that
absorbs it, exactly (bit for bit), and nowhere else."""
import ast

import gast
import numpy as np
import pytest

import s2s
from s2s import runtime
from s2s.signs import fold_signs

from helpers import assert_grad_fd, rand

HELPERS = {"unbroadcast": runtime.unbroadcast, "broadcast_sum": runtime.broadcast_sum}


def _resolve(func):
    return HELPERS.get(func.id) if isinstance(func, gast.Name) else None


def _pure(expr):
    return not any(isinstance(n, gast.Call) and _resolve(n.func) is None
                   for n in gast.walk(expr))


def _fold(source):
    expr = gast.ast_to_gast(ast.parse(source, mode="eval")).body
    return ast.unparse(gast.gast_to_ast(fold_signs(expr, _resolve, _pure)))


@pytest.mark.parametrize("source, folded", [
    ("a + -b", "a - b"),
    ("a + -b * c", "a - b * c"),
    ("a + b * -c / d", "a - b * c / d"),
    ("-a + b", "b - a"),
    ("a - -b", "a + b"),
    ("-a - -b", "b - a"),
    ("g + unbroadcast(-g, t) / t * e", "g - unbroadcast(g, t) / t * e"),
    ("x - broadcast_sum(y * -c, z)", "x + broadcast_sum(y * c, z)"),
    ("a + -(-b)", "a + --b"),            # two signs cancel: nothing to absorb
    ("a * -c", "a * -c"),                # no + or - to absorb it
    ("-a - b", "-a - b"),                # would negate the sum instead
    ("-a * -b + c", "-a * -b + c"),
    ("-f(a) + g(b)", "-f(a) + g(b)"),    # calls with effects keep their order
    ("a + f(-b)", "a + f(-b)"),          # an unknown function is not linear
])
def test_fold(source, folded):
    assert _fold(source) == folded


@pytest.mark.parametrize("source", ["a + -b * c", "-a + b / c", "a - -b", "-a - -b",
                                    "g + unbroadcast(-g, t) / t * e"])
def test_folding_is_exact(source):
    r = np.random.default_rng(0)
    env = {"a": r.normal(size=(4, 3)), "b": r.normal(size=(4, 3)), "c": r.normal(size=3) + 3,
           "g": r.normal(size=(4, 3)), "t": r.normal(size=(4, 1)) + 3, "e": r.normal(size=(4, 3)),
           "unbroadcast": runtime.unbroadcast}
    before = eval(source, env)
    after = eval(_fold(source), env)
    assert np.array_equal(before, after)  # bit for bit


def log_softmax_loss(z, y):
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((1, 4), (3, 4))])
def test_log_softmax_gradient_has_no_negated_array(shapes):
    z, y = rand(*shapes[0], seed=1), rand(*shapes[1], seed=2)
    assert_grad_fd(log_softmax_loss, (z, y), wrt=(0, 1))
    code = s2s.source(s2s.grad(log_softmax_loss))
    assert "unbroadcast(-" not in code and "z_bar = logp_bar - " in code, code
    if shapes[0] == shapes[1]:  # closed form: softmax(z) * sum(y) - y per row
        p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
        closed = p * np.sum(y, axis=1, keepdims=True) - y
        np.testing.assert_allclose(s2s.grad(log_softmax_loss)(z, y), closed, rtol=1e-12)

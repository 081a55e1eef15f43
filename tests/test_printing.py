"""emit.to_source asks astor to wrap lines only where one is too long;
the text must be what astor's own pretty_source gives, long lines or not."""
import ast

import astor
import astor.source_repr
import pytest

import s2s
from s2s.emit import _wrapped_where_long

from golden_functions import mlp, rnn, seed12

SHORT = "def f(x):\n    y = x * 2\n    return y\n"
LONG = ("def f(alpha, beta):\n"
        "    result = some_function(alpha, beta, alpha * beta, alpha + beta, alpha - beta, "
        "alpha / beta, beta ** 2)\n"
        "    return [result, result, result, result, result, result, result, result, result]\n")


def astor_pieces(source):
    pieces = []
    astor.to_source(ast.parse(source), pretty_source=lambda p: pieces.extend(p) or "")
    return pieces


@pytest.mark.parametrize("source", [SHORT, LONG], ids=["short", "long"])
def test_same_text_as_astors_pretty_source(source):
    pieces = astor_pieces(source)
    assert _wrapped_where_long(pieces) == astor.source_repr.pretty_source(pieces)


def test_a_long_line_is_still_wrapped():
    text = _wrapped_where_long(astor_pieces(LONG))
    assert max(len(line) for line in text.splitlines()) <= 79


@pytest.mark.parametrize("fn", [mlp, rnn, seed12])
def test_generated_gradients_print_as_astor_would(fn):
    source = s2s.source(s2s.grad(fn))
    reprinted = astor_pieces(source)
    assert _wrapped_where_long(reprinted) == astor.source_repr.pretty_source(reprinted)

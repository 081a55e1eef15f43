"""parse.py reads a def's text from the lines its bytecode covers (no
tokenizer pass); where that text is not the whole def it falls back to
inspect.getsource. Either way the tree must be the one the whole def's
text gives, with the file's line numbers."""
import ast
import functools
import inspect
import textwrap

import gast
import numpy as np
import pytest

import s2s
from s2s.parse import _parse_def_lines, parse_function


def decorated(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


def plain(x):
    y = np.sin(x) * x
    return y


@decorated
def with_decorator(x):
    return x * x


def long_signature(x,
                   scale=2.0,
                   *, shift=1.0):
    return scale * x + shift


def last_statement_over_lines(x):
    total = (x
             + 2.0 * x
             )
    return (total *
            x
            )


def ends_in_pass(x):
    y = x * 3.0
    return y
    pass


def ends_in_a_string(x):
    y = x * x
    return y
    "a trailing string: no bytecode"


def ends_in_an_else(x):
    if x > 0:
        y = x * x
    else:
        pass
    return x


def with_nested(x):
    def inner(v):
        return v * v

    return inner(x) + [v * 2.0 for v in (x,)][0]


def with_docstring(x):
    """Says what it does,
over lines that are not indented."""
    return x * 4.0


class Holder:
    @staticmethod
    def method(x):
        return x * 5.0


FUNCTIONS = [plain, with_decorator.__wrapped__, long_signature, last_statement_over_lines,
             ends_in_pass, ends_in_a_string, ends_in_an_else, with_nested, with_docstring,
             Holder.method]


def by_tokenizer(fn):
    """The tree inspect.getsource's text gives, with the file's line numbers."""
    text = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(text)
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    return tree


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_the_tree_is_the_whole_defs(fn):
    expected = gast.ast_to_gast(by_tokenizer(fn)).body[0]
    expected.decorator_list = []
    expected.returns = None
    got = parse_function(fn).node
    assert gast.dump(got, include_attributes=True) == \
        gast.dump(expected, include_attributes=True)


@pytest.mark.parametrize("fn", [plain, with_decorator.__wrapped__, long_signature,
                                last_statement_over_lines, ends_in_an_else, with_nested,
                                with_docstring, Holder.method],
                         ids=lambda f: f.__name__)
def test_the_bytecode_lines_cover_these_defs(fn):
    # the fast path itself, not the fallback
    import linecache
    assert _parse_def_lines(fn, linecache.getlines(fn.__code__.co_filename)) is not None


@pytest.mark.parametrize("fn", [ends_in_pass, ends_in_a_string], ids=lambda f: f.__name__)
def test_a_def_cut_short_falls_back(fn):
    import linecache
    assert _parse_def_lines(fn, linecache.getlines(fn.__code__.co_filename)) is None


@pytest.mark.parametrize("fn, slope", [(with_decorator.__wrapped__, 6.0),
                                       (last_statement_over_lines, 18.0),
                                       (ends_in_pass, 3.0), (ends_in_a_string, 6.0),
                                       (with_docstring, 4.0), (Holder.method, 5.0)],
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_gradients_of_each_layout(fn, slope):
    assert s2s.grad(fn)(3.0) == pytest.approx(slope)


def test_an_error_names_the_files_line():
    def refused(x):
        y = x * 2.0
        return lambda v: v * y  # a lambda on the differentiated path

    with pytest.raises(s2s.S2SError) as info:
        s2s.grad(refused)(1.0)
    line = refused.__code__.co_firstlineno + 2
    assert f"test_parse.py:{line}" in str(info.value)

"""s2s.convert gives the trees gast's translators give: to_ast (the
printer's input) as gast.gast_to_ast, to_gast (the parser's output, line
numbers included) as gast.ast_to_gast, for every kind of statement and
expression a function can hold."""
import ast
import textwrap

import gast
import pytest

import s2s
from s2s import pipeline
from s2s.convert import to_ast, to_gast

from test_codegen import CASES

SOURCES = [
    """
    def f(a, b=2, *args, c, d=None, **kw):
        x = a + b * -c
        x += 1
        y: int = 3
        del y
        t = (a, [b, *args], {'k': c}, {1, 2})
        u = t[0][1:2, ::3]
        v = [i * i for i in range(3) if i] + list({k: v for k, v in kw.items()})
        w = (lambda q, *r: q)(1) if a and not b or c else None
        s = f'{a!r:>{b}} and {c}'
        a < b <= c != d
        with open(a) as fh, open(b):
            pass
        try:
            raise ValueError(a) from None
        except (TypeError, ValueError) as e:
            x = e
        except Exception:
            pass
        else:
            x = 1
        finally:
            x = 2
        for i, j in zip(a, b):
            if i:
                continue
            break
        else:
            x = 3
        while x:
            x -= 1
        assert x, 'msg'
        global G
        import numpy as np
        from math import sin as s2, cos
        yield x
        return a @ b
    """,
    """
    async def g(a):
        async with a as b:
            await b
        async for i in a:
            pass
        return [j async for j in a]
    """,
    """
    class C(Base, metaclass=M):
        '''doc'''
        @staticmethod
        def m(x) -> int:
            nonlocal_value = x
            return ...
    """,
]


@pytest.mark.parametrize("source", SOURCES)
def test_same_tree_as_gast(source):
    tree = gast.parse(textwrap.dedent(source))
    converted = to_ast(tree)
    assert converted is not None
    assert ast.dump(converted) == ast.dump(gast.gast_to_ast(tree))
    compile(ast.fix_missing_locations(converted), "<test>", "exec")


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_code_converts_the_same(case, monkeypatch):
    from s2s import emit
    seen = []
    original = emit.to_source

    def checking(fn, use_astor=True):
        module = gast.Module(body=[fn], type_ignores=[])
        converted = to_ast(module)
        assert converted is not None
        assert ast.dump(converted) == ast.dump(gast.gast_to_ast(module))
        seen.append(fn)
        return original(fn, use_astor)

    monkeypatch.setattr(emit, "to_source", checking)
    pipeline._cache.clear()  # (built by an earlier test: build again)
    s2s.source(CASES[case]())
    assert seen


def test_an_unknown_node_falls_back():
    class Strange(gast.AST):
        _fields = ("value",)

    tree = gast.Module(body=[gast.Expr(value=Strange())], type_ignores=[])
    assert to_ast(tree) is None


@pytest.mark.parametrize("source", SOURCES)
def test_parsed_tree_and_line_numbers_as_gast(source):
    tree = ast.parse(textwrap.dedent(source))
    converted = to_gast(tree)
    assert converted is not None
    expected = gast.ast_to_gast(ast.parse(textwrap.dedent(source)))
    assert gast.dump(converted, include_attributes=True) == \
        gast.dump(expected, include_attributes=True)


def test_user_function_lines_survive_parsing():
    # the comments of generated code quote the user's lines, found by number
    source = s2s.source(CASES["mlp_grad"]())
    assert "# h = np.tanh(X @ W1 + b1)" in source


def test_an_unknown_ast_node_falls_back():
    class Strange(ast.AST):
        _fields = ("value",)

    tree = ast.Module(body=[ast.Expr(value=Strange())], type_ignores=[])
    assert to_gast(tree) is None

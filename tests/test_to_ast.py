"""s2s.to_ast gives the tree gast.gast_to_ast gives (the printer's input),
for every kind of statement and expression a function can hold."""
import ast
import textwrap

import gast
import pytest

import s2s
from s2s import pipeline
from s2s.to_ast import to_ast

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

"""walk.py's tree walks against gast's own: the same nodes (walk: in the
same breadth-first order as gast.walk; name_nodes, call_nodes and
nodes_of_type: the same set), over the golden functions, the golden files
of their generated derivatives and statements of every kind."""
import pathlib

import gast
import pytest

import golden_functions
from s2s.parse import parse_function
from s2s.walk import call_nodes, loaded_names, name_nodes, node_count, nodes_of_type, walk

SNIPPETS = [
    "x = a",
    "y = f(a, *b, k=c, **d)[i:j, ::2] + (-e) ** 2 if t else [v for v in w if v]",
    "x.attr[i] += g(lambda q: q * z)",
    "a, (b, *c) = {k: v for k, v in d.items()}, {s for s in t}",
    "while n < m:\n    n = n + 1\nelse:\n    pass",
    "for i, j in zip(p, q):\n    if i:\n        break\n    continue",
    "assert x > 0, msg",
    "del a[i], b",
    "z = f'{u!r:>{width}}' + 'text'",
    "return (yield_ if c else None)",
]


def golden_trees():
    trees = []
    for name in sorted(vars(golden_functions)):
        fn = getattr(golden_functions, name)
        if callable(fn) and getattr(fn, "__module__", None) == golden_functions.__name__:
            trees.append(parse_function(fn).node)
    return trees


def generated_trees():
    """The golden files: generated gradients as printed."""
    folder = pathlib.Path(__file__).parent / "golden"
    return [gast.parse(path.read_text()) for path in sorted(folder.glob("*.py.txt"))]


def snippet_trees():
    return [gast.parse("def f():\n" + "\n".join("    " + line for line in text.splitlines()))
            for text in SNIPPETS]


TREES = snippet_trees() + golden_trees()


def every_node(tree):
    return list(gast.walk(tree))


def test_there_are_trees_to_walk():
    assert len(golden_trees()) >= 4 and len(generated_trees()) >= 4


@pytest.mark.parametrize("tree", TREES + generated_trees())
def test_walk_is_gasts_walk(tree):
    assert [id(n) for n in walk(tree)] == [id(n) for n in every_node(tree)]


@pytest.mark.parametrize("tree", TREES + generated_trees())
def test_name_nodes_finds_every_name(tree):
    expected = sorted(id(n) for n in every_node(tree) if type(n) is gast.Name)
    assert sorted(id(n) for n in name_nodes(tree)) == expected
    # and under each statement and expression on its own
    for node in every_node(tree):
        if isinstance(node, (gast.stmt, gast.expr)):
            inside = sorted(id(n) for n in gast.walk(node) if type(n) is gast.Name)
            assert sorted(id(n) for n in name_nodes(node)) == inside


@pytest.mark.parametrize("tree", TREES)
def test_call_nodes_and_nodes_of_type(tree):
    calls = sorted(id(n) for n in every_node(tree) if type(n) is gast.Call)
    assert sorted(id(n) for n in call_nodes(tree)) == calls
    kinds = (gast.Subscript, gast.BinOp, gast.Lambda)
    expected = sorted(id(n) for n in every_node(tree) if type(n) in kinds)
    assert sorted(id(n) for n in nodes_of_type(tree, *kinds)) == expected


@pytest.mark.parametrize("tree", TREES)
def test_nodes_of_type_with_names_among_the_kinds(tree):
    kinds = (gast.Name, gast.Call)
    expected = sorted(id(n) for n in every_node(tree) if type(n) in kinds)
    assert sorted(id(n) for n in nodes_of_type(tree, *kinds)) == expected
    for node in every_node(tree):
        if type(node) is gast.Name:
            assert nodes_of_type(node, *kinds) == [node]
            assert nodes_of_type(node, gast.Call) == []


@pytest.mark.parametrize("tree", TREES)
def test_node_count_is_the_walks_length_up_to_the_limit(tree):
    for node in every_node(tree):
        size = len(list(gast.walk(node)))
        assert node_count(node, size) == size
        assert node_count(node, size + 5) == size
        if size > 1:
            assert node_count(node, size - 1) == size  # one more than the limit
        if size > 2:
            assert node_count(node, size - 2) == size - 1  # stops at limit + 1
        assert node_count(node, 0) == 1


@pytest.mark.parametrize("tree", TREES + generated_trees())
def test_loaded_names_are_the_names_read(tree):
    for node in every_node(tree):
        if isinstance(node, (gast.stmt, gast.expr, gast.FunctionDef, gast.Module)):
            expected = sorted(n.id for n in gast.walk(node)
                              if type(n) is gast.Name and isinstance(n.ctx, gast.Load))
            assert sorted(loaded_names(node)) == expected

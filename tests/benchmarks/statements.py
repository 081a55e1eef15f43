"""Statement counts: the generated gradient against the hand-written one.

A statement is any Python statement but a `def` and a docstring; a loop or
an `if` counts once for its header, plus its body. The hand-written side
counts every function it is made of (the RNN's forward and backward
helpers too). Comments and blank lines do not count on either side.
"""
import ast
import inspect
import textwrap

from . import workloads as W

# workload -> the functions the hand-written gradient is made of
HAND_PARTS = {
    "W2": (W.mlp_hand,),
    "W4": (W.rnn_hand, W._rnn_states, W._rnn_backward),
    "W9": (W.rnn_list_hand, W._rnn_states, W._rnn_backward),
}


def count_statements(source):
    count = 0
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if not isinstance(node, ast.stmt) or isinstance(node, ast.FunctionDef):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            continue  # a docstring
        count += 1
    return count


def hand_statements(key):
    return sum(count_statements(inspect.getsource(f)) for f in HAND_PARTS[key])


def statement_lines(s2s, workloads):
    """One report line per workload that has a statement target."""
    lines = []
    for w in workloads:
        if w.key not in HAND_PARTS or w.kind != "grad":
            continue
        generated = count_statements(s2s.source(s2s.grad(w.f, wrt=w.wrt)))
        hand = hand_statements(w.key)
        lines.append(f"- {w.key} {w.name}: {generated} generated / {hand} hand-written "
                     f"statements ({generated / hand:.1f}×)")
    return lines

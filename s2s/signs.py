"""Optimisation pass: a negation moved out to the + or - that reads it.

The adjoint of `logp = z - np.log(t6)` negates logp_bar before summing it
down (`unbroadcast(-logp_bar, t6) / t6`), and the sum that reads the result
adds it: `z_bar = logp_bar + unbroadcast(-logp_bar, t6) / t6 * t5`. Moved
out through the product, the quotient and the sum-down, the sign turns
the + into a -, and one array operation goes:

    z_bar = logp_bar - unbroadcast(logp_bar, t6) / t6 * t5

Every step is exact in floating point: negation only flips the sign bit, so
-(a * b) == (-a) * b, a + (-b) == a - b, and a sum of negated terms is the
negated sum, bit for bit. A sign is moved only where it then disappears,
never to where it would negate an array that was a number before.
"""
import gast
import numpy as np

from . import runtime
from .walk import nodes_of_type

# helpers linear in their first argument (a sum, a spread, a product)
_LINEAR_IN_FIRST = {runtime.unbroadcast, runtime.broadcast_sum, runtime.unreduce,
                    runtime.to_shape_of, runtime.matmul_adjoint_a, runtime.matmul_adjoint_b}


def fold_signs(expr, resolve, pure):
    """expr with every negation that can be absorbed by a + or a - moved
    there (a new tree where something changed, the same nodes elsewhere).
    pure(e): e has no side effect (operands are swapped only then)."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub)):
        left = fold_signs(expr.left, resolve, pure)
        right = fold_signs(expr.right, resolve, pure)
        plain_left, left_negated = _without_sign(left, resolve)
        plain_right, right_negated = _without_sign(right, resolve)
        adding = isinstance(expr.op, gast.Add)
        if adding and right_negated and not left_negated:      # a + -b
            return _binop(left, gast.Sub(), plain_right)
        swappable = pure(left) and pure(right)
        if adding and left_negated and not right_negated and swappable:      # -a + b
            return _binop(right, gast.Sub(), plain_left)
        if not adding and right_negated and not left_negated:  # a - -b
            return _binop(left, gast.Add(), plain_right)
        if not adding and left_negated and right_negated and swappable:      # -a - -b
            return _binop(plain_right, gast.Sub(), plain_left)
        expr.left, expr.right = left, right
        return expr
    for field, child in gast.iter_fields(expr):
        if isinstance(child, gast.expr):
            setattr(expr, field, fold_signs(child, resolve, pure))
        elif isinstance(child, list):
            setattr(expr, field, [fold_signs(c, resolve, pure) if isinstance(c, gast.expr) else c
                                  for c in child])
    return expr


def negations(expr):
    """How many unary minus signs expr evaluates."""
    return sum(1 for node in nodes_of_type(expr, gast.UnaryOp) if type(node.op) is gast.USub)


def _without_sign(expr, resolve):
    """(e, True) when expr == -e by moving a negation out of products,
    quotients and linear helpers; (expr, False) when there is none to move
    (or two that cancel would be needed elsewhere)."""
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
        inner, negated = _without_sign(expr.operand, resolve)
        return (inner, False) if negated else (expr.operand, True)
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Mult, gast.Div)):
        left, left_negated = _without_sign(expr.left, resolve)
        right, right_negated = _without_sign(expr.right, resolve)
        if left_negated != right_negated:
            return _binop(left, expr.op, right), True
        return expr, False
    if isinstance(expr, gast.Call) and expr.args and _linear_in_first(expr, resolve):
        first, negated = _without_sign(expr.args[0], resolve)
        if negated:
            return gast.Call(func=expr.func, args=[first] + expr.args[1:],
                             keywords=expr.keywords), True
    return expr, False


def _linear_in_first(call, resolve):
    try:
        func = resolve(call.func)
        if func == np.add.reduce:  # a plain sum (not one with initial=, where=, dtype=)
            return len(call.args) <= 2 and all(k.arg in ("axis", "keepdims")
                                               for k in call.keywords)
        return func in _LINEAR_IN_FIRST
    except TypeError:  # an unhashable callee
        return False


def _binop(left, op, right):
    return gast.BinOp(left=left, op=op, right=right)

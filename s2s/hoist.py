"""Loop-invariant code motion on the normalised primal, before the
transformers run.

`for i in range(n): acc = acc + np.sin(x * i) * np.cos(x)` computes cos(x)
once per iteration. Moved in front of the loop it is computed once, the
reverse transform sees a value the loop never overwrites (so nothing is
pushed for it), and its adjoint accumulates in the loop and is propagated
once after it, as in a gradient written by hand.

A statement moves when it is at the top level of the loop body (it runs on
every iteration), assigns a variable assigned nowhere else, and computes a
NumPy elementwise function or `+ - *` of values the loop does not change.
Those cannot raise where the original would not have (a loop that runs no
times now computes the value once, at worst with a NumPy warning), and
moving them changes no result.
"""
import gast
import numpy as np

from .names import root_name
from .optimize import ELEMENTWISE_BINARY, ELEMENTWISE_UNARY
from .resolve import static_value
from .walk import name_nodes, nodes_of_type

HOISTABLE_CALLS = ELEMENTWISE_UNARY | ELEMENTWISE_BINARY
HOISTABLE_OPERATORS = (gast.Add, gast.Sub, gast.Mult)
# NumPy functions that write into an argument
MUTATE_ARGUMENTS = {"shuffle", "copyto", "put", "place", "putmask", "fill_diagonal",
                    "put_along_axis", "at"}


def hoist_invariants(fn, parsed, local_names, keep=()):
    """Move loop-invariant statements of fn's loops in front of their loop
    (in place). keep: names that must stay where they are assigned."""
    loops = nodes_of_type(fn, gast.For, gast.While)
    if not loops:
        return fn
    counts = {}
    for node in name_nodes(fn):
        if isinstance(node.ctx, (gast.Store, gast.Param)):
            counts[node.id] = counts.get(node.id, 0) + 1
    mover = _Mover(parsed, set(local_names), counts, set(keep))
    fn.body = mover.block(fn.body, {arg.id for arg in fn.args.args})
    return fn


class _Mover:
    def __init__(self, parsed, local_names, counts, keep):
        self.parsed = parsed
        self.local_names = local_names
        self.counts = counts
        self.keep = keep

    def block(self, body, bound):
        """bound: names certainly bound when the block starts (a moved
        statement must not read a name a loop that runs no times would
        not have read)."""
        out, bound = [], set(bound)
        for stmt in body:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    inner_bound = bound | ({n.id for n in name_nodes(stmt.target)}
                                           if isinstance(stmt, gast.For) else set())
                    setattr(stmt, field, self.block(inner, inner_bound))
            if isinstance(stmt, (gast.For, gast.While)):
                moved = self.hoisted_from(stmt, bound)
                out.extend(moved)
                bound |= {m.targets[0].id for m in moved}
            elif isinstance(stmt, gast.Assign) and not (
                    isinstance(stmt.value, gast.Constant) and stmt.value.value is None):
                # (`y = None`, a generated placeholder, holds no operand)
                bound |= {n.id for target in stmt.targets for n in name_nodes(target)
                          if isinstance(n.ctx, gast.Store)}
            out.append(stmt)
        return out

    def hoisted_from(self, loop, bound):
        changed = _changed_in(loop, self.parsed, self.local_names)
        moved, kept, bound = [], [], set(bound)
        for stmt in loop.body:
            if self.invariant(stmt, changed, bound):
                moved.append(stmt)
                changed.discard(stmt.targets[0].id)  # later statements may read it
                bound.add(stmt.targets[0].id)
            else:
                kept.append(stmt)
        if moved:
            loop.body = kept or [gast.Pass()]
        return moved

    def invariant(self, stmt, changed, bound):
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)):
            return False
        target = stmt.targets[0].id
        if self.counts.get(target) != 1 or target in self.keep:
            return False
        operands = self.operands(stmt.value)
        if operands is None:
            return False
        return all(isinstance(op, gast.Constant) or (
            isinstance(op, gast.Name) and op.id in self.local_names and op.id not in changed
            and op.id in bound) for op in operands)

    def operands(self, value):
        """The operands of a movable computation, or None."""
        if isinstance(value, gast.BinOp) and isinstance(value.op, HOISTABLE_OPERATORS):
            return [value.left, value.right]
        if isinstance(value, gast.UnaryOp) and isinstance(value.op, gast.USub):
            return [value.operand]
        if isinstance(value, gast.Call) and not value.keywords and value.args:
            root = value.func
            while isinstance(root, gast.Attribute):
                root = root.value
            if not isinstance(root, gast.Name) or root.id in self.local_names:
                return None
            try:
                func = static_value(value.func, self.parsed)
                movable = func in HOISTABLE_CALLS
            except (LookupError, TypeError):
                return None
            return list(value.args) if movable else None
        return None


def _changed_in(loop, parsed, local_names):
    """Names a loop may change: assigned, changed in place (x[i] = v,
    x += v, x.append(v)), or handed to a call that might change them (any
    but a NumPy function or a builtin without `out=`)."""
    changed = set()
    for node in nodes_of_type(loop, gast.Name, gast.Subscript, gast.Attribute, gast.AugAssign,
                              gast.Call):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            changed.add(node.id)
        elif isinstance(node, (gast.Subscript, gast.Attribute)) and \
                isinstance(node.ctx, (gast.Store, gast.Del)):
            changed.add(root_name(node))
        elif isinstance(node, gast.AugAssign):
            changed.add(root_name(node.target))
        elif isinstance(node, gast.Call):
            if isinstance(node.func, gast.Attribute):
                changed.add(root_name(node.func.value))  # x.fill(0), xs.append(v)
            if _leaves_arguments_alone(node, parsed, local_names):
                continue
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if not isinstance(arg, gast.Constant):
                    changed.add(root_name(arg))
    changed.discard(None)
    return changed


def _leaves_arguments_alone(call, parsed, local_names):
    if any(k.arg == "out" for k in call.keywords):
        return False
    root = call.func
    while isinstance(root, gast.Attribute):
        root = root.value
    if not isinstance(root, gast.Name) or root.id in local_names:
        return False
    try:
        func = static_value(call.func, parsed)
    except LookupError:
        return False
    if getattr(func, "__name__", None) in MUTATE_ARGUMENTS:
        return False
    module = getattr(func, "__module__", None) or ""
    return isinstance(func, np.ufunc) or module == "numpy" or module.startswith("numpy.") \
        or module == "builtins"

"""Deterministic fresh names for generated code (no uuids: the same function
always gives the same source)."""
import copy

import gast

from .walk import name_nodes

STACK_SUFFIX = "stack"  # the reverse sweep's stack of a variable v: v_stack


def all_names(node):
    """Every identifier used in a tree (variables and parameters)."""
    return {n.id for n in name_nodes(node)}


class Namer:
    """Hands out names not used by the user's function nor by earlier calls."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.generated = set()  # every name this Namer handed out
        self.counters = {}
        self.derived_names = {}

    def reserve(self, name):
        self.taken.add(name)

    def fresh(self, base, numbered=True):
        """`base` if free and not `numbered`, else base1, base2, ..."""
        if not numbered and base not in self.taken:
            self.taken.add(base)
            self.generated.add(base)
            return base
        n = self.counters.get(base, 0)
        while True:
            n += 1
            candidate = f"{base}{n}"
            if candidate not in self.taken:
                self.counters[base] = n
                self.taken.add(candidate)
                self.generated.add(candidate)
                return candidate

    def derived(self, name, suffix):
        """A stable name derived from a variable, e.g. x -> x_bar (the same
        answer every time for the same variable)."""
        key = (name, suffix)
        if key not in self.derived_names:
            candidate = f"{name}_{suffix}"
            if candidate in self.taken:
                candidate = self.fresh(candidate + "_")
            self.taken.add(candidate)
            self.generated.add(candidate)
            self.derived_names[key] = candidate
        return self.derived_names[key]


def name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)


def store(id_):
    return name(id_, gast.Store())


def root_name(node):
    """The variable an expression like x, x[i], x.a[j] or *x starts from (None
    when it starts from something else, e.g. a call)."""
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def assign(target, value):
    if isinstance(target, str):
        target = store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def copy_tree(node):
    """A deep copy of an AST (much faster than copy.deepcopy on gast nodes),
    keeping s2s's own annotations (s2s_origin, ...)."""
    if isinstance(node, list):
        return [copy_tree(n) for n in node]
    if not isinstance(node, gast.AST):
        return node
    kind = type(node)
    if not kind._fields:  # a ctx or an operator: nothing in it to change, shared
        return node
    new = kind.__new__(kind)
    # a loop and one new dict: a third faster than a comprehension passed
    # to update()
    values = {}
    for key, value in node.__dict__.items():
        if type(value) is list:
            values[key] = [copy_tree(v) if isinstance(v, (gast.AST, list)) else v
                           for v in value]
        elif isinstance(value, gast.AST):
            values[key] = copy_tree(value)
        else:
            values[key] = value
    new.__dict__ = values
    return new


def with_origin(stmt, origin):
    """Mark a generated statement with the user line it comes from (the
    emitter prints that line as a comment)."""
    stmt.s2s_origin = origin
    return stmt


def copy_with(stmt, **fields):
    """A shallow copy of a statement with some fields replaced."""
    new = copy.copy(stmt)
    for key, value in fields.items():
        setattr(new, key, value)
    return new

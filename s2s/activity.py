"""Stage 4: which variables are active — they depend on a differentiated
input (varied) AND the output depends on them (useful). Only active values
get derivative code; everything else is copied as is and needs no template.

Name-level and flow-insensitive: a variable varied anywhere is varied
everywhere, which is conservative and cheap; loops are handled by iterating
to a fixed point.
"""
import gast

from .walk import name_nodes, walk

# Methods that change their receiver in place: xs.append(v) makes xs depend on v.
MUTATING_METHODS = {"append", "extend", "insert"}


def statements(body):
    """Every statement in a body, nested ones included, in textual order: a
    list, made before the caller reads it (a recursive generator's switch
    per statement per level cost more than the walk). A stack, not a
    recursive inner function: that would be a reference cycle per call,
    holding the statements until the cyclic collector ran."""
    found = []
    todo = body[::-1]
    pop, push = todo.pop, todo.extend
    while todo:
        stmt = pop()
        found.append(stmt)
        inner = getattr(stmt, "orelse", None)
        if inner:
            push(inner[::-1])
        inner = getattr(stmt, "body", None)
        if inner:  # (popped first: a body's statements come before its orelse's)
            push(inner[::-1])
    return found


def iteration_locals(loop):
    """Variables that live within one iteration: their first occurrence in
    the body is a top-level assignment of the body."""
    first_is_store = {}
    for stmt in loop.body:
        for node in walk(stmt):
            if isinstance(node, gast.Name) and node.id not in first_is_store:
                first_is_store[node.id] = (isinstance(stmt, gast.Assign)
                                           and isinstance(node.ctx, gast.Store))
    return {v for v, is_store in first_is_store.items() if is_store}


def _names(expr):
    return {n.id for n in name_nodes(expr)}


class Activity:
    def __init__(self, body, resolver, wrt, outputs, constants=()):
        """wrt: names of differentiated inputs (parameters or locals).
        outputs: names the result is computed from. constants: names held
        constant (stop_gradients)."""
        self.resolver = resolver
        self.constants = set(constants)
        self.flows = self._flows(body)
        self.varied = self._varied(set(wrt))
        self.useful = self._useful(set(outputs))
        self.active = self.varied & self.useful

    def _flows(self, body):
        """(target, sources) pairs: the derivative of target may depend on sources."""
        flows = []
        for stmt in statements(body):
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
                target = stmt.targets[0].id
                prim = self.resolver(stmt.value)
                if prim.kind in ("inactive", "stop"):
                    sources = set()
                else:
                    sources = _names(stmt.value)
                flows.append((target, sources))
            elif isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
                # x[i] = v: x now depends on v too (the index is an integer)
                flows.append((stmt.targets[0].value.id, _names(stmt.value)))
            elif isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
                func = stmt.value.func
                if (isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS
                        and isinstance(func.value, gast.Name)):
                    sources = set()
                    for arg in stmt.value.args:
                        sources |= _names(arg)
                    flows.append((func.value.id, sources))
        return flows

    def _varied(self, seeds):
        varied = set(seeds)
        changed = True
        while changed:
            changed = False
            for target, sources in self.flows:
                if target not in varied and target not in self.constants and sources & varied:
                    varied.add(target)
                    changed = True
        return varied

    def _useful(self, outputs):
        useful = set(outputs)
        changed = True
        while changed:
            changed = False
            for target, sources in reversed(self.flows):  # one pass for straight-line code
                if target in useful:
                    new = (sources & self.varied) - useful
                    if new:
                        useful |= new
                        changed = True
        return useful

    def is_active(self, name):
        return name in self.active

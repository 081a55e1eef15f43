"""Sinking a forward `for` loop into its reverse loop.

The scalar loop

    for i in range(200):
        acc = acc + np.sin(x * i) * np.cos(x)

is run forwards only to record `sin(x * i)` for its adjoint: the gradient
never reads `acc`. Its reverse loop can compute the value again itself,

    for i in reversed(range(200)):
        t1 = x * i
        t2 = np.sin(t1)
        ...adjoint statements...

and the forward loop and its stacks go. Work moves, it is not repeated:
each value the reverse loop computes is one the forward loop, which no
longer runs, would have computed. A hand-written gradient of such a loop
is one loop too.

Two steps:

* `sinkable_loops`, before the adjoint is built, finds candidates: a `for`
  whose body is assignments of pure expressions only, and whose every value
  some adjoint reads is computed from the loop variable, values with one
  value for the whole function, and other such values (each assigned once,
  before it is read in an iteration). Those are the values the reverse loop
  recomputes; the forward loop is not emitted.

* `sunk_loops_unneeded`, on the optimised derivative, checks that nothing
  read the forward loop's results: no name the loop assigned is read outside
  its reverse loop, nor inside it before the reverse loop assigns it again.
  When something does (`return acc * acc` needs acc), the derivative is
  built again without sinking (pipeline.build_reverse).
"""
import gast

from .activity import iteration_locals
from .walk import loaded_names, name_nodes


class SunkLoop:
    """A forward loop the reverse loop replaces. `recompute`: its
    assignments the reverse loop runs first, in order; `assigned`: every
    name the forward loop binds."""

    def __init__(self, loop, recompute, assigned):
        self.recompute = recompute
        self.assigned = frozenset(assigned)
        # names bound before any read in each reverse iteration
        self.rebound = frozenset([s.targets[0].id for s in recompute] + [loop.target.id])


def sinkable_loops(builder, bound, fixed, pure):
    """{id(loop): SunkLoop} for the candidate loops of builder's function.
    bound: name -> number of bindings; fixed: names with one value for the
    whole function; pure(expr): has the expression no side effect."""
    found = {}
    for loop in _for_loops(builder.body):
        sunk = _candidate(builder, loop, bound, fixed, pure)
        if sunk is not None:
            found[id(loop)] = sunk
    return found


def _for_loops(body):
    for stmt in body:
        if isinstance(stmt, gast.For):
            yield stmt
        for field in ("body", "orelse"):
            yield from _for_loops(getattr(stmt, field, None) or [])


def _candidate(builder, loop, bound, fixed, pure):
    if not isinstance(loop.target, gast.Name) or loop.orelse \
            or not builder._has_reverse(loop):
        return None
    target = loop.target.id
    definitions = {}
    for stmt in loop.body:
        if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and not getattr(stmt, "s2s_counter_step", False) and pure(stmt.value)):
            return None
        definitions.setdefault(stmt.targets[0].id, stmt)
    assigned = set(definitions) | {target}
    if target in definitions:
        return None
    # a value of the loop read after it, by an adjoint or by the returned value
    read_later = {n.id for n in name_nodes(builder.ret)} \
        if builder.config.mode != "grad" else set()
    if (assigned - {target}) & read_later:
        return None
    per_iteration = iteration_locals(loop) | (builder.temporaries & set(definitions))
    wanted = [v for v in definitions if v in builder.saved]
    recompute = set()
    while wanted:
        v = wanted.pop()
        if v in recompute:
            continue
        if bound.get(v) != 1 or v not in per_iteration:
            return None
        recompute.add(v)
        for read in {n.id for n in name_nodes(definitions[v].value)}:
            if read in definitions:
                wanted.append(read)
            elif read != target and read not in fixed and read in builder.resolver.locals:
                return None  # a global (np) is fixed too
    # (a value of the loop an adjoint reads is saved, so it is among those
    # the loop above required to be recomputable: `acc * acc` after the
    # loop stops it there)
    order = [s for s in loop.body if s.targets[0].id in recompute]
    return SunkLoop(loop, order, assigned)


def sunk_loops_unneeded(fdef, sunk_loops, pure):
    """Does the derivative (before optimisation) read nothing its sunk
    forward loops would have assigned, once the statements nothing needs are
    discounted? A mark and sweep like the optimiser's dead-code removal,
    where a name a reverse loop rebinds before reading it (`s2s_sink` marks
    such a loop) is, inside that loop, a name of its own."""
    assigned = set()
    for sunk in sunk_loops:
        assigned |= sunk.assigned
    definitions, needed = {}, []

    def key(name_, own):
        return (name_, own[name_]) if name_ in own else name_

    def reads(node, own):
        return [key(n, own) for n in loaded_names(node)]

    def visit(stmts, own):
        for stmt in stmts:
            sunk = getattr(stmt, "s2s_sink", None)
            if sunk is not None:
                needed.extend(reads(stmt.iter, own))
                visit(stmt.body, {**own, **{v: id(stmt) for v in sunk.rebound}})
            elif isinstance(stmt, (gast.If, gast.While)):
                needed.extend(reads(stmt.test, own))
                visit(stmt.body, own)
                visit(stmt.orelse, own)
            elif isinstance(stmt, gast.For):
                needed.extend(reads(stmt.iter, own))
                visit(stmt.body, own)
            elif isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], gast.Name) and pure(stmt.value):
                definitions.setdefault(key(stmt.targets[0].id, own), []).append(
                    reads(stmt.value, own))
            else:
                needed.extend(reads(stmt, own))

    visit(fdef.body, {})
    live = set()
    while needed:
        k = needed.pop()
        if k not in live:
            live.add(k)
            for more in definitions.get(k, ()):
                needed.extend(more)
    return not (live & assigned)


def dropped_assignments(sunk_loops):
    """Names some sunk forward loop assigned that no reverse loop computes
    again: the derivative no longer shows every value they take, so the
    optimiser must not infer their adjoints' shapes from what it shows."""
    dropped = set()
    for sunk in sunk_loops:
        dropped |= sunk.assigned - sunk.rebound
    return dropped

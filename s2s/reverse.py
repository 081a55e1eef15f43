"""Stage 5: reverse mode. From a normalised function, build one that runs the
primal sweep (recording what the adjoint sweep will need) and then the
adjoint sweep (the statements' templates, in reverse order).

Recording, in the primal sweep:
  - a value that is overwritten (in a loop, or assigned twice) and that some
    adjoint reads is pushed on `<name>_stack` just before the assignment,
    and popped in the adjoint sweep just after that statement's adjoint: so
    when the adjoint of a statement runs, every variable holds the value it
    had right after that statement ran in the primal sweep;
  - `if` keeps its condition in a variable (which the rule above saves
    when it is overwritten inside a loop);
  - `while` counts its iterations (`n_while1`); `for` replays its range
    reversed.

Initialising adjoints: the engine tracks which adjoint variables are bound
at each point of the adjoint sweep. A contribution to an unbound one
initialises it, later ones accumulate. Branches and loops that leave an
adjoint bound on one path only get an explicit zero on the other.
"""
import collections

import gast

from . import template as templates
from .activity import Activity, iteration_locals, statements
from .errors import NoGradientError, S2SError, UnsupportedError
from .instantiate import Contribution, instantiate, materialize_zeros
from .inplace import InPlace
from .invariance import shift_constants
from .names import STACK_SUFFIX, assign, copy_tree, name, root_name, store
from .names import copy_with as _copy_with
from .names import with_origin as _with_origin
from .normalize import is_setitem, origin_of
from .reverse_inplace import InPlaceReverse
from .sink import sinkable_loops
from .walk import call_nodes, loaded_names, name_nodes, walk



def _call(func, args):
    return gast.Call(func=func, args=args, keywords=[])


def _attr_call(obj, method, args):
    return gast.Call(func=gast.Attribute(value=name(obj), attr=method, ctx=gast.Load()),
                     args=args, keywords=[])


# `acc = <constant>; loop: t = acc + term; acc = t` (see ReverseBuilder)
Accumulator = collections.namedtuple("Accumulator", "name term term_keeps_shape loop_index")


class ReverseConfig:
    """What to differentiate and what the generated function returns.

    mode: 'grad' returns the gradient(s); 'value_and_grad' and 'vjp' return
    (value, gradient(s)); 'pullback' (for calls between user functions)
    takes the cotangent as first parameter and returns the gradient(s).
    seed: 'ones' (gradient of the sum of the outputs) or 'cotangent'.
    """

    def __init__(self, wrt, mode="grad", output=None, seed="ones", unconnected="zero",
                 stop=(), name_prefix="grad", multiple=False):
        self.wrt = list(wrt)
        self.mode = mode
        self.output = output
        self.seed = seed
        self.unconnected = unconnected
        self.stop = set(stop)
        self.name_prefix = name_prefix
        self.multiple = multiple  # return a tuple even for one wrt
        # set by pipeline.build_reverse when it builds a second time
        self.sink_loops = True  # sink.py; False when a sunk loop was read after all
        self.join_shape_reads = frozenset()  # values a join's zero reads (see zero())


class ReverseBuilder(InPlaceReverse):
    def __init__(self, fn, parsed, namer, resolver, namespace, config, derivative_of_call):
        self.fn = fn
        self.parsed = parsed
        self.namer = namer
        self.resolver = resolver
        self.namespace = namespace
        self.config = config
        self.derivative_of_call = derivative_of_call
        self.location = parsed.location
        self.params = [a.id for a in fn.args.args]
        body = fn.body
        if not body or not isinstance(body[-1], gast.Return):
            body = body + [_with_origin(gast.Return(value=gast.Constant(value=None, kind=None)),
                                        fn.lineno)]
        self.body, self.ret = body[:-1], body[-1]
        self.outputs = self._output_atoms()
        config.returns_tuple = isinstance(self.ret.value, gast.Tuple)
        self._insert_loop_counters(self.body)
        selected = [a.id for a in self._selected_outputs() if isinstance(a, gast.Name)]
        # a softmax's stabilising shift has a zero adjoint (invariance.py)
        shifts = shift_constants(self.body, resolver, config.wrt) \
            if getattr(config, "optimize", True) else set()
        self.activity = Activity(self.body, resolver, config.wrt, selected,
                                 constants=set(config.stop) | shifts)
        self.wrt_locals = [w for w in config.wrt if w not in self.params]
        # Lists (stacks of a generated gradient, or the user's own): their
        # adjoint is a list aligned with their contents.
        self.list_vars = {s.targets[0].id for s in statements(self.body)
                          if isinstance(s, gast.Assign)
                          and isinstance(s.value, (gast.List, gast.Tuple))}
        # Temporaries of the normaliser: each is assigned before it is read
        # in the same iteration, so no adjoint of theirs crosses iterations.
        self.temporaries = set(namer.generated)
        # values changed in place (x[i] = v, xs.append(v)): see inplace.py
        self.inplace = InPlace(self.body, self.params, resolver, self.location, namer.generated)
        self.list_vars |= self.inplace.list_vars
        self.undo_stacks = set()  # names whose in-place changes are pushed on a stack
        self.captured = {}  # wrt local -> name holding its total adjoint
        self._instances = {}
        self._reads_cache = {}
        self._relaxed = set()  # ids of contributions left larger than their variable
        from .optimize import Optimizer, LiveAdjointMap
        self.shapes = Optimizer(_Body(self.body, fn.args), namespace, LiveAdjointMap(namer))
        self.shapes.assign_classes(self.body)
        self.zeroed = set()  # variables whose adjoint gets an explicit zero
        self.unsaved_zero_reads = set()  # see zero()
        self.adjoint_names = {}
        self._analyse_assignments()
        self.accumulators = self._constant_started_accumulators()
        self.saved = set()
        self.needed = set()
        while True:  # saving values can give a block adjoint work: iterate
            needed = self._needed_values()
            saved = {v for v in needed if self._overwritten(v)} - self.loop_targets
            contents = self.needed_contents
            if saved == self.saved and needed == self.needed and \
                    contents == getattr(self, "_previous_contents", None):
                break
            self.saved, self.needed, self._previous_contents = saved, needed, contents
        self.recomputed, self.sunk = {}, {}
        if getattr(config, "optimize", True):
            bound = self._binding_counts()
            fixed = self._unchanging_names(bound)
            self.recomputed = self._recomputable(bound, fixed)
            if config.sink_loops:  # sink.py
                self.sunk = sinkable_loops(self, bound, fixed, self.pure)
            for key, sunk in self.sunk.items():
                self.recomputed[key] = [(s.targets[0].id, s) for s in sunk.recompute]
        for values in self.recomputed.values():
            self.saved -= {v for v, _ in values}

    # ---- outputs ----------------------------------------------------------
    def _output_atoms(self):
        value = self.ret.value
        if isinstance(value, gast.Tuple):
            return list(value.elts)
        return [value]

    def _selected_outputs(self):
        if self.config.output is None:
            return self.outputs
        if not isinstance(self.ret.value, gast.Tuple):
            if self.config.output not in (0, -1):
                raise ValueError(f"output={self.config.output} but {self.parsed.name} "
                                 "returns a single value")
            return self.outputs
        if not -len(self.outputs) <= self.config.output < len(self.outputs):
            raise ValueError(f"output={self.config.output} is out of range: "
                             f"{self.parsed.name} returns {len(self.outputs)} values")
        return [self.outputs[self.config.output]]

    # ---- analysis ---------------------------------------------------------
    def _insert_loop_counters(self, body):
        for stmt in list(statements(body)):
            if isinstance(stmt, gast.While) and not hasattr(stmt, "s2s_counter"):
                counter = self.namer.fresh("n_while")
                stmt.s2s_counter = counter
                increment = assign(counter, gast.BinOp(left=name(counter), op=gast.Add(),
                                                        right=gast.Constant(value=1, kind=None)))
                increment.s2s_counter_step = True
                stmt.body.append(_with_origin(increment, None))
        # the initialisations go right before each loop
        self._insert_counter_inits(body)

    def _insert_counter_inits(self, body):
        index = 0
        while index < len(body):
            stmt = body[index]
            for field in ("body", "orelse"):
                self._insert_counter_inits(getattr(stmt, field, []) or [])
            if isinstance(stmt, gast.While) and not getattr(stmt, "s2s_counter_init", False):
                stmt.s2s_counter_init = True
                init = assign(stmt.s2s_counter, gast.Constant(value=0, kind=None))
                body.insert(index, _with_origin(init, origin_of(stmt)))
                index += 1
            index += 1

    def _analyse_assignments(self):
        """How often, and where, each variable is assigned."""
        self.assign_count = {p: 1 for p in self.params}
        self.loop_targets = set()  # rebound by the reverse loop itself
        self.assigned_in_loop = set()
        self.first_assignment = {}

        def visit(body, in_loop, top_level):
            for stmt in body:
                if is_setitem(stmt):
                    continue  # changes x in place; undone separately (reverse_inplace.py)
                if isinstance(stmt, gast.Assign):
                    v = stmt.targets[0].id
                    if getattr(stmt, "s2s_counter_step", False):
                        continue
                    self.assign_count[v] = self.assign_count.get(v, 0) + 1
                    if in_loop:
                        self.assigned_in_loop.add(v)
                    if v not in self.first_assignment:
                        self.first_assignment[v] = (stmt, top_level and not in_loop)
                elif isinstance(stmt, gast.If):
                    visit(stmt.body, in_loop, False)
                    visit(stmt.orelse, in_loop, False)
                elif isinstance(stmt, (gast.While, gast.For)):
                    if isinstance(stmt, gast.For):
                        v = stmt.target.id
                        self.assign_count[v] = self.assign_count.get(v, 0) + 1
                        self.assigned_in_loop.add(v)
                        self.loop_targets.add(v)
                    visit(stmt.body, True, False)
        visit(self.body, False, True)
        visit = None  # (a recursive inner function is a reference cycle: break it)

    def _overwritten(self, v):
        return v in self.assigned_in_loop or self.assign_count.get(v, 0) > 1

    def _needs_save_at(self, stmt, v):
        if v not in self.saved:
            return False
        first, top_level = self.first_assignment.get(v, (None, False))
        # The first top-level assignment of a local has no earlier value.
        return not (first is stmt and top_level and v not in self.params)

    def _needed_values(self):
        """Variables some adjoint statement reads as primal values. Also sets
        needed_contents: those read for more than their shape (an in-place
        change keeps shapes, so only these make it undo, see _undo)."""
        # (and what a zero made where branches join reads for its shape,
        # when a first build found it overwritten and not saved)
        needed, contents = set(self.config.join_shape_reads), set()
        self.content_reads_at = []  # (statement, what its adjoint reads for more than shape)
        for stmt in statements(self.body):
            if self._mutation(stmt) is not None:
                content_reads, shape_reads = self._inplace_reads(stmt)
                needed |= content_reads | shape_reads
                contents |= content_reads
                self.content_reads_at.append((stmt, content_reads))
            if is_setitem(stmt):
                continue
            reads = set()
            if isinstance(stmt, gast.Assign) and self.is_active_statement(stmt):
                reads = self._primal_reads(stmt)
                needed |= reads
                contents |= reads - self._shape_only_reads(stmt)
                self.content_reads_at.append((stmt, reads - self._shape_only_reads(stmt)))
                continue
            elif isinstance(stmt, gast.If) and self._has_reverse(stmt):
                reads = {n.id for n in name_nodes(stmt.test)}
            elif isinstance(stmt, gast.While) and self._has_reverse(stmt):
                reads = {stmt.s2s_counter}
            elif isinstance(stmt, gast.For) and self._has_reverse(stmt):
                reads = {n.id for n in name_nodes(stmt.iter)}
                reads.add(stmt.target.id)
            needed |= reads
            contents |= reads
            self.content_reads_at.append((stmt, reads))
        self.needed_contents = contents
        return needed

    def _primal_reads(self, stmt):
        """What this statement's adjoint reads of the primal (computed once;
        the fixed point in __init__ asks on every round)."""
        key = id(stmt)
        if key not in self._reads_cache:
            self._reads_cache[key] = self._compute_primal_reads(stmt)
        return self._reads_cache[key]

    def _compute_primal_reads(self, stmt):
        prim = self.resolver(stmt.value)
        target = stmt.targets[0].id
        if prim.kind == "user":
            return set(prim.operand_names())
        if prim.key == "method.pop":
            return {target}
        if prim.key in ("list", "tuple", "dict"):
            return set()
        tmpl = self._template(stmt, prim)
        bindings = self._bindings(stmt, prim, tmpl)
        candidates = {target}
        for param, value in bindings.items():
            candidates |= {n.id for n in name_nodes(value)}
        # What the adjoint code reads once shape fixes between values of equal
        # shape are dropped: a value read only for its shape is often not
        # needed at all, and then not saved.
        reads = set()
        for item in self._instantiated(stmt, prim):
            node = item.expr if isinstance(item, Contribution) else item
            reads.update(loaded_names(node))
        return reads & candidates

    def _instantiated(self, stmt, prim):
        """The template's statements for this call site, shape fixes between
        values of provably equal shape dropped (computed once per statement)."""
        key = id(stmt)
        if key not in self._instances:
            tmpl = self._template(stmt, prim)
            bindings = self._bindings(stmt, prim, tmpl)
            target = stmt.targets[0].id
            derivative_names = {tmpl.result: self.adjoint(target)}
            for param, value in bindings.items():
                if param != tmpl.result and isinstance(value, gast.Name) and \
                        self.activity.is_active(value.id):
                    derivative_names[param] = self.adjoint(value.id)
            items = instantiate(tmpl, bindings, derivative_names, self.namer, self.namespace)
            for item in items if getattr(self.config, "optimize", True) else ():
                if isinstance(item, Contribution):
                    if key in self.accumulators:
                        item.expr = self._without_accumulator_shape(item, key)
                    item.expr = self._shape_left_to_readers(item)
                    item.expr = self.shapes.simplify(item.expr)
                elif isinstance(item, gast.Assign):
                    item.value = self.shapes.simplify(item.value)
            self._instances[key] = (stmt, items)
        return self._instances[key][1]

    # ---- accumulators: `acc = 0.0; for ...: acc = acc + e` ------------------
    def _constant_started_accumulators(self):
        """`acc = <constant>` then, in a loop, `t = acc + e; acc = t` and no
        other use of acc in the loop, with e of a shape that does not change
        (made of parameters and values assigned once at the top level).

        acc's shape is then the same from the second iteration on (the
        broadcast of its start and e), so the adjoint of `acc + e` needs no
        unbroadcast back to acc's shape but on the first iteration, where
        it would give the adjoint of the constant start, which nothing reads.
        So acc is never read for its shape and never pushed: a loop that
        only accumulates grows no stack. Returns {id(t = acc + e): 'acc'}."""
        found = {}
        for index, loop in enumerate(self.body):
            if not isinstance(loop, (gast.For, gast.While)):
                continue
            for position, stmt in enumerate(loop.body[:-1]):
                accumulated = self._accumulated(stmt, loop.body[position + 1], loop)
                if accumulated is None:
                    continue
                v, term = accumulated
                start = self._constant_start(v, index)
                if start is not None:
                    found[id(stmt)] = Accumulator(v, term, self._term_keeps_shape(start, term),
                                                  index)
        return found

    def _term_keeps_shape(self, start, term):
        """Is acc + e shaped like e on every iteration? When the start
        broadcasts into e (`acc = 0.0`), by induction; then e's adjoint
        needs no unbroadcast either."""
        start_class = self.shapes.class_of(start.value)
        term_class = self.shapes.class_of(term)
        return isinstance(term, gast.Name) and start_class is not None and \
            term_class is not None and start_class <= term_class

    def _accumulated(self, stmt, copy, loop):
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, gast.BinOp)
                and isinstance(stmt.value.op, (gast.Add, gast.Sub))):
            return None
        t = stmt.targets[0].id
        for v_node, other in ((stmt.value.left, stmt.value.right),
                              (stmt.value.right, stmt.value.left)):
            if not (isinstance(v_node, gast.Name) and isinstance(other, (gast.Name,
                                                                          gast.Constant))):
                continue
            v = v_node.id
            if not (isinstance(copy, gast.Assign) and isinstance(copy.targets[0], gast.Name)
                    and copy.targets[0].id == v and isinstance(copy.value, gast.Name)
                    and copy.value.id == t and t in self.temporaries):
                continue
            loads = loaded_names(loop)
            stores = [n.id for n in name_nodes(loop)
                      if isinstance(n.ctx, gast.Store)]
            if loads.count(v) != 1 or loads.count(t) != 1 or stores.count(v) != 1:
                continue
            cls = self.shapes.class_of(other)
            if cls is not None and cls <= self.shapes.stable_bases:
                return v, other
        return None

    def _constant_start(self, v, loop_index):
        """The statement starting v, when v is assigned twice: inactively
        just before the loop (nothing in between reads it), and in the loop;
        not a parameter, nor wrt. None otherwise."""
        if v in self.params or v in self.config.wrt or v in self.config.stop \
                or self.assign_count.get(v) != 2 or v in self.list_vars:
            return None
        for stmt in reversed(self.body[:loop_index]):
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                    and stmt.targets[0].id == v:
                return None if self.is_active_statement(stmt) else stmt
            if v in {n.id for n in name_nodes(stmt)}:
                return None
        return None

    def _seed_shape(self, output):
        """What the seed of an output takes its shape from: the output, or
        for an accumulator shaped like its term (`acc = 0.0; acc = acc + e`)
        an earlier value of e's shape, so acc's value is not needed for it.
        If the loop ran no times, acc is 0.0 and the seed has e's shape, but
        then only the reverse loop, which runs no times, reads it."""
        if getattr(self.config, "optimize", True):
            for accumulator in self.accumulators.values():
                if accumulator.name == output and accumulator.term_keeps_shape:
                    stand_in = self.shapes.representative(accumulator.term,
                                                          accumulator.loop_index)
                    if isinstance(stand_in, gast.Name) and stand_in.id != accumulator.term.id:
                        return stand_in
        return name(output)

    def _without_accumulator_shape(self, item, key):
        """unbroadcast(g, acc) -> g in the adjoint of `t = acc + e` (see
        above), and unbroadcast(g, e) -> g when acc + e is shaped like e."""
        accumulator = self.accumulators[key]
        shaped_like = {self.adjoint(accumulator.name): accumulator.name}
        if accumulator.term_keeps_shape:
            shaped_like[self.adjoint(accumulator.term.id)] = accumulator.term.id
        expr = item.expr
        if item.var in shaped_like and isinstance(expr, gast.Call) \
                and self.shapes.resolve(expr.func) is _runtime().unbroadcast \
                and len(expr.args) == 2 and isinstance(expr.args[1], gast.Name) \
                and expr.args[1].id == shaped_like[item.var]:
            return expr.args[0]
        return expr

    # ---- recomputing instead of saving: `t4 = xs[t]`, `t1 = x * i` ---------
    def pure(self, expr):
        """Has expr no side effect (the optimiser's rule, with s2s's own
        bindings resolved: it holds for generated code too)?"""
        from .optimize import _pure
        return _pure(expr, self.shapes.resolve)

    def _binding_counts(self):
        """name -> how many statements bind it, the while counters' steps
        included (unlike assign_count)."""
        bound = {}
        for stmt in statements(self.body):
            targets = stmt.targets if isinstance(stmt, gast.Assign) else [
                getattr(stmt, "target", None)]
            for target in targets:
                for node in name_nodes(target) if target is not None else ():
                    if not isinstance(node.ctx, gast.Load):
                        bound[node.id] = bound.get(node.id, 0) + 1
        return bound

    def _recomputable(self, bound, fixed):
        """{id(for loop): [(v, assignment)]}: temporaries the reverse loop computes
        again at the top of each iteration instead of pushing and popping
        them. v is assigned once, at the top level of a `for` body, from
        the loop variable, constants and names with one value for the
        whole function (`fixed`: parameters never rebound, values bound once
        outside every loop, neither changed in place), with indexing and
        arithmetic only: no call, so nothing costlier than a push and a pop.
        (sink.py recomputes calls too, where the forward loop then goes.)"""
        found = {}
        for loop in statements(self.body):
            if not isinstance(loop, gast.For) or not isinstance(loop.target, gast.Name):
                continue
            allowed = fixed | {loop.target.id}
            for stmt in loop.body:
                if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
                    continue
                v = stmt.targets[0].id
                if v in self.saved and v in self.temporaries and bound.get(v) == 1 \
                        and _cheap_expression(stmt.value) \
                        and {n.id for n in name_nodes(stmt.value)} <= allowed:
                    found.setdefault(id(loop), []).append((v, stmt))
        return found

    def _unchanging_names(self, bound):
        """Parameters never rebound and values bound once (bound: name ->
        how many bindings), that no statement changes in place."""
        changed = set()
        for stmt in statements(self.body):
            if is_setitem(stmt) or isinstance(stmt, gast.AugAssign):
                changed.add(root_name(stmt.targets[0] if is_setitem(stmt) else stmt.target))
            mutation = self._mutation(stmt)
            if mutation is not None:
                changed.add(mutation[1])
            for node in call_nodes(stmt):
                if isinstance(node.func, gast.Attribute):
                    changed.add(root_name(node.func.value))  # xs.append(v), a.sort()
        # bound once outside every loop: one value for the whole function
        once = {v for v, count in bound.items() if count == 1} - set(self.params) \
            - self.assigned_in_loop - self.loop_targets
        never = set(self.params) - set(bound)
        return (once | never) - changed

    # ---- summing down once: `t = a + b` / `t = a @ b` read once -----------
    def _shape_left_to_readers(self, item):
        """unbroadcast(g, t) -> g in the contribution to t's adjoint, when t
        is a temporary read once whose own adjoint only sums t_bar down
        further: to the operands of `t = a + b` (unbroadcast(t_bar, a)), or
        inside the matmul adjoints of `t = a @ b`, which sum g down to the
        product's shape themselves. Summing in one step or two gives the
        same, and t is then not read (nor, in a loop, pushed) for its shape:
        in `h = np.tanh(xs[t] @ Wx + h @ Wh + b)` neither product nor their
        sum is kept."""
        expr = item.expr
        if not (isinstance(expr, gast.Call) and len(expr.args) == 2 and not expr.keywords
                and isinstance(expr.args[1], gast.Name)
                and self.shapes.resolve(expr.func) is _runtime().unbroadcast):
            return expr
        t = expr.args[1].id
        if item.var != self.adjoint(t) or t not in self.temporaries \
                or self.assign_count.get(t) != 1 or self._primal_read_counts().get(t) != 1:
            return expr
        definition = self._single_definitions().get(t)
        if definition is None or not self._sums_adjoint_down(definition):
            return expr
        relaxed = expr.args[0]
        self._relaxed.add(id(relaxed))  # t_bar may be larger than t from here on
        return relaxed

    def _sums_adjoint_down(self, stmt):
        """Does the adjoint of `t = a + b`, `a - b` or `a @ b` read t_bar only
        as unbroadcast(±t_bar, operand), or matmul_adjoint_*(t_bar, a, b)?"""
        value = stmt.value
        if not (isinstance(value, gast.BinOp)
                and isinstance(value.op, (gast.Add, gast.Sub, gast.MatMult))
                and self.is_active_statement(stmt)):
            return False
        operands = [o.id if isinstance(o, gast.Name) else None for o in (value.left, value.right)]
        t_bar = self.adjoint(stmt.targets[0].id)
        runtime = _runtime()
        items = self._instantiated(stmt, self.resolver(value))
        trees = [i.expr if isinstance(i, Contribution) else i for i in items]
        reads = [n for tree in trees for n in name_nodes(tree) if n.id == t_bar]
        allowed = set()
        for item in items:  # ±t_bar handed on to an operand that sums it down itself
            if isinstance(item, Contribution) and id(item.expr) in self._relaxed:
                inner = item.expr
                if isinstance(inner, gast.UnaryOp) and isinstance(inner.op, gast.USub):
                    inner = inner.operand
                if isinstance(inner, gast.Name) and inner.id == t_bar:
                    allowed.add(id(inner))
        for tree in trees:
            for call in call_nodes(tree):
                if call.keywords or not call.args:
                    continue
                func = self.shapes.resolve(call.func)
                first = call.args[0]
                if isinstance(first, gast.UnaryOp) and isinstance(first.op, gast.USub):
                    first = first.operand
                if not (isinstance(first, gast.Name) and first.id == t_bar):
                    continue
                if isinstance(value.op, gast.MatMult):
                    fits = func in (runtime.matmul_adjoint_a, runtime.matmul_adjoint_b) \
                        and len(call.args) == 3 and first is call.args[0] and [
                            a.id if isinstance(a, gast.Name) else None
                            for a in call.args[1:]] == operands
                else:
                    fits = func is runtime.unbroadcast and len(call.args) == 2 \
                        and isinstance(call.args[1], gast.Name) and call.args[1].id in operands
                if fits:
                    allowed.add(id(first))
        return bool(reads) and all(id(n) in allowed for n in reads)

    def _single_definitions(self):
        if not hasattr(self, "_definitions"):
            self._definitions = {
                s.targets[0].id: s for s in statements(self.body)
                if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and self.assign_count.get(s.targets[0].id) == 1}
        return self._definitions

    def _primal_read_counts(self):
        if not hasattr(self, "_read_counts"):
            counts = {}
            for node in name_nodes(gast.Module(body=self.body + [self.ret], type_ignores=[])):
                if isinstance(node.ctx, gast.Load):
                    counts[node.id] = counts.get(node.id, 0) + 1
            self._read_counts = counts
        return self._read_counts

    def is_active_statement(self, stmt):
        if not isinstance(stmt, gast.Assign) or is_setitem(stmt):
            return False
        target = stmt.targets[0].id
        if getattr(stmt, "s2s_counter_step", False) or not self.activity.is_active(target):
            return False
        return self.resolver(stmt.value).kind not in ("inactive", "stop")

    def _has_reverse(self, stmt):
        """Does this block need replaying in the adjoint sweep: adjoint code,
        or values to restore?"""
        for s in statements(getattr(stmt, "body", []) + getattr(stmt, "orelse", [])):
            if is_setitem(s):
                if self._setitem_has_reverse(s):
                    return True
                continue
            if self._mutation(s) is not None and self._undo(s):
                return True
            if self.is_active_statement(s):
                return True
            if isinstance(s, gast.Assign) and self._needs_save_at(s, s.targets[0].id):
                return True
            appended = self._appended(s)
            if appended is not None and self.activity.is_active(appended[0]):
                return True
        return False

    def _template(self, stmt, prim):
        if prim.kind == "unknown" or (prim.kind == "template" and
                                      templates.reverse_template(prim.key) is None):
            raise self._no_gradient(stmt, prim)
        return templates.reverse_template(prim.key)

    def _no_gradient(self, stmt, prim):
        callee = prim.label or "this operation"
        hint = ""
        if prim.function is not None:
            hint = "; register one with\n" + adjoint_hint(callee, prim.function)
        elif isinstance(prim.key, str) and prim.key.startswith("method."):
            hint = f"; write it with a NumPy function instead of the method {callee}"
        else:
            callee = f"a call of {callee}, a function value made inside the function"
            hint = ("; bind the callable to a module-level name and register a rule for it "
                    "with @s2s.adjoint(name)")
        return self.location.error(
            NoGradientError, f"no derivative for {callee}: it has no template and no "
            f"Python source{hint}", lineno=origin_of(stmt) or getattr(stmt, "lineno", None))

    def _bindings(self, stmt, prim, tmpl):
        try:
            bindings = tmpl.bind(prim.args, prim.keywords)
        except S2SError as exc:
            raise self.location.error(S2SError, exc.message, lineno=origin_of(stmt)) from exc
        bindings[tmpl.result] = name(stmt.targets[0].id)
        return bindings

    # ---- names ------------------------------------------------------------
    def adjoint(self, v):
        return self.namer.derived(v, "bar")

    def stack(self, v):
        return self.namer.derived(v, STACK_SUFFIX)

    # ---- primal sweep -----------------------------------------------------
    def primal(self, body):
        out = []
        for stmt in body:
            if is_setitem(stmt):
                out.extend(self.save_before(stmt))
                out.append(stmt)
            elif isinstance(stmt, gast.Assign):
                v = stmt.targets[0].id
                if self._needs_save_at(stmt, v):
                    out.append(_with_origin(gast.Expr(value=_attr_call(
                        self.stack(v), "append", [name(v)])), origin_of(stmt)))
                out.append(stmt)
            elif isinstance(stmt, gast.If):
                out.append(_copy_with(stmt, body=self.primal(stmt.body),
                                      orelse=self.primal(stmt.orelse)))
            elif id(stmt) in self.sunk:
                continue  # its reverse loop computes what it needs (sink.py)
            elif isinstance(stmt, (gast.While, gast.For)):
                out.append(_copy_with(stmt, body=self.primal(stmt.body)))
            else:
                out.append(stmt)
        return out

    # ---- adjoint sweep ----------------------------------------------------
    def contribute(self, var, expr, bound, out, origin):
        """d[var] += expr, initialising d[var] when it is not bound yet."""
        adjoint = self.adjoint(var)
        if var not in bound:
            expr = self.owned(var, expr)  # changed in place later: our own copy
        if var in bound and var in self.list_vars:
            add = name(self.namespace.bind("add_adjoints", _runtime().add_adjoints))
            expr = _call(add, [name(adjoint), expr])
        elif var in bound:
            expr = gast.BinOp(left=name(adjoint), op=gast.Add(), right=expr)
        bound.add(var)
        out.append(_with_origin(assign(adjoint, expr), origin))

    def zero(self, var, origin):
        self.zeroed.add(var)
        if self._overwritten(var) and var not in self.saved and var not in self.loop_targets:
            # zeros_like_adjoint(var) reads var's value here, which a later
            # assignment may have replaced: build again with var saved
            self.unsaved_zero_reads.add(var)
        zeros = name(self.namespace.bind("zeros_like_adjoint", _runtime().zeros_like_adjoint))
        return _with_origin(assign(self.adjoint(var), _call(zeros, [name(var)])), origin)

    def adjoint_block(self, body, bound):
        out = []
        for stmt in reversed(body):
            if is_setitem(stmt):
                self.adjoint_setitem(stmt, bound, out)
            elif isinstance(stmt, gast.Assign):
                self.adjoint_assign(stmt, bound, out)
            elif isinstance(stmt, gast.If):
                self.adjoint_if(stmt, bound, out)
            elif isinstance(stmt, (gast.While, gast.For)):
                self.adjoint_loop(stmt, bound, out)
            elif isinstance(stmt, gast.Expr) and self._mutation(stmt) is not None \
                    and self._mutation(stmt)[0] == "insert":
                self.adjoint_insert(stmt, bound, out)
            elif isinstance(stmt, gast.Expr):
                self.adjoint_append(stmt, bound, out)
                if self._appended(stmt) is not None:
                    self.undo_append(stmt, out)
        return out

    def _appended(self, stmt):
        """(list name, value atom) for a statement `xs.append(v)`, else None."""
        call = stmt.value if isinstance(stmt, gast.Expr) else None
        if (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
                and len(call.args) == 1):
            return call.func.value.id, call.args[0]
        return None

    def adjoint_append(self, stmt, bound, out):
        """xs.append(v): v's adjoint is the last entry of xs's adjoint."""
        appended = self._appended(stmt)
        if appended is None:
            return
        stack, value = appended
        if not self.activity.is_active(stack):
            return
        origin = origin_of(stmt)
        if stack not in bound:
            out.append(self.zero(stack, origin))
            bound.add(stack)
        popped = _attr_call(self.adjoint(stack), "pop", [])
        if isinstance(value, gast.Name) and self.activity.is_active(value.id):
            self.contribute(value.id, popped, bound, out, origin)
        else:
            out.append(_with_origin(gast.Expr(value=popped), origin))

    def adjoint_pop(self, stmt, bound, out):
        """v = xs.pop(): xs's adjoint gets v's adjoint back as its last entry."""
        v = stmt.targets[0].id
        stack = stmt.value.func.value.id
        origin = origin_of(stmt)
        if not self.activity.is_active(stack):
            return
        if stack not in bound:
            out.append(self.zero(stack, origin))
            bound.add(stack)
        value = name(self.adjoint(v)) if v in bound else _call(
            name(self.namespace.bind("zeros_like_adjoint", _runtime().zeros_like_adjoint)),
            [name(v)])
        put_back = self._put_back(name(self.adjoint(stack)), stmt.value.args, value)
        out.append(_with_origin(gast.Expr(value=put_back), origin))

    def adjoint_assign(self, stmt, bound, out):
        v = stmt.targets[0].id
        origin = origin_of(stmt)
        if v in self.wrt_locals and self.activity.is_active(v) and v not in self.captured:
            # gradients() w.r.t. a local: its total adjoint, before it is consumed
            captured = self.namer.fresh(f"{v}_total_bar")
            self.captured[v] = captured
            value = name(self.adjoint(v)) if v in bound else _call(
                name(self.namespace.bind("zeros_like_adjoint", _runtime().zeros_like_adjoint)),
                [name(v)])
            out.append(_with_origin(assign(captured, value), origin))
        prim = self.resolver(stmt.value)
        if prim.key == "method.pop":  # even an unused item: the adjoint stays aligned
            self.adjoint_pop(stmt, bound, out)
            bound.discard(v)
        elif self.is_active_statement(stmt) and v in bound and v not in self.config.stop:
            bound.discard(v)  # this value's adjoint is consumed here
            if prim.key in ("list", "tuple"):
                for index, element in enumerate(prim.args):
                    if isinstance(element, gast.Name) and self.activity.is_active(element.id):
                        item = gast.Subscript(value=name(self.adjoint(v)),
                                              slice=gast.Constant(value=index, kind=None),
                                              ctx=gast.Load())
                        self.contribute(element.id, item, bound, out, origin)
            elif prim.key == "dict":
                for key, element in zip(stmt.value.keys, stmt.value.values):
                    if isinstance(element, gast.Name) and self.activity.is_active(element.id):
                        item = gast.Subscript(value=name(self.adjoint(v)), slice=copy_tree(key),
                                              ctx=gast.Load())
                        self.contribute(element.id, item, bound, out, origin)
            elif prim.kind == "user":
                self.adjoint_user_call(stmt, prim, bound, out)
            else:
                self.adjoint_template(stmt, prim, bound, out)
        else:
            bound.discard(v)
        if prim.key == "method.pop":
            self.undo_pop(stmt, out)  # before v gets its earlier value back
        if self._needs_save_at(stmt, v):
            out.append(_with_origin(assign(v, _attr_call(self.stack(v), "pop", [])), origin))

    def adjoint_template(self, stmt, prim, bound, out):
        tmpl = self._template(stmt, prim)
        bindings = self._bindings(stmt, prim, tmpl)
        target = stmt.targets[0].id
        derivative_names = {tmpl.result: self.adjoint(target)}
        active_params = {}
        for param, value in bindings.items():
            if param == tmpl.result:
                continue
            if isinstance(value, gast.Name) and self.activity.is_active(value.id):
                derivative_names[param] = self.adjoint(value.id)
                active_params[self.adjoint(value.id)] = value.id
        origin = origin_of(stmt)
        for item in self._instantiated(stmt, prim):
            if isinstance(item, Contribution):
                self.contribute(active_params[item.var], materialize_zeros(item.expr), bound,
                                out, origin)
            else:
                out.append(_with_origin(materialize_zeros(item), origin))

    def adjoint_user_call(self, stmt, prim, bound, out):
        """y = g(a, b): the adjoints come from g's own generated pullback."""
        target = stmt.targets[0].id
        origin = origin_of(stmt)
        active = []
        for index, arg in enumerate(prim.args):
            if isinstance(arg, gast.Name) and self.activity.is_active(arg.id):
                active.append((index, arg.id))
        for key, arg in prim.keywords.items():
            if isinstance(arg, gast.Name) and self.activity.is_active(arg.id):
                active.append((key, arg.id))
        if not active:
            return
        pullback = self.derivative_of_call(prim.function, [k for k, _ in active], stmt)
        pullback_name = self.namespace.bind(pullback.__name__, pullback)
        call = gast.Call(func=name(pullback_name),
                         args=[name(self.adjoint(target))] + list(prim.args),
                         keywords=[gast.keyword(arg=k, value=v) for k, v in prim.keywords.items()])
        results = [self.namer.fresh(f"{var}_bar_") for _, var in active]
        targets = store(results[0]) if len(results) == 1 else gast.Tuple(
            elts=[store(r) for r in results], ctx=gast.Store())
        out.append(_with_origin(assign(targets, call), origin))
        for (_, var), result in zip(active, results):
            self.contribute(var, name(result), bound, out, origin)

    def adjoint_if(self, stmt, bound, out):
        if not self._has_reverse(stmt):
            return
        origin = origin_of(stmt)
        bound_body, bound_else = set(bound), set(bound)
        body = self.adjoint_block(stmt.body, bound_body)
        orelse = self.adjoint_block(stmt.orelse, bound_else)
        merged = bound_body | bound_else
        # (a variable this path never assigned is bound to None in the
        # prologue; its zero is then 0.0, and nothing on this path reads it)
        body += [self.zero(v, origin) for v in sorted(merged - bound_body)]
        orelse += [self.zero(v, origin) for v in sorted(merged - bound_else)]
        bound.clear()
        bound.update(merged)
        if not body and not orelse:
            return
        if not body:
            test = gast.UnaryOp(op=gast.Not(), operand=copy_tree(stmt.test))
            out.append(_with_origin(gast.If(test=test, body=orelse, orelse=[]), origin))
        else:
            out.append(_with_origin(gast.If(test=copy_tree(stmt.test), body=body,
                                            orelse=orelse), origin))

    def adjoint_loop(self, stmt, bound, out):
        if not self._has_reverse(stmt):
            return
        origin = origin_of(stmt)
        carried = self._loop_carried_adjoints(stmt, bound)
        for v in sorted(carried):
            out.append(self.zero(v, origin))
            bound.add(v)
        body_bound = set(bound)
        body = self.adjoint_block(stmt.body, body_bound)
        # values whose adjoint this iteration consumed: zero for the next one
        body += [self.zero(v, origin) for v in sorted(bound - body_bound)]
        if isinstance(stmt, gast.While):
            loop = gast.For(target=store("_"), iter=_call(name("range"), [name(stmt.s2s_counter)]),
                            body=body or [gast.Pass()], orelse=[], type_comment=None)
        else:
            iterator = copy_tree(stmt.iter)
            if (isinstance(iterator, gast.Call) and isinstance(iterator.func, gast.Name)
                    and iterator.func.id == "reversed"):
                backwards = iterator.args[0]  # reversed(reversed(r)) is r
            else:
                backwards = _call(name("reversed"), [iterator])
            sunk = self.sunk.get(id(stmt))
            again = [_with_origin(assign(v, copy_tree(computed.value)), origin_of(computed))
                     for v, computed in self.recomputed.get(id(stmt), ())
                     if v in self.needed or sunk is not None]
            loop = gast.For(target=copy_tree(stmt.target), iter=backwards,
                            body=again + body or [gast.Pass()], orelse=[], type_comment=None)
            if sunk is not None:
                loop.s2s_sink = sunk  # for the check after optimisation
        out.append(_with_origin(loop, origin))

    def _loop_carried_adjoints(self, stmt, bound):
        """Active variables the loop body contributes to whose adjoint must
        exist before the first reverse iteration (they outlive one iteration)."""
        contributed = set()
        for s in statements(stmt.body):
            mutation = self._mutation(s)
            if mutation is not None and self.activity.is_active(mutation[1]):
                contributed.add(mutation[1])  # xs.pop() in a loop: xs_bar lives across
            if is_setitem(s) and self.activity.is_active(s.targets[0].value.id):
                contributed |= {v for v in [s.targets[0].value.id] + [
                    n.id for n in name_nodes(s.value)]
                    if self.activity.is_active(v)}
            if self.is_active_statement(s):
                for v in self.resolver(s.value).operand_names():
                    if self.activity.is_active(v):
                        contributed.add(v)
            appended = self._appended(s)
            if appended is not None and self.activity.is_active(appended[0]):
                contributed.add(appended[0])
                if isinstance(appended[1], gast.Name) and self.activity.is_active(appended[1].id):
                    contributed.add(appended[1].id)
        assigned_inside = {s.targets[0].id for s in statements(stmt.body)
                           if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)}
        local = iteration_locals(stmt) | (self.temporaries & assigned_inside)
        return {v for v in contributed if v not in bound and v not in local}

    # ---- the whole function -----------------------------------------------
    def build(self):
        cfg = self.config
        origin = origin_of(self.ret) or self.fn.lineno
        primal = self.copies_on_entry() + self.primal(self.body)
        prologue = []
        for v in sorted(self.saved | self.undo_stacks):
            prologue.append(_with_origin(assign(self.stack(v), gast.List(elts=[], ctx=gast.Load())),
                                         None))
        value_name = None
        if cfg.mode in ("value_and_grad", "vjp"):
            value_name = self.namer.fresh("value", numbered=False)
            primal.append(_with_origin(assign(value_name, copy_tree(self.ret.value)), origin))
        bound = set()
        seeds = []
        selected = self._selected_outputs()
        cotangent = None
        if cfg.seed == "cotangent":
            cotangent = self.namer.fresh(f"{self.parsed.name}_bar", numbered=False)
        for position, atom in enumerate(self.outputs):
            if atom not in selected or not isinstance(atom, gast.Name):
                continue
            if not self.activity.is_active(atom.id):
                continue
            if cotangent is None:
                ones = name(self.namespace.bind("ones_like_seed", _runtime().ones_like_seed))
                seed = _call(ones, [self._seed_shape(atom.id)])
            elif len(self.outputs) == 1 and not isinstance(self.ret.value, gast.Tuple):
                seed = name(cotangent)
            else:
                seed = gast.Subscript(value=name(cotangent),
                                      slice=gast.Constant(value=position, kind=None),
                                      ctx=gast.Load())
            self.contribute(atom.id, seed, bound, seeds, origin)
        adjoint = self.adjoint_block(self.body, bound)
        # Variables first assigned inside a loop or branch may be unbound
        # where a push or an explicit zero reads them: bind them to None.
        for v in sorted(self.saved | self.zeroed):
            first, top_level = self.first_assignment.get(v, (None, False))
            if v not in self.params and not top_level and v in self.first_assignment:
                # first assigned inside a loop or branch: bind it so the first push works
                prologue.append(_with_origin(assign(v, gast.Constant(value=None, kind=None)),
                                             None))

        results = []
        for w in cfg.wrt:
            if w in self.captured:
                results.append(name(self.captured[w]))
            elif w in bound and w in self.params:
                results.append(name(self.adjoint(w)))
            elif cfg.unconnected == "none":
                results.append(gast.Constant(value=None, kind=None))
            else:
                zeros = name(self.namespace.bind("zeros_like_adjoint",
                                                 _runtime().zeros_like_adjoint))
                if w in self.params and self._overwritten(w):
                    # the parameter may hold another value by the end: zeros
                    # shaped like the value passed in, made before the primal
                    zero_name = self.namer.fresh(f"{w}_unconnected_bar", numbered=False)
                    prologue.append(_with_origin(assign(zero_name, _call(zeros, [name(w)])),
                                                 None))
                    results.append(name(zero_name))
                else:
                    results.append(_call(zeros, [name(w)]))
        if len(results) == 1 and not cfg.multiple:
            gradient = results[0]
        else:
            gradient = gast.Tuple(elts=results, ctx=gast.Load())
        if value_name is not None:
            returned = gast.Tuple(elts=[name(value_name), gradient], ctx=gast.Load())
        else:
            returned = gradient
        body = prologue + primal + seeds + adjoint + [_with_origin(gast.Return(value=returned),
                                                                   origin)]
        args = copy_tree(self.fn.args)
        if cotangent is not None:
            param = gast.Name(id=cotangent, ctx=gast.Param(), annotation=None, type_comment=None)
            if cfg.mode == "pullback":
                args.args.insert(0, param)
            else:
                if args.defaults:
                    raise UnsupportedError("vjp of a function with default arguments")
                args.args.append(param)
        fname = self.namer.fresh(f"{cfg.name_prefix}_{self.parsed.name}", numbered=False)
        return gast.FunctionDef(name=fname, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])


class _Body:
    """The primal function's body and parameters, for the shape analysis."""

    def __init__(self, body, args):
        self.body = body
        self.args = args


def adjoint_hint(label, function):
    """The decorator a user would write for a callable without a rule, in
    the names their own code uses."""
    import inspect
    try:
        params = [p for p in inspect.signature(function).parameters
                  if p not in ("self", "args", "kwargs")][:3]
    except (TypeError, ValueError):
        params = []
    params = params or ["x"]
    body = "\n".join(f"        d[{p}] = d[result] * ..." for p in params[:1])
    return (f"    @s2s.adjoint({label})\n    def _(result, {', '.join(params)}):\n{body}")


def _cheap_expression(expr):
    """Names and constants combined by arithmetic and indexing only."""
    for node in walk(expr):
        if not isinstance(node, (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp,
                                 gast.Subscript, gast.Slice, gast.Tuple, gast.Load,
                                 gast.operator, gast.unaryop)):
            return False
    return True


def _runtime():
    from . import runtime
    return runtime

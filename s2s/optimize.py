"""Stage 6: make generated code cost what a hand-written gradient costs.

Passes over the generated function (each one small, each can be turned off
with optimize=False on the whole pipeline):

  shapes      `unbroadcast(g, x)` (and its relatives) is dropped where g and x
              provably have the same shape. Shapes are not known at compile
              time, but equalities are: sin(x) has x's shape, x * y has the
              shape of x and y broadcast together, an adjoint has its
              variable's shape. Each value gets a shape class: the set of
              values whose shapes broadcast to its shape (a constant: the
              empty set). Equal classes, equal shapes.
              Where a value is read only for its shape (the second argument
              of `unbroadcast`), an earlier value of the same class is read
              instead; the first often dies then (`log1p(exp(z))` read
              only for its shape is never computed).
  seeds       an output that is a full reduction (np.sum without axis) is a
              scalar, so its seed is 1.0.
  numbers     an adjoint that is one number spread over an array is kept as
              the number (uniform.py); then `1.0 * e` -> e where no integer
              or boolean array can come out (_fold_units).
  copies      `a = b` followed by reads of a: the reads use b.
  dead code   values nothing needs (mark and sweep; pure right-hand sides).
  hoisting    loop-invariant statements of the adjoint sweep (hoist.py).
  folding     a temporary read once, shortly after, goes into its reader.
  shapes only a product or large temporary read later only for its shape
              is not kept (matmul_like, shape_stand_in).
"""
import itertools

import gast
import numpy as np

from . import runtime
from .activity import statements
from .names import STACK_SUFFIX, copy_tree, name, root_name, store
from .signs import fold_signs, negations
from .uniform import keep_uniform_adjoints
from .walk import (call_nodes, loaded_names, name_nodes, node_count, node_fields, nodes_of_type,
                   walk)

COPY_WINDOW = 8  # statements after a copy in which its reads are looked for
# A shape class is a frozenset of "base" shapes that broadcast together to the
# value's shape; broadcasting is associative, commutative and idempotent, so
# equal sets mean equal shapes.
SCALAR = frozenset()  # 0-d: constants, full reductions; broadcasts to anything
AFTER_ALL = float("inf")  # position of code that runs after the whole body

ELEMENTWISE_UNARY = {np.sin, np.cos, np.tan, np.exp, np.log, np.log1p, np.expm1, np.sqrt,
                     np.tanh, np.square, np.negative, np.abs, np.absolute, np.sign,
                     np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.exp2, np.log2,
                     np.log10, np.cbrt, np.reciprocal, np.positive}
ELEMENTWISE_BINARY = {np.add, np.subtract, np.multiply, np.divide, np.true_divide,
                      np.maximum, np.minimum, np.power}
# elementwise functions whose result is a float whatever their argument
FLOAT_RESULTS = ELEMENTWISE_UNARY - {np.square, np.negative, np.abs, np.absolute, np.sign,
                                     np.positive}
SHAPE_OF_SECOND = {runtime.unbroadcast, runtime.to_shape_of, runtime.broadcast_like,
                   runtime.broadcast_sum}
# (function, argument position) read only for the argument's shape
SHAPE_ONLY_ARGUMENT = {runtime.unbroadcast: 1, runtime.to_shape_of: 1, runtime.broadcast_sum: 1,
                       runtime.broadcast_like: 1, runtime.unreduce: 1,
                       runtime.reduced_size: 0, runtime.broadcast_count: 0}
SHAPE_OF_FIRST = {runtime.ones_like_seed, runtime.zeros_like_adjoint, np.ones_like,
                  np.zeros_like}
REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.amax, np.amin, np.prod}
# (a bound method: each `np.add.reduce` is a new object, equal to this one)
ADD_REDUCE = np.add.reduce
# Calls without side effects: dead assignments of their results can go.
PURE_RUNTIME = {runtime.broadcast_sum, runtime.matmul_like, runtime.shape_stand_in, runtime.unbroadcast, runtime.to_shape_of, runtime.broadcast_like,
                runtime.ones_like_seed, runtime.zeros_like_adjoint, runtime.unreduce,
                runtime.reduced_size, runtime.broadcast_count, runtime.matmul_adjoint_a,
                runtime.matmul_adjoint_b}


def _assigned_names(body):
    counts = {}
    for stmt in statements(body):
        targets = []
        if isinstance(stmt, gast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, gast.For):
            targets = [stmt.target]
        for target in targets:
            for node in name_nodes(target):
                counts[node.id] = counts.get(node.id, 0) + 1
    return counts


class Optimizer:
    def __init__(self, fn, namespace, primal_of_adjoint, unknown_shapes=()):
        self.fn = fn
        self.namespace = namespace
        self.primal_of = primal_of_adjoint  # x_bar -> x
        self.unknown_shapes = set(unknown_shapes)
        self.recount()
        self.local_names = set(self.counts)
        self.classes = {}
        self.float_names = set()  # names that certainly hold floats
        # shape class -> [(top-level position, name)]: values assigned once,
        # unconditionally, that may stand in for another of their class
        self.representatives = {}
        self.last_value_read = {}  # name -> last top-level position reading its value (run())
        # names bound once to a literal axis (the normaliser's `t1 = -1`)
        self.literals = {stmt.targets[0].id: stmt.value for stmt in statements(fn.body)
                         if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                         and self.counts.get(stmt.targets[0].id) == 1
                         and _constant_axes(stmt.value) is not None}

    def recount(self):
        """How often each name is bound (a parameter once more)."""
        self.counts = _assigned_names(self.fn.body)
        for arg in self.fn.args.args:
            self.counts[arg.id] = self.counts.get(arg.id, 0) + 1

    def lookup(self, name_):
        if name_ in self.local_names:
            return None
        if name_ in self.namespace.own:
            return self.namespace.own[name_]
        try:
            return self.namespace.parsed.lookup(name_)
        except KeyError:
            return None

    def resolve(self, func):
        """The object a call's func refers to (s2s's bindings, then the user's)."""
        if isinstance(func, gast.Name):
            return self.lookup(func.id)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            module = self.lookup(func.value.id)
            if module is np:
                return getattr(np, func.attr, None)
        if isinstance(func, gast.Attribute) and func.attr == "reduce" and \
                self.resolve(func.value) is np.add:
            return ADD_REDUCE
        return None

    # ---- shape classes ----------------------------------------------------
    def class_of_name(self, name_):
        primal = self.primal_of.get(name_)
        if primal is not None:
            return None if primal in self.unknown_shapes else self.class_of_name(primal)
        return self.classes.get(name_)

    def class_of(self, expr):
        if isinstance(expr, gast.Name):
            return self.class_of_name(expr.id)
        if isinstance(expr, gast.Constant):
            return SCALAR if isinstance(expr.value, (int, float)) and not isinstance(
                expr.value, bool) else None
        if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
            return self.class_of(expr.operand)
        if isinstance(expr, gast.BinOp) and not isinstance(expr.op, gast.MatMult):
            return _combine(self.class_of(expr.left), self.class_of(expr.right))
        if isinstance(expr, gast.Compare) and len(expr.comparators) == 1:
            return _combine(self.class_of(expr.left), self.class_of(expr.comparators[0]))
        if isinstance(expr, gast.Subscript) and isinstance(expr.value, gast.Attribute) \
                and expr.value.attr == "shape":
            return SCALAR
        if isinstance(expr, gast.Call):
            func = self.resolve(expr.func)
            args = expr.args
            try:
                if func in ELEMENTWISE_UNARY and len(args) == 1 and not expr.keywords:
                    return self.class_of(args[0])
                if (func in ELEMENTWISE_BINARY or func is runtime.power_slope) \
                        and len(args) == 2 and not expr.keywords:
                    return _combine(self.class_of(args[0]), self.class_of(args[1]))
                if func in SHAPE_OF_SECOND and len(args) == 2:
                    return self.class_of(args[1])
                if func in SHAPE_OF_FIRST and len(args) == 1:
                    return self.class_of(args[0])
                if func is runtime.unreduce and len(args) >= 2:
                    return self.class_of(args[1])
                if func in REDUCTIONS and len(args) == 1 and not expr.keywords:
                    return SCALAR
                if (func in REDUCTIONS or func == ADD_REDUCE) and len(args) == 1:
                    return _kept_dims_class(self.class_of(args[0]), expr.keywords,
                                            self.literals)
                if func is runtime.reduced_size or func is runtime.broadcast_count:
                    return SCALAR
            except TypeError:  # unhashable callee
                return None
        return None

    def assign_classes(self, body):
        params = [arg.id for arg in self.fn.args.args]
        # an integer from range(...) broadcasts like a constant, in whichever
        # loop (primal or reverse) it is bound
        range_targets, other_bindings = {}, set()
        for stmt in statements(body):
            if isinstance(stmt, gast.For) and isinstance(stmt.target, gast.Name) and \
                    _is_range(stmt.iter):
                range_targets[stmt.target.id] = range_targets.get(stmt.target.id, 0) + 1
            elif isinstance(stmt, gast.For):
                other_bindings |= {n.id for n in name_nodes(stmt.target)}
            elif isinstance(stmt, gast.Assign) and not isinstance(stmt.targets[0], gast.Name):
                # tuple unpacking rebinds; x[i] = v keeps x's shape
                other_bindings |= {n.id for n in name_nodes(stmt.targets[0])
                                   if isinstance(n.ctx, gast.Store)}
        range_classes = {target: SCALAR for target, count in range_targets.items()
                         if count == self.counts.get(target)}
        top_level = {id(stmt): index for index, stmt in enumerate(body)}
        reassigned = {}  # name -> its assignments, for names assigned more than once
        stacks = self._stacks()
        for stmt in statements(body):
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
                target = stmt.targets[0].id
                if self.counts.get(target, 0) > 1 and target not in self.primal_of \
                        and target not in range_classes:
                    reassigned.setdefault(target, [])
                    if not _restores(stmt, stacks):
                        reassigned[target].append(stmt)
        for target in other_bindings:
            reassigned.pop(target, None)
        # Values whose shape cannot change while the function runs: classes
        # made of them hold for every value a reassigned name takes.
        self.stable_bases = {p for p in params} | {
            stmt.targets[0].id for stmt in body if isinstance(stmt, gast.Assign)
            and isinstance(stmt.targets[0], gast.Name)
            and self.counts.get(stmt.targets[0].id) == 1}
        # A name assigned several times gets a class when every assignment
        # gives it the same one, made of values that never change: then, by
        # induction, every value it takes has that shape (`b = b * 2` in a
        # loop keeps b's shape). Optimistic: assume the class its first
        # assignment gives, drop the names that break it, until none does.
        guesses, rejected = {}, set()
        while True:  # each round rejects a guess or makes one: at most 2n + 1 rounds
            self._single_assigned_classes(body, params, top_level, {**range_classes, **guesses})
            broken = {target for target, guess in guesses.items()
                      if any(self.class_of(stmt.value) != guess
                             for stmt in reassigned[target])}
            for target in broken:
                del guesses[target]
            rejected |= broken
            new = {}
            for target, assignments in reassigned.items():
                if target in guesses or target in rejected or not assignments:
                    continue
                guess = _base(target) if target in params else \
                    self.class_of(assignments[0].value)
                if guess is not None and guess <= self.stable_bases:
                    new[target] = guess
            if not broken and not new:
                break
            guesses.update(new)

    def _stacks(self):
        """The reverse sweep's stacks: stack name -> the variable it saves."""
        namer = getattr(self.namespace, "namer", None)
        derived = getattr(namer, "derived_names", {})
        return {stack: v for (v, suffix), stack in derived.items() if suffix == STACK_SUFFIX}

    def _single_assigned_classes(self, body, params, top_level, known):
        self.classes = dict(known)
        self.representatives = {}
        for arg in params:
            if self.counts.get(arg, 0) == 1:
                self.classes[arg] = _base(arg)
                self._add_representative(self.classes[arg], -1, arg)
        for stmt in statements(body):
            if not isinstance(stmt, gast.Assign) or not isinstance(stmt.targets[0], gast.Name):
                continue
            target = stmt.targets[0].id
            if self.counts.get(target, 0) != 1 or target in self.primal_of:
                continue
            cls = self.class_of(stmt.value)
            self.classes[target] = _base(target) if cls is None else cls
            if id(stmt) in top_level and not isinstance(
                    stmt.value, (gast.List, gast.Tuple, gast.Dict, gast.ListComp)):
                self._add_representative(self.classes[target], top_level[id(stmt)], target)

    def _add_representative(self, cls, position, name_):
        if cls != SCALAR:
            self.representatives.setdefault(cls, []).append((position, name_))

    def representative(self, expr, position):
        """A value assigned before `position` with expr's shape: one that is
        read for its value at `position` or later (kept alive anyway), else
        the earliest."""
        cls = self.class_of(expr)
        earlier = [name_ for at, name_ in sorted(self.representatives.get(cls, ()))
                   if at < position]
        for name_ in earlier:
            if self.last_value_read.get(name_, -1) >= position:
                return name(name_)
        return name(earlier[0]) if earlier else expr
    def same_shape(self, a, b):
        ca, cb = self.class_of(a), self.class_of(b)
        return ca is not None and ca == cb

    def simplify(self, expr, position=AFTER_ALL):
        """Drop shape fixes between values of the same shape, bottom up.
        position: the top-level index of the statement expr belongs to
        (AFTER_ALL for adjoint code, which runs after the whole primal)."""
        return self._simplify(expr, position, _value_reads(expr, self))

    def _simplify(self, expr, position, read_for_value):
        kind = type(expr)
        if kind is gast.Name or kind is gast.Constant:
            return expr  # (nothing below either to simplify)
        for field in node_fields(kind):
            value = getattr(expr, field, None)
            if isinstance(value, gast.AST):
                setattr(expr, field, self._simplify(value, position, read_for_value))
            elif isinstance(value, list):
                setattr(expr, field, [self._simplify(v, position, read_for_value)
                                      if isinstance(v, gast.AST) else v for v in value])
        if kind is gast.Call:
            func = self.resolve(expr.func)
            try:
                if func in SHAPE_OF_SECOND and len(expr.args) == 2 and \
                        self.same_shape(expr.args[0], expr.args[1]):
                    return expr.args[0]
                if func in SHAPE_ONLY_ARGUMENT and len(expr.args) > SHAPE_ONLY_ARGUMENT[func]:
                    index = SHAPE_ONLY_ARGUMENT[func]
                    # (a value read for itself here or later is kept anyway:
                    # reading another for its shape would only keep that too)
                    shape_of = expr.args[index]
                    if isinstance(shape_of, gast.Name) and shape_of.id not in read_for_value \
                            and self.last_value_read.get(shape_of.id, -1) < position:
                        expr.args[index] = self.representative(expr.args[index], position)
                if func is runtime.ones_like_seed and self.class_of(expr.args[0]) == SCALAR:
                    return gast.Constant(value=1.0, kind=None)  # the seed of a scalar output
            except TypeError:
                pass
        return expr

    def kept_dims_sum(self, g, x):
        """`np.add.reduce(g, axis=A, keepdims=True)` when x is a keepdims
        reduction over A of a value of g's shape: unbroadcast(g, x) is that
        sum, and written out it costs no helper call (np.sum would cost its
        Python layers: np.add.reduce is the sum itself). None otherwise."""
        x_class = self.class_of(x)
        if x_class is None or len(x_class) != 1:
            return None
        (base,) = x_class
        if type(base) is not tuple or base[1] == SCALAR or self.class_of(g) != base[1]:
            return None
        numpy_name = self.namespace.bind("np", np)
        reduce = gast.Attribute(value=gast.Attribute(value=name(numpy_name), attr="add",
                                                     ctx=gast.Load()),
                                attr="reduce", ctx=gast.Load())
        return gast.Call(func=reduce, args=[g], keywords=[
            gast.keyword(arg="axis", value=_axes_literal(base[2])),
            gast.keyword(arg="keepdims", value=gast.Constant(value=True, kind=None))])

    def kept_dims_spread(self, expr):
        """(the call, x's class) when expr is `unreduce(g, x, axis, True)`,
        possibly times or over a scalar, and g an array that broadcasts into
        x (not 0-d: a 0-d array would not promote as x's spread does)."""
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Mult, gast.Div)):
            if self.class_of(expr.right) == SCALAR:
                return self.kept_dims_spread(expr.left)
            if isinstance(expr.op, gast.Mult) and self.class_of(expr.left) == SCALAR:
                return self.kept_dims_spread(expr.right)
            return None
        if not (isinstance(expr, gast.Call) and len(expr.args) == 4
                and not expr.keywords and self.resolve(expr.func) is runtime.unreduce):
            return None
        keepdims = expr.args[3]
        if not (isinstance(keepdims, gast.Constant) and keepdims.value is True):
            return None
        g, x = self.class_of(expr.args[0]), self.class_of(expr.args[1])
        if g is None or g == SCALAR or x is None or _combine(g, x) != x:
            return None
        return expr, x

    def floating(self, expr):
        """Is expr certainly a float (not an integer or boolean array)?"""
        if isinstance(expr, gast.Name):
            return expr.id in self.float_names
        if isinstance(expr, gast.Constant):
            return isinstance(expr.value, float)
        if isinstance(expr, gast.BinOp):
            if isinstance(expr.op, gast.Div):
                return True
            if isinstance(expr.op, (gast.Add, gast.Sub, gast.Mult, gast.Pow)):
                return self.floating(expr.left) or self.floating(expr.right)
            return False
        if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
            return self.floating(expr.operand)
        if isinstance(expr, gast.Call):
            try:
                return self.resolve(expr.func) in FLOAT_RESULTS
            except TypeError:
                return False
        return False

    def find_float_names(self):
        """Variables every assignment of which is certainly a float
        (optimistic: assume all, drop those an assignment contradicts)."""
        stacks = self._stacks()
        values, other = {}, {arg.id for arg in self.fn.args.args}
        for node in statements(self.fn.body):  # (no assignment is inside an expression)
            if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
                values.setdefault(node.targets[0].id, [])
                if not _restores(node, stacks):
                    values[node.targets[0].id].append(node.value)
            elif isinstance(node, (gast.Assign, gast.For)):
                targets = node.targets if isinstance(node, gast.Assign) else [node.target]
                other |= {n.id for t in targets if not isinstance(t, gast.Subscript)
                          for n in name_nodes(t)}
        self.float_names = {v for v, assigned in values.items() if assigned} - other
        while True:
            dropped = {v for v in self.float_names
                       if not all(self.floating(value) for value in values[v])}
            if not dropped:
                return
            self.float_names -= dropped

    def run(self):
        self.assign_classes(self.fn.body)
        self.last_value_read = _last_value_reads(self.fn.body, self)
        changed_in_place = _changed_in_place(self.fn)
        for position, top in enumerate(self.fn.body):
            for stmt in statements([top]):
                if isinstance(stmt, gast.Assign):
                    value = self.simplify(stmt.value, position)
                    # `a = unbroadcast(g, x)` folded to `a = g` makes a share
                    # g's array: not when either is then changed in place
                    if not (isinstance(value, gast.Name) and not isinstance(
                            stmt.value, gast.Name) and isinstance(stmt.targets[0], gast.Name)
                            and {stmt.targets[0].id, value.id} & changed_in_place):
                        stmt.value = value
                elif isinstance(stmt, gast.Return):
                    stmt.value = self.simplify(stmt.value, position)
        self.fn.body = _propagate_copies(self.fn.body, self.counts,
                                         {a.id for a in self.fn.args.args})
        self.fn.body = _remove_dead(self.fn, self.resolve)
        return self.fn


def _changed_in_place(fn):
    """Names whose object the function changes: a[i] = v, a += v, a.m(...)."""
    names = set()
    for node in nodes_of_type(fn, gast.Subscript, gast.Attribute, gast.AugAssign, gast.Call):
        target = None
        if isinstance(node, (gast.Subscript, gast.Attribute)) and \
                isinstance(node.ctx, gast.Store):
            target = node.value
        elif isinstance(node, gast.AugAssign):
            target = node.target
        elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute):
            target = node.func.value
        if target is not None and root_name(target) is not None:
            names.add(root_name(target))
    return names


def _is_range(expr):
    while isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and \
            expr.func.id == "reversed" and expr.args:
        expr = expr.args[0]
    return isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name) and \
        expr.func.id == "range"


def _base(name_):
    """The shape class of a value nothing else is known to share a shape with."""
    return frozenset([name_])


def _restores(stmt, stacks):
    """`v = v_stack.pop()` (a value v held before) or `v = None` (the
    placeholder of a saved variable before its first value): neither
    gives v a shape it does not have otherwise."""
    target = stmt.targets[0].id
    value = stmt.value
    if target not in stacks.values():
        return False
    if isinstance(value, gast.Constant) and value.value is None:
        return True
    return isinstance(value, gast.Call) and not value.args and \
        isinstance(value.func, gast.Attribute) and value.func.attr == "pop" and \
        isinstance(value.func.value, gast.Name) and stacks.get(value.func.value.id) == target


def _combine(a, b):
    """The class of a broadcast of values of classes a and b."""
    if a is None or b is None:
        return None
    union = a | b
    if any(type(base) is tuple for base in union):
        # a keepdims reduction broadcast with what it reduced has that shape:
        # x - np.max(x, axis=1, keepdims=True) has x's shape
        union = frozenset(base for base in union
                          if type(base) is not tuple or not base[1] <= union - {base})
    return union


def _kept_dims_class(operand, keywords, literals):
    """The class of a reduction over constant axes with keepdims=True: a base
    of its own, ("kept dims", operand's class, axes), that _combine absorbs
    into any class containing the operand's. None when it is not one.
    literals: names bound once to a literal axis."""
    options = {k.arg: k.value for k in keywords}
    keepdims, axis = options.get("keepdims"), options.get("axis")
    if operand is None or set(options) != {"axis", "keepdims"} or not (
            isinstance(keepdims, gast.Constant) and keepdims.value is True):
        return None
    if isinstance(axis, gast.Name):
        axis = literals.get(axis.id)
    axes = _constant_axes(axis)
    return None if axes is None else frozenset([("kept dims", operand, axes)])


def _axes_literal(axes):
    """The expression for an int or tuple of ints (_constant_axes inverted)."""
    if type(axes) is tuple:
        return gast.Tuple(elts=[_axes_literal(a) for a in axes], ctx=gast.Load())
    return gast.Constant(value=axes, kind=None)


def _constant_axes(axis):
    """An axis argument written as a literal: an int, -int, or a tuple of them."""
    if isinstance(axis, gast.Constant) and type(axis.value) is int:
        return axis.value
    if isinstance(axis, gast.UnaryOp) and isinstance(axis.op, gast.USub):
        value = _constant_axes(axis.operand)
        return None if type(value) is not int else -value
    if isinstance(axis, gast.Tuple):
        values = tuple(_constant_axes(e) for e in axis.elts)
        return None if any(type(v) is not int for v in values) else values
    return None


def _own_reads(stmt):
    """Names a statement reads itself (a compound statement: its header)."""
    if isinstance(stmt, gast.If) or isinstance(stmt, gast.While):
        return loaded_names(stmt.test)
    if isinstance(stmt, gast.For):
        return loaded_names(stmt.iter)
    return loaded_names(stmt)


def _propagate_copies(body, counts, params, only=None):
    """`a = b; ...uses of a...` -> uses of b, within one block, when a is
    assigned once, b is not reassigned before the last use, and a is not
    used outside this block (and a is in `only`, when given)."""
    uses = {}
    for stmt in statements(body):
        for n in _own_reads(stmt):
            uses[n] = uses.get(n, 0) + 1

    def block(stmts):
        stmts = list(stmts)
        for stmt in stmts:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    setattr(stmt, field, block(inner))
        _drop_copies_back(stmts, uses)
        _fold_copies_into_updates(stmts)
        index = 0
        while index < len(stmts):
            stmt = stmts[index]
            if (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
                    and isinstance(stmt.value, gast.Name)):
                a, b = stmt.targets[0].id, stmt.value.id
                if counts.get(a) == 1 and a not in params and a != b and (
                        only is None or a in only):
                    # Look a few statements ahead only: copies of adjoints are
                    # read right away, and a bounded window keeps this linear.
                    rest = stmts[index + 1:index + 1 + COPY_WINDOW]
                    local_uses = sum(loaded_names(s).count(a) for s in rest)
                    if local_uses == uses.get(a, 0) and _safe_to_forward(rest, a, b):
                        for s in rest:
                            _rename_loads(s, a, b)
                        # a's reads are b's now (the copy's own read of b goes):
                        # an outer block deciding on b must count them
                        uses[b] = uses.get(b, 0) + local_uses - 1
                        uses[a] = 0
                        del stmts[index]
                        continue
            index += 1
        return stmts
    body = block(body)
    block = None  # (a recursive inner function is a reference cycle: break it)
    return body


def _fold_copies_into_updates(stmts, movable=lambda value: isinstance(value, gast.Name),
                              pure=lambda value: False):
    """`a = b; ...; a = a + e` -> `...; a = b + e`, when the statements
    between neither read a nor may change what b reads (an adjoint's first
    contribution followed by its second). movable(value): may this value be
    computed later than written (copies here; pure expressions in
    _fold_first_contributions)? pure(value): does it change nothing?"""
    index = 0
    while index < len(stmts):
        first = stmts[index]
        a = _assigned_name(first)
        if a is None or len(first.targets) != 1 or not movable(first.value) \
                or a in loaded_names(first.value):
            index += 1
            continue
        inputs = set(loaded_names(first.value))
        for later in range(index + 1, min(len(stmts), index + 1 + COPY_WINDOW)):
            stmt = stmts[later]
            if not isinstance(stmt, (gast.Assign, gast.Expr)) or \
                    _may_change(stmt, pure) & inputs:
                break  # a block; or what the first value reads may change
            if a not in {n.id for n in name_nodes(stmt)}:
                continue
            copy = isinstance(first.value, gast.Name)  # a copy may be read twice
            uses = loaded_names(stmt.value).count(a)
            if _assigned_name(stmt) == a and len(stmt.targets) == 1 and \
                    (uses == 1 or copy and uses > 1) and _copy_names(stmt) is None:
                if copy:
                    _rename_loads(stmt.value, a, first.value.id)
                else:
                    _replace_load(stmt.value, a, first.value)
                del stmts[index]
                index -= 1
            break
        index += 1


def _may_change(stmt, pure):
    """Names a simple statement binds, or may change in place: every name
    it reads, unless its value is pure."""
    changed = set()
    for target in (stmt.targets if isinstance(stmt, gast.Assign) else []):
        root = root_name(target)
        if root is not None:
            changed.add(root)
    if not pure(stmt.value):
        changed |= set(loaded_names(stmt.value))  # xs.append(v), add_at(out, i, g), pops
    return changed


def _replace_load(tree, name_, value):
    """The one load of name_ in tree replaced by value."""
    for parent in walk(tree):
        for field, child in gast.iter_fields(parent):
            if isinstance(child, gast.Name) and child.id == name_ and \
                    isinstance(child.ctx, gast.Load):
                setattr(parent, field, value)
                return
            if isinstance(child, list):
                for position, item in enumerate(child):
                    if isinstance(item, gast.Name) and item.id == name_ and \
                            isinstance(item.ctx, gast.Load):
                        child[position] = value
                        return


def _fold_first_contributions(body, resolve):
    """_fold_copies_into_updates for any pure first value, in every block:
    `h_bar = g1; h_bar = h_bar + g2` -> `h_bar = g1 + g2`."""
    def pure(value):
        return _pure(value, resolve)

    def movable(value):  # small: a sum of many contributions stays many lines
        return node_count(value, INLINE_SIZE * 2) <= INLINE_SIZE * 2 and pure(value)
    _fold_copies_into_updates(body, movable, pure)
    for stmt in body:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                _fold_first_contributions(inner, resolve)


def _copy_names(stmt):
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
            and isinstance(stmt.value, gast.Name):
        return stmt.targets[0].id, stmt.value.id
    return None


def _drop_copies_back(stmts, uses):
    """`a = b; ...; b = a` with neither changed between: the second is a no-op."""
    index = 0
    while index < len(stmts):
        pair = _copy_names(stmts[index])
        if pair is not None:
            a, b = pair
            for later in range(index + 1, min(len(stmts), index + 1 + COPY_WINDOW)):
                if _copy_names(stmts[later]) == (b, a):
                    del stmts[later]
                    uses[a] -= 1
                    break
                stored = {n.id for n in name_nodes(stmts[later])
                          if isinstance(n.ctx, gast.Store)}
                if stored & {a, b} or not isinstance(stmts[later], gast.Assign):
                    break
        index += 1


def _safe_to_forward(rest, a, b):
    """b keeps its value until a's last use."""
    last_use = max((i for i, s in enumerate(rest) if a in loaded_names(s)), default=-1)
    for s in rest[:last_use + 1]:
        for node in name_nodes(s):
            if node.id == b and isinstance(node.ctx, gast.Store):
                # b reassigned: fine only if that is the very statement of a's last use
                # reading a before writing b (b = f(a)), at top level
                if s is rest[last_use] and isinstance(s, gast.Assign):
                    continue
                return False
        if isinstance(s, gast.Expr) and b in loaded_names(s):
            return False  # b.append(...) and the like may mutate b
    return True


def _rename_loads(node, old, new):
    for n in name_nodes(node):
        if n.id == old and isinstance(n.ctx, gast.Load):
            n.id = new


def _remove_dead(fn, resolve):
    """Remove assignments whose value nothing needs, when the right-hand
    side has no side effect, and `if`s left empty. Mark and sweep: a value
    is needed when a statement that stays reads it (a return, a push, an
    `if` test, a call kept for its effect), or an assignment to a needed
    value reads it. So a chain of dead values goes at once, and so does a
    loop-carried one (`acc = acc + e` that only feeds itself)."""
    while True:  # an `if` left empty frees its test's values: go again
        definitions, needed, removable = {}, [], set()
        for stmt in statements(fn.body):
            target = _assigned_name(stmt)
            if target is not None and _pure(stmt.value, resolve):
                definitions.setdefault(target, []).append(stmt)
                removable.add(id(stmt))
            else:
                needed.extend(_own_reads(stmt))
        live = set()
        while needed:
            var = needed.pop()
            if var not in live:
                live.add(var)
                for stmt in definitions.get(var, ()):
                    needed.extend(_own_reads(stmt))
        # (an assignment that goes was read by none that stays: what is
        # live does not change with it, only with an `if` that goes)
        fn.body, if_removed = _sweep(fn.body, live, removable, resolve)
        if not if_removed:
            return fn.body


def _sweep(stmts, live, removable, resolve):
    """stmts without the dead assignments and empty ifs; and whether an if went."""
    if_removed, kept = False, []
    for stmt in stmts:
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if inner:
                new_inner, inner_if_removed = _sweep(inner, live, removable, resolve)
                setattr(stmt, field, new_inner or [gast.Pass()])
                if_removed = if_removed or inner_if_removed
        target = _assigned_name(stmt)
        if target is not None and target not in live and id(stmt) in removable:
            continue
        if _empty_if(stmt, resolve):
            if_removed = True
            continue
        kept.append(stmt)
    return kept, if_removed


def _assigned_name(stmt):
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
        return stmt.targets[0].id
    return None


def _inline_temporaries(fn, counts, resolve, temporaries, only_negated=False):
    """`t2 = t1 + b1; h = np.tanh(t2)` -> `h = np.tanh(t1 + b1)`: a temporary
    of the compiler that one assignment shortly after it reads (and nothing
    else) is folded into that assignment. Fewer lines to read, and the
    temporary array is freed as soon as it is used (keeping dead arrays alive
    made fresh allocations land in cold memory)."""
    reads = {}
    for stmt in statements(fn.body):
        for n in _own_reads(stmt):
            reads[n] = reads.get(n, 0) + 1

    def movable(stmt):
        if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)):
            return False
        target = stmt.targets[0].id
        if not (target in temporaries and counts.get(target) == 1 and reads.get(target) == 1
                and not isinstance(stmt.value, gast.Name)):
            return False  # (the lookups first: the walks below cost more)
        if only_negated and not negations(stmt.value):
            return False
        return _pure(stmt.value, resolve) and (
            node_count(stmt.value, INLINE_SIZE) <= INLINE_SIZE or negations(stmt.value))

    def block(stmts):
        stmts = list(stmts)
        for stmt in stmts:
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    setattr(stmt, field, block(inner))
        index = 0
        while index < len(stmts):
            if movable(stmts[index]) and _fold_into_reader(stmts, index, resolve):
                del stmts[index]
                continue
            index += 1
        return stmts
    body = block(fn.body)
    block = None  # (a recursive inner function is a reference cycle: break it)
    return body


def _fold_into_reader(stmts, index, resolve):
    """Put stmts[index]'s value where a later assignment reads it; False when
    the reader is not close, not an assignment, or values change between."""
    definition = stmts[index]
    temporary = definition.targets[0].id
    inputs = set(loaded_names(definition.value))
    for reader in stmts[index + 1:index + 1 + COPY_WINDOW]:
        if _is_push(reader) and reader.value.func.value.id not in inputs \
                and temporary not in loaded_names(reader):
            continue  # `h_stack.append(h)` between changes nothing the value reads
        if not isinstance(reader, gast.Assign):
            return False
        if temporary in loaded_names(reader):
            allowed = INLINE_SIZE * 2 - node_count(definition.value, INLINE_SIZE * 2)
            if not _pure(reader.value, resolve) or _in_repeated_scope(reader.value, temporary) \
                    or allowed < 0 or node_count(reader.value, allowed) > allowed:
                return False
            if allowed >= INLINE_SIZE:  # the definition has at most INLINE_SIZE nodes
                reader.value = _substitute(reader.value, temporary, definition.value)
                return True
            # larger than a fold allows: only where a sign it carries then goes
            signs = negations(reader.value) + negations(definition.value)
            folded = fold_signs(_substitute(copy_tree(reader.value), temporary,
                                            copy_tree(definition.value)),
                                resolve, lambda e: _pure(e, resolve))
            if negations(folded) >= signs:
                return False
            reader.value = folded
            return True
        stored = {root_name(t) for t in reader.targets} | {
            n.id for t in reader.targets for n in name_nodes(t)}
        if stored & (inputs | {temporary}) or not _pure(reader.value, resolve):
            return False
    return False


INLINE_SIZE = 12  # AST nodes of an expression folded into its reader


def _is_push(stmt):
    """`name.append(value)` (a stack push of the generated code, or the user's)."""
    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call) \
        and isinstance(stmt.value.func, gast.Attribute) and stmt.value.func.attr == "append" \
        and isinstance(stmt.value.func.value, gast.Name) and len(stmt.value.args) == 1 \
        and isinstance(stmt.value.args[0], gast.Name) and not stmt.value.keywords


def _in_repeated_scope(expr, name_):
    """Is name_ read inside a comprehension or lambda (evaluated many times)?"""
    for node in nodes_of_type(expr, gast.ListComp, gast.SetComp, gast.DictComp,
                              gast.GeneratorExp, gast.Lambda):
        if name_ in loaded_names(node):
            return True
    return False


def _substitute(expr, name_, value):
    kind = type(expr)
    if kind is gast.Name:
        return value if expr.id == name_ and isinstance(expr.ctx, gast.Load) else expr
    if kind is gast.Constant:
        return expr
    for field, child in gast.iter_fields(expr):
        if isinstance(child, gast.AST):
            setattr(expr, field, _substitute(child, name_, value))
        elif isinstance(child, list):
            setattr(expr, field, [_substitute(c, name_, value) if isinstance(c, gast.AST)
                                  else c for c in child])
    return expr


def _empty_if(stmt, resolve):
    """An `if` left with nothing to do in either branch."""
    def empty(body):
        return all(isinstance(s, gast.Pass) for s in body)
    return isinstance(stmt, gast.If) and empty(stmt.body) and empty(stmt.orelse) \
        and _pure(stmt.test, resolve)


def _pure(expr, resolve):
    for node in call_nodes(expr):
        func = resolve(node.func)
        try:
            if not (func in PURE_RUNTIME or func in ELEMENTWISE_UNARY
                    or func in ELEMENTWISE_BINARY or func in REDUCTIONS
                    or func == ADD_REDUCE):
                return False
        except TypeError:
            return False
    return True


def optimize(fn, namespace, primal_of_adjoint, temporaries=(), unknown_shapes=()):
    """unknown_shapes: primal names some of whose values the function does
    not show (a forward loop sink.py removed): their adjoints get no class."""
    optimizer = Optimizer(fn, namespace, primal_of_adjoint, unknown_shapes)
    fn = optimizer.run()
    if keep_uniform_adjoints(fn, optimizer):
        # 1.0 * e, copies into temporaries (a user's name is kept), and
        # values that were read only by a spread
        _fold_units(fn, optimizer)
        fn.body = _propagate_copies(fn.body, _assigned_names(fn.body),
                                    {a.id for a in fn.args.args},
                                    {t for t in temporaries
                                     if optimizer.primal_of.get(t, t) in temporaries})
        fn.body = _remove_dead(fn, optimizer.resolve)
    # loop-invariant statements of the adjoint sweep (`g = acc_bar * t3` in
    # a reverse loop that never changes either), before they are folded
    from .hoist import hoist_invariants
    hoist_invariants(fn, namespace.parsed, optimizer.local_names)
    _shape_of_products(fn, optimizer, set(temporaries))
    fn.body = _inline_temporaries(fn, optimizer.counts, optimizer.resolve, set(temporaries))
    _fold_all_signs(fn.body, optimizer.resolve)
    _products_broadcast_by_themselves(fn, optimizer)
    _fold_first_contributions(fn.body, optimizer.resolve)
    # the folds above can leave a negated temporary next to the + that
    # would absorb its sign (`t6_bar = unbroadcast(-g, t6) / t6` read by
    # `z_bar = g + t6_bar * t5`): fold once more
    optimizer.recount()
    fn.body = _inline_temporaries(fn, optimizer.counts, optimizer.resolve, set(temporaries),
                                  only_negated=True)
    _fold_all_signs(fn.body, optimizer.resolve)
    _fold_doubles(fn.body)
    fn.body = _release_shape_only(fn, optimizer, set(temporaries))
    _sums_written_out(fn, optimizer)
    return fn


def _sums_written_out(fn, optimizer):
    """unbroadcast(g, m) -> np.add.reduce(g, axis=A, keepdims=True) where m
    is a keepdims reduction over A of a value of g's shape (the row sum of
    a softmax's adjoint): no helper call. Last, so the folds above saw the
    short form."""
    for call in call_nodes(fn):
        if len(call.args) == 2 and not call.keywords \
                and optimizer.resolve(call.func) is runtime.unbroadcast:
            row_sum = optimizer.kept_dims_sum(call.args[0], call.args[1])
            if row_sum is not None:  # the call node becomes the sum
                call.func, call.args, call.keywords = row_sum.func, row_sum.args, row_sum.keywords


def _rewrite_values(body, rewrite):
    """value = rewrite(value) for every assignment and return."""
    for stmt in statements(body):
        if isinstance(stmt, (gast.Assign, gast.Return)) and stmt.value is not None:
            stmt.value = rewrite(stmt.value)


def _fold_all_signs(body, resolve):
    """signs.py on every assignment and return that has a negation."""
    _rewrite_values(body, lambda value: fold_signs(value, resolve, lambda e: _pure(e, resolve))
                    if negations(value) else value)


def _products_broadcast_by_themselves(fn, optimizer):
    """unreduce(g, x, axis, True) * y -> g * y (and + y, - y) when y has x's
    shape: the operation spreads g over the reduced axes by itself (after
    folding, when the spread has met its reader)."""
    for node in walk(fn):
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.Add,
                                                                 gast.Sub)):
            for side, other in (("left", node.right), ("right", node.left)):
                found = optimizer.kept_dims_spread(getattr(node, side))
                if found is not None and optimizer.class_of(other) == found[1]:
                    call = found[0]
                    if getattr(node, side) is call:
                        setattr(node, side, call.args[0])
                    else:
                        _replace_node(getattr(node, side), call, call.args[0])
                    break


def _replace_node(tree, old, new):
    for parent in walk(tree):
        for field, value in gast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return


def _fold_units(fn, optimizer):
    """`1.0 * e` -> e, where the 1.0 is a seed kept as a number (uniform.py):
    when e is a float already, or the product is added to (multiplied by...)
    a float, so no integer or boolean array comes out where a float did."""
    counts = _assigned_names(fn.body)  # as it is now: copies back have gone
    params = {a.id for a in fn.args.args}
    single = {stmt.targets[0].id: stmt.value for stmt in statements(fn.body)
              if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)
              and counts.get(stmt.targets[0].id) == 1 and stmt.targets[0].id not in params}
    units, grown = set(), True
    while grown:  # 1.0, and copies of it
        new = {v for v, value in single.items() if v not in units and (
            _is_one(value) or (isinstance(value, gast.Name) and value.id in units))}
        units |= new
        grown = bool(new)
    if not units:
        return
    optimizer.find_float_names()
    changed_in_place = _changed_in_place(fn)

    def unit(node):
        return _is_one(node) or (isinstance(node, gast.Name) and node.id in units)

    def fold(expr, float_context=False):
        if type(expr) is gast.Name or type(expr) is gast.Constant:
            return expr  # (nothing below to fold)
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, (gast.Add, gast.Sub,
                                                                 gast.Mult, gast.Div)):
            expr.left = fold(expr.left, optimizer.floating(expr.right))
            expr.right = fold(expr.right, optimizer.floating(expr.left))
            if isinstance(expr.op, gast.Mult):
                for one, other in ((expr.left, expr.right), (expr.right, expr.left)):
                    if unit(one) and (float_context or optimizer.floating(other)):
                        return other
            return expr
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.expr):
                setattr(expr, field, fold(value))
            elif isinstance(value, list):
                setattr(expr, field, [fold(v) if isinstance(v, gast.expr) else v
                                      for v in value])
        return expr

    for stmt in statements(fn.body):
        if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Return)) and stmt.value is not None:
            value = fold(stmt.value)
            target = stmt.targets[0] if isinstance(stmt, gast.Assign) else None
            if isinstance(value, gast.Name) and not isinstance(stmt.value, gast.Name) and (
                    not isinstance(target, gast.Name)
                    or {target.id, value.id} & changed_in_place):
                continue  # `a = 1.0 * x` -> `a = x` would share x's array
            stmt.value = value
    fold = None  # (a recursive inner function is a reference cycle: break it)


def _fold_doubles(body):
    """`1.0 * e + e` (the adjoint of `e * e` under a unit seed) -> `2.0 * e`:
    exact, as doubling is, and a float whatever e holds, as before."""
    def fold(expr):
        if type(expr) is gast.Name or type(expr) is gast.Constant:
            return expr  # (nothing below to fold)
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.expr):
                setattr(expr, field, fold(value))
            elif isinstance(value, list):
                setattr(expr, field, [fold(v) if isinstance(v, gast.expr) else v for v in value])
        if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Add):
            for product, name_ in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(name_, gast.Name) and _unit_times(product) == name_.id:
                    return gast.BinOp(left=gast.Constant(value=2.0, kind=None),
                                      op=gast.Mult(), right=name_)
        return expr

    _rewrite_values(body, fold)
    fold = None  # (a recursive inner function is a reference cycle: break it)


def _unit_times(expr):
    """The name e of `1.0 * e` or `e * 1.0`, else None."""
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult):
        for one, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if _is_one(one) and isinstance(other, gast.Name):
                return other.id
    return None


def _is_one(node):
    return isinstance(node, gast.Constant) and isinstance(node.value, float) \
        and node.value == 1.0


def _shape_of_products(fn, optimizer, temporaries):
    """`t1 = X @ W1; h = np.tanh(t1 + b1)` with t1 read later only for its
    shape: those reads become `matmul_like(X, W1)`, so t1 has one reader,
    folds into it (`h = np.tanh(X @ W1 + b1)`) and is never kept: the
    gradient holds no more arrays than a hand-written one."""
    counts = optimizer.counts
    changed = _changed_in_place(fn)
    products = {}
    for top in fn.body:
        if isinstance(top, gast.Assign) and isinstance(top.targets[0], gast.Name) \
                and isinstance(top.value, gast.BinOp) and isinstance(top.value.op, gast.MatMult) \
                and top.targets[0].id in temporaries and counts.get(top.targets[0].id) == 1:
            operands = (top.value.left, top.value.right)
            if all(isinstance(o, gast.Name) and counts.get(o.id) == 1 and o.id not in changed
                   for o in operands):
                products[top.targets[0].id] = operands
    if not products:
        return
    shape_reads, all_reads = {}, {}
    for call, index in _shape_only_arguments(fn, optimizer):
        if call.args[index].id in products:
            shape_reads.setdefault(call.args[index].id, []).append((call, index))
    for node in name_nodes(fn):
        if isinstance(node.ctx, gast.Load):
            all_reads[node.id] = all_reads.get(node.id, 0) + 1
    like = None
    for product, reads in shape_reads.items():
        if all_reads.get(product, 0) - len(reads) != 1:
            continue  # read for its value more than once: it stays anyway
        if like is None:
            like = optimizer.namespace.bind("matmul_like", runtime.matmul_like)
        a, b = products[product]
        for call, index in reads:
            call.args[index] = gast.Call(func=name(like), args=[name(a.id), name(b.id)],
                                         keywords=[])


def _value_reads(tree, optimizer):
    """Names tree reads for their values (not just for their shapes)."""
    for_shape = {id(call.args[index]) for call, index in _shape_only_arguments(tree, optimizer)}
    return {node.id for node in name_nodes(tree)
            if isinstance(node.ctx, gast.Load) and id(node) not in for_shape}


def _last_value_reads(body, optimizer):
    """name -> the last top-level position where it is read for its value
    (not just for its shape)."""
    last = {}
    for position, top in enumerate(body):
        for name_ in _value_reads(top, optimizer):
            last[name_] = position
    return last


def _shape_only_arguments(tree, optimizer):
    """(call, argument index) for each variable in tree read only for its
    shape: `unbroadcast(g, x)` and the other SHAPE_ONLY_ARGUMENT helpers."""
    for node in call_nodes(tree):
        try:
            index = SHAPE_ONLY_ARGUMENT.get(optimizer.resolve(node.func))
        except TypeError:  # an unhashable callee
            continue
        if index is not None and len(node.args) > index \
                and isinstance(node.args[index], gast.Name):
            yield node, index


def _release_shape_only(fn, optimizer, temporaries):
    """`t1 = X @ W1; h = np.tanh(t1 + b1)` with t1 read later only for its
    shape (`unbroadcast(g, t1)`): after its last other read, t1 is replaced
    by a stand-in of its shape (runtime.shape_stand_in), so a large array
    is not kept alive to the end of the gradient just for its shape."""
    counts = optimizer.counts
    last_use, shape_reads = {}, {}
    for position, top in enumerate(fn.body):
        read_for_shape = set()
        for call, index in _shape_only_arguments(top, optimizer):
            shape_reads.setdefault(call.args[index].id, []).append(position)
            read_for_shape.add(id(call.args[index]))
        for node in name_nodes(top):
            if isinstance(node.ctx, gast.Load) and id(node) not in read_for_shape:
                last_use[node.id] = position
    released = {}
    for position, top in enumerate(fn.body):
        if not (isinstance(top, gast.Assign) and isinstance(top.targets[0], gast.Name)):
            continue
        v = top.targets[0].id
        if v not in temporaries or counts.get(v) != 1 or v not in shape_reads:
            continue
        after = max(last_use.get(v, position), position)
        if max(shape_reads[v]) > after:
            released.setdefault(after, []).append(v)
    if not released:
        return fn.body
    stand_in = name(optimizer.namespace.bind("shape_stand_in", runtime.shape_stand_in))
    body = []
    for position, top in enumerate(fn.body):
        body.append(top)
        for v in released.get(position, ()):
            if isinstance(top, gast.Assign) and isinstance(top.targets[0], gast.Name) \
                    and top.targets[0].id == v:
                # computed only for its shape: `t4 = shape_stand_in(y * z)`
                top.value = gast.Call(func=copy_tree(stand_in), args=[top.value], keywords=[])
                continue
            call = gast.Call(func=copy_tree(stand_in), args=[name(v)], keywords=[])
            body.append(gast.Assign(targets=[store(v)], value=call, type_comment=None))
    return body





class LiveAdjointMap:
    """adjoint_map that follows a Namer still handing out names (new names
    are read as they appear; rebuilding the map on every new name made
    compiling quadratic in the function's length)."""

    def __init__(self, namer):
        self.namer = namer
        self.known = {}
        self.seen = 0  # how many of namer.derived_names are in known

    def get(self, name_, default=None):
        derived = self.namer.derived_names
        if len(derived) != self.seen:
            for (primal, suffix), derived_name in itertools.islice(
                    derived.items(), self.seen, None):
                if suffix in ("bar", "dot"):
                    self.known[derived_name] = primal
            self.seen = len(derived)
        return self.known.get(name_, default)

    def __contains__(self, name_):
        return self.get(name_) is not None


def adjoint_map(namer):
    """adjoint (or tangent) variable name -> its primal variable."""
    return {derived: primal for (primal, suffix), derived in namer.derived_names.items()
            if suffix in ("bar", "dot")}


__all__ = ["optimize", "adjoint_map", "LiveAdjointMap", "Optimizer"]

"""Optimisation pass: adjoints that hold one number broadcast over an array
are kept as that number.

The adjoint of `np.sum(c)` is 1.0 spread over c's shape
(`c_bar = unreduce(1.0, c, None, False)`); scaling it (`b_bar = 100 * c_bar`,
`b_bar = b_bar * 2` in a loop) gives arrays whose elements are all equal.
Computing them on the number instead costs a Python multiplication per step
instead of an array operation; the array is made once, where a reader needs
it (`a_bar = unreduce(b_bar * 2, a, None, False)`), or never, when the reader
broadcasts the number itself (`x_bar = c_bar * np.cos(x)` has x's shape
either way).

A name is kept as a number ("uniform") when every assignment to it is made
of numbers, other uniform names of the same shape and such spreads, and it
is bound nowhere else. Soundness rests on the shape classes of the optimiser
(optimize.Optimizer): the array a uniform name stands for has its primal's
shape class C. Where it is read, the number serves unchanged in
`u op e` (op one of + - * /) when e has a class containing C without the
uniform names in it (then `u op e` has e's shape whether u is the number or
the array); anywhere else the array is made at the read. Names whose array
would be made inside a loop, or more often than their spreads made it, or
that would gain nothing, stay arrays.
"""
import gast

from . import runtime
from .activity import statements
from .names import copy_tree, name
from .walk import call_nodes, name_nodes, nodes_of_type

_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div)
_SIGNS = (gast.USub, gast.UAdd)


def keep_uniform_adjoints(fn, optimizer):
    """Rewrite fn's body in place (see the module docstring); True when
    something changed."""
    assignments, elsewhere = _bindings(fn)
    candidates = {}
    pass_ = _Pass(fn, optimizer, candidates)
    for var, stmts in assignments.items():
        if var in elsewhere or optimizer.primal_of.get(var) is None:
            continue
        cls = optimizer.class_of_name(var)
        if cls is None:  # its primal's shape varies: the spreads it is made of tell
            spread_classes = {optimizer.class_of(spread[1]) for stmt in stmts
                              for spread in map(pass_.spread, call_nodes(stmt.value))
                              if spread is not None}
            cls = spread_classes.pop() if len(spread_classes) == 1 else None
        if cls and pass_.representative(cls) is not None:
            candidates[var] = cls
    uniform = candidates  # what is left of them
    while True:
        # names made of numbers (dropping one may drop those made of it) ...
        dropped = {var for var in uniform
                   if not all(pass_.is_uniform(s.value, uniform[var])
                              for s in assignments[var])}
        # ... and, once that settles, worth keeping as numbers
        dropped = dropped or pass_.too_costly(assignments)
        if not dropped:
            break
        for var in dropped:
            del uniform[var]
    if uniform:
        pass_.rewrite(assignments)
    return bool(uniform)


def _bindings(fn):
    """Plain assignments `v = ...` by name, and names bound any other way
    (parameters, loop targets, tuple targets, augmented assignments,
    item assignments)."""
    assignments, elsewhere = {}, {arg.id for arg in fn.args.args}
    for node in statements(fn.body):  # (no assignment is inside an expression)
        if isinstance(node, gast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], gast.Name):
            assignments.setdefault(node.targets[0].id, []).append(node)
            continue
        targets = []
        if isinstance(node, gast.Assign):
            targets = node.targets
        elif isinstance(node, (gast.AugAssign, gast.For)):
            targets = [node.target]
        for target in targets:
            elsewhere |= {n.id for n in name_nodes(target)}
    return assignments, elsewhere


def _present(fn):
    return {arg.id for arg in fn.args.args} | {
        stmt.targets[0].id for stmt in fn.body
        if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name)}


class _Pass:
    def __init__(self, fn, optimizer, uniform):
        self.fn = fn
        self.optimizer = optimizer
        self.uniform = uniform  # name -> shape class of the array it stands for
        self.present = _present(fn)
        self._representatives = {}  # cls -> representative(cls), asked once per read

    def representative(self, cls):
        """The first value assigned once before any adjoint code, of shape
        class cls (and still assigned: dead code removal may have taken one;
        present: the parameters and the names the top level assigns)."""
        if cls not in self._representatives:
            kept = [item for item in self.optimizer.representatives.get(cls, ())
                    if item[1] in self.present]
            self._representatives[cls] = min(kept)[1] if kept else None
        return self._representatives[cls]

    # ---- which expressions are one number spread over an array --------------
    def spread(self, node):
        """(number, array) when node spreads one number over an array's
        shape: `unreduce(s, x)` / `unreduce(s, x, None, False)` (the adjoint
        of a full sum) and `ones_like_seed(y)` (the seed of an output)."""
        if not isinstance(node, gast.Call) or node.keywords:
            return None
        func = self.optimizer.resolve(node.func)
        if func is runtime.ones_like_seed and len(node.args) == 1:
            return gast.Constant(value=1.0, kind=None), node.args[0]
        if func is not runtime.unreduce or not 2 <= len(node.args) <= 4:
            return None
        if all(isinstance(a, gast.Constant) and a.value is default
               for a, default in zip(node.args[2:], (None, False))):
            return node.args[0], node.args[1]
        return None

    def is_spread(self, node):
        return self.spread(node) is not None

    def is_uniform(self, expr, cls):
        """expr is a number standing for an array of class cls, built of
        numbers, uniform names of class cls and spreads over cls, at least
        one of the latter two."""
        return self._scalar_parts(expr, cls) and any(
            self._is_source(n, cls) for n in nodes_of_type(expr, gast.Name, gast.Call))

    def _is_source(self, node, cls):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            return self.uniform.get(node.id) == cls
        if self.summed_down(node, cls) is not None:
            return True
        spread = self.spread(node)
        return spread is not None and self.optimizer.class_of(spread[1]) == cls

    def summed_down(self, node, cls=None):
        """(u, p) when node is `unbroadcast(u, b)`, b of class cls (any, when
        cls is None) and u a number standing for an array of a class C
        containing b's: the sum is one number too, u times how many elements
        of C's shape go into each of b's, broadcast_count(p, b), p a value of
        the part of C that b lacks (None when there is none); else None."""
        if not (isinstance(node, gast.Call) and len(node.args) == 2 and not node.keywords
                and self.optimizer.resolve(node.func) is runtime.unbroadcast):
            return None
        b_cls = self.optimizer.class_of(node.args[1])
        if b_cls is None or (cls is not None and b_cls != cls):
            return None
        number = node.args[0]
        for source_cls in set(self.uniform.values()):
            if b_cls <= source_cls and self.is_uniform(number, source_cls):
                if source_cls == b_cls:
                    return number, None
                part = self.representative(source_cls - b_cls)
                if part is not None:
                    return number, part
        return None

    def _scalar_parts(self, expr, cls):
        if isinstance(expr, gast.Constant):
            return isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool)
        if isinstance(expr, gast.Call) and not expr.keywords and \
                self.optimizer.resolve(expr.func) in (runtime.reduced_size,
                                                      runtime.broadcast_count):
            return True  # an int: the count np.mean divides by, or a sum's
        if self.summed_down(expr, cls) is not None:
            return True
        if isinstance(expr, gast.Name):
            if expr.id in self.uniform:
                return self.uniform[expr.id] == cls
            return self.optimizer.class_of_name(expr.id) == frozenset()
        if isinstance(expr, gast.UnaryOp):
            return isinstance(expr.op, _SIGNS) and self._scalar_parts(expr.operand, cls)
        if isinstance(expr, gast.BinOp):
            return isinstance(expr.op, _ARITHMETIC) and self._scalar_parts(
                expr.left, cls) and self._scalar_parts(expr.right, cls)
        spread = self.spread(expr)
        if spread is not None:
            number, array = spread
            return self.optimizer.class_of(array) == cls and (
                self._scalar_parts(number, frozenset()) or self._is_source(number, cls))
        return False

    # ---- reads that need the array ------------------------------------------
    def _reads(self):
        """(statement, read, loop depth) for every read of a uniform name
        outside assignments to uniform names; read is the Name, or the whole
        value of an assignment when that value is uniform itself."""
        found = []

        def visit(stmts, depth):
            for stmt in stmts:
                if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name) \
                        and stmt.targets[0].id in self.uniform:
                    continue
                for field in ("body", "orelse"):
                    inner = getattr(stmt, field, None)
                    if inner:
                        loop = isinstance(stmt, (gast.For, gast.While))
                        visit(inner, depth + (1 if loop else 0))
                own = _own_nodes(stmt)
                if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 \
                        and self._uniform_value(stmt.value):
                    found.append((stmt, stmt.value, depth))
                    continue
                for root in own:
                    if not any(n.id in self.uniform for n in name_nodes(root)):
                        continue  # (the walk with parents is the costly one)
                    for node, parents in _with_parents(root):
                        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                                and node.id in self.uniform:
                            found.append((stmt, (node, parents), depth))

        visit(self.fn.body, 0)
        visit = None  # (a recursive inner function is a reference cycle: break it)
        return found

    def _uniform_value(self, expr):
        return any(self.is_uniform(expr, cls) for cls in set(self.uniform.values()))

    def _needs_array(self, read):
        return self._read_kind(read)[0] in ("array", "part")

    def _read_kind(self, read):
        """How a read of a uniform name is served:
        ("number",)      the number itself (`u * e`, e of a class containing u's)
        ("sum", call)    the number, in `unbroadcast(chain, b)` made
                         broadcast_sum(chain, b): u's class is in the union of
                         the chain's and b's (the loss's `Y * t8_bar` summed
                         to logits' shape needs no array of Y * logp's shape)
        ("part", call, cls)  likewise with an array of the part cls of u's
                         class the chain and b lack (`unbroadcast(u, t1)`
                         with u over y * z and t1 of z's class: an array of
                         y's shape)
        ("array",)       an array of u's class, made at the read."""
        if not isinstance(read, tuple):
            return ("array",)  # a whole uniform value assigned to an array name
        node, parents = read
        cls = self.uniform[node.id]
        child = node
        for parent in reversed(parents):
            if isinstance(parent, gast.UnaryOp) and isinstance(parent.op, _SIGNS):
                child = parent
                continue
            if isinstance(parent, gast.BinOp) and isinstance(parent.op, _ARITHMETIC):
                other = parent.right if parent.left is child else parent.left
                other_cls = self._class_as_numbers(other)
                if other_cls is not None and cls <= other_cls:
                    return ("number",)
                child = parent  # the arithmetic around it may be summed down
                continue
            if isinstance(parent, gast.Call) and len(parent.args) == 2 \
                    and parent.args[0] is child and not parent.keywords \
                    and self.optimizer.resolve(parent.func) is runtime.unbroadcast:
                chain_cls = self._class_as_numbers(child)
                target_cls = self.optimizer.class_of(parent.args[1])
                if chain_cls is None or target_cls is None:
                    return ("array",)
                part = cls - chain_cls - target_cls
                if not part:
                    return ("sum", parent)
                if part != cls and self.representative(part) is not None:
                    return ("part", parent, part)
            return ("array",)
        return ("array",)

    def _class_as_numbers(self, expr):
        """expr's shape class with the uniform names in it as numbers."""
        return self.optimizer.class_of(_AsNumbers(self.uniform).visit(copy_tree(expr)))

    def too_costly(self, assignments):
        """Uniform names whose arrays would cost more than before: made in a
        loop, or made more often than the spreads they come from made them.
        Names reading each other form a family, judged as a whole."""
        family = {var: var for var in self.uniform}

        def root(var):
            while family[var] != var:
                var = family[var]
            return var

        spreads = {}
        for var in self.uniform:
            for stmt in assignments[var]:
                for node in name_nodes(stmt.value):
                    if node.id in self.uniform:
                        family[root(node.id)] = root(var)
        for var in self.uniform:
            for stmt in assignments[var]:
                spreads[root(var)] = spreads.get(root(var), 0) + sum(
                    1 for node in call_nodes(stmt.value) if self.is_spread(node))
        made, costly, gains = {}, set(), set()
        for var in self.uniform:  # arithmetic on numbers instead of arrays
            if any(nodes_of_type(stmt.value, gast.BinOp, gast.UnaryOp)
                   for stmt in assignments[var]):
                gains.add(root(var))
        for stmt, read, depth in self._reads():
            if not self._needs_array(read):
                gains.add(root(read[0].id))  # an array never made
                continue
            names = {read[0].id} if isinstance(read, tuple) else {
                n.id for n in name_nodes(read) if n.id in self.uniform}
            for top in {root(var) for var in names}:
                made[top] = made.get(top, 0) + 1
                if depth > 0:
                    costly.add(top)
        costly |= {top for top, count in made.items() if count > spreads.get(top, 0)}
        costly |= {root(var) for var in self.uniform} - gains
        return {var for var in self.uniform if root(var) in costly}

    # ---- the rewrite -------------------------------------------------------------
    def rewrite(self, assignments):
        unreduce = self.optimizer.namespace.bind("unreduce", runtime.unreduce)
        reads = self._reads()
        kinds = [self._read_kind(read) for _, read, _ in reads]  # before any change
        for var in self.uniform:
            for stmt in assignments[var]:
                stmt.value = self._numbers_only(stmt.value)
        for (stmt, read, _), kind in zip(reads, kinds):
            if kind[0] in ("sum", "part"):
                kind[1].func = name(self.optimizer.namespace.bind(
                    "broadcast_sum", runtime.broadcast_sum))
            if kind[0] in ("number", "sum"):
                continue
            if isinstance(read, tuple):
                node, parents = read
                cls = kind[2] if kind[0] == "part" else self.uniform[node.id]
                array = self._spread(unreduce, name(node.id), cls)
                _replace(parents[-1] if parents else stmt, node, array)
            else:
                cls = next(c for c in set(self.uniform.values()) if self.is_uniform(read, c))
                stmt.value = self._spread(unreduce, self._numbers_only(read), cls)

    def _spread(self, unreduce, number, cls):
        shape_of = name(self.representative(cls))
        return gast.Call(func=name(unreduce), args=[
            number, shape_of, gast.Constant(value=None, kind=None),
            gast.Constant(value=False, kind=None)], keywords=[])

    def _numbers_only(self, expr):
        """expr with each spread `unreduce(s, x, ...)` replaced by s, and
        each sum of a uniform value (summed_down) by its number."""
        spread = self.spread(expr)
        if spread is not None:
            return self._numbers_only(spread[0])
        summed = self.summed_down(expr)
        if summed is not None:
            number, part = summed
            number = self._numbers_only(number)
            if part is None:
                return number
            count = gast.Call(func=name(self.optimizer.namespace.bind(
                "broadcast_count", runtime.broadcast_count)), args=[name(part), expr.args[1]],
                keywords=[])
            return gast.BinOp(left=number, op=gast.Mult(), right=count)
        for field, value in gast.iter_fields(expr):
            if isinstance(value, gast.AST):
                setattr(expr, field, self._numbers_only(value))
        return expr


class _AsNumbers(gast.NodeTransformer):
    """Each read of a uniform name replaced by the number 1.0."""

    def __init__(self, uniform):
        self.uniform = uniform

    def visit_Name(self, node):
        if node.id in self.uniform:
            return gast.Constant(value=1.0, kind=None)
        return node


def _own_nodes(stmt):
    """The expressions a statement evaluates itself (not its nested body)."""
    if isinstance(stmt, (gast.If, gast.While)):
        return [stmt.test]
    if isinstance(stmt, gast.For):
        return [stmt.iter]
    if isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Return, gast.Expr)):
        return [stmt.value] if stmt.value is not None else []
    return [node for node in gast.iter_child_nodes(stmt) if isinstance(node, gast.expr)]


def _with_parents(root, parents=()):
    yield root, parents
    for child in gast.iter_child_nodes(root):
        yield from _with_parents(child, parents + (root,))


def _replace(parent, old, new):
    for field, value in gast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item is old:
                    value[index] = new
                    return
    raise AssertionError("read not found under its parent")

"""Stage 2: one primitive per statement (A-normal form).

After this pass a function body holds only
  - `name = primitive` where every operand is a name or a constant
    (BinOp, UnaryOp, Call, Attribute, Subscript, Tuple, List, or a copy),
  - `name = <inactive expression>` kept whole: comparisons, boolean logic,
    shapes, len/int/range... (their results carry no derivative),
  - `if name:`, `while <test>:`, `for name in range(...):`,
  - expression statements (method calls such as `xs.append(x)`, print),
  - a single final `return atom` or `return (atom, ...)`.
Every statement keeps the line of the user's statement it came from
(`s2s_origin`), which the emitter prints as a comment and errors quote.
"""
import copy

import gast

from .errors import UnsupportedError
from .names import assign, copy_tree, name, store

# Attributes of arrays that are integers, tuples or dtypes: never active.
SHAPE_ATTRIBUTES = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"}
# Builtins whose result is an integer, a bool, a range or None: kept whole.
OPAQUE_BUILTINS = {"len", "int", "bool", "range", "isinstance", "print", "type", "str",
                   "repr", "enumerate", "zip", "round", "hash", "id", "callable",
                   "hasattr", "getattr"}

UNSUPPORTED_STATEMENTS = {
    gast.Try: "try/except", gast.With: "with", gast.AsyncWith: "async with",
    gast.AsyncFor: "async for", gast.AsyncFunctionDef: "async def",
    gast.FunctionDef: "a nested def (define helpers at module level)",
    gast.ClassDef: "class", gast.Global: "global", gast.Nonlocal: "nonlocal",
    gast.Delete: "del", gast.Import: "import inside a function",
    gast.ImportFrom: "import inside a function",
}
UNSUPPORTED_EXPRESSIONS = {
    gast.Lambda: "lambda (define a def at module level)",
    gast.ListComp: "list comprehension (write a for loop)",
    gast.SetComp: "set comprehension", gast.DictComp: "dict comprehension",
    gast.GeneratorExp: "generator expression (write a for loop)",
    gast.Yield: "yield", gast.YieldFrom: "yield from", gast.Await: "await",
    gast.Starred: "*args unpacking in a call", gast.NamedExpr: "the := operator",
    gast.Set: "set literal", gast.Dict: "dict literal",
}


def is_inactive_whole(expr, locals_):
    """Expressions whose value is never differentiable, kept in one piece:
    comparisons, boolean logic, shapes, len/int/range..."""
    if isinstance(expr, (gast.Compare, gast.BoolOp, gast.JoinedStr)):
        return True
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.Not):
        return True
    if isinstance(expr, gast.Attribute) and expr.attr in SHAPE_ATTRIBUTES:
        return True
    if isinstance(expr, gast.Subscript) and is_inactive_whole(expr.value, locals_):
        return True
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name):
        return expr.func.id in OPAQUE_BUILTINS and expr.func.id not in locals_
    return False


def origin_of(stmt):
    return getattr(stmt, "s2s_origin", None)


def set_origin(stmt, origin):
    stmt.s2s_origin = origin
    if origin is not None:
        stmt.lineno = origin
    return stmt


class Normalizer:
    def __init__(self, parsed, namer):
        self.parsed = parsed
        self.location = parsed.location
        self.namer = namer
        fn = parsed.node
        self.params = [a.id for a in fn.args.args]
        self.locals = set(self.params)
        for node in gast.walk(fn):
            if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
                self.locals.add(node.id)
        self.origin = None

    # ---- errors ---------------------------------------------------------
    def unsupported(self, what, node, hint=""):
        hint = f"; {hint}" if hint else ""
        return self.location.error(UnsupportedError, f"s2s does not support {what}{hint}",
                                   node=node, lineno=getattr(node, "lineno", None) or self.origin)

    # ---- classification ---------------------------------------------------
    def is_static(self, expr):
        """A module-level reference (np, np.linalg.norm, a global constant)."""
        if isinstance(expr, gast.Name):
            return expr.id not in self.locals
        if isinstance(expr, gast.Attribute):
            return self.is_static(expr.value)
        return False

    def is_atom(self, expr):
        return isinstance(expr, (gast.Name, gast.Constant)) or self.is_static(expr)

    def is_inactive_whole(self, expr):
        return is_inactive_whole(expr, self.locals)

    # ---- statements -------------------------------------------------------
    def emit(self, out, stmt):
        out.append(set_origin(stmt, self.origin))

    def block(self, stmts):
        out = []
        for stmt in stmts:
            saved = self.origin
            self.origin = getattr(stmt, "lineno", None) or self.origin
            self.statement(stmt, out)
            self.origin = saved
        return out

    def statement(self, stmt, out):
        kind = type(stmt)
        if kind in UNSUPPORTED_STATEMENTS:
            raise self.unsupported(UNSUPPORTED_STATEMENTS[kind], stmt)
        self.check_expressions(stmt)
        if isinstance(stmt, gast.Assign):
            if len(stmt.targets) != 1:  # a = b = v: evaluate v once
                first = stmt.targets[0]
                if not isinstance(first, gast.Name):
                    raise self.unsupported("chained assignment to this target", stmt)
                self.assign_to(first, stmt.value, out)
                for target in stmt.targets[1:]:
                    self.assign_to(target, name(first.id), out)
                return
            self.assign_to(stmt.targets[0], stmt.value, out)
        elif isinstance(stmt, gast.AnnAssign):
            if stmt.value is not None:
                self.assign_to(stmt.target, stmt.value, out)
        elif isinstance(stmt, gast.AugAssign):
            if not isinstance(stmt.target, gast.Name):
                raise self.unsupported("augmented assignment to a subscript or attribute",
                                       stmt, "write x = x + v on a local array")
            value = gast.BinOp(left=name(stmt.target.id), op=stmt.op, right=stmt.value)
            self.assign_to(stmt.target, value, out)
        elif isinstance(stmt, gast.Expr):
            self.expression_statement(stmt, out)
        elif isinstance(stmt, gast.If):
            self.if_statement(stmt, out)
        elif isinstance(stmt, gast.While):
            if stmt.orelse:
                raise self.unsupported("while ... else here", stmt)
            body = self.block(stmt.body)
            self.emit(out, gast.While(test=stmt.test, body=body, orelse=[]))
        elif isinstance(stmt, gast.For):
            self.for_statement(stmt, out)
        elif isinstance(stmt, gast.Return):
            value = stmt.value if stmt.value is not None else gast.Constant(value=None, kind=None)
            self.emit(out, gast.Return(value=self.result_atoms(value, out)))
        elif isinstance(stmt, gast.Pass):
            pass
        elif isinstance(stmt, (gast.Assert, gast.Raise)):
            self.emit(out, stmt)
        elif isinstance(stmt, (gast.Break, gast.Continue)):
            self.emit(out, stmt)  # only reached inside desugared code
        else:
            raise self.unsupported(type(stmt).__name__, stmt)

    def check_expressions(self, stmt):
        for node in gast.walk(stmt):
            kind = type(node)
            if kind in UNSUPPORTED_EXPRESSIONS:
                raise self.unsupported(UNSUPPORTED_EXPRESSIONS[kind], stmt)
            if isinstance(node, gast.keyword) and node.arg is None:
                raise self.unsupported("**kwargs unpacking in a call", stmt)

    def result_atoms(self, value, out):
        if isinstance(value, (gast.Tuple, gast.List)):  # return a, b  /  return [a, b]
            return gast.Tuple(elts=[self.atom(e, out) for e in value.elts], ctx=gast.Load())
        return self.atom(value, out)

    def assign_to(self, target, value, out):
        if isinstance(target, gast.Name):
            if self.is_inactive_whole(value):
                self.emit(out, assign(target.id, value))
                return
            if isinstance(value, gast.IfExp):
                self.if_expression(target.id, value, out)
                return
            prim = self.primitive(value, out)
            if target.id in _operand_names(prim):
                # x = x * w: compute into a temporary first, so that every
                # statement's result differs from its operands.
                temp = self.namer.fresh("t")
                self.emit(out, assign(temp, prim))
                prim = name(temp)
            self.emit(out, assign(target.id, prim))
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
                temps = []
                for elt in value.elts:  # all right-hand sides first, as Python does
                    temp = self.namer.fresh("t")
                    self.assign_to(store(temp), elt, out)
                    temps.append(temp)
                for sub, temp in zip(target.elts, temps):
                    self.assign_to(sub, name(temp), out)
                return
            raise self.unsupported("unpacking a value that is not a tuple literal", target,
                                   "index the result instead: t = f(x); a = t[0]")
        else:
            raise self.unsupported(f"assignment to {type(target).__name__.lower()}", target,
                                   "assign to a local name")

    def expression_statement(self, stmt, out):
        value = stmt.value
        if isinstance(value, gast.Constant):
            return  # docstrings and bare constants do nothing
        if self.is_inactive_whole(value):
            self.emit(out, gast.Expr(value=value))
            return
        if isinstance(value, gast.Call):
            self.emit(out, gast.Expr(value=self.primitive(value, out)))
            return
        # any other bare expression has no effect worth keeping
        self.primitive(value, out)

    def if_statement(self, stmt, out):
        test = self.condition(stmt.test, out)
        body = self.block(stmt.body)
        orelse = self.block(stmt.orelse)
        self.emit(out, gast.If(test=test, body=body, orelse=orelse))

    def condition(self, test, out):
        if isinstance(test, gast.Name):
            return test
        cond = self.namer.fresh("cond")
        self.emit(out, assign(cond, test))
        return name(cond)

    def if_expression(self, target, value, out):
        test = self.condition(value.test, out)
        body, orelse = [], []
        self.assign_to(store(target), value.body, body)
        self.assign_to(store(target), value.orelse, orelse)
        self.emit(out, gast.If(test=test, body=body, orelse=orelse))

    def for_statement(self, stmt, out):
        if stmt.orelse:
            raise self.unsupported("for ... else here", stmt)
        iterator = stmt.iter
        assigned_in_body = {n.id for s in stmt.body for n in gast.walk(s)
                            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)}
        if self.is_range(iterator):
            if not isinstance(stmt.target, gast.Name):
                raise self.unsupported("unpacking a range item", stmt)
            if {n.id for n in gast.walk(iterator) if isinstance(n, gast.Name)} & assigned_in_body:
                # The body changes what the range was computed from: keep the
                # range object itself, so the reverse loop replays the same one.
                hoisted = self.namer.fresh("range")
                self.emit(out, assign(hoisted, iterator))
                iterator = name(hoisted)
            body = self.block(stmt.body)
            self.emit(out, gast.For(target=stmt.target, iter=iterator, body=body,
                                    orelse=[], type_comment=None))
            return
        # Any other iterable is walked by index, so that the reverse sweep can
        # send each item's adjoint back to its row: for x in xs ->
        # for i in range(len(xs)): x = xs[i]
        targets, sequences, counter = self.iteration_parts(stmt.target, iterator, out,
                                                           assigned_in_body)
        if len(sequences) == 1:
            length = _call("len", [name(sequences[0])])
        else:
            length = _call("min", [_call("len", [name(s)]) for s in sequences])
        prologue = []
        for target, sequence in zip(targets, sequences):
            item = gast.Subscript(value=name(sequence), slice=name(counter), ctx=gast.Load())
            saved = self.origin
            self.assign_to(target, item, prologue)
            self.origin = saved
        body = prologue + self.block(stmt.body)
        self.emit(out, gast.For(target=store(counter),
                                iter=_call("range", [length]), body=body, orelse=[],
                                type_comment=None))

    def is_range(self, iterator):
        """range(...) or reversed(range(...)): iterated as is, replayed reversed."""
        if _is_call_to(iterator, "reversed") and "reversed" not in self.locals:
            return len(iterator.args) == 1 and self.is_range(iterator.args[0])
        return _is_call_to(iterator, "range") and "range" not in self.locals

    def iteration_parts(self, target, iterator, out, assigned_in_body):
        """Split `for target in iterator` into (item targets, sequences, index)."""
        counter = None
        if _is_call_to(iterator, "enumerate") and "enumerate" not in self.locals:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2
                    and isinstance(target.elts[0], gast.Name)):
                raise self.unsupported("this enumerate target", target, "write for i, x in enumerate(xs)")
            counter = target.elts[0].id
            target, iterator = target.elts[1], iterator.args[0]
        if _is_call_to(iterator, "zip") and "zip" not in self.locals:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == len(iterator.args)):
                raise self.unsupported("this zip target", target)
            targets, iterables = list(target.elts), list(iterator.args)
        else:
            targets, iterables = [target], [iterator]
        sequences = []
        for iterable in iterables:
            atom = self.atom(iterable, out)
            if not isinstance(atom, gast.Name) or atom.id in assigned_in_body:
                temp = self.namer.fresh("seq")
                self.emit(out, assign(temp, atom))
                atom = name(temp)
            sequences.append(atom.id)
        if counter is None:
            counter = self.namer.fresh("i")
        return targets, sequences, counter

    # ---- expressions ------------------------------------------------------
    def atom(self, expr, out):
        """A name or constant holding expr's value (emitting what computes it)."""
        if self.is_atom(expr):
            return expr
        if self.is_inactive_whole(expr):
            temp = self.namer.fresh("t")
            self.emit(out, assign(temp, expr))
        elif isinstance(expr, gast.IfExp):
            temp = self.namer.fresh("t")
            self.if_expression(temp, expr, out)
        else:
            value = self.primitive(expr, out)  # inner temporaries first: t1, t2, ...
            temp = self.namer.fresh("t")
            self.emit(out, assign(temp, value))
        return name(temp)

    def primitive(self, expr, out):
        """expr as one operation on atoms."""
        if self.is_atom(expr) or self.is_inactive_whole(expr):
            return expr
        if isinstance(expr, gast.BinOp):
            return gast.BinOp(left=self.atom(expr.left, out), op=expr.op,
                              right=self.atom(expr.right, out))
        if isinstance(expr, gast.UnaryOp):
            return gast.UnaryOp(op=expr.op, operand=self.atom(expr.operand, out))
        if isinstance(expr, gast.Call):
            func = expr.func
            if not self.is_static(func):
                if isinstance(func, gast.Attribute):
                    func = gast.Attribute(value=self.atom(func.value, out), attr=func.attr,
                                          ctx=gast.Load())
                elif not isinstance(func, gast.Name):
                    func = self.atom(func, out)
            args = [self.atom(a, out) for a in expr.args]
            keywords = [gast.keyword(arg=k.arg, value=self.atom(k.value, out))
                        for k in expr.keywords]
            return gast.Call(func=func, args=args, keywords=keywords)
        if isinstance(expr, gast.Attribute):
            return gast.Attribute(value=self.atom(expr.value, out), attr=expr.attr,
                                  ctx=gast.Load())
        if isinstance(expr, gast.Subscript):
            return gast.Subscript(value=self.atom(expr.value, out),
                                  slice=self.index(expr.slice, out), ctx=gast.Load())
        if isinstance(expr, (gast.Tuple, gast.List)):
            return type(expr)(elts=[self.atom(e, out) for e in expr.elts], ctx=gast.Load())
        if isinstance(expr, gast.IfExp):
            return self.atom(expr, out)
        raise self.unsupported(f"the expression {type(expr).__name__}", expr)

    def index(self, index, out):
        if isinstance(index, gast.Slice):
            return gast.Slice(*(None if part is None else self.atom(part, out)
                                for part in (index.lower, index.upper, index.step)))
        if isinstance(index, gast.Tuple):
            return gast.Tuple(elts=[self.index(e, out) for e in index.elts], ctx=gast.Load())
        return self.atom(index, out)


def _is_call_to(expr, fname):
    return (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name)
            and expr.func.id == fname)


def _call(fname, args):
    return gast.Call(func=name(fname), args=args, keywords=[])


def _operand_names(expr):
    return {n.id for n in gast.walk(expr) if isinstance(n, gast.Name)}


def normalize(parsed, namer):
    """Return a new FunctionDef in A-normal form (the parsed one is untouched)."""
    fn = copy_tree(parsed.node)
    normalizer = Normalizer(parsed, namer)
    normalizer.origin = fn.lineno
    for default in fn.args.defaults:
        normalizer.check_expressions(gast.Expr(value=default))
    if fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs or fn.args.posonlyargs:
        raise normalizer.unsupported("*args, **kwargs or keyword-only parameters", fn)
    fn.body = normalizer.block(fn.body)
    return fn

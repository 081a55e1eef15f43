"""Stage 2: one primitive per statement (A-normal form).

After this pass a function body holds only
  - `name = primitive` where every operand is a name or a constant
    (BinOp, UnaryOp, Call, Attribute, Subscript, Tuple, List, or a copy),
  - `name = <inactive expression>` kept whole: comparisons, boolean logic,
    shapes, len/int/range... (their results carry no derivative),
  - `if name:`, `while <test>:`, `for name in range(...):`,
  - `name[index] = atom` (assignment into a local array, list or dict; the
    index made of atoms; see is_setitem),
  - expression statements (method calls such as `xs.append(x)`, print),
  - a single final `return atom` or `return (atom, ...)`.
Every statement keeps the line of the user's statement it came from
(`s2s_origin`), which the emitter prints as a comment and errors quote.
"""

import gast

from .errors import UnsupportedError
from .names import assign, copy_tree, name, store
from .walk import name_nodes, nodes_of_type, walk

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
    gast.SetComp: "set comprehension",
    gast.Yield: "yield", gast.YieldFrom: "yield from", gast.Await: "await",
    gast.Starred: "*args unpacking in a call", gast.NamedExpr: "the := operator",
    gast.Set: "set literal",
}
# Comprehensions become loops that build a list (or a dict) before the
# statement that uses them (see Normalizer.comprehension).
COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.DictComp)
# Views of an array: assigning into one would change the array it views.
VIEW_METHODS = {"reshape", "ravel", "transpose", "view", "squeeze", "swapaxes"}


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
        nodes = list(walk(fn))  # one walk for the questions below
        for node in nodes:
            if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
                self.locals.add(node.id)
        # names bound outside comprehensions (a comprehension's own variable
        # with one of these names is renamed: it must not clobber it)
        inner = {id(n) for c in nodes if isinstance(c, COMPREHENSIONS)
                 for g in c.generators for n in walk(g.target)}
        self.outer_names = set(self.params) | {
            n.id for n in nodes if isinstance(n, gast.Name)
            and isinstance(n.ctx, gast.Store) and id(n) not in inner}
        assignments = [a for a in nodes if isinstance(a, gast.Assign)]
        # locals assigned a list: `xs += ys` extends them in place
        self.list_names = {t.id for a in assignments
                           if isinstance(a.value, (gast.List, gast.ListComp))
                           or self.is_list_concatenation(a.value)
                           or self.is_list_repetition(a.value)
                           for t in a.targets if isinstance(t, gast.Name)}
        self.dict_names = {t.id for a in assignments
                           if isinstance(a.value, (gast.Dict, gast.DictComp))
                           for t in a.targets if isinstance(t, gast.Name)}
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
            self.augmented_assignment(stmt, out)
        elif isinstance(stmt, gast.Expr):
            self.expression_statement(stmt, out)
        elif isinstance(stmt, gast.If):
            self.if_statement(stmt, out)
        elif isinstance(stmt, gast.While):
            if stmt.orelse:
                raise self.unsupported("while ... else here", stmt)
            if any(isinstance(n, COMPREHENSIONS) for n in walk(stmt.test)):
                raise self.unsupported("a comprehension in a while condition", stmt,
                                       "compute it into a variable before the loop and "
                                       "at the end of the body")
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
        for node in walk(stmt):
            kind = type(node)
            if kind is gast.Starred and isinstance(node.ctx, gast.Store):
                raise self.unsupported("starred unpacking (a, *rest = ...)", stmt,
                                       "index the value instead: a = t[0]; rest = t[1:]")
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
            if isinstance(value, COMPREHENSIONS):
                if target.id in _operand_names(value):  # xs = [f(x) for x in xs]
                    self.emit(out, assign(target.id, name(self.comprehension(value, out))))
                else:
                    self.comprehension(value, out, into=target.id)
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
            if any(isinstance(e, gast.Starred) for e in target.elts):
                raise self.unsupported("starred unpacking (a, *rest = ...)", target)
            # a, b = f(x) -> t = f(x); a = t[0]; b = t[1]
            packed = self.atom(value, out)
            if not isinstance(packed, gast.Name):
                raise self.unsupported("unpacking a constant", target)
            for index, sub in enumerate(target.elts):
                item = gast.Subscript(value=name(packed.id),
                                      slice=gast.Constant(value=index, kind=None), ctx=gast.Load())
                self.assign_to(sub, item, out)
        elif isinstance(target, gast.Subscript):
            self.assign_into(target, value, out)
        else:
            raise self.unsupported(f"assignment to {type(target).__name__.lower()}", target,
                                   "assign to a local name")

    def assign_into(self, target, value, out):
        """x[index] = value: the value and the index become atoms; x must be
        a local name (x[i][j] = v writes through the view x[i]: write x[i, j])."""
        base = target.value
        if isinstance(base, gast.Subscript):
            raise self.unsupported("assignment into a nested subscript", target,
                                   "write x[i, j] = v, or t = x[i].copy(); t[j] = v")
        if not self.is_local_name(base):
            raise self.unsupported("assignment into something that is not a local "
                                   "variable", target, "assign into a local array, list or dict")
        if isinstance(value, COMPREHENSIONS):
            atom = name(self.comprehension(value, out))
        else:
            atom = self.atom(value, out)
        index = self.index(target.slice, out)
        self.emit(out, assign(gast.Subscript(value=name(base.id), slice=index,
                                             ctx=gast.Store()), atom))

    def augmented_assignment(self, stmt, out):
        target = stmt.target
        if isinstance(target, gast.Name):
            if (isinstance(stmt.op, gast.Add) and target.id in self.list_names):
                self.extend(target.id, stmt.value, out)  # xs += ys extends the list
                return
            value = gast.BinOp(left=name(target.id), op=stmt.op, right=stmt.value)
            start = len(out)
            self.assign_to(target, value, out)
            for s in out[start:]:
                # On an array, Python changes the object in place: names that
                # share it see the change (checked in inplace.py).
                if (isinstance(s, gast.Assign) and isinstance(s.value, gast.BinOp)
                        and type(s.value.op) is type(stmt.op)
                        and isinstance(s.value.left, gast.Name) and s.value.left.id == target.id):
                    s.s2s_augmented = True
                    break
            return
        if not isinstance(target, gast.Subscript):
            raise self.unsupported("augmented assignment to an attribute", stmt)
        if not self.is_local_name(target.value):
            raise self.unsupported("augmented assignment into something that is not a "
                                   "local variable", stmt)
        # x[i] += v -> t1 = x[i]; t2 = t1 + v; x[i] = t2 (the index evaluated once;
        # NumPy's x[idx] += v also writes each repeated index once)
        index = self.index(target.slice, out)
        old = self.namer.fresh("t")
        self.emit(out, assign(old, gast.Subscript(value=name(target.value.id), slice=index,
                                                  ctx=gast.Load())))
        self.assign_into(gast.Subscript(value=name(target.value.id), slice=copy_tree(index),
                                        ctx=gast.Store()),
                         gast.BinOp(left=name(old), op=stmt.op, right=stmt.value), out)

    def extend(self, target, items, out):
        """xs.extend(ys) (and xs += ys on a list): for item in ys: xs.append(item)."""
        if isinstance(items, (gast.List, gast.Tuple)):  # xs += [a, b]: two appends
            for elt in items.elts:
                self.expression_statement(gast.Expr(value=gast.Call(
                    func=gast.Attribute(value=name(target), attr="append", ctx=gast.Load()),
                    args=[elt], keywords=[])), out)
            return
        item = self.namer.fresh("item")
        append = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=name(target), attr="append", ctx=gast.Load()),
            args=[name(item)], keywords=[]))
        loop = gast.For(target=store(item), iter=items, body=[append], orelse=[],
                        type_comment=None)
        self.for_statement(loop, out)

    def comprehension(self, expr, out, into=None):
        """[elt for x in xs if c] -> t = []; for x in xs: if c: t.append(elt)
        ({k: v for ...} -> t = {}; ... t[k] = v). Returns the list's name."""
        result = into or self.namer.fresh("t")
        expr = copy_tree(expr)
        renames = {}  # the comprehension's own variables that would clobber a local

        def rename(node):
            for n in name_nodes(node):
                if n.id in renames:
                    n.id = renames[n.id]

        for gen in expr.generators:
            if getattr(gen, "is_async", 0):
                raise self.unsupported("async comprehension", expr)
            rename(gen.iter)  # sees the variables of the generators before it only
            for n in walk(gen.target):
                if isinstance(n, gast.Name) and (n.id in self.outer_names or n.id == result):
                    renames[n.id] = self.namer.fresh(n.id)
            rename(gen.target)
            for cond in gen.ifs:
                rename(cond)
        for part in ("elt", "key", "value"):
            if getattr(expr, part, None) is not None:
                rename(getattr(expr, part))
        if isinstance(expr, gast.DictComp):
            self.emit(out, assign(result, gast.Dict(keys=[], values=[])))
            inner = assign(gast.Subscript(value=name(result), slice=expr.key, ctx=gast.Store()),
                           expr.value)
        else:
            self.emit(out, assign(result, gast.List(elts=[], ctx=gast.Load())))
            inner = gast.Expr(value=gast.Call(
                func=gast.Attribute(value=name(result), attr="append", ctx=gast.Load()),
                args=[expr.elt], keywords=[]))
        for gen in reversed(expr.generators):
            body = [inner]
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            inner = gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                             type_comment=None)
        self.statement(inner, out)
        return result

    def is_list_like(self, expr):
        """A list display, a comprehension or a local assigned one."""
        return isinstance(expr, (gast.List, gast.ListComp)) or (
            isinstance(expr, gast.Name) and expr.id in getattr(self, "list_names", ()))

    def is_list_concatenation(self, expr):
        """xs + ys with a list on one side (a new list: built with appends)."""
        return (isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Add)
                and (self.is_list_like(expr.left) or self.is_list_like(expr.right)))

    def is_list_repetition(self, expr):
        """[h] * n or n * xs (a new list: built with appends)."""
        return (isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult)
                and (self.is_list_like(expr.left) or self.is_list_like(expr.right)))

    def is_local_name(self, expr):
        return isinstance(expr, gast.Name) and (expr.id in self.locals
                                                or expr.id in self.namer.generated)

    def expression_statement(self, stmt, out):
        value = stmt.value
        if isinstance(value, gast.Constant):
            return  # docstrings and bare constants do nothing
        if self.is_inactive_whole(value):
            self.emit(out, gast.Expr(value=value))
            return
        if _is_method_call(value, "extend", 1) and self.is_local_name(value.func.value):
            self.extend(value.func.value.id, value.args[0], out)
            return
        if (_is_method_call(value, "pop", 0) or _is_method_call(value, "pop", 1)) \
                and self.is_local_name(value.func.value):
            # xs.pop(): keep the item, so that the reverse sweep can put it back
            self.assign_to(store(self.namer.fresh("popped")), value, out)
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
        if self.dict_iteration(stmt, out):
            return
        iterator = stmt.iter
        assigned_in_body = {n.id for s in stmt.body for n in name_nodes(s)
                            if isinstance(n.ctx, gast.Store)}
        assigned_in_body |= mutated_names(stmt.body)
        if self.is_range(iterator):
            if not isinstance(stmt.target, gast.Name):
                raise self.unsupported("unpacking a range item", stmt)
            if {n.id for n in name_nodes(iterator)} & assigned_in_body:
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
            start = len(prologue)
            self.assign_to(target, item, prologue)
            for s in prologue[start:]:  # for messages: this name is an item of the sequence
                s.s2s_loop_item = True
            self.origin = saved
        body = prologue + self.block(stmt.body)
        self.emit(out, gast.For(target=store(counter),
                                iter=_call("range", [length]), body=body, orelse=[],
                                type_comment=None))

    def dict_iteration(self, stmt, out):
        """for k, v in d.items() (or d.values(), d.keys()) -> keys = list(d.keys());
        for k in keys: v = d[k]: the values are read by key, so that their
        adjoints go back to d's entries."""
        iterator = stmt.iter
        view = next((m for m in ("items", "values", "keys") if _is_method_call(iterator, m, 0)),
                    None)
        if isinstance(iterator, gast.Name) and iterator.id in self.dict_names:
            view, d = "keys", iterator.id  # for k in d, d a dict built here
        elif view is None or not self.is_local_name(iterator.func.value):
            return False
        else:
            d = iterator.func.value.id
        keys = self.namer.fresh("keys")
        self.assign_to(store(keys), _call("list", [gast.Call(
            func=gast.Attribute(value=name(d), attr="keys", ctx=gast.Load()), args=[],
            keywords=[])]), out)
        target, prologue = stmt.target, []
        if view == "items":
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                raise self.unsupported("this target for .items()", target,
                                       "write for key, value in d.items()")
            key, value = target.elts
            if not isinstance(key, gast.Name):
                key = store(self.namer.fresh("key"))
            target, value_target = key, value
        elif view == "values":
            value_target, target = target, store(self.namer.fresh("key"))
        else:
            value_target = None
        if value_target is not None:
            prologue = [gast.copy_location(assign(value_target, gast.Subscript(
                value=name(d), slice=name(target.id), ctx=gast.Load())), stmt)]
            if view == "items" and target is not stmt.target.elts[0]:
                prologue.insert(0, gast.copy_location(assign(stmt.target.elts[0], name(target.id)),
                                                      stmt))
        self.for_statement(gast.For(target=target, iter=name(keys), body=prologue + stmt.body,
                                    orelse=[], type_comment=None), out)
        return True

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
        if isinstance(expr, COMPREHENSIONS) and not self.is_inactive_whole(expr):
            return name(self.comprehension(expr, out))
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
        if self.is_list_repetition(expr):
            # [h] * n -> t = []; for r in range(n): t.append(h)
            repeated = self.namer.fresh("t")
            items, count = (expr.left, expr.right) if self.is_list_like(expr.left) \
                else (expr.right, expr.left)
            # the items are evaluated once, as in Python
            items = gast.List(elts=[self.atom(e, out) for e in items.elts], ctx=gast.Load()) \
                if isinstance(items, gast.List) else self.atom(items, out)
            count = self.atom(count, out)
            self.emit(out, assign(repeated, gast.List(elts=[], ctx=gast.Load())))
            body = []
            self.extend(repeated, items, body)
            self.emit(out, gast.For(target=store(self.namer.fresh("r")),
                                    iter=_call("range", [count]), body=body, orelse=[],
                                    type_comment=None))
            return name(repeated)
        if self.is_list_concatenation(expr):
            # xs + [h] -> t = []; t.append(...) for each item of xs, then h
            joined = self.namer.fresh("t")
            left, right = (side if isinstance(side, gast.List) else self.atom(side, out)
                           for side in (expr.left, expr.right))
            self.emit(out, assign(joined, gast.List(elts=[], ctx=gast.Load())))
            self.extend(joined, left, out)
            self.extend(joined, right, out)
            return name(joined)
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
        if isinstance(expr, (gast.IfExp,) + COMPREHENSIONS):
            return self.atom(expr, out)
        if isinstance(expr, gast.Dict):
            if any(k is None for k in expr.keys):
                raise self.unsupported("**unpacking in a dict literal", expr)
            return gast.Dict(keys=[self.atom(k, out) for k in expr.keys],
                             values=[self.atom(v, out) for v in expr.values])
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


def _is_method_call(expr, method, nargs):
    return (isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute)
            and expr.func.attr == method and len(expr.args) == nargs and not expr.keywords)


def is_setitem(stmt):
    """Is this normalised statement an assignment into a subscript, x[i] = v?"""
    return isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript)


def mutated_names(stmts):
    """Names whose value a statement changes in place: x[i] = v, xs.append(v),
    xs.pop(), xs.extend(ys), xs.insert(i, v)."""
    names = set()
    for stmt in stmts:
        for node in nodes_of_type(stmt, gast.Subscript, gast.Call):
            if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) \
                    and isinstance(node.value, gast.Name):
                names.add(node.value.id)
            elif (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)
                  and node.func.attr in ("append", "extend", "pop", "insert")
                  and isinstance(node.func.value, gast.Name)):
                names.add(node.func.value.id)
    return names


def _call(fname, args):
    return gast.Call(func=name(fname), args=args, keywords=[])


def _operand_names(expr):
    return {n.id for n in name_nodes(expr)}


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

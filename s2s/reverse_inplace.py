"""Reverse mode of in-place changes (a part of ReverseBuilder, see reverse.py):
x[i] = v, xs.append(v), v = xs.pop(), xs.insert(i, v).

    primal sweep                        adjoint sweep (this statement's part)
    x_stack.append(x[i].copy())         v_bar = unbroadcast(x_bar[i].copy(), v)
    x[i] = v                            x_bar[i] = 0.0
                                        x[i] = x_stack.pop()

    xs.append(v)                        v_bar = xs_bar.pop()
                                        xs.pop()

The adjoint of x is changed in place (x_bar[i] = 0.0, xs_bar.pop()), so an
adjoint of a name that is changed in place is always the function's own
object: where it is first bound, it is copied unless the expression makes a
new one (a sum, zeros, ...).
The undo (last line of each block) runs only where some adjoint reads the
contents (see InPlace): when the adjoint of a statement runs, arrays, lists
and dicts hold what they held right after it ran.
"""
import gast

from .emit import COMMENT_MARK
from .errors import UnsupportedError
from .names import assign, copy_tree, name
from .names import with_origin as _with_origin
from .normalize import is_setitem, origin_of
from .walk import name_nodes

# Methods that change their receiver in a way the reverse sweep cannot undo.
UNTRACKED_METHODS = {"extend", "remove", "clear", "sort", "reverse", "update", "setdefault",
                     "popitem", "fill", "resize", "put", "itemset", "__setitem__"}
# Calls whose result is a new object (an adjoint that is safe to change in place).
FRESH_CALLS = {"zeros_like_adjoint", "unindex", "unstack", "list_adjoint", "copy",
               "SequenceAdjoint", "TupleAdjoint", "DictAdjoint", "zeros"}


def _method(obj, method, args):
    return gast.Call(func=gast.Attribute(value=obj, attr=method, ctx=gast.Load()),
                     args=args, keywords=[])


def _expr(call, origin):
    return _with_origin(gast.Expr(value=call), origin)


def _index_names(index):
    return {n.id for n in name_nodes(index)}


def _callee_name(call):
    func = call.func
    if isinstance(func, gast.Name):
        return func.id
    if isinstance(func, gast.Attribute):
        return func.attr
    return None


# Helpers that read an argument only for its shape (and dtype): position.
SHAPE_ONLY_ARGUMENTS = {"unbroadcast": 1, "unreduce": 1, "to_shape_of": 1, "broadcast_like": 1,
                        "reduced_size": 0, "zeros_like_adjoint": 0, "unindex": 1,
                        "zeros_like": 0, "ones_like": 0, "shape": 0, "ndim": 0, "size": 0}
SHAPE_ATTRIBUTES = {"shape", "ndim", "size", "dtype"}
_shape_only_cache = {}


def shape_only_params(tmpl, active=None):
    """Template parameters read (outside d[...]) only for their shape, in the
    contributions to the `active` parameters (all when None)."""
    key = (id(tmpl), None if active is None else frozenset(active))
    if key not in _shape_only_cache:
        from .template import is_d
        params = set(tmpl.signature.parameters)
        contents = set()

        def visit(node, shape_position):
            if is_d(node):
                return
            if isinstance(node, gast.Name):
                if node.id in params and not shape_position:
                    contents.add(node.id)
                return
            if isinstance(node, gast.Attribute) and node.attr in SHAPE_ATTRIBUTES:
                visit(node.value, isinstance(node.value, gast.Name))
                return
            if isinstance(node, gast.Call):
                position = SHAPE_ONLY_ARGUMENTS.get(_callee_name(node))
                visit(node.func, False)
                for i, arg in enumerate(node.args):
                    visit(arg, i == position and isinstance(arg, gast.Name))
                for keyword in node.keywords:
                    visit(keyword.value, False)
                return
            for child in gast.iter_child_nodes(node):
                visit(child, False)

        for stmt in tmpl.body:
            if (active is not None and isinstance(stmt, gast.Assign) and is_d(stmt.targets[0])
                    and stmt.targets[0].slice.id not in active):
                continue  # a contribution to an inactive value: dropped
            visit(stmt, False)
        _shape_only_cache[key] = (tmpl, set(tmpl.primal_reads) - contents)
    return _shape_only_cache[key][1]


class InPlaceReverse:
    """Methods of ReverseBuilder for statements that change a value in place."""

    # ---- helpers ------------------------------------------------------------
    def _runtime_name(self, helper):
        from . import runtime
        return name(self.namespace.bind(helper, getattr(runtime, helper)))

    def _mutation(self, stmt):
        """(kind, name changed) for an in-place statement, else None.
        kind: 'setitem', 'append', 'insert', 'pop'."""
        if is_setitem(stmt):
            return "setitem", stmt.targets[0].value.id
        call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and isinstance(call.func.value, gast.Name)):
            return None
        method = call.func.attr
        if isinstance(stmt, gast.Expr) and method in ("append", "insert"):
            return method, call.func.value.id
        if isinstance(stmt, gast.Expr) and method in UNTRACKED_METHODS \
                and self.activity.is_active(call.func.value.id):
            raise self.location.error(
                UnsupportedError, f"s2s does not support .{method}() on a differentiated "
                f"value", lineno=origin_of(stmt) or getattr(stmt, "lineno", None))
        if method == "pop" and isinstance(stmt, gast.Assign) \
                and self.resolver(call).key == "method.pop":
            return "pop", call.func.value.id
        return None

    def _undo(self, stmt):
        """Must the adjoint sweep undo this in-place change? Yes when the
        adjoint of a statement that runs before it in the primal sweep (or in
        the same loop) reads the contents of (an object shared with) the
        changed value: that adjoint runs after this one."""
        mutation = self._mutation(stmt)
        if mutation is None:
            return False
        sharing = self.inplace.sharing(mutation[1])
        if not sharing & getattr(self, "needed_contents", set()):
            return False
        position, loops = self._place(stmt)
        for reader, reads in getattr(self, "content_reads_at", ()):
            if reader is stmt or not reads & sharing:
                continue
            reader_position, reader_loops = self._place(reader)
            if reader_position < position or set(loops) & set(reader_loops):
                return True
        return False

    def _place(self, stmt):
        """(textual position, ids of the enclosing loops) of a statement."""
        places = getattr(self, "_places", None)
        if places is None:
            places = self._places = {}

            def visit(body, loops):
                for s in body:
                    places[id(s)] = (len(places), loops)
                    inner = loops + (id(s),) if isinstance(s, (gast.For, gast.While)) else loops
                    for field in ("body", "orelse"):
                        visit(getattr(s, field, []) or [], inner)
            visit(self.body, ())
        return places[id(stmt)]

    def _inplace_reads(self, stmt):
        """Primal values the adjoint part of an in-place statement reads:
        (read for their contents, read for their shape only)."""
        kind, x = self._mutation(stmt)
        reads, shapes = set(), set()
        active = self.activity.is_active(x)
        if kind == "setitem":
            index, value = stmt.targets[0].slice, stmt.value
            if active or self._undo(stmt):
                reads |= _index_names(index)
            if active and isinstance(value, gast.Name):
                shapes.add(value.id)  # unbroadcast(x_bar[i], v), zeros_like_adjoint(v)
        elif kind in ("append", "insert", "pop"):
            if active:
                reads.add(x)  # zeros_like_adjoint(xs) must see xs's contents
            args = stmt.value.args
            if kind == "insert" or (kind == "pop" and args):
                if active or self._undo(stmt):
                    reads |= _index_names(args[0])
            if kind == "pop":
                reads.add(stmt.targets[0].id)
        return reads, shapes - reads

    def _shape_only_reads(self, stmt):
        """Names an active template statement's adjoint reads only for their
        shape (unbroadcast(g, x), zeros_like_adjoint(x), ...): an in-place
        change of them need not be undone for this statement."""
        cache = self.__dict__.setdefault("_shape_reads_cache", {})
        if id(stmt) not in cache:
            cache[id(stmt)] = self._compute_shape_only_reads(stmt)
        return cache[id(stmt)]

    def _compute_shape_only_reads(self, stmt):
        prim = self.resolver(stmt.value)
        if prim.kind != "template" or prim.key in ("list", "tuple", "dict", "method.pop"):
            return set()
        tmpl = self._template(stmt, prim)
        bindings = self._bindings(stmt, prim, tmpl)
        active = {p for p, v in bindings.items() if isinstance(v, gast.Name)
                  and p != tmpl.result and self.activity.is_active(v.id)}
        shape_params = shape_only_params(tmpl, active)
        shapes, contents = set(), set()
        containers = self.inplace.list_vars | self.inplace.dict_vars
        for param in tmpl.primal_reads:
            value = bindings.get(param)
            if value is None:
                continue
            names = {n.id for n in name_nodes(value)}
            if param in shape_params and isinstance(value, gast.Name) \
                    and value.id not in containers:
                shapes |= names
            else:
                contents |= names
        return shapes - contents

    def _setitem_has_reverse(self, stmt):
        return self.activity.is_active(stmt.targets[0].value.id) or self._undo(stmt)

    def owned(self, var, expr):
        """expr as an object the adjoint sweep may change in place, for the
        adjoint of a value that is changed in place."""
        if var not in self.inplace.mutated:
            return expr
        if isinstance(expr, gast.BinOp) and var not in self.inplace.list_vars:
            return expr
        if isinstance(expr, gast.Call) and _callee_name(expr) in FRESH_CALLS:
            return expr
        if var in self.inplace.list_vars:
            return gast.Call(func=self._runtime_name("list_adjoint"), args=[expr], keywords=[])
        if var in self.inplace.dict_vars:
            return gast.Call(func=self._runtime_name("DictAdjoint"), args=[expr], keywords=[])
        np_name = self.namespace.bind("np", __import__("numpy"))
        return gast.Call(func=gast.Attribute(value=name(np_name), attr="copy", ctx=gast.Load()),
                         args=[expr], keywords=[])

    # ---- primal sweep ---------------------------------------------------------
    def copies_on_entry(self):
        """`x = x.copy()` for each parameter the function changes in place."""
        out = []
        for p in self.inplace.param_copies:
            what = "appended to" if p in self.inplace.list_vars else "assigned into"
            out.append(gast.Expr(value=gast.Constant(
                value=f"{COMMENT_MARK}s2s: {p} is {what}; the caller's value is not modified",
                kind=None)))
            out.append(assign(p, _method(name(p), "copy", [])))
        return out

    def save_before(self, stmt):
        """The primal-sweep push that lets the adjoint sweep undo stmt."""
        if not is_setitem(stmt) or not self._undo(stmt):
            return []
        target = stmt.targets[0]
        x, index = target.value.id, target.slice
        old = gast.Subscript(value=name(x), slice=copy_tree(index), ctx=gast.Load())
        if self.inplace.is_dict_item(stmt):
            old = gast.Call(func=self._runtime_name("saved_entry"),
                            args=[name(x), copy_tree(index)], keywords=[])
        elif not self.inplace.is_list_item(stmt):
            old = _method(old, "copy", [])
        self.undo_stacks.add(x)
        return [_expr(_method(name(self.stack(x)), "append", [old]), origin_of(stmt))]

    # ---- adjoint sweep --------------------------------------------------------
    def adjoint_setitem(self, stmt, bound, out):
        """x[i] = v: v's adjoint is x_bar[i] (summed to v's shape), and the
        overwritten x[i] had no effect: its adjoint is zero."""
        target = stmt.targets[0]
        x, index, value = target.value.id, target.slice, stmt.value
        origin = origin_of(stmt)
        x_bar = self.adjoint(x)
        active_value = isinstance(value, gast.Name) and self.activity.is_active(value.id)
        if self.activity.is_active(x) and x in bound:
            item = gast.Subscript(value=name(x_bar), slice=copy_tree(index), ctx=gast.Load())
            if self.inplace.is_container(stmt):  # the item is replaced, not changed
                if active_value:
                    self.contribute(value.id, item, bound, out, origin)
                zeros = gast.Call(func=self._runtime_name("zeros_like_adjoint"),
                                  args=[copy_tree(value)], keywords=[])
                out.append(_with_origin(assign(gast.Subscript(
                    value=name(x_bar), slice=copy_tree(index), ctx=gast.Store()), zeros), origin))
            else:
                if active_value:
                    if value.id not in bound:  # a view of x_bar, which changes next
                        item = _method(item, "copy", [])
                    g = gast.Call(func=self._runtime_name("unbroadcast"),
                                  args=[item, name(value.id)], keywords=[])
                    self.contribute(value.id, g, bound, out, origin)
                out.append(_with_origin(assign(gast.Subscript(
                    value=name(x_bar), slice=copy_tree(index), ctx=gast.Store()),
                    gast.Constant(value=0.0, kind=None)), origin))
        if self._undo(stmt):
            popped = _method(name(self.stack(x)), "pop", [])
            if self.inplace.is_dict_item(stmt):
                out.append(_expr(gast.Call(func=self._runtime_name("restore_entry"),
                                           args=[name(x), copy_tree(index), popped],
                                           keywords=[]), origin))
            else:
                out.append(_with_origin(assign(gast.Subscript(
                    value=name(x), slice=copy_tree(index), ctx=gast.Store()), popped), origin))

    def adjoint_insert(self, stmt, bound, out):
        """xs.insert(i, v): v's adjoint is taken out of xs_bar at i."""
        call = stmt.value
        xs, (index, value) = call.func.value.id, call.args
        origin = origin_of(stmt)
        if self.activity.is_active(xs):
            if xs not in bound:
                out.append(self.zero(xs, origin))
                bound.add(xs)
            taken = _method(name(self.adjoint(xs)), "pop", [copy_tree(index)])
            if isinstance(value, gast.Name) and self.activity.is_active(value.id):
                self.contribute(value.id, taken, bound, out, origin)
            else:
                out.append(_expr(taken, origin))
        if self._undo(stmt):
            out.append(_expr(_method(name(xs), "pop", [copy_tree(index)]), origin))

    def undo_append(self, stmt, out):
        if self._undo(stmt):
            xs = stmt.value.func.value.id
            out.append(_expr(_method(name(xs), "pop", []), origin_of(stmt)))

    def undo_pop(self, stmt, out):
        """v = xs.pop() / xs.pop(i): put v back."""
        if not self._undo(stmt):
            return
        call = stmt.value
        xs, v = call.func.value.id, stmt.targets[0].id
        out.append(_expr(self._put_back(name(xs), call.args, name(v)), origin_of(stmt)))

    def _put_back(self, sequence, pop_args, value):
        """The call that undoes sequence.pop(*pop_args) for the popped value."""
        if not pop_args:
            return _method(sequence, "append", [value])
        return gast.Call(func=self._runtime_name("insert_popped"),
                         args=[sequence, copy_tree(pop_args[0]), value], keywords=[])

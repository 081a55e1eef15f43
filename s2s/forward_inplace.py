"""Forward mode of in-place changes (a part of ForwardBuilder, see forward.py).
The tangent is changed the way the value is:

    x[i] = v          ->  x_dot[i] = v_dot        (0.0 for a constant v)
    xs.append(v)      ->  xs_dot.append(v_dot)
    v = xs.pop(i)     ->  v_dot = xs_dot.pop(i)
    xs.insert(i, v)   ->  xs_dot.insert(i, v_dot)

A tangent changed in place must be the function's own object: where a
tangent of such a value is bound from an expression that may share another
one (x_dot = y_dot, a broadcast view...), it is copied first.
"""
import gast

from .emit import COMMENT_MARK
from .names import assign, copy_tree, name
from .names import with_origin as _with_origin
from .normalize import is_setitem, origin_of
from .reverse_inplace import FRESH_CALLS, _callee_name, _method


class InPlaceForward:
    """Methods of ForwardBuilder for statements that change a value in place."""

    def _runtime_name(self, helper):
        from . import runtime
        return name(self.namespace.bind(helper, getattr(runtime, helper)))

    def tangent_of_atom(self, atom):
        """The tangent of an operand: its tangent, or zeros for a constant."""
        if isinstance(atom, gast.Name) and self.activity.is_active(atom.id):
            return name(self.tangent(atom.id))
        if isinstance(atom, gast.Name):
            return self.zeros_of(atom.id)
        return gast.Constant(value=0.0, kind=None)

    def owned_tangent(self, var, expr):
        """expr as an object the function may change in place, for the tangent
        of a value that is changed in place."""
        if var not in self.inplace.mutated:
            return expr
        if isinstance(expr, (gast.BinOp, gast.List, gast.Dict, gast.Tuple)):
            return expr
        if isinstance(expr, gast.Call) and _callee_name(expr) in FRESH_CALLS:
            return expr
        if var in self.inplace.list_vars:
            return gast.Call(func=name("list"), args=[expr], keywords=[])
        if var in self.inplace.dict_vars:
            return gast.Call(func=name("dict"), args=[expr], keywords=[])
        np_name = self.namespace.bind("np", __import__("numpy"))
        return gast.Call(func=gast.Attribute(value=name(np_name), attr="copy", ctx=gast.Load()),
                         args=[expr], keywords=[])

    def copies_on_entry(self):
        """`x = x.copy()` (and `x_dot = x_dot.copy()`) for each parameter the
        function changes in place."""
        out = []
        for p in self.inplace.param_copies:
            what = "appended to" if p in self.inplace.list_vars else "assigned into"
            out.append(gast.Expr(value=gast.Constant(
                value=f"{COMMENT_MARK}s2s: {p} is {what}; the caller's value is not modified",
                kind=None)))
            out.append(assign(p, _method(name(p), "copy", [])))
            if p in self.config.wrt:
                out.append(assign(self.tangent(p), _method(name(self.tangent(p)), "copy", [])))
        return out

    def setitem(self, stmt, out):
        """x[i] = v: x_dot[i] = v_dot."""
        out.append(stmt)
        target = stmt.targets[0]
        x = target.value.id
        if not self.activity.is_active(x):
            return
        value = stmt.value
        if isinstance(value, gast.Name) and self.activity.is_active(value.id):
            tangent = name(self.tangent(value.id))
        elif self.inplace.is_container(stmt):
            tangent = gast.Call(func=self._runtime_name("zeros_like_adjoint"),
                                args=[copy_tree(value)], keywords=[])
        else:
            tangent = gast.Constant(value=0.0, kind=None)
        out.append(_with_origin(assign(gast.Subscript(
            value=name(self.tangent(x)), slice=copy_tree(target.slice), ctx=gast.Store()),
            tangent), origin_of(stmt)))

    def pop_tangent(self, stmt, out):
        """v = xs.pop(i): v_dot = xs_dot.pop(i) (just xs_dot.pop(i) for an
        unused item: the tangent list stays aligned)."""
        out.append(stmt)
        call = stmt.value
        xs, v = call.func.value.id, stmt.targets[0].id
        if not self.activity.is_active(xs):
            if self.activity.is_active(v):
                out.append(_with_origin(assign(self.tangent(v), self.zeros_of(v)),
                                        origin_of(stmt)))
            return
        popped = _method(name(self.tangent(xs)), "pop", [copy_tree(a) for a in call.args])
        if self.activity.is_active(v):
            out.append(_with_origin(assign(self.tangent(v), popped), origin_of(stmt)))
        else:
            out.append(_with_origin(gast.Expr(value=popped), origin_of(stmt)))

    def insert_tangent(self, stmt, out):
        call = stmt.value
        xs = call.func.value.id
        if self.activity.is_active(xs):
            index, value = call.args
            out.append(_with_origin(gast.Expr(value=_method(
                name(self.tangent(xs)), "insert",
                [copy_tree(index), self.tangent_of_atom(value)])), origin_of(stmt)))

    def dict_literal(self, stmt, out):
        out.append(stmt)
        target = stmt.targets[0].id
        value = stmt.value
        literal = gast.Dict(keys=[copy_tree(k) for k in value.keys],
                            values=[self.tangent_of_atom(v) for v in value.values])
        out.append(_with_origin(assign(self.tangent(target), literal), origin_of(stmt)))

    def is_pop(self, stmt, prim):
        return prim.key == "method.pop" and isinstance(stmt.value.func, gast.Attribute) \
            and isinstance(stmt.value.func.value, gast.Name)

    def is_insert(self, stmt):
        call = stmt.value
        return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and call.func.attr == "insert" and isinstance(call.func.value, gast.Name)
                and len(call.args) == 2)

    def is_setitem(self, stmt):
        return is_setitem(stmt)

"""Stage 5 (forward mode): interleave a tangent statement (`x_dot`) after
every active primal statement, from the tangent templates. Control flow is
kept as it is: a tangent is computed where its value is, so loops and
branches need no recording.
"""
import gast

from . import template as templates
from .activity import Activity
from .errors import NoGradientError
from .instantiate import Contribution, _ZERO_MARK, instantiate, materialize_zeros
from .forward_inplace import InPlaceForward
from .inplace import InPlace
from . import runtime
from .names import assign, copy_tree, name, store
from .names import copy_with as _copy_with
from .names import with_origin as _with_origin
from .normalize import origin_of


def _is_zero(node):
    return isinstance(node, _ZERO_MARK)


class ForwardConfig:
    """mode 'jvp': f's parameters then one tangent per wrt, returns
    (value, output tangent). mode 'pushforward' (calls between user
    functions): tangents first, then f's parameters."""

    def __init__(self, wrt, mode="jvp", name_prefix="jvp", tangent_only=False):
        self.wrt = list(wrt)
        self.mode = mode
        self.name_prefix = name_prefix
        # return the output tangent alone (hvp): the value is then not
        # computed where the tangent does not need it
        self.tangent_only = tangent_only


class ForwardBuilder(InPlaceForward):
    def __init__(self, fn, parsed, namer, resolver, namespace, config, pushforward_of):
        self.fn = fn
        self.parsed = parsed
        self.namer = namer
        self.resolver = resolver
        self.namespace = namespace
        self.config = config
        self.pushforward_of = pushforward_of
        self.location = parsed.location
        body = fn.body
        if not body or not isinstance(body[-1], gast.Return):
            body = body + [gast.Return(value=gast.Constant(value=None, kind=None))]
        self.body, self.ret = body[:-1], body[-1]
        value = self.ret.value
        self.outputs = list(value.elts) if isinstance(value, gast.Tuple) else [value]
        outputs = [a.id for a in self.outputs if isinstance(a, gast.Name)]
        self.activity = Activity(self.body, resolver, config.wrt, outputs)
        # values changed in place (x[i] = v, xs.append(v)): see inplace.py
        self.inplace = InPlace(self.body, [a.id for a in fn.args.args], resolver,
                               self.location, namer.generated)

    def tangent(self, v):
        return self.namer.derived(v, "dot")

    def zeros_of(self, v):
        from . import runtime
        zeros = name(self.namespace.bind("zeros_like_adjoint", runtime.zeros_like_adjoint))
        return gast.Call(func=zeros, args=[name(v)], keywords=[])

    # ---- statements -------------------------------------------------------
    def block(self, body):
        out = []
        for stmt in body:
            if self.is_setitem(stmt):
                self.setitem(stmt, out)
            elif isinstance(stmt, gast.Assign):
                self.assignment(stmt, out)
            elif isinstance(stmt, gast.Expr) and self.is_insert(stmt):
                out.append(stmt)
                self.insert_tangent(stmt, out)
            elif isinstance(stmt, gast.Expr):
                out.append(stmt)
                self.mutation(stmt, out)
            elif isinstance(stmt, gast.If):
                out.append(_copy_with(stmt, body=self.block(stmt.body),
                                      orelse=self.block(stmt.orelse)))
            elif isinstance(stmt, (gast.While, gast.For)):
                out.append(_copy_with(stmt, body=self.block(stmt.body)))
            else:
                out.append(stmt)
        return out

    def assignment(self, stmt, out):
        target = stmt.targets[0].id
        origin = origin_of(stmt)
        prim = self.resolver(stmt.value)
        if self.is_pop(stmt, prim):
            self.pop_tangent(stmt, out)
            return
        if not self.activity.is_active(target):
            out.append(stmt)
            return
        if prim.kind in ("inactive", "stop"):
            out.append(stmt)
            out.append(_with_origin(assign(self.tangent(target), self.zeros_of(target)), origin))
            return
        if prim.kind == "user":
            self.user_call(stmt, prim, out)
            if target in self.inplace.mutated:  # our own copy: it is changed in place
                out.append(_with_origin(assign(self.tangent(target), self.owned_tangent(
                    target, name(self.tangent(target)))), origin))
            return
        if prim.key == "dict":
            self.dict_literal(stmt, out)
            return
        if isinstance(prim.key, str) and prim.key in ("tuple", "list"):
            out.append(stmt)
            elts = [name(self.tangent(e.id)) if isinstance(e, gast.Name)
                    and self.activity.is_active(e.id) else
                    (self.zeros_of(e.id) if isinstance(e, gast.Name) else gast.Constant(value=0.0, kind=None))
                    for e in prim.args]
            literal = gast.List if prim.key == "list" else gast.Tuple
            out.append(_with_origin(assign(self.tangent(target),
                                           literal(elts=elts, ctx=gast.Load())), origin))
            return
        tmpl = templates.forward_template(prim.key) if prim.kind == "template" else None
        if tmpl is None:
            raise self.location.error(
                NoGradientError, f"no forward-mode derivative for {prim.label or 'this call'}: "
                f"it has no tangent template and no Python source; register one with "
                f"@s2s.tangent(...)", lineno=origin)
        bindings = tmpl.bind(prim.args, prim.keywords)
        bindings[tmpl.result] = name(target)
        derivative_names = {tmpl.result: self.tangent(target)}
        for param, value in bindings.items():
            if param != tmpl.result and isinstance(value, gast.Name) and \
                    self.activity.is_active(value.id):
                derivative_names[param] = self.tangent(value.id)
        out.append(stmt)
        for item in instantiate(tmpl, bindings, derivative_names, self.namer, self.namespace):
            if isinstance(item, Contribution):
                expr = materialize_zeros(self.simplify_tangent(item.expr, target))
                if item.var == self.tangent(target):
                    expr = self.owned_tangent(target, expr)
                out.append(_with_origin(assign(item.var, expr), origin))
            else:
                out.append(_with_origin(materialize_zeros(item), origin))

    def mutation(self, stmt, out):
        """xs.append(v) on an active list also appends v's tangent."""
        call = stmt.value
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
                and isinstance(call.func.value, gast.Name)):
            return
        receiver = call.func.value.id
        if call.func.attr != "append" or not self.activity.is_active(receiver):
            return
        arg = call.args[0]
        if isinstance(arg, gast.Name) and self.activity.is_active(arg.id):
            value = name(self.tangent(arg.id))
        elif isinstance(arg, gast.Name):
            value = self.zeros_of(arg.id)
        else:
            value = gast.Constant(value=0.0, kind=None)
        out.append(_with_origin(gast.Expr(value=gast.Call(
            func=gast.Attribute(value=name(self.tangent(receiver)), attr="append",
                                ctx=gast.Load()), args=[value], keywords=[])), origin_of(stmt)))

    def user_call(self, stmt, prim, out):
        """y = g(a, b) -> y, y_dot = jvp_g(a_dot, b_dot, a, b)."""
        target = stmt.targets[0].id
        active = []
        for index, arg in enumerate(prim.args):
            if isinstance(arg, gast.Name) and self.activity.is_active(arg.id):
                active.append((index, arg.id))
        for key, arg in prim.keywords.items():
            if isinstance(arg, gast.Name) and self.activity.is_active(arg.id):
                active.append((key, arg.id))
        pushforward = self.pushforward_of(prim.function, [k for k, _ in active], stmt)
        callee = self.namespace.bind(pushforward.__name__, pushforward)
        call = gast.Call(func=name(callee),
                         args=[name(self.tangent(v)) for _, v in active] + list(prim.args),
                         keywords=[gast.keyword(arg=k, value=v) for k, v in prim.keywords.items()])
        targets = gast.Tuple(elts=[store(target), store(self.tangent(target))], ctx=gast.Store())
        out.append(_with_origin(assign(targets, call), origin_of(stmt)))

    # ---- zero tangents ----------------------------------------------------
    def simplify_tangent(self, expr, target):
        """Drop the terms of inactive inputs (zero tangents). When a sum loses
        a term and what is left is a bare tangent, broadcast it to the
        result's shape (x + y with inactive y: x's tangent has x's shape)."""
        simplified, dropped = self._drop_zeros(expr)
        if _is_zero(simplified):
            return self.zeros_of(target)
        bare = simplified
        if isinstance(bare, gast.UnaryOp) and isinstance(bare.op, gast.USub):
            bare = bare.operand
        if dropped and isinstance(bare, gast.Name):
            from . import runtime
            helper = name(self.namespace.bind("broadcast_like", runtime.broadcast_like))
            return gast.Call(func=helper, args=[simplified, name(target)], keywords=[])
        return simplified

    def _drop_zeros(self, node):
        """(node without zero terms, whether a sum lost a term)."""
        if isinstance(node, gast.BinOp):
            left, dropped_left = self._drop_zeros(node.left)
            right, dropped_right = self._drop_zeros(node.right)
            dropped = dropped_left or dropped_right
            op = node.op
            if isinstance(op, (gast.Mult, gast.MatMult)) and (_is_zero(left) or _is_zero(right)):
                return _ZERO_MARK(), dropped
            if isinstance(op, gast.Div) and _is_zero(left):
                return _ZERO_MARK(), dropped
            if isinstance(op, gast.Add):
                if _is_zero(left):
                    return right, True
                if _is_zero(right):
                    return left, True
            if isinstance(op, gast.Sub):
                if _is_zero(right):
                    return left, True
                if _is_zero(left):
                    return gast.UnaryOp(op=gast.USub(), operand=right), True
            return gast.BinOp(left=left, op=op, right=right), dropped
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
            operand, dropped = self._drop_zeros(node.operand)
            if _is_zero(operand):
                return _ZERO_MARK(), dropped
            return gast.UnaryOp(op=node.op, operand=operand), dropped
        if isinstance(node, gast.Subscript):
            value, dropped = self._drop_zeros(node.value)
            if _is_zero(value):
                return _ZERO_MARK(), dropped
            return gast.Subscript(value=value, slice=node.slice, ctx=node.ctx), dropped
        if isinstance(node, gast.Call):
            args = [self._drop_zeros(a) for a in node.args]
            dropped = any(d for _, d in args)
            new_args = [a for a, _ in args]
            func = self._callee(node.func)
            linear = _LINEAR_ARGUMENTS.get(func)
            if linear is not None and any(
                    i < len(new_args) and _is_zero(new_args[i]) for i in linear):
                return _ZERO_MARK(), dropped
            if _is_method_pop(node) and _is_zero(node.func.value):
                return _ZERO_MARK(), dropped
            return gast.Call(func=node.func, args=new_args, keywords=node.keywords), dropped
        return node, False

    def _callee(self, func):
        if isinstance(func, gast.Name):
            return self.namespace.own.get(func.id, func.id)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            module = self.namespace.own.get(func.value.id)
            return getattr(module, func.attr, None) if module is not None else None
        return None

    def zero_tangents_on_entry(self, params):
        """`p_dot = zeros_like_adjoint(p)` for each parameter that is not
        differentiated but is active (a statement assigns it a value that
        depends on one that is, `g = unreduce(g, x)`): activity is per name,
        so its tangent may be read before that assignment, on a path that
        does not run it."""
        return [_with_origin(assign(self.tangent(p), self.zeros_of(p)), self.fn.lineno)
                for p in params if p not in self.config.wrt and self.activity.is_active(p)]

    # ---- the whole function -----------------------------------------------
    def build(self):
        cfg = self.config
        origin = origin_of(self.ret) or self.fn.lineno
        params = [a.id for a in self.fn.args.args]
        body = self.copies_on_entry() + self.zero_tangents_on_entry(params) + self.block(self.body)
        tangents = []
        for atom in self.outputs:
            if isinstance(atom, gast.Name) and self.activity.is_active(atom.id):
                tangents.append(name(self.tangent(atom.id)))
            elif isinstance(atom, gast.Name):
                tangents.append(self.zeros_of(atom.id))
            else:
                zeros = self.namespace.bind("zeros_like_adjoint", runtime.zeros_like_adjoint)
                tangents.append(gast.Call(func=name(zeros), args=[copy_tree(atom)], keywords=[]))
        if isinstance(self.ret.value, gast.Tuple):
            output_tangent = gast.Tuple(elts=tangents, ctx=gast.Load())
        else:
            output_tangent = tangents[0]
        if getattr(cfg, "tangent_only", False):
            returned = output_tangent
        else:
            returned = gast.Tuple(elts=[copy_tree(self.ret.value), output_tangent],
                                  ctx=gast.Load())
        body.append(_with_origin(gast.Return(value=returned), origin))
        args = copy_tree(self.fn.args)
        tangent_params = [gast.Name(id=self.tangent(w), ctx=gast.Param(), annotation=None,
                                    type_comment=None) for w in cfg.wrt]
        if cfg.mode == "pushforward":
            args.args = tangent_params + args.args
        else:
            args.args = args.args + tangent_params
        for w in cfg.wrt:
            if w not in params:
                raise ValueError(f"wrt={w!r} is not a parameter")
        fname = self.namer.fresh(f"{cfg.name_prefix}_{self.parsed.name}", numbered=False)
        return gast.FunctionDef(name=fname, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])


def _is_method_pop(call):
    return isinstance(call.func, gast.Attribute) and call.func.attr == "pop"


def _linear_arguments():
    """Functions that are zero when one of these argument positions is zero."""
    import numpy as np

    from . import runtime
    table = {
        np.sum: (0,), np.mean: (0,), np.reshape: (0,), np.transpose: (0,),
        np.matmul: (0, 1), np.dot: (0, 1), np.broadcast_to: (0,),
        runtime.unbroadcast: (0,), runtime.unreduce: (0,), runtime.unindex: (0,),
        runtime.to_shape_of: (0,), runtime.broadcast_like: (0,),
        runtime.matmul_adjoint_a: (0, 2), runtime.matmul_adjoint_b: (0, 1),
        runtime.dot_adjoint_a: (0, 2), runtime.dot_adjoint_b: (0, 1),
    }
    # bilinear helpers of the linear-algebra templates (adjoint, other operand)
    for helper, positions in (("tensordot_adjoint_a", (0, 2)), ("tensordot_adjoint_b", (0, 1)),
                              ("inner_adjoint_a", (0, 2)), ("inner_adjoint_b", (0, 1)),
                              ("kron_adjoint_a", (0, 2)), ("kron_adjoint_b", (0, 1)),
                              ("prod_adjoint", (0,)), ("exclusive_prod_hvp", (0,))):
        if hasattr(runtime, helper):
            table[getattr(runtime, helper)] = positions
    return table


class _LazyLinear(dict):
    def get(self, key, default=None):
        if not self:
            self.update(_linear_arguments())
        try:
            return dict.get(self, key, default)
        except TypeError:
            return default


_LINEAR_ARGUMENTS = _LazyLinear()



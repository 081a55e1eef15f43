"""Stage 3: bind every primitive statement to what differentiates it.

A primitive is the right-hand side of a normalised assignment. `resolve`
answers: which template key (or user function) is it, which operands does it
take, and is its result ever differentiable at all?
"""
import inspect
import operator

import gast

from . import template
from .normalize import is_inactive_whole
from .walk import walk

BINARY_OPERATORS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
}
UNARY_OPERATORS = {gast.USub: operator.neg, gast.UAdd: operator.pos}
# Array methods that mean the same as the NumPy function of the same name,
# with the array as first argument.
METHOD_ALIASES = {"sum", "mean", "max", "min", "prod", "var", "std", "dot", "clip",
                  "squeeze", "cumsum", "cumprod", "trace", "diagonal", "swapaxes",
                  "repeat", "take", "round", "conj", "any", "all", "argmax", "argmin",
                  "nonzero", "argsort", "copy"}
# Methods whose results are never differentiable.
# (x.item() is differentiable, like float(x): it has a template.)
INACTIVE_METHODS = {"argmax", "argmin", "argsort", "nonzero", "any", "all", "tolist",
                    "keys", "index", "count"}


class Primitive:
    """What one normalised right-hand side computes.

    kind: 'template' (key into the template tables), 'user' (a Python
    function we differentiate through), 'inactive' (never differentiable),
    'stop' (stop_gradient), 'unknown' (a callable with neither).
    """

    def __init__(self, kind, key=None, args=(), keywords=None, function=None, label=""):
        self.kind = kind
        self.key = key
        self.args = list(args)
        self.keywords = dict(keywords or {})
        self.function = function
        self.label = label

    def operand_names(self):
        names = []
        for value in list(self.args) + list(self.keywords.values()):
            for node in walk(value):
                if isinstance(node, gast.Name):
                    names.append(node.id)
        return names


def static_value(expr, parsed):
    """The live object a module-level reference names, or raise LookupError."""
    if isinstance(expr, gast.Name):
        return parsed.lookup(expr.id)
    if isinstance(expr, gast.Attribute):
        try:
            return getattr(static_value(expr.value, parsed), expr.attr)
        except AttributeError as exc:
            raise LookupError(str(exc)) from exc
    raise LookupError("not a static reference")


def index_value(index):
    """A subscript's index as an expression that evaluates to it (for
    templates): 1:3 -> slice(1, 3, None)."""
    if isinstance(index, gast.Slice):
        parts = [gast.Constant(value=None, kind=None) if p is None else p
                 for p in (index.lower, index.upper, index.step)]
        return gast.Call(func=gast.Name(id="slice", ctx=gast.Load(), annotation=None,
                                        type_comment=None), args=parts, keywords=[])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(e) for e in index.elts], ctx=gast.Load())
    return index


class Resolver:
    def __init__(self, parsed, locals_):
        self.parsed = parsed
        self.locals = locals_
        self.cache = {}

    def is_static(self, expr):
        if isinstance(expr, gast.Name):
            return expr.id not in self.locals
        if isinstance(expr, gast.Attribute):
            return self.is_static(expr.value)
        return False

    def __call__(self, expr):
        key = id(expr)
        if key not in self.cache:
            self.cache[key] = (expr, self.resolve(expr))
        return self.cache[key][1]

    def resolve(self, expr):
        if isinstance(expr, gast.Constant) or self.is_static(expr):
            return Primitive("inactive", label="constant")
        if isinstance(expr, gast.Name):
            return Primitive("template", "copy", [expr], label="copy")
        if is_inactive_whole(expr, self.locals):
            return Primitive("inactive", label="inactive expression")
        if isinstance(expr, gast.BinOp):
            op = BINARY_OPERATORS.get(type(expr.op))
            if op in (operator.floordiv, operator.mod):
                return Primitive("template", op, [expr.left, expr.right],
                                 label=type(expr.op).__name__)
            return Primitive("template", op, [expr.left, expr.right],
                             label=f"the operator {type(expr.op).__name__}")
        if isinstance(expr, gast.UnaryOp):
            return Primitive("template", UNARY_OPERATORS.get(type(expr.op)), [expr.operand],
                             label="a unary operator")
        if isinstance(expr, gast.Attribute):
            return Primitive("template", f"attr.{expr.attr}", [expr.value],
                             label=f"the attribute .{expr.attr}")
        if isinstance(expr, gast.Subscript):
            return Primitive("template", "getitem", [expr.value, index_value(expr.slice)],
                             label="indexing")
        if isinstance(expr, gast.Tuple):
            return Primitive("template", "tuple", expr.elts, label="a tuple")
        if isinstance(expr, gast.List):
            return Primitive("template", "list", expr.elts, label="a list")
        if isinstance(expr, gast.Dict):  # keys are read from the node itself
            return Primitive("template", "dict", expr.values, label="a dict")
        if isinstance(expr, gast.Call):
            return self.call(expr)
        return Primitive("unknown", label=type(expr).__name__)

    def call(self, expr):
        keywords = {k.arg: k.value for k in expr.keywords}
        func = expr.func
        if self.is_static(func):
            label = _dotted(func)
            try:
                obj = static_value(func, self.parsed)
            except LookupError:
                return Primitive("unknown", args=expr.args, keywords=keywords, label=label)
            return self.callable(obj, expr.args, keywords, label)
        if isinstance(func, gast.Attribute):  # a method of a local value
            method = func.attr
            args = [func.value] + list(expr.args)
            label = f".{method}()"
            if method in INACTIVE_METHODS:
                return Primitive("inactive", label=label)
            key = f"method.{method}"
            if template.reverse_template(key) is None and method in METHOD_ALIASES:
                import numpy as np
                obj = getattr(np, method, None)
                if obj is not None:
                    return self.callable(obj, args, keywords, label)
            return Primitive("template", key, args, keywords, label=label)
        return Primitive("unknown", args=expr.args, keywords=keywords, label=_dotted(func))

    def callable(self, obj, args, keywords, label):
        from .api import stop_gradient
        if obj is stop_gradient:
            return Primitive("stop", args=args, keywords=keywords, label=label)
        if template.reverse_template(obj) is not None or template.forward_template(obj) is not None:
            return Primitive("template", obj, args, keywords, function=obj, label=label)
        if template.is_nondifferentiable(obj):
            return Primitive("inactive", args=args, keywords=keywords, function=obj, label=label)
        target = getattr(obj, "__s2s__", None)
        if target is not None:  # an s2s-generated derivative: its source is known
            return Primitive("user", args=args, keywords=keywords, function=obj, label=label)
        if inspect.isfunction(obj) and _has_source(obj):
            return Primitive("user", args=args, keywords=keywords, function=obj, label=label)
        return Primitive("unknown", args=args, keywords=keywords, function=obj, label=label)


def _has_source(fn):
    try:
        inspect.getsourcefile(fn)
        inspect.getsourcelines(fn)
        return True
    except (OSError, TypeError):
        return False


def _dotted(expr):
    if isinstance(expr, gast.Name):
        return expr.id
    if isinstance(expr, gast.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr}"
    return type(expr).__name__

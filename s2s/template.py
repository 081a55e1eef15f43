"""Derivative templates: small Python functions read as AST and instantiated.

A template is written like

    @adjoint(np.sin)
    def sin(y, x):
        d[x] = d[y] * np.cos(x)

Its first parameter is the primitive's result, the rest bind like the
primitive's own parameters. `d[v]` is the derivative variable of v. Each
`d[v] = expr` states one contribution; the engine decides whether it
initialises or accumulates, and drops contributions to inactive values.
"""
import functools
import inspect
import textwrap

import gast

from .errors import S2SError
from .walk import walk


class _DerivativeMarker:
    """`d` in templates. Never indexed at run time: templates are only read."""

    def __getitem__(self, name):
        raise RuntimeError("d[...] is template notation; it is not evaluated")


d = _DerivativeMarker()

REVERSE = {}  # primitive key -> Template
FORWARD = {}


def _key(fn):
    """Registry key of a primitive: the object itself, or a string for syntax
    ("getitem", "attr.T") and array methods ("method.sum")."""
    return fn


class Template:
    """One parsed template: its parameters, body and the names it reads."""

    def __init__(self, fn, kind):
        self.fn = fn
        self.kind = kind
        self.name = fn.__name__
        self.signature = inspect.signature(fn)
        params = list(self.signature.parameters.values())
        self.result = params[0].name
        self.inputs = inspect.Signature(params[1:])
        self.module_globals = fn.__globals__
        self._body = None

    @property
    def body(self):
        """The template's statements (parsed on first use)."""
        if self._body is None:
            tree = gast.parse(textwrap.dedent(inspect.getsource(self.fn)))
            self._body = tree.body[0].body
            if (self._body and isinstance(self._body[0], gast.Expr)
                    and isinstance(self._body[0].value, gast.Constant)
                    and isinstance(self._body[0].value.value, str)):
                self._body = self._body[1:]  # docstring
        return self._body

    @functools.cached_property
    def primal_reads(self):
        """Parameter names read as primal values (outside d[...])."""
        params = set(self.signature.parameters)
        reads = set()
        for stmt in self.body:
            for node in _walk_outside_d(stmt):
                if isinstance(node, gast.Name) and node.id in params and isinstance(
                        node.ctx, gast.Load):
                    reads.add(node.id)
        return reads

    @functools.cached_property
    def local_names(self):
        """Names the template assigns (each instance renames them afresh)."""
        return tuple(dict.fromkeys(
            node.id for stmt in self.body for node in walk(stmt)
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store)))

    @functools.cached_property
    def _plain_parameters(self):
        """[(name, default)] when every input is an ordinary parameter (no
        *args, **kwargs or keyword-only ones), else None."""
        params = self.inputs.parameters.values()
        if any(p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params):
            return None
        return [(p.name, p.default) for p in params]

    def bind(self, args, keywords):
        """Map parameter name -> argument AST, for a call's args and keywords."""
        plain = self._plain_parameters
        if not keywords and plain is not None and len(args) <= len(plain) and all(
                default is not inspect.Parameter.empty for _, default in plain[len(args):]):
            # positional arguments only: what Signature.bind would give, at a
            # fraction of its cost (it is most of a template's instantiation)
            values = {name: arg for (name, _), arg in zip(plain, args)}
            for name, default in plain[len(args):]:
                values[name] = constant(default)
            return values
        try:
            bound = self.inputs.bind(*args, **keywords)
        except TypeError as exc:
            raise S2SError(f"call does not match the template of {self.name}: {exc}") from exc
        values = {}
        for name, param in self.inputs.parameters.items():
            if name in bound.arguments:
                value = bound.arguments[name]
                if param.kind is inspect.Parameter.VAR_POSITIONAL:
                    value = gast.Tuple(elts=list(value), ctx=gast.Load())
                values[name] = value
            elif param.default is not inspect.Parameter.empty:
                values[name] = constant(param.default)
            else:
                values[name] = gast.Tuple(elts=[], ctx=gast.Load())
        return values


def _walk_outside_d(node):
    """gast.walk that does not descend into d[...] subscripts."""
    todo = [node]
    while todo:
        n = todo.pop()
        if is_d(n):
            continue
        yield n
        todo.extend(gast.iter_child_nodes(n))


def is_d(node):
    """Is node the template notation d[name]?"""
    return (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
            and node.value.id == "d")


def constant(value):
    """An AST for a Python constant; never a negative number node (unparsers
    print Constant(-1.0) ** 2 as -1.0 ** 2)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return gast.UnaryOp(op=gast.USub(), operand=constant(-value))
    if isinstance(value, tuple):
        return gast.Tuple(elts=[constant(v) for v in value], ctx=gast.Load())
    return gast.Constant(value=value, kind=None)


def _register(table, kind, keys):
    def decorate(fn):
        template = Template(fn, kind)
        for key in keys:
            table[_key(key)] = template
        return fn
    return decorate


def adjoint(*primitives):
    """Register a reverse-mode template for each of `primitives`."""
    return _register(REVERSE, "reverse", primitives)


def tangent(*primitives):
    """Register a forward-mode template for each of `primitives`."""
    return _register(FORWARD, "forward", primitives)


# Functions whose results carry no derivative (integers, booleans, random
# numbers, shapes, fresh constants): their calls are always inactive.
NONDIFFERENTIABLE = set()


def nondifferentiable(*fns):
    NONDIFFERENTIABLE.update(fns)


def is_nondifferentiable(fn):
    try:
        if fn in NONDIFFERENTIABLE:
            return True
    except TypeError:  # unhashable callable
        return False
    module = getattr(fn, "__module__", None) or ""
    return module.startswith("numpy.random")


_loaded = False


def load_builtin_templates():
    """Import the templates package once (it registers through the decorators)."""
    global _loaded
    if not _loaded:
        _loaded = True
        import templates  # noqa: F401


def reverse_template(key):
    load_builtin_templates()
    return _lookup(REVERSE, key)


def forward_template(key):
    load_builtin_templates()
    return _lookup(FORWARD, key)


def _lookup(table, key):
    try:
        return table.get(key)
    except TypeError:
        return None

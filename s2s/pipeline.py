"""The whole pipeline for one derivative: parse -> desugar -> normalize ->
resolve/activity -> reverse (or forward) -> emit -> load. Results are cached
per (function, what was asked), weakly on the function."""
import gc
import inspect
import threading
import weakref

import gast

from . import emit
from .desugar import Desugarer
from .errors import UnsupportedError
from .names import Namer, all_names, copy_tree
from .namespace import NamespaceBuilder
from .normalize import Normalizer, normalize
from .parse import parse_function
from .resolve import Resolver
from .reverse import ReverseBuilder, ReverseConfig
from .sink import dropped_assignments, sunk_loops_unneeded
from .walk import name_nodes


class Derivative:
    """A compiled derivative: the function and the source it was made from."""

    def __init__(self, function, source, origin, config):
        self.function = function
        self.source = source
        # weakly: the cache is keyed weakly on the user function, and a strong
        # reference from its own value would keep it alive forever
        self._origin = weakref.ref(origin)
        self.config = config

    @property
    def origin(self):
        return self._origin()


class _FunctionCache:
    """user function -> {config key: Derivative}, kept on the function object
    itself. A derivative's globals reach back to the function's module (and
    so to the function): held in a global table, that path would keep every
    function ever differentiated alive; held by the function, it is a cycle
    that dies with the function."""

    ATTRIBUTE = "__s2s_derivatives__"

    def __init__(self):
        self.functions = weakref.WeakSet()

    def setdefault(self, fn, default):
        self.functions.add(fn)
        return fn.__dict__.setdefault(self.ATTRIBUTE, default)

    def __getitem__(self, fn):
        return fn.__dict__[self.ATTRIBUTE]

    def __contains__(self, fn):
        return self.ATTRIBUTE in getattr(fn, "__dict__", {})

    def __len__(self):
        return len(self.functions)

    def clear(self):
        for fn in list(self.functions):
            fn.__dict__.pop(self.ATTRIBUTE, None)
        self.functions = weakref.WeakSet()


_cache = _FunctionCache()
_lock = threading.RLock()
_in_progress = {}
_building = []  # functions whose derivative is being built, the innermost last


def underlying_function(fn):
    """The plain Python function behind an s2s derivative or the function itself."""
    spec = getattr(fn, "__s2s__", None)
    if spec is not None:
        return spec.derivative().function
    return fn


# The cyclic collector is off while a derivative is built. A build makes
# many small trees that stay alive until it ends, and every collection the
# allocations set off walked all of them again: 5% of compiling 100 user
# statements, 12% of 1,000, and more the larger the function (compile time
# grew faster than the function). A build leaves no cyclic garbage behind
# (recursive inner functions that would be cycles are deleted after use;
# tests/test_pipeline_gc.py checks), so nothing is put off to later.
def derivative(fn, config_key, build):
    """The cached Derivative of fn for config_key, building it if needed."""
    fn = underlying_function(fn)
    with _lock:
        per_function = _cache.setdefault(fn, {})
        if config_key in per_function:
            return per_function[config_key]
        marker = (id(fn), config_key)
        if marker in _in_progress:
            code = fn.__code__
            import linecache
            raise UnsupportedError(
                f"{fn.__qualname__} calls itself on the differentiated path; "
                "recursive functions are not supported (write a loop)",
                code.co_filename, code.co_firstlineno,
                linecache.getline(code.co_filename, code.co_firstlineno) or None)
        _in_progress[marker] = True
        _building.append(fn)
        collecting = gc.isenabled()
        if collecting:
            gc.disable()  # see below
        try:
            result = build(fn)
        finally:
            if collecting:
                gc.enable()
            del _in_progress[marker]
            _building.pop()
        per_function[config_key] = result
        return result


class Prepared:
    """A user function parsed and normalised, ready for a transformer."""

    def __init__(self, fn, keep=()):
        self.parsed = parse_function(fn)
        self.namer = Namer(all_names(self.parsed.node))
        node = Desugarer(self.namer).function(copy_tree(self.parsed.node))
        original = self.parsed.node
        self.parsed.node = node
        try:
            self.normalized = normalize(self.parsed, self.namer)
        finally:
            self.parsed.node = original
        # the normaliser's temporaries (t1, t2, ...): the optimiser may fold
        # them back into the expression that reads them
        self.temporaries = set(self.namer.generated)
        from .versions import rename_versions
        rename_versions(self.normalized, self.namer, keep)
        self.locals = Normalizer(self.parsed, self.namer).locals | {
            n.id for n in name_nodes(self.normalized)
            if isinstance(n.ctx, (gast.Store, gast.Param))}
        self.resolver = Resolver(self.parsed, self.locals)
        self.namespace = NamespaceBuilder(self.parsed, self.namer, self.locals)
        from .inplace import guard_in_place_aliases
        guard_in_place_aliases(self.normalized, self.parsed, self.resolver, self.namer,
                               self.namespace)


def build_reverse(fn, config):
    prepared = Prepared(fn, keep=set(config.wrt) | set(config.stop))
    params = [a.id for a in prepared.normalized.args.args]
    for w in config.wrt:
        if w not in prepared.locals:
            raise ValueError(f"wrt={w!r}: {prepared.parsed.name} has no parameter or "
                             f"local variable of that name (parameters: {', '.join(params)})")
    _check_wrt_locals(prepared, config.wrt + sorted(config.stop))
    _hoisted(prepared, config, keep=set(config.wrt) | set(config.stop))
    builder = ReverseBuilder(prepared.normalized, prepared.parsed, prepared.namer,
                             prepared.resolver, prepared.namespace, config, pullback_of)
    fdef = builder.build()
    if builder.unsaved_zero_reads - config.join_shape_reads:
        # a zero adjoint read a value that a later assignment replaced:
        # build again with those values saved (rare: a reassigned
        # parameter after an early return)
        return build_reverse(fn, _reconfigured(
            config, join_shape_reads=config.join_shape_reads | builder.unsaved_zero_reads))
    sunk = list(builder.sunk.values())
    if sunk and not sunk_loops_unneeded(fdef, sunk, builder.pure):
        # a sunk forward loop's results are read after all: keep the loop
        return build_reverse(fn, _reconfigured(config, sink_loops=False))
    return _finish(fdef, prepared, config, unknown_shapes=dropped_assignments(sunk))


def _reconfigured(config, **changes):
    """A copy of config with some settings changed (for a second build)."""
    import copy
    config = copy.copy(config)
    for setting, value in changes.items():
        setattr(config, setting, value)
    return config


def _hoisted(prepared, config, keep):
    """Loop-invariant statements moved in front of their loops (hoist.py)."""
    if getattr(config, "optimize", True):
        from .hoist import hoist_invariants
        hoist_invariants(prepared.normalized, prepared.parsed, prepared.locals, keep)


def _optimized(fdef, prepared, config, unknown_shapes=()):
    if not getattr(config, "optimize", True):
        return fdef
    from .optimize import adjoint_map, optimize
    derivatives = adjoint_map(prepared.namer)
    # adjoints are named after their variable, but one read once is as good
    # folded into its reader: `dpre = (dlogits @ W2.T) * (1 - h * h)` by hand
    temporaries = prepared.temporaries | set(derivatives)
    return optimize(fdef, prepared.namespace, derivatives, temporaries, unknown_shapes)


def _check_wrt_locals(prepared, names):
    """A local variable can be differentiated against (or held constant) only
    when it has one value: assigned once, outside any loop."""
    params = {a.id for a in prepared.normalized.args.args}
    counts, in_loop = {}, set()

    def visit(body, looping):
        for stmt in body:
            if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Name):
                v = stmt.targets[0].id
                counts[v] = counts.get(v, 0) + 1
                if looping:
                    in_loop.add(v)
            if isinstance(stmt, gast.For):
                counts[stmt.target.id] = counts.get(stmt.target.id, 0) + 1
                in_loop.add(stmt.target.id)
            nested = looping or isinstance(stmt, (gast.For, gast.While))
            for field in ("body", "orelse"):
                visit(getattr(stmt, field, []) or [], nested)
    visit(prepared.normalized.body, False)
    for v in names:
        if v not in prepared.locals:
            raise ValueError(f"{v!r}: {prepared.parsed.name} has no parameter or local "
                             f"variable of that name (parameters: {', '.join(sorted(params))})")
        if v in params:
            continue  # a parameter's value is the one passed in
        if v in in_loop:
            raise ValueError(f"the local variable {v!r} is assigned inside a loop: it has "
                             "one value per iteration, so a gradient w.r.t. it is ambiguous")
        if counts.get(v, 0) > 1:
            raise ValueError(f"the local variable {v!r} is assigned {counts[v]} times: a "
                             "gradient w.r.t. it is ambiguous; give each value its own name")


def _finish(fdef, prepared, config, unknown_shapes=()):
    fdef = _optimized(fdef, prepared, config, unknown_shapes)
    emit.add_comments(fdef, prepared.parsed.location)
    source = emit.to_source(fdef)
    referenced = {n.id for n in name_nodes(fdef)}
    function = emit.load(source, fdef.name, prepared.namespace.build(referenced),
                         prepared.parsed.globals)
    result = Derivative(function, source, prepared.parsed.fn, config)
    function.__s2s_derivative__ = result
    return result


def _refuse_recursion(target, stmt):
    """A call, in the function whose derivative is being built, to a function
    whose derivative is already being built (itself, or a caller of it): an
    UnsupportedError naming the call's file, line and text."""
    if not any(f is target for f in _building):
        return
    import linecache
    from .normalize import origin_of
    caller = inspect.unwrap(_building[-1])
    filename = caller.__code__.co_filename
    lineno = origin_of(stmt) or getattr(stmt, "lineno", None) or caller.__code__.co_firstlineno
    start = next(i for i, f in enumerate(_building) if f is target)
    chain = [inspect.unwrap(f).__qualname__ for f in _building[start:]]
    name = inspect.unwrap(target).__qualname__
    how = ("calls itself" if len(chain) == 1 else
           f"calls {name} recursively ({' -> '.join(chain + [name])})")
    raise UnsupportedError(
        f"{caller.__qualname__} {how} on the differentiated path; recursive functions "
        "are not supported (write a loop)",
        filename, lineno, linecache.getline(filename, lineno) or None)


def pullback_of(function, active, stmt):
    """The generated pullback of a user function for the given active
    arguments (positions or keyword names): cotangent first, then the
    function's own parameters; returns the adjoints of the active ones."""
    target = underlying_function(function)
    _refuse_recursion(target, stmt)
    names = list(inspect.signature(target).parameters)
    wrt = tuple(names[k] if isinstance(k, int) else k for k in active)
    config = ReverseConfig(wrt, mode="pullback", seed="cotangent", name_prefix="vjp",
                           multiple=len(wrt) > 1)
    key = ("pullback", wrt)
    return derivative(target, key, lambda fn: build_reverse(fn, config)).function


def build_forward(fn, config):
    from .forward import ForwardBuilder
    prepared = Prepared(fn)
    params = [a.id for a in prepared.normalized.args.args]
    for w in config.wrt:
        if w not in params:
            raise ValueError(f"wrt={w!r}: {prepared.parsed.name} has no parameter of that "
                             f"name (parameters: {', '.join(params)})")
    _hoisted(prepared, config, keep=set(config.wrt))
    builder = ForwardBuilder(prepared.normalized, prepared.parsed, prepared.namer,
                             prepared.resolver, prepared.namespace, config, pushforward_of)
    fdef = builder.build()
    return _finish(fdef, prepared, config)


def pushforward_of(function, active, stmt):
    """The generated forward-mode function of a user function: tangents of
    the active arguments first, then its own parameters; returns (value,
    tangent)."""
    from .forward import ForwardConfig
    target = underlying_function(function)
    _refuse_recursion(target, stmt)
    names = list(inspect.signature(target).parameters)
    wrt = tuple(names[k] if isinstance(k, int) else k for k in active)
    config = ForwardConfig(wrt, mode="pushforward", name_prefix="jvp")
    key = ("pushforward", wrt)
    return derivative(target, key, lambda fn: build_forward(fn, config)).function

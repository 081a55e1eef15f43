"""Hypothesis strategies that write small random Python/NumPy modules in the
language s2s supports, with inputs in safe domains.

A program is a module `import numpy as np`, zero to two helper functions and
a function `f` whose float parameters are differentiated. Shapes are drawn
from a family that always broadcasts together -- (), (3,), (1, 3), (2, 3) --
and the generator tracks each variable's shape so that every program runs.
It also tracks a crude bound on each value's magnitude (inputs are in
[-1.5, 1.5]) and keeps it small, so that finite differences stay accurate:
exp only of bounded values, log and sqrt only of values >= 1, division only
by values >= 1, and updates inside loops that cannot blow up.

Every choice is an integer drawn from hypothesis, simplest first, so a
failing program shrinks to few statements and plain operations.

Features (each can be switched off, see FEATURES): if on data, conditional
expressions, while with a data-dependent but bounded trip count, for over
range (constant or an int parameter), for over an array's rows, break,
continue, early return, overwritten variables, helper calls, reductions,
np.maximum/np.minimum, indexing, tuple results, products (dot: np.dot of
vectors, `a @ M` and `m @ x` with constant matrices), loops that may run zero
times (zero_trip: a while whose test fails at once, range(n) with n = 0),
if statements and conditional expressions inside loops (branch_in_loop), and
more NumPy (extra_ops: where, square, abs, clip, hypot, arctan, logaddexp,
cumsum, flip, max/min/prod/var/std reductions, linalg.norm), and softmax or
log-softmax stabilised by subtracting the maximum (softmax: the shape s2s
holds constant, and near misses where the maximum is read again).

Augmented assignment (`v += e`) is only written for scalars: on an array
that aliases another (a row of `for r in x`, `v = x`, `v = x[0]`) Python
modifies the other array in place, which s2s does not model.
"""
import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

SHAPES = [(), (3,), (1, 3), (2, 3)]
FEATURES = ("if", "ifexp", "while", "for_range", "for_rows", "break", "continue",
            "early_return", "overwrite", "reassign_params", "helpers", "reductions",
            "maximum", "index", "tuple_return", "int_param", "methods", "pow", "dot",
            "zero_trip", "branch_in_loop", "extra_ops", "softmax")
CONSTANTS = ["0.5", "2.0", "1.5", "(-1.0)", "3.0", "0.25"]
# a constant matrix for `a @ MATRIX` (rows sum to at most 1.5 in absolute value)
MATRIX = "np.array([[0.5, -0.25, 0.1], [0.2, 0.3, -0.4], [-0.1, 0.6, 0.25]])"
BOUND_LIMIT = 30.0  # a value whose bound exceeds this is scaled down
INPUT_RANGE = 1.5


def broadcast(*shapes):
    return tuple(np.broadcast_shapes(*shapes))


def compatible(shape, target):
    """Does a value of `shape` combine with one of `target` into `target`?"""
    try:
        return broadcast(shape, target) == tuple(target)
    except ValueError:
        return False


@dataclass
class Expr:
    src: str
    shape: tuple
    bound: float


@dataclass
class Var:
    shape: tuple = ()
    bound: float = 1.0
    kind: str = "float"  # float | int (an int parameter or loop index)


@dataclass
class Helper:
    name: str
    params: list  # shapes
    shape: tuple  # of the result
    bound: float


@dataclass
class Program:
    source: str
    params: list  # (name, shape) with shape None for an int parameter
    args: list
    features: set = field(default_factory=set)

    @property
    def wrt(self):
        return tuple(name for name, shape in self.params if shape is not None)

    def __repr__(self):  # what hypothesis prints for a falsifying example
        return f"Program(\n{self.source}\nargs={self.args!r})"


class Context:
    """Where a statement goes: indentation, enclosing loops, what it may touch."""

    def __init__(self, indent=1, loop=None, fixed=frozenset(), function="f",
                 ret_shape=None, depth=0):
        self.indent = indent
        self.loop = loop  # None, or (kind, index var or None)
        self.fixed = fixed  # names defined outside the block: shape-preserving updates only
        self.function = function
        self.ret_shape = ret_shape  # a helper's result shape (early returns match it)
        self.depth = depth  # nesting depth of blocks

    def inner(self, env, loop=None):
        return Context(self.indent + 1, loop if loop is not None else self.loop,
                       frozenset(env), self.function, self.ret_shape, self.depth + 1)


class Generator:
    def __init__(self, draw, features):
        self.draw = draw
        self.features = set(features)
        self.used = set()
        self.counter = 0
        self.helpers = []
        self.returns_tuple = False
        self.params = set()  # of the function being written

    # ---- choices (all shrink towards the first option / False) ------------
    def pick(self, options):
        return options[self.draw(st.integers(0, len(options) - 1))]

    def chance(self, percent):
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def count(self, low, high):
        return self.draw(st.integers(low, high))

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def has(self, feature):
        return feature in self.features

    def use(self, feature):
        self.used.add(feature)

    # ---- expressions -------------------------------------------------------
    def leaves(self, env, target):
        return [name for name, var in sorted(env.items())
                if var.kind == "float" and compatible(var.shape, target)]

    def leaf(self, env, target):
        names = self.leaves(env, target)
        ints = [name for name, var in sorted(env.items()) if var.kind == "int"]
        kind = self.pick(["var", "const", "int"])
        if kind == "int" and ints:
            name = self.pick(ints)
            return Expr(f"(0.5 * {name})", (), 2.0)
        if kind != "const" and names:
            name = self.pick(names)
            return Expr(name, env[name].shape, env[name].bound)
        const = self.pick(CONSTANTS)
        return Expr(const, (), abs(float(const.strip("()"))))

    def expr(self, env, target, depth=0):
        """An expression whose shape is compatible with target."""
        if depth >= 3 or not self.chance(70 - 20 * depth):
            return self.leaf(env, target)
        kinds = ["binop", "unary", "div"]
        if self.has("reductions"):
            kinds.append("reduce")
        if self.has("maximum"):
            kinds.append("maximum")
        if self.has("index"):
            kinds.append("index")
        if self.has("helpers") and self.helpers:
            kinds.append("call")
        if self.has("pow"):
            kinds.append("pow")
        if self.has("dot"):
            kinds.append("dot")
        if self.has("methods"):
            kinds.append("method")
        if self.has("extra_ops"):
            kinds += ["extra", "extra_reduce"]
        kind = self.pick(kinds)
        return getattr(self, "expr_" + kind)(env, target, depth + 1)

    def expr_binop(self, env, target, depth):
        op = self.pick(["+", "*", "-"])
        a, b = self.expr(env, target, depth), self.expr(env, target, depth)
        bound = a.bound * b.bound if op == "*" else a.bound + b.bound
        return self.scaled(Expr(f"({a.src} {op} {b.src})", broadcast(a.shape, b.shape), bound))

    def expr_div(self, env, target, depth):
        a, b = self.expr(env, target, depth), self.expr(env, target, depth)
        return Expr(f"({a.src} / (1.0 + {b.src} * {b.src}))", broadcast(a.shape, b.shape),
                    a.bound)

    def expr_unary(self, env, target, depth):
        a = self.expr(env, target, depth)
        fn = self.pick(["np.sin", "np.cos", "np.tanh", "-", "np.exp", "np.log", "np.sqrt"])
        if fn == "-":
            return Expr(f"(-{a.src})", a.shape, a.bound)
        if fn in ("np.sin", "np.cos", "np.tanh"):
            return Expr(f"{fn}({a.src})", a.shape, 1.0)
        if fn == "np.exp":
            if a.bound > 3.0:
                return Expr(f"np.exp(np.tanh({a.src}))", a.shape, math.e)
            return Expr(f"np.exp({a.src})", a.shape, math.exp(a.bound))
        positive = f"(1.0 + {a.src} * {a.src})"  # >= 1: log and sqrt are smooth there
        if fn == "np.log":
            return Expr(f"np.log{positive}", a.shape, math.log(1.0 + a.bound ** 2))
        return Expr(f"np.sqrt{positive}", a.shape, math.sqrt(1.0 + a.bound ** 2))

    def expr_reduce(self, env, target, depth):
        self.use("reductions")
        a = self.expr(env, (2, 3), depth)
        fn = self.pick(["np.sum", "np.mean", "np.sum0"])
        if fn == "np.sum0" and len(a.shape) == 2 and compatible((3,), target):
            return Expr(f"np.sum({a.src}, axis=0)", (3,), a.bound * a.shape[0])
        if fn == "np.mean":
            return Expr(f"np.mean({a.src})", (), a.bound)
        size = int(np.prod(a.shape)) if a.shape else 1
        return self.scaled(Expr(f"np.sum({a.src})", (), a.bound * size))

    def expr_maximum(self, env, target, depth):
        self.use("maximum")
        fn = self.pick(["np.maximum", "np.minimum"])
        a, b = self.expr(env, target, depth), self.expr(env, target, depth)
        return Expr(f"{fn}({a.src}, {b.src})", broadcast(a.shape, b.shape),
                    max(a.bound, b.bound))

    def expr_index(self, env, target, depth):
        rows = [name for name, var in sorted(env.items()) if var.kind == "float"
                and var.shape and compatible(var.shape[1:], target)]
        if not rows:
            return self.leaf(env, target)
        self.use("index")
        name = self.pick(rows)
        var = env[name]
        index = self.pick(["0", "-1", "1"][:2 if var.shape[0] == 1 else 3])
        return Expr(f"{name}[{index}]", var.shape[1:], var.bound)

    def expr_call(self, env, target, depth):
        helpers = [h for h in self.helpers if compatible(h.shape, target)]
        if not helpers:
            return self.leaf(env, target)
        self.use("helpers")
        helper = self.pick(helpers)
        args = [self.exact(env, shape, depth) for shape in helper.params]
        return Expr(f"{helper.name}({', '.join(a.src for a in args)})", helper.shape,
                    helper.bound)

    def expr_pow(self, env, target, depth):
        self.use("pow")
        a = self.expr(env, target, depth)
        power = self.pick(["2", "3"])
        return self.scaled(Expr(f"({a.src} ** {power})", a.shape, a.bound ** int(power)))

    def expr_dot(self, env, target, depth):
        form = self.pick(["dot", "matmul", "matmul_left"])
        if form == "matmul":  # a @ M keeps a's shape: (3,), (1, 3), (2, 3)
            a = self.expr(env, target, depth)
            if a.shape and a.shape[-1] == 3:
                self.use("dot")
                return Expr(f"({a.src} @ {MATRIX})", a.shape, 1.5 * a.bound)
        if form == "matmul_left":  # the matrix on the right of @: (1, 2) @ (2, 3)
            rows = [name for name, var in sorted(env.items())
                    if var.kind == "float" and var.shape == (2, 3)]
            if rows and compatible((1, 3), target):
                self.use("dot")
                name = self.pick(rows)
                return Expr(f"(np.array([[0.5, -0.75]]) @ {name})", (1, 3),
                            1.25 * env[name].bound)
        vectors = [name for name, var in sorted(env.items())
                   if var.kind == "float" and var.shape == (3,)]
        if not vectors:
            return self.leaf(env, target)
        self.use("dot")
        a, b = self.pick(vectors), self.pick(vectors)
        return self.scaled(Expr(f"np.dot({a}, {b})", (), 3 * env[a].bound * env[b].bound))

    def expr_method(self, env, target, depth):
        names = [name for name, var in sorted(env.items()) if var.kind == "float" and var.shape]
        if not names:
            return self.leaf(env, target)
        self.use("methods")
        name = self.pick(names)
        var = env[name]
        method = self.pick(["sum", "mean"])
        size = int(np.prod(var.shape)) if var.shape else 1
        return self.scaled(Expr(f"{name}.{method}()", (),
                                var.bound * (size if method == "sum" else 1)))

    def expr_extra(self, env, target, depth):
        self.use("extra_ops")
        fn = self.pick(["where", "square", "abs", "clip", "hypot", "arctan", "logaddexp",
                        "cumsum", "flip"])
        a = self.expr(env, target, depth)
        if fn in ("where", "hypot", "logaddexp"):
            b = self.expr(env, target, depth)
            shape = broadcast(a.shape, b.shape)
            if fn == "where":
                # of scalars, np.where gives a 0-d array, which `v += e` would
                # change in place (aliases and all): + 0.0 makes it a scalar
                scalar = " + 0.0" if not shape else ""
                return Expr(f"(np.where({a.src} > {b.src}, {a.src}, {b.src} * 0.5){scalar})",
                            shape, max(a.bound, b.bound))
            if fn == "hypot":  # smooth away from (0, 0)
                return Expr(f"np.hypot({a.src}, 1.0 + {b.src} * {b.src})", shape,
                            a.bound + 1.0 + b.bound ** 2)
            return self.scaled(Expr(f"np.logaddexp({a.src}, {b.src})", shape,
                                    max(a.bound, b.bound) + 1.0))
        if fn == "square":
            return self.scaled(Expr(f"np.square({a.src})", a.shape, a.bound ** 2))
        if fn == "abs":
            return Expr(f"np.abs({a.src})", a.shape, a.bound)
        if fn == "clip":
            return Expr(f"np.clip({a.src}, -0.5, 0.75)", a.shape, 0.75)
        if fn == "arctan":
            return Expr(f"np.arctan({a.src})", a.shape, 2.0)
        if not a.shape:
            return a
        if fn == "cumsum":
            return self.scaled(Expr(f"np.cumsum({a.src}, axis=-1)", a.shape,
                                    a.bound * a.shape[-1]))
        return Expr(f"np.flip({a.src})", a.shape, a.bound)

    def expr_extra_reduce(self, env, target, depth):
        self.use("extra_ops")
        fn = self.pick(["np.max", "np.min", "np.prod", "np.var", "np.std", "np.linalg.norm"])
        a = self.expr(env, (2, 3), depth)
        size = int(np.prod(a.shape)) if a.shape else 1
        if fn == "np.prod":
            return self.scaled(Expr(f"np.prod({a.src})", (), a.bound ** size))
        if fn == "np.std":  # smooth while the elements differ: add a spread
            spread = "np.arange(6.0).reshape(2, 3)" if a.shape else "0.0"
            return Expr(f"np.std({a.src} + {spread})", (), a.bound + 5.0)
        if fn == "np.linalg.norm":  # smooth away from zero
            return Expr(f"np.linalg.norm(1.0 + {a.src} * {a.src})", (),
                        (1.0 + a.bound ** 2) * size)
        if fn == "np.var":
            return self.scaled(Expr(f"np.var({a.src})", (), a.bound ** 2))
        return Expr(f"{fn}({a.src})", (), a.bound)

    def with_var(self, env, target):
        """An expression that surely reads a variable (when there is one)."""
        names = self.leaves(env, target)
        e = self.expr(env, target)
        if not names:
            return e
        name = self.pick(names)
        op = self.pick(["+", "*", "-"])
        var = env[name]
        bound = var.bound * e.bound if op == "*" else var.bound + e.bound
        return self.scaled(Expr(f"({name} {op} {e.src})", broadcast(var.shape, e.shape), bound))

    def exact(self, env, shape, depth=0):
        """An expression of exactly `shape` (broadcast up with zeros if needed)."""
        a = self.expr(env, shape, depth)
        if a.shape != tuple(shape):
            a = Expr(f"({a.src} + np.zeros({shape!r}))", tuple(shape), a.bound)
        return a

    def scaled(self, e):
        if e.bound <= BOUND_LIMIT:
            return e
        factor = 10.0 ** -math.ceil(math.log10(e.bound))
        return Expr(f"({e.src} * {factor!r})", e.shape, e.bound * factor)

    def condition(self, env, ctx):
        kind = self.pick(["data", "data", "int"])
        ints = [name for name, var in sorted(env.items()) if var.kind == "int"]
        if kind == "int" and ints:
            name = self.pick(ints)
            return f"{name} {self.pick(['>', '==', '<'])} {self.pick(['1', '0', '2'])}"
        a = self.with_var(env, (2, 3))
        reduce = self.pick(["np.sum", "np.mean"])
        return f"{reduce}({a.src}) {self.pick(['>', '<'])} {self.pick(['0.0', '0.5', '-0.5'])}"

    # ---- statements ----------------------------------------------------------
    def line(self, ctx, text):
        return "    " * ctx.indent + text

    def block(self, env, ctx, low=1, high=4):
        lines = []
        for _ in range(self.count(low, high)):
            lines += self.statement(env, ctx)
        if not lines:
            lines = [self.line(ctx, "pass")]
        return lines

    def targets(self, env):
        """Float variables a statement may assign again."""
        return sorted(n for n, v in env.items() if v.kind == "float"
                      and (n not in self.params or self.has("reassign_params")))

    def statement(self, env, ctx):
        kinds = ["assign", "assign", "assign"]
        floats = self.targets(env)
        if floats:
            kinds += ["update", "update", "update"]
        if self.has("overwrite") and floats and not ctx.fixed:
            kinds.append("overwrite")
        branch = ctx.loop is None or self.has("branch_in_loop")
        if ctx.depth < 2:
            for feature in ("if", "while", "for_range", "for_rows"):
                if self.has(feature) and (feature != "if" or branch):
                    kinds.append(feature)
            if self.has("ifexp") and floats and branch:
                kinds.append("ifexp")
        if ctx.loop is not None:
            for feature in ("break", "continue"):
                if self.has(feature):
                    kinds.append(feature)
        if self.has("early_return") and (ctx.function == "f" or ctx.ret_shape is not None):
            kinds.append("early_return")
        if self.has("softmax"):
            kinds.append("softmax")
        kind = self.pick(kinds)
        return getattr(self, "stmt_" + kind)(env, ctx)

    def stmt_assign(self, env, ctx):
        name = self.fresh("v")
        e = self.expr(env, self.pick(SHAPES))
        env[name] = Var(e.shape, e.bound)
        return [self.line(ctx, f"{name} = {e.src}")]

    def stmt_softmax(self, env, ctx):
        """a = ...; m = max(a); z = a - m; then softmax or log-softmax of z."""
        self.use("softmax")
        a, m, z, out = (self.fresh(p) for p in ("v", "v", "v", "v"))
        e = self.expr(env, self.pick(SHAPES))
        if e.shape:
            axis = ", axis=-1, keepdims=True"
            maximum = self.pick([f"np.max({a}{axis})", f"{a}.max(axis=-1, keepdims=True)"])
        else:
            axis, maximum = "", f"np.max({a})"
        lines = [f"{a} = {e.src}", f"{m} = {maximum}", f"{z} = {a} - {m}"]
        if self.pick(["log", "soft"]) == "log":
            lines.append(f"{out} = {z} - np.log(np.sum(np.exp({z}){axis}))")
            bound = 2.0 * e.bound + 2.0
        else:
            exp = self.fresh("v")
            lines += [f"{exp} = np.exp({z})", f"{out} = {exp} / np.sum({exp}{axis})"]
            bound = 1.0
        if self.chance(20):  # a near miss: the maximum matters again
            lines[-1] += f" + 0.25 * {m}"
            bound += e.bound
        env[a] = Var(e.shape, e.bound)  # (m's shape is outside the family: not reused)
        env[z] = Var(e.shape, 2.0 * e.bound)
        env[out] = Var(e.shape, bound)
        return [self.line(ctx, text) for text in lines]

    def stmt_overwrite(self, env, ctx):
        """name = anything (top level of a function only: the shape may change)."""
        self.use("overwrite")
        name = self.pick(self.targets(env))
        if name in self.params:
            self.use("reassign_params")
        e = self.expr(env, self.pick(SHAPES))
        env[name] = Var(e.shape, e.bound)
        return [self.line(ctx, f"{name} = {e.src}")]

    def update(self, env, ctx, name):
        """A shape-preserving update of name that cannot blow up in a loop."""
        var = env[name]
        e = self.expr(env, var.shape)
        form = self.pick(["tanh", "mix", "cos", "add", "op", "aug"])
        if form == "tanh":
            op = self.pick(["+", "*", "-"])
            text, bound = f"{name} = np.tanh({name} {op} {e.src})", 1.0
        elif form == "mix":
            text, bound = f"{name} = 0.5 * {name} + 0.5 * np.sin({e.src})", max(var.bound, 1.0)
        elif form == "cos":
            text, bound = f"{name} = {name} * np.cos({e.src})", var.bound
        elif form == "aug" and var.shape == ():
            op = self.pick(["+=", "*=", "-="])
            right = f"np.tanh({e.src})" if op != "*=" else f"np.cos({e.src})"
            text, bound = f"{name} {op} {right}", var.bound + 1.0
        elif form in ("add", "aug"):
            text, bound = f"{name} = {name} + 0.25 * np.tanh({e.src})", var.bound + 1.0
        else:  # outside loops anything goes, as long as the shape stays
            if ctx.loop is not None:
                text, bound = f"{name} = {name} * np.tanh({e.src})", var.bound
            else:
                op = self.pick(["+", "*", "-"])
                bound = var.bound * e.bound if op == "*" else var.bound + e.bound
                scaled = self.scaled(Expr(f"{name} {op} {e.src}", var.shape, bound))
                text, bound = f"{name} = {scaled.src}", scaled.bound
        env[name] = Var(var.shape, bound)
        return [self.line(ctx, text)]

    def stmt_update(self, env, ctx):
        name = self.pick(self.targets(env))
        if name in self.params:
            self.use("reassign_params")
        return self.update(env, ctx, name)

    def stmt_ifexp(self, env, ctx):
        self.use("ifexp")
        if ctx.loop is not None:
            self.use("branch_in_loop")
        name = self.pick(self.targets(env))
        if name in self.params:
            self.use("reassign_params")
        var = env[name]
        a, b = self.expr(env, var.shape), self.expr(env, var.shape)
        cond = self.condition(env, ctx)
        if ctx.loop is not None:  # bounded, as loop updates must be
            env[name] = Var(var.shape, max(var.bound, 1.0) + 1.0)
            return [self.line(ctx, f"{name} = np.tanh({name} * {a.src}) if {cond} "
                                   f"else {name} + 0.25 * np.tanh({b.src})")]
        e = self.scaled(Expr(f"({name} * {a.src} if {cond} else {name} + {b.src})",
                             var.shape, max(var.bound * a.bound, var.bound + b.bound)))
        env[name] = Var(var.shape, e.bound)
        return [self.line(ctx, f"{name} = {e.src}")]

    def merge(self, env, *branches):
        """After a block: outer variables keep their shape, take the worst bound."""
        for name in list(env):
            bounds = [b[name].bound for b in branches if name in b]
            env[name] = Var(env[name].shape, max([env[name].bound] + bounds), env[name].kind)

    def stmt_if(self, env, ctx):
        self.use("if")
        if ctx.loop is not None:
            self.use("branch_in_loop")
        cond = self.condition(env, ctx)
        body_env, else_env = dict(env), dict(env)
        inner = ctx.inner(env)
        lines = [self.line(ctx, f"if {cond}:")] + self.block(body_env, inner, 1, 3)
        if self.chance(50):
            lines += [self.line(ctx, "else:")] + self.block(else_env, inner, 1, 3)
        self.merge(env, body_env, else_env)
        return lines

    def loop_body(self, env, ctx, loop, trips, first=()):
        """A loop body run up to `trips` times (`first`: lines it starts
        with). Variables defined in it stay in it; the bounds of outer ones
        grow as if each iteration grew them as much as the first."""
        body_env = dict(env)
        lines = list(first) + self.block(body_env, ctx.inner(env, loop), 1, 3)
        for name, var in env.items():
            after = body_env[name].bound
            growth = max(after / var.bound if var.bound else 1.0, 1.0)
            env[name] = Var(var.shape, max(var.bound, after) * growth ** max(trips - 1, 0),
                            var.kind)
        return lines

    def stmt_while(self, env, ctx):
        self.use("while")
        floats = sorted(n for n, v in env.items() if v.kind == "float")
        counter = self.fresh("count")
        trips = self.pick([2, 3, 4])
        limit = self.pick(["10.0", "2.0", "50.0"])
        inner = ctx.inner(env, ("while", None))
        env[counter] = Var((), trips, "int")
        # the counter goes up first, so that a continue cannot skip it
        first = [self.line(inner, f"{counter} += 1")]
        floats = self.targets(env)
        if floats:
            name = self.pick(floats)
            if name in self.params:
                self.use("reassign_params")
            test = f"np.sum({name} * {name}) < {limit} and {counter} < {trips}"
            if not self.has("zero_trip"):  # the first trip always runs
                test = f"({counter} < 1 or np.sum({name} * {name}) < {limit}) and {counter} < {trips}"
            first.append(self.line(inner, f"{name} = {name} * 1.5"))
            env[name] = Var(env[name].shape, env[name].bound * 1.5, "float")
        else:
            test = f"{counter} < {trips}"
        lines = [self.line(ctx, f"{counter} = 0"), self.line(ctx, f"while {test}:")]
        return lines + self.loop_body(env, ctx, ("while", None), trips, first)

    def stmt_for_range(self, env, ctx):
        self.use("for_range")
        index = self.fresh("i")
        ints = [n for n, v in env.items() if v.kind == "int" and n == "n"]
        trips = self.pick([2, 3, 1, "n"])
        if trips == "n" and not ints:
            trips = 2
        line = self.line(ctx, f"for {index} in range({trips}):")
        env[index] = Var((), 3.0, "int")
        lines = self.loop_body(env, ctx, ("for", index), 3 if trips == "n" else trips)
        del env[index]  # not bound after range(0)
        return [line] + lines

    def stmt_for_rows(self, env, ctx):
        arrays = sorted(n for n, v in env.items() if v.kind == "float" and v.shape)
        if not arrays:
            return self.stmt_assign(env, ctx)
        self.use("for_rows")
        seq = self.pick(arrays)
        row = self.fresh("r")
        line = self.line(ctx, f"for {row} in {seq}:")
        env[row] = Var(env[seq].shape[1:], env[seq].bound)
        lines = self.loop_body(env, ctx, ("for", None), env[seq].shape[0])
        del env[row]
        return [line] + lines

    def stmt_break(self, env, ctx):
        self.use("break")
        return self.jump(env, ctx, "break")

    def stmt_continue(self, env, ctx):
        self.use("continue")
        return self.jump(env, ctx, "continue")

    def jump(self, env, ctx, word):
        kind, index = ctx.loop
        if index is not None and self.chance(50):
            cond = f"{index} == {self.pick(['1', '0', '2'])}"
        else:
            cond = self.condition(env, ctx)
        return [self.line(ctx, f"if {cond}:"), self.line(ctx.inner(env), word)]

    def stmt_early_return(self, env, ctx):
        self.use("early_return")
        cond = self.condition(env, ctx)
        if ctx.ret_shape is not None:
            value = self.exact(env, ctx.ret_shape).src
        elif self.returns_tuple:
            value = ", ".join(self.expr(env, self.pick(SHAPES)).src for _ in range(2))
        else:
            value = self.expr(env, self.pick(SHAPES)).src
        return [self.line(ctx, f"if {cond}:"), self.line(ctx.inner(env), f"return {value}")]

    # ---- functions -------------------------------------------------------------
    def helper(self, index):
        name = f"h{index}"
        shapes = [self.pick(SHAPES) for _ in range(self.count(1, 2))]
        params = [f"a{k}" for k in range(len(shapes))]
        env = {p: Var(s, BOUND_LIMIT) for p, s in zip(params, shapes)}
        self.params = set(params)
        ret_shape = self.pick(SHAPES)
        ctx = Context(function=name, ret_shape=ret_shape)
        body = self.block(env, ctx, 0, 3)
        result = self.exact(env, ret_shape)
        if not self.leaves(env, ret_shape) or self.chance(50):
            result = self.with_var(env, ret_shape)
            if result.shape != ret_shape:
                result = Expr(f"({result.src} + np.zeros({ret_shape!r}))", ret_shape,
                              result.bound)
        lines = [f"def {name}({', '.join(params)}):"] + body + [f"    return {result.src}"]
        # callers see a value no bigger than the worst early return
        self.helpers.append(Helper(name, shapes, ret_shape, max(result.bound, 30.0)))
        return lines

    def program(self):
        lines = ["import numpy as np", ""]
        if self.has("helpers"):
            for index in range(self.count(0, 2)):
                lines += ["", *self.helper(index), ""]
        params = [(f"x{k}", self.pick(SHAPES)) for k in range(self.count(1, 3))]
        if self.has("int_param") and self.chance(30):
            self.use("int_param")
            params.append(("n", None))
        self.returns_tuple = self.has("tuple_return") and self.chance(15)
        env = {}
        self.params = {name for name, _ in params}
        for name, shape in params:
            env[name] = Var(shape, INPUT_RANGE) if shape is not None else Var((), 3.0, "int")
        ctx = Context()
        body = self.block(env, ctx, 1, 6)
        if self.returns_tuple:
            self.use("tuple_return")
            result = ", ".join(self.with_var(env, self.pick(SHAPES)).src for _ in range(2))
        else:
            result = self.with_var(env, self.pick(SHAPES)).src
        signature = ", ".join(name for name, _ in params)
        lines += ["", f"def f({signature}):"] + body + [f"    return {result}", ""]
        return "\n".join(lines), params


@st.composite
def programs(draw, features=FEATURES):
    """A Program: module source, f's parameters and arguments."""
    gen = Generator(draw, features)
    source, params = gen.program()
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    args = []
    for name, shape in params:
        if shape is None:
            args.append(draw(st.integers(0 if "zero_trip" in features else 1, 3)))
        elif shape == ():
            args.append(float(rng.uniform(-INPUT_RANGE, INPUT_RANGE)))
        else:
            args.append(rng.uniform(-INPUT_RANGE, INPUT_RANGE, size=shape))
    return Program(source, params, args, gen.used)

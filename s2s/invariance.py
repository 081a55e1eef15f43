"""Shifts a softmax cannot see: values whose adjoint is exactly zero.

softmax(x - m) and log_softmax(x - m) over axes A do not depend on m when m
is constant along A: exp(-m) cancels in the normalisation. Code written for
numerical stability subtracts such an m, the maximum over A,

    m = np.max(x, axis=A, keepdims=True)
    z = x - m
    logp = z - np.log(np.sum(np.exp(z), axis=A, keepdims=True))   # or
    p = np.exp(z) / np.sum(np.exp(z), axis=A, keepdims=True)

and differentiating it as written sends through m an adjoint that is zero
in exact arithmetic (-sum over A of z's adjoint) and rounding in practice,
after computing it and splitting it between the maxima's ties. TensorFlow's
and JAX's own log-softmax hold the maximum constant for this reason. s2s does
the same for the code a user writes: `shift_constants` finds such m and the
reverse transform treats them as stop_gradient. The gradient is the same (in
exact arithmetic: identical), with two reductions and a tie count fewer.

It matches the normalised three-address form, where each step above is one
statement. m qualifies when it is a keepdims reduction over axes including A
(or over all axes), read only by `z = x - m`, and every intermediate is
assigned once and read only inside the pattern.
"""
import gast
import numpy as np

from .walk import name_nodes

# Reductions whose keepdims result is constant along the reduced axes.
_REDUCTIONS = {np.max, np.amax, np.min, np.amin, np.sum, np.mean,
               "method.max", "method.min", "method.sum", "method.mean"}
_SUMS = {np.sum, "method.sum"}
_ALL_AXES = "all"  # axis=None


def shift_constants(body, resolver, differentiated=()):
    """Names of values a softmax or log-softmax is invariant to (see above)."""
    finder = _Finder(body, resolver)
    found = set()
    for stmt in finder.assignments.values():
        m = finder.shift_of_normaliser(stmt)
        if m is not None and m not in differentiated:
            found.add(m)
    return found


class _Finder:
    def __init__(self, body, resolver):
        self.resolver = resolver
        self.assignments = {}  # name -> its one assignment (None: assigned more than once)
        self.reads = {}        # name -> how many times it is read
        self.position = {}     # statement id -> (block id, index in block)
        self._index(body)

    def _index(self, body):
        for index, stmt in enumerate(body):
            self.position[id(stmt)] = (id(body), index)
            if isinstance(stmt, gast.Assign):
                own = [stmt.value]
                single = len(stmt.targets) == 1 and isinstance(stmt.targets[0], gast.Name)
                for target in stmt.targets:
                    for node in name_nodes(target):
                        if isinstance(node.ctx, gast.Store):
                            seen = node.id in self.assignments
                            self.assignments[node.id] = stmt if single and not seen else None
                        else:
                            own.append(node)
            elif isinstance(stmt, (gast.For, gast.While, gast.If)):
                own = [getattr(stmt, field) for field in ("target", "iter", "test")
                       if hasattr(stmt, field)]
            else:
                own = [stmt]
            for part in own:
                for node in name_nodes(part):
                    if isinstance(node.ctx, gast.Load):
                        self.reads[node.id] = self.reads.get(node.id, 0) + 1
                    else:  # a loop variable, a del, an augmented target
                        self.assignments[node.id] = None
            for field in ("body", "orelse"):
                inner = getattr(stmt, field, None)
                if inner:
                    self._index(inner)

    # ---- the pattern -------------------------------------------------------

    def shift_of_normaliser(self, out):
        """m, when `out` is softmax or log_softmax of `x - m` with m constant
        along the normalised axes; else None."""
        if out is None:
            return None
        if _is_operator(out.value, gast.Sub):
            # log_softmax: out = z - log(sum(exp(z), A))
            z, log_sum = _names([out.value.left, out.value.right])
            total = self._argument_of(log_sum, np.log)
            summed = self._sum_of(total)
            if summed is None:
                return None
            e, axes = summed
            if self._argument_of(e, np.exp) != z:
                return None
            uses = {z: 2, log_sum: 1, total: 1, e: 1}
            steps = [e, total, log_sum]
        elif _is_operator(out.value, gast.Div):
            # softmax: out = e / sum(e, A), e = exp(z)
            e, total = _names([out.value.left, out.value.right])
            summed = self._sum_of(total)
            if summed is None or summed[0] != e:
                return None
            axes = summed[1]
            z = self._argument_of(e, np.exp)
            uses = {z: 1, e: 2, total: 1}
            steps = [e, total]
        else:
            return None
        if z is None or not all(self.reads.get(n) == k and self.assignments.get(n)
                                for n, k in uses.items()):
            return None
        return self._shift(z, axes, [self.assignments[n] for n in steps] + [out])

    def _shift(self, z, axes, later):
        """m in `z = x - m`, when m is a reduction of x constant along `axes`
        (so m has x's axes, and z has x's shape)."""
        stmt = self.assignments.get(z)
        if stmt is None or not _is_operator(stmt.value, gast.Sub):
            return None
        x, m = _names([stmt.value.left, stmt.value.right])
        m_stmt = self.assignments.get(m)
        if x is None or m_stmt is None or self.reads.get(m) != 1:
            return None
        prim = self.resolver(m_stmt.value)
        if prim.kind != "template" or prim.key not in _REDUCTIONS \
                or _names(prim.args[:1])[0] != x:
            return None
        m_axes = self._axes(prim)
        if m_axes is None or not (m_axes == _ALL_AXES or (
                axes != _ALL_AXES and self._keepdims(prim) and set(axes) <= set(m_axes))):
            return None
        if not self._in_order([m_stmt, stmt] + later):
            return None
        return m

    # ---- pieces ------------------------------------------------------------

    def _argument_of(self, name, key):
        """x when `name = key(x)` (a one-argument template call)."""
        stmt = self.assignments.get(name)
        if stmt is None:
            return None
        prim = self.resolver(stmt.value)
        if prim.kind != "template" or prim.key is not key or len(prim.args) != 1 \
                or prim.keywords:
            return None
        return _names(prim.args)[0]

    def _sum_of(self, name):
        """(summed name, axes) when `name` is a keepdims sum (or a sum over
        all axes) of a name."""
        stmt = self.assignments.get(name)
        if stmt is None:
            return None
        prim = self.resolver(stmt.value)
        if prim.kind != "template" or prim.key not in _SUMS \
                or set(prim.keywords) - {"axis", "keepdims"}:
            return None
        axes = self._axes(prim)
        if axes is None or (axes != _ALL_AXES and not self._keepdims(prim)):
            return None
        summed = _names(prim.args[:1])[0]
        return None if summed is None else (summed, axes)

    def _axes(self, prim):
        """The reduction's axes as a tuple of ints, _ALL_AXES, or None when
        they are not known constants."""
        if len(prim.args) > 2:
            return None  # dtype/out given positionally
        axis = prim.keywords.get("axis", prim.args[1] if len(prim.args) > 1 else None)
        if axis is None:
            return _ALL_AXES
        value = self._constant(axis)
        if value is None:
            return _ALL_AXES if isinstance(axis, gast.Constant) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
            return value
        return None

    def _keepdims(self, prim):
        keepdims = prim.keywords.get("keepdims")
        return keepdims is not None and self._constant(keepdims) is True

    def _constant(self, expr):
        """A literal's value, following names assigned once to a literal."""
        if isinstance(expr, gast.Constant):
            return expr.value
        if isinstance(expr, gast.Name):
            stmt = self.assignments.get(expr.id)
            return None if stmt is None else self._constant(stmt.value)
        if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, gast.USub):
            value = self._constant(expr.operand)
            return -value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(expr, gast.Tuple):
            values = tuple(self._constant(e) for e in expr.elts)
            return values if all(isinstance(v, int) for v in values) else None
        return None

    def _in_order(self, stmts):
        """All in one block, in this order (so every read sees the value
        assigned in the same pass through the block)."""
        places = [self.position.get(id(s)) for s in stmts]
        if None in places or len({block for block, _ in places}) != 1:
            return False
        indices = [index for _, index in places]
        return indices == sorted(indices)


def _is_operator(expr, op):
    return isinstance(expr, gast.BinOp) and isinstance(expr.op, op)


def _names(args):
    """The operands' names (None for an operand that is not a plain name)."""
    names = [a.id if isinstance(a, gast.Name) else None for a in args]
    return names + [None] * (2 - len(names))

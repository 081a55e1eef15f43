"""The few helpers generated code calls. Plain NumPy; `export` copies them
into generated modules, so they must not import anything from s2s."""
import math

import numpy as np


def unbroadcast(g, x, _plans={}, _reduce=np.add.reduce,  # noqa: B006 -- a cache on purpose
                _ndarray=np.ndarray):
    """Sum the adjoint g down to the shape of x (undoing NumPy broadcasting)."""
    # This runs once per binary operation of the function: the usual case,
    # two arrays, is written out here (no further call but the sum's). The
    # default arguments are local names: no global and attribute lookup of
    # np.ndarray on each call (about 3% of a small MLP's gradient for the
    # helpers together).
    if type(g) is _ndarray and type(x) is _ndarray:
        g_shape, shape = g.shape, x.shape
        if g_shape == shape:
            return g
        # A bias added to a batch of rows, the commonest case: its sum
        # straight away. Checking the lengths costs less than the plan's
        # lookup (hashing both shapes), about a tenth of a microsecond, 2%
        # of a small MLP's gradient with two layers.
        if len(g_shape) == 2 and len(shape) == 1 and g_shape[1] == shape[0]:
            return _reduce(g, 0)
        plan = _plans.get((g_shape, shape))
        if plan is None:
            return _sum_to_shape(g, shape, _plans)
        axes, keepdims, reshape = plan
        if axes is None:  # g has fewer axes than x: spread it
            return np.broadcast_to(g, shape)
        g = _reduce(g, axes, None, None, keepdims)
        return g.reshape(shape) if reshape else g
    if type(x) is np.ndarray:
        shape = x.shape
    elif isinstance(x, float) and isinstance(g, float):  # Python and NumPy float64 scalars
        return g
    elif isinstance(x, (list, tuple, dict)):  # a container's adjoint is aligned with it
        return g
    else:
        shape = np.shape(x)
    g = np.asarray(g)
    if g.shape == shape:
        return g
    return _sum_to_shape(g, shape)


def _sum_to_shape(g, shape, _plans={}):  # noqa: B006 -- the dict is a cache on purpose
    """g summed over the axes broadcasting added, to `shape`."""
    # _plans: (g.shape, shape) -> the axes to sum. A function meets the same
    # few pairs on every call; working the axes out once saves about a third
    # of a small bias gradient's time. (A default argument rather than a
    # global, so that a module saved by `export` gets its own empty one.)
    key = (g.shape, shape)
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) > 4096:  # a bound, for programs whose shapes keep changing
            _plans.clear()
        plan = _plans[key] = _sum_plan(g.shape, shape)
    axes, keepdims, reshape = plan
    if axes is None:  # g has fewer axes than x: spread it
        return np.broadcast_to(g, shape)
    # np.add.reduce with positional arguments: g.sum(axis=...) is the same
    # reduction behind two more Python calls (a third of a small sum's time)
    g = np.add.reduce(g, axes, None, None, keepdims)
    return g.reshape(shape) if reshape else g


def broadcast_sum(g, x, _ndarray=np.ndarray):
    """g broadcast against x, then summed down to x's shape. For a value
    equal along the axes g lacks: `broadcast_sum(y * c, z)` is
    `unbroadcast(y * unreduce(c, y * z), z)` without making y * z."""
    if type(g) is _ndarray and type(x) is _ndarray and g.shape == x.shape:
        return g
    return _to_shape(g, np.shape(x))


def _to_shape(g, shape):
    """g (an array or a number) summed down, or spread, to `shape` (both
    at once where they differ both ways: (5, 1) against (1, 4))."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    full = np.broadcast_shapes(g.shape, shape)
    if full != g.shape:
        g = np.broadcast_to(g, full)
    return g if full == shape else _sum_to_shape(g, shape)


def _sum_plan(g_shape, shape):
    """(axes to sum over, keepdims, reshape after) taking an adjoint of
    g_shape to shape."""
    if len(g_shape) < len(shape):
        return None, False, False
    extra = len(g_shape) - len(shape)
    leading = tuple(range(extra))
    stretched = tuple(extra + i for i, n in enumerate(shape)
                      if n == 1 and g_shape[extra + i] != 1)
    if not stretched:  # only new leading axes: their sum has x's shape already
        return leading, False, False
    return leading + stretched, True, extra > 0


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the adjoint of a reduction over `axis` back to the shape of x
    (a new writable array)."""
    shape = x.shape if type(x) is np.ndarray else np.shape(x)
    if not shape:
        return g
    if type(g) is float and axis is None and type(x) is np.ndarray and x.dtype.kind == "f":
        # the adjoint of a full sum of floats (the usual loss): x's dtype
        out = np.empty(shape, dtype=x.dtype)
        out.fill(g)
        return out
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _normalize_axes(axis, len(shape)))
    if hasattr(g, "dtype"):
        dtype = g.dtype
    else:  # a Python number: the weak type takes x's floating dtype
        dtype = np.result_type(x, 0.0) if np.result_type(x).kind == "f" else np.float64
    out = np.empty(shape, dtype=dtype)
    out[...] = g
    return out


def reduced_size(x, axis=None):
    """How many elements of x a reduction over `axis` combines into one."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in _normalize_axes(axis, len(shape))]))


def broadcast_count(y, x):
    """How many elements of y and x broadcast together sum into each element
    of x (an int): the number a value spread over y's shape, broadcast
    against x and summed down to x's shape, is multiplied by."""
    y_shape, x_shape = np.shape(y), np.shape(x)
    if y_shape == x_shape:
        return 1
    size = int(np.prod(x_shape))
    return int(np.prod(np.broadcast_shapes(y_shape, x_shape))) // size if size else 0


def _normalize_axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def matmul_adjoints(g, a, b):
    """Adjoints of a @ b for 1-D, 2-D and batched operands. g may be shaped
    like a broadcast of the product (it is summed down to it first)."""
    a = np.asarray(a)
    b = np.asarray(b)
    g = _to_shape(g, _matmul_shape(a.shape, b.shape))
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    if a.ndim == 1:
        ga = np.matmul(np.expand_dims(g, -2), np.swapaxes(b, -1, -2))[..., 0, :]
        gb = np.expand_dims(a, -1) * np.expand_dims(g, -2)
        return unbroadcast(ga, a), unbroadcast(gb, b)
    if b.ndim == 1:
        ga = np.expand_dims(g, -1) * b
        gb = np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0]
        return unbroadcast(ga, a), unbroadcast(gb, b)
    ga = np.matmul(g, np.swapaxes(b, -1, -2))
    gb = np.matmul(np.swapaxes(a, -1, -2), g)
    return unbroadcast(ga, a), unbroadcast(gb, b)


# The adjoint of t = a @ b may come straight from t's reader, shaped like a
# broadcast of t (`a @ b + c` with a larger c): the compiler then leaves the
# summing down to these helpers, which know t's shape from a and b without
# t having been kept (reverse.py, _shape_left_to_readers).

def matmul_adjoint_a(g, a, b):
    """d(a @ b)/da applied to g; the common cases stay one product."""
    # With a 2-D b, g @ b.T has a's shape exactly when g has the product's
    # shape (any batch of a, or a 1-D a); a g that is a broadcast of it does
    # not, or does not multiply at all. A list or a number has no ndim or
    # shape, and a number does not multiply with @: the general path takes
    # those. (No type() checks: they were a sixth of the helper's time.)
    try:
        if b.ndim == 2:
            ga = g @ b.T
            if ga.shape == a.shape:
                return ga
    except (AttributeError, ValueError):
        pass
    return matmul_adjoints(g, a, b)[0]


def matmul_adjoint_b(g, a, b):
    """d(a @ b)/db applied to g; the common cases stay one product."""
    # likewise: with a 2-D a, a.T @ g has b's shape exactly when g has the
    # product's (a batched b included)
    try:
        if a.ndim == 2:
            gb = a.T @ g
            if gb.shape == b.shape:
                return gb
    except (AttributeError, ValueError):
        pass
    return matmul_adjoints(g, a, b)[1]


def unindex(g, x, index):
    """Adjoint of x[index]: g scattered into zeros shaped like x.
    Repeated integer indices accumulate (np.add.at)."""
    if isinstance(x, (list, tuple, dict)):  # one adjoint per item, + adds item by item
        out = zeros_like_adjoint(x)
        if isinstance(out, TupleAdjoint):
            items = list(out)
            items[index] = g
            return TupleAdjoint(items)
        out[index] = g
        if isinstance(out, DictAdjoint):
            out.zero_keys.discard(index)
        return out
    out = np.zeros(np.shape(x), dtype=np.result_type(x, g))
    add_at(out, index, g)
    return out


def add_at(out, index, g):
    """out[index] += g in place, accumulating repeated fancy indices."""
    if _is_basic_index(index):
        out[index] += g
    else:
        np.add.at(out, index, g)


def _is_basic_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice))
               for p in parts)


def zeros_like_adjoint(x):
    """The zero adjoint of a value: an array of zeros; for a list, tuple or
    dict, the same container of zero adjoints."""
    if isinstance(x, list):
        return SequenceAdjoint(zeros_like_adjoint(v) for v in x)
    if isinstance(x, tuple):
        return TupleAdjoint(zeros_like_adjoint(v) for v in x)
    if isinstance(x, dict):
        return DictAdjoint({k: zeros_like_adjoint(v) for k, v in x.items()}, zero_keys=x)
    if x is None:  # a placeholder item ([None] * n): nothing to differentiate
        return 0.0
    if isinstance(x, (float, np.floating)):
        return type(x)(0.0)
    return np.zeros_like(x)


def add_adjoints(a, b):
    """a + b for adjoints, elementwise through lists, tuples and dicts."""
    if isinstance(a, dict):
        return DictAdjoint.__add__(a, b)
    if isinstance(a, (list, tuple)):
        return _like_container(a, [add_adjoints(u, v) for u, v in zip(a, b, strict=True)])
    return a + b


def broadcast_like(g, y):
    """g broadcast to the shape of y (a tangent that lost a broadcast)."""
    if isinstance(y, (list, tuple, dict)):  # a container's tangent is aligned with it
        return g
    shape = np.shape(y)
    if np.shape(g) == shape:
        return g
    return np.broadcast_to(g, shape)


def dot_adjoint_a(g, a, b):
    """d(np.dot(a, b))/da applied to g."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(b) <= 2:
        return matmul_adjoint_a(g, a, b)
    # N-D dot: contracts a's last axis with b's second-to-last.
    g_axes = list(range(np.ndim(a) - 1, np.ndim(g)))
    b_axes = list(range(np.ndim(b) - 2)) + [np.ndim(b) - 1]
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_b(g, a, b):
    """d(np.dot(a, b))/db applied to g."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(b) <= 2:
        return matmul_adjoint_b(g, a, b)
    a_axes = list(range(np.ndim(a) - 1))
    g_axes = list(range(np.ndim(a) - 1))
    out = np.tensordot(a, g, axes=(a_axes, g_axes))  # (k, b's other axes...)
    return np.moveaxis(out, 0, -2)


def inverse_axes(axes):
    """The permutation undoing a transpose by `axes` (None: reverse all)."""
    if axes is None or (isinstance(axes, tuple) and not axes):
        return None
    if len(axes) == 1 and isinstance(axes[0], (tuple, list, np.ndarray)):
        axes = axes[0]  # x.transpose((1, 0)) as well as x.transpose(1, 0)
    return tuple(int(a) for a in np.argsort(axes))


def to_shape_of(g, x):
    """g made x's shape: broadcast up where x is larger, summed down where smaller."""
    if isinstance(x, (list, tuple, dict)):  # a container's adjoint is aligned with it
        return g
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    try:
        return np.broadcast_to(g, shape)
    except ValueError:
        return unbroadcast(g, x)


def ones_like_seed(y):
    """The default output seed: ones shaped like y (a Python float stays a float;
    a list, tuple or dict of outputs gets ones for every item)."""
    if isinstance(y, (list, tuple, dict)):
        return _like_container(y, [ones_like_seed(v) for v in (y.values() if isinstance(y, dict) else y)])
    if isinstance(y, np.ndarray):
        return np.ones_like(y)
    if isinstance(y, (float, np.floating)):
        return type(y)(1.0)
    return np.ones_like(y)


# ---- helpers of the NumPy-breadth templates (templates/reverse/*.py) -------

def _inexact_dtype(x):
    """x's floating dtype, float64 for Python numbers and integers."""
    dtype = np.asarray(x).dtype
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def cast_adjoint(g, x, y):
    """Adjoint of a conversion y of x (float(x), x.astype(t), np.array(x)):
    g in x's shape and floating dtype; zero when y is integer or boolean."""
    if isinstance(x, (list, tuple)):
        return g
    y_dtype = np.asarray(y).dtype
    if not np.issubdtype(y_dtype, np.inexact):
        return np.zeros(np.shape(x), dtype=_inexact_dtype(x))
    if isinstance(x, (float, int)):
        return float(np.sum(g))
    g = np.reshape(g, np.shape(x))
    dtype = _inexact_dtype(x)
    return g if g.dtype == dtype else g.astype(dtype)


def extremum_share(x, y, axis=None, keepdims=False):
    """Where x attains the max/min y of its reduction over `axis`: 1/count
    at each of the `count` tied extreme elements, 0 elsewhere (the adjoint
    of a max or min is split equally between ties)."""
    dtype = _inexact_dtype(x)
    mask = (np.asarray(x) == unreduce(y, x, axis, keepdims)).astype(dtype)
    return mask / np.sum(mask, axis=axis, keepdims=True)


def extremum_adjoint(g, x, y, axis=None, keepdims=False):
    """Adjoint of y = max/min(x, axis): g split equally between the tied
    extreme elements of each reduced slice (as TF's reduce_max and JAX do)."""
    x = np.asarray(x)
    if axis is not None and not keepdims:  # give y and g back the reduced axes
        axes = _normalize_axes(axis, x.ndim)
        y = np.expand_dims(y, axes)
        g = np.expand_dims(g, axes)
    at_extreme = x == y
    dtype = x.dtype if x.dtype.kind == "f" else _inexact_dtype(x)
    ties = at_extreme.sum(axis=axis, keepdims=True, dtype=dtype)
    return at_extreme * (g / ties)


def prod_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of np.prod(x, axis): g times the product of the other elements
    (exclusive products from both sides, so zeros in x are exact)."""
    x = np.asarray(x)
    g = unreduce(g, x, axis, keepdims)
    if x.ndim == 0:
        return g * np.ones_like(x)
    axes = tuple(range(x.ndim)) if axis is None else _normalize_axes(axis, x.ndim)
    rest = tuple(a for a in range(x.ndim) if a not in axes)
    perm = rest + axes
    moved = np.transpose(x, perm)
    flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat[..., 1:], -1)], axis=-1),
                               axis=-1), -1)
    others = np.transpose((before * after).reshape(moved.shape), np.argsort(perm))
    return g * others


def reverse_cumsum(g, axis=None):
    """Sums from the end: the adjoint of np.cumsum(x, axis) (flat for axis=None)."""
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def average_adjoint_a(g, a, axis=None, weights=None, keepdims=False):
    """Adjoint of np.average(a, axis, weights) with respect to a."""
    if weights is None:
        return unreduce(g, a, axis, keepdims) / reduced_size(a, axis)
    w = _average_weights(a, axis, weights)
    return unreduce(g, a, axis, keepdims) * w / np.sum(w, axis=axis, keepdims=True)


def average_adjoint_weights(g, y, a, axis=None, weights=None, keepdims=False):
    """Adjoint of y = np.average(a, axis, weights) with respect to weights."""
    w = _average_weights(a, axis, weights)
    total = np.sum(w, axis=axis, keepdims=True)
    full = unreduce(g, a, axis, keepdims) * (a - unreduce(y, a, axis, keepdims)) / total
    if np.ndim(weights) == np.ndim(a):
        return unbroadcast(full, weights)
    # 1-D weights along one axis
    other = tuple(i for i in range(np.ndim(a)) if i != _normalize_axes(axis, np.ndim(a))[0])
    return np.sum(full, axis=other)


def _average_weights(a, axis, weights):
    """np.average's weights broadcast to a's shape."""
    w = np.asarray(weights)
    if w.ndim != np.ndim(a):  # 1-D weights along `axis`
        shape = [1] * np.ndim(a)
        shape[_normalize_axes(axis, np.ndim(a))[0]] = w.shape[0]
        w = w.reshape(shape)
    return np.broadcast_to(w, np.shape(a))


def _nonzero(y):
    """y with zeros replaced by ones (the norm of a zero vector has gradient 0)."""
    return np.where(y == 0, 1, y)


def split_adjoint(g, arrays, axis=0):
    """Adjoint of np.concatenate(arrays, axis): g cut back into the pieces
    (a list, one adjoint per input; axis=None: each piece flattened)."""
    sizes = [np.size(a) if axis is None else np.shape(a)[axis] for a in arrays]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=0 if axis is None else axis)
    return stack_if_equal([np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)])


def stack_if_equal(pieces):
    """The adjoint of a sequence: one array stacking the pieces when they have
    one shape (it indexes like the list, and adds elementwise when adjoints
    accumulate), else the list."""
    if len({np.shape(p) for p in pieces}) == 1:
        return np.stack(pieces)
    return SequenceAdjoint(pieces)


def hstack_adjoint(g, arrays):
    """Adjoint of np.hstack(arrays)."""
    axis = 0 if np.ndim(arrays[0]) <= 1 else 1
    pieces = split_adjoint(g, [np.atleast_1d(a) for a in arrays], axis)
    return stack_if_equal([np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)])


def vstack_adjoint(g, arrays):
    """Adjoint of np.vstack(arrays)."""
    pieces = split_adjoint(g, [np.atleast_2d(a) for a in arrays], 0)
    return stack_if_equal([np.reshape(p, np.shape(a)) for p, a in zip(pieces, arrays)])


def tile_adjoint(g, x, reps):
    """Adjoint of np.tile(x, reps): the tiles' adjoints summed."""
    shape = np.shape(x)
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    n = max(len(shape), len(reps))
    shape_n = (1,) * (n - len(shape)) + tuple(shape)
    reps_n = (1,) * (n - len(reps)) + reps
    interleaved = [v for pair in zip(reps_n, shape_n) for v in pair]
    g = np.reshape(g, interleaved)
    return np.reshape(np.sum(g, axis=tuple(range(0, 2 * n, 2))), shape)


def repeat_adjoint(g, x, repeats, axis=None):
    """Adjoint of np.repeat(x, repeats, axis): each element's copies summed."""
    shape = np.shape(x)
    if axis is None:
        n = int(np.prod(shape))
        axis_ = 0
    else:
        axis_ = axis % len(shape)
        n = shape[axis_]
    owner = np.repeat(np.arange(n), repeats)
    moved = np.moveaxis(g, axis_, 0)
    out = np.zeros((n,) + moved.shape[1:], dtype=np.result_type(g))
    np.add.at(out, owner, moved)
    out = np.moveaxis(out, 0, axis_)
    return np.reshape(out, shape)


def diag_adjoint(g, v, k=0):
    """Adjoint of np.diag(v, k): the k-th diagonal of g (v 1-D), or g placed on
    the k-th diagonal of zeros shaped like v (v 2-D)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k).copy()
    out = np.zeros(np.shape(v), dtype=np.result_type(g))
    n = np.shape(g)[0]
    rows = np.arange(n) + max(-k, 0)
    out[rows, rows + k] = g
    return out


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of np.diagonal(a, offset, axis1, axis2): g on that diagonal of zeros."""
    a_shape = np.shape(a)
    nd = len(a_shape)
    axis1, axis2 = axis1 % nd, axis2 % nd
    out = np.zeros(a_shape, dtype=np.result_type(g))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))  # a view: writes reach out
    n = np.shape(g)[-1]
    rows = np.arange(n) + max(-offset, 0)
    view[..., rows, rows + offset] = g
    return out


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of np.trace(a, offset, axis1, axis2): g on that diagonal."""
    n = np.shape(np.diagonal(a, offset, axis1, axis2))[-1]
    g = np.broadcast_to(np.expand_dims(g, -1), np.shape(g) + (n,))
    return diagonal_adjoint(g, a, offset, axis1, axis2)


def pad_adjoint(g, array, pad_width, mode="constant"):
    """Adjoint of np.pad(array, pad_width) for mode 'constant': the unpadded
    middle of g."""
    if mode != "constant":
        raise NotImplementedError(f"the derivative of np.pad with mode={mode!r} "
                                  "(only 'constant' is supported)")
    nd = np.ndim(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int).reshape(-1, 2)
                             if np.ndim(pad_width) else np.asarray(pad_width), (nd, 2))
    index = tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, np.shape(array)))
    return g[index]


def take_adjoint(g, a, indices, axis=None):
    """Adjoint of np.take(a, indices, axis): g scattered back, repeats summed."""
    shape = np.shape(a)
    if axis is None:
        out = np.zeros(int(np.prod(shape)), dtype=np.result_type(a, g))
        np.add.at(out, np.asarray(indices) % out.size, g)
        return out.reshape(shape)
    axis = axis % len(shape)
    out = np.zeros(shape, dtype=np.result_type(a, g))
    index = (slice(None),) * axis + (np.asarray(indices),)
    np.add.at(out, index, g)
    return out


def inner_adjoint_a(g, a, b):
    """Adjoint of np.inner(a, b) with respect to a."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    nb = np.ndim(b) - 1
    g_axes = list(range(np.ndim(g) - nb, np.ndim(g)))
    return np.tensordot(g, b, axes=(g_axes, list(range(nb))))


def inner_adjoint_b(g, a, b):
    """Adjoint of np.inner(a, b) with respect to b."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    na = np.ndim(a) - 1
    return np.tensordot(g, a, axes=(list(range(na)), list(range(na))))


def _tensordot_axes(a, b, axes):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(np.ndim(a) - n, np.ndim(a))), list(range(n))
    axes_a, axes_b = axes
    axes_a = [axes_a] if np.ndim(axes_a) == 0 else list(axes_a)
    axes_b = [axes_b] if np.ndim(axes_b) == 0 else list(axes_b)
    return [i % np.ndim(a) for i in axes_a], [i % np.ndim(b) for i in axes_b]


def tensordot_adjoint_a(g, a, b, axes=2):
    """Adjoint of np.tensordot(a, b, axes) with respect to a."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in axes_a]
    free_b = [i for i in range(np.ndim(b)) if i not in axes_b]
    g_b = list(range(len(free_a), np.ndim(g)))
    out = np.tensordot(g, b, axes=(g_b, free_b))  # free_a + b's contracted (in b's order)
    labels = free_a + [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
    return np.transpose(out, np.argsort(labels))


def tensordot_adjoint_b(g, a, b, axes=2):
    """Adjoint of np.tensordot(a, b, axes) with respect to b."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in axes_a]
    free_b = [i for i in range(np.ndim(b)) if i not in axes_b]
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    labels = [axes_b[axes_a.index(i)] for i in sorted(axes_a)] + free_b
    return np.transpose(out, np.argsort(labels))


def einsum_adjoint(g, subscripts, i, x0, x1=None, x2=None, x3=None):
    """Adjoint of np.einsum(subscripts, x0, x1, ...) with respect to operand i
    (None operands are absent)."""
    operands = [op for op in (x0, x1, x2, x3) if op is not None]
    inputs, output = _einsum_labels(subscripts, operands)
    others = [(s, op) for j, (s, op) in enumerate(zip(inputs, operands)) if j != i]
    own = inputs[i]
    unique = "".join(dict.fromkeys(own))
    available = set(output).union(*[set(s) for s, _ in others])
    kept = "".join(c for c in unique if c in available)
    spec = ",".join([output] + [s for s, _ in others]) + "->" + kept
    part = np.einsum(spec, g, *[op for _, op in others])
    shape = np.shape(operands[i])
    sizes = dict(zip(own, shape))
    # labels summed inside operand i alone: broadcast back
    full = np.reshape(part, [sizes[c] if c in kept else 1 for c in unique])
    full = np.broadcast_to(full, [sizes[c] for c in unique])
    if unique == own:
        return np.array(full)
    out = np.zeros(shape, dtype=np.result_type(g, operands[i]))
    np.einsum(own + "->" + unique, out)[...] = full  # a writable view of the diagonal
    return out


def _einsum_labels(subscripts, operands):
    """Input and output labels of an einsum, with '...' spelt out."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, output = subscripts.split("->")
    else:
        lhs, output = subscripts, None
    inputs = lhs.split(",")
    used = set(subscripts) - set(".,->")
    spare = [chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used]
    ell = max([np.ndim(op) - len(s.replace("...", "")) for s, op in zip(inputs, operands)
               if "..." in s] or [0])
    letters = "".join(spare[:ell])
    inputs = [s.replace("...", letters[ell - (np.ndim(op) - len(s.replace("...", ""))):])
              for s, op in zip(inputs, operands)]
    if output is None:
        counts = {}
        for s in inputs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        output = letters + "".join(sorted(c for c, n in counts.items()
                                          if n == 1 and c not in letters))
    else:
        output = output.replace("...", letters)
    return inputs, output


def kron_adjoint_a(g, a, b):
    """Adjoint of np.kron(a, b) with respect to a."""
    a_n, b_n, g_n = _kron_blocks(g, a, b)
    n = len(a_n)
    out = np.tensordot(g_n, np.reshape(b, b_n), axes=(list(range(1, 2 * n, 2)), list(range(n))))
    return np.reshape(out, np.shape(a))


def kron_adjoint_b(g, a, b):
    """Adjoint of np.kron(a, b) with respect to b."""
    a_n, b_n, g_n = _kron_blocks(g, a, b)
    n = len(a_n)
    out = np.tensordot(g_n, np.reshape(a, a_n), axes=(list(range(0, 2 * n, 2)), list(range(n))))
    return np.reshape(out, np.shape(b))


def _kron_blocks(g, a, b):
    """a's and b's shapes padded to one length, and g reshaped to
    (a0, b0, a1, b1, ...)."""
    n = max(np.ndim(a), np.ndim(b))
    a_n = (1,) * (n - np.ndim(a)) + tuple(np.shape(a))
    b_n = (1,) * (n - np.ndim(b)) + tuple(np.shape(b))
    return a_n, b_n, np.reshape(g, [v for pair in zip(a_n, b_n) for v in pair])


def solve_adjoint_b(g, a, b):
    """Adjoint of x = np.linalg.solve(a, b) with respect to b: solve(a^T, g)."""
    at = np.swapaxes(a, -1, -2)
    if np.ndim(b) == 1:
        return np.linalg.solve(at, np.expand_dims(g, -1))[..., 0]
    return np.linalg.solve(at, g)


def solve_adjoint_a(gb, x, b):
    """Adjoint of x = np.linalg.solve(a, b) with respect to a, from the
    adjoint gb of b: -gb x^T."""
    if np.ndim(b) == 1:
        return -np.expand_dims(gb, -1) * np.expand_dims(x, -2)
    return -np.matmul(gb, np.swapaxes(x, -1, -2))


def cholesky_adjoint(g, L, upper=False):
    """Adjoint of L = np.linalg.cholesky(a), symmetric (as TF and JAX):
    sym(L^-T Phi(L^T g) L^-1), Phi = lower triangle with half the diagonal."""
    if upper:
        L = np.swapaxes(L, -1, -2)
        g = np.swapaxes(g, -1, -2)
    Lt = np.swapaxes(L, -1, -2)
    P = np.tril(np.matmul(Lt, g))
    P = P - 0.5 * np.tril(np.triu(P))  # halve the diagonal
    X = np.linalg.solve(Lt, P)  # L^-T P
    S = np.swapaxes(np.linalg.solve(Lt, np.swapaxes(X, -1, -2)), -1, -2)  # X L^-1
    return 0.5 * (S + np.swapaxes(S, -1, -2))


def sequence_max_adjoint(g, y, i, *args):
    """Adjoint of y = max(*args) or min(*args) (the builtins) with respect to
    args[i]; max(xs) of one sequence gives xs's adjoint as an array. Ties
    split equally."""
    args = [a for a in args if a is not None]
    if len(args) == 1:
        xs = np.asarray(args[0], dtype=float) if isinstance(args[0], (list, tuple)) \
            else np.asarray(args[0])
        mask = (xs == y).astype(_inexact_dtype(xs))
        return g * mask / np.sum(mask)
    hits = [float(a == y) for a in args]
    return g * hits[i] / sum(hits)


def sequence_sum_adjoint(g, xs):
    """Adjoint of y = sum(xs) (the builtin) with respect to xs: g for every
    item (an array stacking them, which indexes like the sequence)."""
    if isinstance(xs, (list, tuple)):
        return np.stack([unbroadcast(g, x) for x in xs])
    return unreduce(g, xs, 0, False)


def item_adjoint(g, x, index=()):
    """Adjoint of y = x.item(*index): g at that position of zeros shaped like x."""
    out = np.zeros(np.shape(x), dtype=_inexact_dtype(x))
    if len(index) == 0:
        out[...] = g
    elif len(index) == 1:
        out.reshape(-1)[index[0]] = g
    else:
        out[tuple(index)] = g
    return out



# ---- helpers of the forward (tangent) templates of the NumPy breadth --------

def inner_axes(a, b):
    """The transpose of b that makes np.dot(a, .) compute np.inner(a, b)."""
    nd = np.ndim(b)
    if np.ndim(a) == 0 or nd < 2:
        return tuple(range(nd))
    return tuple(range(nd - 2)) + (nd - 1, nd - 2)


def tensordot_plan(a, b, axes=2):
    """(perm_a, shape_a, perm_b, shape_b) such that np.tensordot(a, b, axes) is
    np.dot(reshape(transpose(a, perm_a), shape_a), reshape(transpose(b, perm_b), shape_b))
    reshaped to the result's shape."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in axes_a]
    free_b = [i for i in range(np.ndim(b)) if i not in axes_b]
    k = int(np.prod([np.shape(a)[i] for i in axes_a]))
    return (tuple(free_a + axes_a), (-1, k), tuple(axes_b + free_b), (k, -1))


def kron_shapes(a, b):
    """Shapes (a0, 1, a1, 1, ...) and (1, b0, 1, b1, ...) whose broadcast
    product, reshaped, is np.kron(a, b)."""
    n = max(np.ndim(a), np.ndim(b))
    a_n = (1,) * (n - np.ndim(a)) + tuple(np.shape(a))
    b_n = (1,) * (n - np.ndim(b)) + tuple(np.shape(b))
    return ([v for s in a_n for v in (s, 1)], [v for s in b_n for v in (1, s)])


def _is_zero_tangent(t):
    """The literal zero forward mode passes for the tangent of a constant."""
    return t is None or (isinstance(t, float) and t == 0.0)


def einsum_tangent(y, subscripts, tangents, operands):
    """Tangent of y = np.einsum(subscripts, *operands): the sum over operands
    with a tangent of the einsum with that operand replaced by its tangent."""
    operands = [op for op in operands if op is not None]
    total = np.zeros_like(y)
    for i, t in enumerate(tangents[:len(operands)]):
        if not _is_zero_tangent(t):
            total = total + np.einsum(subscripts, *operands[:i], t, *operands[i + 1:])
    return total



def cholesky_tangent(da, L, upper=False):
    """Tangent of L = np.linalg.cholesky(a): L Phi(L^-1 sym(da) L^-T), Phi =
    lower triangle with half the diagonal (upper=True: its transpose)."""
    if upper:
        L = np.swapaxes(L, -1, -2)
    da = 0.5 * (da + np.swapaxes(da, -1, -2))
    X = np.linalg.solve(L, da)  # L^-1 da
    X = np.swapaxes(np.linalg.solve(L, np.swapaxes(X, -1, -2)), -1, -2)  # ... L^-T
    phi = np.tril(X) - 0.5 * np.tril(np.triu(X))
    dL = np.matmul(L, phi)
    return np.swapaxes(dL, -1, -2) if upper else dL




def ones_if_none(b):
    """b, or 1.0 when b is None (an optional weight)."""
    return 1.0 if b is None else b


def average_share(a, axis=None, weights=None):
    """d np.average(a, axis, weights) / d a, elementwise: w / sum(w)."""
    if weights is None:
        return np.ones_like(a) / reduced_size(a, axis)
    w = _average_weights(a, axis, weights)
    return w / np.sum(w, axis=axis, keepdims=True)


def average_spread(a, y, axis=None, weights=None, keepdims=False):
    """d np.average(a, axis, weights) / d weights, spread over a's shape:
    (a - y) / sum(w)."""
    w = _average_weights(a, axis, weights)
    return (a - unreduce(y, a, axis, keepdims)) / np.sum(w, axis=axis, keepdims=True)


def average_weights_shape(a, axis=None, weights=None):
    """The shape that broadcasts np.average's weights against a."""
    if np.ndim(weights) == np.ndim(a):
        return np.shape(weights)
    shape = [1] * np.ndim(a)
    shape[_normalize_axes(axis, np.ndim(a))[0]] = np.shape(weights)[0]
    return tuple(shape)


def einsum_replaced(subscripts, i, t, x0, x1=None, x2=None, x3=None):
    """np.einsum(subscripts, x0, x1, ...) with operand i replaced by t."""
    operands = [op for op in (x0, x1, x2, x3) if op is not None]
    operands[i] = t
    return np.einsum(subscripts, *operands)


def einsum_adjoint_operand(g, t, subscripts, i, j, x0, x1=None, x2=None, x3=None):
    """Adjoint of y = einsum_adjoint(g, subscripts, i, x0, ...) with respect to
    operand j, given y's adjoint t: the einsum adjoint for operand j with
    operand i replaced by t (zero for j == i: y does not depend on it)."""
    operands = [op for op in (x0, x1, x2, x3) if op is not None]
    if j == i:
        return np.zeros_like(operands[j])
    operands[i] = t
    return einsum_adjoint(g, subscripts, j, *operands)


# ---- lists, tuples and dicts: adjoints with one entry per item -------------
# The adjoint of a list is a list aligned with the list's contents (xs.append
# is undone in the reverse sweep by popping the adjoint's last entry), of a
# tuple a tuple, of a dict a dict with the same keys. Adding two of them adds
# item by item: a plain list or tuple would concatenate, a plain dict refuse.

class SequenceAdjoint(list):
    """The adjoint of a list: one adjoint per item; `+` adds item by item."""
    __array_ufunc__ = None  # array + SequenceAdjoint: NumPy defers to __radd__

    def __add__(self, other):
        return _like_container(self, [add_adjoints(u, v)
                                      for u, v in zip(self, other, strict=True)])

    __radd__ = __add__
    __iadd__ = __add__


class TupleAdjoint(tuple):
    """The adjoint of a tuple: one adjoint per item; `+` adds item by item."""
    __array_ufunc__ = None

    def __add__(self, other):
        return _like_container(self, [add_adjoints(u, v)
                                      for u, v in zip(self, other, strict=True)])

    __radd__ = __add__


class DictAdjoint(dict):
    """The adjoint of a dict: one adjoint per key; `+` adds key by key.
    zero_keys: the entries known to be zero (adding them is skipped)."""

    def __init__(self, entries=(), zero_keys=()):
        super().__init__(entries)
        self.zero_keys = set(zero_keys)

    def __add__(self, other):
        mine, theirs = getattr(self, "zero_keys", ()), getattr(other, "zero_keys", ())
        out = DictAdjoint(self, zero_keys=set(mine) & set(theirs))
        for key, value in other.items():
            if key not in out or key in mine:
                out[key] = value
            elif key not in theirs:
                out[key] = add_adjoints(out[key], value)
        return out

    __radd__ = __add__
    __iadd__ = __add__


def _like_container(x, items):
    """items in a container of x's kind (the adjoint kinds above)."""
    if isinstance(x, dict):
        return DictAdjoint(zip(x.keys(), items))
    if isinstance(x, tuple):
        return TupleAdjoint(items)
    return SequenceAdjoint(items)


def unstack(g, arrays, axis=0):
    """Adjoint of np.stack(arrays, axis): one adjoint per stacked item (a list
    for a list, a tuple for a tuple, the moved array for an array)."""
    moved = np.moveaxis(g, axis, 0)
    if isinstance(arrays, list):
        return SequenceAdjoint(moved)
    if isinstance(arrays, tuple):
        return TupleAdjoint(moved)
    return moved


def list_adjoint(g):
    """g as a list adjoint the reverse sweep can pop and append to (a copy)."""
    if isinstance(g, (list, tuple, np.ndarray)):
        return SequenceAdjoint(g)
    return g


_MISSING = "s2s: no entry"


def saved_entry(d, key):
    """The entry d[key] that an assignment is about to overwrite (a copy of an
    array; a marker when d has no such key)."""
    if key not in d:
        return _MISSING
    value = d[key]
    return value.copy() if isinstance(value, np.ndarray) else value


def restore_entry(d, key, old):
    """Undo d[key] = ...: put the saved entry back (remove a new key)."""
    if isinstance(old, str) and old == _MISSING:
        del d[key]
    else:
        d[key] = old


def insert_popped(sequence, index, value):
    """Undo `value = sequence.pop(index)`: put value back where it was."""
    if index < 0:
        index += len(sequence) + 1
    sequence.insert(index, value)


def power_slope(x, y):
    """d(x ** y)/dx = y * x ** (y - 1), exactly 0 where y == 0 (x ** 0 is
    constant, also at x == 0 where x ** -1 would be infinite)."""
    if np.ndim(y) == 0:
        if y == 0:
            return np.zeros_like(np.asarray(x, dtype=np.result_type(x, 0.0)))[()]
        return y * x ** (y - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y * np.asarray(x, dtype=np.result_type(x, 0.0)) ** (y - 1))


# ---- derivatives of np.prod to any order (templates/*/numpy_helpers.py) ----

def exclusive_prod(x, axis=None):
    """Each element of x replaced by the product of the other elements of its
    group of np.prod(x, axis): exact with zeros (no division)."""
    return prod_adjoint(np.ones((), dtype=_inexact_dtype(x)), x, axis, True)


def prod_group_plan(x, axis=None):
    """How exclusive_prod_hvp lays out the groups of np.prod(x, axis): the
    permutation moving the reduced axes last, the shape with them merged into
    one axis of length n, the permuted shape, the inverse permutation, and
    the n x n identity and its complement in x's floating dtype."""
    shape = np.shape(x)
    axes = tuple(range(len(shape))) if axis is None else _normalize_axes(axis, len(shape))
    rest = tuple(a for a in range(len(shape)) if a not in axes)
    perm = rest + axes
    n = int(np.prod([shape[a] for a in axes]))
    eye = np.eye(n, dtype=_inexact_dtype(x))
    return (perm, tuple(shape[a] for a in rest) + (n,), tuple(shape[a] for a in perm),
            tuple(int(a) for a in np.argsort(perm)), eye, 1 - eye)


def exclusive_prod_hvp(t, x, axis=None):
    """The derivative of exclusive_prod(x, axis) applied to t: element i gets
    sum over k != i of t[k] times the product of the group's elements other
    than i and k. The matrix of those products is symmetric, so this is the
    tangent and the adjoint alike. Exact with zeros; it builds n x n per
    group, and is written in differentiable NumPy so that s2s differentiates
    it again for third and higher derivatives."""
    perm, grouped, moved, inverse, eye, off = prod_group_plan(x, axis)
    xs = np.reshape(np.transpose(x, perm), grouped)
    ts = np.reshape(np.transpose(t, perm), grouped)
    rows = xs[..., None, :] * off + eye  # row i: the group with x[i] replaced by 1
    pairs = exclusive_prod(rows, -1) * off  # [i, k]: product of all but i and k
    out = np.sum(pairs * ts[..., None, :], axis=-1)
    return np.transpose(np.reshape(out, moved), inverse)


# ---- np.linalg.norm to any order (templates/*/reductions.py) ----------------

def norm_gradient(g, x, y, ord=None, axis=None, keepdims=False):
    """Adjoint of y = np.linalg.norm(x, ord, axis, keepdims): vector norms
    (ord None, p, inf, -inf, 0) and matrix norms (None, 'fro', 'nuc', 1, -1,
    2, -2, inf, -inf). Ties (inf norms, matrix 1/inf norms) split equally.
    Plain NumPy that s2s differentiates through for higher derivatives; the
    singular vectors of the 2/-2/'nuc' norms come from singular_gradient,
    which has templates of its own."""
    x = np.asarray(x)
    nd = x.ndim
    if axis is None:
        matrix = nd == 2 and ord is not None
        axes = (0, 1) if matrix else tuple(range(nd))
        if ord is None and nd != 1:
            return unreduce(g, x, None, keepdims) * x / _nonzero(unreduce(y, x, None, keepdims))
    else:
        axes = _normalize_axes(axis, nd)
        matrix = len(axes) == 2
    g = unreduce(g, x, axes, keepdims)
    y = unreduce(y, x, axes, keepdims)
    if not matrix:
        if ord is None or ord == 2:
            return g * x / _nonzero(y)
        if ord == np.inf or ord == -np.inf:
            return g * np.sign(x) * extremum_share(np.abs(x), y, axes[0], True)
        if ord == 0:
            return np.zeros_like(g * x)
        if ord == 1:
            return g * np.sign(x)
        return g * np.sign(x) * np.abs(x) ** (ord - 1) / _nonzero(y) ** (ord - 1)
    r, c = axes
    if ord is None or ord == "fro":
        return g * x / _nonzero(y)
    if ord == "nuc" or ord == 2 or ord == -2:
        moved = np.moveaxis(x, (r, c), (-2, -1))
        return g * np.moveaxis(singular_gradient(moved, ord), (-2, -1), (r, c))
    # 1/-1: max/min column abs sum; inf/-inf: max/min row abs sum
    sum_axis = r if ord == 1 or ord == -1 else c
    sums = np.sum(np.abs(x), axis=sum_axis, keepdims=True)
    if ord == 1 or ord == np.inf:
        extreme = np.max(sums, axis=(r, c), keepdims=True)
    else:
        extreme = np.min(sums, axis=(r, c), keepdims=True)
    return g * np.sign(x) * extremum_share(sums, extreme, (r, c), True)


# The matrix 2, -2 and nuclear norms of a = u @ diag(s) @ vt (thin SVD of a
# (..., m, n) array, k = min(m, n)) have gradients u_q v_q^T (q the largest /
# smallest singular value) and u @ vt. Their derivatives, with
# M = u^T t v, are in the singular bases (u^T dP v):
#   nuclear: (M - M^T)[i, j] / (s_i + s_j)
#   2, -2:   [j, q] = (s_q M[j, q] + s_j M[q, j]) / (s_q^2 - s_j^2), [q, j] the
#            same with M[j, q] and M[q, j] swapped, 0 elsewhere
# plus, for non-square a, the parts outside the span of u or v. Both are
# symmetric in (a-perturbation, t): the tangent and the adjoint are the same
# map. Equal singular values where the formula divides by their difference
# (a tied largest singular value for the 2-norm) give nan, not a guess.

def singular_gradient(a, ord):
    """The gradient of the 2 (ord=2), -2 or nuclear ('nuc') norm of the
    matrices in the last two axes of a."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    if ord == "nuc":
        return u @ vt
    q = 0 if ord == 2 else np.shape(s)[-1] - 1
    return u[..., :, q:q + 1] @ vt[..., q:q + 1, :]


def svd_factor(a, i):
    """Factor i (0: u, 1: s, 2: vt) of the thin SVD of a."""
    return np.linalg.svd(a, full_matrices=False)[i]


def divide_or_nan(num, den):
    """num / den; 0 where num is exactly 0, nan where only den is."""
    safe = np.where(den == 0, 1.0, den)
    return np.where(num == 0, 0.0, np.where(den == 0, np.nan, num / safe))


def singular_hessian_product(a, t, ord):
    """The derivative of singular_gradient(a, ord) along t (also its adjoint
    applied to t). Differentiable NumPy, for higher orders."""
    u = svd_factor(a, 0)
    s = svd_factor(a, 1)
    vt = svd_factor(a, 2)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    ut = np.swapaxes(u, -1, -2)
    v = np.swapaxes(vt, -1, -2)
    tv = t @ v
    mat = ut @ tv
    mat_t = np.swapaxes(mat, -1, -2)
    if ord == "nuc":
        out = u @ divide_or_nan(mat - mat_t, s[..., :, None] + s[..., None, :]) @ vt
        if m > k:  # (I - u u^T) t v S^-1 vt
            out = out + divide_or_nan(tv - u @ mat, s[..., None, :]) @ vt
        if n > k:  # u S^-1 u^T t (I - v vt)
            out = out + u @ divide_or_nan(ut @ t - mat @ vt, s[..., :, None])
        return out
    q = 0 if ord == 2 else k - 1
    sq = s[..., q:q + 1]
    others = 1.0 - np.eye(k)[q]
    c = divide_or_nan(others, sq ** 2 - s ** 2)  # 1 / (s_q^2 - s_j^2), 0 at j = q
    col = mat[..., :, q]
    row = mat[..., q, :]
    in_col = c * (sq * col + s * row)  # u^T dP v, column q
    in_row = c * (sq * row + s * col)  # u^T dP v, row q
    out = (u @ in_col[..., :, None]) @ vt[..., q:q + 1, :] + u[..., :, q:q + 1] @ (in_row[..., None, :] @ vt)
    if m > k:  # (I - u u^T) t v_q v_q^T / s_q
        out = out + divide_or_nan(tv[..., :, q:q + 1] - u @ mat[..., :, q:q + 1], sq[..., None, :]) @ vt[..., q:q + 1, :]
    if n > k:  # u_q u_q^T t (I - v vt) / s_q
        out = out + u[..., :, q:q + 1] @ divide_or_nan(ut[..., q:q + 1, :] @ t - mat[..., q:q + 1, :] @ vt, sq[..., None, :])
    return out


def svd_factor_adjoint(g, a, i):
    """Adjoint of svd_factor(a, i) for its adjoint g. With F[i, j] =
    1 / (s_j^2 - s_i^2) off the diagonal: from u, u ((F o (X - X^T)) S) vt +
    (I - u u^T) g S^-1 vt with X = u^T g; from s, u diag(g) vt; from vt,
    u (S (F o (W - W^T))) vt + u S^-1 g (I - v vt) with W = vt g^T."""
    u = svd_factor(a, 0)
    s = svd_factor(a, 1)
    vt = svd_factor(a, 2)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    if i == 1:
        return u @ (g[..., :, None] * vt)
    gap = s[..., None, :] ** 2 - s[..., :, None] ** 2  # [i, j]: s_j^2 - s_i^2
    if i == 0:
        x = np.swapaxes(u, -1, -2) @ g
        out = u @ (divide_or_nan(x - np.swapaxes(x, -1, -2), gap) * s[..., None, :]) @ vt
        if m > k:
            out = out + divide_or_nan(g - u @ x, s[..., None, :]) @ vt
        return out
    w = vt @ np.swapaxes(g, -1, -2)
    out = u @ (s[..., :, None] * divide_or_nan(w - np.swapaxes(w, -1, -2), gap)) @ vt
    if n > k:
        out = out + u @ divide_or_nan(g - (g @ np.swapaxes(vt, -1, -2)) @ vt, s[..., :, None])
    return out


def svd_factor_tangent(t, a, i):
    """Tangent of svd_factor(a, i) along t: ds = diag(M) with M = u^T t v;
    du = u (F o (M S + S M^T)) + (I - u u^T) t v S^-1; dv = v (F o (S M +
    M^T S)) + (I - v vt) t^T u S^-1 (dvt its transpose)."""
    u = svd_factor(a, 0)
    s = svd_factor(a, 1)
    vt = svd_factor(a, 2)
    m, n = np.shape(a)[-2:]
    k = min(m, n)
    v = np.swapaxes(vt, -1, -2)
    tv = t @ v
    mat = np.swapaxes(u, -1, -2) @ tv
    eye = np.eye(k)
    if i == 1:
        return np.sum(mat * eye, axis=-1)
    off = 1.0 - eye
    gap = s[..., None, :] ** 2 - s[..., :, None] ** 2
    mat_t = np.swapaxes(mat, -1, -2)
    if i == 0:
        du = u @ divide_or_nan((mat * s[..., None, :] + s[..., :, None] * mat_t) * off, gap)
        if m > k:
            du = du + divide_or_nan(tv - u @ mat, s[..., None, :])
        return du
    dv = v @ divide_or_nan((s[..., :, None] * mat + mat_t * s[..., None, :]) * off, gap)
    if n > k:
        tu = np.swapaxes(t, -1, -2) @ u
        dv = dv + divide_or_nan(tu - v @ (vt @ tu), s[..., None, :])
    return np.swapaxes(dv, -1, -2)


def shape_stand_in(x):
    """For a large array the gradient reads only for its shape and dtype
    (`unbroadcast(g, x)`): an array of that shape and dtype holding no data
    (a zero-stride view of one element), so x's memory is freed at once.
    Freeing dead arrays early keeps the allocator from handing out fresh,
    cold pages for the arrays made after (page faults cost more than the
    arithmetic in a large gradient)."""
    if type(x) is np.ndarray and x.size >= SHAPE_STAND_IN_SIZE:
        return np.broadcast_to(np.zeros((), dtype=x.dtype), x.shape)
    return x


SHAPE_STAND_IN_SIZE = 1 << 14  # elements; below it, keeping x costs less than the view


def _matmul_shape(a_shape, b_shape):
    """The shape of a @ b from the operands' shapes."""
    if len(a_shape) == 1 and len(b_shape) == 1:
        return ()
    if len(a_shape) == 1:
        return b_shape[:-2] + b_shape[-1:]
    if len(b_shape) == 1:
        return a_shape[:-1]
    return np.broadcast_shapes(a_shape[:-2], b_shape[:-2]) + (a_shape[-2], b_shape[-1])


def matmul_like(a, b):
    """An array shaped and typed like a @ b, for code that reads only the
    product's shape (`unbroadcast(g, a @ b)`): the product itself need not
    be kept. Small: an uninitialised array (cheapest to make); large: a
    zero-stride view that holds no memory."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        shape = (a.shape[0], b.shape[1])
        dtype = a.dtype if a.dtype == b.dtype else np.promote_types(a.dtype, b.dtype)
    else:
        shape = _matmul_shape(np.shape(a), np.shape(b))
        dtype = np.result_type(a, b)
    if math.prod(shape) < SHAPE_STAND_IN_SIZE:
        return np.empty(shape, dtype=dtype)
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)

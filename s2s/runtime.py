"""The few helpers generated code calls. Plain NumPy; `export` copies them
into generated modules, so they must not import anything from s2s."""
import numpy as np


def unbroadcast(g, x):
    """Sum the adjoint g down to the shape of x (undoing NumPy broadcasting)."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    if g.ndim < len(shape):
        return np.broadcast_to(g, shape)
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and g.shape[extra + i] != 1)
    g = np.sum(g, axis=axes, keepdims=True) if axes else g
    return g.reshape(shape)


def unreduce(g, x, axis=None, keepdims=False):
    """Spread the adjoint of a reduction over `axis` back to the shape of x."""
    shape = np.shape(x)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, _normalize_axes(axis, len(shape)))
    return np.broadcast_to(g, shape)


def reduced_size(x, axis=None):
    """How many elements of x a reduction over `axis` combines into one."""
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    return int(np.prod([shape[a] for a in _normalize_axes(axis, len(shape))]))


def _normalize_axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def matmul_adjoints(g, a, b):
    """Adjoints of a @ b for 1-D, 2-D and batched operands."""
    a = np.asarray(a)
    b = np.asarray(b)
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


def matmul_adjoint_a(g, a, b):
    """d(a @ b)/da applied to g; the cheap 2-D case stays one matmul."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return g @ b.T
    return matmul_adjoints(g, a, b)[0]


def matmul_adjoint_b(g, a, b):
    """d(a @ b)/db applied to g; the cheap 2-D case stays one matmul."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ g
    return matmul_adjoints(g, a, b)[1]


def unindex(g, x, index):
    """Adjoint of x[index]: g scattered into zeros shaped like x.
    Repeated integer indices accumulate (np.add.at)."""
    if isinstance(x, (list, tuple)):
        out = [zeros_like_adjoint(v) for v in x]
        out[index] = g
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
    """The zero adjoint of a value: an array of zeros, a list of them for lists."""
    if isinstance(x, (list, tuple)):
        return [zeros_like_adjoint(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return type(x)(0.0)
    return np.zeros_like(x)


def add_adjoints(a, b):
    """a + b for adjoints, elementwise through lists and tuples."""
    if isinstance(a, (list, tuple)):
        return [add_adjoints(u, v) for u, v in zip(a, b)]
    return a + b


def broadcast_like(g, y):
    """g broadcast to the shape of y (a tangent that lost a broadcast)."""
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
    if axes is None or axes == ():
        return None
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = axes[0]
    return tuple(np.argsort(axes))


def to_shape_of(g, x):
    """g made x's shape: broadcast up where x is larger, summed down where smaller."""
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    try:
        return np.broadcast_to(g, shape)
    except ValueError:
        return unbroadcast(g, x)


def ones_like_seed(y):
    """The default output seed: ones shaped like y (a Python float stays a float)."""
    if isinstance(y, np.ndarray):
        return np.ones_like(y)
    if isinstance(y, (float, np.floating)):
        return type(y)(1.0)
    return np.ones_like(y)

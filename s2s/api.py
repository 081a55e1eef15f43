"""The public API: grad, value_and_grad, vjp, stop_gradient, source, check_grads."""
import enum
import functools
import inspect

import numpy as np

from . import pipeline
from .reverse import ReverseConfig


def stop_gradient(x):
    """x, held constant for differentiation (TF's tf.stop_gradient)."""
    return x


class DerivativeSpec:
    """What the user asked for; compiles on first use (so helpers defined
    later in the module are found) and caches."""

    def __init__(self, fn, key, config):
        self.fn = fn
        self.key = key
        self.config = config
        self._derivative = None

    def derivative(self):
        if self._derivative is None:
            config = self.config
            build = pipeline.build_forward if self.key[0] == "jvp" else pipeline.build_reverse
            self._derivative = pipeline.derivative(self.fn, self.key,
                                                   lambda fn: build(fn, config))
        return self._derivative


def _python_function(fn):
    """The Python function to differentiate, or an S2SError saying why not."""
    target = pipeline.underlying_function(fn)
    if not inspect.isfunction(target):
        from .errors import S2SError, UnsupportedError
        if inspect.ismethod(target):
            import linecache
            code = getattr(target.__func__, "__code__", None)
            where = (code.co_filename, code.co_firstlineno,
                     linecache.getline(code.co_filename, code.co_firstlineno) or None) \
                if code is not None else ()
            raise UnsupportedError(
                f"{target!r} is a bound method; differentiate a plain function and pass "
                "the instance's arrays as arguments", *where)
        raise S2SError(f"s2s differentiates Python functions with source; {target!r} is a "
                       f"{type(target).__name__} (differentiate a function that calls it)")
    return target


def _wrt_names(fn, wrt):
    """wrt (a position, a name, or a tuple of them) -> (names, is_tuple)."""
    target = _python_function(fn)
    params = list(inspect.signature(target).parameters)
    many = isinstance(wrt, (tuple, list))
    items = list(wrt) if many else [wrt]
    names = []
    for item in items:
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            if not 0 <= item < len(params):
                raise ValueError(f"wrt={item} is out of range: {target.__name__} has "
                                 f"{len(params)} parameters ({', '.join(params)})")
            names.append(params[item])
        elif isinstance(item, str):
            if item not in params:
                raise ValueError(f"wrt={item!r} is not a parameter of {target.__name__} "
                                 f"(parameters: {', '.join(params)})")
            names.append(item)
        else:
            raise ValueError(f"wrt must be a parameter position or name, or a tuple of "
                             f"them; got {item!r}")
    return tuple(names), many


def _optimize_flag(optimize):
    if not isinstance(optimize, bool):
        raise ValueError(f"optimize must be True or False, got {optimize!r}")
    return optimize


def _make(fn, mode, wrt, output, prefix, optimize=True):
    names, many = _wrt_names(fn, wrt)
    if output is not None and not isinstance(output, (int, np.integer)):
        raise ValueError(f"output must be an integer index, got {output!r}")
    seed = "cotangent" if mode == "vjp" else "ones"
    config = ReverseConfig(names, mode=mode, output=output, seed=seed,
                           name_prefix=prefix, multiple=many)
    config.optimize = _optimize_flag(optimize)
    key = (mode, names, many, output) + (() if optimize else ("unoptimized",))
    spec = DerivativeSpec(fn, key, config)

    def derivative(*args, **kwargs):
        return (spec._derivative or spec.derivative()).function(*args, **kwargs)

    functools.update_wrapper(derivative, pipeline.underlying_function(fn), updated=())
    del derivative.__wrapped__
    return _dress(derivative, fn, prefix, spec)


def _decorator_or_call(fn, build):
    if fn is None:
        return build
    if not callable(fn):
        raise ValueError(f"expected a function to differentiate, got {fn!r}")
    return build(fn)


# optimize=False: the generated function exactly as the transform wrote it,
# before the optimisation passes (s2s/optimize.py, s2s/hoist.py); for
# reading and for checking the optimiser. Helpers it calls stay optimised.
def grad(f=None, wrt=0, *, output=None, optimize=True):
    """The gradient of f's (summed) output with respect to `wrt`."""
    return _decorator_or_call(f, lambda fn: _make(fn, "grad", wrt, output, "grad", optimize))


def value_and_grad(f=None, wrt=0, *, output=None, optimize=True):
    """A function returning (f(...), gradient), computed in one pass."""
    return _decorator_or_call(f, lambda fn: _make(fn, "value_and_grad", wrt, output,
                                                  "value_and_grad", optimize))


def vjp(f=None, wrt=0, *, optimize=True):
    """A function (*args, cotangent) -> (f(...), cotangent-weighted gradient)."""
    return _decorator_or_call(f, lambda fn: _make(fn, "vjp", wrt, None, "vjp", optimize))


def jvp(f=None, wrt=0, *, optimize=True, tangent_only=False):
    """Forward mode: a function (*args, tangent) -> (f(...), directional
    derivative). With a tuple `wrt`, tangent is a tuple of tangents.
    tangent_only=True: the function returns the directional derivative
    alone, and does not compute f's value where that is not needed."""
    def build(fn):
        from .forward import ForwardConfig
        names, many = _wrt_names(fn, wrt)
        config = ForwardConfig(names, tangent_only=tangent_only)
        config.optimize = _optimize_flag(optimize)
        key = ("jvp", names) + (() if optimize else ("unoptimized",)) + (
            ("tangent_only",) if tangent_only else ())
        spec = DerivativeSpec(fn, key, config)

        if many:
            def derivative(*args):
                *primals, tangents = args
                if len(tangents) != len(names):
                    raise ValueError(f"expected {len(names)} tangents (one per wrt), "
                                     f"got {len(tangents)}")
                return (spec._derivative or spec.derivative()).function(*primals, *tangents)
        else:
            def derivative(*args):
                return (spec._derivative or spec.derivative()).function(*args)
        return _dress(derivative, fn, "jvp", spec)
    return _decorator_or_call(f, build)


def _dress(derivative, fn, prefix, spec):
    derivative.__name__ = f"{prefix}_{getattr(pipeline.underlying_function(fn), '__name__', 'f')}"
    derivative.__qualname__ = derivative.__name__
    if derivative.__doc__ is None:
        derivative.__doc__ = f"{prefix} of {derivative.__name__[len(prefix) + 1:]} (generated by s2s)"
    derivative.__s2s__ = spec
    return derivative


def hvp(f=None, wrt=0):
    """A function (*args, v) -> H @ v, H the Hessian of sum(f) w.r.t. `wrt`:
    forward mode over the reverse-mode gradient, never forming H."""
    def build(fn):
        names, _ = _wrt_names(fn, wrt)
        if len(names) != 1:
            raise ValueError("hvp takes one wrt")
        # the gradient itself is not returned, so it is computed only as far
        # as its tangent needs it
        forward_over_reverse = jvp(grad(fn, wrt=names[0]), wrt=names[0], tangent_only=True)

        def hessian_vector_product(*args):
            return forward_over_reverse(*args)
        hessian_vector_product.__name__ = f"hvp_{getattr(fn, '__name__', 'f')}"
        hessian_vector_product.__s2s__ = forward_over_reverse.__s2s__
        return hessian_vector_product
    return _decorator_or_call(f, build)


def hessian(f=None, wrt=0):
    """A function returning the Hessian of sum(f) w.r.t. x, shaped
    x.shape + x.shape (TF's tf.hessians): one Hessian-vector product per
    element of x."""
    def build(fn):
        names, _ = _wrt_names(fn, wrt)
        params = list(inspect.signature(pipeline.underlying_function(fn)).parameters)
        position = params.index(names[0])
        product = hvp(fn, wrt=names[0])

        def hessian_of(*args):
            x = np.asarray(args[position])
            dtype = x.dtype if x.dtype.kind == "f" else np.float64
            columns = np.zeros((x.size,) + x.shape, dtype=dtype)
            basis = np.zeros(x.shape, dtype=dtype)
            flat = basis.reshape(-1)
            for j in range(x.size):
                flat[j] = 1.0
                columns[j] = product(*args, basis if x.ndim else dtype.type(1.0))
                flat[j] = 0.0
            # H is symmetric; columns[j] = H[:, j], laid out as x.shape + x.shape
            return np.moveaxis(columns.reshape(x.shape + x.shape), list(range(x.ndim)),
                               list(range(x.ndim, 2 * x.ndim))) if x.ndim else columns.reshape(())
        hessian_of.__name__ = f"hessian_{getattr(fn, '__name__', 'f')}"
        hessian_of.__s2s__ = product.__s2s__
        return hessian_of
    return _decorator_or_call(f, build)


def jacobian(f=None, wrt=0, *, mode=None):
    """A function returning the Jacobian of f w.r.t. x, shaped out.shape +
    x.shape. mode 'forward' (one jvp per input element), 'reverse' (one vjp
    per output element), or None: the one with fewer passes."""
    if mode not in (None, "forward", "reverse"):
        raise ValueError(f"mode must be 'forward', 'reverse' or None, got {mode!r}")

    def build(fn):
        names, _ = _wrt_names(fn, wrt)
        params = list(inspect.signature(pipeline.underlying_function(fn)).parameters)
        position = params.index(names[0])
        forward = jvp(fn, wrt=names[0])
        backward = vjp(fn, wrt=names[0])

        def jacobian_of(*args):
            x = np.asarray(args[position])
            dtype = x.dtype if x.dtype.kind == "f" else np.float64
            out = np.asarray(fn(*args))
            use = mode or ("forward" if x.size <= out.size else "reverse")
            if use == "forward":
                rows = []
                for j in range(x.size):
                    basis = np.zeros(x.size, dtype=dtype)
                    basis[j] = 1.0
                    tangent = basis.reshape(x.shape) if x.ndim else dtype.type(1.0)
                    rows.append(np.asarray(forward(*args, tangent)[1]).reshape(out.shape))
                stacked = np.stack(rows, axis=-1) if rows else np.zeros(out.shape + (0,))
                return stacked.reshape(out.shape + x.shape)
            rows = []
            for i in range(out.size):
                basis = np.zeros(out.size, dtype=out.dtype if out.dtype.kind == "f" else dtype)
                basis[i] = 1.0
                cotangent = basis.reshape(out.shape) if out.ndim else basis[0]
                rows.append(np.asarray(backward(*args, cotangent)[1]).reshape(x.shape))
            stacked = np.stack(rows, axis=0) if rows else np.zeros((0,) + x.shape)
            return stacked.reshape(out.shape + x.shape)
        jacobian_of.__name__ = f"jacobian_{getattr(fn, '__name__', 'f')}"
        return jacobian_of
    return _decorator_or_call(f, build)


class UnconnectedGradients(enum.Enum):
    """What gradients() returns for an x the ys do not depend on (TF's enum)."""
    NONE = "none"
    ZERO = "zero"


def gradients(f, wrt, *, stop_gradients=(), unconnected_gradients="none"):
    """tf.gradients on a function: returns g(*args, grad_ys=None) -> a list
    with one entry per wrt, each sum_j dy_j/dx, for the ys f returns.

    wrt and stop_gradients name parameters (by position or name) or local
    variables assigned once outside loops; a local's gradient is the total
    derivative through everything computed from it."""
    try:
        unconnected = UnconnectedGradients(getattr(unconnected_gradients, "value",
                                                   unconnected_gradients)).value
    except ValueError:
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero' (or "
                         f"s2s.UnconnectedGradients), got {unconnected_gradients!r}") from None
    target = pipeline.underlying_function(f)
    params = list(inspect.signature(target).parameters)
    wrt_names = tuple(_name_of(target, params, w)
                      for w in (wrt if isinstance(wrt, (tuple, list)) else (wrt,)))
    stop_names = tuple(_name_of(target, params, s) for s in (
        stop_gradients if isinstance(stop_gradients, (tuple, list, set)) else (stop_gradients,)))
    common = dict(unconnected=unconnected, stop=stop_names, multiple=True,
                  name_prefix="gradients")
    ones = DerivativeSpec(f, ("gradients", wrt_names, stop_names, unconnected, "ones"),
                          ReverseConfig(wrt_names, mode="grad", seed="ones", **common))
    seeded = DerivativeSpec(f, ("gradients", wrt_names, stop_names, unconnected, "seeded"),
                            ReverseConfig(wrt_names, mode="vjp", seed="cotangent", **common))

    params_of_wrt = [params.index(w) if w in params else None for w in wrt_names]
    absent = None if unconnected == "none" else "zero"

    def constants_are_unconnected(args, grads):
        """TF does not differentiate integer tensors: an integer or boolean
        argument gets None (or zeros)."""
        for k, position in enumerate(params_of_wrt):
            if position is not None and position < len(args) and _is_integral(args[position]):
                grads[k] = None if absent is None else np.zeros_like(args[position])
        return grads

    def gradients_of(*args, grad_ys=None):
        if grad_ys is None:
            return constants_are_unconnected(args, list(ones.derivative().function(*args)))
        made = seeded.derivative()
        many = made.config.returns_tuple
        if not isinstance(grad_ys, (list, tuple)) and not isinstance(grad_ys, np.ndarray):
            raise ValueError("grad_ys must be a list with one cotangent per y")
        grad_ys = [np.asarray(g) if isinstance(g, (list, tuple)) else g for g in grad_ys]
        try:
            value, grads = made.function(*args, tuple(grad_ys) if many else _single(grad_ys))
        except (ValueError, IndexError) as exc:
            value = f(*args)
            _check_grad_ys(value, grad_ys, many)
            raise ValueError(f"grad_ys do not fit the ys: {exc}") from exc
        _check_grad_ys(value, grad_ys, many)
        return constants_are_unconnected(args, list(grads))

    gradients_of.__name__ = f"gradients_{target.__name__}"
    gradients_of.__s2s__ = ones
    return gradients_of


def _is_integral(value):
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind in "iub"
    return isinstance(value, (int, bool, np.integer))


def _single(grad_ys):
    if len(grad_ys) != 1:
        raise ValueError(f"grad_ys has {len(grad_ys)} entries but the function returns "
                         "one y")
    return grad_ys[0]


def _check_grad_ys(value, grad_ys, many):
    ys = list(value) if many else [value]
    if len(grad_ys) != len(ys):
        raise ValueError(f"grad_ys has {len(grad_ys)} entries but the function returns "
                         f"{len(ys)} ys")
    for index, (y, g) in enumerate(zip(ys, grad_ys)):
        if np.shape(g) != np.shape(y):
            raise ValueError(f"grad_ys[{index}] has shape {np.shape(g)} but y {index} has "
                             f"shape {np.shape(y)}")


def _name_of(target, params, item):
    if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
        if not 0 <= item < len(params):
            raise ValueError(f"wrt={item} is out of range: {target.__name__} has "
                             f"{len(params)} parameters")
        return params[item]
    if isinstance(item, str):
        return item
    raise ValueError(f"expected a parameter position or a variable name, got {item!r}")


def source(df):
    """The generated source text of a derivative s2s returned."""
    spec = getattr(df, "__s2s__", None)
    if spec is not None:
        return spec.derivative().source
    made = getattr(df, "__s2s_derivative__", None)
    if made is not None:
        return made.source
    raise ValueError(f"{df!r} is not a function generated by s2s")


def numerical_gradient(f, args, index, eps=1e-6):
    """Central finite differences of sum(f(*args)) w.r.t. args[index], in float64."""
    # float arrays in float64; a Python float stays one (a 0-d array would
    # change in place under `x *= c`, where a float is rebound)
    args = [np.array(a, dtype=np.float64) if _is_float(a) and not isinstance(a, float)
            else a for a in args]
    x = args[index]
    scalar = np.ndim(x) == 0
    x = np.array(x, dtype=np.float64)
    grad_ = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _total(f(*_replace(args, index, x.copy() if not scalar else float(x))))
        flat[i] = original - eps
        minus = _total(f(*_replace(args, index, x.copy() if not scalar else float(x))))
        flat[i] = original
        grad_.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad_


def _is_float(a):
    return isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _replace(args, index, value):
    args = list(args)
    args[index] = value
    return args


def _total(value):
    if isinstance(value, (tuple, list)):
        return sum(float(np.sum(v)) for v in value)
    return float(np.sum(value))


def check_grads(f, args, wrt=0, order=1, rtol=1e-5, atol=1e-6):
    """Compare s2s derivatives of f at args with central finite differences
    (for order 2, finite differences of the s2s gradient); raise
    AssertionError naming the worst element."""
    names, _ = _wrt_names(f, wrt)
    params = list(inspect.signature(pipeline.underlying_function(f)).parameters)
    lower = f
    for _ in range(order - 1):
        lower = grad(lower, wrt=names[0] if len(names) == 1 else names)
    for name_ in names:
        index = params.index(name_)
        analytic = np.asarray(grad(lower, wrt=name_)(*args), dtype=np.float64)
        numeric = numerical_gradient(lower, args, index)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if np.any(error > 0):
            worst = np.unravel_index(np.argmax(error), np.shape(error)) if np.ndim(error) else ()
            raise AssertionError(
                f"d/d{name_} (order {order}) differs from finite differences at index "
                f"{worst}: s2s {np.asarray(analytic)[worst]!r}, numeric "
                f"{np.asarray(numeric)[worst]!r}")
    return True

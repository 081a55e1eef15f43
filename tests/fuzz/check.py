"""Run one generated program through s2s and judge the result.

A program is written to a .py file (s2s reads real source) and imported.
Its s2s gradient w.r.t. every float parameter (s2s.grad, and
s2s.value_and_grad for the value) is compared with central finite
differences in float64, and with autograd when it is importable.
"""
import copy
import hashlib
import importlib.util
import os
import re
import tempfile
import traceback
from dataclasses import dataclass

import numpy as np

import s2s
from s2s.api import numerical_gradient

PROGRAM_DIR = os.path.join(tempfile.gettempdir(), f"s2s_fuzz_{os.getuid()}")
HUGE = 1e6  # a program whose value or gradient exceeds this is skipped

try:  # optional third opinion
    import autograd
    import autograd.numpy as anp
except ImportError:  # pragma: no cover - depends on the environment
    autograd = None


@dataclass
class Outcome:
    kind: str  # ok | skipped:* | mismatch | value | consistency | shape | modified
               # | compile:<Error> | runtime:<Error> | generator:<Error>
               # | jvp-*, vjp-*, order2-* (the same for the other modes)
    detail: str = ""

    @property
    def ok(self):
        return self.kind == "ok" or self.kind.startswith("skipped")

    @property
    def failed(self):
        return not self.ok

    @property
    def signature(self):
        """What makes two failures the same bug, roughly: the kind, and for
        errors the message with names and numbers taken out."""
        if ":" in self.kind and not self.kind.startswith("skipped"):
            first = self.detail.strip().splitlines()[0] if self.detail.strip() else ""
            first = re.sub(r"\S+\.py:\d+: ", "", first)
            first = re.sub(r"\(<s2s-generated[^>]*>, line \d+\)", "", first)
            first = re.sub(r"<s2s-generated[^>]*>", "<generated>", first)
            first = re.sub(r"'[^']*'|\"[^\"]*\"", "'_'", first)
            first = re.sub(r"\b[a-z]+\d+\b", "_", first)
            first = re.sub(r"\d+", "N", first)
            return f"{self.kind}: {first[:120]}"
        return self.kind


def module_from_source(source, tag="prog", directory=PROGRAM_DIR):
    """Import source from a file named after its hash (so that linecache
    and inspect always see the text the function was made from)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{tag}_{digest}.py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    return module_from_path(path, f"s2s_fuzz_{tag}_{digest}")


def module_from_path(path, name=None):
    name = name or "s2s_fuzz_" + re.sub(r"\W", "_", os.path.basename(path)[:-3])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def total(value):
    if isinstance(value, (tuple, list)):
        return sum(float(np.sum(v)) for v in value)
    return float(np.sum(value))


def _close(got, expected, scale):
    """Finite differences with eps=1e-6 are good to about 1e-9 relative to
    the function's size; allow a wide margin over that."""
    got = np.asarray(got, dtype=np.float64)
    tol = 1e-6 * scale + 1e-5 * np.abs(expected) + 1e-6 * np.max(np.abs(expected), initial=0)
    return bool(np.all(np.abs(got - expected) <= tol))


def _first_error(exc):
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    generated = [f for f in frames if f.filename.startswith("<s2s-generated")]
    if generated:
        text += f"\n  at {generated[-1].filename}:{generated[-1].lineno}: {generated[-1].line}"
    return text


def _kind_of(exc, stage):
    if isinstance(exc, s2s.S2SError):
        return f"{stage}:{type(exc).__name__}"
    return f"{stage}:{type(exc).__name__}"


MODES = ("reverse", "jvp", "vjp", "order2")


def check_function(f, args, wrt, autograd_f=None, modes=("reverse",)):
    """Judge s2s on f at args, differentiating w.r.t. the names in wrt.
    modes: "reverse" (grad and value_and_grad against finite differences),
    "jvp" (forward mode along a random direction), "vjp" (a random
    cotangent), "order2" (grad of grad w.r.t. the first parameter)."""
    outcome = _check_reverse(f, args, wrt, autograd_f) if "reverse" in modes else Outcome("ok")
    for mode, check in (("jvp", _check_jvp), ("vjp", _check_vjp), ("order2", _check_order2)):
        if outcome.failed or outcome.kind.startswith("skipped") or mode not in modes:
            continue
        with np.errstate(all="ignore"):
            outcome = check(f, args, wrt)
    return outcome


def _positions(f, wrt):
    params = list(f.__code__.co_varnames[:f.__code__.co_argcount])
    return [params.index(w) for w in wrt]


def _direction(args, positions, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, np.shape(args[p])) if np.ndim(args[p])
            else float(rng.uniform(-1.0, 1.0)) for p in positions]


def _directional_fd(f, args, positions, direction, eps=1e-6):
    def at(t):
        moved = list(copy.deepcopy(args))
        for p, v in zip(positions, direction):
            moved[p] = np.asarray(moved[p], dtype=np.float64) + t * np.asarray(v)
            if np.ndim(args[p]) == 0:
                moved[p] = float(moved[p])
        return total(f(*moved))
    return (at(eps) - at(-eps)) / (2 * eps)


def _check_jvp(f, args, wrt):
    positions = _positions(f, wrt)
    direction = _direction(args, positions)
    try:
        made = s2s.jvp(f, wrt=tuple(wrt))
        made.__s2s__.derivative() if hasattr(made, "__s2s__") else None
    except Exception as exc:
        return Outcome(_kind_of(exc, "jvp-compile"), _first_error(exc))
    try:
        value, tangent = made(*copy.deepcopy(args), tuple(direction))
    except Exception as exc:
        return Outcome(_kind_of(exc, "jvp-runtime"), _first_error(exc))
    expected_value = f(*copy.deepcopy(args))
    if not _same_value(expected_value, value):
        return Outcome("jvp-value", f"jvp value {value!r}, f {expected_value!r}")
    got = total(tangent)
    numeric = _directional_fd(f, args, positions, direction)
    if not np.isfinite(got) or abs(got) > HUGE:
        return Outcome("skipped:range", f"jvp {got!r}")
    if _close(got, numeric, 1.0 + abs(total(expected_value))):
        return Outcome("ok")
    others = [_directional_fd(f, args, positions, direction, eps) for eps in (1e-4, 1e-5)]
    if not all(_close(o, numeric, 1e3 * (1.0 + abs(total(expected_value)))) for o in others):
        return Outcome("skipped:nonsmooth", "jvp")
    return Outcome("jvp-mismatch", f"jvp along {direction!r}: s2s {got!r}, "
                   f"finite differences {numeric!r}")


def _check_vjp(f, args, wrt):
    value = f(*copy.deepcopy(args))
    if isinstance(value, tuple):
        return Outcome("ok")  # one cotangent per output: not generated here
    positions = _positions(f, wrt)
    rng = np.random.default_rng(2)
    cotangent = rng.uniform(-1.0, 1.0, np.shape(value)) if np.ndim(value) else \
        float(rng.uniform(-1.0, 1.0))
    try:
        made = s2s.vjp(f, wrt=tuple(wrt))
        made.__s2s__.derivative()
    except Exception as exc:
        return Outcome(_kind_of(exc, "vjp-compile"), _first_error(exc))
    try:
        value2, grads = made(*copy.deepcopy(args), cotangent)
    except Exception as exc:
        return Outcome(_kind_of(exc, "vjp-runtime"), _first_error(exc))
    if not _same_value(value, value2):
        return Outcome("vjp-value", f"vjp value {value2!r}, f {value!r}")

    def weighted(*a):
        return np.sum(np.asarray(f(*a)) * cotangent)
    scale = 1.0 + abs(total(value))
    for position, name, got in zip(positions, wrt, grads):
        numeric = numerical_gradient(weighted, args, position)
        if not _close(got, numeric, scale):
            others = [numerical_gradient(weighted, args, position, eps) for eps in (1e-4, 1e-5)]
            if not all(_close(o, numeric, 1e3 * scale) for o in others):
                return Outcome("skipped:nonsmooth", f"vjp d/d{name}")
            return Outcome("vjp-mismatch", f"vjp d/d{name} with cotangent {cotangent!r}: "
                           f"s2s {got!r}, finite differences {numeric!r}")
    return Outcome("ok")


def _check_order2(f, args, wrt):
    name = wrt[0]
    position = _positions(f, wrt)[0]
    try:
        first = s2s.grad(f, wrt=name)
        second = s2s.grad(first, wrt=name)
        second.__s2s__.derivative()
    except Exception as exc:
        return Outcome(_kind_of(exc, "order2-compile"), _first_error(exc))
    try:
        got = second(*copy.deepcopy(args))
    except Exception as exc:
        return Outcome(_kind_of(exc, "order2-runtime"), _first_error(exc))
    if not np.all(np.isfinite(got)) or np.max(np.abs(got), initial=0) > HUGE:
        return Outcome("skipped:range", f"order 2: {got!r}")
    try:
        numeric = numerical_gradient(first, args, position)
        scale = 1.0 + float(np.sum(np.abs(first(*copy.deepcopy(args)))))
    except Exception as exc:
        return Outcome(_kind_of(exc, "order2-runtime"), _first_error(exc))
    if _close(got, numeric, scale):
        return Outcome("ok")
    others = [numerical_gradient(first, args, position, eps) for eps in (1e-4, 1e-5)]
    if not all(_close(o, numeric, 1e3 * scale) for o in others):
        return Outcome("skipped:nonsmooth", "order 2")
    return Outcome("order2-mismatch", f"d/d{name} sum(d/d{name} f): s2s {np.asarray(got)!r}, "
                   f"finite differences of the s2s gradient {numeric!r}")


def _check_reverse(f, args, wrt, autograd_f=None):
    positions = _positions(f, wrt)
    with np.errstate(all="ignore"):
        try:
            value = f(*copy.deepcopy(args))
        except Exception as exc:  # the program itself is broken
            return Outcome("generator:" + type(exc).__name__, _first_error(exc))
        scale = 1.0 + abs(total(value))
        if not np.isfinite(scale) or scale > HUGE:
            return Outcome("skipped:range", f"f = {total(value)!r}")

        g = s2s.grad(f, wrt=tuple(wrt))
        vg = s2s.value_and_grad(f, wrt=tuple(wrt))
        for fn in (g, vg):
            try:
                fn.__s2s__.derivative()
            except Exception as exc:
                return Outcome(_kind_of(exc, "compile"), _first_error(exc))
        before = copy.deepcopy(args)
        try:
            grads = g(*args)
            value2, grads2 = vg(*args)
        except Exception as exc:
            return Outcome(_kind_of(exc, "runtime"), _first_error(exc))
        for a, b in zip(before, args):
            if not np.array_equal(np.asarray(a), np.asarray(b)):
                return Outcome("modified", "the gradient call modified an argument")

        if not _same_value(value, value2):
            return Outcome("value", f"value_and_grad value {value2!r}, f {value!r}")
        for position, name, got, got2 in zip(positions, wrt, grads, grads2):
            x = args[position]
            if np.shape(got) != np.shape(x) or np.asarray(got).dtype != np.float64:
                return Outcome("shape", f"d/d{name}: shape {np.shape(got)} dtype "
                               f"{np.asarray(got).dtype}, input shape {np.shape(x)}")
            if not np.array_equal(np.asarray(got), np.asarray(got2), equal_nan=True):
                return Outcome("consistency", f"d/d{name}: grad {got!r} but value_and_grad "
                               f"{got2!r}")
            if not np.all(np.isfinite(got)) or np.max(np.abs(got), initial=0) > HUGE:
                return Outcome("skipped:range", f"d/d{name} = {got!r}")
            numeric = numerical_gradient(f, args, position)
            if _close(got, numeric, scale):
                continue
            # Near a kink or a branch boundary finite differences depend on
            # the step; only a difference every step agrees on is a bug.
            others = [numerical_gradient(f, args, position, eps) for eps in (1e-4, 1e-5)]
            if not all(_close(o, numeric, 1e3 * scale) for o in others):
                return Outcome("skipped:nonsmooth", f"d/d{name}")
            return Outcome("mismatch", f"d/d{name}: s2s {np.asarray(got)!r}, "
                           f"finite differences {numeric!r}")
        if autograd_f is not None:
            outcome = _compare_autograd(autograd_f, f, args, positions, wrt, grads, scale)
            if outcome is not None:
                return outcome
    return Outcome("ok")


def _same_value(a, b):
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(
            _same_value(x, y) for x, y in zip(a, b))
    return np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True) and \
        np.shape(a) == np.shape(b)


def _compare_autograd(autograd_f, f, args, positions, wrt, grads, scale):
    def summed(*a):
        out = autograd_f(*a)
        if isinstance(out, tuple):
            return sum(anp.sum(o) for o in out)
        return anp.sum(out)
    for position, name, got in zip(positions, wrt, grads):
        try:
            expected = autograd.grad(summed, position)(*copy.deepcopy(args))
        except Exception:  # autograd cannot run it: no opinion
            return None
        if np.shape(expected) != np.shape(args[position]):
            # not a gradient of this argument (autograd leaves a float's
            # gradient through np.where unsummed): no opinion
            return None
        expected = np.asarray(expected, dtype=np.float64)
        if not _close(got, expected, scale):
            # s2s already agrees with finite differences here; autograd is a
            # second opinion only when it is finite and closer to them
            numeric = numerical_gradient(f, args, position)
            if not np.all(np.isfinite(expected)) or \
                    np.max(np.abs(expected - numeric)) >= np.max(np.abs(got - numeric)):
                continue
            return Outcome("autograd", f"d/d{name}: s2s {got!r}, autograd {expected!r}")
    return None


def autograd_version(module_source):
    """The program again, with np bound to autograd.numpy (or None)."""
    if autograd is None:
        return None
    module = module_from_source(module_source, tag="ag")
    module.np = anp
    return module.f


def check_program(program, use_autograd=True, modes=("reverse",)):
    module = module_from_source(program.source)
    ag = autograd_version(program.source) if use_autograd else None
    return check_function(module.f, program.args, program.wrt, ag, modes)


# ---- regression files ----------------------------------------------------------

def _literal(value):
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def regression_text(program, outcome, modes=MODES):
    header = (f'"""s2s fuzz regression ({outcome.kind}).\n\n'
              + "\n".join(f"    {line}" for line in outcome.detail.splitlines()[:12])
              + '\n\nReplayed by tests/fuzz/test_fuzz.py::test_regression: f at ARGS,\n'
              'differentiated w.r.t. WRT, must match finite differences.\n"""\n')
    body = program.source.rstrip() + "\n"
    args = ", ".join(_literal(a) for a in program.args)
    tail = f"\n\nARGS = [{args}]\nWRT = {program.wrt!r}\nMODES = {tuple(modes)!r}\n"
    return header + body + tail


def save_regression(program, outcome, directory, modes=MODES):
    text = regression_text(program, outcome, modes)
    digest = hashlib.sha1(program.source.encode()).hexdigest()[:10]
    kind = re.sub(r"\W", "_", outcome.kind)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{kind}_{digest}.py")
    with open(path, "w") as fh:
        fh.write(text)
    return path


def replay(path):
    """Check a saved regression file again (in the modes it names, if any)."""
    module = module_from_path(path)
    args = [np.array(a) if isinstance(a, list) else a for a in module.ARGS]
    modes = tuple(getattr(module, "MODES", ("reverse",)))
    return check_function(module.f, args, tuple(module.WRT), modes=modes)

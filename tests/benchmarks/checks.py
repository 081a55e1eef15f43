"""Correctness checks: the hand-written references against finite differences,
and s2s results against the hand-written references.

Finite differences use a central difference with one Richardson step,
    D(h) = (phi(h) - phi(-h)) / 2h,    R = (4 D(h/2) - D(h)) / 3,
whose truncation error is O(h^4): with h ~ 1e-4 the check is accurate to
~1e-9 relative, far below the tolerance, without the round-off blow-up of a
tiny step.  Only a few coordinates per parameter are probed (a random subset
from a fixed seed) so the whole check costs a few seconds even for W3.
"""
from dataclasses import dataclass

import numpy as np

FD_RTOL = 1e-6      # normwise tolerance of the finite-difference check
VERIFY_RTOL = 1e-6  # s2s vs hand (np.allclose rtol)


@dataclass
class FDReport:
    ok: bool
    max_err: float   # worst |fd - hand| / scale over the probes
    probes: int      # number of directional derivatives evaluated
    detail: str = ""


def richardson(phi, h):
    """Derivative at 0 of t -> phi(t) (scalar or array valued)."""
    def central(s):
        return (np.asarray(phi(s)) - np.asarray(phi(-s))) / (2.0 * s)
    return (4.0 * central(h / 2.0) - central(h)) / 3.0


def _shift(args, i, direction, t):
    """args with args[i] moved by t * direction (a fresh copy; inputs untouched)."""
    moved = list(args)
    moved[i] = args[i] + t * direction
    return tuple(moved)


def _probe_indices(x, count, rng):
    size = np.size(x)
    return rng.choice(size, size=min(count, size), replace=False)


def _unit(x, flat_index):
    """The unit vector e_k shaped like x (1.0 for a Python scalar)."""
    if np.ndim(x) == 0:
        return 1.0
    e = np.zeros(np.shape(x))
    e.flat[flat_index] = 1.0
    return e


def _step(x, flat_index, rel):
    value = float(np.asarray(x).flat[flat_index]) if np.ndim(x) else float(x)
    return rel * max(1.0, abs(value))


def fd_gradient(f, args, wrt_index, grads, rel_step, count, rng):
    """Compare grads[p] (d f / d args[wrt_index[p]]) with finite differences of f."""
    worst, probes = 0.0, 0
    for i, g in zip(wrt_index, grads):
        scale = max(float(np.max(np.abs(g))), 1e-300)
        for k in _probe_indices(args[i], count, rng):
            e = _unit(args[i], k)
            fd = richardson(lambda t: f(*_shift(args, i, e, t)), _step(args[i], k, rel_step))
            worst = max(worst, abs(float(fd) - float(np.asarray(g).flat[k])) / scale)
            probes += 1
    return worst, probes


def fd_matrix_columns(grad, args, i, columns, rel_step, count, rng):
    """Compare columns of a Hessian with finite differences of the gradient."""
    worst, probes = 0.0, 0
    scale = max(float(np.max(np.abs(columns))), 1e-300)
    for k in _probe_indices(args[i], count, rng):
        e = _unit(args[i], k)
        fd = richardson(lambda t: grad(*_shift(args, i, e, t))[0], _step(args[i], k, rel_step))
        worst = max(worst, float(np.max(np.abs(fd - columns[..., k]))) / scale)
        probes += 1
    return worst, probes


def fd_directional(grad, args, i, direction, expected, rel_step):
    """Compare a Hessian-vector product with the derivative of grad along v."""
    fd = richardson(lambda t: grad(*_shift(args, i, direction, t))[0], rel_step)
    scale = max(float(np.max(np.abs(expected))), 1e-300)
    return float(np.max(np.abs(fd - expected))) / scale, 1


def check_hand(w, count=5, seed=0):
    """Validate w.hand (and w.hand_grad for second-order rows) against f."""
    rng = np.random.default_rng(seed)
    f_args = w.f_args
    if w.kind == "grad":
        err, n = fd_gradient(w.f, f_args, w.wrt_index, w.hand(*w.args), w.fd_step, count, rng)
        return FDReport(err <= FD_RTOL, err, n)
    # Second order: first the gradient against f, then the second derivative
    # against finite differences of that (now trusted) gradient.
    (i,) = w.wrt_index
    err1, n1 = fd_gradient(w.f, f_args, (i,), w.hand_grad(*f_args), w.fd_step, count, rng)
    if w.kind == "hvp":
        v = w.args[-1]
        err2, n2 = fd_directional(w.hand_grad, f_args, i, v, w.hand(*w.args)[0], w.fd_step)
    else:
        err2, n2 = fd_matrix_columns(w.hand_grad, f_args, i, w.hand(*w.args)[0],
                                     w.fd_step, count, rng)
    err = max(err1, err2)
    return FDReport(err <= FD_RTOL, err, n1 + n2,
                    f"gradient {err1:.1e}, second derivative {err2:.1e}")


def as_tuple(out, wrt):
    """s2s result in the hand gradient's layout.

    Per the API contract a single parameter name gives a bare array and a
    tuple of names a tuple; anything else is left as is so that a layout
    mistake shows up as a shape mismatch instead of being silently fixed."""
    return (out,) if isinstance(wrt, str) else tuple(out)


def compare(out, ref):
    """None when out matches ref (np.allclose, rtol 1e-6), else the reason."""
    if len(out) != len(ref):
        return f"{len(out)} results, expected {len(ref)}"
    for p, (o, r) in enumerate(zip(out, ref)):
        o, r = np.asarray(o), np.asarray(r)
        if o.shape != r.shape:
            return f"result {p}: shape {o.shape}, expected {r.shape}"
        scale = max(float(np.max(np.abs(r))), 1.0)
        # atol relative to the gradient's size: entries that cancel to ~0 in
        # one summation order may be ~1e-16 * scale in another.
        if not np.allclose(o, r, rtol=VERIFY_RTOL, atol=1e-8 * scale):
            rel = float(np.max(np.abs(o - r))) / max(float(np.max(np.abs(r))), 1e-300)
            return f"result {p}: max normwise error {rel:.1e}"
    return None

"""Benchmark workloads: plain NumPy functions and their hand-written gradients.

Every workload is
  * ``f``     -- a plain NumPy function, exactly what a user would hand to s2s;
  * ``hand``  -- the same derivative written by hand in NumPy, the "physical
                 limit" s2s is measured against (returns a tuple, one entry
                 per differentiated parameter);
  * ``args``  -- float64 inputs drawn from a fixed seed, so every run and every
                 ``--only`` selection sees the same numbers.

The functions live in this file (not in strings) because s2s reads a
function's source through ``inspect``; the compile-scaling functions, which
must be generated, are written to a real module file for the same reason.

``kind`` says which s2s transform the row exercises:
  grad     s2s.grad(f, wrt=...)(*args)
  hvp      s2s.hvp(f, wrt=...)(*args, v)     (args of f, then the vector)
  hessian  s2s.hessian(f, wrt=...)(*args)
Second-order rows also carry ``hand_grad``, a hand-written first derivative,
so the finite-difference check can validate the reference in two steps.
"""
import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

F64 = np.float64


@dataclass
class Workload:
    key: str                    # row id, e.g. "W1a"
    group: str                  # what --only matches besides the key, e.g. "W1"
    name: str                   # human description for the table
    f: Callable                 # plain NumPy function fed to s2s
    hand: Callable              # hand-written derivative, returns a tuple
    args: tuple                 # inputs of `hand` (and of f, plus v for hvp)
    wrt: object                 # parameter name, or tuple of names, as passed to s2s
    kind: str = "grad"          # grad | hvp | hessian
    hand_grad: Optional[Callable] = None  # first derivative, for second-order rows
    fd_step: float = 1e-4       # relative finite-difference step for the check

    @property
    def wrt_names(self):
        return (self.wrt,) if isinstance(self.wrt, str) else tuple(self.wrt)

    @property
    def wrt_index(self):
        """Positions of the differentiated parameters in f's signature."""
        names = self.f.__code__.co_varnames[:self.f.__code__.co_argcount]
        return tuple(names.index(n) for n in self.wrt_names)

    @property
    def f_args(self):
        """Arguments of f itself (the hvp row passes v only to the transform)."""
        return self.args[:-1] if self.kind == "hvp" else self.args


# ---------------------------------------------------------------------------
# W0 floor: the cheapest possible gradient = per-call overhead
# ---------------------------------------------------------------------------
def floor_f(x):
    return np.sum(x * x)


def floor_hand(x):
    return (2.0 * x,)


# ---------------------------------------------------------------------------
# W1 seed control flow: a while loop and an if on array values
# ---------------------------------------------------------------------------
def ctrl_f(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


def ctrl_hand(a):
    # f is linear in a along the path taken: c = scale * a.
    scale = 2.0
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
        scale *= 2.0
    if not np.sum(b) > 0:
        scale *= 100.0
    return (np.full_like(a, scale),)


# ---------------------------------------------------------------------------
# W2/W3 MLP: tanh hidden layer, softmax cross-entropy with one-hot labels
# ---------------------------------------------------------------------------
def mlp_f(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(Y * logp) / X.shape[0]


def mlp_hand(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    p = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    dlogits = (p - Y) / X.shape[0]
    dpre = (dlogits @ W2.T) * (1.0 - h * h)
    return X.T @ dpre, dpre.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0)


# ---------------------------------------------------------------------------
# W4 RNN: vanilla tanh RNN, Python for loop over time, loss on the last state
# ---------------------------------------------------------------------------
def rnn_f(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def _rnn_states(Wx, Wh, b, xs):
    """All hidden states h_0 (zeros) .. h_T, kept for the backward sweep."""
    hs = [np.zeros((xs.shape[1], Wh.shape[0]))]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    return hs


def _rnn_backward(Wx, Wh, b, xs, hs, dh_out):
    """Backpropagation through time; dh_out[t] is d loss / d h_{t+1} directly."""
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh = np.zeros_like(hs[0])
    for t in reversed(range(xs.shape[0])):
        dh = dh + dh_out(t)
        da = dh * (1.0 - hs[t + 1] ** 2)
        dWx += xs[t].T @ da
        dWh += hs[t].T @ da
        db += da.sum(axis=0)
        dh = da @ Wh.T
    return dWx, dWh, db


def rnn_hand(Wx, Wh, b, xs):
    hs = _rnn_states(Wx, Wh, b, xs)
    last = xs.shape[0] - 1
    return _rnn_backward(Wx, Wh, b, xs, hs,
                         lambda t: 2.0 * hs[-1] if t == last else 0.0)


# ---------------------------------------------------------------------------
# W9 RNN written with a Python list: every state enters the loss
# ---------------------------------------------------------------------------
def rnn_list_f(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
        hs.append(h)
    return np.sum(np.stack(hs) ** 2)


def rnn_list_hand(Wx, Wh, b, xs):
    hs = _rnn_states(Wx, Wh, b, xs)
    return _rnn_backward(Wx, Wh, b, xs, hs, lambda t: 2.0 * hs[t + 1])


# ---------------------------------------------------------------------------
# W5 scalar loop: a Python float through 200 steps of tiny scalar ops
# ---------------------------------------------------------------------------
def scalar_f(x):
    acc = 0.0
    for i in range(200):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc


def scalar_hand(x):
    c, s = np.cos(x), np.sin(x)
    g = 0.0
    for i in range(200):
        g = g + i * np.cos(x * i) * c - np.sin(x * i) * s
    return (g,)


# ---------------------------------------------------------------------------
# W6 logistic regression: mean logistic loss, labels in {0, 1}
# ---------------------------------------------------------------------------
def logreg_f(w, X, y):
    z = X @ w
    return np.sum(np.log1p(np.exp(z)) - y * z) / X.shape[0]


def logreg_hand(w, X, y):
    s = 1.0 / (1.0 + np.exp(-(X @ w)))
    return (X.T @ (s - y) / X.shape[0],)


# ---------------------------------------------------------------------------
# W7 Hessian-vector product of sum(softplus(A @ x))
# ---------------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus_f(x, A):
    return np.sum(np.log1p(np.exp(A @ x)))


def softplus_grad(x, A):
    return (A.T @ _sigmoid(A @ x),)


def softplus_hvp(x, A, v):
    # H = A^T diag(s (1 - s)) A, applied to v without forming it.
    s = _sigmoid(A @ x)
    return (A.T @ (s * (1.0 - s) * (A @ v)),)


# ---------------------------------------------------------------------------
# W8 full Hessian of sum(softplus(A @ x)) + sum(tanh(x)), 50 dimensions
# ---------------------------------------------------------------------------
def hess_f(x, A):
    return np.sum(np.log1p(np.exp(A @ x))) + np.sum(np.tanh(x))


def hess_grad(x, A):
    t = np.tanh(x)
    return (A.T @ _sigmoid(A @ x) + (1.0 - t * t),)


def hess_hand(x, A):
    s = _sigmoid(A @ x)
    t = np.tanh(x)
    # d/dx (1 - tanh^2) = -2 tanh (1 - tanh^2), only on the diagonal.
    H = (A.T * (s * (1.0 - s))) @ A + np.diag(-2.0 * t * (1.0 - t * t))
    return (H,)


# ---------------------------------------------------------------------------
# Compile-time scaling: generated straight-line functions of n statements
# ---------------------------------------------------------------------------
CHAIN_LENGTHS = (10, 100, 1000)
_CHAIN_DIR = None


def chain_source(n):
    """Source of `def chain_<n>(x)`: n statements `y = np.sin(y) * 1.01 + x`."""
    body = ["    y = x"] + ["    y = np.sin(y) * 1.01 + x"] * n + ["    return np.sum(y)"]
    return "\n".join(["import numpy as np", "", "", f"def chain_{n}(x):", *body, ""])


def load_chain(n):
    """Write chain_<n> to a real module file and import it.

    A real file (not exec of a string) so that inspect.getsource, which s2s
    relies on, finds the source exactly as for a user's function.  The
    directory lives until the process exits."""
    global _CHAIN_DIR
    if _CHAIN_DIR is None:
        _CHAIN_DIR = tempfile.mkdtemp(prefix="s2s_bench_")
        atexit.register(shutil.rmtree, _CHAIN_DIR, ignore_errors=True)
    mod_name = f"s2s_bench_chain_{n}"
    path = os.path.join(_CHAIN_DIR, mod_name + ".py")
    with open(path, "w") as fh:
        fh.write(chain_source(n))
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # some tools look the module up by name
    spec.loader.exec_module(module)
    return getattr(module, f"chain_{n}")


def chain_hand(x, n):
    # y_{k+1} = 1.01 sin(y_k) + x  =>  dy_{k+1}/dx = 1.01 cos(y_k) dy_k/dx + 1
    y, dy = x, np.ones_like(x)
    for _ in range(n):
        y, dy = np.sin(y) * 1.01 + x, 1.01 * np.cos(y) * dy + 1.0
    return (dy,)


# ---------------------------------------------------------------------------
# Registry.  Each factory builds its inputs from its own seed, so selecting a
# subset with --only never changes the numbers a row sees.
# ---------------------------------------------------------------------------
def _rng(seed):
    return np.random.default_rng(seed)


def make_w0():
    x = _rng(0).standard_normal(1)
    return Workload("W0", "W0", "floor: sum(x*x), x (1,)", floor_f, floor_hand, (x,), "x")


def make_w1(key, n):
    a = _rng(1).standard_normal(n)
    if n == 1:
        a = np.abs(a)  # the (1,) row takes the `c = b` branch
    else:
        a = -np.abs(a)  # the (1000,) row takes the `c = 100 * b` branch
    return Workload(key, "W1", f"seed control flow, a ({n},)", ctrl_f, ctrl_hand, (a,), "a")


def _mlp_args(seed, N, din, dh, dout):
    rng = _rng(seed)
    return (rng.standard_normal((din, dh)) / np.sqrt(din),
            0.1 * rng.standard_normal(dh),
            rng.standard_normal((dh, dout)) / np.sqrt(dh),
            0.1 * rng.standard_normal(dout),
            rng.standard_normal((N, din)),
            np.eye(dout)[rng.integers(dout, size=N)])


def make_w2():
    return Workload("W2", "W2", "MLP 8-16-4, batch 8", mlp_f, mlp_hand,
                    _mlp_args(2, 8, 8, 16, 4), ("W1", "b1", "W2", "b2"))


def make_w3():
    return Workload("W3", "W3", "MLP 784-512-10, batch 256", mlp_f, mlp_hand,
                    _mlp_args(3, 256, 784, 512, 10), ("W1", "b1", "W2", "b2"))


def _rnn_args(seed, T=50, B=16, nin=32, nh=64):
    rng = _rng(seed)
    return (rng.standard_normal((nin, nh)) / np.sqrt(nin),
            rng.standard_normal((nh, nh)) / np.sqrt(nh),
            0.1 * rng.standard_normal(nh),
            rng.standard_normal((T, B, nin)))


def make_w4():
    return Workload("W4", "W4", "RNN T=50 hidden 64 input 32 batch 16", rnn_f, rnn_hand,
                    _rnn_args(4), ("Wx", "Wh", "b"))


def make_w5():
    # Derivatives grow like i^k over 200 steps; a smaller step keeps the
    # finite-difference truncation error below the check's tolerance.
    return Workload("W5", "W5", "scalar loop, 200 steps (Python float)", scalar_f, scalar_hand,
                    (0.3,), "x", fd_step=1e-5)


def make_w6():
    rng = _rng(6)
    args = (0.1 * rng.standard_normal(100), rng.standard_normal((1000, 100)),
            (rng.random(1000) < 0.5).astype(F64))
    return Workload("W6", "W6", "logistic regression X (1000,100)", logreg_f, logreg_hand,
                    args, "w")


def make_w7():
    rng = _rng(7)
    A = rng.standard_normal((500, 500)) / np.sqrt(500)
    x, v = rng.standard_normal(500), rng.standard_normal(500)
    return Workload("W7", "W7", "HVP sum(log1p(exp(A@x))), A (500,500)", softplus_f,
                    softplus_hvp, (x, A, v), "x", kind="hvp", hand_grad=softplus_grad)


def make_w8():
    rng = _rng(8)
    A = rng.standard_normal((50, 50)) / np.sqrt(50)
    x = rng.standard_normal(50)
    return Workload("W8", "W8", "Hessian softplus(A@x)+tanh(x), 50-dim", hess_f, hess_hand,
                    (x, A), "x", kind="hessian", hand_grad=hess_grad)


def make_w9():
    return Workload("W9", "W9", "RNN with list append + np.stack, T=50", rnn_list_f,
                    rnn_list_hand, _rnn_args(9), ("Wx", "Wh", "b"))


def make_chain(n):
    x = _rng(100 + n).standard_normal(100)
    return Workload(f"C{n}", "C", f"compile scaling: {n} statements, x (100,)",
                    load_chain(n), lambda x: chain_hand(x, n), (x,), "x")


REGISTRY = {
    "W0": make_w0,
    "W1a": lambda: make_w1("W1a", 1),
    "W1b": lambda: make_w1("W1b", 1000),
    "W2": make_w2,
    "W3": make_w3,
    "W4": make_w4,
    "W5": make_w5,
    "W6": make_w6,
    "W7": make_w7,
    "W8": make_w8,
    "W9": make_w9,
    **{f"C{n}": (lambda n=n: make_chain(n)) for n in CHAIN_LENGTHS},
}


def _group(key):
    return "C" if key.startswith("C") else key.rstrip("ab")


def select(only):
    """Build the workloads whose key or group (W1 for W1a/W1b, C for C*) is in `only`."""
    wanted = {tok.strip() for tok in only.split(",") if tok.strip()} if only else None
    unknown = (wanted or set()) - set(REGISTRY) - {_group(k) for k in REGISTRY}
    if unknown:
        raise SystemExit(f"unknown workload(s) {sorted(unknown)}; known: {', '.join(REGISTRY)}")
    return [make() for key, make in REGISTRY.items()
            if wanted is None or key in wanted or _group(key) in wanted]

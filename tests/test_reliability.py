"""Reliability: compiling from many threads, deterministic output across
processes, and large functions (run with -s to see compile times)."""
import importlib.util
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import s2s
from s2s import pipeline
from s2s.api import numerical_gradient

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_module(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return import_file(str(path), f"s2s_reliability_{name}_{os.getpid()}")


# ---- threads -------------------------------------------------------------------

def run_in_threads(work, count=8):
    """Start `count` threads that call work(i) at the same moment; return
    their results (re-raising the first exception)."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def target(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a compiling thread hung"
    if errors:
        raise errors[0]
    return results


def threaded_helper(x, w):
    y = np.tanh(x * w)
    for i in range(3):
        y = y * np.cos(x) + 0.1 * i
    return y


def threaded_target(x, w):
    total = 0.0
    for row in x:
        total = total + np.sum(threaded_helper(row, w))
    if total > 0:
        total = total * 2.0
    return total


def threaded_other(x, w):
    return np.sum(threaded_helper(x, w) * w)


def test_eight_threads_compile_one_derivative(tmp_path):
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    w = np.array([0.5, -0.3, 0.8])
    # A function nobody compiled yet, from a fresh module file.
    module = write_module(tmp_path, "threads_fresh", """
        import numpy as np

        def inner(x, w):
            return np.sin(x) * w

        def f(x, w):
            y = x
            for i in range(2):
                y = inner(y, w) + y
            return np.sum(y * y)
    """)
    expected = [numerical_gradient(module.f, [x, w], k) for k in (0, 1)]

    def work(i):
        g = s2s.grad(module.f, wrt=(0, 1))  # a new spec in every thread
        value = g(x, w)
        return g.__s2s__.derivative(), s2s.source(g), value

    results = run_in_threads(work)
    derivatives = {id(d) for d, _, _ in results}
    assert len(derivatives) == 1, "each thread compiled its own derivative"
    assert len({src for _, src, _ in results}) == 1
    cached = pipeline._cache[module.f]
    assert len([k for k in cached if k[0] == "grad"]) == 1
    assert results[0][0] is next(v for k, v in cached.items() if k[0] == "grad")
    for _, _, (gx, gw) in results:
        np.testing.assert_allclose(gx, expected[0], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gw, expected[1], rtol=1e-6, atol=1e-9)


def test_threads_share_one_derivative_object_and_call_it_concurrently():
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    w = np.array([0.5, -0.3, 0.8])
    g = s2s.grad(threaded_target, wrt=("x", "w"))
    expected = [numerical_gradient(threaded_target, [x, w], k) for k in (0, 1)]
    results = run_in_threads(lambda i: (g(x, w), g.__s2s__.derivative()))
    assert len({id(d) for _, d in results}) == 1
    for (gx, gw), _ in results:
        np.testing.assert_allclose(gx, expected[0], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(gw, expected[1], rtol=1e-6, atol=1e-9)


def test_threads_compiling_different_functions_with_a_shared_helper():
    x = np.array([0.3, -0.6, 0.9])
    w = np.array([0.5, -0.3, 0.8])
    functions = [threaded_other, threaded_helper] * 4
    transforms = [s2s.grad, s2s.value_and_grad] * 4

    def work(i):
        made = transforms[i // 2 % 2](functions[i], wrt="x")
        out = made(x, w)
        return out[1] if isinstance(out, tuple) else out

    results = run_in_threads(work)
    for i, got in enumerate(results):
        expected = numerical_gradient(functions[i], [x, w], 0)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


# ---- determinism -------------------------------------------------------------------

DETERMINISM_MODULE = """
import numpy as np

def helper(a, b):
    c = a * b
    if np.sum(c) > 0:
        c = np.tanh(c)
    return c + np.sin(a)

def f(x, y, n):
    acc = 0.0
    z = x
    for i in range(n):
        z = helper(z, y) * 0.5
        k = 0
        while np.sum(z * z) < 4.0 and k < 3:
            z = z * 1.5
            k += 1
    for row in y:
        acc = acc + np.sum(row * z)
    out = np.maximum(z, 0.1) * acc if acc > 0 else z - acc
    return np.sum(out), np.mean(z)
"""

DETERMINISM_SCRIPT = """
import importlib.util, sys
import s2s
spec = importlib.util.spec_from_file_location("det_module", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
for made in (s2s.grad(m.f, wrt=("x", "y")), s2s.value_and_grad(m.f, output=1),
             s2s.vjp(m.helper, wrt=(0, 1)), s2s.grad(m.helper)):
    print(s2s.source(made))
    print("=" * 20)
"""


def test_generated_source_is_identical_across_processes(tmp_path):
    module = tmp_path / "det_module.py"
    module.write_text(DETERMINISM_MODULE)
    outputs = []
    for hash_seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT, str(module)],
                              capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count("=" * 20) == 4


def test_generated_source_is_identical_when_compiled_twice_in_one_process(tmp_path):
    sources = []
    for k in range(2):  # two module objects from the same file: two functions
        path = tmp_path / "det_module.py"
        path.write_text(DETERMINISM_MODULE)
        module = import_file(str(path), f"s2s_det_{k}")
        sources.append(s2s.source(s2s.grad(module.f, wrt=("x", "y"))))
    assert sources[0] == sources[1]


# ---- size -------------------------------------------------------------------------------

def long_function_source(statements):
    """A straight-line chain of `statements` statements over two inputs."""
    lines = ["import numpy as np", "", "", "def f(x, y):", "    a = x * 1.0",
             "    b = y * 1.0"]
    ops = ["    a = a + 0.001 * np.sin(b)", "    b = b * 0.999 + 0.001 * np.cos(a)",
           "    c{k} = a * b", "    a = a + 0.0001 * c{k}", "    b = np.tanh(b) * 0.5 + b * 0.5"]
    for k in range(statements - 3):
        lines.append(ops[k % len(ops)].format(k=k // len(ops)))
    lines.append("    return np.sum(a * b)")
    return "\n".join(lines) + "\n"


def test_two_thousand_statement_function(tmp_path):
    source = long_function_source(2000)
    assert source.count("\n    ") == 2000
    path = tmp_path / "long_function.py"
    path.write_text(source)
    module = import_file(str(path), "s2s_reliability_long")
    x, y = np.array([0.3, -0.5, 0.8]), np.array([0.1, 0.7, -0.4])
    g = s2s.grad(module.f, wrt=(0, 1))
    start = time.perf_counter()
    g.__s2s__.derivative()
    compiled = time.perf_counter() - start
    start = time.perf_counter()
    gx, gy = g(x, y)
    ran = time.perf_counter() - start
    print(f"\n2000-statement function: compile {compiled:.2f}s, gradient {ran * 1e3:.1f} ms, "
          f"generated {len(s2s.source(g).splitlines())} lines")
    np.testing.assert_allclose(gx, numerical_gradient(module.f, [x, y], 0), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(gy, numerical_gradient(module.f, [x, y], 1), rtol=1e-6,
                               atol=1e-9)


def nested_helpers_source(depth):
    """h0 calls h1 calls ... h{depth-1}; f calls h0."""
    lines = ["import numpy as np", ""]
    for k in range(depth):
        inner = f"h{k + 1}(np.sin(x) * w, w)" if k + 1 < depth else "np.tanh(x * w)"
        lines += ["", f"def h{k}(x, w):", f"    y = x * 0.9 + {inner} * 0.5",
                  "    return y + 0.01 * w", ""]
    lines += ["", "def f(x, w):", "    return np.sum(h0(x, w) * x)", ""]
    return "\n".join(lines)


def test_twenty_nested_helper_calls(tmp_path):
    path = tmp_path / "nested_helpers.py"
    path.write_text(nested_helpers_source(20))
    module = import_file(str(path), "s2s_reliability_nested")
    x, w = np.array([0.3, -0.5, 0.8]), np.array([1.1, 0.7, -0.4])
    g = s2s.grad(module.f, wrt=("x", "w"))
    start = time.perf_counter()
    gx, gw = g(x, w)
    elapsed = time.perf_counter() - start
    print(f"\n20 nested helpers: compile and first call {elapsed:.2f}s")
    np.testing.assert_allclose(gx, numerical_gradient(module.f, [x, w], 0), rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(gw, numerical_gradient(module.f, [x, w], 1), rtol=1e-6,
                               atol=1e-9)
    # every helper got its own pullback, compiled once
    for k in range(20):
        keys = [key for key in pipeline._cache[getattr(module, f"h{k}")]
                if key[0] == "pullback"]
        assert len(keys) >= 1


def many_contributions_source(statements):
    """y = np.sin(y) * 1.01 + x, `statements` times: x's adjoint gets as many
    contributions."""
    lines = ["import numpy as np", "", "", "def f(x):", "    y = x"]
    lines += ["    y = np.sin(y) * 1.01 + x"] * statements
    return "\n".join(lines + ["    return np.sum(y)"]) + "\n"


def test_many_contributions_to_one_adjoint_stay_separate_lines(tmp_path):
    # folding each contribution into the next would nest 400 additions in one
    # expression (a RecursionError when it is compiled)
    path = tmp_path / "many_contributions.py"
    path.write_text(many_contributions_source(400))
    module = import_file(str(path), "s2s_reliability_contributions")
    x = np.array([0.3, -0.5, 0.8])
    g = s2s.grad(module.f)
    np.testing.assert_allclose(g(x), numerical_gradient(module.f, [x], 0), rtol=1e-6, atol=1e-9)
    assert max(len(line) for line in s2s.source(g).splitlines()) < 200

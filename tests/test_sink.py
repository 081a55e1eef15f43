"""Sinking a forward loop into its reverse loop (sink.py): the reverse loop
computes again what its adjoint reads, and the forward loop goes, when
nothing else needs what it computes. Each test checks the gradient against
finite differences, and the generated code for the loop(s) it must have."""
import numpy as np
import pytest

import s2s
from s2s import pipeline
from s2s.api import numerical_gradient

from helpers import assert_grad_fd, rand


def _code(source):
    return "\n".join(line for line in source.splitlines()
                     if not line.strip().startswith("#"))


def _loops(f, **kwargs):
    src = _code(s2s.source(s2s.grad(f, **kwargs)))
    return src.count("for "), src.count("_stack = []"), src


SHAPES = [(), (3,), (2, 3)]


# ---- sunk: one loop, no stack ---------------------------------------------
def scalar_series(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n", [0, 1, 4])
def test_series_runs_one_loop(shape, n):
    x = rand(*shape, seed=3)
    got = s2s.grad(scalar_series)(x, n)
    expected = numerical_gradient(lambda x: np.sum(scalar_series(x, n)), (x,), 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    closed = sum(i * np.cos(x * i) * np.cos(x) - np.sin(x * i) * np.sin(x)
                 for i in range(n)) + 0.0 * np.asarray(x)
    np.testing.assert_allclose(got, closed, atol=1e-12)
    loops, stacks, src = _loops(scalar_series)
    assert (loops, stacks) == (1, 0), src
    assert "reversed(range(n))" in src


@pytest.mark.parametrize("n", [0, 3])
def test_second_derivative_of_a_sunk_loop(n):
    # hvp differentiates the one-loop gradient in forward mode
    x = rand(3, seed=16)
    g = s2s.grad(scalar_series)
    H = s2s.hessian(scalar_series)(x, n)
    fd = np.stack([numerical_gradient(lambda y, j=j: g(y, n)[j], [x], 0) for j in range(3)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-7)
    # d/dx of sum_i sin(x i) cos(x), elementwise: diagonal
    closed = sum(-(i * i + 1.0) * np.sin(x * i) * np.cos(x) - 2.0 * i * np.cos(x * i) * np.sin(x)
                 for i in range(n)) + 0.0 * x
    np.testing.assert_allclose(H, np.diag(closed), atol=1e-10)


def named_locals(x):
    acc = 0.0
    for i in range(5):
        s = np.sin(x * i)       # a user's name, assigned before it is read
        c = np.exp(-s)
        acc = acc + s * c
    return acc


@pytest.mark.parametrize("shape", SHAPES)
def test_named_values_are_computed_again(shape):
    x = rand(*shape, seed=1)
    got = assert_grad_fd(named_locals, (x,))[0]
    closed = sum(i * np.cos(x * i) * (1.0 - np.sin(x * i)) * np.exp(-np.sin(x * i))
                 for i in range(5))
    np.testing.assert_allclose(got, closed, atol=1e-12)
    loops, stacks, src = _loops(named_locals)
    assert (loops, stacks) == (1, 0), src


def over_a_list(x, ws):
    acc = 0.0
    for w in ws:
        acc = acc + np.sin(x * w)
    return acc


def test_loop_over_a_list():
    x, ws = rand(3, seed=5), [rand(3, seed=s) for s in range(6, 9)]
    got = s2s.grad(over_a_list)(x, ws)
    expected = numerical_gradient(lambda x: over_a_list(x, ws), (x,), 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, sum(w * np.cos(x * w) for w in ws), atol=1e-12)
    # w's shape class is not known, so neither is acc's: the seed reads acc,
    # and the forward loop stays
    loops, _, src = _loops(over_a_list)
    assert loops == 2, src


# ---- kept: what the loop computes is needed --------------------------------
def squared_after_the_loop(x):
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(x * i)
    return acc * acc            # its adjoint reads acc


def carried(x):
    h = x
    for i in range(4):
        h = np.tanh(h * 1.5 + i)   # each step reads the last one
    return np.sum(h)


def shape_from_after_the_loop(x):
    acc = 0.0
    for i in range(4):
        acc = acc + np.tanh(x * i)
    y = acc * 2.0               # the seed takes y's shape, so acc's
    return y


def broadcast_in_the_loop(x, y):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sin(x * i) + y   # acc grows to the broadcast of x and y
    return acc


@pytest.mark.parametrize("shapes", [((3,), (2, 1)), ((3,), (3,)), ((), (2, 3)), ((2, 3), ())])
def test_accumulator_of_growing_shape_stays(shapes):
    # `t = acc + sin(x * i)` reads acc for its shape: the loop stays
    x, y = rand(*shapes[0], seed=8), rand(*shapes[1], seed=9)
    assert_grad_fd(broadcast_in_the_loop, (x, y), wrt=(0, 1))
    loops, _, src = _loops(broadcast_in_the_loop, wrt=(0, 1))
    assert loops == 2, src


def seed_shaped_by_the_loop(x, y):
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(x * i) * y   # no value outside has acc's shape...
    return acc                          # ...so its seed reads acc


@pytest.mark.parametrize("shapes", [((3,), (2, 1)), ((), ()), ((2, 3), (3,))])
def test_seed_that_reads_the_loop_result(shapes):
    # found only by the check after the derivative is built
    x, y = rand(*shapes[0], seed=13), rand(*shapes[1], seed=14)
    assert_grad_fd(seed_shaped_by_the_loop, (x, y), wrt=(0, 1))
    loops, _, src = _loops(seed_shaped_by_the_loop, wrt=(0, 1))
    assert loops == 2 and "ones_like_seed(acc)" in src, src


def loop_variable_after(x):
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(x * i)
    return acc * i              # the loop variable's last value


@pytest.mark.parametrize("f", [squared_after_the_loop, carried, loop_variable_after,
                               shape_from_after_the_loop])
@pytest.mark.parametrize("shape", SHAPES)
def test_loops_whose_results_are_needed_stay(f, shape):
    assert_grad_fd(f, (rand(*shape, seed=10),))
    loops, _, src = _loops(f)
    assert loops == 2, src


@pytest.mark.parametrize("shape", SHAPES)
def test_value_and_grad_keeps_the_forward_loop(shape):
    x = rand(*shape, seed=11)
    value, g = s2s.value_and_grad(scalar_series)(x, 4)
    np.testing.assert_allclose(value, scalar_series(x, 4), atol=1e-14)
    np.testing.assert_allclose(g, s2s.grad(scalar_series)(x, 4), atol=1e-12)
    src = _code(s2s.source(s2s.value_and_grad(scalar_series)))
    assert src.count("for ") == 2


def outer_index(x):
    acc = 0.0
    for j in range(3):
        for i in range(2):
            acc = acc + np.sin(x * i * j)   # j changes: not one value per function
    return acc


@pytest.mark.parametrize("shape", SHAPES)
def test_nested_loops(shape):
    assert_grad_fd(outer_index, (rand(*shape, seed=12),))


def inner_loop_only(x, n):
    # the inner loop computes only from x and i, but acc is read for its
    # shape (an accumulator is recognised in a top-level loop only): it stays
    acc = 0.0
    for j in range(n):
        y = x * (j + 1.0)       # the outer loop's own work stays
        for i in range(3):
            acc = acc + np.sin(x * i) * 0.5
        acc = acc * 0.9 + np.cos(y)
    return acc


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("n", [0, 1, 3])
def test_inner_loop_inside_an_outer_one(shape, n):
    x = rand(*shape, seed=15)
    got = s2s.grad(inner_loop_only)(x, n)
    expected = numerical_gradient(lambda x: np.sum(inner_loop_only(x, n)), (x,), 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, s2s.grad(inner_loop_only, optimize=False)(x, n),
                               rtol=1e-12, atol=1e-14)


def test_without_optimisation_nothing_is_sunk():
    config = pipeline.ReverseConfig(["x"])
    config.optimize = False
    src = _code(pipeline.build_reverse(scalar_series, config).source)
    assert src.count("for ") == 2


# ---- random series: the sinking paths with random loop bodies --------------
UNARY = ["np.sin", "np.cos", "np.tanh", "np.exp"]


def _series_source(rng, index):
    """A random `acc = acc + ...` loop over range(n) (the sinkable shape),
    sometimes with an iteration-local name, a second accumulator, or a use
    after the loop that needs the loop's values (then it must stay)."""
    def term():
        inner = rng.choice(["x * i", "x * (i + 1.0)", "y - 0.1 * i", "x * y * i"])
        value = f"{rng.choice(UNARY)}({inner} * 0.3)"
        if rng.random() < 0.5:
            value = f"{value} * {rng.choice(['y', 'x', 'c', '0.5'])}"
        return value
    lines = [f"def series_{index}(x, y, n):", "    c = np.cos(y)", "    acc = 0.0"]
    second = rng.random() < 0.3
    if second:
        lines.append("    other = 0.0")
    lines.append("    for i in range(n):")
    if rng.random() < 0.5:
        lines.append(f"        s = {term()}")
        lines.append(f"        acc = acc + s * {rng.choice(['s', 'c', '1.5'])}")
    else:
        lines.append(f"        acc = acc + {term()}")
    if second:
        lines.append(f"        other = other - {term()}")
    after = rng.choice(["acc", "acc", "acc * 3.0", "acc * acc", "acc + x", "np.sum(acc)",
                        "acc / (1.0 + c * c)", "acc * y"])
    if second:
        after = f"{after} + other"
    lines.append(f"    return {after}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def series_module(tmp_path_factory):
    import importlib.util
    rng = np.random.default_rng(2026)
    source = "import numpy as np\n\n\n" + "\n\n".join(
        _series_source(rng, k) for k in range(40))
    path = tmp_path_factory.mktemp("series") / "series_programs.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("series_programs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("index", range(40))
def test_random_series(series_module, index):
    f = getattr(series_module, f"series_{index}")
    shapes = [((3,), (3,)), ((), ()), ((2, 3), (3,)), ((3,), (2, 1))][index % 4]
    x, y = rand(*shapes[0], seed=index), rand(*shapes[1], seed=index + 100)
    n = [0, 1, 4][index % 3]
    fast = s2s.grad(f, wrt=(0, 1))(x, y, n)
    plain = s2s.grad(f, wrt=(0, 1), optimize=False)(x, y, n)
    for position, (a, b) in enumerate(zip(fast, plain)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        expected = numerical_gradient(lambda *args: np.sum(f(*args)), (x, y, n), position)
        np.testing.assert_allclose(a, expected, rtol=1e-6, atol=1e-8)
    value, grads = s2s.value_and_grad(f, wrt=(0, 1))(x, y, n)
    np.testing.assert_allclose(value, f(x, y, n), rtol=1e-14)


def test_random_series_sink_some_loops(series_module):
    # the generator must exercise both outcomes
    counts = [_loops(getattr(series_module, f"series_{k}"), wrt=(0, 1))[0] for k in range(40)]
    assert counts.count(1) >= 5 and counts.count(2) >= 5, counts

"""The optimisation passes one by one: each test shows the pass changed the
generated code, and that the gradient is still the finite-difference one
(with optimize=False as the reference where it helps)."""
import re

import numpy as np
import pytest

import s2s
from s2s import pipeline
from s2s.api import numerical_gradient
from s2s.forward import ForwardConfig
from s2s.reverse import ReverseConfig

from helpers import assert_grad_fd, rand


def _code(source):
    """The generated source without its comments (which quote the user)."""
    return "\n".join(line for line in source.splitlines()
                     if not line.strip().startswith("#"))


def _plain_source(f, wrt):
    config = ReverseConfig(wrt)
    config.optimize = False
    return pipeline.build_reverse(f, config)


# ---- shape classes: a broadcast of x and y has one class -----------------
def broadcast_twice(x, y):
    a = x * y
    b = np.sin(x) + np.cos(y)   # same broadcast of x and y as a
    return np.sum(a * b)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((4, 1), (1, 5)),
                                    ((), (3,))])
def test_broadcast_of_the_same_values_needs_no_unbroadcast(shapes):
    x, y = rand(*shapes[0], seed=1), rand(*shapes[1], seed=2)
    assert_grad_fd(broadcast_twice, (x, y), wrt=(0, 1))
    src = s2s.source(s2s.grad(broadcast_twice, wrt=(0, 1)))
    # a * b: both have the class {x, y}; only the reductions to x and y remain
    assert ", a)" not in src and ", b)" not in src
    assert "unbroadcast(" in src


# ---- a value read only for its shape is replaced by an earlier one --------
def softplus_loss(w, X, y):
    z = X @ w
    return np.sum(np.log1p(np.exp(z)) - y * z) / X.shape[0]


def test_value_read_only_for_its_shape_is_not_computed():
    X, w, y = rand(20, 4, seed=3), rand(4, seed=4), (rand(20, seed=5) > 0) * 1.0
    assert_grad_fd(softplus_loss, (w, X, y), wrt=0)
    src = _code(s2s.source(s2s.grad(softplus_loss)))
    assert "np.log1p" not in src  # its value never enters the gradient
    assert "np.log1p" in _code(_plain_source(softplus_loss, ["w"]).source)
    np.testing.assert_allclose(s2s.grad(softplus_loss)(w, X, y),
                               _plain_source(softplus_loss, ["w"]).function(w, X, y))


def shape_from_later_value(x, y):
    a = np.exp(x) * y      # class {x, y}
    b = np.tanh(x)         # class {x}
    return np.sum(a) + np.sum(b * 2.0)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (2, 3)), ((2, 1), (1, 4))])
def test_shape_stand_ins_keep_broadcasting_right(shapes):
    x, y = rand(*shapes[0], seed=6), rand(*shapes[1], seed=7)
    assert_grad_fd(shape_from_later_value, (x, y), wrt=(0, 1))


# ---- loop-invariant code motion -------------------------------------------
def invariant_in_loop(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc


@pytest.mark.parametrize("x", [0.3, np.array([0.1, -0.7, 1.2])])
@pytest.mark.parametrize("n", [0, 1, 5])
def test_invariant_moves_out_of_the_loop(x, n):
    f = invariant_in_loop
    expected = numerical_gradient(lambda x: np.sum(f(x, n)), (x,), 0)
    np.testing.assert_allclose(s2s.grad(f)(x, n), expected, rtol=1e-6, atol=1e-8)
    closed = sum(i * np.cos(x * i) * np.cos(x) - np.sin(x * i) * np.sin(x) for i in range(n))
    np.testing.assert_allclose(s2s.grad(f)(x, n), closed + 0.0 * np.asarray(x), atol=1e-12)
    src = _code(s2s.source(s2s.grad(f)))
    loop_start = src.index("for i in reversed(range(n))")
    assert src.index("np.cos(x)") < loop_start  # computed once, before the loop
    # and only there: the one loop left (sink.py) computes sin(x * i) itself
    assert src.count("np.cos(x)") == 1 and src.count("for ") == 1
    assert "_stack" not in src


def test_invariant_moves_in_forward_mode_too():
    x, v = 0.4, 1.0
    value, tangent = s2s.jvp(invariant_in_loop)(x, 7, v)
    assert value == pytest.approx(invariant_in_loop(x, 7))
    assert tangent == pytest.approx(s2s.grad(invariant_in_loop)(x, 7))
    src = _code(s2s.source(s2s.jvp(invariant_in_loop)))
    assert src.index("np.cos(x)") < src.index("for i in range(n)")


def changed_in_loop(x):
    y = x * 1.0
    total = 0.0
    for i in range(3):
        c = np.cos(y)          # y changes below: must stay in the loop
        total = total + np.sum(c)
        y[i % 2] = y[i % 2] * 2.0
    return total


def changed_by_helper(x):
    y = x * 1.0
    total = 0.0
    for i in range(3):
        c = np.exp(y)          # double_first writes into y
        total = total + np.sum(c)
        double_first(y)
    return total


def double_first(y):
    y[0] = y[0] * 2.0


def test_values_changed_in_the_loop_stay_in_it():
    x = rand(3, seed=8)
    assert_grad_fd(changed_in_loop, (x,))
    src = _code(s2s.source(s2s.grad(changed_in_loop)))
    # cos(y) itself is not needed by the gradient; its adjoint reads y
    assert src.index("np.sin(y)") > src.index("for i in reversed(range(3))")


def test_value_handed_to_a_function_stays_in_the_loop():
    from s2s.hoist import hoist_invariants
    prepared = pipeline.Prepared(changed_by_helper)
    hoist_invariants(prepared.normalized, prepared.parsed, prepared.locals)
    import gast
    loop = next(s for s in prepared.normalized.body if isinstance(s, gast.For))
    inside = {n.id for s in loop.body for n in gast.walk(s) if isinstance(n, gast.Name)}
    assert "y" in inside and any(
        isinstance(s, gast.Assign) and isinstance(s.value, gast.Call)
        and getattr(s.value.func, "attr", None) == "exp" for s in loop.body)


def test_forward_config_unoptimized_keeps_the_loop_as_written():
    config = ForwardConfig(["x"])
    config.optimize = False
    src = _code(pipeline.build_forward(invariant_in_loop, config).source)
    assert src.index("np.cos(x)") > src.index("for i in range(n)")


# ---- optimize=False through the API ---------------------------------------
def unoptimized_cases():
    x, y = rand(4, seed=11), rand(3, 4, seed=12)
    return [(softplus_loss, (rand(4, seed=4), rand(20, 4, seed=3), rand(20, seed=5)), 0),
            (broadcast_twice, (x, y), (0, 1)),
            (invariant_in_loop, (0.7, 6), 0),
            (shape_from_later_value, (x, y), (0, 1))]


@pytest.mark.parametrize("case", range(4))
def test_optimize_false_gives_the_same_derivatives(case):
    f, args, wrt = unoptimized_cases()[case]
    plain, optimized = s2s.grad(f, wrt=wrt, optimize=False), s2s.grad(f, wrt=wrt)
    for a, b in zip(np.atleast_1d(plain(*args)) if not isinstance(wrt, tuple)
                    else plain(*args),
                    np.atleast_1d(optimized(*args)) if not isinstance(wrt, tuple)
                    else optimized(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert s2s.source(plain) != s2s.source(optimized)
    tangent = np.ones_like(np.asarray(args[0], dtype=float))
    if not isinstance(wrt, tuple):
        v1 = s2s.jvp(f, optimize=False)(*args, tangent)
        v2 = s2s.jvp(f)(*args, tangent)
        np.testing.assert_allclose(v1[1], v2[1], rtol=1e-12, atol=1e-14)
        value, g = s2s.value_and_grad(f, optimize=False)(*args)
        np.testing.assert_allclose(value, f(*args))


def test_optimize_must_be_a_bool():
    with pytest.raises(ValueError, match="optimize"):
        s2s.grad(softplus_loss, optimize="no")


# ---- a reassigned value keeps its class when every assignment gives it ----
def doubling_loop(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    if np.sum(b) > 0:
        c = b
    else:
        c = 100 * b
    return np.sum(c)


@pytest.mark.parametrize("a", [np.array([0.3]), -rand(5, seed=13), rand(2, 3, seed=14)])
def test_loop_that_keeps_the_shape_pushes_nothing(a):
    assert_grad_fd(doubling_loop, (a,))
    src = _code(s2s.source(s2s.grad(doubling_loop)))
    assert "_stack" not in src and "unbroadcast" not in src


def growing_in_loop(x, w, n):
    b = x * 1.0
    for i in range(n):
        b = b * w          # broadcasts b up to w's shape on the first pass
    return np.sum(b)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((3,), (2, 3)), ((), (4,)), ((2, 1), (1, 3))])
@pytest.mark.parametrize("n", [0, 1, 3])
def test_loop_that_changes_the_shape_is_not_assumed_to_keep_it(shapes, n):
    x, w = rand(*shapes[0], seed=15), rand(*shapes[1], seed=16)
    for position in (0, 1):
        expected = numerical_gradient(lambda *a: growing_in_loop(*a, n), (x, w), position)
        got = s2s.grad(growing_in_loop, wrt=position)(x, w, n)
        assert np.shape(got) == np.shape((x, w)[position])
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def branches_of_two_shapes(x, y):
    if np.sum(x) > 0:
        c = x * 2.0
    else:
        c = x * y          # another shape when y is larger than x
    return np.sum(c * c)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_branches_giving_two_shapes(sign):
    x, y = sign * np.abs(rand(3, seed=17)), rand(2, 3, seed=18)
    assert_grad_fd(branches_of_two_shapes, (x, y), wrt=(0, 1))


def reassigned_parameter(x, n):
    for i in range(n):
        x = np.sin(x) * 1.5
    return np.sum(x)


def test_reassigned_parameter_keeps_its_class():
    x = rand(4, seed=19)
    assert_grad_fd(reassigned_parameter, (x, 3), wrt=0)
    assert "unbroadcast" not in _code(s2s.source(s2s.grad(reassigned_parameter)))


# ---- temporaries folded back into their single reader ----------------------
def tanh_layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h * h)


def test_single_use_temporaries_are_folded_into_their_reader():
    W, b, X = rand(4, 3, seed=20), rand(3, seed=21), rand(5, 4, seed=22)
    assert_grad_fd(tanh_layer, (W, b, X), wrt=(0, 1))
    src = _code(s2s.source(s2s.grad(tanh_layer, wrt=(0, 1))))
    plain = _code(pipeline.build_reverse(tanh_layer, _unoptimized_config(["W", "b"])).source)
    assert "np.tanh(X @ W + b)" in src       # t1 = X @ W and t2 = t1 + b are gone
    assert len(src.splitlines()) < len(plain.splitlines())


def _unoptimized_config(wrt):
    config = ReverseConfig(wrt)
    config.optimize = False
    return config


def popped_between(x, n):
    y = x * 1.0
    for i in range(n):
        y = np.sin(y) + y * 0.5   # y is pushed and popped around these temporaries
    return np.sum(y)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_folding_never_moves_a_read_past_a_restore(n):
    x = rand(3, seed=23)
    assert_grad_fd(popped_between, (x, n))
    for line in _code(s2s.source(s2s.grad(popped_between))).splitlines():
        if ".pop()" in line:  # a restore stays a plain assignment
            assert line.strip().count("=") == 1


# ---- a large value read later only for its shape is released --------------
def bias_layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h * h)


@pytest.mark.parametrize("rows", [3, 300])
def test_value_kept_only_for_its_shape_is_released(rows):
    W, b, X = rand(4, 64, seed=24), rand(64, seed=25), rand(rows, 4, seed=26)
    got = s2s.grad(bias_layer, wrt=(0, 1))(W, b, X)
    for position, g in enumerate(got):
        np.testing.assert_allclose(g, numerical_gradient(bias_layer, (W, b, X), position),
                                   rtol=1e-5, atol=1e-6)
    src = _code(s2s.source(s2s.grad(bias_layer, wrt=(0, 1))))
    lines = [line.strip() for line in src.splitlines()]
    # X @ W is not kept, nor read for its shape: the matmul adjoint sums the
    # adjoint of X @ W + b down to the product's shape itself
    assert "h = np.tanh(X @ W + b)" in lines
    assert "W_bar = matmul_adjoint_b(t2_bar, X, W)" in lines
    assert "matmul_like" not in src and "unbroadcast(t2_bar, b)" in src


def elementwise_then_bias(x, b):
    y = np.cumsum(x, axis=1) * 0.1   # a shape class of its own
    return np.sum(np.tanh(y + b))


@pytest.mark.parametrize("rows", [3, 300])
def test_large_value_read_only_for_shape_is_released(rows):
    x, b = rand(rows, 64, seed=30), rand(64, seed=31)
    got = s2s.grad(elementwise_then_bias, wrt=(0, 1))(x, b)
    plain = s2s.grad(elementwise_then_bias, wrt=(0, 1), optimize=False)(x, b)
    for position, g in enumerate(got):
        np.testing.assert_allclose(g, plain[position], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(  # a sum of 19,200 terms: differences to ~1e-5
            g, numerical_gradient(elementwise_then_bias, (x, b), position), rtol=1e-4, atol=1e-5)
    src = _code(s2s.source(s2s.grad(elementwise_then_bias, wrt=(0, 1))))
    assert "shape_stand_in(" in src  # the cumulative sum is read later only for its shape


@pytest.mark.parametrize("shapes", [((4,), (4, 3)), ((5, 4), (4,)), ((4,), (4,)),
                                    ((2, 5, 4), (4, 3)), ((2, 1, 5, 4), (3, 4, 2))])
def test_matmul_like_has_the_product_shape(shapes):
    from s2s.runtime import matmul_like
    a, b = np.ones(shapes[0]), np.ones(shapes[1], dtype=np.float32)
    like = matmul_like(a, b)
    product = a @ b
    assert like.shape == np.shape(product) and like.dtype == product.dtype


def layer_shapes(x, W, b):
    return np.sum(np.tanh(x @ W + b) ** 2)


@pytest.mark.parametrize("shapes", [((4,), (4, 3), (3,)), ((5, 4), (4, 3), (1, 3)),
                                    ((2, 5, 4), (4, 3), (3,)), ((5, 4), (4, 1), (5, 3))])
def test_layer_gradients_with_the_product_shape_from_its_operands(shapes):
    x, W, b = (rand(*s, seed=32 + k) for k, s in enumerate(shapes))
    assert_grad_fd(layer_shapes, (x, W, b), wrt=(0, 1, 2))


def test_shape_stand_in_has_the_shape_and_dtype_and_no_data():
    from s2s.runtime import SHAPE_STAND_IN_SIZE, shape_stand_in
    big = np.ones((SHAPE_STAND_IN_SIZE, 2), dtype=np.float32)
    stand_in = shape_stand_in(big)
    assert stand_in.shape == big.shape and stand_in.dtype == big.dtype
    assert stand_in.strides == (0, 0) and not np.shares_memory(stand_in, big)
    small = np.ones(3)
    assert shape_stand_in(small) is small and shape_stand_in(2.5) == 2.5


# ---- an accumulator started from a constant grows no stack -----------------
def accumulate(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc


def accumulate_minus(x, w, n):
    total = 0.0
    for i in range(n):
        total = np.tanh(x * w) - total
    return np.sum(total * total)


def accumulate_reading_itself(x, n):
    acc = 1.0
    for i in range(n):
        acc = acc + x * acc        # acc is read for its value: must be kept
    return np.sum(acc)


def accumulate_from_active(x, n):
    acc = x * 0.5                  # starts active: its adjoint matters
    for i in range(n):
        acc = acc + np.exp(x * 0.1 * i)
    return np.sum(acc)


@pytest.mark.parametrize("x", [0.7, rand(3, seed=27), rand(2, 3, seed=28)])
@pytest.mark.parametrize("n", [0, 1, 6])
def test_accumulators(x, n):
    w = rand(*np.shape(x), seed=29) if np.ndim(x) else 0.3
    cases = [(accumulate, (x, n)), (accumulate_minus, (x, w, n)),
             (accumulate_reading_itself, (x, n)), (accumulate_from_active, (x, n))]
    for f, args in cases:
        expected = numerical_gradient(lambda *a: np.sum(f(*a)), args, 0)
        got = s2s.grad(f)(*args)
        assert np.shape(got) == np.shape(x), f.__name__
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8, err_msg=f.__name__)


def test_accumulating_loop_pushes_no_accumulator():
    assert "acc_stack" not in _code(s2s.source(s2s.grad(accumulate)))
    assert "acc_stack" in _code(s2s.source(s2s.grad(accumulate_reading_itself)))


def long_accumulation(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + x * 0.5
    return acc


def test_long_accumulation_keeps_nothing_per_iteration():
    src = _code(s2s.source(s2s.grad(long_accumulation)))
    assert "_stack" not in src
    assert s2s.grad(long_accumulation)(2.0, 100_000) == pytest.approx(50_000.0)


def softplus_mean(w, X, y):
    z = X @ w
    return np.mean(np.log1p(np.exp(z)) - y * z)


def test_mean_reads_only_the_shape_of_its_argument():
    X, w, y = rand(20, 4, seed=40), rand(4, seed=41), (rand(20, seed=42) > 0) * 1.0
    assert_grad_fd(softplus_mean, (w, X, y), wrt=0)
    src = _code(s2s.source(s2s.grad(softplus_mean)))
    assert "np.log1p" not in src          # reduced_size reads only a shape
    # the adjoint of the mean is one number (1 / the count, for which y * z
    # is made); summed down to exp(z)'s shape it is a number too, times how
    # many elements of y * z go into each (uniform.py, summed_down)
    assert "= 1.0 / reduced_size(y * z, None)" in src, src
    assert "broadcast_count(y, " in src and "unreduce(" not in src, src


# ---- an accumulated term shaped like the sum needs no unbroadcast -------------
def accumulate_into_bigger_start(x, n):
    acc = np.zeros((2, 3))         # the start is bigger than the term
    for i in range(n):
        acc = acc + np.sin(x * i)
    return np.sum(acc * acc)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_accumulated_term_keeps_its_unbroadcast_when_the_start_is_bigger(n):
    x = rand(3, seed=43)
    assert_grad_fd(accumulate_into_bigger_start, (x, n))
    assert "unbroadcast" in _code(s2s.source(s2s.grad(accumulate_into_bigger_start)))


def test_accumulated_term_from_a_number_needs_no_unbroadcast():
    src = _code(s2s.source(s2s.grad(accumulate)))
    assert "unbroadcast" not in src
    assert "unbroadcast" in _code(_plain_source(accumulate, ["x"]).source)


# ---- adjoints that are one number spread over an array stay numbers -----------
doubling = doubling_loop  # seed case 12 with a summed output


@pytest.mark.parametrize("a", [0.3, -0.3, rand(1, seed=44), rand(4, seed=45),
                               rand(2, 3, seed=46)])
def test_scaled_sum_adjoint_is_computed_on_a_number(a):
    got = assert_grad_fd(doubling, (a,), rtol=1e-7)[0]
    np.testing.assert_array_equal(got, _plain_source(doubling, ["a"]).function(a))
    src = _code(s2s.source(s2s.grad(doubling)))
    assert "c_bar = 1.0" in src and "b_bar = b_bar * 2" in src
    assert src.count("unreduce(") == 1  # the array is made once, at the end


def test_number_adjoint_keeps_the_dtype_of_the_array():
    a = np.array([0.3, -0.2], dtype=np.float32)
    got = s2s.grad(doubling)(a)
    assert got.dtype == np.float32 and got.shape == (2,)
    np.testing.assert_array_equal(got, _plain_source(doubling, ["a"]).function(a))


def two_sums(x, y):
    return 3.0 * np.sum(np.tanh(x)) + np.sum(x * y)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((4, 1), (1, 5)),
                                    ((), (3,)), ((3,), ())])
def test_number_adjoint_read_by_broadcasting_arithmetic(shapes):
    x, y = rand(*shapes[0], seed=47), rand(*shapes[1], seed=48)
    assert_grad_fd(two_sums, (x, y), wrt=(0, 1))


def sum_then_matrix(x, W):
    s = np.sum(x) * 2.0
    return np.sum(np.tanh(s * x @ W))


def loop_reading_the_sum(x, n):
    c = x * 1.0
    total = np.sum(c)
    out = 0.0
    for i in range(n):
        out = out + np.sum(np.outer(c, c)) * 0.0 + total * total
    return out


@pytest.mark.parametrize("n", [0, 1, 3])
def test_number_adjoints_next_to_loops_and_products(n):
    x = rand(3, seed=49)
    assert_grad_fd(loop_reading_the_sum, (x, n))
    x, W = rand(3, seed=50), rand(3, 2, seed=51)
    assert_grad_fd(sum_then_matrix, (x, W), wrt=(0, 1))


def seed_of_an_array_output(a):
    b = a * 3.0
    return b * 2.0


def test_seed_of_an_array_output_is_a_number():
    a = rand(2, 3, seed=52)
    np.testing.assert_allclose(s2s.grad(seed_of_an_array_output)(a), np.full((2, 3), 6.0))
    assert "ones_like_seed" not in _code(s2s.source(s2s.grad(seed_of_an_array_output)))


# ---- loop-invariant code motion, in the primal and in the adjoint sweep --------
def accumulate_scaled(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc * 3.0


def test_invariant_adjoint_product_is_computed_once():
    src = _code(s2s.source(s2s.grad(accumulate_scaled)))
    reverse_loop = src[src.index("reversed(range("):]
    assert "np.cos(t1)" in reverse_loop and "* t3" not in reverse_loop
    assert "acc_bar * t3" in src[:src.index("reversed(range(")]
    for x in (0.7, rand(3, seed=53)):
        assert_grad_fd(accumulate_scaled, (x, 4))


def test_seed_of_an_accumulator_is_folded_away():
    src = _code(s2s.source(s2s.grad(accumulate)))
    assert "acc" not in src.split("\n", 1)[1]  # neither the sum nor its seed is computed
    reverse_loop = src[src.index("reversed(range("):]
    assert "t3_bar = t3_bar + np.sin(t1)\n" in reverse_loop


def bound_on_one_branch(x, c, n):
    if c > 0:
        y = x * 2.0
    acc = 0.0
    for i in range(n):
        acc = acc + np.sin(y) * i   # invariant, but y exists only if c > 0
    return acc + np.sum(x * x)


@pytest.mark.parametrize("c, n", [(-1.0, 0), (1.0, 0), (1.0, 3)])
def test_invariant_is_not_moved_before_its_operand_exists(c, n):
    x = rand(2, seed=54)
    assert_grad_fd(bound_on_one_branch_summed, (x, c, n))


def bound_on_one_branch_summed(x, c, n):
    return np.sum(bound_on_one_branch(x, c, n))


# ---- folding a seed of ones keeps the gradient a float array ----------------
def maximum_sum(x, y):
    return np.sum(np.maximum(x, y))


def product_sum(x, y):
    return np.sum(x * y)


def test_gradient_through_a_mask_is_float():
    x, y = np.array([1.0, 1.0, 1.0]), np.array([0.0, 2.0, 3.0])
    g = s2s.grad(maximum_sum)(x, y)
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [1.0, 0.0, 0.0])


def test_gradient_with_integer_data_is_float():
    g = s2s.grad(product_sum)(np.ones(3), np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [1.0, 2.0, 3.0])
    assert s2s.grad(floor_like)(np.array([1, 2])).dtype == np.float64


def floor_like(x):
    return np.sum(x * x)


# ---- a keepdims reduction broadcasts into what it reduced ----------------
def centred(x, w):
    z = x - np.mean(x, axis=-1, keepdims=True)   # z has x's shape
    return np.sum(w * z * z)


def normalised(x):
    e = np.exp(x)
    p = e / np.sum(e, axis=1, keepdims=True)   # p has e's (and x's) shape
    return np.sum(p * np.cos(x))


def centred_other(x, y):
    # y's shape is not x's: the reduction of x does not tell y's adjoint its shape
    return np.sum((y - np.max(x, axis=1, keepdims=True)) ** 2)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
def test_keepdims_reduction_has_the_shape_of_its_operand(shape):
    x, w = rand(*shape, seed=1), rand(*shape, seed=2)
    assert_grad_fd(centred, (x, w))
    # z = x - mean(x): z's adjoint needs no unbroadcast to x, and the mean's
    # adjoint is added to x's without being spread first
    plain = _code(_plain_source(centred, ("x",)).source)
    code = _code(s2s.source(s2s.grad(centred)))
    for pattern in (r"unbroadcast\(z_bar, x\)", r"unreduce\(\w+, x, "):
        assert re.search(pattern, plain), plain
        assert not re.search(pattern, code), code


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4)])
def test_spread_of_a_keepdims_adjoint_is_left_to_the_product(shape):
    # e's adjoint through the sum is unreduce(s_bar, e, 1, True) * e, and
    # the product broadcasts s_bar over axis 1 by itself
    x = rand(*shape, seed=3)
    assert_grad_fd(normalised, (x,))
    assert "unreduce" in _code(_plain_source(normalised, ("x",)).source)
    code = _code(s2s.source(s2s.grad(normalised)))
    assert "unreduce" not in code, code
    np.testing.assert_allclose(s2s.grad(normalised)(x), s2s.grad(normalised, optimize=False)(x),
                               rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("shapes", [((4, 3), (3,)), ((4, 3), (4, 1)), ((4, 3), (2, 4, 3))])
def test_keepdims_reduction_of_another_value_keeps_unbroadcast(shapes):
    x, y = rand(*shapes[0], seed=4), rand(*shapes[1], seed=5)
    assert_grad_fd(centred_other, (x, y), wrt=(0, 1))
    assert "unbroadcast" in _code(s2s.source(s2s.grad(centred_other, wrt=1)))


# ---- a copy followed by an update of the copy ----------------------------
def _statements(source):
    import gast
    return gast.parse(source).body


def _unparsed(stmts):
    import astor
    import gast
    return [astor.to_source(gast.gast_to_ast(s)).strip() for s in stmts]


@pytest.mark.parametrize("source, expected", [
    ("a = b\nc = 1\na = a + e", ["c = 1", "a = b + e"]),
    ("a = b\na = a * a", ["a = b * b"]),
    # b changes between: the copy stays
    ("a = b\nb = 2\na = a + e", ["a = b", "b = 2", "a = a + e"]),
    # a is read between: the copy stays
    ("a = b\nf(a)\na = a + e", ["a = b", "f(a)", "a = a + e"]),
    # the next assignment does not read a: nothing to fold into
    ("a = b\na = e", ["a = b", "a = e"]),
])
def test_copy_folds_into_the_update_that_follows(source, expected):
    from s2s.optimize import _fold_copies_into_updates
    stmts = _statements(source)
    _fold_copies_into_updates(stmts)
    assert _unparsed(stmts) == expected


# ---- summing an adjoint down once: t = a + b, t = a @ b read once --------
def products_plus_bias(X, W, V, c):
    return np.sum(np.tanh(X @ W + X @ V - c) ** 2)


def rnn_like(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    return np.sum(h * h)


def vector_product_plus(X, w, c):
    return np.sum(np.sin(c + X @ w))


@pytest.mark.parametrize("c_shape", [(4,), (5, 4), (3, 5, 4), (5, 1), (1,)],
                         ids=lambda s: "c" + "x".join(map(str, s)))
def test_product_adjoint_is_summed_down_by_the_matmul_adjoints(c_shape):
    # c may broadcast the products up (3, 5, 4): the adjoint reaching the
    # products is then larger than they are, and the matmul adjoints sum it
    X, W, V = rand(5, 3, seed=40), rand(3, 4, seed=41), rand(3, 4, seed=42)
    c = rand(*c_shape, seed=43)
    assert_grad_fd(products_plus_bias, (X, W, V, c), wrt=(0, 1, 2, 3))
    code = _code(s2s.source(s2s.grad(products_plus_bias, wrt=(0, 1, 2, 3))))
    lines = [line.strip() for line in code.splitlines()]
    # the adjoint of (X @ W + X @ V) - c goes to the matmul adjoints as it is
    assert "W_bar = matmul_adjoint_b(t4_bar, X, W)" in lines, code
    assert "V_bar = matmul_adjoint_b(t4_bar, X, V)" in lines, code
    assert "matmul_like" not in code and not re.search(r"unbroadcast\([^()]*, t3\)", code)
    plain = _code(_plain_source(products_plus_bias, ("X", "W", "V", "c")).source)
    assert re.search(r"unbroadcast\([^()]*, t3\)", plain), plain


@pytest.mark.parametrize("c_shape", [(5,), (2, 5), ()], ids=str)
def test_matrix_vector_product_summed_down(c_shape):
    X, w, c = rand(5, 3, seed=44), rand(3, seed=45), rand(*c_shape, seed=46)
    assert_grad_fd(vector_product_plus, (X, w, c), wrt=(0, 1, 2))


@pytest.mark.parametrize("b_shape", [(6,), (4, 6)], ids=str)
def test_recurrent_layer_keeps_only_what_the_hand_written_one_keeps(b_shape):
    Wx, Wh = rand(3, 6, seed=47) * 0.5, rand(6, 6, seed=48) * 0.5
    b, xs = rand(*b_shape, seed=49), rand(5, 4, 3, seed=50)
    assert_grad_fd(rnn_like, (Wx, Wh, b, xs), wrt=(0, 1, 2))
    code = _code(s2s.source(s2s.grad(rnn_like, wrt=(0, 1, 2))))
    # the states h are pushed (xs[t] is taken again in the reverse loop); no
    # product nor sum is kept for its shape
    stacks = [line.strip() for line in code.splitlines() if line.strip().endswith("= []")]
    assert len(stacks) == 1, code
    assert "matmul_like" not in code


def test_matmul_adjoints_sum_a_larger_adjoint_down():
    from s2s.runtime import matmul_adjoint_a, matmul_adjoint_b, unbroadcast
    a, b, v = rand(5, 3, seed=51), rand(3, 4, seed=52), rand(3, seed=53)
    for g_shape, right in [((2, 5, 4), b), ((5, 4), rand(3, 1, seed=54)), ((2, 5), v)]:
        g = rand(*g_shape, seed=55)
        product = a @ right
        g_small = unbroadcast(g, product)
        np.testing.assert_allclose(matmul_adjoint_a(g, a, right),
                                   matmul_adjoint_a(g_small, a, right), rtol=1e-13)
        np.testing.assert_allclose(matmul_adjoint_b(g, a, right),
                                   matmul_adjoint_b(g_small, a, right), rtol=1e-13)
    # a number spread over the product
    np.testing.assert_allclose(matmul_adjoint_b(2.0, a, b), a.T @ np.full((5, 4), 2.0))


@pytest.mark.parametrize("source, expected", [
    ("a = f(x) * 2\nc = 1\na = a + e", ["c = 1", "a = f(x) * 2 + e"]),
    # what the first value reads changes between: it stays where it is
    ("a = x * 2\nx = 3\na = a + e", ["a = x * 2", "x = 3", "a = a + e"]),
    ("a = x * 2\nx.append(1)\na = a + e", ["a = x * 2", "x.append(1)", "a = a + e"]),
    # read twice by the update: not duplicated
    ("a = x * 2\na = a * a", ["a = x * 2", "a = a * a"]),
    # a block between: not looked into
    ("a = x * 2\nfor i in r:\n    pass\na = a + e", ["a = x * 2", "for i in r:\n    pass",
                                                    "a = a + e"]),
])
def test_pure_first_value_folds_into_the_update(source, expected):
    import gast

    from s2s.optimize import _fold_copies_into_updates
    stmts = _statements(source)
    _fold_copies_into_updates(stmts, lambda value: True,
                              lambda value: not isinstance(value, gast.Call)
                              or value.func.attr != "append")
    assert _unparsed(stmts) == expected


def first_then_second(x, y):
    return np.sum(np.sin(x) * x * y)


def test_first_contribution_folds_into_the_second():
    x, y = rand(3, 4, seed=60), rand(4, seed=61)
    assert_grad_fd(first_then_second, (x, y), wrt=(0, 1))
    code = _code(s2s.source(s2s.grad(first_then_second)))
    assert code.count("x_bar =") == 1, code


def least_squares(w, X, y):
    return np.sum((X @ w - y) ** 2)


@pytest.mark.parametrize("y_shape", [(6,), (3, 6), ()], ids=str)
def test_square_loss_needs_no_array_of_ones(y_shape):
    # power_slope(r, 2) has r's shape, so the seed 1.0 stays a number
    w, X, y = rand(4, seed=70), rand(6, 4, seed=71), rand(*y_shape, seed=72)
    assert_grad_fd(least_squares, (w, X, y), wrt=(0, 1, 2))
    assert "unreduce" not in _code(s2s.source(s2s.grad(least_squares)))
    assert "unreduce" in _code(_plain_source(least_squares, ("w",)).source)


# ---- recomputed instead of pushed: `t1 = x * i`, `t4 = xs[t]` ------------
def sines(x):
    acc = 0.0
    for i in range(6):
        acc = acc + np.sin(x * i) * np.cos(x)
    return acc


def rows_times(w, xs):
    acc = 0.0
    for t in range(xs.shape[0]):
        acc = acc + np.sum(np.tanh(xs[t] * w))
    return acc


def shift_changes(x, y):
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(x * i + y)
        y = y * 0.5
    return acc


def rebound_after(x):
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(x * i)
    x = x * 2.0
    return acc + x


def _stacks(f, wrt=0):
    code = _code(s2s.source(s2s.grad(f, wrt=wrt)))
    return [line.strip().split(" =")[0] for line in code.splitlines()
            if line.strip().endswith("= []")]


@pytest.mark.parametrize("x", [0.7, np.array([0.3, -1.1, 2.0])], ids=["float", "array"])
def test_index_products_are_recomputed_not_pushed(x):
    assert_grad_fd(sines, (x,))
    # value_and_grad keeps the forward loop, for acc (for grad alone, sink.py
    # drops that loop, see test_sink.py)
    value, g = s2s.value_and_grad(sines)(x)
    np.testing.assert_allclose(g, s2s.grad(sines)(x), atol=1e-14)
    code = _code(s2s.source(s2s.value_and_grad(sines)))
    stacks = [line.strip() for line in code.splitlines() if line.strip().endswith("= []")]
    assert len(stacks) == 1, code  # sin(x * i) is pushed, x * i recomputed
    assert code.count("t1 = x * i") == 2, code


def test_rows_of_a_parameter_are_recomputed():
    w, xs = rand(4, seed=80), rand(5, 3, 4, seed=81)
    assert_grad_fd(rows_times, (w, xs))
    assert len(_stacks(rows_times)) == 1  # tanh(...) is pushed, xs[t] recomputed
    assert _code(s2s.source(s2s.grad(rows_times))).count("t1 = xs[t]") == 2


def test_values_that_change_are_still_pushed():
    assert_grad_fd(shift_changes, (0.4, 0.9), wrt=(0, 1))
    assert_grad_fd(rebound_after, (0.4,))
    assert len(_stacks(rebound_after)) >= 1  # x is rebound: x * i is pushed


# ---- 1.0 * e + e -> 2.0 * e ----------------------------------------------------
def sum_of_squares(x):
    return np.sum(x * x)


@pytest.mark.parametrize("x", [np.arange(3), np.array([True, False]), 3, 2.5,
                               np.float32(1.5), rand(2, 3, seed=90)],
                         ids=["int", "bool", "pyint", "pyfloat", "float32", "array"])
def test_square_adjoint_is_doubled_in_one_operation(x):
    got = s2s.grad(sum_of_squares)(x)
    np.testing.assert_array_equal(got, 2.0 * np.asarray(x, dtype=float))
    # the dtype of what it replaces, `1.0 * x + x`: a float (float32 stays)
    assert np.asarray(got).dtype == np.asarray(1.0 * x + x).dtype
    assert "x_bar = 2.0 * x" in _code(s2s.source(s2s.grad(sum_of_squares)))

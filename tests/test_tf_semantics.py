"""tf.gradients semantics (issue 4): argument validation (each a ValueError
that says what was expected), grad_ys, gradients w.r.t. locals, output=i,
unconnected gradients, float32."""
import numpy as np
import pytest

import s2s
from s2s.api import numerical_gradient


def _two_ys(w1, w2):
    z1 = 3.0 * w1 + 2.0 * w2
    z2 = w1 * w2
    return z1, z2


def _one_y(x):
    y = x * x
    return y


X = np.array([1.0, 2.0, 3.0])
Y = np.array([0.5, -1.0, 2.0])


# ---- validation ------------------------------------------------------------------

@pytest.mark.parametrize("grad_ys", [
    [np.ones(3)],
    [np.ones(3), np.ones(3), np.ones(3)],
    [],
])
def test_grad_ys_wrong_length(grad_ys):
    g = s2s.gradients(_two_ys, wrt=(0, 1))
    with pytest.raises(ValueError, match=rf"grad_ys has {len(grad_ys)} entries.*returns 2 ys"):
        g(X, Y, grad_ys=grad_ys)


def test_grad_ys_wrong_length_single_y():
    g = s2s.gradients(_one_y, wrt="x")
    with pytest.raises(ValueError, match=r"grad_ys has 2 entries.*returns 1 y"):
        g(X, grad_ys=[np.ones(3), np.ones(3)])


@pytest.mark.parametrize("bad, index", [
    ([np.ones(3), np.ones(2)], 1),
    ([np.ones((3, 1)), np.ones(3)], 0),
    ([np.ones(1), np.ones(3)], 0),       # broadcastable is not enough: shapes must match
    ([np.ones(3), np.float64(1.0)], 1),
])
def test_grad_ys_shape_must_match_its_y(bad, index):
    g = s2s.gradients(_two_ys, wrt=(0, 1))
    with pytest.raises(ValueError, match=rf"grad_ys\[{index}\] has shape .* but y {index} has "
                                         r"shape \(3,\)"):
        g(X, Y, grad_ys=bad)


def test_grad_ys_shape_single_y():
    g = s2s.gradients(_one_y, wrt="x")
    with pytest.raises(ValueError, match=r"grad_ys\[0\] has shape \(4,\) but y 0 has shape \(3,\)"):
        g(X, grad_ys=[np.ones(4)])


@pytest.mark.parametrize("make", [
    lambda: s2s.gradients(_one_y, wrt="nope"),
    lambda: s2s.gradients(_one_y, wrt=("x", "nope")),
])
def test_wrt_name_neither_parameter_nor_local(make):
    with pytest.raises(ValueError, match=r"'nope'.*no parameter or local variable.*"
                                         r"parameters: x"):
        make()(X)


def test_grad_wrt_unknown_name():
    with pytest.raises(ValueError, match=r"'nope' is not a parameter of _one_y \(parameters: x\)"):
        s2s.grad(_one_y, wrt="nope")


@pytest.mark.parametrize("wrt", [1, 5, -1])
def test_wrt_position_out_of_range(wrt):
    with pytest.raises(ValueError, match=rf"wrt={wrt} is out of range.*1 parameter"):
        s2s.gradients(_one_y, wrt=wrt)


@pytest.mark.parametrize("make, output, words", [
    (s2s.grad, 2, r"output=2 is out of range: _two_ys returns 2 values"),
    (s2s.grad, 7, r"output=7 is out of range: _two_ys returns 2 values"),
    (s2s.value_and_grad, 2, r"output=2 is out of range: _two_ys returns 2 values"),
])
def test_output_out_of_range(make, output, words):
    with pytest.raises(ValueError, match=words):
        make(_two_ys, output=output)(X, Y)


def test_output_of_single_result_must_be_zero():
    with pytest.raises(ValueError, match=r"output=1 but _one_y returns a single value"):
        s2s.grad(_one_y, output=1)(X)


def test_output_must_be_an_integer():
    with pytest.raises(ValueError, match=r"output must be an integer"):
        s2s.grad(_two_ys, output="z1")


@pytest.mark.parametrize("bogus", ["bogus", "zeros", None, 0])
def test_unconnected_gradients_bogus(bogus):
    with pytest.raises(ValueError, match=r"unconnected_gradients must be 'none' or 'zero'"):
        s2s.gradients(_one_y, wrt="x", unconnected_gradients=bogus)


def _assigned_twice(x):
    a = x * 2.0
    a = a * x
    return a


def _assigned_in_loop(x):
    s = x
    for i in range(3):
        a = s * 2.0
        s = s + a
    return s


def _assigned_in_while(x):
    s = x
    while s < 10.0:
        a = s * 2.0
        s = s + a
    return s


def _assigned_in_branches(x):
    if x > 0:
        a = x * 2.0
    else:
        a = x * 3.0
    return a * x


@pytest.mark.parametrize("f, words", [
    (_assigned_twice, r"'a' is assigned 2 times.*ambiguous"),
    (_assigned_in_branches, r"'a' is assigned 2 times.*ambiguous"),
    (_assigned_in_loop, r"'a' is assigned inside a loop.*one value per iteration"),
    (_assigned_in_while, r"'a' is assigned inside a loop.*one value per iteration"),
])
def test_wrt_local_with_several_values_is_refused(f, words):
    with pytest.raises(ValueError, match=words):
        s2s.gradients(f, wrt="a")(1.0)
    with pytest.raises(ValueError, match=words):
        s2s.gradients(f, wrt="x", stop_gradients=("a",))(1.0)


# ---- gradients w.r.t. locals -----------------------------------------------------

def _loops_elsewhere(x):
    s = x
    for i in range(3):
        s = s * 1.5 + x
    h = np.sin(s)
    t = h * h
    while t < 5.0:
        t = t * 2.0 + h * h + 0.1
    return t


def _after_h(h):
    t = h * h
    while t < 5.0:
        t = t * 2.0 + h * h + 0.1
    return t


def _before_h(x):
    s = x
    for i in range(3):
        s = s * 1.5 + x
    return np.sin(s)


@pytest.mark.parametrize("x", [0.3, -0.2, 1.3])
def test_gradient_wrt_local_in_function_with_loops(x):
    gx, gh = s2s.gradients(_loops_elsewhere, wrt=("x", "h"))(x)
    h = _before_h(x)
    # total derivative through everything computed from h
    assert gh == pytest.approx(float(numerical_gradient(_after_h, [h], 0)), rel=1e-6)
    assert gx == pytest.approx(float(numerical_gradient(_loops_elsewhere, [x], 0)), rel=1e-6)
    # chain rule: d/dx = d/dh * dh/dx
    assert gx == pytest.approx(gh * float(numerical_gradient(_before_h, [x], 0)), rel=1e-6)


@pytest.mark.parametrize("x", [0.3, -0.2])
def test_stop_gradient_at_local_in_function_with_loops(x):
    # holding h constant cuts every path from x to t
    assert s2s.gradients(_loops_elsewhere, wrt="x", stop_gradients=("h",))(x) == [None]
    got = s2s.gradients(_loops_elsewhere, wrt="x", stop_gradients=("h",),
                        unconnected_gradients="zero")(x)
    assert got == [0.0]


def _local_used_in_loop(x, w):
    u = x * w
    acc = 0.0
    for i in range(4):
        acc = acc + np.sin(u * i) * w
    return acc


def test_gradient_wrt_local_read_inside_a_loop():
    x, w = 0.7, 1.3
    gu, gx, gw = s2s.gradients(_local_used_in_loop, wrt=("u", "x", "w"))(x, w)
    assert gu == pytest.approx(sum(np.cos(x * w * i) * i * w for i in range(4)), rel=1e-12)
    assert gx == pytest.approx(gu * w, rel=1e-12)
    assert gw == pytest.approx(float(numerical_gradient(_local_used_in_loop, [x, w], 1)),
                               rel=1e-6)


def _array_locals(W, b, x):
    pre = W @ x + b
    act = np.tanh(pre)
    return np.sum(act * act), act


def test_gradient_wrt_array_locals_with_grad_ys():
    r = np.random.default_rng(4)
    W, b, x = r.normal(size=(3, 2)), r.normal(size=3), r.normal(size=2)
    g0 = np.float64(0.5)
    g1 = r.normal(size=3)
    gpre, gact, gW = s2s.gradients(_array_locals, wrt=("pre", "act", "W"))(
        W, b, x, grad_ys=[g0, g1])
    act = np.tanh(W @ x + b)
    np.testing.assert_allclose(gact, g0 * 2 * act + g1)
    np.testing.assert_allclose(gpre, gact * (1 - act ** 2))
    np.testing.assert_allclose(gW, np.outer(gpre, x))
    assert gpre.shape == (3,) and gW.shape == (3, 2)


# ---- grad_ys ----------------------------------------------------------------------

def test_grad_ys_as_arrays():
    g1, g2 = np.array([1.0, 0.0, -2.0]), np.array([0.5, 2.0, 1.0])
    gw1, gw2 = s2s.gradients(_two_ys, wrt=(0, 1))(X, Y, grad_ys=[g1, g2])
    np.testing.assert_allclose(gw1, 3.0 * g1 + Y * g2)
    np.testing.assert_allclose(gw2, 2.0 * g1 + X * g2)


def test_grad_ys_as_one_stacked_array():
    grad_ys = np.array([[1.0, 0.0, -2.0], [0.5, 2.0, 1.0]])
    gw1, gw2 = s2s.gradients(_two_ys, wrt=(0, 1))(X, Y, grad_ys=grad_ys)
    np.testing.assert_allclose(gw1, 3.0 * grad_ys[0] + Y * grad_ys[1])
    np.testing.assert_allclose(gw2, 2.0 * grad_ys[0] + X * grad_ys[1])


def test_grad_ys_tuple_and_default_ones():
    ones = [np.ones(3), np.ones(3)]
    seeded = s2s.gradients(_two_ys, wrt=(0, 1))(X, Y, grad_ys=tuple(ones))
    default = s2s.gradients(_two_ys, wrt=(0, 1))(X, Y)
    for a, b in zip(seeded, default):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(default[0], 3.0 + Y)


def _scalar_ys(a, b):
    return a * b, a + b * b


def test_grad_ys_scalars():
    ga, gb = s2s.gradients(_scalar_ys, wrt=("a", "b"))(2.0, 3.0, grad_ys=[10.0, -1.0])
    assert (ga, gb) == (10.0 * 3.0 - 1.0, 10.0 * 2.0 - 6.0)


def test_returns_a_list_one_entry_per_wrt():
    got = s2s.gradients(_two_ys, wrt=("w2",))(X, Y)
    assert isinstance(got, list) and len(got) == 1
    np.testing.assert_allclose(got[0], 2.0 + X)


# ---- output=i -------------------------------------------------------------------

def _tape(x, w):
    y = x * w
    z = np.sin(y) * x
    return z, y


@pytest.mark.parametrize("output", [0, 1])
def test_value_and_grad_with_output(output):
    x, w = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    value, (gx, gw) = s2s.value_and_grad(_tape, wrt=(0, 1), output=output)(x, w)
    z, y = _tape(x, w)
    np.testing.assert_allclose(value[0], z)        # the whole result, not only output i
    np.testing.assert_allclose(value[1], y)
    selected = (lambda a, b: _tape(a, b)[output])
    np.testing.assert_allclose(gx, numerical_gradient(selected, [x, w], 0), rtol=1e-6)
    np.testing.assert_allclose(gw, numerical_gradient(selected, [x, w], 1), rtol=1e-6)
    g = s2s.grad(_tape, wrt=(0, 1), output=output)(x, w)
    np.testing.assert_allclose(g[0], gx)
    np.testing.assert_allclose(g[1], gw)


def test_output_not_depending_on_wrt_gives_zeros():
    x, w = np.array([0.3, -1.2]), np.array([2.0, 0.5])
    g = s2s.grad(_two_outputs_one_free, wrt=1, output=1)(x, w)
    np.testing.assert_array_equal(g, np.zeros(2))


def _two_outputs_one_free(x, w):
    return x * w, np.sin(x)


# ---- unconnected gradients ------------------------------------------------------------

def _partly_connected(a, b):
    c = a * 3.0
    d = b * 2.0
    e = s2s.stop_gradient(c) + b * b
    return e


@pytest.mark.parametrize("mode", [s2s.UnconnectedGradients.NONE, "none"])
def test_unconnected_none(mode):
    got = s2s.gradients(_partly_connected, wrt=("a", "b", "c", "d"),
                        unconnected_gradients=mode)(1.0, 2.0)
    assert got == [None, 4.0, None, None]


@pytest.mark.parametrize("mode", [s2s.UnconnectedGradients.ZERO, "zero"])
def test_unconnected_zero(mode):
    a = np.array([1.0, -1.0], dtype=np.float32)
    b = np.array([2.0, 0.5], dtype=np.float32)
    ga, gb, gc, gd = s2s.gradients(_partly_connected, wrt=("a", "b", "c", "d"),
                                   unconnected_gradients=mode)(a, b)
    for g, like in ((ga, a), (gc, a), (gd, b)):
        np.testing.assert_array_equal(g, np.zeros(2))
        assert g.shape == like.shape and g.dtype == np.float32
    np.testing.assert_array_equal(gb, 2 * b)
    assert gb.dtype == np.float32


def test_unconnected_default_is_none():
    assert s2s.gradients(_partly_connected, wrt="a")(1.0, 2.0) == [None]


# ---- float32 --------------------------------------------------------------------------

def _locals_f(w1, w2):
    h = w1 * w2
    u = np.sin(w1)
    return h * 2.0, u


def test_float32_gradients_with_locals_and_grad_ys():
    x = np.array([1.0, 2.0], dtype=np.float32)
    y = np.array([0.5, -1.0], dtype=np.float32)
    gy = [np.array([1.0, 2.0], dtype=np.float32), np.array([3.0, 4.0], dtype=np.float32)]
    g1, g2, gh, gu = s2s.gradients(_locals_f, wrt=("w1", "w2", "h", "u"))(x, y, grad_ys=gy)
    for g in (g1, g2, gh, gu):
        assert g.dtype == np.float32 and g.shape == (2,)
    np.testing.assert_allclose(gh, 2.0 * gy[0])
    np.testing.assert_array_equal(gu, gy[1])
    np.testing.assert_allclose(g1, 2.0 * y * gy[0] + np.cos(x) * gy[1], rtol=1e-6)
    np.testing.assert_allclose(g2, 2.0 * x * gy[0], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_kept_by_every_entry_point(dtype):
    x = np.array([0.3, -1.2], dtype=dtype)
    w = np.array([2.0, 0.5], dtype=dtype)
    value, (gx, gw) = s2s.value_and_grad(_tape, wrt=(0, 1), output=0)(x, w)
    assert gx.dtype == dtype and gw.dtype == dtype and value[0].dtype == dtype
    (g,) = s2s.gradients(_tape, wrt="y")(x, w)
    assert g.dtype == dtype
    np.testing.assert_allclose(g, np.cos(x * w) * x + 1.0, rtol=1e-6)
    out, gv = s2s.vjp(_one_y)(x, np.ones(2, dtype=dtype))
    assert gv.dtype == dtype
    np.testing.assert_allclose(gv, 2 * x, rtol=1e-6)


def test_integer_argument_scales_the_gradient():
    (gx,) = s2s.gradients(_scaled_by_count, wrt="x")(np.array([1.0, 2.0]), 3)
    np.testing.assert_array_equal(gx, [3.0, 3.0])
    assert gx.dtype == np.float64


def _scaled_by_count(x, n):
    return x * n

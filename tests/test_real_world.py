"""Real-world NumPy code (issue 10): assignment into arrays, lists, tuples
and dicts, comprehensions, in both modes, in loops and out. Every gradient is
checked against central finite differences, every jvp against the gradient
(and finite differences); tests/conftest.py checks that no generated function
modifies the caller's arrays, lists or dicts."""
import copy
import importlib.util
import inspect
import os
import re

import numpy as np
import pytest

import s2s

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- helpers ---------------------------------------------------------------------

def leaves(tree):
    """The arrays of a (nested) dict, list or tuple, in a fixed order."""
    if isinstance(tree, dict):
        return [leaf for key in tree for leaf in leaves(tree[key])]
    if isinstance(tree, (list, tuple)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [tree]


def numeric_tree_gradient(f, args, index, eps=1e-6):
    """Central differences w.r.t. every array inside args[index] (a dict,
    list or tuple of arrays, or an array), as a list of arrays."""
    out = []
    for k, leaf in enumerate(leaves(args[index])):
        grad = np.zeros(np.shape(leaf))
        for i in np.ndindex(np.shape(leaf)):
            values = []
            for step in (eps, -eps):
                moved = copy.deepcopy(list(args))
                target = leaves(moved[index])[k]
                target[i] += step
                values.append(float(np.sum(f(*moved))))
            grad[i] = (values[0] - values[1]) / (2 * eps)
        out.append(grad)
    return out


def check_grad(f, *args, wrt=0, rtol=1e-6, atol=1e-8):
    """s2s.grad(f) equals finite differences, whatever the structure of args[wrt]."""
    got = s2s.grad(f, wrt=wrt)(*args)
    if isinstance(args[wrt], (dict, list, tuple)):
        assert type(got) is not np.ndarray
        expected = numeric_tree_gradient(f, args, wrt)
        assert len(leaves(got)) == len(expected)
        for g, e in zip(leaves(got), expected):
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    else:
        assert np.shape(got) == np.shape(args[wrt])
        # (the user's function may change its arguments: each call gets copies)
        expected = numeric_tree_gradient(f, args, wrt)[0]
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    return got


def check_jvp(f, *args, wrt=0, seed=0):
    """s2s.jvp(f) equals <grad, v> and the value equals f(...)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=np.shape(args[wrt]))
    value, tangent = s2s.jvp(f, wrt=wrt)(*args, v)
    np.testing.assert_allclose(value, f(*copy.deepcopy(args)), rtol=1e-12)
    gradient = s2s.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(np.sum(tangent), np.sum(gradient * v), rtol=1e-8, atol=1e-10)


def check_both(f, *args, wrt=0):
    check_grad(f, *args, wrt=wrt)
    check_jvp(f, *args, wrt=wrt)


X = np.array([0.3, -0.7, 1.2, 0.4])
W = np.array([[0.5, -0.3], [0.2, 0.4]])
SEQ = np.array([[0.3, -0.1], [0.5, 0.2], [-0.4, 0.8], [0.1, 0.1]])


# ---- 1. assignment into arrays ---------------------------------------------------------

def set_int(x):
    y = np.zeros(4)
    y[0] = x[1] * 2.0
    y[2] = np.sin(x[0])
    return np.sum(y * x)


def set_2d(x):
    m = np.ones((2, 3))
    m[1, 2] = x[0] ** 2
    m[0, 0] = x[1] * x[2]
    return np.sum(np.exp(m))


def set_slice(x):
    y = x * 2.0
    y[1:3] = x[0:2] ** 2
    y[::2] = np.tanh(y[::2])
    return np.sum(y ** 2)


def set_mask(x):
    y = x * 3.0
    y[y > 1.5] = 0.5
    y[x < 0.0] = x[x < 0.0] ** 2
    return np.sum(y * x)


def set_index_array(x):
    y = np.zeros(4)
    idx = np.array([3, 1])
    y[idx] = np.sin(x[idx])
    return np.sum(y * x)


def set_broadcast(x):
    m = np.zeros((3, 4))
    m[1] = x[0]                 # a scalar spread over a row: its adjoint is the row's sum
    m[:, 1:3] = x[2:] * 2.0     # a row spread over rows
    return np.sum(np.cos(m) * np.arange(12.0).reshape(3, 4))


def aug_set(x):
    y = np.zeros(4)
    y[0] += x[1] * 2.0
    y[1:3] += x[0:2] ** 2
    y[1] *= x[3]
    return np.sum(y * x)


def set_overwrites_needed(x):
    y = np.exp(x)
    z = y * 3.0            # reads y before the assignment: the reverse sweep restores it
    y[0] = 5.0
    y[2] = y[1] * y[3]
    return np.sum(z * y)


def set_parameter(x):
    x[0] = x[1] * 3.0      # the caller's array must not change
    x[2] += x[0]
    return np.sum(x ** 2)


def buffer_in_loop(x):
    h = x[:2]
    H = np.zeros((4, 2))
    for t in range(4):
        h = np.tanh(h * x[t] + 0.1)
        H[t] = h
        H[t, 0] += x[t] ** 2
    return np.sum(H ** 2) + np.sum(H[1:] * H[:-1])


def recurrent_buffer(x):
    H = np.zeros((4, 3))
    H[0] = x[:3]
    for t in range(1, 4):
        H[t] = np.tanh(H[t - 1] * x[t])   # reads the row written one iteration before
    return np.sum(H ** 2)


def rows_overwritten_in_loop(x):
    y = np.zeros((2, 4))
    for i in range(3):
        y[i % 2] = np.sin(y[i % 2] + x * (i + 1))   # each row written twice
    return np.sum(y ** 2)


def nested_loops(x):
    m = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            if j >= i:
                m[i, j] = x[i] * x[j] + m[i, j - 1]
    return np.sum(m)


ARRAY_CASES = [set_int, set_2d, set_slice, set_mask, set_index_array, set_broadcast, aug_set,
               set_overwrites_needed, set_parameter, buffer_in_loop, recurrent_buffer,
               rows_overwritten_in_loop, nested_loops]


@pytest.mark.parametrize("f", ARRAY_CASES, ids=lambda f: f.__name__)
def test_assignment_into_arrays_reverse(f):
    check_grad(f, X.copy())


@pytest.mark.parametrize("f", ARRAY_CASES, ids=lambda f: f.__name__)
def test_assignment_into_arrays_forward(f):
    check_jvp(f, X.copy())


def test_parameter_assigned_into_is_copied():
    x = X.copy()
    for derivative in (s2s.grad(set_parameter), s2s.value_and_grad(set_parameter)):
        derivative(x)
        np.testing.assert_array_equal(x, X)
    s2s.jvp(set_parameter)(x, np.ones(4))
    np.testing.assert_array_equal(x, X)
    text = s2s.source(s2s.grad(set_parameter))
    assert "# s2s: x is assigned into; the caller's value is not modified" in text
    assert "x = x.copy()" in text


def test_overwritten_slice_is_saved_and_restored():
    # H[t - 1] is read (by the adjoint of the product) before H[t] is written
    text = s2s.source(s2s.grad(recurrent_buffer))
    assert "H_stack.append(H[t].copy())" in text   # only the slice is saved
    assert "H[t] = H_stack.pop()" in text
    assert "H_bar[t] = 0.0" in text                 # the overwritten part has no adjoint


def test_slices_read_only_after_the_writes_are_not_saved():
    # buffer_in_loop reads H after the loop only (and H[t, 0] for its shape)
    text = s2s.source(s2s.grad(buffer_in_loop))
    assert "H_stack" not in text and "H_bar[t] = 0.0" in text

    def fill(x):
        H = np.zeros((3, 4))
        for t in range(3):
            H[t] = x * t
        return np.sum(H * 2.0)
    check_grad(fill, X.copy())
    assert "H_stack" not in s2s.source(s2s.grad(fill))


def test_second_order_through_assignment():
    def f(x):
        m = np.zeros((2, 4))
        m[0] = x ** 2
        m[1, 1:] = np.sin(x[:3])
        return np.sum(m ** 2)
    x = X.copy()
    expected = np.diag(12 * x ** 2 + np.r_[2 * np.cos(2 * x[:3]), 0.0])
    np.testing.assert_allclose(s2s.hessian(f)(x), expected, rtol=1e-10)
    np.testing.assert_allclose(s2s.grad(s2s.grad(f))(x), np.diag(expected), rtol=1e-10)


def test_float32_buffer_keeps_dtype():
    def f(x):
        H = np.zeros((2, 4), dtype=np.float32)
        H[1] = x * 2.0
        return np.sum(H ** 2)
    g = s2s.grad(f)(X.astype(np.float32))
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 8.0 * X, rtol=1e-6)


# ---- what is refused ------------------------------------------------------------------

def alias_then_assign(x):
    y = x
    y[0] = 1.0  # would change x too
    return np.sum(x * y)


def view_then_assign(x):
    m = np.zeros((2, 4))
    row = m[0]
    row[1] = x[0]  # writes into m through the view
    return np.sum(m * x)


def item_then_assign(x):
    params = {"w": x * 2.0}
    w = params["w"]
    w[0] = 1.0
    return np.sum(w * x)


def nested_target(x):
    m = np.zeros((2, 4))
    m[0][1] = x[0]
    return np.sum(m)


def starred_unpack(x):
    a, *rest = np.split(x, 4)
    return np.sum(a)


@pytest.mark.parametrize("f, words", [
    (starred_unpack, "starred"),
    (alias_then_assign, "another name for x"),
    (view_then_assign, "write row = m[0].copy()"),
    (item_then_assign, "shares data with params"),
    (nested_target, "nested subscript"),
])
def test_assignments_that_are_refused(f, words):
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(f)(X.copy())
    assert words in str(info.value)


# ---- augmented assignment through a second name ------------------------------------
# On an array, `r += v` changes r's object in place: when r is a row of x
# (`for r in x`), another name for x, a view of x or an item of a container, x
# changes too (Python semantics). s2s follows values by name, so it refuses
# that with an UnsupportedError naming the line, raised when the value turns
# out to be an array. On a number (a row of a 1-D array, x[0] of a vector)
# `+=` rebinds, in Python as in s2s, and is differentiated like `r = r + v`.

def rows_incremented(x):
    for r in x:
        r += 1.0  # !aug
    return np.sum(x * x)


def rows_scaled_and_summed(x):
    total = 0.0
    for r in x:
        r *= 2.0  # !aug
        total = total + np.sum(r * r)
    return total + np.sum(x)


def rows_of_a_list(x):
    xs = [x, x * 2.0]
    for a in xs:
        a -= 0.5  # !aug
    return np.sum(xs[0] * xs[1])


def copy_incremented(x):
    y = x
    y += 1.0  # !aug
    return np.sum(x * y)


def view_scaled(x):
    y = x.T
    y *= 2.0  # !aug
    return np.sum(x * x)


def item_incremented(x):
    params = {"w": x * 2.0}
    w = params["w"]
    w += x  # !aug
    return np.sum(params["w"] * x)


def first_accumulated(x):
    s = x[0]
    for i in range(1, len(x)):
        s += x[i]  # !aug
    return np.sum(s * s) + np.sum(x)


def _aug_line(f):
    lines, first = inspect.getsourcelines(f)
    (offset,) = [i for i, text in enumerate(lines) if "# !aug" in text]
    return first + offset


ALIASED_AUG = [rows_incremented, rows_scaled_and_summed, rows_of_a_list, copy_incremented,
               view_scaled, item_incremented, first_accumulated]


@pytest.mark.parametrize("f, mode", [(f, mode) for f in ALIASED_AUG
                                     for mode in ("grad", "jvp", "hessian", "grad_of_grad")
                                     # (second derivatives of code that loops over a
                                     # list of arrays are not supported yet)
                                     if f is not rows_of_a_list or mode in ("grad", "jvp")],
                         ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_augmented_assignment_into_a_shared_array_is_refused(f, mode):
    x = SEQ.copy()  # 2-D: rows and x[0] are arrays that share x's data
    run = {"grad": lambda: s2s.grad(f)(x),
           "jvp": lambda: s2s.jvp(f)(x, np.ones_like(x)),
           "hessian": lambda: s2s.hessian(f)(x),
           "grad_of_grad": lambda: s2s.grad(s2s.grad(f))(x)}[mode]
    with pytest.raises(s2s.UnsupportedError) as info:
        run()
    exc = info.value
    assert exc.filename == __file__ and exc.lineno == _aug_line(f), str(exc)
    assert "# !aug" in exc.text and "in place" in str(exc)
    np.testing.assert_array_equal(x, SEQ)  # the caller's array is untouched


def test_augmented_assignment_messages_say_what_to_write():
    x = SEQ.copy()
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(rows_incremented)(x)
    text = str(info.value)
    assert "r is a row of x (`for r in x`)" in text
    assert "`x[i] += ...` in a `for i in range(len(x))` loop" in text
    assert "`r = r + ...` for a new array" in text
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(copy_incremented)(x)
    assert "y is another name for x" in str(info.value)
    assert "`y = y + ...` for a new array, or `y = y.copy()` first" in str(info.value)


@pytest.mark.parametrize("f", [rows_incremented, rows_scaled_and_summed, first_accumulated],
                         ids=lambda f: f.__name__)
def test_augmented_assignment_on_numbers_rebinds_as_python_does(f):
    # x 1-D: the rows are numbers, `r += v` leaves x alone in Python too
    check_both(f, X.copy())
    assert s2s.check_grads(f, (X.copy(),), order=2, rtol=1e-5, atol=1e-7)


def fresh_array_incremented(x):
    y = x * 2.0
    y += np.sin(x)
    for r in np.stack([x, x * x]):
        r *= 3.0  # a row of a new array nobody else reads
    y *= y
    return np.sum(y)


def test_augmented_assignment_on_an_unshared_array_is_differentiated():
    check_both(fresh_array_incremented, X.copy())
    check_both(fresh_array_incremented, SEQ.copy())


def rows_assigned_into(x):
    for r in x:
        r[0] = 5.0
    return np.sum(x * x)


def test_assignment_into_a_row_says_what_to_write():
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(rows_assigned_into)(SEQ.copy())
    assert "r, which is a row of x" in str(info.value)
    assert "x[i, ...] = ... in a `for i in range(len(x))` loop" in str(info.value)


# ---- 2. lists -----------------------------------------------------------------------

def rnn_list(seq, w):
    h = np.zeros(2)
    hs = []
    for t in range(seq.shape[0]):
        h = np.tanh(w @ h + seq[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2)


def list_reads(seq, w):
    h = np.zeros(2)
    hs = [h]
    for t in range(seq.shape[0]):
        h = np.tanh(w @ hs[-1] + seq[t])
        hs.append(h)
    total = np.sum(hs[-1]) + np.sum(hs[1] * hs[2]) + len(hs)
    for v in hs[1:]:
        total = total + np.sum(v ** 3)
    return total + np.sum(np.concatenate(hs)) + np.sum(np.array(hs[2:]) * 2.0) + np.sum(sum(hs))


def list_methods(seq, w):
    xs = [w[0], w[1] * 2.0]
    xs.append(np.sin(w[0]))
    xs.extend([w[1] ** 2, w[0] * 3.0])
    xs += [np.cos(w[1])]
    a = xs.pop()
    b = xs.pop(0)
    xs.insert(1, a * b)
    xs[2] = xs[2] * 5.0
    total = 0.0
    for v in xs:
        total = total + np.sum(v * v)
    return total + np.sum(a * b) + np.sum(seq[0] * xs[-1])


def stack_machine(seq, w):
    stack = [w[0]]
    for i in range(3):
        stack.append(np.sin(stack[-1]) * 2.0 + seq[i])
    total = 0.0
    while len(stack) > 1:
        v = stack.pop()
        total = total + np.sum(v * stack[-1])
    return total


def list_concatenation(seq, w):
    hs = []
    h = np.zeros(2)
    for t in range(3):
        h = np.tanh(w @ h + seq[t])
        hs = hs + [h]            # a new list each time
    ys = [h * 2.0] + hs
    return np.sum(np.stack(ys) ** 2)


def placeholders(seq, w):
    hs = [None] * 3
    h = np.zeros(2)
    for t in range(3):
        h = np.tanh(w @ h + seq[t])
        hs[t] = h
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[0] * hs[2])


def repetition(seq, w):
    hs = [w[0] * 2.0] * 3          # one value, three times
    zs = 2 * [w[1]]
    acc = [0.0] * 2
    for i in range(2):
        acc[i] = np.sum(hs[i] * zs[i])
    return np.sum(np.stack(hs) * seq[:3]) + acc[0] * acc[1]


LIST_CASES = [rnn_list, list_reads, list_methods, stack_machine, list_concatenation,
              placeholders, repetition]


@pytest.mark.parametrize("f", LIST_CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("wrt", [0, 1])
def test_lists(f, wrt):
    check_both(f, SEQ.copy(), W.copy(), wrt=wrt)


def test_list_parameter_appended_to_is_copied():
    def f(xs, w):
        xs.append(w * 2.0)
        return np.sum(np.stack(xs) ** 2)
    xs = [np.ones(2), np.full(2, 3.0)]
    g = check_grad(f, xs, W[0].copy(), wrt=1)
    assert len(xs) == 2
    np.testing.assert_allclose(g, 8.0 * W[0])
    gx = s2s.grad(f, wrt=0)(xs, W[0])
    assert isinstance(gx, list) and len(gx) == 2
    np.testing.assert_allclose(gx[1], [6.0, 6.0])


def test_list_of_arrays_as_wrt():
    def f(ws, x):
        h = x
        for w in ws:
            h = np.tanh(w @ h)
        return np.sum(h)
    ws = [W.copy(), W.T.copy(), W * 0.5]
    g = check_grad(f, ws, SEQ[0].copy(), wrt=0)
    assert isinstance(g, list) and len(g) == 3


def test_w9_rnn_list_workload_matches_hand_written_gradient():
    from tests.benchmarks import workloads
    w9 = workloads.make_w9()
    got = s2s.grad(workloads.rnn_list_f, wrt=(0, 1, 2))(*w9.args)
    expected = workloads.rnn_list_hand(*w9.args)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


def test_rnn_list_reverse_pops_the_list_adjoint():
    text = s2s.source(s2s.grad(rnn_list, wrt=1))
    assert "hs_bar.pop()" in text
    assert "hs_bar = unstack(" in text


# ---- 3. tuples and dicts -------------------------------------------------------------

def split_pair(x):
    return x[:2] * 2.0, np.sin(x[2:])


def cell(x, h):
    h = np.tanh(x * 0.5 + h)
    return h, h ** 2


def unpack(x):
    a, b = split_pair(x)            # a user function returning a tuple
    p, q = np.split(x, 2)           # a NumPy function returning a list
    t = (a, b)
    u, v = t                        # a tuple variable
    (c, d), e = (p, q), a * b
    return np.sum(u * v) + np.sum(c ** 3) + np.sum(d * e)


def unpack_in_loop(x):
    h = np.zeros(2)
    total = 0.0
    for t in range(3):
        h, s = cell(x[t:t + 2], h)
        total = total + np.sum(s)
    return total + np.sum(h)


def tuple_items_in_loop(x):
    pairs = [(x[0], x[1]), (x[2], x[3]), (x[1], x[2])]
    total = 0.0
    for a, b in pairs:
        total = total + a * b ** 2
    return total


@pytest.mark.parametrize("f", [unpack, unpack_in_loop, tuple_items_in_loop],
                         ids=lambda f: f.__name__)
def test_tuples(f):
    check_both(f, X.copy())


def mlp(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.sum(out ** 2)


def dict_literal_and_cache(params, x):
    d = {"w": params["W1"] * 2.0, "b": params["b1"]}
    h = np.tanh(x @ d["w"] + d["b"])
    cache = {}
    cache["h"] = h
    cache["h2"] = cache["h"] ** 2
    return np.sum(cache["h2"]) + np.sum(cache["h"] * params["b1"])


def params_in_loop(params, x):
    h = x
    for t in range(3):
        h = np.tanh(h @ params["W1"] + params["b1"] * t)
    return np.sum(h)


PARAMS = {"W1": np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.6]]), "b1": np.array([0.1, -0.2, 0.3]),
          "W2": np.array([[0.3], [-0.5], [0.7]]), "b2": np.array([0.05])}
PARAMS_SQUARE = {"W1": np.array([[0.5, -0.3], [0.2, 0.4]]), "b1": np.array([0.1, -0.2]),
                 "unused": np.array([1.0, 2.0])}


@pytest.mark.parametrize("f, params", [(mlp, PARAMS), (dict_literal_and_cache, PARAMS),
                                       (params_in_loop, PARAMS_SQUARE)],
                         ids=["mlp", "literal_and_cache", "params_in_loop"])
def test_dict_parameters_give_dict_gradients(f, params):
    x = np.array([[0.3, 0.9], [-0.5, 0.2]])
    g = check_grad(f, copy.deepcopy(params), x, wrt=0)
    assert isinstance(g, dict) and list(g) == list(params)
    for key in params:
        assert g[key].shape == params[key].shape
    if "unused" in params:
        np.testing.assert_array_equal(g["unused"], 0.0)
    check_grad(f, copy.deepcopy(params), x, wrt=1)
    check_jvp(f, copy.deepcopy(params), x, wrt=1)


def dict_iteration(params, x):
    total = np.sum(np.tanh(x @ params["W1"] + params["b1"]))
    for name, w in params.items():
        total = total + 0.1 * np.sum(w ** 2)
    total = total + sum(np.sum(np.abs(w)) for w in params.values())
    for k in params.keys():
        total = total + np.mean(params[k])
    return total


def test_dict_iteration_items_values_keys():
    x = np.array([[0.3, 0.9], [-0.5, 0.2]])
    g = check_grad(dict_iteration, copy.deepcopy(PARAMS), x, wrt=0)
    assert list(g) == list(PARAMS)
    v = {k: np.full(p.shape, 0.5) for k, p in PARAMS.items()}
    _, tangent = s2s.jvp(dict_iteration)(PARAMS, x, v)
    assert tangent == pytest.approx(sum(np.sum(g[k] * v[k]) for k in g))


def dict_built_here(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    total = 0.0
    for k in d:                              # a dict built in the function
        total = total + np.sum(d[k] ** 2)
    squares = {k: v ** 2 for k, v in d.items()}
    for k in squares:
        total = total + np.sum(squares[k])
    return total


def test_dict_built_in_the_function():
    check_both(dict_built_here, X.copy())


def test_jvp_with_a_dict_tangent():
    x = np.array([[0.3, 0.9], [-0.5, 0.2]])
    v = {k: np.full(p.shape, 0.1 * (i + 1)) for i, (k, p) in enumerate(PARAMS.items())}
    value, tangent = s2s.jvp(mlp)(PARAMS, x, v)
    g = s2s.grad(mlp)(PARAMS, x)
    assert value == pytest.approx(mlp(PARAMS, x))
    assert tangent == pytest.approx(sum(np.sum(g[k] * v[k]) for k in PARAMS))


def test_tuple_parameter_gives_tuple_gradient():
    def f(layer, x):
        w, b = layer
        return np.sum(np.tanh(x @ w + b))
    layer = (W.copy(), np.array([0.1, -0.1]))
    g = check_grad(f, layer, SEQ.copy(), wrt=0)
    assert isinstance(g, tuple) and len(g) == 2


# ---- 4. comprehensions ---------------------------------------------------------------------

def comprehensions(x):
    ys = [np.sin(x * k) for k in range(3)]
    total = sum(np.sum(y ** 2) for y in ys if np.sum(y) > -10.0)
    m = np.stack([y * 2.0 for y in ys])
    pairs = np.array([a * b for a, b in zip(x[:-1], x[1:])])
    scaled = {name: x * s for name, s in (("one", 1.0), ("two", 2.0))}
    grid = [x[i] * x[j] for i in range(2) for j in range(2) if i <= j]
    return total + np.sum(m * x) + np.sum(pairs) + np.sum(scaled["two"]) + sum(grid)


def comprehension_variable_shadows(x):
    ys = [x ** 2 for x in x]     # the comprehension's x is its own
    return np.sum(np.array(ys)) + np.sum(x)


@pytest.mark.parametrize("f", [comprehensions, comprehension_variable_shadows],
                         ids=lambda f: f.__name__)
def test_comprehensions(f):
    check_both(f, X.copy())


def test_comprehension_in_a_loop():
    def f(seq, w):
        h = np.zeros(2)
        for t in range(3):
            h = np.tanh(w @ h + seq[t])
            feats = [h * k for k in range(1, 3)]
            h = sum(feats) / 3.0
        return np.sum(h)
    check_both(f, SEQ.copy(), W.copy(), wrt=1)


# ---- export, higher order ---------------------------------------------------------------------

@pytest.mark.parametrize("f, wrt, args", [(rnn_list, 1, (SEQ, W)), (list_methods, 1, (SEQ, W)),
                                          (mlp, 0, (PARAMS, np.ones((2, 2))))],
                         ids=["rnn_list", "list_methods", "mlp_dict"])
def test_exported_gradients_with_lists_and_dicts(f, wrt, args, tmp_path):
    path = tmp_path / f"{f.__name__}_grad.py"
    function_name = s2s.export(f, path, wrt=wrt)
    text = path.read_text()
    assert not re.search(r"^\s*(import|from)\s+s2s", text, re.M)  # comments may name it
    spec = importlib.util.spec_from_file_location(f"exported_{f.__name__}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    got = getattr(module, function_name)(*args)
    expected = s2s.grad(f, wrt=wrt)(*args)
    for g, e in zip(leaves(got), leaves(expected)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_hessian_when_a_parameter_is_assigned_into():
    x = X.copy()
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 2], expected[2, 1], expected[2, 2], expected[3, 3] = 38, 6, 6, 2, 2
    np.testing.assert_allclose(s2s.hessian(set_parameter)(x), expected, atol=1e-12)
    np.testing.assert_array_equal(x, X)


# ---- 5. the example -------------------------------------------------------------------------

def _load_example(name):
    path = os.path.join(HERE, os.pardir, "examples", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rnn_lists_example_gradient_and_training():
    example = _load_example("rnn_lists")
    inputs, targets, chars = example.batches(example.TEXT, 5, 2)
    params = example.init_params(len(chars), 6)
    check_grad(example.loss, params, inputs, targets, wrt=0, rtol=1e-5, atol=1e-8)
    v = {name: np.full(p.shape, 0.1) for name, p in params.items()}
    _, tangent = s2s.jvp(example.loss)(params, inputs, targets, v)
    g = s2s.grad(example.loss)(params, inputs, targets)
    assert tangent == pytest.approx(sum(np.sum(g[k] * v[k]) for k in g), rel=1e-9)
    losses = example.train(steps=40, verbose=False)
    assert losses[-1] < 0.3 * losses[0]
    assert all(np.isfinite(losses))

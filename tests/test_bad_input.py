"""What a user gets for code and arguments s2s cannot or should not handle.

Each case pins the error type (SPEC "Errors"), that the message names the
user's file and line (`.filename`, `.lineno` and `str()`), and a word of what
went wrong -- or, for inputs that are fine, the documented result.

The functions under test live in this file, so their source is real; the
offending line of each carries a `# !tag` comment that the tests look up.
"""
import functools
import math
import re
import warnings

import numpy as np
import pytest

import s2s
from s2s import d
from s2s.api import numerical_gradient

HERE = __file__


def line_of(tag):
    """The line number of the line in this file marked `# !tag`."""
    marker = re.compile(rf"# !{re.escape(tag)}(\s|$)")
    with open(HERE) as fh:
        hits = [i for i, text in enumerate(fh, 1) if marker.search(text)]
    assert len(hits) == 1, (tag, hits)
    return hits[0]


def assert_located(exc, tag, *words):
    """exc names this file and the tagged line, in its attributes and str()."""
    lineno = line_of(tag)
    assert exc.filename == HERE, exc.filename
    assert exc.lineno == lineno, (exc.lineno, lineno, str(exc))
    text = str(exc)
    assert f"{HERE}:{lineno}" in text, text
    for word in words:
        assert word in text, (word, text)


# ---------------------------------------------------------------------------
# Unsupported syntax: s2s.UnsupportedError, also a SyntaxError.
# (Comprehensions, dict literals, item assignment and unpacking a call's
# result are being added to the language; they are not pinned here.)

def uses_try(x):
    try:  # !try
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with warnings.catch_warnings():  # !with
        y = x * 2.0
    return y


def uses_yield(x):  # !yield
    yield x * 2.0


async def uses_async(x):  # !async
    return x * 2.0


COUNT = 0.0


def uses_global(x):
    global COUNT  # !global
    return x * 2.0


def make_uses_nonlocal():
    z = 1.0

    def inner(x):
        nonlocal z  # !nonlocal
        z = 2.0
        return x * z
    return inner


def uses_class(x):
    class Box:  # !class
        pass
    return x * 2.0


def uses_del(x):
    y = x * 2.0
    del y  # !del
    return x


def uses_lambda(x):
    g = lambda t: t * 2.0  # !lambda-inside  # noqa: E731
    return g(x)


def uses_nested_def(x):
    def h(t):  # !nested-def
        return t * 2.0
    return h(x)




def uses_setcomp(x):
    s = {i for i in range(3)}  # !setcomp
    return x * len(s)



def uses_walrus(x):
    if (y := x * 2.0) > 0:  # !walrus
        return y
    return x


def uses_set_literal(x):
    s = {1, 2}  # !set-literal
    return x * len(s)


def uses_star_call(x):
    args = (x, x)
    return np.add(*args)  # !star-call


def uses_kwargs_call(x):
    return np.sum(x, **dict(axis=0))  # !kwargs-call


def uses_import(x):
    import math as m  # !import
    return m.sin(x)


def uses_from_import(x):
    from math import sin  # !from-import
    return sin(x)


def uses_star_params(*xs):  # !star-params
    return xs[0] * 2.0


def uses_kwonly(x, *, k=1.0):  # !kwonly
    return x * k




def uses_setattr(x):
    box = np.zeros(2)
    box.foo = x  # !setattr
    return x




UNSUPPORTED = [
    (uses_try, "try", "try"),
    (uses_with, "with", "with"),
    (uses_yield, "yield", "yield"),
    (uses_async, "async", "async"),
    (uses_global, "global", "global"),
    (make_uses_nonlocal(), "nonlocal", "nonlocal"),
    (uses_class, "class", "class"),
    (uses_del, "del", "del"),
    (uses_lambda, "lambda-inside", "lambda"),
    (uses_nested_def, "nested-def", "nested def"),
    (uses_setcomp, "setcomp", "set comprehension"),
    (uses_set_literal, "set-literal", "set literal"),
    (uses_walrus, "walrus", ":="),
    (uses_star_call, "star-call", "*args"),
    (uses_kwargs_call, "kwargs-call", "**kwargs"),
    (uses_import, "import", "import"),
    (uses_from_import, "from-import", "import"),
    (uses_star_params, "star-params", "*args"),
    (uses_kwonly, "kwonly", "keyword-only"),
    (uses_setattr, "setattr", "attribute"),
]


@pytest.mark.parametrize("fn, tag, words", UNSUPPORTED, ids=[u[1] for u in UNSUPPORTED])
@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "vjp"])
def test_unsupported_syntax(fn, tag, words, transform):
    g = getattr(s2s, transform)(fn)  # compiling is lazy: nothing raised yet
    args = (np.ones(3),) + ((np.ones(3),) if transform == "vjp" else ())
    with pytest.raises(s2s.UnsupportedError) as info:
        g(*args)
    exc = info.value
    assert isinstance(exc, SyntaxError) and isinstance(exc, s2s.S2SError)
    assert exc.msg == exc.message  # SyntaxError formatting works
    assert_located(exc, tag, words)
    assert exc.text is not None and exc.text.strip() in str(exc)


def test_unsupported_error_is_raised_again_on_the_next_call():
    g = s2s.grad(uses_try)
    for _ in range(2):
        with pytest.raises(s2s.UnsupportedError):
            g(1.0)


def test_lambda_is_unsupported():
    square = lambda x: x * x  # !lambda  # noqa: E731
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(square)(1.0)
    assert_located(info.value, "lambda", "lambda")


# ---------------------------------------------------------------------------
# A call with no template: NoGradientError (also a LookupError) when the
# output depends on it; copied as is when it is inactive.

def erf_on_active(x):
    y = x * 2.0
    return math.erf(y) + 1.0  # !erf-active


def sinc_on_active(x):
    y = np.sinc(x)  # !sinc-active
    return np.sum(y)


def erf_of_constant(x):
    k = math.erf(0.5)
    return x * k


def sinc_of_other_param(x, y):
    z = np.sinc(y)
    return np.sum(x * 2.0 + z)


def sinc_not_feeding_output(x):
    unused = np.sinc(x)
    flag = np.sinc(x) > 2.0
    return x * 3.0


def sinc_in_helper(x):
    return helper_with_sinc(x) * 2.0


def helper_with_sinc(x):
    return np.sinc(x)  # !sinc-helper


def test_no_gradient_for_c_call_on_active_path():
    with pytest.raises(s2s.NoGradientError) as info:
        s2s.grad(erf_on_active)(0.3)
    exc = info.value
    assert isinstance(exc, LookupError) and isinstance(exc, s2s.S2SError)
    assert_located(exc, "erf-active", "math.erf", "s2s.adjoint", "return math.erf(y) + 1.0")


def test_no_gradient_for_numpy_function_on_active_path():
    with pytest.raises(LookupError) as info:  # catchable as a LookupError, like TF
        s2s.grad(sinc_on_active)(np.ones(3))
    assert isinstance(info.value, s2s.NoGradientError)
    assert_located(info.value, "sinc-active", "sinc", "s2s.adjoint")


def test_no_gradient_inside_a_helper_names_the_helper_line():
    with pytest.raises(s2s.NoGradientError) as info:
        s2s.grad(sinc_in_helper)(np.ones(2))
    assert_located(info.value, "sinc-helper", "sinc")


def test_c_call_on_a_constant_needs_no_template():
    assert s2s.grad(erf_of_constant)(2.0) == pytest.approx(math.erf(0.5))


def test_c_call_on_a_parameter_not_differentiated_needs_no_template():
    x, y = np.array([1.0, 2.0]), np.array([0.3, 0.4])
    np.testing.assert_allclose(s2s.grad(sinc_of_other_param)(x, y), [2.0, 2.0])
    with pytest.raises(s2s.NoGradientError):  # but it does w.r.t. y
        s2s.grad(sinc_of_other_param, wrt="y")(x, y)


def test_c_call_whose_result_is_unused_needs_no_template():
    assert s2s.grad(sinc_not_feeding_output)(0.5) == 3.0


_ns = {}
exec("def no_source(x):\n    return x * 3.0\n", _ns)  # a callee with no source file
no_source = _ns["no_source"]
exec("def registered(x):\n    return x * 3.0\n", _ns)
registered = _ns["registered"]


@s2s.adjoint(registered)
def _registered_adjoint(y, x):
    d[x] = d[y] * 3.0


def calls_no_source(x):
    y = x + 1.0
    return no_source(y)  # !no-source


def calls_registered(x):
    y = x + 1.0
    return registered(y) * 2.0


def test_function_without_source_on_active_path():
    with pytest.raises(s2s.NoGradientError) as info:
        s2s.grad(calls_no_source)(1.0)
    assert_located(info.value, "no-source", "no_source", "s2s.adjoint")


def test_registering_an_adjoint_as_the_message_says_fixes_it():
    assert s2s.grad(calls_registered)(1.0) == 6.0


# ---------------------------------------------------------------------------
# Bad arguments: ValueError.

def two_params(x, y):
    return x * y + np.sin(x)


def two_results(x):
    return x * 2.0, x * 3.0


def one_result(x):
    return x * 2.0


@pytest.mark.parametrize("transform", ["grad", "value_and_grad", "vjp"])
@pytest.mark.parametrize("wrt, words", [
    ("z", "'z'"),            # no such parameter
    (2, "out of range"),     # position past the end
    (-1, "out of range"),    # negative positions are not Python-style indices
    (1.0, "position or name"),
    (None, "position or name"),
    (True, "position or name"),  # a bool is not a position
    (("x", "nope"), "'nope'"),   # one bad member of a tuple
    ((0, 7), "out of range"),
])
def test_bad_wrt_is_a_value_error(transform, wrt, words):
    with pytest.raises(ValueError, match=None) as info:
        getattr(s2s, transform)(two_params, wrt=wrt)(1.0, 2.0)
    assert words in str(info.value)
    assert "x, y" in str(info.value) or "position or name" in str(info.value)


def test_bad_wrt_is_reported_when_the_derivative_is_made():
    with pytest.raises(ValueError):
        s2s.grad(two_params, wrt="z")  # before any call


@pytest.mark.parametrize("fn, output, words", [
    (two_results, 2, "out of range"),
    (two_results, -3, "out of range"),
    (one_result, 1, "single value"),
    (two_results, "a", "integer"),
    (two_results, 1.0, "integer"),
])
def test_bad_output_is_a_value_error(fn, output, words):
    with pytest.raises(ValueError) as info:
        s2s.grad(fn, output=output)(1.5)
    assert words in str(info.value)


def test_good_output_selects_one_result():
    assert s2s.grad(two_results, output=1)(1.5) == 3.0
    assert s2s.grad(two_results, output=0)(1.5) == 2.0
    assert s2s.grad(two_results)(1.5) == 5.0  # sum of the results
    assert s2s.grad(one_result, output=0)(1.5) == 2.0


def test_not_callable_is_a_value_error():
    with pytest.raises(ValueError):
        s2s.grad(3)


def test_source_of_a_plain_function_is_a_value_error():
    with pytest.raises(ValueError):
        s2s.source(two_params)


def test_wrong_argument_count_is_python_type_error():
    g = s2s.grad(two_params)
    with pytest.raises(TypeError):
        g(1.0)
    with pytest.raises(TypeError):
        g(1.0, 2.0, 3.0)


def test_keyword_arguments_are_accepted():
    assert s2s.grad(two_params)(x=1.0, y=2.0) == pytest.approx(2.0 + math.cos(1.0))


# ---------------------------------------------------------------------------
# What is differentiated: functions s2s cannot read.

def test_function_defined_by_exec_has_no_source():
    namespace = {}
    exec("def g(x):\n    return x * 2.0\n", namespace)
    dg = s2s.grad(namespace["g"])  # fine until it is compiled
    with pytest.raises(s2s.S2SError) as info:
        dg(1.0)
    exc = info.value
    assert "cannot read the source" in str(exc) and "g" in str(exc)
    assert exc.filename == "<string>" and exc.lineno == 1


class Model:
    def __init__(self):
        self.w = 2.0

    def apply(self, x):
        return self.w * x

    def __call__(self, x):
        return self.w * x

    @staticmethod
    def scaled(x):
        return x * 4.0


def test_bound_method_is_unsupported():
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(Model().apply)(1.0)
    assert "bound method" in str(info.value)


def test_callable_instance_is_an_s2s_error():
    with pytest.raises(s2s.S2SError) as info:
        s2s.grad(Model())(1.0)
    assert "Model" in str(info.value)


def test_static_and_unbound_methods_are_plain_functions():
    assert s2s.grad(Model.scaled)(1.0) == 4.0
    assert s2s.grad(Model.apply, wrt="x")(Model(), 1.0) == 2.0


@pytest.mark.parametrize("builtin", [abs, math.sin, print])
def test_builtin_is_an_s2s_error(builtin):
    with pytest.raises(s2s.S2SError) as info:
        s2s.grad(builtin)(1.0)
    assert "Python functions" in str(info.value)


def test_partial_is_an_s2s_error():
    with pytest.raises(s2s.S2SError):
        s2s.grad(functools.partial(two_params, y=2.0))(1.0)


def recursive(x, n):
    if n <= 0:
        out = x
    else:
        out = recursive(x * 2.0, n - 1)  # !recursive-call
    return out


def calls_recursive(x):
    return recursive(x, 3) + 1.0


def even(x, n):
    if n <= 0:
        return x
    return odd(x * 2.0, n - 1)


def odd(x, n):
    if n <= 0:
        return x
    return even(x * 3.0, n - 1)  # !mutual-call


@pytest.mark.parametrize("run", [
    lambda: s2s.grad(recursive)(1.0, 2),
    lambda: s2s.jvp(recursive)(1.0, 2, 1.0),
    lambda: s2s.grad(calls_recursive)(1.0),
    lambda: s2s.value_and_grad(recursive)(1.0, 2),
], ids=["grad", "jvp", "through-a-caller", "value_and_grad"])
def test_recursion_names_the_recursive_call(run):
    with pytest.raises(s2s.UnsupportedError) as info:
        run()
    assert_located(info.value, "recursive-call", "recursive", "calls itself", "loop")
    assert "recursive(x * 2.0, n - 1)" in str(info.value)


@pytest.mark.parametrize("mode", ["grad", "jvp"])
def test_mutual_recursion_names_the_call_that_closes_the_cycle(mode):
    with pytest.raises(s2s.UnsupportedError) as info:
        if mode == "grad":
            s2s.grad(even)(1.0, 3)
        else:
            s2s.jvp(even)(1.0, 3, 1.0)
    assert_located(info.value, "mutual-call", "even -> odd -> even", "loop")
    assert "even(x * 3.0, n - 1)" in str(info.value)


def _decorate(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


@_decorate
def decorated(x):
    return x * 3.0


def make_closure(k):
    def inner(x):
        return x * k
    return inner


def test_wrapped_function_and_closure_are_differentiated():
    assert s2s.grad(decorated)(1.5) == 3.0  # through __wrapped__
    assert s2s.grad(make_closure(4.0))(1.5) == 4.0


# ---------------------------------------------------------------------------
# Unusual inputs.

def power(x, n):
    return x ** n


def mix(x, y):
    return np.sum(x * y + np.sin(x))


def sqrt_times_two(x):
    return np.sqrt(x) * 2.0


def sum_of_squares(x):
    return np.sum(x * x)


def test_integer_parameter_is_a_constant():
    assert s2s.grad(power)(2.0, 3) == 12.0
    assert s2s.grad(power)(np.float32(2.0), 3).dtype == np.float32


def test_integer_loop_bound_is_a_constant():
    assert s2s.grad(loop_power)(2.0, 3) == 12.0


def loop_power(x, n):
    out = 1.0
    for i in range(n):
        out = out * x
    return out


def test_nan_propagates():
    with np.errstate(all="ignore"):
        g = s2s.grad(mix)(np.array([np.nan, 0.5]), np.array([2.0, 2.0]))
    assert np.isnan(g[0])
    assert g[1] == pytest.approx(2.0 + math.cos(0.5))  # other elements unaffected


def test_inf_propagates_without_raising():
    with np.errstate(all="ignore"):
        g = s2s.grad(mix)(np.inf, 2.0)
        s = s2s.grad(sqrt_times_two)(np.array([np.inf, 0.0, -1.0, 4.0]))
    assert np.isnan(g)  # d/dx sin(x) at inf
    assert s[0] == 0.0 and s[1] == np.inf and np.isnan(s[2]) and s[3] == 0.5


def test_nan_gradient_when_raising_is_requested():
    with np.errstate(invalid="raise"):
        with pytest.raises(FloatingPointError):
            s2s.grad(sqrt_times_two)(-1.0)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0)])
def test_empty_arrays(shape):
    x = np.zeros(shape)
    g = s2s.grad(sum_of_squares)(x)
    assert g.shape == shape and g.dtype == np.float64
    value, g2 = s2s.value_and_grad(sum_of_squares)(x)
    assert value == 0.0 and g2.shape == shape


def test_object_array_is_differentiated_like_numpy_would():
    x = np.array([1.0, 2.0], dtype=object)
    # conftest's "inputs never modified" wrapper cannot compare object arrays
    # (np.array_equal(equal_nan=True) raises on them): call the generated
    # function itself and check the input here.
    generated = s2s.grad(sum_of_squares).__s2s__.derivative().function
    generated = getattr(generated, "__wrapped__", generated)
    g = generated(x)
    np.testing.assert_array_equal(np.asarray(g, dtype=float), [2.0, 4.0])
    assert list(x) == [1.0, 2.0]


def test_float32_stays_float32():
    g = s2s.grad(sum_of_squares)(np.ones(3, np.float32))
    assert g.dtype == np.float32


def test_scalar_gradient_for_python_float():
    assert np.ndim(s2s.grad(sum_of_squares)(3.0)) == 0


def with_string_and_none(x, mode, y):
    if mode == "double":
        out = x * 2.0
    else:
        out = x
    if y is None:
        out = out * 3.0
    else:
        out = out * y
    return out


def test_string_and_none_parameters_are_constants():
    g = s2s.grad(with_string_and_none)
    assert g(1.5, "double", None) == 6.0
    assert g(1.5, "single", None) == 3.0
    assert g(1.5, "double", 5.0) == 10.0
    assert s2s.grad(with_string_and_none, wrt="y")(1.5, "single", 5.0) == 1.5


def config_lookup(x, cfg):
    return x * cfg["k"]


def test_dict_parameter_is_a_constant():
    assert s2s.grad(config_lookup)(1.5, {"k": 3.0}) == 3.0


def test_unused_parameter_gets_zeros():
    g = s2s.grad(two_params_first_only, wrt=1)(1.5, np.ones(3, np.float32))
    assert g.dtype == np.float32 and g.shape == (3,) and not np.any(g)


def two_params_first_only(x, y):
    return x * 2.0


def test_duplicate_wrt_gives_the_gradient_twice():
    gx1, gx2 = s2s.grad(two_params, wrt=(0, "x"))(1.0, 2.0)
    assert gx1 == gx2 == pytest.approx(2.0 + math.cos(1.0))


def test_numpy_integer_wrt_is_a_position():
    assert s2s.grad(two_params, wrt=np.int64(1))(1.0, 2.0) == 1.0


LOG = []


def appends_to_global(x):
    LOG.append("start")
    y = x
    for i in range(3):
        LOG.append(i)
        y = y * x
    return y


def test_global_side_effects_happen_once_per_call():
    LOG.clear()
    appends_to_global(2.0)
    expected = list(LOG)
    LOG.clear()
    assert s2s.grad(appends_to_global)(2.0) == 32.0
    assert LOG == expected
    LOG.clear()
    value, g = s2s.value_and_grad(appends_to_global)(2.0)
    assert (value, g) == (16.0, 32.0) and LOG == expected


SCALE = 2.0


def reads_global(x):
    return x * SCALE


def test_global_is_read_at_call_time():
    global SCALE
    g = s2s.grad(reads_global)
    try:
        assert g(1.0) == 2.0
        SCALE = 5.0
        assert g(1.0) == 5.0
    finally:
        SCALE = 2.0


def test_caller_arrays_are_not_modified():
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([0.5, 0.5, 0.5])
    before = x.copy(), y.copy()
    s2s.grad(mix, wrt=(0, 1))(x, y)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(y, before[1])


def shape_mismatch(x):
    return x + np.ones(5)


def test_runtime_error_in_generated_code_shows_generated_lines():
    import traceback
    with pytest.raises(ValueError) as info:
        s2s.grad(shape_mismatch)(np.ones(3))
    frames = traceback.extract_tb(info.value.__traceback__)
    assert any(f.filename.startswith("<s2s-generated") and f.line for f in frames)


def test_gradient_matches_finite_differences_on_a_normal_case():
    x, y = np.array([0.3, -0.2]), np.array([1.5, 2.5])
    np.testing.assert_allclose(s2s.grad(mix)(x, y), numerical_gradient(mix, [x, y], 0),
                               rtol=1e-6)


class _Model:
    def apply(self, x):
        return x * 2.0


@pytest.mark.parametrize("callee", [np.sin, np.sum, max], ids=["ufunc", "array_function", "builtin"])
def test_non_python_callable_is_an_s2s_error(callee):
    with pytest.raises(s2s.S2SError, match="Python functions"):
        s2s.grad(callee)(np.ones(3))


def test_bound_method_error_names_its_file_and_line():
    with pytest.raises(s2s.UnsupportedError) as info:
        s2s.grad(_Model().apply)(1.0)
    assert info.value.filename == __file__
    assert info.value.lineno == _Model.apply.__code__.co_firstlineno

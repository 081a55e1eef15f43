"""Forward mode and derivatives of any order (issue 5): jvp against the
reverse-mode gradient and finite differences for many primitives; every
composition of grad and jvp up to 4th order against finite differences of
the derivative one order lower, through loops, branches and helper calls;
hvp, hessian and jacobian."""
import numpy as np
import pytest

import s2s
from s2s.api import numerical_gradient


def rng(seed):
    return np.random.default_rng(seed)


def fd_directional(f, x, v, eps=1e-6):
    """Central difference of sum(f) at x along v (float64)."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sum(f(x + eps * v)) - np.sum(f(x - eps * v))) / (2 * eps)


# ---- jvp == <grad, v> for many primitives -----------------------------------

_C = np.array([0.5, -1.5, 2.0, 0.25])
_A = np.array([[1.0, 2.0, -1.0, 0.5],
               [0.0, -1.0, 3.0, 1.0],
               [2.0, 0.5, 0.5, -2.0],
               [1.5, -0.5, 1.0, 0.0]])


def _add(x):
    return np.sum((x + _C) * x)


def _sub(x):
    return np.sum((_C - x) * (x - 2.0))


def _mul(x):
    return np.sum(x * x * _C)


def _div(x):
    return np.sum(_C / (x * x + 1.0) + x / 3.0)


def _pow(x):
    return np.sum((x * x + 1.0) ** 1.5 + x ** 3)


def _pow_exponent(x):
    return np.sum(2.0 ** x + (x * x + 1.0) ** x)


def _matmul(x):
    return x @ _A @ x


def _matmul_matrix(x):
    m = x.reshape(2, 2)
    return np.sum((m @ m) @ _A[:2, :2])


def _sin(x):
    return np.sum(np.sin(x) * x)


def _cos(x):
    return np.sum(np.cos(x * x))


def _exp(x):
    return np.sum(np.exp(x) * _C)


def _log(x):
    return np.sum(np.log(x * x + 0.5))


def _sqrt(x):
    return np.sum(np.sqrt(x * x + 1.0))


def _tanh(x):
    return np.sum(np.tanh(x * 2.0))


def _sum_axis(x):
    m = x.reshape(2, 2)
    s = np.sum(m * m, axis=0)
    return np.sum(s * s)


def _mean(x):
    return np.mean(x * x) * np.mean(x)


def _dot(x):
    return np.dot(x, _A @ x) + np.dot(_C, x)


def _maximum(x):
    return np.sum(np.maximum(x, 0.1) * x)


def _where(x):
    return np.sum(np.where(x > 0, x * x, np.sin(x)))


def _reshape(x):
    m = np.reshape(x, (2, 2))
    return np.sum(m @ m)


def _transpose(x):
    m = x.reshape(2, 2)
    return np.sum(np.transpose(m) * m * _A[:2, :2]) + np.sum(m.T @ m)


def _indexing(x):
    return x[0] * x[3] + np.sum(x[1:3] * x[1:3]) + x[-1]


def _indexing_2d(x):
    m = x.reshape(2, 2)
    return m[0, 1] * m[1, 0] + np.sum(m[:, 0] ** 2) + np.sum(m[1] * _C[:2])


PRIMITIVES = [_add, _sub, _mul, _div, _pow, _pow_exponent, _matmul, _matmul_matrix, _sin, _cos,
              _exp, _log, _sqrt, _tanh, _sum_axis, _mean, _dot, _maximum, _where, _reshape,
              _transpose, _indexing, _indexing_2d]


@pytest.mark.parametrize("f", PRIMITIVES, ids=lambda f: f.__name__.strip("_"))
def test_jvp_equals_grad_dot_v(f):
    r = rng(len(f.__name__))
    x = r.uniform(0.3, 1.2, size=4) * np.array([1.0, -1.0, 1.0, -1.0])
    for _ in range(3):
        v = r.normal(size=4)
        value, tangent = s2s.jvp(f)(x, v)
        assert value == pytest.approx(f(x), rel=1e-12)
        g = s2s.grad(f)(x)
        assert tangent == pytest.approx(np.vdot(g, v), rel=1e-9, abs=1e-12)
        assert tangent == pytest.approx(fd_directional(f, x, v), rel=1e-6, abs=1e-8)


def _mul32(x):
    return np.sum(x * x * x * 1.5)


def _matmul32(x):
    m = x.reshape(2, 2)
    return np.sum(m @ m.T @ m)


@pytest.mark.parametrize("f", [_mul32, _matmul32, _sin, _where, _indexing, _tanh],
                         ids=lambda f: f.__name__.strip("_"))
def test_jvp_float32(f):
    x = np.array([0.5, -0.7, 0.9, -0.3], dtype=np.float32)
    v = np.array([1.0, 0.5, -2.0, 0.25], dtype=np.float32)
    value, tangent = s2s.jvp(f)(x, v)
    assert np.asarray(tangent).dtype == np.float32
    assert float(tangent) == pytest.approx(fd_directional(f, x, v), rel=1e-4, abs=1e-5)


def _two_args(x, w):
    return np.sum(np.sin(x * w) + x * x)


def test_jvp_with_tuple_wrt():
    x = np.array([0.3, -0.8])
    w = np.array([1.5, 0.5])
    tx, tw = np.array([1.0, -1.0]), np.array([0.5, 2.0])
    value, tangent = s2s.jvp(_two_args, wrt=(0, 1))(x, w, (tx, tw))
    gx, gw = s2s.grad(_two_args, wrt=(0, 1))(x, w)
    assert value == pytest.approx(_two_args(x, w))
    assert tangent == pytest.approx(np.vdot(gx, tx) + np.vdot(gw, tw), rel=1e-12)


def _vector_valued(x):
    return np.sin(x) * x[0]


def test_jvp_of_vector_valued_function_keeps_shape():
    x = np.array([0.3, -0.8, 1.1])
    v = np.array([1.0, 0.0, -2.0])
    value, tangent = s2s.jvp(_vector_valued)(x, v)
    eps = 1e-6
    expected = (_vector_valued(x + eps * v) - _vector_valued(x - eps * v)) / (2 * eps)
    assert tangent.shape == (3,)
    np.testing.assert_allclose(tangent, expected, rtol=1e-7, atol=1e-9)


# ---- compositions up to 4th order ---------------------------------------------

def _poly(x):
    return 3.0 * x ** 5 - 2.0 * x ** 3 + x * x - 7.0 * x + 1.0


def _poly_derivatives(x):
    return [15 * x ** 4 - 6 * x ** 2 + 2 * x - 7, 60 * x ** 3 - 12 * x + 2,
            180 * x ** 2 - 12, 360 * x]


def _sin_squared(x):
    return np.sin(x) ** 2


def _sin_squared_derivatives(x):
    return [np.sin(2 * x), 2 * np.cos(2 * x), -4 * np.sin(2 * x), -8 * np.cos(2 * x)]


def _while_data(x):
    y = x
    while np.abs(y) < 4.0:
        y = y * y + 1.0
    return y * x


def _if_in_for(x):
    y = x
    for i in range(3):
        if y > 1.0:
            y = np.sin(y) * 0.8      # < 1: the next iteration takes the else
        else:
            y = y * y + 1.1          # > 1: the next iteration takes the if
    return y * x


def _helper(v, k):
    s = v * k
    for i in range(2):
        s = np.tanh(s) + v * s
    return s


def _calls_helper(x):
    return _helper(x, 0.5) * np.exp(x * 0.3)


# points on both sides of the data-dependent branches; none near a switch
FUNCTIONS = [
    (_poly, [0.7, -1.1]),
    (_sin_squared, [0.4, -2.0]),
    (_while_data, [0.9, -0.6, 1.5]),
    (_if_in_for, [1.5, 0.6, -0.6]),
]
FUNCTION_IDS = [f.__name__.strip("_") for f, _ in FUNCTIONS]
STRAIGHT = FUNCTIONS[:2]            # no control flow
STRAIGHT_IDS = FUNCTION_IDS[:2]
HELPER_POINTS = [0.6, -0.9]


def _scalar(fn):
    """fn as a function of one float returning one float."""
    return lambda x: float(np.asarray(fn(x)))


def _assert_derivative(lower, higher, x, rtol=1e-5, atol=1e-6):
    """higher(x) equals the central difference of lower at x."""
    expected = numerical_gradient(_scalar(lower), [x], 0, eps=1e-5)
    got = float(np.asarray(higher(x)))
    assert got == pytest.approx(float(expected), rel=rtol, abs=atol), (got, expected)


def test_helper_call_second_order_and_jvp_of_grad():
    g1 = s2s.grad(_calls_helper)
    g2 = s2s.grad(g1)
    jg = s2s.jvp(g1)
    for x in HELPER_POINTS:
        _assert_derivative(_calls_helper, g1, x)
        _assert_derivative(g1, g2, x)
        _assert_derivative(g1, lambda y: jg(y, 1.0)[1], x)
        assert float(jg(x, 1.0)[1]) == pytest.approx(float(g2(x)), rel=1e-10)


@pytest.mark.parametrize("f, points", FUNCTIONS, ids=FUNCTION_IDS)
def test_grad_chain_to_fourth_order(f, points):
    g1 = s2s.grad(f)
    g2 = s2s.grad(g1)
    g3 = s2s.grad(g2)
    # the 4th-order source of the loop-with-branch function is thousands of
    # lines (seconds to compile): stop at 3rd order there
    g4 = s2s.grad(g3) if f is not _if_in_for else None
    for x in points:
        _assert_derivative(f, g1, x)
        _assert_derivative(g1, g2, x)
        _assert_derivative(g2, g3, x)
        if g4 is not None:
            _assert_derivative(g3, g4, x, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("f, derivatives", [(_poly, _poly_derivatives),
                                            (_sin_squared, _sin_squared_derivatives)])
def test_grad_chain_closed_form(f, derivatives):
    g = f
    x = np.linspace(-2.0, 2.0, 8)
    for order, expected in enumerate(derivatives(x), 1):
        g = s2s.grad(g)
        np.testing.assert_allclose(g(x), expected, rtol=1e-10, atol=1e-9,
                                   err_msg=f"order {order}")


@pytest.mark.parametrize("f, points", FUNCTIONS, ids=FUNCTION_IDS)
def test_jvp_of_grad(f, points):
    g1 = s2s.grad(f)
    jg = s2s.jvp(g1)
    for x in points:
        value, second = jg(x, 1.0)
        assert float(value) == pytest.approx(float(g1(x)), rel=1e-12)
        _assert_derivative(g1, lambda y: jg(y, 1.0)[1], x)
        assert float(jg(x, -2.5)[1]) == pytest.approx(-2.5 * float(second), rel=1e-12)


@pytest.mark.parametrize("f, points", FUNCTIONS, ids=FUNCTION_IDS)
def test_grad_of_jvp(f, points):
    j = s2s.jvp(f)
    gj = s2s.grad(j, output=1)          # d/dx of the tangent f'(x) * t
    for x in points:
        _assert_derivative(lambda y: j(y, 1.0)[1], lambda y: gj(y, 1.0), x)
        assert float(gj(x, 3.0)) == pytest.approx(3.0 * float(gj(x, 1.0)), rel=1e-12)
        # output=0 differentiates the value: f'(x), whatever the tangent
        assert float(s2s.grad(j, output=0)(x, 3.0)) == pytest.approx(
            float(s2s.grad(f)(x)), rel=1e-12)


def _poly_no_constant(x):
    return 3.0 * x ** 5 - 2.0 * x ** 3 + x * x - 7.0 * x


@pytest.mark.parametrize("f, points", FUNCTIONS + [(_poly_no_constant, [0.7, -1.1])],
                         ids=FUNCTION_IDS + ["poly_no_constant"])
def test_jvp_of_jvp(f, points):
    j = s2s.jvp(f)
    jj = s2s.jvp(j)       # perturbs x only: the inner tangent is a constant
    for x in points:
        (value, tangent), (dvalue, dtangent) = jj(x, 1.0, 1.0)
        assert float(value) == pytest.approx(float(np.asarray(f(x))), rel=1e-12)
        assert float(dvalue) == pytest.approx(float(tangent), rel=1e-12)
        _assert_derivative(lambda y: j(y, 1.0)[1], lambda y: jj(y, 1.0, 1.0)[1][1], x)
        # bilinear in the two tangents
        assert float(jj(x, 2.0, -0.5)[1][1]) == pytest.approx(-float(dtangent), rel=1e-12)


@pytest.mark.parametrize("f, points", STRAIGHT, ids=STRAIGHT_IDS)
def test_jvp_of_grad_of_grad_third_and_fourth_order(f, points):
    g2 = s2s.grad(s2s.grad(f))
    g3 = s2s.grad(g2)
    third = s2s.jvp(g2)
    fourth = s2s.jvp(g3)                 # jvp(grad(grad(grad)))
    for x in points:
        _assert_derivative(g2, lambda y: third(y, 1.0)[1], x)
        _assert_derivative(g3, lambda y: fourth(y, 1.0)[1], x, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("f, points", FUNCTIONS, ids=FUNCTION_IDS)
def test_grad_of_jvp_of_grad_third_order(f, points):
    g2 = s2s.grad(s2s.grad(f))
    third = s2s.grad(s2s.jvp(s2s.grad(f)), output=1)   # grad(jvp(grad))
    for x in points:
        _assert_derivative(g2, lambda y: third(y, 1.0), x)


def _array_function(x):
    return np.sum(np.sin(x) * x * x) + np.sum(x) ** 2


def test_second_order_on_arrays():
    x = rng(1).normal(size=(2, 3))
    g1 = s2s.grad(_array_function)
    g2 = s2s.grad(g1)
    # grad of the sum of the gradient = row sums of the Hessian
    np.testing.assert_allclose(g2(x), numerical_gradient(g1, [x], 0), rtol=1e-6, atol=1e-7)
    assert g2(x).shape == x.shape


# ---- hvp, hessian, jacobian ----------------------------------------------------

@pytest.mark.parametrize("f", [_matmul, _sin, _log, _tanh, _indexing, _dot, _pow, _where,
                               _maximum],
                         ids=lambda f: f.__name__.strip("_"))
def test_hvp_equals_hessian_times_v(f):
    r = rng(2)
    x = r.uniform(0.3, 1.0, size=4) * np.array([1.0, -1.0, -1.0, 1.0])
    H = s2s.hessian(f)(x)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H, H.T, atol=1e-10)
    g = s2s.grad(f)
    fd_H = np.stack([numerical_gradient(lambda y, j=j: g(y)[j], [x], 0) for j in range(4)])
    np.testing.assert_allclose(H, fd_H, rtol=1e-5, atol=1e-6)
    for _ in range(2):
        v = r.normal(size=4)
        np.testing.assert_allclose(s2s.hvp(f)(x, v), H @ v, rtol=1e-10, atol=1e-12)


def _matrix_scalar(X):
    return np.sum(np.tanh(X @ X.T)) + np.sum(X ** 3)


def test_hessian_of_matrix_input():
    X = rng(3).normal(size=(2, 3)) * 0.5
    H = s2s.hessian(_matrix_scalar)(X)
    assert H.shape == (2, 3, 2, 3)
    g = s2s.grad(_matrix_scalar)
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(H[i, j], numerical_gradient(
                lambda Y: g(Y)[i, j], [X], 0), rtol=1e-5, atol=1e-6)
    V = rng(4).normal(size=(2, 3))
    np.testing.assert_allclose(s2s.hvp(_matrix_scalar)(X, V),
                               np.tensordot(H, V, axes=2), rtol=1e-10, atol=1e-12)


def test_hessian_through_control_flow():
    x = np.array([0.8, -0.4, 0.3])

    H = s2s.hessian(_vector_if_in_for)(x)
    g = s2s.grad(_vector_if_in_for)
    fd_H = np.stack([numerical_gradient(lambda y, j=j: g(y)[j], [x], 0) for j in range(3)])
    np.testing.assert_allclose(H, fd_H, rtol=1e-5, atol=1e-6)


def _vector_if_in_for(x):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0:
            s = s + np.sin(x[i] * s + x[i])
        else:
            s = s * x[i] + x[i] ** 3
    return s


def _r3_to_r2(x):
    return np.sin(x[:2]) * x[1:] + x[0] * x[2] * x[1:]


def _r3_to_r2_stacked(x):
    a = x[0] * x[1] * x[1]
    b = (np.sin(x[2]) + x[0]) * x[1]
    return np.stack([a, b])


def _matrix_to_vector(X):
    return np.tanh(X @ np.array([1.0, -2.0, 0.5])) * np.sum(X, axis=1)


def _fd_jacobian(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    out = np.asarray(f(x))
    J = np.zeros(out.shape + x.shape)
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = eps
        J[(Ellipsis,) + index] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
    return J


@pytest.mark.parametrize("f, x", [
    (_r3_to_r2, np.array([0.5, -1.2, 0.7])),
    (_r3_to_r2_stacked, np.array([0.5, -1.2, 0.7])),
    (_matrix_to_vector, np.array([[0.3, -0.2, 0.9], [1.1, 0.4, -0.6]])),
    (_vector_valued, np.array([0.3, -0.8, 1.1])),
], ids=["R3_to_R2", "R3_to_R2_stack", "matrix_to_vector", "square"])
def test_jacobian_forward_and_reverse_agree(f, x):
    expected = _fd_jacobian(f, x)
    forward = s2s.jacobian(f, mode="forward")(x)
    reverse = s2s.jacobian(f, mode="reverse")(x)
    automatic = s2s.jacobian(f)(x)
    out_shape = np.shape(f(x))
    for J in (forward, reverse, automatic):
        assert J.shape == out_shape + x.shape
        np.testing.assert_allclose(J, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)


def test_jacobian_of_gradient_is_hessian():
    x = np.array([0.4, -0.3, 0.8, 1.2])
    J = s2s.jacobian(s2s.grad(_sin), mode="forward")(x)
    J_rev = s2s.jacobian(s2s.grad(_sin), mode="reverse")(x)
    np.testing.assert_allclose(J, s2s.hessian(_sin)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(J_rev, J, rtol=1e-12, atol=1e-14)


# ---- the generated code stays small ------------------------------------------

def _cube(x):
    return x * x * x


def test_second_order_source_stays_short():
    g2 = s2s.grad(s2s.grad(_cube))
    assert g2(2.0) == 12.0
    assert s2s.grad(g2)(2.0) == 6.0
    lines = s2s.source(g2).splitlines()
    # 37 lines (22 of code, the rest comments) since straight-line
    # reassignments get new names: no stack at all; the bound catches the
    # second-order source blowing up again
    assert len(lines) < 40, "\n".join(lines)
    assert "_stack" not in "\n".join(lines)


def _square_sum_and_double(x):
    return np.sum(x * x), x * 2.0


def _through_tuple_helper(x):
    a, b = _square_sum_and_double(x)
    return a * np.sum(b * b)          # 4 (sum x^2)^2


def test_fourth_order_through_a_helper_returning_a_tuple():
    x = np.array([0.3, -0.5, 0.8])
    d = _through_tuple_helper
    for order in range(1, 5):
        previous, d = d, s2s.grad(d)
        expected = numerical_gradient(lambda x: np.sum(previous(x)), (x,), 0,
                                      1e-6 if order < 3 else 1e-4)
        np.testing.assert_allclose(d(x), expected, rtol=1e-4, atol=1e-4)
    # d^4/dx^4 of the summed third derivative 96 n sum(x): 96 n everywhere
    np.testing.assert_allclose(d(x), np.full(3, 96.0 * 3))


def softplus_sum(x, A):
    return np.sum(np.log1p(np.exp(A @ x)))


def test_hvp_does_not_compute_the_gradient_itself():
    rng = np.random.default_rng(7)
    x, A, v = rng.standard_normal(4), rng.standard_normal((5, 4)), rng.standard_normal(4)
    product = s2s.hvp(softplus_sum)
    s = 1.0 / (1.0 + np.exp(-(A @ x)))
    np.testing.assert_allclose(product(x, A, v), A.T @ (s * (1.0 - s) * (A @ v)), rtol=1e-10)
    src = s2s.source(product)
    code = [line for line in src.splitlines() if not line.strip().startswith("#")]
    assert code[-1].strip() == "return x_bar_dot"
    assert not any(line.strip().startswith("x_bar =") for line in code)
    value, tangent = s2s.jvp(s2s.grad(softplus_sum))(x, A, v)
    np.testing.assert_allclose(tangent, product(x, A, v), rtol=1e-12)
    np.testing.assert_allclose(s2s.jvp(s2s.grad(softplus_sum), tangent_only=True)(x, A, v),
                               tangent, rtol=1e-12)

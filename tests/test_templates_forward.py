"""Forward-mode (tangent) templates of the NumPy breadth: for every case of
tests/test_templates_reverse.py, jvp(f)(*args, v) must equal vdot(grad f, v)
(the reverse templates are themselves checked against finite differences
there). With several inputs each one is also pushed forward alone, so the
terms of constant operands are dropped correctly."""
import numpy as np
import pytest

import s2s
import tests.test_templates_reverse as R
from tests.helpers import rand


def _tangent_like(x, seed):
    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        return type(x)(rand(seed=seed)) if isinstance(x, float) else rand(seed=seed)
    return rand(*np.shape(x), seed=seed).astype(np.asarray(x).dtype)


def assert_jvp_matches_grad(f, args, wrt=0, rtol=1e-6, atol=1e-9):
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = s2s.grad(f, wrt=positions)(*args)
    tangents = tuple(_tangent_like(args[p], 100 + p) for p in positions)
    if len(positions) > 3:  # the first half alone, then the second half alone
        half = len(positions) // 2
        subsets = [positions, positions[:half], positions[half:]]
    else:
        subsets = [positions] + ([(p,) for p in positions] if len(positions) > 1 else [])
    for subset in subsets:
        chosen = tuple(tangents[positions.index(p)] for p in subset)
        value, t = s2s.jvp(f, wrt=subset)(*args, chosen)
        expected = sum(float(np.vdot(np.asarray(grads[positions.index(p)], dtype=float),
                                     np.asarray(v, dtype=float)))
                       for p, v in zip(subset, chosen))
        np.testing.assert_allclose(float(np.sum(t)), expected, rtol=rtol, atol=atol,
                                   err_msg=f"jvp w.r.t. positions {subset}")
        np.testing.assert_allclose(np.asarray(value, dtype=float),
                                   np.asarray(f(*args), dtype=float), rtol=1e-12)
    return grads


@pytest.fixture(autouse=True)
def _jvp_instead_of_finite_differences(monkeypatch):
    monkeypatch.setattr(R, "assert_grad_fd", assert_jvp_matches_grad)


# every reverse test that compares with finite differences, re-run with jvp
test_unary = R.test_unary
test_binary_broadcasting = R.test_binary_broadcasting
test_clip = R.test_clip
test_where = R.test_where
test_math_scalars = R.test_math_scalars
test_math_binary = R.test_math_binary
test_builtins_max_min_sum = R.test_builtins_max_min_sum
test_reductions = R.test_reductions
test_reduction_alone = R.test_reduction_alone
test_var_std_ddof = R.test_var_std_ddof
test_cumulative = R.test_cumulative
test_average = R.test_average
test_vector_norms = R.test_vector_norms
test_matrix_norms = R.test_matrix_norms
test_array_methods = R.test_array_methods
test_shape_functions = R.test_shape_functions
test_diag = R.test_diag
test_concatenate_stack_split = R.test_concatenate_stack_split
test_indexing = R.test_indexing
test_construction = R.test_construction
test_vdot_outer_inner_kron_vectors = R.test_vdot_outer_inner_kron_vectors
test_products = R.test_products
test_tensordot = R.test_tensordot
test_einsum_two_operands = R.test_einsum_two_operands
test_einsum_one_operand = R.test_einsum_one_operand
test_einsum_three_operands = R.test_einsum_three_operands
test_inverse_solve_det = R.test_inverse_solve_det
test_cholesky = R.test_cholesky
test_special_unary = R.test_special_unary
test_special_logsumexp_softmax = R.test_special_logsumexp_softmax
test_special_logsumexp_weights = R.test_special_logsumexp_weights


@pytest.mark.parametrize("fn", [np.exp2, np.arcsinh, np.cbrt, np.abs, np.reciprocal])
def test_forward_float32_stays_float32(fn):
    x = rand(4, low=0.5, high=0.9).astype(np.float32)
    value, t = s2s.jvp(R.weighted(fn))(x, np.ones(4, np.float32), np.ones(4, np.float32))
    assert np.asarray(t).dtype == np.float32


def _tensordot_constant(x):
    return np.tensordot(x, np.ones((3, 2)), axes=1)


def test_forward_source_drops_constant_operand():
    jvp = s2s.jvp(_tensordot_constant)
    value, t = jvp(rand(2, 3), np.ones((2, 3)))
    np.testing.assert_allclose(t, np.full((2, 2), 3.0))
    source = s2s.source(jvp)
    assert "np.dot(" in source and "0.0" not in source, source

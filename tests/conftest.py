"""Suite-wide checks: every generated function, in every test, is wrapped so
that a call which modifies one of its array arguments fails the test
("nothing lost": the caller's arrays are never modified)."""
import functools

import numpy as np
import pytest

from s2s import emit

_original_load = emit.load


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return None


def _same(before, after):
    if before is None:
        return True
    if isinstance(before, np.ndarray):
        return np.array_equal(before, after, equal_nan=True) and before.shape == after.shape
    if isinstance(before, list):
        return all(_same(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        return all(_same(before[k], after[k]) for k in before)
    return True


def _checked_load(*args, **kwargs):
    function = _original_load(*args, **kwargs)

    @functools.wraps(function)
    def checked(*call_args, **call_kwargs):
        before = [_snapshot(a) for a in call_args]
        result = function(*call_args, **call_kwargs)
        for position, (old, new) in enumerate(zip(before, call_args)):
            if not _same(old, new):
                raise AssertionError(
                    f"{function.__name__} modified its argument {position}")
        return result

    return checked


@pytest.fixture(autouse=True, scope="session")
def _inputs_never_modified():
    emit.load = _checked_load
    yield
    emit.load = _original_load

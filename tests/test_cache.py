"""The compile cache: one entry per (function, request), released with the
function, bounded by the functions alive."""
import gc
import importlib.util
import textwrap
import weakref

import numpy as np
import pytest

import s2s
from s2s import pipeline


def _module(tmp_path, name, source):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compile_cache_does_not_keep_user_functions_alive(tmp_path):
    module = _module(tmp_path, "weak_target", """
        import numpy as np
        def helper(x):
            return np.sin(x) * 2.0
        def f(x):
            return helper(x) * x
    """)
    g = s2s.grad(module.f)
    assert g(1.0) == pytest.approx(2 * np.sin(1.0) + 2 * np.cos(1.0))
    refs = [weakref.ref(module.f), weakref.ref(module.helper)]
    del g, module
    gc.collect()
    assert [r() for r in refs] == [None, None]


def _make(k):
    def f(x):
        return x * k
    return f


def test_compile_cache_is_bounded_by_the_functions_alive():
    gc.collect()
    before = len(pipeline._cache)
    for k in range(50):
        assert s2s.grad(_make(float(k)))(1.0) == float(k)
    gc.collect()
    assert len(pipeline._cache) - before < 50


def test_second_request_reuses_the_compiled_derivative():
    f = _make(3.0)
    first = s2s.grad(f).__s2s__.derivative()
    second = s2s.grad(f).__s2s__.derivative()
    assert first is second

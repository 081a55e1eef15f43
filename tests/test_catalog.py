"""s2s.primitives() and the README's "Supported primitives" list agree."""
import pathlib
import re

import pytest

import s2s

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def _readme_names():
    text = README.read_text()
    section = text[text.index("## Supported primitives"):]
    block = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def test_readme_lists_exactly_the_builtin_primitives():
    names = _readme_names()
    try:
        import scipy.special  # noqa: F401
    except ImportError:  # the README is written with SciPy installed
        names = [n for n in names if not n.startswith("scipy.")]
    assert names == s2s.primitives(include_user=False)


def test_readme_marks_match_the_modes():
    text = README.read_text()
    block = re.search(r"```text\n(.*?)```", text[text.index("## Supported primitives"):],
                      re.S).group(1)
    reverse = set(s2s.primitives("reverse", include_user=False))
    forward = set(s2s.primitives("forward", include_user=False))
    for line in block.splitlines():
        name = line.split()[0]
        if name.startswith("scipy.") and name not in reverse | forward:
            continue
        assert (name in reverse) == ("forward only" not in line), line
        assert (name in forward) == ("reverse only" not in line), line


def test_primitives_is_sorted_and_names_the_breadth():
    names = s2s.primitives()
    assert names == sorted(names)
    for expected in ("numpy.sin", "numpy.linalg.norm", "numpy.einsum", "getitem", "attr.T",
                     "method.sum", "method.astype", "math.exp", "builtins.abs", "operator.add"):
        assert expected in names
    assert "numpy.floor" not in names  # non-differentiable: no template
    assert all(not n.startswith("s2s.") for n in names)  # runtime helpers are internal


def _twice(x):
    return x * 2.0


def test_user_templates_are_listed_unless_excluded():
    @s2s.adjoint(_twice)
    def _(y, x):
        s2s.d[x] = s2s.d[y] * 2.0
    assert any(n.endswith("_twice") for n in s2s.primitives("reverse"))
    assert not any(n.endswith("_twice") for n in s2s.primitives(include_user=False))


def test_bad_mode():
    with pytest.raises(ValueError):
        s2s.primitives("sideways")

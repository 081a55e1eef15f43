"""The catalogue of supported primitives: every call, method, attribute and
piece of syntax that has a derivative template, by a readable name.

    s2s.primitives()                  # reverse or forward, sorted
    s2s.primitives("reverse")         # only those with an adjoint template
    python -m s2s.catalog             # the README's "Supported primitives" list

Names: `numpy.sin`, `numpy.linalg.inv`, `math.exp`, `builtins.abs`,
`operator.add`, `scipy.special.expit` (when SciPy is installed); array
methods as `method.sum` (including those METHOD_ALIASES maps to the NumPy
function of the same name), attributes as `attr.T`, indexing as `getitem`.
The helpers that generated code itself calls (their templates exist for
higher derivatives) are not listed.
"""
import numpy as np

from . import template
from .resolve import METHOD_ALIASES

_PUBLIC_MODULES = ["numpy", "numpy.linalg", "scipy.special", "math", "builtins", "operator"]


def _modules():
    import importlib
    found = []
    for module_name in _PUBLIC_MODULES:
        try:
            found.append((module_name, importlib.import_module(module_name)))
        except ImportError:  # SciPy is optional
            continue
    return found


def primitive_name(key):
    """The readable name of a template key (a function, or a string)."""
    if isinstance(key, str):
        return key
    short = getattr(key, "__name__", None)
    if isinstance(getattr(key, "__self__", None), np.ufunc):  # np.add.reduce
        return f"numpy.{key.__self__.__name__}.{short}"
    for module_name, module in _modules():
        if short and getattr(module, short, None) is key:
            return f"{module_name}.{short}"
    module = getattr(key, "__module__", None) or "?"
    return f"{module}.{getattr(key, '__qualname__', short or repr(key))}"


def _internal(key, tmpl):
    """Templates of s2s's own runtime helpers (for higher derivatives)."""
    if getattr(key, "__module__", None) == "s2s.runtime":
        return True
    return tmpl.fn.__module__.endswith("runtime_helpers")


def _table(mode):
    template.load_builtin_templates()
    return {"reverse": template.REVERSE, "forward": template.FORWARD}[mode]


def primitives(mode=None, *, include_user=True):
    """Sorted names of the supported primitives: those with a reverse
    ("reverse"), forward ("forward") or either (None) template. With
    include_user=False, only s2s's built-in templates (not those registered
    with s2s.adjoint / s2s.tangent)."""
    modes = ("reverse", "forward") if mode is None else (mode,)
    for m in modes:
        if m not in ("reverse", "forward"):
            raise ValueError(f"mode must be 'reverse', 'forward' or None, got {mode!r}")
    names = set()
    for m in modes:
        for key, tmpl in list(_table(m).items()):
            if _internal(key, tmpl):
                continue
            if not include_user and not tmpl.fn.__module__.startswith("templates."):
                continue
            names.add(primitive_name(key))
        table = _table(m)
        for method in METHOD_ALIASES:  # x.prod() means np.prod(x)
            function = getattr(np, method, None)
            tmpl = table.get(function) if function is not None else None
            if tmpl is not None and (include_user or tmpl.fn.__module__.startswith("templates.")):
                names.add(f"method.{method}")
    return sorted(names)


def markdown():
    """The body of README.md's "Supported primitives" list: one name a line,
    marked when only one mode has a template."""
    reverse = set(primitives("reverse", include_user=False))
    forward = set(primitives("forward", include_user=False))
    lines = []
    for name in sorted(reverse | forward):
        if name not in forward:
            lines.append(f"{name}  (reverse only)")
        elif name not in reverse:
            lines.append(f"{name}  (forward only)")
        else:
            lines.append(name)
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown())

"""Built-in derivative templates, grouped by family. Importing this package
registers them (see s2s/template.py for the notation)."""
from . import nondifferentiable  # noqa: F401
from .reverse import elementwise, reductions, linalg, shape  # noqa: F401

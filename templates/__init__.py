"""Built-in derivative templates, grouped by family. Importing this package
registers them (see s2s/template.py for the notation)."""
from . import nondifferentiable  # noqa: F401
from .reverse import elementwise, reductions, linalg, shape  # noqa: F401
from .reverse import runtime_helpers  # noqa: F401
from .reverse import scipy_special  # noqa: F401  (registers nothing without SciPy)
from .reverse import numpy_helpers  # noqa: F401
from .forward import elementwise as _f_elementwise  # noqa: F401
from .forward import linalg as _f_linalg  # noqa: F401
from .forward import reductions as _f_reductions  # noqa: F401
from .forward import runtime_helpers as _f_runtime  # noqa: F401
from .forward import shape as _f_shape  # noqa: F401
from .forward import scipy_special as _f_scipy_special  # noqa: F401
from .forward import numpy_helpers as _f_numpy_helpers  # noqa: F401

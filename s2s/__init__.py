"""s2s: source-to-source automatic differentiation for Python and NumPy."""
from .api import (UnconnectedGradients, check_grads, gradients, grad, hessian, hvp, jacobian, jvp, source, stop_gradient,
                  value_and_grad, vjp)
from .catalog import primitives
from .errors import NoGradientError, S2SError, UnsupportedError
from .export import export
from .template import adjoint, d, tangent

__all__ = ["UnconnectedGradients", "gradients", "export", "check_grads", "grad", "hessian", "hvp", "jacobian", "jvp", "value_and_grad", "vjp", "stop_gradient", "source", "adjoint",
           "tangent", "d", "S2SError", "NoGradientError", "UnsupportedError",
           "primitives"]
__version__ = "0.1.0"

"""Reverse-mode automatic differentiation: Function nodes, grad mode, the backward pass, and tools
to look inside it (grad, trace, gradcheck).

`functional`, `gradcheck` and `tracing` need minigrad.tensor, which imports `function` and
`grad_mode` from here; the order below loads those first. (Importing the function `gradcheck`
after its module also makes the name mean the function, as in PyTorch.)
"""

from minigrad.autograd.function import ArrayFunction, Function
from minigrad.autograd.functional import backward, grad
from minigrad.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from minigrad.autograd.gradcheck import GradcheckError, gradcheck
from minigrad.autograd.tracing import trace
from minigrad.autograd.variable import Variable

__all__ = ["ArrayFunction", "Function", "GradcheckError", "backward", "enable_grad", "grad",
           "gradcheck", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad",
           "set_grad_enabled", "trace", "Variable"]

"""Reverse-mode automatic differentiation: Function nodes, grad mode, the backward pass, and tools
to look inside it (trace, gradcheck)."""

from minigrad.autograd.function import ArrayFunction, Function
from minigrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["ArrayFunction", "Function", "enable_grad", "is_grad_enabled", "no_grad",
           "set_grad_enabled", "backward", "grad", "trace"]


def __getattr__(name: str):  # noqa: ANN202
    # grad, backward and trace need minigrad.tensor, which itself imports this package.
    if name in ("grad", "backward"):
        from minigrad.autograd import functional

        return getattr(functional, name)
    if name == "trace":
        from minigrad.autograd.tracing import trace

        return trace
    if name == "gradcheck":
        from minigrad.autograd.gradcheck import gradcheck

        return gradcheck
    raise AttributeError(f"module 'minigrad.autograd' has no attribute {name!r}")

"""`Variable`, PyTorch's old name for a tensor that records its history, kept as PyTorch keeps
it: `Variable(x, requires_grad=True)` is a new leaf sharing x's memory, and every tensor is a
Variable (`isinstance(x, Variable)`)."""

from __future__ import annotations

import warnings
from typing import Any


class _VariableMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        from minigrad.tensor import Tensor

        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """Deprecated: use tensors (`x.requires_grad_()`, `tensor(..., requires_grad=True)`)."""

    def __new__(cls, data: Any = None, requires_grad: bool = False,
                volatile: bool = False) -> Any:
        from minigrad.tensor import Tensor

        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        if data is None:
            return Tensor()
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad and data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        return data.detach().requires_grad_(requires_grad)

"""`Parameter`: a tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

from minigrad import checks
from minigrad.creation import empty
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that `Module.__setattr__` registers.

    Assigning a Parameter to a module attribute (`self.weight = Parameter(...)`) is what makes
    it appear in `parameters()` and `state_dict()`; a plain Tensor attribute does not.

    Args:
        data: the initial values; the parameter shares memory with it. None gives an empty
            float32 parameter.
        requires_grad: whether backward() should compute its gradient.
    """

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):  # (PyTorch's Parameter calls data.detach())
            raise AttributeError(
                f"'{checks.python_type(data)}' object has no attribute 'detach'")
        if requires_grad and data.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        super().__init__()
        self._data = data._data
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

"""Activation modules."""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.modules.module import Module
from minigrad.tensor import Tensor


class ReLU(Module):
    """relu(x) = max(x, 0), elementwise; see `F.relu`.

    Args:
        inplace: overwrite the input instead of making a new tensor.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """tanh(x), elementwise; see `Tensor.tanh`."""

    def forward(self, input: Tensor) -> Tensor:
        return input.tanh()

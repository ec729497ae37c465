"""`Dropout`: randomly zero activations while training."""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.modules.module import Module
from minigrad.tensor import Tensor


class Dropout(Module):
    """In training mode, zero each element with probability p and scale the others by
    1/(1-p); in eval mode, return the input unchanged. See `F.dropout`.

    Args:
        p: the probability of zeroing an element, in [0, 1].
        inplace: overwrite the input instead of making a new tensor.

    Raises:
        ValueError: p outside [0, 1].
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"

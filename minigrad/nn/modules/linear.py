"""`Linear`: the fully connected layer y = x W^T + b; `Bilinear`, y = x1^T A x2 + b; `Identity`."""

from __future__ import annotations

import math
from typing import Any

from minigrad.creation import empty
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor


class Linear(Module):
    """Apply y = x W^T + b to the last dim of the input: (*, in_features) -> (*, out_features).

    Attributes:
        weight: (out_features, in_features), initialised from U(-1/sqrt(in_features),
            1/sqrt(in_features)) (Kaiming uniform with a = sqrt(5), as PyTorch).
        bias: (out_features,), from the same distribution; None when `bias=False`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features))
        if bias:
            self.bias = Parameter(empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values (weight first, then bias)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Identity(Module):
    """Return the input itself; any constructor arguments are accepted and ignored (PyTorch's
    placeholder, e.g. to remove a layer from a model without changing its code)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Bilinear(Module):
    """y_k = x1^T A_k x2 + b_k: (*, in1_features) and (*, in2_features) -> (*, out_features).

    Computed as einsum("...i,kij,...j->...k"), whose backward is the einsum of the other two
    factors with the gradient: dL/dx1 = sum_k g_k A_k x2, dL/dA_k = sum g_k x1 x2^T, dL/db = g.

    Attributes:
        weight: (out_features, in1_features, in2_features), from U(-1/sqrt(in1_features),
            1/sqrt(in1_features)), as PyTorch.
        bias: (out_features,), from the same distribution; None when `bias=False`.

    Raises:
        ValueError: in1_features <= 0.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features))
        if bias:
            self.bias = Parameter(empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values (weight first, then bias)."""
        if self.in1_features <= 0:
            raise ValueError(
                f"in1_features must be > 0, but got (in1_features={self.in1_features})")
        bound = 1 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")

"""Loss modules: thin holders of a loss function's settings. The computation, the reduction
check and the derivatives are in `minigrad.nn.functional`."""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.modules.module import Module
from minigrad.tensor import Tensor


class _Loss(Module):
    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        # The reduction string is only checked when the loss is computed, as in PyTorch.
        if size_average is not None or reduce is not None:
            reduction = F._legacy_reduction(size_average, reduce)
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error between input and target; see `F.mse_loss`.

    `reduction` is the third positional argument (after the deprecated size_average and
    reduce), so pass it by keyword: `MSELoss(reduction='sum')`.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of logits against class indices or class probabilities; see
    `F.cross_entropy`.

    Args:
        weight: a (C,) rescaling of each class's loss. It is a buffer: in state_dict() as
            'weight', never in parameters().
        size_average, reduce: deprecated; use `reduction`.
        ignore_index: a class-index target value whose positions count for nothing.
        reduction: 'mean' (default), 'sum' or 'none'.
        label_smoothing: ε in [0, 1]: mix the target with the uniform distribution.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )

"""Rprop: steps that follow only the sign of the gradient, with adaptive sizes."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import full_like, zeros_like
from minigrad.optim._array_ops import addcmul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun, 1993), `torch.optim.Rprop`.

    The algorithm, for each parameter θ with gradient ∇f(θ), per element: the step size η
    starting at γ, the previous gradient g_prev at 0 (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if g·g_prev > 0:  η ← min(η·η+, η_max)         same direction: speed up
        if g·g_prev < 0:  η ← max(η·η-, η_min); g ← 0   overshot: slow down, and pause
        if g·g_prev = 0:  η unchanged                   (clamped into [η_min, η_max])
        θ ← θ - η·sign(g)
        g_prev ← g

    Only the sign of the gradient is used, so its scale does not matter: this suits full-batch
    training, not noisy minibatch gradients. The paused element (g set to 0) does not move and
    has g_prev = 0, so at its next step η is kept.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: γ, every element's first step size.
        etas: (η-, η+), the factors that shrink and grow the step size, 0 < η- < 1 < η+.
        step_sizes: (η_min, η_max), the bounds of the step size.
        capturable, foreach, differentiable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: a negative lr, or etas not in 0 < η- < 1 < η+ (PyTorch's messages, in
            PyTorch's order).

    State per parameter: 'step' (a 0-d float32 tensor), 'prev' (g_prev), 'step_size' (η).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One Rprop step for `param`, as PyTorch's `_single_tensor_rprop`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["prev"] = zeros_like(param)
            state["step_size"] = full_like(param, group["lr"])
        scalar = param._data.dtype.type  # a Python number as PyTorch rounds it for the tensor
        etaminus, etaplus = (scalar(eta) for eta in group["etas"])
        step_size_min, step_size_max = group["step_sizes"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        prev, step_size = state["prev"]._data, state["step_size"]._data
        state["step"]._data += 1

        sign = np.sign(grad * prev)
        sign[sign > 0] = etaplus
        sign[sign < 0] = etaminus
        sign[sign == 0] = 1
        step_size *= sign
        np.clip(step_size, scalar(step_size_min), scalar(step_size_max), out=step_size)

        grad = grad.copy()
        grad[sign == etaminus] = 0  # overshot: no move now, and no sign to compare next step
        addcmul_(param._data, np.sign(grad), step_size, value=-1)
        prev[...] = grad

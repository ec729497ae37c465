"""Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, add_, addcmul_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), `torch.optim.Adadelta`.

    The algorithm, for each parameter θ with gradient ∇f(θ), v and u starting at 0 (PyTorch's
    algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        v ← ρ·v + (1-ρ)·g²                  running mean of g²
        Δ ← √(u + ε) / √(v + ε) · g         the update, in θ's own units
        u ← ρ·u + (1-ρ)·Δ²                  running mean of Δ²
        θ ← θ - γ·Δ

    The ratio of the two root mean squares gives the step the units of θ, so the paper needs
    no learning rate; PyTorch keeps γ (default 1) as a multiplier. PyTorch computes Δ as
    `(√(u+ε) / √(v+ε))·g`, dividing first; minigrad too, each operation rounded as PyTorch's
    (see `_array_ops`).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ, a multiplier of Δ.
        rho: ρ, the decay rate of both running means, in [0, 1].
        eps: ε, added inside both square roots for numerical stability.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        foreach, capturable, differentiable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, ρ outside [0, 1], negative eps or weight_decay (PyTorch's
            messages, in PyTorch's order).

    State per parameter: 'step' (a 0-d float32 tensor), 'square_avg' (v), 'acc_delta' (u).
    """

    _capturable_message = ("params and state_steps must be on supported devices: "
                           + str(["cuda", "xpu", "hpu", "privateuseone"]))

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One Adadelta step for `param`, as PyTorch's `_single_tensor_adadelta`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["square_avg"] = zeros_like(param)
            state["acc_delta"] = zeros_like(param)
        lr, rho = group["lr"], group["rho"]
        eps = param._data.dtype.type(group["eps"])  # as PyTorch rounds it for the tensor

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        state["step"]._data += 1

        if group["weight_decay"] != 0:
            grad = add(grad, param._data, alpha=group["weight_decay"])

        addcmul_(mul_(square_avg, rho), grad, grad, value=1 - rho)
        std = np.sqrt(square_avg + eps)
        delta = np.sqrt(acc_delta + eps)
        delta /= std
        delta *= grad
        addcmul_(mul_(acc_delta, rho), delta, delta, value=1 - rho)
        add_(param._data, delta, alpha=-lr)

"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, addcdiv_, lerp_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2015, section 7), `torch.optim.Adamax`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), m and u starting at 0 (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        m ← β1·m + (1-β1)·g
        u ← max(β2·u, |g| + ε)              a decaying running maximum of |g|
        θ ← θ - γ/(1-β1^t) · m/u

    u needs no bias correction: a maximum is not pulled towards its starting 0 as an average
    is. ε is added to |g| inside the maximum, so u never reaches 0 (PyTorch's placement).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        betas: (β1, β2), decay rates of m and of u, each in [0, 1).
        eps: ε, added to |g| for numerical stability.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        foreach, differentiable, capturable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, eps or weight_decay, or a beta outside [0, 1) (PyTorch's
            messages, in PyTorch's order).

    State per parameter: 'step' (a 0-d float32 tensor), 'exp_avg' (m), 'exp_inf' (u).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One Adamax step for `param`, as PyTorch's `_single_tensor_adamax`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = zeros_like(param)
            state["exp_inf"] = zeros_like(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
        step_t = state["step"]._data
        step_t += 1

        if group["weight_decay"] != 0:
            grad = add(grad, param._data, alpha=group["weight_decay"])

        lerp_(exp_avg, grad, 1 - beta1)
        abs_grad_eps = np.abs(grad)
        abs_grad_eps += abs_grad_eps.dtype.type(eps)
        np.maximum(mul_(exp_inf, beta2), abs_grad_eps, out=exp_inf)

        clr = lr / (1 - beta1 ** step_t.item())
        addcdiv_(param._data, exp_avg, exp_inf, value=-clr)

"""RAdam: Adam with the variance of its adaptive learning rate rectified."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, add_, addcmul_, lerp_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class RAdam(Optimizer):
    """RAdam (Liu et al., 2020), `torch.optim.RAdam`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), m and v starting at 0 (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0 and decoupled_weight_decay:  θ ← θ·(1 - γλ)
        if λ ≠ 0 otherwise:                   g ← g + λθ
        m ← β1·m + (1-β1)·g
        v ← β2·v + (1-β2)·g²
        m̂ ← m / (1-β1^t)
        ρ_∞ ← 2/(1-β2) - 1
        ρ_t ← ρ_∞ - 2t·β2^t / (1-β2^t)      the length of the approximated moving average
        if ρ_t > 5:
            l ← √(1-β2^t) / (√v + ε)        the adaptive learning rate
            r ← √((ρ_t-4)(ρ_t-2)ρ_∞ / ((ρ_∞-4)(ρ_∞-2)ρ_t))     its variance rectification
            θ ← θ - γ·m̂·l·r
        else:
            θ ← θ - γ·m̂                    (momentum SGD while v is too young to trust)

    PyTorch computes m̂·γ·l·r from left to right, each product rounded, and l as
    `(1/(√v + ε))·√(1-β2^t)`; minigrad does the same (see `_array_ops` for the rounding).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        betas: (β1, β2), decay rates of the running averages of g and g², each in [0, 1).
        eps: ε, added to the denominator for numerical stability.
        weight_decay: weight decay λ.
        decoupled_weight_decay: decay θ directly, as AdamW, instead of adding λθ to g.
        foreach, capturable, differentiable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, eps or weight_decay, or a beta outside [0, 1) (PyTorch's
            messages, in PyTorch's order).

    State per parameter: 'step' (a 0-d float32 tensor), 'exp_avg' (m), 'exp_avg_sq' (v).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One RAdam step for `param`, as PyTorch's `_single_tensor_radam`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay = group["weight_decay"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        step_t = state["step"]._data
        step_t += 1
        step = step_t.item()
        scalar = param._data.dtype.type  # a Python number as PyTorch rounds it for the tensor

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                mul_(param._data, 1 - lr * weight_decay)
            else:
                grad = add(grad, param._data, alpha=weight_decay)

        lerp_(exp_avg, grad, 1 - beta1)
        addcmul_(mul_(exp_avg_sq, beta2), grad, grad, value=1 - beta2)

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        bias_corrected_exp_avg = exp_avg / scalar(bias_correction1)

        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2

        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            exp_avg_sq_sqrt = np.sqrt(exp_avg_sq)
            exp_avg_sq_sqrt += scalar(eps)
            adaptive_lr = np.reciprocal(exp_avg_sq_sqrt) * scalar(bias_correction2**0.5)
            update = bias_corrected_exp_avg * scalar(lr) * adaptive_lr * scalar(rect)
        else:
            update = bias_corrected_exp_avg * scalar(lr)
        add_(param._data, update, alpha=-1.0)

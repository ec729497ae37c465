"""Adam: gradient descent scaled by running estimates of the gradient's first two moments."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, add_, addcdiv_, addcmul_, div_, lerp_, mul_, neg, sqrt
from minigrad.optim._multi_tensor import JoinedUpdates
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with optional AMSGrad, `torch.optim.Adam`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), m, v and v_max starting at 0 (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  θ ← θ·(1 - γλ) if decoupled_weight_decay (AdamW), else g ← g + λθ
        m ← β1·m + (1-β1)·g                 running mean of g
        v ← β2·v + (1-β2)·g²                running mean of g² (the raw second moment)
        m̂ ← m / (1-β1^t)
        if amsgrad:
            v_max ← max(v_max, v)
            v̂ ← v_max / (1-β2^t)
        else:
            v̂ ← v / (1-β2^t)
        θ ← θ - γ·m̂ / (√v̂ + ε)

    The bias corrections undo the pull towards m = v = 0 of the early steps. Details that
    change the numbers: ε is added after the bias correction of √v (not inside the square
    root), and amsgrad takes the maximum over the raw v (not over v̂). PyTorch computes m as
    `lerp(m, g, 1-β1)`, v as `(β2·v) + ((1-β2)·g)·g` and the last line as
    θ + (-γ/(1-β1^t))·m / (√v/√(1-β2^t) + ε); minigrad computes them in the same order, each
    operation rounded as PyTorch rounds it (see `_array_ops`), so that in float32 m and v match
    PyTorch's bit for bit.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        betas: (β1, β2), decay rates of the running averages of g and g², each in [0, 1).
        eps: ε, added to the denominator √v̂ for numerical stability.
        weight_decay: weight decay λ, added to the gradient as λθ (an L2 penalty).
        amsgrad: divide by the running maximum of v instead of v (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: shrink θ by 1 - γλ instead of adding λθ to g: `AdamW`.
        foreach, capturable, differentiable, fused: PyTorch's implementation switches, kept in
            the param groups; minigrad has one implementation (see `Optimizer.step`).

    Raises:
        ValueError: negative lr, eps or weight_decay, a beta outside [0, 1), or betas that are
            not Python floats (PyTorch's messages, checked in PyTorch's order). PyTorch also
            accepts a pair of tensors as betas (for CUDA graphs); minigrad does not.

    State per parameter, created at its first step: 'step' (a 0-d float32 tensor, whatever the
    parameter's dtype), 'exp_avg' (m), 'exp_avg_sq' (v) and, with amsgrad, 'max_exp_avg_sq'.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None, maximize: bool = False,
        capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay)
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

        # Small parameters at the same step share one update (see `_multi_tensor`).
        self._joined_updates = JoinedUpdates(
            elementwise_state=("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))

    def _batch_key(self, param: Tensor, group: dict[str, Any]) -> float | None:
        # Parameters at the same step can be updated together; at its first step a parameter
        # has no state yet.
        state = self.state.get(param)
        return state["step"].item() if state else None

    def _update_all(self) -> None:
        self._joined_updates.step(self, self._batch_key)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One Adam step for `param`, as PyTorch's `_single_tensor_adam`, line for line (see
        the algorithm in the class docstring)."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not maximize else neg(param.grad._data)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        step_t = state["step"]._data
        step_t += 1

        if weight_decay != 0 and group["decoupled_weight_decay"]:
            mul_(param._data, 1 - lr * weight_decay)
        elif weight_decay != 0:
            grad = add(grad, param._data, alpha=weight_decay)

        # Decay the first and second moment running averages.
        lerp_(exp_avg, grad, 1 - beta1)
        addcmul_(mul_(exp_avg_sq, beta2), grad, grad, value=1 - beta2)

        step = step_t.item()
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step

        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5

        if amsgrad:
            # The running maximum of the raw second moment (not of its bias-corrected value).
            max_exp_avg_sq = state["max_exp_avg_sq"]._data
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = add_(div_(sqrt(max_exp_avg_sq), bias_correction2_sqrt), eps)
        else:
            denom = add_(div_(sqrt(exp_avg_sq), bias_correction2_sqrt), eps)

        addcdiv_(param._data, exp_avg, denom, value=-step_size)

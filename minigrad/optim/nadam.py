"""NAdam: Adam with Nesterov momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, addcdiv_, addcmul_, lerp_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), `torch.optim.NAdam`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), m and v starting at 0, the product Π starting at 1 (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0 and decoupled_weight_decay:  θ ← θ·(1 - γλ)
        if λ ≠ 0 otherwise:                   g ← g + λθ
        μ_t ← β1·(1 - ½·0.96^(tψ))          the momentum schedule (ψ: momentum_decay)
        μ_t+1 ← β1·(1 - ½·0.96^((t+1)ψ))
        Π ← Π·μ_t                           (a float32 number, as PyTorch keeps it)
        m ← β1·m + (1-β1)·g
        v ← β2·v + (1-β2)·g²
        d ← √(v / (1-β2^t)) + ε
        θ ← θ - γ(1-μ_t)/(1-Π) · g/d - γμ_t+1/(1-Π·μ_t+1) · m/d

    The last line looks one step ahead along the momentum: it uses the next step's μ_t+1.
    PyTorch applies it as two addcdivs, the gradient's term first; so does minigrad, each
    operation rounded as PyTorch rounds it (see `_array_ops`).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        betas: (β1, β2), decay rates of the running averages of g and g², each in [0, 1).
        eps: ε, added to the denominator for numerical stability.
        weight_decay: weight decay λ.
        momentum_decay: ψ, how fast μ_t rises towards β1.
        decoupled_weight_decay: decay θ directly, as AdamW (NAdamW), instead of adding λθ to g.
        foreach, capturable, differentiable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, eps, weight_decay or momentum_decay, or a beta outside [0, 1)
            (PyTorch's messages, in PyTorch's order).

    State per parameter: 'step' and 'mu_product' (Π) (0-d float32 tensors), 'exp_avg' (m),
    'exp_avg_sq' (v).
    """

    _capturable_message = ("params, mu_products and state_steps must be on supported devices: "
                           + str(["cuda", "xpu", "hpu", "privateuseone", "xla"]))

    _writes_per_step = 2  # (PyTorch adds the update's two terms to θ one after the other)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, betas=betas, weight_decay=weight_decay,
                              momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One NAdam step for `param`, as PyTorch's `_single_tensor_nadam`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["mu_product"] = Tensor._make(np.array(1.0, dtype=np.float32))
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        mu_product_t = state["mu_product"]._data
        step_t = state["step"]._data
        step_t += 1
        step = step_t.item()

        bias_correction2 = 1 - beta2**step

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                mul_(param._data, 1 - lr * weight_decay)
            else:
                grad = add(grad, param._data, alpha=weight_decay)

        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))

        mul_(mu_product_t, mu)
        mu_product = mu_product_t.item()

        lerp_(exp_avg, grad, 1 - beta1)
        addcmul_(mul_(exp_avg_sq, beta2), grad, grad, value=1 - beta2)
        denom = np.sqrt(exp_avg_sq / exp_avg_sq.dtype.type(bias_correction2))
        denom += denom.dtype.type(eps)

        mu_product_next = mu_product * mu_next
        addcdiv_(param._data, grad, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
        addcdiv_(param._data, exp_avg, denom, value=-lr * mu_next / (1.0 - mu_product_next))

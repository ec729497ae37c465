"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import ParamsT


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2019), `torch.optim.AdamW`: Adam whose weight decay shrinks
    the parameter directly instead of entering the moments, i.e. `Adam` with
    decoupled_weight_decay=True (as in PyTorch, a param group may still set it False).

    The algorithm, for each parameter θ with gradient ∇f(θ) (PyTorch's algorithm box):

        θ ← θ·(1 - γλ)                      the decay, before and apart from the gradient
        then one Adam step without weight decay (see `Adam`): m, v, the bias corrections,
        amsgrad's v_max, θ ← θ - γ·m̂ / (√v̂ + ε)

    With Adam's L2 term (g ← g + λθ), a parameter with a large v̂ is barely decayed, because
    the decay passes through the division by √v̂; here every parameter shrinks by the same
    factor 1 - γλ. The factor is computed in Python (float64) and rounded to the parameter's
    dtype by the multiplication, as PyTorch's `param.mul_(1 - lr * weight_decay)`.

    Args: those of `Adam` but decoupled_weight_decay (the default weight_decay λ is 0.01 here).

    State per parameter: Adam's ('step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq').
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

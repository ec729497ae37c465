"""ASGD: stochastic gradient descent that also keeps a running average of the iterates."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, add_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class ASGD(Optimizer):
    """Averaged stochastic gradient descent (Polyak & Juditsky, 1992), `torch.optim.ASGD`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), the step size η starting at γ, the averaging weight μ at 1, the average θ̄ at 0
    (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        θ ← θ·(1 - λ_d·η)                   the decay term (λ_d: lambd)
        θ ← θ - η·g
        θ̄ ← θ̄ + μ·(θ - θ̄)   if μ ≠ 1, else θ̄ ← θ
        η ← γ / (1 + λ_d·γ·t)^α             the step size for the next step
        μ ← 1 / max(1, t - t0)              averaging starts after t0 steps

    θ itself is trained as by SGD with a decaying step; θ̄ (state 'ax') is the average of the
    iterates since step t0, which the user may read and evaluate. η and μ are 0-d float32
    tensors, as in PyTorch, so η is rounded to float32 before it is used.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        lambd: λ_d, the decay term.
        alpha: α, the power of the step size's decay.
        t0: the step from which θ̄ averages.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        foreach, differentiable, capturable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr or weight_decay (PyTorch's messages, in PyTorch's order).

    State per parameter: 'step', 'eta' (η) and 'mu' (μ) (0-d float32 tensors), 'ax' (θ̄).
    """

    _capturable_message = ("params, mus, etas, and state_steps must be on supported devices: "
                           + str(["cuda", "xpu", "hpu", "privateuseone", "xla"]))

    _writes_per_step = 2  # (PyTorch shrinks θ, then adds the step: two writes)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One ASGD step for `param`, as PyTorch's `_single_tensor_asgd`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["eta"] = Tensor._make(np.array(group["lr"], dtype=np.float32))
            state["mu"] = Tensor._make(np.array(1.0, dtype=np.float32))
            state["ax"] = zeros_like(param)
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        ax, eta, mu = state["ax"]._data, state["eta"]._data, state["mu"]._data
        step_t = state["step"]._data
        step_t += 1

        if group["weight_decay"] != 0:
            grad = add(grad, param._data, alpha=group["weight_decay"])

        eta_value = eta.item()
        mul_(param._data, 1 - lambd * eta_value)  # decay term
        add_(param._data, grad, alpha=-eta_value)  # update parameter

        if mu.item() != 1:
            ax += (param._data - ax) * mu.astype(ax.dtype)
        else:
            ax[...] = param._data

        # Rounded to float32 even where eta and mu are float64 (a float64 parameter's loaded
        # state): PyTorch makes each a new default-dtype tensor before copying it in.
        step = step_t.item()
        eta[...] = np.float32(lr / ((1 + lambd * lr * step) ** alpha))
        mu[...] = np.float32(1 / max(1, step - t0))

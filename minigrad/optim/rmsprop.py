"""RMSprop: gradient descent divided by a running root mean square of the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim._array_ops import add, add_, addcdiv_, addcmul_, lerp_, mul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), `torch.optim.RMSprop`.

    The algorithm, for each parameter θ with gradient ∇f(θ), v, g_avg and b starting at 0
    (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        v ← α·v + (1-α)·g²                  running mean of g²
        if centered:
            g_avg ← α·g_avg + (1-α)·g       running mean of g
            d ← √(v - g_avg²) + ε           (a running standard deviation)
        else:
            d ← √v + ε
        if μ > 0:
            b ← μ·b + g/d
            θ ← θ - γ·b
        else:
            θ ← θ - γ·g/d

    PyTorch computes v as `(α·v) + ((1-α)·g)·g` (a fused addcmul), g_avg as `lerp(g_avg, g,
    1-α)` and v - g_avg² as an addcmul with value -1; minigrad does the same, each rounded as
    PyTorch rounds it (see `_array_ops`).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        alpha: smoothing constant α of the running means.
        eps: ε, added to the denominator for numerical stability.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        momentum: momentum factor μ (0 turns momentum off).
        centered: divide by the running standard deviation of g instead of its root mean
            square.
        capturable, foreach, differentiable: PyTorch's implementation switches, kept in the
            param groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, eps, momentum, weight_decay or alpha (PyTorch's messages, in
            PyTorch's order).

    State per parameter: 'step' (a 0-d float32 tensor), 'square_avg' (v), 'momentum_buffer'
    (b) when μ > 0, 'grad_avg' (g_avg) when centered.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                              alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One RMSprop step for `param`, as PyTorch's `_single_tensor_rmsprop`."""
        state = self.state[param]
        if not state:
            state["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
            state["square_avg"] = zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        lr, alpha, eps, momentum = group["lr"], group["alpha"], group["eps"], group["momentum"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        square_avg = state["square_avg"]._data
        state["step"]._data += 1

        if group["weight_decay"] != 0:
            grad = add(grad, param._data, alpha=group["weight_decay"])

        addcmul_(mul_(square_avg, alpha), grad, grad, value=1 - alpha)

        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"]._data, grad, 1 - alpha)
            avg = np.sqrt(addcmul_(square_avg.copy(), grad_avg, grad_avg, value=-1))
        else:
            avg = np.sqrt(square_avg)
        avg += avg.dtype.type(eps)

        if momentum > 0:
            buf = state["momentum_buffer"]._data
            addcdiv_(mul_(buf, momentum), grad, avg)
            add_(param._data, buf, alpha=-lr)
        else:
            addcdiv_(param._data, grad, avg, value=-lr)

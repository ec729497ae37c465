"""Adagrad: gradient descent divided by the root of the sum of all squared gradients so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import full_like
from minigrad.optim._array_ops import add, addcdiv_, addcmul_, neg
from minigrad.optim.optimizer import Optimizer, ParamsT, check_hyperparameters
from minigrad.tensor import Tensor


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), `torch.optim.Adagrad`.

    The algorithm, for each parameter θ with gradient ∇f(θ), t its step number (1 at its first
    step), the sum s starting at the initial accumulator value (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        γ_t ← γ / (1 + (t-1)·η)             the learning rate, decayed
        s ← s + g²
        θ ← θ - γ_t·g / (√s + ε)

    Each element's step shrinks as its gradients add up, so rarely-updated elements keep
    large steps. PyTorch computes s as an addcmul (g·g + s, rounded once) and the last line as
    an addcdiv; minigrad rounds each as PyTorch does (see `_array_ops`).

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        lr_decay: η, the learning rate's decay per step.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        initial_accumulator_value: the starting value of s (of every group: PyTorch ignores
            a group's own value).
        eps: ε, added to the denominator for numerical stability.
        foreach, differentiable, fused: PyTorch's implementation switches, kept in the param
            groups (see `Optimizer`).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, lr_decay, weight_decay, initial_accumulator_value or eps
            (PyTorch's messages, in PyTorch's order).

    State per parameter, made by the constructor for its parameters (not at their first step,
    unlike the other optimizers: PyTorch's Adagrad does so), at the first step for those of a
    group added later: 'step' (a 0-d float32 tensor) and 'sum' (s).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, param: Tensor) -> None:
        self.state[param]["step"] = Tensor._make(np.array(0.0, dtype=np.float32))
        # The constructor's value, even for a group that sets its own (as PyTorch does).
        self.state[param]["sum"] = full_like(param, self.defaults["initial_accumulator_value"])

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One Adagrad step for `param`, as PyTorch's `_single_tensor_adagrad`."""
        if not self.state.get(param):  # a group added after the constructor
            self._init_state(param)
        state = self.state[param]
        step_t = state["step"]._data
        step_t += 1
        step = step_t.item()

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not group["maximize"] else neg(param.grad._data)
        if group["weight_decay"] != 0:
            grad = add(grad, param._data, alpha=group["weight_decay"])

        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])

        state_sum = addcmul_(state["sum"]._data, grad, grad, value=1)
        std = np.sqrt(state_sum)
        std += std.dtype.type(group["eps"])
        addcdiv_(param._data, grad, std, value=-clr)

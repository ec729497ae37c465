"""Stochastic gradient descent, with momentum, dampening, weight decay and Nesterov momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.optim.fused import Scratch, fma
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent, `torch.optim.SGD`.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        momentum: momentum factor μ (0 turns momentum off).
        dampening: dampening τ of the gradient's share of the momentum buffer.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.

    Raises:
        ValueError: negative lr, momentum or weight_decay, or nesterov without momentum or with
            dampening (PyTorch's messages, checked in PyTorch's order).

    State per parameter: 'momentum_buffer' (a tensor like the parameter), only when μ ≠ 0.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    _elementwise_state = ("momentum_buffer",)

    def _batch_key(self, param: Tensor, group: dict[str, Any]) -> tuple | None:
        # SGD has no scalar state. With momentum, the first step creates the buffer.
        if group["momentum"] != 0 and not self.state.get(param):
            return None
        return ()

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        # Without momentum there is nothing to remember, and PyTorch makes no state entry.
        state = self.state[param] if group["momentum"] != 0 else {}
        buffer = state.get("momentum_buffer")
        new_buffer = sgd_update(
            param._data,
            param.grad._data,
            None if buffer is None else buffer._data,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            scratch=self._scratch,
        )
        if buffer is None and new_buffer is not None:
            state["momentum_buffer"] = Tensor(new_buffer)


def sgd_update(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer: np.ndarray | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
    scratch: Scratch,
) -> np.ndarray | None:
    """One SGD step for one parameter: updates `param` and `momentum_buffer` in place.

    With g the gradient, in PyTorch's order (the algorithm box of torch.optim.SGD):

        g ← -g                      if maximize
        g ← g + λθ                  if λ ≠ 0
        if μ ≠ 0:
            b ← g                   at the first step (a copy: not (1-τ)g, not zeros)
            b ← μb + (1-τ)g         at later steps
            g ← g + μb              if nesterov
            g ← b                   otherwise
        θ ← θ - γg

    Because maximize negates the gradient before weight decay is added, weight decay still
    pulls θ towards 0 while maximizing.

    Args:
        param: the parameter's values, overwritten with the new values.
        grad: its gradient (left unchanged).
        momentum_buffer: the buffer b from the previous step, or None at the first step.
        lr, momentum, dampening, weight_decay, nesterov, maximize: γ, μ, τ, λ and the flags.
        scratch: where the temporaries come from (see `fused.Scratch`).

    Returns:
        The momentum buffer (a new array at the first step), or None when μ = 0.
    """
    g = grad
    if maximize:
        g = np.negative(grad, out=scratch("grad", grad))
    if weight_decay != 0:
        g = fma(weight_decay, param, g, out=scratch("grad", grad), scratch=scratch)
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = g.copy()
        else:  # b ← μb + (1-τ)g, in PyTorch's order: μb first, then the fused (1-τ)·g + b
            momentum_buffer *= momentum
            fma(1 - dampening, g, momentum_buffer, out=momentum_buffer, scratch=scratch)
        if nesterov:
            g = fma(momentum, momentum_buffer, g, out=scratch("grad", grad), scratch=scratch)
        else:
            g = momentum_buffer
    fma(-lr, g, param, out=param, scratch=scratch)
    return momentum_buffer

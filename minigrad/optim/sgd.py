"""Stochastic gradient descent, with momentum, dampening, weight decay and Nesterov momentum."""

from __future__ import annotations

from typing import Any

from minigrad.optim._array_ops import add, add_, mul_, neg
from minigrad.optim._multi_tensor import JoinedUpdates
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent, `torch.optim.SGD`.

    The algorithm, for each parameter θ with gradient ∇f(θ) (PyTorch's algorithm box):

        g ← -∇f(θ) if maximize, else ∇f(θ)
        if λ ≠ 0:  g ← g + λθ
        if μ ≠ 0:
            b ← g                   at the parameter's first step (a copy: not (1-τ)g, not 0)
            b ← μb + (1-τ)g         at later steps
            g ← g + μb              if nesterov
            g ← b                   otherwise
        θ ← θ - γg

    Because maximize negates the gradient before weight decay is added, weight decay still
    pulls θ towards 0 while maximizing. In float32 each `x + a·y` is rounded once, as PyTorch's
    fused multiply-add rounds it (see `_array_ops`), so the numbers match PyTorch's bit for bit.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        momentum: momentum factor μ (0 turns momentum off).
        dampening: dampening τ of the gradient's share of the momentum buffer.
        weight_decay: L2 penalty λ, added to the gradient as λθ.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.
        foreach, differentiable, fused: PyTorch's implementation switches, kept in the param
            groups; minigrad has one implementation (see `Optimizer.step`).

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
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
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
            foreach=foreach,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)

        # Small parameters share one update (see `_multi_tensor`); SGD has no scalar state.
        self._joined_updates = JoinedUpdates(elementwise_state=("momentum_buffer",))

    def _batch_key(self, param: Tensor, group: dict[str, Any]) -> tuple[()] | None:
        # With momentum, the first step creates the buffer, one parameter at a time.
        if group["momentum"] != 0 and not self.state.get(param):
            return None
        return ()

    def _update_all(self) -> None:
        self._joined_updates.step(self, self._batch_key)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """One SGD step for `param`, as PyTorch's `_single_tensor_sgd`, line for line (see the
        algorithm in the class docstring)."""
        weight_decay, momentum, lr = group["weight_decay"], group["momentum"], group["lr"]
        dampening, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]

        assert param.grad is not None  # (the step loop passes only parameters with a gradient)
        grad = param.grad._data if not maximize else neg(param.grad._data)

        if weight_decay != 0:
            grad = add(grad, param._data, alpha=weight_decay)

        if momentum != 0:
            # Without momentum there is nothing to remember, and PyTorch makes no state entry.
            state = self.state[param]
            if state.get("momentum_buffer") is None:
                buf = grad.copy()
                state["momentum_buffer"] = Tensor._make(buf)
            else:
                buf = state["momentum_buffer"]._data
                add_(mul_(buf, momentum), grad, alpha=1 - dampening)

            if nesterov:
                grad = add(grad, buf, alpha=momentum)
            else:
                grad = buf

        add_(param._data, grad, alpha=-lr)

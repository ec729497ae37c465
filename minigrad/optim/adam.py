"""Adam: gradient descent scaled by running estimates of the gradient's first two moments."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.creation import zeros_like
from minigrad.optim.fused import Scratch, fma, lerp
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with optional AMSGrad, `torch.optim.Adam`.

    Args:
        params: tensors to optimize, or parameter-group dicts.
        lr: learning rate γ.
        betas: (β1, β2), decay rates of the running averages of g and g², each in [0, 1).
        eps: ε, added to the denominator √v̂ for numerical stability.
        weight_decay: L2 penalty λ, added to the gradient as λθ (this is Adam, not AdamW).
        amsgrad: divide by the running maximum of v instead of v (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.

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
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    _elementwise_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _batch_key(self, param: Tensor, group: dict[str, Any]) -> float | None:
        # Parameters at the same step can be updated together; at its first step a parameter
        # has no state yet.
        state = self.state.get(param)
        return state["step"].item() if state else None

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        state = self.state[param]
        if not state:
            state["step"] = Tensor(np.array(0.0, dtype=np.float32))
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(param)
        state["step"]._data += 1
        beta1, beta2 = group["betas"]
        adam_update(
            param._data,
            param.grad._data,
            state["exp_avg"]._data,
            state["exp_avg_sq"]._data,
            state["max_exp_avg_sq"]._data if group["amsgrad"] else None,
            step=state["step"].item(),
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            scratch=self._scratch,
        )


def adam_update(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    *,
    step: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    scratch: Scratch,
) -> None:
    """One Adam step for one parameter: updates `param` and the moment arrays in place.

    With g the gradient and t the step number (1 at the first step), in PyTorch's order (the
    algorithm box of torch.optim.Adam):

        g ← -g                              if maximize
        g ← g + λθ                          if λ ≠ 0
        m ← β1·m + (1-β1)·g                 running mean of g
        v ← β2·v + (1-β2)·g²                running mean of g² (the raw second moment)
        v_max ← max(v_max, v)               amsgrad only; v_max then replaces v below
        θ ← θ - γ·m̂ / (√v̂ + ε)              with m̂ = m / (1-β1^t), v̂ = v / (1-β2^t)

    The bias corrections undo the pull towards m = v = 0 of the early steps. Details that
    change the numbers: ε is added after the bias correction of √v (not inside the square
    root), and amsgrad takes the maximum over the raw v (not over v̂). The last line is
    computed as PyTorch computes it, θ + (-γ/(1-β1^t))·m / (√v/√(1-β2^t) + ε).

    Args:
        param: the parameter's values, overwritten with the new values.
        grad: its gradient (left unchanged).
        exp_avg, exp_avg_sq: m and v, updated in place.
        max_exp_avg_sq: v_max, updated in place, when amsgrad is on; otherwise None.
        step: t, the number of this step (the count already includes it).
        lr, beta1, beta2, eps, weight_decay, maximize: γ, β1, β2, ε, λ and the flag.
        scratch: where the temporaries come from (see `fused.Scratch`).
    """
    g = grad
    if maximize:
        g = np.negative(grad, out=scratch("grad", grad))
    if weight_decay != 0:
        g = fma(weight_decay, param, g, out=scratch("grad", grad), scratch=scratch)
    # m ← β1·m + (1-β1)·g
    lerp(exp_avg, g, 1 - beta1, out=exp_avg, scratch=scratch)
    # v ← β2·v + (1-β2)·g², in PyTorch's order: v·β2 first, then the fused ((1-β2)·g)·g + v.
    exp_avg_sq *= beta2
    # ((1-β2)·g goes into the denominator's memory, free until then: fewer distinct work arrays,
    # fewer cache misses; measured: 4% of the update on a 784x256 layer.)
    scaled_grad = np.multiply(g, 1 - beta2, out=scratch("denom", g))
    fma(scaled_grad, g, exp_avg_sq, out=exp_avg_sq, scratch=scratch)

    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second_moment = max_exp_avg_sq
    else:
        second_moment = exp_avg_sq
    # θ ← θ + (-γ/(1-β1^t))·m / (√v/√(1-β2^t) + ε)
    denom = np.sqrt(second_moment, out=scratch("denom", param))
    denom /= bias_correction2**0.5
    denom += eps
    # (In the memory of lerp's difference, done with, for the same reason.)
    change = np.multiply(exp_avg, -step_size, out=scratch("lerp difference", param))
    change /= denom
    param += change

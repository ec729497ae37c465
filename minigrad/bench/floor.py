"""The pieces of a hand-written NumPy training step that several floors share: the optimizers
and gradient clipping, written on dicts of arrays (parameter name -> array), updated in place.

They are what someone writing the step by hand in NumPy would write: the formulas of PyTorch's
documentation, one parameter at a time, without minigrad's care to round exactly as PyTorch
does (the differences stay far inside the float32 tolerance of the correctness check).
"""

from __future__ import annotations

import math

import numpy as np

Arrays = dict[str, np.ndarray]


def sgd_step(params: Arrays, grads: Arrays, lr: float) -> None:
    """Plain gradient descent, θ ← θ - γ g."""
    for name, p in params.items():
        p -= lr * grads[name]


class Adam:
    """torch.optim.Adam's update (no weight decay, no amsgrad) on NumPy arrays:

        m ← β1 m + (1-β1) g,   v ← β2 v + (1-β2) g²
        θ ← θ - γ/(1-β1^t) · m / (√v / √(1-β2^t) + ε)
    """

    def __init__(
        self, params: Arrays, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.exp_avg = {name: np.zeros_like(p) for name, p in params.items()}
        self.exp_avg_sq = {name: np.zeros_like(p) for name, p in params.items()}
        self.t = 0

    def step(self, grads: Arrays) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.t)
        root_correction2 = math.sqrt(1 - beta2**self.t)
        for name, p in self.params.items():
            g, m, v = grads[name], self.exp_avg[name], self.exp_avg_sq[name]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v)
            denom /= root_correction2
            denom += self.eps
            p -= step_size * m / denom


def clip_grad_norm(grads: Arrays, max_norm: float) -> None:
    """Scale all gradients by max_norm / (‖g‖ + 1e-6) when that is below 1, ‖g‖ being the
    2-norm of all their elements together (nn.utils.clip_grad_norm_)."""
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads.values():
            g *= coef

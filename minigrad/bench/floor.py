"""The pieces of a hand-written NumPy training step that several floors share: the optimizers
and gradient clipping, written on dicts of arrays (name -> array), updated in place.

They are what someone writing the step by hand in NumPy, as fast as NumPy allows, would write:
the formulas of PyTorch's documentation without minigrad's care to round exactly as PyTorch
does (the differences stay far inside the float32 tolerance of the correctness check), and
with every pass over the weights in place, into buffers allocated once. The floors keep all
their parameters in one array and all their gradients in another (`joined`), so that each
update is one pass of a handful of NumPy calls over every weight at once: per parameter, a
small model would pay the cost of each call several times over.

Constants enter NumPy calls as 0-d float32 arrays: with a Python or NumPy scalar operand,
NumPy takes a slower path, which costs about 0.2 us per call (more than the arithmetic on a
few hundred elements).
"""

from __future__ import annotations

import math

import numpy as np

Arrays = dict[str, np.ndarray]


def joined(shapes: dict[str, tuple[int, ...]]) -> tuple[np.ndarray, Arrays]:
    """A zeroed float32 array holding arrays of the given shapes end to end (flat), and a view
    of it for each name, with its shape."""
    sizes = [math.prod(shape) for shape in shapes.values()]
    flat = np.zeros(sum(sizes), np.float32)
    views, start = {}, 0
    for (name, shape), size in zip(shapes.items(), sizes):
        views[name] = flat[start:start + size].reshape(shape)
        start += size
    return flat, views


def constant(value: float | np.floating) -> np.ndarray:
    """`value` as a 0-d float32 array (see the module docstring for why)."""
    return np.array(value, np.float32)


class SGD:
    """Plain gradient descent, θ ← θ - γ g."""

    def __init__(self, params: Arrays, lr: float) -> None:
        self.params, self.lr = params, constant(lr)
        self.scratch = {name: np.empty_like(p) for name, p in params.items()}

    def step(self, grads: Arrays) -> None:
        for name, p in self.params.items():
            update = np.multiply(grads[name], self.lr, out=self.scratch[name])
            p -= update


class Adam:
    """torch.optim.Adam's update (no weight decay, no amsgrad) on NumPy arrays:

        m ← β1 m + (1-β1) g,   v ← β2 v + (1-β2) g²
        θ ← θ - γ/(1-β1^t) · m / (√v / √(1-β2^t) + ε)

    Two passes over the weights are saved by keeping M = m / (1-β1) and V = v / (1-β2)
    instead, whose updates need no multiplication by (1-β):

        M ← β1 M + g,   V ← β2 V + g²
        θ ← θ - c · M / (√V + ε'),   c = γ (1-β1) √(1-β2^t) / ((1-β1^t) √(1-β2)),
                                      ε' = ε √(1-β2^t) / √(1-β2)

    which is the same θ: the constant factors and the bias corrections are all folded into
    the two scalars c and ε'.
    """

    def __init__(
        self, params: Arrays, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.beta1, self.beta2 = constant(betas[0]), constant(betas[1])
        self.scaled_exp_avg = {name: np.zeros_like(p) for name, p in params.items()}
        self.scaled_exp_avg_sq = {name: np.zeros_like(p) for name, p in params.items()}
        self.scratch = {name: np.empty_like(p) for name, p in params.items()}
        self.t = 0

    def step(self, grads: Arrays) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        root_ratio = math.sqrt((1 - beta2**self.t) / (1 - beta2))
        step_size = constant(self.lr * (1 - beta1) * root_ratio / (1 - beta1**self.t))
        eps = constant(self.eps * root_ratio)
        for name, p in self.params.items():
            g, s = grads[name], self.scratch[name]
            m, v = self.scaled_exp_avg[name], self.scaled_exp_avg_sq[name]
            m *= self.beta1
            m += g
            v *= self.beta2
            v += np.multiply(g, g, out=s)
            np.sqrt(v, out=s)
            s += eps
            np.divide(m, s, out=s)
            s *= step_size
            p -= s


def clip_grad_norm(grads: Arrays, max_norm: float) -> None:
    """Scale all gradients by max_norm / (‖g‖ + 1e-6) when that is below 1, ‖g‖ being the
    2-norm of all their elements together (nn.utils.clip_grad_norm_)."""
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads.values():
            g *= constant(coef)

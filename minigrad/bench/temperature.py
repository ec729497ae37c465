"""W1: the temperature fit of the tutorials, one epoch of plain gradient descent.

Eleven thermometer readings t_u (unknown units, scaled by 0.1 so that one learning rate suits
both parameters) against degrees Celsius t_c; the model is t_p = w t_u + b, the loss the mean
squared error, and the update is written by hand under no_grad:

    loss = mean((w t_u + b - t_c)^2)
    dL/dw = mean(2 (t_p - t_c) t_u),   dL/db = mean(2 (t_p - t_c))
    params ← params - lr · grad
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import constant
from minigrad.bench.workload import Config, State, Workload, as_array, load

CELSIUS = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
UNKNOWN = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
LEARNING_RATE = 1e-2


def make_state(seed: int, config: Config) -> State:
    """The tutorial's data and starting point (w = 1, b = 0); nothing is random."""
    return {
        "t_c": np.array(CELSIUS, dtype=np.float32),
        "t_un": np.float32(0.1) * np.array(UNKNOWN, dtype=np.float32),
        "params": np.array([1.0, 0.0], dtype=np.float32),
    }


def model(t_u: Any, w: Any, b: Any) -> Any:
    return w * t_u + b


def loss_fn(t_p: Any, t_c: Any) -> Any:
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()


class TemperatureFit:
    """The tutorial's training loop body, on minigrad or torch."""

    def __init__(self, lib: ModuleType, state: State, config: Config) -> None:
        self.lib = lib
        self.t_u, self.t_c = load(lib, state["t_un"]), load(lib, state["t_c"])
        self.params = load(lib, state["params"]).requires_grad_()

    def step(self) -> Any:
        params = self.params
        if params.grad is not None:
            params.grad.zero_()
        t_p = model(self.t_u, *params)
        loss = loss_fn(t_p, self.t_c)
        loss.backward()
        with self.lib.no_grad():
            params -= LEARNING_RATE * params.grad
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {"params": as_array(self.params.grad)}


class NumpyTemperatureFit:
    """The same epoch by hand: the forward pass, the two derivatives above, the update.

    Eleven points make every NumPy call cost far more than its arithmetic, so the epoch is
    written in the fewest calls: the model as one product with the inputs [t_u, 1] (so that
    t_p = inputs · (w, b)), both derivatives as one product with those inputs, and every
    intermediate in an array allocated once. The mean's factor 2/n is folded into a copy of the
    inputs, made once: dL/d(w, b) = (t_p - t_c) · (2/n) inputs.
    """

    def __init__(self, state: State, config: Config) -> None:
        self.t_c, self.params = state["t_c"].copy(), state["params"].copy()
        n = self.t_c.size
        self.inputs = np.stack([state["t_un"], np.ones(n, np.float32)], axis=1)  # (n, 2)
        self.d_inputs = self.inputs * np.float32(2 / n)
        self.diff = np.empty(n, np.float32)
        self.grad = np.zeros_like(self.params)
        self.update = np.empty_like(self.params)
        self.lr = constant(LEARNING_RATE)

    def step(self) -> np.float32:
        # ndarray.dot rather than np.dot: the same product, without np.dot's dispatch to
        # __array_function__ overrides (a third of the cost of a call on arrays this small).
        diff = self.inputs.dot(self.params, self.diff)
        diff -= self.t_c
        loss = diff.dot(diff) / diff.size
        grad = diff.dot(self.d_inputs, self.grad)
        self.params -= np.multiply(grad, self.lr, self.update)
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {"params": self.grad.copy()}


WORKLOAD = Workload(
    key="W1",
    name="temperature",
    per="epoch",
    target=3.0,
    config={},
    tiny={},
    make_state=make_state,
    torch_api=TemperatureFit,
    numpy=NumpyTemperatureFit,
)

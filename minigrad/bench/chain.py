"""OP: the cost of one small elementwise operation, forward plus backward.

A chain of 800 elementwise operations on 16-element float32 arrays, so that the arithmetic is
negligible and what is measured is what the library spends around each operation: checking
arguments, recording the graph node, and running its backward. The chain repeats

    y ← tanh(y * w + b) + x          (4 ops: mul, add, tanh, add)

starting from y = x, ends with a sum, and backpropagates to x (w and b are constants). Adding
x back at every step keeps the gradient from vanishing through 200 tanh's and makes x collect
gradient from 201 paths, as a shared weight does.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.workload import Config, State, Workload, as_array, load

OPS_PER_CYCLE = 4


def make_state(seed: int, config: Config) -> State:
    rng = np.random.default_rng(seed)
    n = config["size"]
    return {
        "x": rng.uniform(-1, 1, n).astype(np.float32),
        "w": rng.uniform(0.5, 1.0, n).astype(np.float32),
        "b": rng.uniform(-0.1, 0.1, n).astype(np.float32),
    }


def ops_per_step(config: Config) -> int:
    return OPS_PER_CYCLE * config["cycles"]


class Chain:
    """The chain on minigrad or torch; one step is the forward pass, the sum and backward()."""

    def __init__(self, lib: ModuleType, state: State, config: Config) -> None:
        self.x = load(lib, state["x"]).requires_grad_()
        self.w, self.b = load(lib, state["w"]), load(lib, state["b"])
        self.cycles = config["cycles"]

    def step(self) -> Any:
        x, w, b = self.x, self.w, self.b
        x.grad = None
        y = x
        for _ in range(self.cycles):
            y = (y * w + b).tanh() + x
        loss = y.sum()
        loss.backward()
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {"x": as_array(self.x.grad)}


class NumpyChain:
    """The same by hand. With t_k = tanh(y_{k-1} w + b) and y_k = t_k + x:

        dL/dy_K = 1,   dL/dy_{k-1} = dL/dy_k (1 - t_k^2) w
        dL/dx = dL/dy_0 + sum_k dL/dy_k       (x enters every y_k and y_0 = x)
    """

    def __init__(self, state: State, config: Config) -> None:
        self.x, self.w, self.b = state["x"].copy(), state["w"].copy(), state["b"].copy()
        self.cycles = config["cycles"]
        self.grad = np.zeros_like(self.x)

    def step(self) -> np.float32:
        x, w, b = self.x, self.w, self.b
        ts = []
        y = x
        for _ in range(self.cycles):
            t = np.tanh(y * w + b)
            ts.append(t)
            y = t + x
        loss = y.sum()

        d_y = np.ones_like(x)
        grad = self.grad
        grad[...] = 0
        for t in reversed(ts):
            grad += d_y
            d_y *= 1 - t * t
            d_y *= w
        grad += d_y
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {"x": self.grad.copy()}


WORKLOAD = Workload(
    key="OP",
    name="elementwise",
    per="op",
    target=2.0,
    config={"size": 16, "cycles": 200},
    tiny={"size": 16, "cycles": 10},
    make_state=make_state,
    torch_api=Chain,
    numpy=NumpyChain,
    ops_per_step=ops_per_step,
)

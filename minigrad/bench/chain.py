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
        "x": rng.uniform(-1, 1, (n,)).astype(np.float32),
        "w": rng.uniform(0.5, 1.0, (n,)).astype(np.float32),
        "b": rng.uniform(-0.1, 0.1, (n,)).astype(np.float32),
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

    The forward pass makes the chain's 800 NumPy calls, one per operation, each into an array
    allocated once. The backward pass needs no loop: dL/dy_{k-1} is the product of the
    factors (1 - t_j^2) w for j = k .. K, so all of them are one cumulative product of those
    factors, computed for every k at once, from the last step to the first.
    """

    def __init__(self, state: State, config: Config) -> None:
        self.x, self.w, self.b = state["x"].copy(), state["w"].copy(), state["b"].copy()
        self.ts = np.empty((config["cycles"], self.x.size), np.float32)  # ts[k - 1] = t_k
        self.y = np.empty_like(self.x)
        self.d_ys = np.empty_like(self.ts)
        self.grad = np.zeros_like(self.x)

    def step(self) -> np.float32:
        x, w, b, y = self.x, self.w, self.b, self.y
        y[...] = x
        for t in self.ts:
            np.multiply(y, w, out=t)
            t += b
            np.tanh(t, out=t)
            np.add(t, x, out=y)
        loss = np.add.reduce(y)

        # d_ys[i] = dL/dy_{K-1-i} = prod over j > K-1-i of (1 - t_j^2) w.
        factors = np.multiply(self.ts[::-1], self.ts[::-1], out=self.d_ys)
        np.subtract(1, factors, out=factors)
        factors *= w
        d_ys = np.cumprod(factors, axis=0, out=factors)
        np.add.reduce(d_ys, axis=0, out=self.grad)
        self.grad += 1  # dL/dy_K
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

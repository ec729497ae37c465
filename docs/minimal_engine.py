"""minigrad's design in one file, with nothing else: the front door of the README's reading path.

One Python object per tensor, one per operation (the graph node, which keeps the edges to its
inputs' nodes), and a backward pass that counts the edges into each node and runs a node once
all its gradient has arrived. Three operations, each with its forward and its backward side by
side. Read it first: everything minigrad adds (dtype and shape checks, broadcasting, hooks,
grad mode, freeing saved arrays, PyTorch's error messages) sits on this skeleton.

It is also the floor of the design's cost: what it spends per operation is what no amount of
tuning minigrad can go below.

    python docs/minimal_engine.py

prints microseconds per operation (forward plus backward) of `minigrad bench`'s OP chain,
`y <- tanh(y * w + b) + x` 200 times on 16-element float32 arrays: for this minimal engine, for
minigrad and for the chain written by hand in NumPy (the benchmark's own floor).
"""

from __future__ import annotations

import time

import numpy as np


class Tensor:
    __slots__ = ("data", "node", "requires_grad", "grad")

    def __init__(self, data, node=None, requires_grad=False):
        self.data, self.node, self.grad = data, node, None
        self.requires_grad = requires_grad or node is not None

    def __mul__(self, other):
        return Mul.apply(self, other)

    def __add__(self, other):
        return Add.apply(self, other)

    def tanh(self):
        return Tanh.apply(self)


class Node:
    """An operation, once applied: its edges lead to the inputs' nodes (or leaf tensors)."""

    __slots__ = ("edges", "saved")


class Binary(Node):
    __slots__ = ()

    @classmethod
    def apply(cls, a, b):
        node = cls()
        out = node.forward(a.data, b.data)
        if a.requires_grad or b.requires_grad:
            node.edges = ((a.node or a) if a.requires_grad else None,
                          (b.node or b) if b.requires_grad else None)
            return Tensor(out, node)
        return Tensor(out)


class Add(Binary):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Mul(Binary):
    __slots__ = ()

    def forward(self, a, b):
        self.saved = a, b
        return a * b

    def backward(self, grad):
        a, b = self.saved
        edge_a, edge_b = self.edges
        return (grad * b if edge_a is not None else None,
                grad * a if edge_b is not None else None)


class Tanh(Node):
    __slots__ = ()

    @classmethod
    def apply(cls, x):
        node = cls()
        node.saved = y = np.tanh(x.data)
        if x.requires_grad:
            node.edges = (x.node or x,)
            return Tensor(y, node)
        return Tensor(y)

    def backward(self, grad):
        return (grad * (1 - self.saved * self.saved),)


def backward(root, seed):
    """Count the edges into every node, then run each node once its gradient is complete."""
    counts, stack = {}, [root.node]
    while stack:
        for parent in stack.pop().edges:
            if parent is None:
                continue
            if parent in counts:
                counts[parent] += 1
            else:
                counts[parent] = 1
                if isinstance(parent, Node):
                    stack.append(parent)
    pending, ready = {}, [(root.node, seed)]
    while ready:
        node, grad = ready.pop()
        if isinstance(node, Tensor):  # a leaf
            node.grad = grad if node.grad is None else node.grad + grad
            continue
        for parent, g in zip(node.edges, node.backward(grad)):
            if parent is None:
                continue
            if parent in pending:
                g = pending.pop(parent) + g
            counts[parent] -= 1
            if counts[parent]:
                pending[parent] = g
            else:
                ready.append((parent, g))


def main() -> None:
    import minigrad
    from minigrad.bench import chain

    config = chain.WORKLOAD.config  # 200 cycles of 4 operations on 16-element arrays
    state = chain.make_state(0, config)
    x = Tensor(state["x"].copy(), requires_grad=True)
    w, b = Tensor(state["w"]), Tensor(state["b"])

    def minimal_step():
        x.grad = None
        y = x
        for _ in range(config["cycles"]):
            y = (y * w + b).tanh() + x
        backward(y, np.ones_like(x.data))

    on_minigrad = chain.Chain(minigrad, state, config)  # `minigrad bench`'s own OP steps
    floor = chain.NumpyChain(state, config)
    minimal_step()
    for other in (on_minigrad, floor):
        other.step()
        assert np.allclose(x.grad, other.gradients()["x"], rtol=1e-5)

    steps = {"minimal engine": minimal_step, "minigrad": on_minigrad.step, "numpy": floor.step}
    ops = chain.ops_per_step(config)
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(30):  # interleaved, the fastest of 30 samples of 10 steps each
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(10):
                step()
            best[name] = min(best[name], (time.perf_counter() - start) / 10 / ops * 1e6)
    for name, us in best.items():
        print(f"{name:15s} {us:5.2f} us per op")


if __name__ == "__main__":
    main()

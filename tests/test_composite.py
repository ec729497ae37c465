"""Random composite programs: many operations chained into one graph, run in minigrad and in
PyTorch, must give the same leaf gradients.

Single-operation tests (test_ops.py) cannot catch mistakes of the backward pass itself: a node
run before all its gradient has arrived, a gradient that fans in from two paths counted once,
a leaf used by several operations. A program here draws a few float64 leaves with shapes that
broadcast together, then a sequence of steps; each step applies an operation from the table to
earlier values, any of them (leaves or results), so values are reused (fan-out) and results
combine several paths (fan-in). Every result is summed into a scalar loss, so gradient reaches
every step, and `loss.backward()` must leave the same `.grad` on every leaf in both libraries.

Every operation keeps values bounded (tanh, sigmoid, a divisor of at least 1, multiplication
by a tanh) so that a long program cannot overflow, and keeps shapes broadcastable: reductions
keep their dims.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import given, note
from hypothesis import strategies as st
from strategies import arrays, broadcastable_shapes
from support import assert_close

import minigrad as mg

UNARY = {
    "tanh": lambda lib, x: x.tanh(),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "neg": lambda lib, x: -x,
    "scale": lambda lib, x: 0.5 * x - 0.25,
    "relu": lambda lib, x: lib.relu(x),
    "exp of tanh": lambda lib, x: lib.exp(x.tanh()),
    "x tanh x": lambda lib, x: x * x.tanh(),
    "sum last dim": lambda lib, x: x.sum(dim=-1, keepdim=True),
    "mean": lambda lib, x: x.mean(),
    "softmax last dim": lambda lib, x: lib.softmax(x, -1),
    "logsumexp last dim": lambda lib, x: lib.logsumexp(x, -1, keepdim=True),
}

BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul by tanh": lambda lib, a, b: a * b.tanh(),
    "div": lambda lib, a, b: a / (1 + b * b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, 0.5 * b),
}


@dataclass
class Program:
    """Leaves, then steps `(op, operand indices)`; value i is leaf i for i < len(leaves), else
    the result of step i - len(leaves)."""

    leaves: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...]]]

    def run(self, lib):
        """The leaves (requiring grad) and the scalar loss: the sum of every step's result."""
        leaves = [lib.tensor(leaf.copy(), requires_grad=True) for leaf in self.leaves]
        values = list(leaves)
        loss = 0.0
        for name, operands in self.steps:
            table = UNARY if len(operands) == 1 else BINARY
            result = table[name](lib, *(values[i] for i in operands))
            values.append(result)
            loss = loss + result.sum()
        return leaves, loss


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 10) -> Program:
    count = draw(st.integers(1, 3))
    shapes = draw(broadcastable_shapes(count, max_dims=3, max_side=3))
    leaves = [draw(arrays(np.dtype(np.float64), s, low=-2, high=2, ties=False)) for s in shapes]
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        available = len(leaves) + len(steps)
        # Counting back from the newest value makes chains deep and shrinks towards them.
        operand = st.integers(0, available - 1).map(lambda back, n=available: n - 1 - back)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(operand),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(operand), draw(operand))))
    return Program(leaves, steps)


@given(programs())
def test_random_programs_with_fan_out_and_fan_in_give_torchs_leaf_gradients(program):
    for step in program.steps:
        note(f"step {step}")
    (ours, our_loss), (theirs, their_loss) = program.run(mg), program.run(torch)
    assert_close(our_loss, their_loss, what="loss")
    our_loss.backward()
    their_loss.backward()
    for i, (m, t) in enumerate(zip(ours, theirs, strict=True)):
        if t.grad is None:
            assert m.grad is None, f"leaf {i} is not used, its grad must stay None"
        else:
            assert_close(m.grad, t.grad, what=f"grad of leaf {i}")

"""Watch the backward pass: `with trace() as t: loss.backward()`, then `print(t)`.

Each row is one node, in the order the backward pass visits it: the operation, the gradient it
received (shape and norm), and the norm of the gradient it passed to each of its inputs. A leaf
row ("AccumulateGrad") is where a gradient comes to rest in `.grad`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from minigrad.autograd import engine
from minigrad.autograd.function import Function


def _norm(array: Any) -> float:
    return float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))


@dataclass
class Step:
    """One node of a backward pass, as the trace saw it."""

    name: str
    grad_shape: tuple[int, ...] | None
    grad_norm: float | None
    input_grad_norms: list[float | None] = field(default_factory=list)


class trace:
    """Record the nodes a backward pass visits (a context manager; nothing is recorded, and
    nothing is slowed, outside it). Only the thread that enters the block is traced: backward
    passes that other threads run meanwhile are not recorded."""

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def __enter__(self) -> trace:
        self._previous = engine.set_tracer(self)
        return self

    def __exit__(self, *exc: object) -> None:
        engine.set_tracer(self._previous)

    def record(self, node: Any, grad: Any, input_grads: tuple[Any, ...]) -> None:
        """Called by the engine once per visited node."""
        if isinstance(node, Function):
            name = node.name()
            grads = list(input_grads) + [None] * (len(node.next_functions) - len(input_grads))
            outs = [None if g is None else _norm(g)  # one per input that takes a gradient
                    for edge, g in zip(node.next_functions, grads) if edge is not None]
        else:
            name = f"AccumulateGrad {list(node.shape)}"
            outs = []
        self.steps.append(Step(name, None if grad is None else tuple(np.shape(grad)),
                               None if grad is None else _norm(grad), outs))

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Any:
        return iter(self.steps)

    def __str__(self) -> str:
        rows = [("#", "node", "grad in: shape", "norm", "grads out: norms")]
        for i, s in enumerate(self.steps):
            outs = ", ".join("-" if n is None else f"{n:.4g}" for n in s.input_grad_norms)
            rows.append((str(i), s.name, "-" if s.grad_shape is None else str(list(s.grad_shape)),
                         "-" if s.grad_norm is None else f"{s.grad_norm:.4g}", outs or "-"))
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

"""`autograd.grad` and `autograd.backward`: the backward pass as functions, as in PyTorch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.autograd.engine import run_backward, seed_gradient
from minigrad.tensor import Tensor


def _as_list(x: Any) -> list[Any]:
    return [x] if isinstance(x, Tensor) or x is None else list(x)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None) -> None:
    """Accumulate the gradients of several outputs at once into the leaves' `.grad`."""
    outputs = _as_list(tensors)
    seeds = _as_list(grad_tensors) if grad_tensors is not None else [None] * len(outputs)
    run_backward(outputs, [seed_gradient(o, g, i) for i, (o, g) in enumerate(zip(outputs, seeds))],
                 bool(retain_graph))


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
) -> tuple[Tensor | None, ...]:
    """d(outputs)/d(inputs), returned instead of accumulated: no `.grad` anywhere changes.

    Returns one gradient per input; an input the outputs do not depend on raises RuntimeError,
    or gives None with allow_unused=True.
    """
    if create_graph:
        raise NotImplementedError("minigrad does not build graphs of the backward pass")
    outs, ins = _as_list(outputs), _as_list(inputs)
    seeds = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    captured = run_backward(outs, [seed_gradient(o, g, i) for i, (o, g) in
                                   enumerate(zip(outs, seeds))], bool(retain_graph), ins)
    assert captured is not None
    unused = [i for i, g in enumerate(captured) if g is None]
    if unused and not allow_unused:
        raise RuntimeError(
            f"The differentiated Tensor at index {unused[0]} appears to not have been used in "
            "the graph. Set allow_unused=True if this is the desired behavior."
        )
    # Not copied, as in PyTorch: a gradient passed through unchanged (grad(x + 1, x, v)) is the
    # memory of grad_outputs, and an input listed twice gets one gradient twice. But a
    # broadcast one (read-only, as mean's backward makes it) is copied, so that it can be
    # written to in place, as PyTorch's can.
    return tuple(None if g is None else
                 Tensor._make(g.astype(t.dtype, copy=not g.flags.writeable))
                 for g, t in zip(captured, ins))

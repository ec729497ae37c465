"""The backward pass: walk the graph from the output back to the leaves, applying the chain rule.

1. Count, for every node reachable from the output, how many edges lead into it.
2. Start at the output with the seed gradient. A node runs its `backward` only once every node
   that feeds gradient into it has run (its count reaches zero), so its incoming gradient is the
   complete sum over all the paths through it.
3. A leaf tensor at the end of an edge adds the gradient into its `.grad`.

Both walks use an explicit stack, never recursion, so a chain of a million operations works.
Each pending gradient is dropped as soon as it is used, and each node's saved arrays are freed
after its backward (unless retain_graph), so memory falls as the pass proceeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import no_grad

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


def _count_dependencies(root: Any) -> dict[Any, int]:
    """How many graph edges lead into each node reachable from `root`."""
    counts: dict[Any, int] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.next_functions:
            if parent is None:
                continue
            if parent in counts:
                counts[parent] += 1
            else:
                counts[parent] = 1
                if isinstance(parent, Function):
                    stack.append(parent)
    return counts


def _run_hooks(hooks: list[Any] | None, grad: np.ndarray) -> np.ndarray:
    from minigrad.tensor import Tensor

    for hook in hooks or ():
        result = hook(Tensor._make(grad))
        if result is not None:
            grad = result._data
    return grad


def _accumulate(leaf: Tensor, grad: np.ndarray) -> None:
    """Add `grad` into `leaf.grad`: a new tensor the first time, in place afterwards."""
    from minigrad.tensor import Tensor

    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
    if leaf._grad is None:
        # A copy: the array may be shared with other gradients or with the caller.
        leaf._grad = Tensor._make(np.array(grad, dtype=leaf._data.dtype, copy=True))
    else:
        leaf._grad._data += grad


def run_backward(root: Tensor, grad: np.ndarray, retain_graph: bool) -> None:
    """Backpropagate `grad` (d loss / d root) from `root` into every leaf that requires grad."""
    start = root.grad_fn
    if start is None:  # backward() on a leaf: its gradient is the seed itself
        _accumulate(root, grad)
        return
    counts = _count_dependencies(start)
    pending: dict[Any, np.ndarray] = {start: grad}
    ready: list[Any] = [start]
    # Hooks and backward code must not record a graph of their own. Gradients at the edges of
    # a function's domain (0 * inf, 1/0) are nan and inf as in PyTorch, without NumPy warnings.
    with no_grad(), np.errstate(all="ignore"):
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            if isinstance(node, Function):
                if grad is not None:
                    if node._hooks:
                        grad = _run_hooks(node._hooks, grad)
                    if node._retained is not None:
                        retained = node._retained()
                        if retained is not None:
                            _accumulate(retained, grad)
                    input_grads = node.backward(node, grad)
                    if not isinstance(input_grads, tuple):
                        input_grads = (input_grads,)
                else:
                    input_grads = ()
                if not retain_graph:
                    node._release()
                for i, parent in enumerate(node.next_functions):
                    if parent is None:
                        continue
                    g = input_grads[i] if i < len(input_grads) else None
                    if g is not None:
                        if parent in pending:
                            pending[parent] = pending[parent] + g
                        else:
                            pending[parent] = g
                    counts[parent] -= 1
                    if counts[parent] == 0:
                        ready.append(parent)
            elif grad is not None:
                _accumulate(node, grad)

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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd import function
from minigrad.autograd.function import Function
from minigrad.autograd.grad_mode import _state

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


def _count_dependencies(starts: Iterable[Any]) -> dict[Any, int]:
    """How many graph edges lead into each node reachable from the (distinct) starting nodes;
    a node that no edge leads into has no entry."""
    counts: dict[Any, int] = {}
    stack = [s for s in starts if isinstance(s, Function)]
    while stack:
        for parent in stack.pop().next_functions:
            if parent is None:
                continue
            if parent in counts:
                counts[parent] += 1
            else:  # first visit: count it, and walk on from it unless it is a leaf
                counts[parent] = 1
                if isinstance(parent, Function):
                    stack.append(parent)
    return counts


def _run_hooks(hooks: list[Any] | None, grad: np.ndarray) -> np.ndarray:
    for hook in hooks or ():
        result = hook(function.Tensor._make(grad))
        if result is not None:
            grad = result._data
    return grad


def _accumulate(leaf: Tensor, grad: np.ndarray) -> None:
    """Add `grad` into `leaf.grad`: a new tensor the first time, in place afterwards."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
    if leaf._grad is None:
        # A copy: the array may be shared with other gradients or with the caller.
        leaf._grad = function.Tensor._make(np.array(grad, dtype=leaf._data.dtype, copy=True))
    else:
        leaf._grad._data += grad


def run_backward(
    roots: list[Tensor],
    grads: list[np.ndarray],
    retain_graph: bool,
    inputs: list[Tensor] | None = None,
) -> list[np.ndarray | None] | None:
    """Backpropagate grads[i] (d loss / d roots[i]) into every leaf that requires grad.

    With `inputs` (for autograd.grad), nothing is accumulated into any `.grad`: the gradients
    that reach those tensors are returned instead, in order (None where none arrived).
    """
    # The pass starts at each root's node, or at the root itself when it is a leaf.
    pending: dict[Any, np.ndarray] = {}
    if len(roots) == 1:  # loss.backward(): no edge can lead into the one start
        start = roots[0].grad_fn or roots[0]
        counts = _count_dependencies((start,))
        ready = [(start, grads[0])]
    else:
        for root, grad in zip(roots, grads):
            start = root.grad_fn or root
            pending[start] = pending[start] + grad if start in pending else grad
        counts = _count_dependencies(pending)  # (the distinct starts are pending's keys)
        # A start that no edge leads into is ready, with its gradient complete.
        ready = [(start, pending.pop(start)) for start in list(pending) if start not in counts]
    wanted = {t.grad_fn or t: i for i, t in enumerate(inputs)} if inputs is not None else None
    captured: list[np.ndarray | None] = [None] * len(inputs or ())
    # Hooks and backward code must not record a graph of their own (grad mode is switched off
    # by hand: no_grad() as a context manager costs more than a small backward pass).
    grad_mode, _state.enabled = _state.enabled, False
    try:
        _walk(ready, pending, counts, wanted, captured, retain_graph)
    finally:
        _state.enabled = grad_mode
    return captured if inputs is not None else None


# Gradients at the edges of a function's domain (0 * inf, 1/0) are nan and inf, as in PyTorch,
# without NumPy warnings. (errstate as a decorator: half the cost of a `with` block.)
@np.errstate(all="ignore")
def _walk(ready: list[tuple[Any, Any]], pending: dict[Any, np.ndarray], counts: dict[Any, int],
          wanted: dict[Any, int] | None, captured: list[Any], retain_graph: bool) -> None:
    """The backward pass proper: run each node whose gradient is complete (see run_backward).

    `ready` holds (node, gradient) pairs whose gradient is complete (None: no gradient reached
    the node); `pending` holds the partial sums of the nodes that still wait for some of their
    incoming edges, and `counts` how many.

    This loop runs once per node of every backward pass, so it is written for speed: the rare
    cases (hooks, retain_grad, autograd.grad's inputs, a tracer, custom Functions) each cost
    one test when absent, and a node with one incoming edge (most nodes) goes straight to
    `ready` without passing through `pending`.
    """
    tracer = _tracer  # read once
    # (The dict and list methods are looked up once: that saves 4% of a small op's cost.)
    pop_ready, push_ready = ready.pop, ready.append
    pop_pending, get_pending = pending.pop, pending.get
    while ready:
        node, grad = pop_ready()
        if wanted is not None and grad is not None and node in wanted:
            captured[wanted[node]] = grad
        if not isinstance(node, Function):  # a leaf: the gradient comes to rest here
            if grad is not None and wanted is None:
                _accumulate(node, grad)
            if tracer is not None:
                tracer.record(node, grad, ())
            continue
        edges = node.next_functions
        input_grads: tuple[Any, ...] = ()
        if grad is not None:
            if node._hooks is not None or node._retained is not None:
                grad = _observe(node, grad, wanted is None)
            if node.on_arrays:  # a built-in op: called directly
                input_grads = node.backward(node, grad)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
            else:
                input_grads = node._apply_backward(grad)
        if tracer is not None:
            tracer.record(node, grad, input_grads)
        # Free what the node saved. Only nodes that saved something fail a second backward,
        # as in PyTorch: a graph of additions and reshapes can be walked again.
        if node._saved and not retain_graph:
            node._saved = function._FREED
        i = 0
        for parent in edges:
            g = input_grads[i] if i < len(input_grads) else None  # trailing Nones omitted
            i += 1
            if parent is None:
                continue
            left = counts[parent] - 1
            if left:  # more edges lead into parent: add g to its partial sum
                counts[parent] = left
                if g is not None:
                    old = get_pending(parent)
                    pending[parent] = g if old is None else old + g
            else:  # the last edge into parent: its gradient is complete
                old = pop_pending(parent, None)
                if old is not None:
                    g = old if g is None else old + g
                push_ready((parent, g))


def _observe(node: Function, grad: np.ndarray, accumulate: bool) -> np.ndarray:
    """What a non-leaf's hooks and retain_grad() see of its gradient, before its backward."""
    grad = _run_hooks(node._hooks, grad)
    if node._retained is not None and accumulate:
        retained = node._retained()
        if retained is not None:
            _accumulate(retained, grad)
    return grad


_tracer: Any = None  # set by autograd.trace() while it records


def set_tracer(tracer: Any) -> Any:
    """Install a tracer (an object with `record(node, grad, input_grads)`); returns the old one."""
    global _tracer
    previous, _tracer = _tracer, tracer
    return previous

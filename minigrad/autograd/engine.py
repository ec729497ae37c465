"""The backward pass: walk the graph from the output back to the leaves, applying the chain rule.

1. Count, for every node reachable from the output, how many edges lead into it.
2. Start at the output with the seed gradient. A node runs its `backward` only once every node
   that feeds gradient into it has run (its count reaches zero), so its incoming gradient is the
   complete sum over all the paths through it.
3. A leaf tensor at the end of an edge adds the gradient into its `.grad`.

Both walks use an explicit stack, never recursion, so a chain of a million operations works.
Each pending gradient is dropped as soon as it is used, and each node's saved arrays are freed
after its backward (unless retain_graph), so memory falls as the pass proceeds.

Every gradient that crosses an edge has its input's shape: a backward that returns the
gradient of a broadcast (a (2, 3) gradient for a (3,) input) has it summed back here, in one
place, and any other shape is an error naming the operation (`_fit`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.autograd.function import _FREED, Function
from minigrad.autograd.grad_mode import _state
from minigrad.checks import torch_size
from minigrad.functions.broadcast import broadcasts_to, unbroadcast

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


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
    # The pass starts at each root's node, or at the root itself when it is a leaf. Gradients
    # of one start add up; a start that no edge leads into is ready with its gradient complete.
    pending: dict[Any, np.ndarray] = {}
    if len(roots) == 1:  # loss.backward() (a fast path: no edge can lead into the one start)
        start = roots[0].grad_fn or roots[0]
        counts = _count_dependencies((start,))
        ready = [(start, grads[0])]
    else:
        for root, grad in zip(roots, grads):
            start = root.grad_fn or root
            pending[start] = pending[start] + grad if start in pending else grad
        counts = _count_dependencies(pending)
        ready = [(start, pending.pop(start)) for start in list(pending) if start not in counts]
    wanted = {t.grad_fn or t: i for i, t in enumerate(inputs)} if inputs is not None else None
    captured: list[np.ndarray | None] = [None] * len(inputs or ())
    # Hooks and backward code must not record a graph of their own (grad mode is switched off
    # by hand: no_grad() as a context manager costs more than a small backward pass).
    grad_mode, keep_saved = _state.enabled, _state.keep_saved
    _state.enabled, _state.keep_saved = False, retain_graph
    try:
        _walk(ready, pending, counts, wanted, captured, retain_graph)
    finally:
        _state.enabled, _state.keep_saved = grad_mode, keep_saved
    return None if wanted is None else [captured[wanted[t.grad_fn or t]] for t in inputs or ()]


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


# Gradients at the edges of a function's domain (0 * inf, 1/0) are nan and inf, as in PyTorch,
# without NumPy warnings. (errstate as a decorator: half the cost of a `with` block.)
@np.errstate(all="ignore")
def _walk(ready: list[tuple[Any, Any]], pending: dict[Any, np.ndarray], counts: dict[Any, int],
          wanted: dict[Any, int] | None, captured: list[Any], retain_graph: bool) -> None:
    """The backward pass proper: run each node whose gradient is complete (see run_backward).

    `ready` holds (node, gradient) pairs whose gradient is complete (None: no gradient reached
    the node); `pending` holds the partial sums of the nodes that still wait for some of their
    incoming edges, and `counts` how many. A node with one incoming edge (most nodes) goes
    straight to `ready` without passing through `pending`.
    """
    tracer = _tracer.current
    while ready:
        node, grad = ready.pop()
        if wanted is not None and grad is not None and node in wanted:
            captured[wanted[node]] = grad
        if not isinstance(node, Function):  # a leaf: the gradient comes to rest here
            if grad is not None and wanted is None:
                _accumulate(node, grad)
            if tracer is not None:
                tracer.record(node, grad, ())
            continue
        edges = node.next_functions
        if grad is None:
            input_grads: tuple[Any, ...] = (None,) * len(edges)
        else:
            if node._hooks is not None or node._retained is not None:
                grad = _observe(node, grad, wanted is None)
            if node.on_arrays:  # a built-in op: called directly
                input_grads = node.backward(node, grad)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
            else:
                input_grads = node._apply_backward(grad)
            if len(input_grads) < len(edges):  # trailing Nones may be left out
                input_grads += (None,) * (len(edges) - len(input_grads))
        if tracer is not None:
            tracer.record(node, grad, [_fit(g, end._shape, node, end, input_grads)
                                       if g is not None and end is not None else g
                                       for end, g in zip(edges, input_grads)])
        # Free what the node saved (and the versions noted of it). Only nodes that saved
        # something fail a second backward, as in PyTorch: additions and reshapes can be rerun.
        if node._saved and not retain_graph:
            node._saved, node._saved_versions = _FREED, ()
        for parent, g in zip(edges, input_grads):
            if parent is None:
                continue
            if g is not None:
                shape = parent._shape  # (of a node's output, or of a leaf)
                if g.shape != shape:
                    g = _fit(g, shape, node, parent, input_grads)
            left = counts[parent] - 1
            if left:  # more edges lead into parent: add g to its partial sum
                counts[parent] = left
                if g is not None:
                    old = pending.get(parent)
                    pending[parent] = g if old is None else old + g
            else:  # the last edge into parent: its gradient is complete
                old = pending.pop(parent, None)
                if old is not None:
                    g = old if g is None else old + g
                ready.append((parent, g))


# Two threads' passes may end in one leaf, and NumPy drops the GIL while it adds large arrays.
_accumulate_lock = threading.Lock()


def _accumulate(leaf: Tensor, grad: np.ndarray) -> None:
    """Add `grad` into `leaf.grad`: a new tensor the first time, in place afterwards."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
    with _accumulate_lock:
        if leaf._grad is None:  # a copy: the array may be shared with other gradients
            leaf._grad = tensor.Tensor._make(np.array(grad, dtype=leaf._data.dtype, copy=True))
        else:
            leaf._grad._data += grad
            (leaf._grad._storage or leaf._grad._shared_storage()).version += 1  # as in PyTorch


def _fit(grad: np.ndarray, shape: tuple[int, ...], node: Function, end: Any,
         input_grads: tuple[Any, ...]) -> np.ndarray:
    """`grad`, which `node` sends along an edge to `end`, in `end`'s `shape`.

    As in PyTorch, a gradient of a shape that the input broadcasts to is summed back to the
    input's shape (so a backward may leave undoing broadcasting to the engine); any other shape
    is a bug in that backward, reported as PyTorch reports it.
    """
    if shape and not broadcasts_to(shape, grad.shape):  # (a 0-d input broadcasts to anything)
        index = next(i for i, (e, g) in enumerate(zip(node.next_functions, input_grads))
                     if e is end and g is grad)
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
        )
    return unbroadcast(grad, shape)


def _observe(node: Function, grad: np.ndarray, accumulate: bool) -> np.ndarray:
    """What a non-leaf's hooks and retain_grad() see of its gradient, before its backward."""
    grad = _run_hooks(node._hooks, grad)
    if node._retained is not None and accumulate:
        retained = node._retained()
        if retained is not None:
            _accumulate(retained, grad)
    return grad


def _run_hooks(hooks: list[Any] | None, grad: np.ndarray) -> np.ndarray:
    for hook in hooks or ():
        result = hook(tensor.Tensor._make(grad))
        if result is not None:
            grad = result._data
    return grad


def seed_gradient(output: Tensor, gradient: Any, index: int) -> np.ndarray:
    """The gradient a backward pass starts from at `output` (d loss / d output): `gradient`,
    checked against the output's shape, or 1 for a one-element output."""
    if gradient is not None and not isinstance(gradient, tensor.Tensor):  # PyTorch checks it first
        raise TypeError(
            f"gradients can be either Tensors or None, but got {type(gradient).__name__}")
    if not output._requires_grad:
        raise RuntimeError(
            f"element {index} of tensors does not require grad and does not have a grad_fn"
        )
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        seed = np.array(1, output._data.dtype)
        return seed.reshape(output._data.shape) if output._data.ndim else seed
    seed = gradient._data
    if seed.shape != output.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[{index}] has a shape of {torch_size(seed.shape)} "
            f"and output[{index}] has a shape of {torch_size(output.shape)}."
        )
    return seed.astype(output.dtype, copy=False)


class RemovableHandle:
    """Returned by register_hook; `remove()` unregisters the hook (torch.utils.hooks)."""

    def __init__(self, hooks: list[Any], hook: Callable[..., Any]) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


class _Tracer(threading.local):
    """The tracer of each thread: a trace() block records the backward passes its own thread
    runs, not those that other threads run meanwhile."""

    current: Any = None  # set by autograd.trace() while it records


_tracer = _Tracer()


def set_tracer(tracer: Any) -> Any:
    """Install a tracer (an object with `record(node, grad, input_grads)`) for the calling
    thread; returns the one it replaces."""
    previous, _tracer.current = _tracer.current, tracer
    return previous


# The engine hands gradients to hooks and leaves as Tensors, and Tensor.backward calls the
# engine: the module is imported last, once the engine's names exist for minigrad.tensor to use,
# and its Tensor is looked up when a gradient is wrapped.
from minigrad import tensor  # noqa: E402

"""`Function`: one differentiable operation, and, once applied, one node of the graph.

This is PyTorch's `torch.autograd.Function`. A custom operation subclasses it with a `forward`
and a `backward` side by side:

    class Exp(Function):
        '''d/dx exp(x) = exp(x)'''

        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * y

    z = Exp.apply(t)

`forward` receives the arguments (tensors and plain values) and returns one tensor; it runs with
grad mode off, so what it computes is not recorded. `backward` receives the gradient of the loss
with respect to that output and returns one gradient per forward argument, in order; None means
"no gradient", and trailing Nones may be left out.

minigrad's built-in operations (minigrad/functions/) are `ArrayFunction`s: the same mechanism one
level down, where forward and backward receive and return the NumPy arrays behind the tensors.
Reading one teaches the other.

The `ctx` object becomes the node the output's `grad_fn` points to (`_record`). It knows its
inputs' nodes, never its output, so the graph has no reference cycles and is freed as soon as
the last tensor that reaches it goes away.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import versions
from minigrad.autograd.grad_mode import _state, no_grad

_FREED = "freed"  # marks a node whose saved arrays were released by backward()


class Function:
    """Base class of differentiable operations; an instance is the `ctx` and the graph node."""

    # Whether forward and backward see NumPy arrays (built-in operations) or Tensors.
    on_arrays = False

    # Set by _record() on nodes that are kept in a graph.
    next_functions: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    _shape: tuple[int, ...] = ()  # the shape of the output, which its gradient must have
    _saved: Any = ()
    _saved_versions: tuple[Any, ...] = ()  # see minigrad.autograd.versions
    _hooks: list[Any] | None = None  # hooks registered on the output tensor (non-leaf)
    _retained: Any = None  # weakref to the output tensor when it called retain_grad()

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        raise NotImplementedError

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep what backward needs. It is released after backward unless retain_graph=True."""
        self._saved = arrays

    @property
    def _last_backward(self) -> bool:
        """Whether backward runs for the last time (no retain_graph): it may then overwrite
        the arrays of its own making that it saved, which are freed right after (LSTMLayer)."""
        return not _state.keep_saved

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward(). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        for storage, version, tensor, _ in self._saved_versions:  # (see versions.remember)
            if (storage or tensor._storage or versions.UNWRITTEN).version != version:
                versions.refuse(self)
        return self._saved

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run the operation on tensors (or plain values) and record it if a gradient is needed."""
        ctx = cls()
        ctx.needs_input_grad = _needs(args)
        with no_grad():
            result = cls.forward(ctx, *args)
        if not isinstance(result, Tensor):
            return result  # (PyTorch hands back what is not a tensor as it is, unrecorded)
        out = ctx._record(result._data, args)
        out._storage = result._shared_storage()  # forward may have saved the result itself
        versions.remember_tensors(ctx, out)
        return out

    def _record(self, out: np.ndarray, inputs: tuple[Any, ...]) -> Tensor:
        """Wrap forward's result `out` in a Tensor and keep this ctx as its node if some input
        needs a gradient (`needs_input_grad`, set before forward so that forward saves only
        what those gradients use) and the result is floating point: the one template of
        recording a node. The node holds one edge per input (`next_functions`): the node that
        made it or, for a leaf, the leaf itself, where the gradient comes to rest; None where
        no gradient is needed. `_shape` is the shape the output's gradient will have."""
        needs = self.needs_input_grad
        if True in needs and out.dtype.kind == "f":
            self.next_functions = tuple(
                [(a.grad_fn or a) if need else None for a, need in zip(inputs, needs)]
            )
            self._shape = out.shape
            result = Tensor._make(out, self)
            if self._saved and self.on_arrays:
                versions.remember(self, inputs)
            return result
        return Tensor._make(out)  # nothing to differentiate: no node is kept

    def _apply_backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        """A tensor-level `backward` on the gradient array, wrapped in a Tensor: the arrays (or
        None) it returns, one per forward argument."""
        grads = self.backward(self, Tensor._make(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple([g._data if isinstance(g, Tensor) else g for g in grads])

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Accepted as in PyTorch; integer outputs never get gradients anyway."""

    def name(self) -> str:
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class ArrayFunction(Function):
    """A Function whose forward and backward compute on NumPy arrays: the built-in operations.

    `forward(ctx, *args)` receives the arrays behind the tensor arguments and returns an array;
    `backward(ctx, grad)` receives an array and returns arrays. No Tensor is made in between,
    which keeps each operation cheap. A backward may return a gradient of the broadcast shape:
    the engine sums it back to its input's shape.
    """

    on_arrays = True

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """`Function.apply` for arrays: forward runs on the arrays behind the tensor arguments,
        then `_record` keeps the node if a gradient is needed."""
        ctx = cls()
        ctx.needs_input_grad = _needs(args)
        out = cls.forward(ctx, *[a._data if isinstance(a, Tensor) else a for a in args])
        return ctx._record(out, args)

    # The two commonest calls have their own copies of apply and _record, unrolled: one tensor
    # and options (x.tanh(), x.sum(dim)), two arguments (x * y, x * 2). That saves a tenth of a
    # small operation's cost. tests/test_autograd_api.py pins that they record apply's node.

    @classmethod
    def apply1(cls, x: Any, *options: Any) -> Any:
        """`apply(x, *options)` for a tensor x and plain options, which get no edge (apply would
        give each a None edge and a False in needs_input_grad)."""
        ctx = cls()
        need = x._requires_grad and _state.enabled
        ctx.needs_input_grad = _ONE[need]
        out = cls.forward(ctx, x._data, *options)
        if need and out.dtype.kind == "f":
            ctx.next_functions = (x.grad_fn or x,)
            ctx._shape = out.shape
            result = Tensor._make(out, ctx)
            if ctx._saved and (ctx._saved[0] is x._data or len(ctx._saved) > 1):
                versions.remember(ctx, (x,))  # (not for its output alone: see remember)
            return result
        return Tensor._make(out)

    @classmethod
    def apply2(cls, a: Any, b: Any) -> Any:
        """`apply(a, b)` for two arguments, tensors or plain values (x * y, x * 2)."""
        ctx = cls()
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        enabled = _state.enabled
        need_a, need_b = enabled and ta and a._requires_grad, enabled and tb and b._requires_grad
        ctx.needs_input_grad = _TWO[need_a][need_b]
        out = cls.forward(ctx, a._data if ta else a, b._data if tb else b)
        if (need_a or need_b) and out.dtype.kind == "f":
            ctx.next_functions = ((a.grad_fn or a) if need_a else None,
                                  (b.grad_fn or b) if need_b else None)
            ctx._shape = out.shape
            result = Tensor._make(out, ctx)
            if ctx._saved:
                versions.remember(ctx, (a, b))
            return result
        return Tensor._make(out)


def _needs(inputs: tuple[Any, ...]) -> tuple[bool, ...]:
    """Which inputs need a gradient: the tensors that require grad, while grad mode is on."""
    if not _state.enabled:
        return (False,) * len(inputs)
    return tuple([isinstance(a, Tensor) and a._requires_grad for a in inputs])


_ONE = ((False,), (True,))  # needs_input_grad of one input, by whether it needs a gradient
_TWO = (((False, False), (False, True)), ((True, False), (True, True)))  # ... of two


# Functions return Tensors and Tensors are made by Functions: this import comes last, once
# Function and ArrayFunction exist for minigrad.tensor (and the operations it imports) to use.
from minigrad.tensor import Tensor  # noqa: E402

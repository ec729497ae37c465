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

`apply` runs forward and, when a gradient is needed, keeps the `ctx` object as the node that the
output tensor's `grad_fn` points to (`Function._record`, the one template every front door
follows). A node knows its inputs' nodes (`next_functions`) and the shape of the tensor it made,
but never that tensor itself, so the graph holds no reference cycles and is freed as soon as the
last tensor that reaches it goes away.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import checks
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
    # (storage, version, tensor or None for the output, array) of each tensor whose memory the
    # node saved: saved_tensors refuses them once an in-place write has moved a version on.
    _saved_versions: tuple[tuple[Any, int, Any, np.ndarray], ...] = ()
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
    def saved_tensors(self) -> tuple[Any, ...]:
        if self._saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward(). Specify retain_graph=True if you "
                "need to backward through the graph a second time."
            )
        for storage, version, tensor, array in self._saved_versions:
            if storage.version != version:
                maker = self.name() if tensor is None else tensor.grad_fn and tensor.grad_fn.name()
                which = f", which is output 0 of {maker.removesuffix('Backward')}," if maker else ""
                raise checks.modified_error(array, which, storage.version, version)
        return self._saved

    def _remember_versions(self, inputs: tuple[Any, ...], out: Tensor) -> None:
        """Note which tensors' arrays forward saved (its inputs', its output's), and the version
        of each: the in-place writes that a backward must not run after."""
        remembered: list[tuple[Any, int, Any, np.ndarray]] = []
        for array in self._saved:
            if array is out._data:
                storage = out._shared_storage()
                remembered.append((storage, storage.version, None, array))
                continue
            for t in inputs:
                if isinstance(t, Tensor) and array is t._data:
                    storage = t._shared_storage()
                    remembered.append((storage, storage.version, t, array))
                    break
        self._saved_versions = tuple(remembered)

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run the operation on tensors (or plain values) and record it if a gradient is needed."""
        ctx = cls()
        ctx.needs_input_grad = _needs(args)
        with no_grad():
            result = cls.forward(ctx, *args)
        if not isinstance(result, Tensor):
            return ctx._record(np.asarray(result), args)
        out = ctx._record(result._data, args)
        out._storage = result._shared_storage()  # forward may have saved the result itself
        saved = [t for t in ctx._saved if isinstance(t, Tensor)]
        ctx._saved_versions = tuple((t._shared_storage(), t._version, t, t._data) for t in saved)
        return out

    def _record(self, out: np.ndarray, inputs: tuple[Any, ...]) -> Tensor:
        """Wrap the forward's result `out` in a Tensor and, if a gradient must flow back through
        it, keep this ctx as its node: the one template of recording a node.

        Before forward, `needs_input_grad` was set (`_needs`), so that forward saves only what
        the gradients asked for need, as PyTorch's nodes do. A node is kept when some input
        needs a gradient and the result is floating point. It then holds one edge per input
        (`next_functions`): the node that made that input or, for a leaf, the leaf tensor
        itself, where the gradient comes to rest; None for an input that needs no gradient.
        `_shape` is the shape the output's gradient will have.
        """
        needs = self.needs_input_grad
        if True in needs and out.dtype.kind == "f":
            self.next_functions = tuple(
                [(a.grad_fn or a) if need else None for a, need in zip(inputs, needs)]
            )
            self._shape = out.shape
            result = Tensor._make(out, self)
            if self._saved and self.on_arrays:
                self._remember_versions(inputs, result)
            return result
        return Tensor._make(out)  # nothing to differentiate: no node is kept

    def _apply_backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        """Run a tensor-level `backward` on the gradient array (wrapped in a Tensor); the arrays
        (or None) it returns, one per forward argument. (The engine calls an ArrayFunction's
        backward directly.)"""
        grads = self.backward(self, Tensor._make(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return tuple([g._data if isinstance(g, Tensor) else g for g in grads])

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Accepted for PyTorch compatibility; integer outputs never get gradients anyway."""

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

    # Every operation of every model runs through apply, so the two commonest calls have their
    # own copies of apply and _record, unrolled: one tensor and options (x.tanh(), x.sum(dim),
    # x[i]), and two arguments (x * y, x * 2). That saves a tenth of the cost of a small
    # operation. tests/test_autograd_api.py pins that each records the node apply records.

    @classmethod
    def apply1(cls, x: Any, *options: Any) -> Any:
        """`apply(x, *options)` where x is a tensor and the options are plain values. Only x
        gets an edge: `apply` would add a None edge (and a False in needs_input_grad) for each
        option, which can never receive a gradient."""
        ctx = cls()
        need = x._requires_grad and _state.enabled
        ctx.needs_input_grad = _ONE[need]
        out = cls.forward(ctx, x._data, *options)
        if need and out.dtype.kind == "f":
            ctx.next_functions = (x.grad_fn or x,)
            ctx._shape = out.shape
            result = Tensor._make(out, ctx)
            if ctx._saved:
                ctx._remember_versions((x,), result)
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
                ctx._remember_versions((a, b), result)
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

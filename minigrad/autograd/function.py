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
output tensor's `grad_fn` points to. A node knows its inputs' nodes (`next_functions`) but never
its own output, so the graph holds no reference cycles and is freed as soon as the last tensor
that reaches it goes away.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.grad_mode import _state, no_grad

_FREED = "freed"  # marks a node whose saved arrays were released by backward()

# minigrad.tensor and this module need each other; tensor.py fills this in once Tensor exists.
Tensor: Any = None


class Function:
    """Base class of differentiable operations; an instance is the `ctx` and the graph node."""

    # Whether forward and backward see NumPy arrays (built-in operations) or Tensors.
    on_arrays = False

    # Set by apply() on nodes that are kept in a graph.
    next_functions: tuple[Any, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    _saved: Any = ()
    _hooks: list[Any] | None = None  # hooks registered on the output tensor (non-leaf)
    _retained: Any = None  # weakref to the output tensor when it called retain_grad()

    @staticmethod
    def forward(ctx: Function, *args: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Any:
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
        return self._saved

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run the operation on tensors (or plain values) and record it if a gradient is needed."""
        ctx = cls()
        with no_grad():
            result = cls.forward(ctx, *args)
        out = result._data if isinstance(result, Tensor) else np.asarray(result)
        # A custom backward is checked against these (the built-in ones are trusted).
        ctx._input_shapes = tuple(a.shape if isinstance(a, Tensor) else None for a in args)
        if _state.enabled and out.dtype.kind == "f":
            needs = tuple([isinstance(a, Tensor) and a._requires_grad for a in args])
            if True in needs:
                ctx.needs_input_grad = needs
                # An edge leads to the node that made the input or, for a leaf, to the leaf
                # tensor itself, where the gradient comes to rest.
                ctx.next_functions = tuple(
                    [(a.grad_fn or a) if need else None for a, need in zip(args, needs)]
                )
                return Tensor._make(out, ctx)
        return Tensor._make(out)  # nothing to differentiate: no node is kept

    def _apply_backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        """Run a tensor-level `backward` on the gradient array (wrapped in a Tensor); one array
        (or None) per forward argument, each checked against its input's shape. (The engine
        calls an ArrayFunction's backward directly.)"""
        grads = self.backward(self, Tensor._make(grad))
        grads = grads if isinstance(grads, tuple) else (grads,)
        arrays = tuple(g._data if isinstance(g, Tensor) else g for g in grads)
        for i, (g, shape) in enumerate(zip(arrays, self._input_shapes)):
            if g is not None and shape is not None and np.shape(g) != shape:
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index {i} - got "
                    f"{list(np.shape(g))} but expected shape compatible with {list(shape)}"
                )
        return arrays

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
    which keeps each operation cheap.
    """

    on_arrays = True

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """`Function.apply` for arrays: run forward on the arrays behind the tensor arguments
        and, if an input requires grad (in grad mode, for a floating-point result), keep `ctx`
        as the result's grad_fn, with one edge per argument: to the node that made it, to the
        leaf itself, or None where no gradient is needed."""
        ctx = cls()
        arrays = []
        edges = []  # the node that made each input (or the leaf itself), None for no gradient
        needs = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a._requires_grad:
                    edges.append(a.grad_fn or a)
                    needs.append(True)
                    continue
            else:
                arrays.append(a)
            edges.append(None)
            needs.append(False)
        out = cls.forward(ctx, *arrays)
        if True in needs and _state.enabled and out.dtype.kind == "f":
            ctx.next_functions = edges
            ctx.needs_input_grad = needs
            return Tensor._make(out, ctx)
        return Tensor._make(out)

    # Every operation of every model runs through apply, so the two commonest calls have their
    # own copies of it, unrolled: one tensor and options (x.tanh(), x.sum(dim), x[i]), and two
    # tensors (x * y). That saves a tenth of the cost of a small operation.

    @classmethod
    def apply1(cls, x: Any, *options: Any) -> Any:
        """`apply(x, *options)` where x is a tensor and the options are plain values. Only x
        gets an edge (the options could never receive a gradient)."""
        ctx = cls()
        out = cls.forward(ctx, x._data, *options)
        if x._requires_grad and _state.enabled and out.dtype.kind == "f":
            ctx.next_functions = (x.grad_fn or x,)
            ctx.needs_input_grad = (True,)
            return Tensor._make(out, ctx)
        return Tensor._make(out)

    @classmethod
    def apply2(cls, a: Any, b: Any) -> Any:
        """`apply(a, b)` for two arguments, tensors or plain values (x * y, x * 2)."""
        ctx = cls()
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        out = cls.forward(ctx, a._data if ta else a, b._data if tb else b)
        need_a, need_b = ta and a._requires_grad, tb and b._requires_grad
        if (need_a or need_b) and _state.enabled and out.dtype.kind == "f":
            ctx.next_functions = ((a.grad_fn or a) if need_a else None,
                                  (b.grad_fn or b) if need_b else None)
            ctx.needs_input_grad = (need_a, need_b)
            return Tensor._make(out, ctx)
        return Tensor._make(out)

"""A module's hooks: functions called around its forward and its backward, as PyTorch's.

    handle = model.fc.register_forward_hook(lambda module, args, output: print(output.shape))
    handle.remove()

* A forward pre-hook `hook(module, args)` runs before `forward`; a tuple it returns replaces
  the positional arguments (anything else but None becomes a one-element tuple).
* A forward hook `hook(module, args, output)` runs after it; what it returns, if not None,
  replaces the output.
* A full backward hook `hook(module, grad_input, grad_output)` runs once the gradients with
  respect to the module's tensor inputs are computed; a tuple it returns replaces grad_input.
  A backward pre-hook `hook(module, grad_output)` runs before them and may replace grad_output.

The backward hooks work as PyTorch's: the module's inputs that require grad pass, together,
through one node (`_Gather`, then one `_Slot` per input), and so do its outputs. PyTorch's node
has one output per tensor; minigrad's nodes have one output each, so `_Gather` outputs a 0-d
token and each `_Slot` gives one tensor back from it. In the backward pass each slot notes the
gradient that reaches it and sends nothing but a zero to the token; the engine runs `_Gather`
only once every slot it can reach has run, so it sees all the gradients at once, calls the
hooks with them, and passes on what they return.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.autograd.grad_mode import _state
from minigrad.checks import LIBRARY_DIRS, stacklevel_outside
from minigrad.tensor import Tensor

_ids = itertools.count()


class RemovableHandle:
    """What register_*_hook returns: `remove()` (or leaving a `with handle:` block) unregisters
    the hook. `id` is its key in the module's hook dicts (as torch.utils.hooks)."""

    def __init__(self, *registries: dict[int, Any]) -> None:
        self.id, self.registries = next(_ids), registries

    def remove(self) -> None:
        for registry in self.registries:
            registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def register(module: Any, kind: str, hook: Any, prepend: bool, *flags: str) -> RemovableHandle:
    """Add `hook` to the module's dict `kind` (made on first use), first if `prepend`, and its
    id to each set named in `flags` (with_kwargs, always_call)."""
    registry = module.__dict__.get(kind)
    if registry is None:
        registry = OrderedDict()
        object.__setattr__(module, kind, registry)
    extra = []
    for flag in flags:
        if module.__dict__.get(flag) is None:
            object.__setattr__(module, flag, {})
        extra.append(module.__dict__[flag])
    object.__setattr__(module, "_hooked", True)
    handle = RemovableHandle(registry, *extra)
    registry[handle.id] = hook
    if prepend:
        registry.move_to_end(handle.id, last=False)
    for flags_registry in extra:
        flags_registry[handle.id] = True
    return handle


def call(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`module(*args, **kwargs)` with its hooks (Module.__call__ comes here once the module has
    had some). If anything in it raises, the forward hooks registered with always_call that
    have not run yet run then (with the output so far, None if forward raised), as PyTorch's;
    an error of theirs is only a warning, and the first error goes on up."""
    output, called = None, set()  # (the always_call hooks that have run)
    try:
        with_kwargs = module._forward_pre_hooks_with_kwargs
        for key, hook in list(module._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(module, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {result}.")
                    args, kwargs = result
            else:
                result = hook(module, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward = _BackwardHooks(module) if _state.enabled and (
            module._backward_hooks or module._backward_pre_hooks) else None
        if backward is not None:
            args = backward.wrap_inputs(args)
        output = module.forward(*args, **kwargs)
        for key, hook in list(module._forward_hooks.items()):
            if key in module._forward_hooks_always_called:
                called.add(key)
            output = _forward_hook(module, key, hook, args, kwargs, output)
        if backward is not None:
            output = backward.wrap_outputs(output)
        return output
    except Exception:
        for key, hook in list(module._forward_hooks.items()):
            if key in module._forward_hooks_always_called and key not in called:
                try:
                    output = _forward_hook(module, key, hook, args, kwargs, output)
                except Exception as error:
                    warnings.warn("module forward hook with ``always_call=True`` raised an "
                                  "exception that was silenced as another error was raised in "
                                  f"forward: {error}", stacklevel=2)
        raise


def _forward_hook(module: Any, key: int, hook: Any, args: tuple[Any, ...],
                  kwargs: dict[str, Any], output: Any) -> Any:
    """Run one forward hook; the output it returns, or the output it was given if None."""
    if key in module._forward_hooks_with_kwargs:
        result = hook(module, args, kwargs, output)
    else:
        result = hook(module, args, output)
    return output if result is None else result


class _BackwardHooks:
    """The state one call of a module shares between its gathering nodes. `grad_outputs` is
    None but between the outputs' gradients and the inputs' (as PyTorch's): a gradient that
    reaches the inputs without passing through the outputs (a tensor the module made from
    its input and kept) runs no full backward hook."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.inputs: list[Tensor] = []  # the tensor inputs: grad_input has one entry for each
        self.needs_input = False
        self.outputs: list[Tensor] = []
        self.grad_outputs: tuple[Any, ...] | None = None

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.inputs = [a for a in args if isinstance(a, Tensor)]
        self.needs_input = any(a.requires_grad for a in self.inputs)
        return _gather(args, self._at_inputs)

    def wrap_outputs(self, output: Any) -> Any:
        outputs = output if isinstance(output, tuple) else (output,)
        self.outputs = [o for o in outputs if isinstance(o, Tensor)]
        wrapped = _gather(outputs, self._at_outputs)
        return wrapped if isinstance(output, tuple) else wrapped[0]

    def _at_outputs(self, grads: list[Any]) -> list[Any]:
        """The gradients of the outputs have all arrived (None: of an output that does not
        require grad, or that no gradient reached): backward pre-hooks may replace them; if
        no input needs a gradient, the full backward hooks run now, as in PyTorch (with a
        warning), and may return nothing but None. What goes on into the module is zeros
        where the gradient is None (PyTorch sends None; either way an input reached only
        through such an output gets a zero gradient, from `_at_inputs`)."""
        grad_outputs = tuple(grads)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, grad_outputs)
            if result is not None:
                grad_outputs = _checked(result, grad_outputs, "pre hook", "grad_output")
        self.grad_outputs = grad_outputs
        if not self.needs_input:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/"
                "main/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook "
                "for more details.", stacklevel=stacklevel_outside(*LIBRARY_DIRS))
            for hook in list(self.module._backward_hooks.values()):
                result = hook(self.module, (None,) * len(self.inputs), grad_outputs)
                if result is not None and not (
                        isinstance(result, tuple) and all(g is None for g in result)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [g if g is not None else Tensor._make(np.zeros_like(o._data))
                for o, g in zip(self.outputs, grad_outputs, strict=True)]

    def _at_inputs(self, grads: list[Any]) -> list[Any]:
        """The gradients of the inputs have all arrived: the full backward hooks see them, with
        zeros for the tensor inputs no gradient reached (as PyTorch's, which also gives zeros
        for the inputs that do not require grad), and may replace them."""
        if self.grad_outputs is None:  # not through the outputs: no hook runs
            return grads
        grad_input = tuple(g if g is not None else Tensor._make(np.zeros_like(x._data))
                           for x, g in zip(self.inputs, grads, strict=True))
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None:
                grad_input = _checked(result, grad_input, "hook", "grad_input")
        self.grad_outputs = None
        return list(grad_input)


def _gather(values: tuple[Any, ...], at_gradients: Any) -> tuple[Any, ...]:
    """`values` with each tensor that requires grad replaced by a slot of one `_Gather` node,
    which, in the backward pass, calls `at_gradients(grads)` with the gradients of every
    tensor in `values` (None where none arrived, or for a tensor that needs none) and passes
    on what it returns."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    needing = [k for k, t in enumerate(tensors) if t.requires_grad]
    if not needing:
        return values
    gathered = _Gathered(at_gradients, len(tensors), needing)
    token = _Gather.apply(gathered, *[tensors[k] for k in needing])
    slots = {id(tensors[k]): _Slot.apply(token, gathered, k, tensors[k]._data) for k in needing}
    return tuple(slots.get(id(v), v) if isinstance(v, Tensor) else v for v in values)


class _Gathered:
    """What a `_Gather` node and its slots share: the gradients the slots have noted."""

    def __init__(self, at_gradients: Any, count: int, needing: list[int]) -> None:
        self.at_gradients, self.needing = at_gradients, needing
        self.grads: list[Any] = [None] * count

    def run(self) -> tuple[Any, ...]:
        grads, self.grads = self.grads, [None] * len(self.grads)  # (ready for a second pass)
        results = self.at_gradients(grads)
        return tuple(None if results[k] is None else results[k]._data for k in self.needing)


def _checked(result: Any, before: tuple[Any, ...], kind: str, what: str) -> tuple[Any, ...]:
    """What a backward hook returned, checked as PyTorch checks it against what it was given:
    as many entries (any sequence will do: a tensor's entries are its rows; `len` refuses
    anything else with a TypeError), each None or a tensor of the same dtype and shape."""
    if len(result) != len(before):
        raise RuntimeError(f"Backward {kind} returned an invalid number of {what}, got "
                           f"{len(result)}, but expected {len(before)}")
    for new, old in zip(result, before):
        if new is None:
            continue
        if not isinstance(new, Tensor):
            raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
        if old is not None and new.dtype != old.dtype:
            raise RuntimeError(f"hook 'hook' has changed the type of value (was {old.type()} "
                               f"got {new.type()})")
        if old is not None and new.shape != old.shape:
            raise RuntimeError("hook 'hook' has changed the size of value")
    return tuple(result)


class _Gather(ArrayFunction):
    """Gathers tensors into one node; its output, a 0-d token, only links the slots to it.
    Its backward runs once all the slots' gradients have arrived (see the module docstring)."""

    @staticmethod
    def forward(ctx, gathered, *arrays):
        ctx.gathered = gathered
        return np.zeros((), dtype=arrays[0].dtype)

    @staticmethod
    def backward(ctx, grad):
        return (None, *ctx.gathered.run())  # (None: the `gathered` argument)

    def name(self) -> str:
        return "BackwardHookFunctionBackward"


class _Slot(ArrayFunction):
    """Identity on one gathered tensor, `array`; its backward notes the gradient for the
    `_Gather` node behind the token, and sends the token a zero."""

    @staticmethod
    def forward(ctx, token, gathered, k, array):
        ctx.gathered, ctx.k = gathered, k
        return array

    @staticmethod
    def backward(ctx, grad):
        ctx.gathered.grads[ctx.k] = Tensor._make(grad)
        return np.zeros((), dtype=grad.dtype)

    def name(self) -> str:
        return "BackwardHookFunctionBackward"

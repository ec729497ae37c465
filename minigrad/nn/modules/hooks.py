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

The backward hooks work by identity nodes around the module: each output passes through one
(`_AtOutput`, which notes its gradient), each input through another (`_AtInput`, which calls the
hooks). PyTorch gathers all inputs (and all outputs) in one node; minigrad's nodes have one
output each, so it supports the case that covers the layers: one input tensor that requires
grad, and for pre-hooks one output tensor that does. Other cases raise NotImplementedError.
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from typing import Any

from minigrad.autograd.function import ArrayFunction
from minigrad.autograd.grad_mode import _state
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
    had some)."""
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
    with_kwargs = module._forward_hooks_with_kwargs
    for key, hook in list(module._forward_hooks.items()):
        if key in with_kwargs:
            result = hook(module, args, kwargs, output)
        else:
            result = hook(module, args, output)
        if result is not None:
            output = result
    if backward is not None:
        output = backward.wrap_outputs(output)
    return output


class _BackwardHooks:
    """The state one call of a module shares between its identity nodes."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.grad_outputs: list[Any] = []
        self.input_count = 0  # tensor inputs: grad_input has one entry for each
        self.needs_input = False
        self.position = 0  # of the one input that needs a gradient, among the tensor inputs

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        tensors = [a for a in args if isinstance(a, Tensor)]
        self.input_count = len(tensors)
        needing = [a for a in tensors if a.requires_grad]
        if len(needing) > 1:
            raise NotImplementedError(
                f"{type(self.module).__name__}: minigrad's full backward hooks support one "
                f"input tensor that requires grad; this call has {len(needing)}")
        self.needs_input = bool(needing)
        self.position = tensors.index(needing[0]) if needing else 0
        return tuple(_AtInput.apply(a, self) if a is needing[0] else a
                     for a in args) if needing else args

    def wrap_outputs(self, output: Any) -> Any:
        outputs = output if isinstance(output, tuple) else (output,)
        tensors = [o for o in outputs if isinstance(o, Tensor)]
        self.grad_outputs = [None] * len(tensors)
        needing = [k for k, o in enumerate(tensors) if o.requires_grad]
        if len(needing) > 1 and (self.module._backward_pre_hooks or not self.needs_input):
            raise NotImplementedError(
                f"{type(self.module).__name__}: minigrad's backward pre-hooks (and full backward "
                "hooks of a module whose inputs need no gradient) support one output tensor "
                f"that requires grad; this call has {len(needing)}")
        wrapped, k = [], 0
        for o in outputs:
            if isinstance(o, Tensor):
                wrapped.append(_AtOutput.apply(o, self, k) if o.requires_grad else o)
                k += 1
            else:
                wrapped.append(o)
        return tuple(wrapped) if isinstance(output, tuple) else wrapped[0]

    def at_output(self, k: int, grad: Any) -> Any:
        """The gradient of output k arrives: backward pre-hooks may replace it; if no input
        needs a gradient, the full backward hooks run now, as in PyTorch (with a warning)."""
        self.grad_outputs[k] = Tensor._make(grad)
        for hook in list(self.module._backward_pre_hooks.values()):
            result = hook(self.module, tuple(self.grad_outputs))
            if result is not None:
                self.grad_outputs = list(_checked(result, len(self.grad_outputs), "pre-hook"))
        if not self.needs_input and self.module._backward_hooks:
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to module "
                "outputs since no inputs require gradients. See https://docs.pytorch.org/docs/"
                "main/generated/torch.nn.Module.html#torch.nn.Module.register_full_backward_hook "
                "for more details.", stacklevel=2)
            self._run_full_hooks((None,) * self.input_count)
        g = self.grad_outputs[k]
        return None if g is None else g._data

    def at_input(self, grad: Any) -> Any:
        grads: list[Any] = [None] * self.input_count
        grads[self.position] = Tensor._make(grad)
        grads = list(self._run_full_hooks(tuple(grads)))
        g = grads[self.position]
        return None if g is None else g._data

    def _run_full_hooks(self, grad_input: tuple[Any, ...]) -> tuple[Any, ...]:
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, tuple(self.grad_outputs))
            if result is not None:
                grad_input = _checked(result, len(grad_input), "hook")
        return grad_input


def _checked(result: Any, count: int, kind: str) -> tuple[Any, ...]:
    if not isinstance(result, tuple):
        raise TypeError(f"object of type '{type(result).__name__}' has no len()")
    if len(result) != count:
        raise RuntimeError(f"Backward {kind} returned an invalid number of grad_input, got "
                           f"{len(result)}, but expected {count}")
    return result


class _AtInput(ArrayFunction):
    """Identity on the module's input; its backward runs the full backward hooks."""

    @staticmethod
    def forward(ctx, x, hooks):
        ctx.hooks = hooks
        return x

    @staticmethod
    def backward(ctx, grad):
        return ctx.hooks.at_input(grad)

    def name(self) -> str:
        return "BackwardHookFunctionBackward"


class _AtOutput(ArrayFunction):
    """Identity on one of the module's outputs; its backward notes that output's gradient."""

    @staticmethod
    def forward(ctx, x, hooks, k):
        ctx.hooks, ctx.k = hooks, k
        return x

    @staticmethod
    def backward(ctx, grad):
        return ctx.hooks.at_output(ctx.k, grad)

    def name(self) -> str:
        return "BackwardHookFunctionBackward"

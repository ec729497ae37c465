"""`Module`: the base class of every layer and model.

A module owns three ordered registries, filled by plain attribute assignment:

* `_parameters`: the learnable tensors (`self.weight = Parameter(...)`);
* `_buffers`: tensors that belong to the state but are not learned (`register_buffer`);
* `_modules`: the submodules (`self.fc = Linear(2, 3)`).

Everything else is a walk over these registries: `parameters()` gathers the parameters of the
module and of all its submodules, `state_dict()` names each tensor by its path
(`"fc.weight"`), `train()` and `eval()` flip `training` everywhere, and `repr` prints the tree.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from minigrad import devices, dtypes
from minigrad.checks import torch_size
from minigrad.nn.modules import hooks
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

# The kinds of NumPy dtype that convert to a parameter's dtype: bool, integers, floating point
# and complex (whose imaginary part is dropped, with NumPy's ComplexWarning, as PyTorch's copy_
# drops it with a warning).
_NUMBER_KINDS = "biufc"


def _copy_error(key: str, shape: tuple[int, ...], array: np.ndarray) -> str:
    """PyTorch's words for a value that failed to copy into a parameter, with the reason PyTorch
    gives for an array it cannot convert (torch.from_numpy)."""
    reason = (f"can't convert np.ndarray of type numpy.{array.dtype.type.__name__}. The only "
              "supported types are: float64, float32, float16, complex64, complex128, int64, "
              "int32, int16, int8, uint64, uint32, uint16, uint8, and bool.",)
    return (f'While copying the parameter named "{key}", whose dimensions in the model are '
            f"{torch_size(shape)} and whose dimensions in the checkpoint are "
            f"{torch_size(array.shape)}, an exception occurred : {reason}.")


def _typename(value: Any) -> str:
    """The name PyTorch's messages give a value's type (torch.typename): a tensor's type(), such
    as minigrad.FloatTensor, a builtin's bare name, any other type's module and name."""
    if isinstance(value, Tensor):
        return value.type()
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else \
        f"{kind.__module__}.{kind.__qualname__}"


class _IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
                f"unexpected_keys={self.unexpected_keys})")


class Module:
    """Base class for all neural network modules; subclasses define `forward`.

    A subclass calls `super().__init__()` first, then assigns its parameters and submodules as
    attributes. Calling the module (`model(x)`) runs `forward(x)`.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ because our own __setattr__ looks these registries up.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # The hooks (hooks.py): these shared empty dicts until a registration gives the module its
    # own and sets _hooked, so that calling a module that never had hooks costs one lookup.
    _hooked = False
    _forward_pre_hooks: dict[int, Any] = {}
    _forward_hooks: dict[int, Any] = {}
    _backward_hooks: dict[int, Any] = {}
    _backward_pre_hooks: dict[int, Any] = {}
    _forward_pre_hooks_with_kwargs: dict[int, bool] = {}
    _forward_hooks_with_kwargs: dict[int, bool] = {}
    _forward_hooks_always_called: dict[int, bool] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooked:
            return hooks.call(self, args, kwargs)
        return self.forward(*args, **kwargs)

    def register_forward_pre_hook(self, hook: Any, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> hooks.RemovableHandle:
        """Call `hook(module, args)` (or `hook(module, args, kwargs)` if `with_kwargs`) before
        each forward; a result other than None replaces the arguments."""
        flags = ("_forward_pre_hooks_with_kwargs",) if with_kwargs else ()
        return hooks.register(self, "_forward_pre_hooks", hook, prepend, *flags)

    def register_forward_hook(self, hook: Any, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> hooks.RemovableHandle:
        """Call `hook(module, args, output)` (or `hook(module, args, kwargs, output)`) after each
        forward; a result other than None replaces the output."""
        flags = (("_forward_hooks_with_kwargs",) if with_kwargs else ()) + (
            ("_forward_hooks_always_called",) if always_call else ())
        return hooks.register(self, "_forward_hooks", hook, prepend, *flags)

    def register_full_backward_hook(self, hook: Any,
                                    prepend: bool = False) -> hooks.RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` once the gradients with respect to the
        module's inputs are computed; a tuple it returns replaces grad_input."""
        return hooks.register(self, "_backward_hooks", hook, prepend)

    def register_full_backward_pre_hook(self, hook: Any,
                                        prepend: bool = False) -> hooks.RemovableHandle:
        """Call `hook(module, grad_output)` when the gradient of the output arrives, before the
        module's backward; a tuple it returns replaces grad_output."""
        return hooks.register(self, "_backward_pre_hooks", hook, prepend)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:  # before Module.__init__ ran: no registries yet
            if isinstance(value, (Parameter, Module)):
                kind = "parameters" if isinstance(value, Parameter) else "module"
                raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
            object.__setattr__(self, name, value)
        elif isinstance(value, Parameter):
            self._forget(name, keep=self._parameters)
            self.register_parameter(name, value)
        elif name in self._parameters:  # (before modules: a module cannot replace a parameter)
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(minigrad.nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep=self._modules)
            self._modules[name] = value
        elif name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(minigrad.nn.Module or None expected)"
                )
            self._modules[name] = None
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(minigrad.Tensor or None expected)"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for registered tensors and submodules.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry, {})
            if name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict[str, Any]) -> None:
        """Drop `name` from every registry but `keep`, where it is about to be (re)assigned:
        replacing a parameter by a parameter keeps its place in the state_dict order."""
        for registry in (self.__dict__, self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def _check_new_name(self, kind: str, name: Any, registry: dict[str, Any]) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:  # the dot separates the levels of a state_dict key
            got = f", got: {name}" if kind == "module" else ""  # PyTorch names only a module's
            raise KeyError(f"{kind} name can't contain \".\"{got}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, as `bias` of Linear(bias=False))."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(minigrad.nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not learned; it is in state_dict() if `persistent`."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_new_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(minigrad Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule under `name` (what `self.name = module` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_name("module", name, self._modules)
        self._modules[name] = module

    def register_module(self, name: str, module: Module | None) -> None:
        """The same as add_module."""
        self.add_module(name, module)

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path `target` ("" is the module itself)."""
        module = self
        for name in target.split(".") if target else ():
            if not hasattr(module, name):
                raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
            module = getattr(module, name)
            if not isinstance(module, Module):
                raise AttributeError(f"`{name}` is not an nn.Module")
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put `module` at the dotted path `target`; with `strict`, only in place of one."""
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(parent, name, module)

    def _get_tensor(self, target: str, registry: str, what: str) -> Any:
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}`")
        if name not in getattr(module, registry):
            raise AttributeError(f"`{name}` is not {what}")
        return getattr(module, name)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path `target` ("fc.weight")."""
        return self._get_tensor(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path `target` ("bn.running_mean")."""
        return self._get_tensor(target, "_buffers", "a buffer")

    # ------------------------------------------------------------------ walking the tree
    def named_modules(
        self, memo: set[Module] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every submodule below it, depth first, with their dotted names.

        Args:
            memo: modules already visited (they are skipped when `remove_duplicate`).
            prefix: prepended to every name.
            remove_duplicate: yield a module reachable by several paths only once.
        """
        memo = set() if memo is None else memo
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                path = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, path, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules, each once."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_tensors(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for module_prefix, module in modules:
            for name, t in getattr(module, registry).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{module_prefix}.{name}" if module_prefix else name), t

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(name, parameter) pairs in registration order; a shared parameter comes once."""
        yield from self._named_tensors("_parameters", prefix, recurse, remove_duplicate)  # type: ignore[misc]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters to hand to an optimizer: `SGD(model.parameters(), lr=0.1)`."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_tensors("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops) in this module and all below it; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def apply(self, fn: Any) -> Module:
        """Call `fn(module)` on every submodule, children first, then on self (as
        `model.apply(init_weights)` does); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes the module); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (Dropout is the identity); the same as `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradients: set them to None (default) or fill them with 0."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                param.grad.detach_().zero_()

    # ------------------------------------------------------------------ state_dict
    def state_dict(self, *, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name: the module's own tensors in
        registration order, then each submodule's.

        The values share memory with the module (detached, unless `keep_vars`), so copy them
        before changing the model if the snapshot must stay as it is.
        """
        destination: OrderedDict[str, Tensor] = OrderedDict()
        self._save_to(destination, prefix, keep_vars)
        return destination

    def _save_to(self, destination: dict[str, Tensor], prefix: str, keep_vars: bool) -> None:
        # Recursion, not named_modules(): a module used twice is saved under both names, as
        # in PyTorch.
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        for name, child in self._modules.items():
            if child is not None:
                child._save_to(destination, f"{prefix}{name}.", keep_vars)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> _IncompatibleKeys:
        """Copy values into the module's parameters and buffers, in place.

        Values may be Tensors or NumPy arrays, e.g. `{k: v.numpy() for k, v in
        torch_model.state_dict().items()}`; they are cast to each parameter's dtype.

        Raises:
            RuntimeError: listing every problem at once: missing and unexpected keys (only when
                `strict`), shape mismatches, values that are not arrays and arrays that are not
                numbers (strings, structured arrays, dates: always). Nothing is copied when
                anything is wrong.
        """
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing)
                          + ". ")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        copies = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            if not isinstance(value, (Tensor, np.ndarray)):
                errors.append(f'While copying the parameter named "{key}", expected a Tensor or '
                              f"np.ndarray from checkpoint but received {type(value)}")
                continue
            array = value._data if isinstance(value, Tensor) else value
            if array.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape "
                    f"{torch_size(array.shape)} from checkpoint, the shape in current model is "
                    f"{torch_size(target.shape)}."
                )
                continue
            if array.dtype.kind not in _NUMBER_KINDS:
                errors.append(_copy_error(key, target.shape, array))
                continue
            copies.append((target, array))
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        for target, array in copies:
            # In place (PyTorch's copy_), so that the Parameter objects (and an optimizer
            # holding them) stay.
            np.copyto(target._data, array, casting="unsafe")
            (target._storage or target._shared_storage()).version += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ dtype and device
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast the floating-point parameters and buffers: `to(dtype)`, `to(tensor)` (its dtype),
        `to(device)`, `to(device, dtype)`. Returns self. minigrad only has the CPU, so a device
        moves nothing; 'cuda' fails as in PyTorch built without CUDA, when there is a tensor."""
        where, dtype = devices.to_arguments(args, kwargs)
        if where is not None:
            where = devices.device(where)  # a bad name fails even with no tensor to move
            if next(self._tensors(), None) is not None:
                devices.check(where)
        if dtype is None:
            return self
        dtype = dtypes.to_dtype(dtype)
        if not dtypes.is_floating(dtype):
            raise TypeError(
                f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}"
            )
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None and dtypes.is_floating(param.dtype):
                    # The Parameter object stays (an optimizer may hold it); only its data and
                    # its gradient change dtype.
                    param.data = param._data.astype(dtype, copy=False)
                    if param.grad is not None:
                        param.grad.data = param.grad._data.astype(dtype, copy=False)
            for name, buf in module._buffers.items():
                if buf is not None and dtypes.is_floating(buf.dtype):
                    module._buffers[name] = buf.to(dtype)
        return self

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Fails as PyTorch built without CUDA does, when there is a tensor to move."""
        for tensor in self._tensors():
            tensor.cuda(device)
        return self

    def _tensors(self) -> Iterator[Tensor]:
        yield from self.parameters()
        yield from self.buffers()

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(dtypes.float64)

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(dtypes.float32)

    def half(self) -> Module:
        """Cast floating-point parameters and buffers to float16."""
        return self.to(dtypes.float16)

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer (integer ones too) to `dst_type`; returns self."""
        if not dtypes.is_floating(dtypes.to_dtype(dst_type)) and any(
                p.requires_grad for p in self.parameters()):  # (checked before any change)
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        for module in self.modules():
            for param in module._parameters.values():
                if param is not None:
                    param.data = param.type(dst_type)._data
                    if param.grad is not None:
                        param.grad.data = param.grad.type(dst_type)._data
            for name, buf in module._buffers.items():
                if buf is not None:
                    module._buffers[name] = buf.type(dst_type)
        return self

    def share_memory(self) -> Module:
        """Does nothing and returns self: minigrad has no shared-memory tensors (a process
        forked from this one gets a copy of them)."""
        return self

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The module's own settings, shown inside its repr's parentheses."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            # A child's own lines are indented one more level.
            lines.append(f"({name}): " + repr(child).replace("\n", "\n  "))
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

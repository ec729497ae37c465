"""Devices: `minigrad.device`, as PyTorch's, for a machine with a CPU only.

minigrad computes with NumPy, so every tensor lives on the CPU. Scripts written for PyTorch still
name devices (`device='cpu'`, `.to(device)`, `.cuda()`), so minigrad accepts the names PyTorch
accepts and answers as a PyTorch built without CUDA does: 'cpu' works, 'cuda' fails with
PyTorch's own AssertionError, and a name PyTorch does not know is PyTorch's RuntimeError.
"""

from __future__ import annotations

import re
from typing import Any

# The device types PyTorch's parser knows, in the order its error message lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga",
          "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")  # PyTorch's pattern


class device:
    """A device: a type ('cpu', 'cuda', ...) and an optional index, as `torch.device`.

    `device('cpu')`, `device('cpu', 0)` and `device('cpu:0')`; equal when type and index are
    (`device('cpu') != device('cpu', 0)`, and a device never equals a string, as in PyTorch).
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: Any = None) -> None:  # (PyTorch's names)
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("Cannot access accelerator device when none is available.")
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({type.__class__.__name__}), but expected one of:\n"
                            " * (torch.device device)\n      didn't match because some of the "
                            f"arguments have invalid types: (!{type.__class__.__name__}!)\n"
                            " * (str type, int index = -1)\n")
        elif index is not None and (isinstance(index, bool) or not isinstance(index, int)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{index.__class__.__name__}")
        else:
            type, index = _parse(type, index)
        self._type: str = type
        self._index: int | None = index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, device) and self._type == other._type
                and self._index == other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type='{self._type}'{index})"


def _parse(text: str, index: int | None) -> tuple[str, int | None]:
    """'cpu', 'cuda:1', ... into (type, index), with PyTorch's errors."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    kind, number = match.groups()
    if kind not in _TYPES:  # 'tpu', 'CPU'
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device "
                           f"string: {kind}")
    if number is not None:
        if index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {text}")
        index = int(number)
    if index is not None and index < 0:
        raise RuntimeError("Device index must not be negative")
    return kind, index


def no_cuda() -> AssertionError:
    """The error of a PyTorch built without CUDA, for anything asked of a CUDA device."""
    return AssertionError("Torch not compiled with CUDA enabled")


def check(where: Any) -> None:
    """Refuse a device other than the CPU for a tensor, with PyTorch's error; None is the
    default device (see `set_default_device`)."""
    if where is None:
        where = _default
    if where is CPU or where == "cpu":
        return
    kind = device(where).type
    if kind == "cpu":
        return
    if kind == "cuda":
        raise no_cuda()
    raise RuntimeError(f"PyTorch is not linked with support for {kind} devices")


def to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The (device, dtype) of `.to(...)`: `to(device)`, `to(dtype)`, `to(device, dtype)`,
    `to(tensor)` (its dtype) and the keywords `device=` and `dtype=`; None for a missing one."""
    where, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if arg is None:
            continue
        if isinstance(arg, (str, device)) or (isinstance(arg, int) and not isinstance(arg, bool)):
            where = arg
        elif hasattr(arg, "_data"):  # a Tensor: its dtype (its device is the CPU)
            dtype = arg.dtype
        else:
            dtype = arg
    return where, dtype


CPU = device("cpu")  # the device of every tensor
_default: device = CPU  # see set_default_device


def set_default_device(where: Any) -> None:
    """The device of new tensors made without `device=`; None restores the CPU. As in PyTorch,
    'cuda' is accepted here and refused when a tensor is made."""
    global _default
    _default = CPU if where is None else device(where)


def get_default_device() -> device:
    """The device of new tensors made without `device=`."""
    check(_default)
    return _default

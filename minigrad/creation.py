"""Making tensors: `tensor`, `from_numpy`, `zeros`, `randn`, ... with PyTorch's signatures and
default dtypes (float32 for floating point, int64 for integers). Each takes PyTorch's `device=`,
which must be the CPU (see devices.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import devices, dtypes
from minigrad.checks import check_shape
from minigrad.random import generator
from minigrad.tensor import Tensor


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(array)
    if requires_grad:
        if not dtypes.is_floating(array.dtype):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t._requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (a number, nested lists, an array, a tensor)."""
    devices.check(device)
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    from_python = not isinstance(data, (np.ndarray, np.generic))
    if from_python and isinstance(data, (list, tuple)):
        data = _unwrap_tensors(data)
    try:
        array = np.array(data)
    except ValueError:
        raise _ragged_error(data, 0) or ValueError(f"could not make a tensor of {data!r}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"new(): invalid data type '{array.dtype.name}'")
    target = dtypes.to_dtype(dtype) if dtype is not None else dtypes.infer_dtype(array,
                                                                                 from_python)
    return _finish(array.astype(target, copy=False), requires_grad)


def _ragged_error(data: Any, dim: int) -> ValueError | None:
    """PyTorch's message for nested lists whose lengths do not line up, or None."""
    if not (isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple))):
        return None
    n = len(data[0])
    for item in data:
        got = len(item) if isinstance(item, (list, tuple)) else 1
        if got != n:
            return ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {got})")
    return next((e for e in (_ragged_error(item, dim + 1) for item in data) if e), None)


def _unwrap_tensors(data: Any) -> Any:
    """Lists may hold 0-d tensors (`tensor([a, b])`); take their values."""
    if isinstance(data, (list, tuple)):
        return [_unwrap_tensors(x) for x in data]
    return data.item() if isinstance(data, Tensor) else data


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    devices.check(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.to_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.to_dtype(dtype)):
        return Tensor._make(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (writes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._make(array)


def _size(size: Any) -> tuple[int, ...]:
    shape = check_shape(size)
    if any(n < 0 for n in shape):
        bad = next(n for n in shape if n < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {list(shape)}")
    return shape


def _float_dtype(dtype: Any, kernel: str) -> np.dtype:
    """The dtype of a random float tensor; integer dtypes are refused as in PyTorch."""
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    if not dtypes.is_floating(dtype):
        name = {"bool": "Bool", "int64": "Long", "int32": "Int"}.get(dtype.name, dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')
    return dtype


def _filled(shape: Any, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    devices.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    return _finish(np.full(_size(shape), fill, dtype=dtype), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    if any(n < 0 for n in check_shape(size)):  # zeros has a message of its own in PyTorch
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _filled(size, 0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return _filled(size, 1, dtype, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    return _filled(size, 0, dtype, device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    if dtype is None:  # the dtype follows the fill value, as in PyTorch
        dtype = dtypes.infer_dtype(np.asarray(fill_value), from_python=True)
    return _filled((size,) if isinstance(size, int) else (tuple(size),), fill_value, dtype,
                   device, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of `t`'s shape, dtype and device (the CPU, whatever the default device)."""
    return zeros(t.shape, dtype=dtype or t.dtype, device=_device_of(t, device),
                 requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return ones(t.shape, dtype=dtype or t.dtype, device=_device_of(t, device),
                requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _filled((t.shape,), fill_value, dtype or t.dtype, _device_of(t, device),
                   requires_grad)


def _device_of(t: Tensor, device: Any) -> Any:
    return t.device if device is None else device


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    devices.check(device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.DEFAULT_FLOAT
    dtype = dtypes.to_dtype(dtype)
    if not dtypes.is_floating(dtype):  # PyTorch counts in the integer type: 2.5 -> 2
        if step and not int(step):
            raise ValueError("step must be nonzero")  # (a fractional step truncated to 0)
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    return _finish(np.arange(start, end, step).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    devices.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps).astype(dtype), requires_grad)


def randn(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from minigrad's generator (see manual_seed)."""
    devices.check(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    return _finish(generator().standard_normal(_size(size)).astype(dtype), requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) from minigrad's generator."""
    devices.check(device)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    # Drawn in the target precision: a float64 draw rounded to float32 could become 1.0.
    draw_dtype = dtype if dtype in (dtypes.float32, dtypes.float64) else dtypes.float64
    return _finish(generator().random(_size(size), dtype=draw_dtype).astype(dtype),
                   requires_grad)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None,
            device: Any = None) -> Tensor:
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    devices.check(device)
    if size is None:
        low, high, size = 0, low, high
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    shape = _size((size,)) if not isinstance(size, int) else _size((size,))
    return Tensor._make(generator().integers(low, high, shape).astype(dtype))


def randperm(n: int, dtype: Any = None, device: Any = None) -> Tensor:
    devices.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    return Tensor._make(generator().permutation(n).astype(dtype))

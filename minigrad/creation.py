"""Making tensors: `tensor`, `from_numpy`, `zeros`, `randn`, `arange`, `linspace`, `eye`, ...
with PyTorch's signatures, default dtypes (float32 for floating point, int64 for integers) and
errors. Each takes PyTorch's `device=`, which must be the CPU (see devices.py). arange, linspace
and logspace give PyTorch's numbers bit for bit. At the end: the legacy constructors
(`Tensor(2, 3)`, `LongTensor([1, 2])`) and the memory formats."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from minigrad import checks, devices, dtypes
from minigrad.checks import check_shape, fitted
from minigrad.random import Generator, resolve
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


def _size(size: Any, name: str | None = None) -> tuple[int, ...]:
    """The checked shape of `name(*size)`, with PyTorch's messages (`name` for its argument
    parser's words, as `ones(): argument 'size' ...`)."""
    if name is not None:
        _check_size_type(size, name)
    shape = check_shape(size)
    if any(n < 0 for n in shape):
        bad = next(n for n in shape if n < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {list(shape)}")
    return shape


def _check_size_type(size: tuple[Any, ...], name: str) -> None:
    def whole(n: Any) -> bool:
        return isinstance(n, (int, np.integer)) and not isinstance(n, bool)

    where = f"{name}(): argument 'size'"
    if len(size) == 1 and not whole(size[0]):
        if not isinstance(size[0], (tuple, list)):
            raise TypeError(f"{where} (position 1) must be tuple of ints, not "
                            f"{type(size[0]).__name__}")
        bad = next((i for i, n in enumerate(size[0]) if not whole(n)), None)
        if bad is not None:
            raise TypeError(f"{where} (position 1) must be tuple of ints, but found element of "
                            f"type {type(size[0][bad]).__name__} at pos {bad}")
    elif len(size) > 1:
        bad = next((i for i, n in enumerate(size) if not whole(n)), None)
        if bad is not None:
            raise TypeError(f'{where} failed to unpack the object at pos {bad + 1} with error '
                            f'"type must be tuple of ints,but got {type(size[bad]).__name__}"')


def _float_dtype(dtype: Any, kernel: str) -> np.dtype:
    """The dtype of a random float tensor; integer dtypes are refused as in PyTorch."""
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    if not dtypes.is_floating(dtype):
        name = {"bool": "Bool", "int64": "Long", "int32": "Int"}.get(dtype.name, dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')
    return dtype


def filled(shape: Any, fill: Any, dtype: Any, device: Any, requires_grad: bool,
            name: str | None = None) -> Tensor:
    devices.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    fill = fitted(fill, np.dtype(dtype))
    return _finish(np.full(_size(shape, name), fill, dtype=dtype), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    _check_size_type(size, "zeros")
    if any(n < 0 for n in check_shape(size)):  # zeros has a message of its own in PyTorch
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return filled(size, 0, dtype, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return filled(size, 1, dtype, device, requires_grad, "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """`size`'s shape; minigrad fills it with zeros (PyTorch leaves it uninitialised)."""
    _check_memory_format(memory_format, "empty")
    return filled(size, 0, dtype, device, requires_grad, "empty")


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    if not isinstance(size, (tuple, list)):  # (a Size is a tuple)
        raise checks.argument_error("full", "size", 1, size, "tuple of ints")
    fill_value = fill_number(fill_value, "full")
    if dtype is None:  # the dtype follows the fill value, as in PyTorch
        dtype = dtypes.infer_dtype(np.asarray(fill_value), from_python=True)
    return filled((tuple(size),), fill_value, dtype, device, requires_grad)


def fill_number(value: Any, name: str) -> Any:
    """full's fill_value: a number, or a tensor of one element, which is read as its number."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if not isinstance(value, (bool, int, float, np.number)):
        raise checks.argument_error(name, "fill_value", 2, value, "Number")
    return value


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of `t`'s shape, dtype and device (the CPU, whatever the default device)."""
    _check_tensor(t, "zeros_like")
    return zeros(t.shape, dtype=dtype or t.dtype, device=_device_of(t, device),
                 requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(t, "ones_like")
    return ones(t.shape, dtype=dtype or t.dtype, device=_device_of(t, device),
                requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    _check_tensor(t, "full_like")
    return filled((t.shape,), fill_number(fill_value, "full_like"), dtype or t.dtype,
                   _device_of(t, device), requires_grad)


def _device_of(t: Tensor, device: Any) -> Any:
    return t.device if device is None else device


# ---------------------------------------------------------------------- ranges
# arange, linspace and logspace give PyTorch's numbers bit for bit. Its CPU kernels compute
# `start + step * i` with one rounding (the compiler fuses the multiply and the add), and arange
# computes whole vectors of 4 doubles or 8 floats from the first element of each (see
# `_arange_values`). NumPy has no fused multiply-add, so `_fma` gets the exact value from the
# error-free sum and product of two floats, and rounds it once.


def arange(start: Any, end: Any = None, step: Any = 1, *, out: Tensor | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to `end` (excluded)."""
    devices.check(device)
    if end is None:
        start, end = 0, start
    start, end, step = (_number(v) for v in (start, end, step))
    if dtype is None and out is not None:
        dtype = out.dtype
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.DEFAULT_FLOAT
    dtype = _range_dtype(dtype, "arange_cpu")
    if dtype == dtypes.int64:  # counted in int64 from the truncated numbers, as in PyTorch
        if step and not int(step):
            raise ValueError("step must be nonzero")  # (a fractional step truncated to 0)
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype == dtypes.int64:  # ceil((end - start) / step), in integers
        size = (end - start + step - (1 if step > 0 else -1)) // step
    else:
        size = math.ceil((float(end) - float(start)) / float(step))
    if dtype.kind != "f":  # (the numbers in the integer type, the size from the numbers given)
        start, step = int(start), int(step)
    return _result(_arange_values(start, step, size, dtype), out, requires_grad)


def _arange_values(start: Any, step: Any, size: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's arange kernel. It computes in its "accumulate type" (float64 for float32 and
    float64, float32 for float16) and in vectors of 32 bytes: element k of the vector that
    starts at i is `base + k * step`, with base = `start + i * step` rounded to the output
    dtype. The last size % (2 * vector) elements are computed one by one, `start + i * step`.
    (These are the vectors of PyTorch's x86-64 builds, which the tests compare with.)"""
    i = np.arange(size)
    if dtype.kind != "f":
        return (start + step * i).astype(dtype)
    compute = dtypes.float32 if dtype == dtypes.float16 else dtypes.float64
    start, step = (np.float64(compute.type(v)) for v in (start, step))
    width = 32 // dtype.itemsize
    vectorised = size - size % (2 * width)
    base = _fma(step, i[:vectorised:width], start, compute).astype(dtype).astype(np.float64)
    k = np.arange(width, dtype=np.float64)
    head = _fma(k[None, :], step, base[:, None], compute).ravel()
    tail = _fma(step, i[vectorised:], start, compute)
    return np.concatenate([head, tail]).astype(dtype)


def linspace(start: Any, end: Any, steps: int, *, out: Tensor | None = None,
             dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """`steps` numbers evenly spaced from start to end, both included."""
    devices.check(device)
    dtype = _range_dtype(dtype if out is None else out.dtype, "linspace_cpu")
    steps = _steps(steps, "linspace")
    return _result(_linspace_values(_number(start), _number(end), steps, dtype), out,
                   requires_grad)


def _linspace_values(start: Any, end: Any, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's linspace kernel: step = (end - start) / (steps - 1) in the output dtype
    (float64 for integers), then the first half counts up from start, `start + i * step`,
    and the second half down from end, `end - (steps - 1 - i) * step`, so both ends are exact."""
    if steps <= 1:
        return np.full(steps, start).astype(dtype)
    compute = dtype if dtype.kind == "f" else dtypes.float64
    first = np.asarray(start).astype(dtype if dtype.kind == "f" else np.int64)
    last = np.asarray(end).astype(dtype if dtype.kind == "f" else np.int64)
    step = (last.astype(compute) - first.astype(compute)) / compute.type(steps - 1)
    i = np.arange(steps)
    half = steps // 2
    if compute == dtypes.float16:  # each float16 operation rounds to float16, none fused
        up = first + step * i[:half].astype(compute)
        down = last - step * (steps - 1 - i[half:]).astype(compute)
    else:
        up = _fma(np.float64(step), i[:half], np.float64(first), compute)
        down = _fma(-np.float64(step), steps - 1 - i[half:], np.float64(last), compute)
    return np.concatenate([up, down]).astype(dtype)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *,
             out: Tensor | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps), as PyTorch computes it: the exponents in float64
    from start and end in the output dtype, counted from both ends as linspace does (here
    PyTorch's code is not fused: one rounding for the product, one for the sum)."""
    devices.check(device)
    dtype = _range_dtype(dtype if out is None else out.dtype, "logspace_cpu")
    steps = _steps(steps, "logspace")
    start, end = _number(start), _number(end)
    if steps <= 1:
        values = _pow(float(base), np.full(steps, float(start)))
    else:
        kind = dtype if dtype.kind == "f" else np.int64
        first, last = np.asarray(start).astype(kind), np.asarray(end).astype(kind)
        step = float(last - first) / (steps - 1)
        i = np.arange(steps)
        half = steps // 2
        up = np.float64(first) + step * i[:half]
        down = np.float64(last) - step * (steps - 1 - i[half:])
        values = _pow(float(base), np.concatenate([up, down]))
    with np.errstate(over="ignore", invalid="ignore"):
        return _result(values.astype(dtype), out, requires_grad)


def _pow(base: float, exponents: np.ndarray) -> np.ndarray:
    """base ** exponents by the C library's pow, as PyTorch's (NumPy's own vectorised power can
    differ from it in the last bit)."""
    return np.array([_c_pow(base, x) for x in exponents.tolist()], dtype=np.float64)


def _c_pow(base: float, x: float) -> float:
    try:
        return math.pow(base, x)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def _range_dtype(dtype: Any, kernel: str) -> np.dtype:
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.DEFAULT_FLOAT
    if dtype.kind == "b":
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    return dtype


def _steps(steps: Any, name: str) -> int:
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{name}(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def _fma(a: Any, b: Any, c: Any, dtype: np.dtype) -> np.ndarray:
    """a * b + c rounded once to `dtype` (float32 or float64), as a fused multiply-add. The
    arguments are float64 holding numbers of `dtype`; a or b holds the integers i."""
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        product, product_error = _two_product(a, b)
        total, total_error = _two_sum(product, c)
        low, low_error = _two_sum(total_error, product_error)
        nearest, error = _two_sum(total, low)  # exactly: a * b + c == nearest + error + low_error
        result = _round_once(nearest, error, low_error, dtype)
        plain = a * b + c  # (infinities and NaN: the error terms are NaN there)
    return np.where(np.isfinite(plain) & np.isfinite(result), result, plain.astype(dtype))


def _round_once(x: np.ndarray, error: np.ndarray, rest: np.ndarray,
                dtype: np.dtype) -> np.ndarray:
    """The exact x + error + rest rounded to dtype, where x = fl64(x + error) and |rest| is far
    below error's last bit (so error + rest has the sign of the exact remainder)."""
    if dtype == dtypes.float64:  # x is right unless x + error was a tie that `rest` breaks
        toward = np.nextafter(x, np.where(error > 0, np.inf, -np.inf))
        tie = (error != 0) & (error == (toward - x) / 2) & (rest * error > 0)
        return np.where(tie, toward, x)
    remainder = error + rest
    r = x.astype(dtype)
    other = np.nextafter(r, np.where(x > r.astype(np.float64), np.inf, -np.inf).astype(dtype))
    tie = (remainder != 0) & (x == (r.astype(np.float64) + other.astype(np.float64)) / 2)
    up = remainder > 0
    beyond = np.where(up, other > r, other < r)
    return np.where(tie & beyond, other, r)


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """s, e with s = fl(a + b) and a + b == s + e exactly (Knuth)."""
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _two_product(a: Any, b: Any) -> tuple[Any, Any]:
    """p, e with p = fl(a * b) and a * b == p + e exactly (Dekker: each factor is split into
    two halves of 26 bits, whose products are exact)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _split(a: Any) -> tuple[Any, Any]:
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _result(values: np.ndarray, out: Tensor | None, requires_grad: bool) -> Tensor:
    """A new tensor, or `out=` resized and overwritten (its dtype is kept)."""
    if out is None:
        return _finish(values, requires_grad)
    if out.shape == values.shape:
        out._data[...] = values
    else:
        if out.numel():
            warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} "
                          f"is {out.numel()} which does not match the computed number of "
                          f"elements {values.size}. Note that this may occur as a result of "
                          "rounding error. The out tensor will be resized to a tensor of shape "
                          f"({values.size},).", UserWarning, stacklevel=3)
        out._data = values.astype(out.dtype)
    out._shared_storage().version += 1
    return out


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples, PyTorch's numbers (see minigrad/random.py)."""
    devices.check(device)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    shape = _size(size, "randn")
    values = resolve(generator)._normal(math.prod(shape), dtype)
    return _finish(values.reshape(shape), requires_grad)


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1), PyTorch's numbers: 24 random bits for float32, 53 for float64."""
    devices.check(device)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    shape = _size(size, "rand")
    values = resolve(generator)._uniform(math.prod(shape), dtype).astype(dtype)
    values[values == 1] = 0  # a float32 draw rounded up to 1 in a smaller type, as PyTorch
    return _finish(values.reshape(shape), requires_grad)


def randint(low: int, high: Any = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high): randint(high, size) or randint(low, high, size)."""
    devices.check(device)
    if size is None:
        low, high, size = 0, low, high
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    shape = _size((size,))
    values = resolve(generator)._integers(math.prod(shape), low, high)
    return _finish(values.reshape(shape).astype(dtype), requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1, PyTorch's shuffle (see Generator._permutation)."""
    devices.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.int64
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    return _finish(resolve(generator)._permutation(n).astype(dtype), requires_grad)


def normal(mean: Any, std: Any = 1.0, size: Any = None, *, generator: Generator | None = None,
           out: Tensor | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples: `normal(mean, std, size)` with numbers, or with tensor mean and/or std
    (broadcast together), one sample per element. As PyTorch: standard normals times std plus
    mean, each step rounded in the result's dtype (a tensor mean alone: normal(0, std) + mean)."""
    devices.check(device)
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors and size is None:
        raise TypeError("normal() received an invalid combination of arguments - got "
                        f"({type(mean).__name__}, {type(std).__name__}), but expected one of:\n"
                        " * (Tensor mean, Tensor std, *, torch.Generator generator = None, "
                        "Tensor out = None)\n"
                        " * (Tensor mean, float std = 1, *, torch.Generator generator = None, "
                        "Tensor out = None)\n"
                        " * (float mean, Tensor std, *, torch.Generator generator = None, "
                        "Tensor out = None)\n"
                        " * (float mean, float std, tuple of ints size, *, torch.Generator "
                        "generator = None, Tensor out = None, torch.dtype dtype = None, "
                        "torch.layout layout = None, torch.device device = None, bool "
                        "pin_memory = False, bool requires_grad = False)\n")
    if tensors:
        dtype = dtypes.common_dtype([t.dtype for t in tensors])
    dtype = _float_dtype(dtype if out is None else out.dtype, "normal_kernel_cpu")
    m, s = (v._data if isinstance(v, Tensor) else v for v in (mean, std))
    if np.any(np.asarray(s) < 0):
        bad = np.min(s)
        raise RuntimeError(f"normal expects std >= 0.0, but found std {bad:g}")
    if tensors:
        shape = checks_broadcast(np.shape(m), np.shape(s))
    else:
        shape = _size((size,) if isinstance(size, int) else (tuple(size),))
    draw = resolve(generator)._normal
    if not tensors:
        values = draw(math.prod(shape), dtype, float(m), float(s)).reshape(shape)
    elif not isinstance(std, Tensor):
        values = draw(math.prod(shape), dtype, 0.0, float(s)).reshape(shape) + m
    else:
        values = draw(math.prod(shape), dtype).reshape(shape) * s + m
    return _result(values.astype(dtype), out, requires_grad)


def checks_broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of mean and std, with PyTorch's message when there is none."""
    for i, (x, y) in enumerate(zip(reversed(a), reversed(b))):
        if x != y and 1 not in (x, y):
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {max(len(a), len(b)) - 1 - i}")
    return np.broadcast_shapes(a, b)


def eye(n: int, m: int | None = None, *, out: Tensor | None = None, dtype: Any = None,
        device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default)."""
    devices.check(device)
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is not None and m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dtype = dtypes.to_dtype(dtype) if dtype is not None else (
        dtypes.DEFAULT_FLOAT if out is None else out.dtype)
    return _result(np.eye(n, m, dtype=dtype), out, requires_grad)


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor of the default float dtype (whatever the number's type)."""
    return full((), s, dtype=dtype or dtypes.DEFAULT_FLOAT, device=device,
                requires_grad=requires_grad)


def empty_like(t: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """`t`'s shape and dtype; minigrad fills it with zeros (PyTorch leaves it uninitialised)."""
    _check_tensor(t, "empty_like")
    _check_memory_format(memory_format, "empty_like")
    return zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = None) -> Tensor:
    _check_tensor(t, "rand_like")
    _check_memory_format(memory_format, "rand_like")
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype,
                device=_device_of(t, device), requires_grad=requires_grad)


def randn_like(t: Tensor, *, generator: Generator | None = None, dtype: Any = None,
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = None) -> Tensor:
    _check_tensor(t, "randn_like")
    _check_memory_format(memory_format, "randn_like")
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype,
                 device=_device_of(t, device), requires_grad=requires_grad)


def randint_like(t: Tensor, low: int, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Integers on [low, high) (or [0, low)) in `t`'s shape and dtype."""
    _check_tensor(t, "randint_like")
    _check_memory_format(memory_format, "randint_like")
    if high is None:
        low, high = 0, low
    result = randint(low, high, t.shape, generator=generator, dtype=dtype or t.dtype,
                     device=_device_of(t, device))
    return _finish(result._data, requires_grad)


def _check_memory_format(memory_format: Any, name: str) -> None:
    if memory_format is not None:
        Tensor._check_memory_format(memory_format, name)


def _check_tensor(t: Any, name: str) -> None:
    if not isinstance(t, Tensor):
        raise checks.argument_error(name, "input", 1, t)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    _check_tensor(input, "numel")
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    _check_tensor(input, "is_floating_point")
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    """False: minigrad has no complex tensors (a complex NumPy array is refused)."""
    _check_tensor(input, "is_complex")
    return False


# ---------------------------------------------------------------------- memory formats
class memory_format:
    """PyTorch's `memory_format=` values: `contiguous_format` asks for row-major memory
    (`clone`), `preserve_format` for the source's layout; minigrad has no channels-last ones."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"minigrad.{self._name}"


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")


# ---------------------------------------------------------------------- legacy constructors
# torch.Tensor(...), torch.FloatTensor(...), ... predate torch.tensor and follow older rules:
# integer arguments are sizes (`Tensor(2, 3)` is uninitialised, 2 x 3), anything else is data
# converted to the type's dtype (`Tensor([1, 2])` is float32), and a tensor argument must
# already have that dtype. `x.type()` names these types.
_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
           "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
           "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def legacy_name(dtype: np.dtype) -> str:
    """'minigrad.FloatTensor' for float32, as PyTorch's x.type() says 'torch.FloatTensor'."""
    return f"minigrad.{_LEGACY[dtype.name]}"


def legacy_dtype(spec: Any) -> np.dtype:
    """The dtype `x.type(spec)` converts to: a dtype, a legacy type or its name."""
    if isinstance(spec, (np.dtype, dtypes.dtype)):
        return np.dtype(spec)
    if isinstance(spec, _LegacyType):
        return spec.dtype
    if isinstance(spec, str):
        for name, legacy in _LEGACY.items():
            if spec in (f"minigrad.{legacy}", f"torch.{legacy}"):
                return np.dtype(name)
        raise ValueError(f"invalid type: '{spec}'")
    raise TypeError("dtype must be a type, str, or dtype object")


def legacy_array(args: tuple[Any, ...], dtype: np.dtype, device: Any, name: str) -> np.ndarray:
    """The array of `name(*args)` (torch.Tensor, torch.LongTensor, ...): see above."""
    devices.check(device)
    if not args:
        return np.zeros(0, dtype=dtype)
    if all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in args):
        return np.zeros(_size(args), dtype=dtype)  # (PyTorch leaves them uninitialised)
    if len(args) > 1:
        raise TypeError(
            f"new() received an invalid combination of arguments - got "
            f"({', '.join(type(a).__name__ for a in args)}), but expected one of:\n"
            " * (*, torch.device device = None)\n"
            " * (torch.Storage storage)\n"
            " * (Tensor other)\n"
            " * (tuple of ints size, *, torch.device device = None)\n"
            " * (object data, *, torch.device device = None)\n")
    data = args[0]
    if isinstance(data, Tensor):
        if data.dtype != dtype and name != "Tensor":
            raise TypeError(f"expected {_options(dtype)} (got {_options(data._data.dtype)})")
        return data._data  # (the same memory, as PyTorch's alias)
    if isinstance(data, np.ndarray):
        return data.astype(dtype, copy=False)
    if isinstance(data, (float, int, np.number)) and not isinstance(data, bool):
        raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
    return tensor(data, dtype=dtype)._data


def _options(dtype: np.dtype) -> str:
    """How PyTorch's legacy constructors describe a tensor's type in their errors."""
    from minigrad.checks import c_name

    return (f"TensorOptions(dtype={c_name(dtype)}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


class _LegacyType(type):
    """The metaclass of minigrad.FloatTensor, ...: a tensor of the matching dtype is an
    instance (`isinstance(x, minigrad.LongTensor)`), and calling one makes a tensor."""

    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        return Tensor._make(legacy_array(args, cls.dtype, device, cls.__name__))

    def __repr__(cls) -> str:
        return f"<class 'minigrad.{cls.__name__}'>"


def _legacy_type(dtype: np.dtype) -> _LegacyType:
    return _LegacyType(_LEGACY[dtype.name], (), {"dtype": dtype, "__module__": "minigrad"})


FloatTensor = _legacy_type(dtypes.float32)
DoubleTensor = _legacy_type(dtypes.float64)
HalfTensor = _legacy_type(dtypes.float16)
LongTensor = _legacy_type(dtypes.int64)
IntTensor = _legacy_type(dtypes.int32)
ShortTensor = _legacy_type(np.dtype(np.int16))
ByteTensor = _legacy_type(dtypes.uint8)
BoolTensor = _legacy_type(dtypes.bool_)

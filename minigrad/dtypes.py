"""Data types and PyTorch's type-promotion rules, all in one place.

A tensor holds a NumPy array, so its dtype is NumPy's; `x.dtype` shows it as PyTorch's
`dtype` object (`minigrad.float32`, one object per type, below). The rules for combining
dtypes are PyTorch's, which differ from NumPy's in two ways a training script notices:

* Python floats make float32 tensors (NumPy would make float64), and a Python scalar never
  widens a tensor: `float32_tensor * 0.1` stays float32 and `int_tensor * 0.5` becomes float32.
* A 0-d tensor only decides the result's dtype if it is of a higher kind (bool < int < float)
  than every tensor with dimensions: `ones(3) + tensor(1., dtype=float64)` is float32.

float16 has one rule of its own (`accumulate_dtype`): its reductions add up in float32.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

# (The rules below work on NumPy's dtypes, which is what a tensor's array holds.)
DEFAULT_FLOAT: np.dtype = float32  # torch.get_default_dtype()
_DEFAULT_FOR_KIND = {"b": bool_, "i": int64, "f": DEFAULT_FLOAT}
_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating point

# NumPy's name of each dtype (also minigrad's: `minigrad.float32`) and PyTorch's C name, which its
# error messages use ("expected scalar type Float").
_TORCH_NAMES = {"float64": "double", "float32": "float", "float16": "half", "int64": "long",
                "int32": "int", "int16": "short", "int8": "char", "uint8": "byte", "bool": "bool"}


class dtype:
    """A PyTorch dtype: `minigrad.float32`, `minigrad.int64`, ... One object per type, so they
    compare by identity (`x.dtype is minigrad.float32`), and each prints as PyTorch prints its
    own, with our name: `minigrad.float32`.

    It wraps NumPy's dtype in `.dtype`, which is where NumPy looks when it is handed one
    (`np.zeros(2, dtype=minigrad.float32)` works), and it equals that NumPy dtype. `kind`, `name`
    and `type` are NumPy's too (not PyTorch's), for code that reads it as a NumPy dtype.
    """

    __slots__ = ("dtype", "kind", "name", "type", "itemsize", "is_floating_point", "is_complex",
                 "is_signed")

    def __init__(self, numpy_dtype: np.dtype) -> None:
        self.dtype = numpy_dtype
        self.kind, self.name, self.type = numpy_dtype.kind, numpy_dtype.name, numpy_dtype.type
        self.itemsize = numpy_dtype.itemsize
        self.is_floating_point = numpy_dtype.kind == "f"
        self.is_complex = numpy_dtype.kind == "c"
        self.is_signed = numpy_dtype.kind in "ifc"

    def __repr__(self) -> str:
        return f"minigrad.{self.name}"

    def __eq__(self, other: object) -> bool:
        numpy_type = isinstance(other, type) and issubclass(other, np.generic)
        if isinstance(other, np.dtype) or numpy_type:  # (float32 == np.float32, as NumPy's)
            return bool(self.dtype == other)
        return self is other

    def __hash__(self) -> int:
        return hash(self.dtype)  # as the NumPy dtype it equals

    def __reduce__(self) -> tuple[Any, tuple[np.dtype]]:
        return from_numpy, (self.dtype,)  # unpickles to the same object

    def to_real(self) -> dtype:
        """The real dtype of a complex one (complex64 -> float32); a real dtype itself."""
        return from_numpy(np.empty(0, self.dtype).real.dtype)

    def to_complex(self) -> dtype:
        """The complex dtype with this real part (float32 -> complex64)."""
        if self.kind == "c":
            return self
        if self.kind != "f" or self.itemsize < 4:  # (NumPy has no complex32)
            name = torch_name(self.dtype).capitalize()
            raise RuntimeError(f"Unknown Complex ScalarType for {name}")
        return from_numpy(np.result_type(self.dtype, np.complex64))


class _Dtypes(dict[np.dtype, dtype]):
    """NumPy's dtype -> minigrad's: `x.dtype` is one look-up here, and a dtype no name is made
    for (a tensor of uint16 from NumPy) gets its object when it is first seen."""

    def __missing__(self, numpy_dtype: np.dtype) -> dtype:
        self[numpy_dtype] = made = dtype(numpy_dtype)
        return made


PUBLIC = _Dtypes()

# What the rules below accept: NumPy's dtype, or ours (which answers to kind, name and type).
AnyDtype = np.dtype | dtype


def from_numpy(numpy_dtype: Any) -> dtype:
    """minigrad's dtype object for a NumPy dtype (`from_numpy(np.float32) is minigrad.float32`)."""
    return PUBLIC[np.dtype(numpy_dtype)]


class finfo:
    """torch.finfo: the limits of a floating-point dtype, as Python floats."""

    def __init__(self, type: dtype | None = None) -> None:
        if type is None:
            type = from_numpy(DEFAULT_FLOAT)
        _check_info_argument("finfo", type)
        if not type.is_floating_point:
            raise TypeError("minigrad.finfo() requires a floating point input type. Use "
                            "minigrad.iinfo to handle 'minigrad.finfo'")
        info = np.finfo(type.dtype)
        self.bits, self.dtype = info.bits, type.name
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision  # (NumPy's is rounded to the dtype)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """torch.iinfo: the limits of an integer dtype, as Python ints."""

    def __init__(self, type: dtype) -> None:
        _check_info_argument("iinfo", type)
        if type.kind == "b":
            raise TypeError("minigrad.bool is not supported by minigrad.iinfo")
        if type.kind not in "iu":
            raise TypeError("minigrad.iinfo() requires an integer input type. Use minigrad.finfo "
                            "to handle 'minigrad.iinfo'")
        info = np.iinfo(type.dtype)
        self.bits, self.dtype = info.bits, type.name
        self.min, self.max = int(info.min), int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def _check_info_argument(name: str, value: object) -> None:
    if not isinstance(value, dtype):
        raise TypeError(f"{name}(): argument 'type' (position 1) must be minigrad.dtype, not "
                        f"{type(value).__name__}")


def torch_name(dtype: AnyDtype) -> str:
    """'float', 'double', 'long', ...: PyTorch's name of a dtype."""
    return _TORCH_NAMES.get(dtype.name, dtype.name)


def is_floating(dtype: AnyDtype) -> bool:
    return dtype.kind == "f"


def set_default_dtype(d: dtype) -> None:
    """torch.set_default_dtype: the floating-point dtype of `tensor([1.0])`, `zeros`, `Linear`'s
    weights and of integer division. Everything reads `DEFAULT_FLOAT` when it runs."""
    global DEFAULT_FLOAT
    if not isinstance(d, (dtype, np.dtype)):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not is_floating(np.dtype(d)):
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT_FLOAT = _DEFAULT_FOR_KIND["f"] = np.dtype(d)


def get_default_dtype() -> dtype:
    return PUBLIC[DEFAULT_FLOAT]


def to_dtype(dtype: Any) -> np.dtype:
    """Accept minigrad/NumPy dtypes, Python types and names like 'float32'. Python's float is
    float64 (a C double), whatever the default dtype, as in PyTorch; int is int64."""
    if dtype is int:
        return int64
    return np.dtype(dtype)  # (NumPy reads a minigrad dtype's `.dtype`; float is float64)


def floating(dtype: np.dtype) -> np.dtype:
    """The dtype of exp, log, mean, true division, ...: integers and bools compute in float32."""
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT


def sum_dtype(dtype: AnyDtype) -> AnyDtype:
    """The dtype of a sum, product or cumulative sum: bool and integer ones (uint8 too) are
    int64, as in PyTorch."""
    return int64 if dtype.kind in "biu" else dtype


def accumulate_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a reduction adds up in: float32 for float16, as PyTorch's CPU kernels do
    (float32 is their "opmath" type for float16), and the dtype itself otherwise.

    A float16 sum, mean, norm or variance is computed as if its input were float32 and rounded
    to float16 once, at the end. Added up in float16, 300^2 + 400^2 would overflow (float16's
    largest number is 65504) where the norm, 500, does not; and 2048 + 1 rounds back to 2048,
    so a long sum of small terms would stop growing. Elementwise operations stay float16
    (NumPy, like PyTorch, computes each one in float32 and rounds its result to float16).
    """
    return float32 if dtype == float16 else dtype


def scan_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a cumulative sum or product runs in: float64 for float32, float32 for float16,
    as PyTorch's CPU scans (their accumulate type), each prefix rounded to the dtype once.

    A running float32 sum adds every term to a total that keeps growing, so its error grows
    with the length (100,000 terms: 200x PyTorch's); carried in float64 it stays within the
    rounding of each result, and the results are PyTorch's bit for bit.
    """
    return float64 if dtype == float32 else accumulate_dtype(dtype)


# A sum NumPy adds row after row stays with the fast float32 loop up to this many rows, where
# PyTorch adds its rows one after another too (its cascade starts above 16): exactly as
# accurate, and the float64 casts would cost more than the sum of a small array (2 us).
_ROWS_ADDED_IN_TURN = 16
# NumPy's pairwise sum adds 8 running sums of up to 16 terms each, as PyTorch's cascade does,
# up to this length; beyond it, NumPy's recursion loses up to 2 ulps against PyTorch's.
_PAIRWISE_RUN = 128


def add_up_dtype(x: np.ndarray, axis: int | tuple[int, ...] | None) -> np.dtype:
    """The dtype `np.add.reduce(x, axis)` adds up in to be at least as accurate as PyTorch's sum.

    NumPy adds pairwise (the error grows as log n) only along one run of memory: the last axis
    of a C-contiguous array, or all of it. Along any other axis it adds row after row, and the
    error grows with the rows (a float32 sum over 182,625 rows: 60x PyTorch's error), where
    PyTorch's CPU sums cascade along every axis. Those float32 and float16 sums, and long
    pairwise ones, add up in float64, whose result, rounded once, is within float32's rounding
    of the exact sum: better than PyTorch's, at less than PyTorch's cost on large arrays. Other
    sums add up in `accumulate_dtype`.
    """
    dtype = x.dtype
    if dtype.kind != "f" or dtype.itemsize > 4 or x.size <= _ROWS_ADDED_IN_TURN:
        # (checked first, and accumulate_dtype written out: this runs in every backward)
        return float32 if dtype == float16 else dtype
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    n = math.prod([x.shape[d] for d in axes])  # the terms of each sum
    wide = accumulate_dtype(dtype)
    if n <= _ROWS_ADDED_IN_TURN:
        return wide
    if n > _PAIRWISE_RUN:
        return float64
    if x.flags.c_contiguous:  # the common cases, without the sort below
        if n == x.size:
            return wide  # each sum is over all of the memory: pairwise
        last = x.ndim - 1
        if x.shape[last] != 1 and last not in axes:
            return float64  # every reduced axis is outer: n > 16 rows added in turn
    # The pairwise run: the reduced axes innermost in memory, as far as they coalesce.
    run, stride = 1, None
    for d in sorted(range(x.ndim), key=lambda d: abs(x.strides[d])):
        if x.shape[d] == 1:
            continue
        if d not in axes or (stride is not None and abs(x.strides[d]) != stride):
            break
        run, stride = run * x.shape[d], abs(x.strides[d]) * x.shape[d]
    return float64 if n // run > _ROWS_ADDED_IN_TURN else wide


def can_cast_inplace(result: AnyDtype, dtype: AnyDtype) -> bool:
    """Whether an in-place op may write a `result` into a tensor of `dtype`: not to a lower
    kind (a float result into an int tensor), while narrowing within a kind is allowed."""
    return _RANK[result.kind] <= _RANK[dtype.kind]


def infer_dtype(array: np.ndarray, from_python: bool) -> np.dtype:
    """The dtype PyTorch gives `tensor(data)`: Python numbers make float32/int64/bool, while a
    NumPy array keeps its own dtype."""
    if not from_python:
        return array.dtype
    return _DEFAULT_FOR_KIND.get(array.dtype.kind, array.dtype)


def _scalar_kind(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "b"
    if isinstance(value, (int, np.integer)):
        return "i"
    return "f"


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: across kinds the higher kind wins as it is (int64 with float32 is
    float32, where NumPy says float64); within a kind, the wider type."""
    if _RANK[a.kind] != _RANK[b.kind]:
        return a if _RANK[a.kind] > _RANK[b.kind] else b
    return np.promote_types(a, b)


def common_dtype(dtypes: Any) -> np.dtype:
    """One dtype for tensors joined by cat and stack: the promotion of them all."""
    return functools.reduce(promote_types, dtypes)


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an elementwise operation on tensors and Python scalars (torch.result_type)."""
    dimmed: list[np.dtype] = []
    zero_dim: list[np.dtype] = []
    scalar_kinds: list[str] = []
    for x in operands:
        if hasattr(x, "_data"):  # a Tensor (dtypes is imported before minigrad.tensor)
            (dimmed if x._data.ndim else zero_dim).append(x._data.dtype)
        else:
            scalar_kinds.append(_scalar_kind(x))
    result = functools.reduce(promote_types, dimmed) if dimmed else None
    if zero_dim:
        z = functools.reduce(promote_types, zero_dim)
        if result is None or _RANK[z.kind] > _RANK[result.kind]:
            result = z
    for kind in scalar_kinds:
        if result is None or _RANK[kind] > _RANK[result.kind]:
            result = _DEFAULT_FOR_KIND[kind]
    assert result is not None, "result_type needs at least one tensor"
    return result


def wrapped(value: Any, dtype: np.dtype) -> Any:
    """A Python int beyond the range of an integer `dtype` wrapped around into it, as PyTorch's
    C cast does (-3 as uint8 is 253; NumPy raises OverflowError); other values as they are."""
    if type(value) is not int or dtype.kind not in "iu":
        return value
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    if not -(2**63) <= value < 2**64:
        raise OverflowError("int too big to convert")
    return np.uint64(value % 2**64).astype(dtype)


# ---------------------------------------------------------------------- the public functions
# torch.promote_types, torch.can_cast, torch.result_type: the rules above, on PyTorch's dtype
# objects, with PyTorch's errors for arguments of the wrong type.
def _dtype_argument(function: str, argument: str, position: int, value: Any) -> np.dtype:
    if not isinstance(value, dtype):
        from minigrad.checks import argument_error  # (checks imports this module)
        raise argument_error(function, argument, position, value, "minigrad.dtype")
    return value.dtype


def public_promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be converted to without losing their kind (int32 and
    float16 give float16; int8 and uint8 give int16)."""
    a = _dtype_argument("promote_types", "type1", 1, type1)
    return from_numpy(promote_types(a, _dtype_argument("promote_types", "type2", 2, type2)))


def public_can_cast(from_: dtype, to: dtype) -> bool:
    """Whether PyTorch's casting rules allow from_ -> to: never to a lower kind (float to int,
    int to bool); within a kind, any width."""
    a = _dtype_argument("can_cast", "from_", 1, from_)
    return can_cast_inplace(a, _dtype_argument("can_cast", "to", 2, to))


def public_result_type(tensor: Any, other: Any) -> dtype:
    """The dtype of an elementwise op on `tensor` and `other`, each a tensor or a number."""
    operands = (tensor, other)
    if not all(hasattr(x, "_data") or isinstance(x, (bool, int, float, np.number))
               for x in operands):
        from minigrad.checks import python_type
        got = ", ".join("Tensor" if hasattr(x, "_data") else python_type(x) for x in operands)
        raise TypeError(
            f"result_type() received an invalid combination of arguments - got ({got}), but "
            "expected one of:\n * (Tensor tensor, Tensor other)\n * (Number scalar, Tensor "
            "tensor)\n * (Tensor tensor, Number other)\n * (Number scalar1, Number scalar2)\n")
    if not any(hasattr(x, "_data") for x in operands):  # two numbers: as 0-d tensors
        return from_numpy(functools.reduce(promote_types, (_DEFAULT_FOR_KIND[_scalar_kind(x)]
                                                           for x in operands)))
    return from_numpy(result_type(*operands))

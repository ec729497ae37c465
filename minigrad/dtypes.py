"""Data types and PyTorch's type-promotion rules, all in one place.

minigrad's dtypes are NumPy's (`minigrad.float32 is numpy.dtype('float32')`), but the rules for
combining them are PyTorch's, which differ from NumPy's in two ways a training script notices:

* Python floats make float32 tensors (NumPy would make float64), and a Python scalar never
  widens a tensor: `float32_tensor * 0.1` stays float32 and `int_tensor * 0.5` becomes float32.
* A 0-d tensor only decides the result's dtype if it is of a higher kind (bool < int < float)
  than every tensor with dimensions: `ones(3) + tensor(1., dtype=float64)` is float32.

float16 has one rule of its own (`accumulate_dtype`): its reductions add up in float32.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

DEFAULT_FLOAT = float32  # torch.get_default_dtype()
_DEFAULT_FOR_KIND = {"b": bool_, "i": int64, "f": DEFAULT_FLOAT}
_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}  # bool < integer < floating point

# NumPy's name of each dtype (also minigrad's: `minigrad.float32`) and PyTorch's C name, which its
# error messages use ("expected scalar type Float").
_TORCH_NAMES = {"float64": "double", "float32": "float", "float16": "half", "int64": "long",
                "int32": "int", "int16": "short", "int8": "char", "uint8": "byte", "bool": "bool"}


def torch_name(dtype: np.dtype) -> str:
    """'float', 'double', 'long', ...: PyTorch's name of a dtype."""
    return _TORCH_NAMES.get(dtype.name, dtype.name)


def is_floating(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def set_default_dtype(dtype: np.dtype) -> None:
    """torch.set_default_dtype: the floating-point dtype of `tensor([1.0])`, `zeros`, `Linear`'s
    weights and of integer division. Everything reads `DEFAULT_FLOAT` when it runs."""
    global DEFAULT_FLOAT
    if not isinstance(dtype, np.dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not is_floating(dtype):
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT_FLOAT = _DEFAULT_FOR_KIND["f"] = dtype


def get_default_dtype() -> np.dtype:
    return DEFAULT_FLOAT


def to_dtype(dtype: Any) -> np.dtype:
    """Accept minigrad/NumPy dtypes, Python types and names like 'float32'."""
    if dtype is float:
        return DEFAULT_FLOAT
    if dtype is int:
        return int64
    return np.dtype(dtype)


def floating(dtype: np.dtype) -> np.dtype:
    """The dtype of exp, log, mean, true division, ...: integers and bools compute in float32."""
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT


def sum_dtype(dtype: np.dtype) -> np.dtype:
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


def can_cast_inplace(result: np.dtype, dtype: np.dtype) -> bool:
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

"""`minigrad.linalg`, as `torch.linalg`: the norms of vectors and matrices, singular values,
and the linear algebra minigrad has, under PyTorch's linalg names and defaults (which differ
from the older functions': `linalg.cross` and `linalg.diagonal` work on the last dims).

    vector_norm(x, ord)   (sum |x_i|^ord)^(1/ord) over `dim` (every element without one);
                          ord inf / -inf: the largest / smallest |x_i|; ord 0: the count of
                          non-zeros
    matrix_norm(A, ord)   of each matrix over the two dims of `dim`: 'fro' (the vector 2-norm
                          of its elements), 'nuc' (the sum of its singular values), 2 / -2 (the
                          largest / smallest singular value), 1 / -1 (the largest / smallest
                          sum of |a_ij| down a column), inf / -inf (the same along a row)
    norm(A, ord, dim)     vector_norm or matrix_norm, as `dim` (or A's dims) and ord say

Every one is made of minigrad's differentiable operations, so its gradient is theirs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import checks, dtypes
from minigrad.functions import linalg as L
from minigrad.tensor import Tensor, matmul

_MATRIX_ORDERS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.number)):
        raise checks.argument_error("linalg_vector_norm", "ord", 2, ord, "Number")
    _check_floating(x, "vector_norm")
    return _in_dtype(x, dtype, "vector_norm").norm(ord, dim, keepdim)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    if ord not in _MATRIX_ORDERS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    rows, cols = checks.check_matrix_dims(A._data.dtype, dim, A.ndim)
    if ord in ("nuc", 2, -2) and A._data.dtype == dtypes.float16:  # (they need an SVD)
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half")
    A = _in_dtype(A, dtype, "matrix_norm")
    if ord in ("fro", "nuc"):
        return A.norm(ord, (rows, cols), keepdim)
    if ord in (2, -2):  # the largest or smallest singular value
        s = svdvals(A.movedim((rows, cols), (-2, -1)))
        result = s.amax(-1) if ord == 2 else s.amin(-1)
        return result.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (rows, cols)) \
            if keepdim else result
    # 1: sums down each column (over rows), the largest of them; inf: along each row
    summed, across = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = A.abs().sum(summed, keepdim=True)
    result = sums.amax(across, keepdim=True) if ord > 0 else sums.amin(across, keepdim=True)
    return result if keepdim else result.squeeze((rows, cols))


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    dims = None if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if isinstance(ord, str) or (ord is not None and dims is not None and len(dims) == 2):
        return matrix_norm(A, ord, dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


def svdvals(A: Tensor) -> Tensor:
    """The singular values of each matrix (the last two dims), largest first."""
    if A.ndim < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    _check_floating(A, "svd")
    if A._data.dtype == dtypes.float16:
        raise NotImplementedError('"linalg_svd_cpu" not implemented for \'Half\'')
    return L.SingularValues.apply1(A)


def _check_floating(x: Tensor, name: str) -> None:
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.{name}: Expected a floating point or complex tensor as "
                           f"input. Got {checks.scalar_type(x.dtype)}")


def _in_dtype(x: Tensor, dtype: Any, name: str) -> Tensor:
    """x converted to `dtype` first, which must not narrow it (float64 to float32)."""
    if dtype is None:
        return x
    target = dtypes.to_dtype(dtype)
    if dtypes.promote_types(x._data.dtype, target) != target:
        raise RuntimeError(
            f"linalg.{name}: the dtype of the input ({checks.scalar_type(x.dtype)}) should be "
            f"convertible without narrowing to the specified dtype "
            f"({checks.scalar_type(target)})")
    return x.to(target)


def inv(A: Tensor) -> Tensor:
    return A.inverse()


def matrix_power(A: Tensor, n: int) -> Tensor:
    return A.matrix_power(n)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    return input.cross(other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    return A.diagonal(offset, dim1, dim2)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """The dot product of the vectors along dim (broadcast together): sum(x * y, dim)."""
    _check_floating(x, "vecdot")
    return (x * y).sum(dim)


def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """tensors[0] @ tensors[1] @ ...; the first may be a vector (a row), the last a vector (a
    column), as in PyTorch."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return result


__all__ = ["cross", "diagonal", "inv", "matmul", "matrix_norm", "matrix_power", "multi_dot",
           "norm", "svdvals", "vecdot", "vector_norm"]

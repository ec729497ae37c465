"""Linear algebra on the last two dims: the diagonal as a strided view, diagonal matrices and
triangles. The products (mm, bmm, dot, inner, tensordot, ...) are MatMul after a reshape, in
tensor.py."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


def diagonal_view(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """The elements a[..., i, i + offset, ...] of dims dim1 and dim2, as a writable view put
    last (PyTorch's diagonal): one stride that steps a row and a column at once."""
    m = np.moveaxis(a, (dim1, dim2), (-2, -1))
    m = m[..., :, offset:] if offset >= 0 else m[..., -offset:, :]
    n = max(min(m.shape[-2], m.shape[-1]), 0)
    return np.lib.stride_tricks.as_strided(
        m, m.shape[:-2] + (n,), m.strides[:-2] + (m.strides[-2] + m.strides[-1],)
    )


class Diagonal(ArrayFunction):
    """y = diagonal(x):  dL/dx = dL/dy written on the same diagonal of zeros."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.where = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        out = np.zeros(ctx.shape, grad.dtype)
        diagonal_view(out, *ctx.where)[...] = grad
        return out


class DiagMatrix(ArrayFunction):
    """Y = diag(v, k), the square matrix with v on its k-th diagonal:  dL/dv = diag(dL/dY, k)."""

    @staticmethod
    def forward(ctx, v, offset):
        ctx.offset = offset
        n = v.shape[0] + abs(offset)
        out = np.zeros((n, n), v.dtype)
        diagonal_view(out, offset, 0, 1)[...] = v
        return out

    @staticmethod
    def backward(ctx, grad):
        return diagonal_view(grad, ctx.offset, 0, 1).copy()


class Triangle(ArrayFunction):
    """Y = tril(X, k) or triu(X, k), X with the other triangle zeroed:  dL/dX = the same
    triangle of dL/dY."""

    @staticmethod
    def forward(ctx, x, triangle, offset):
        ctx.triangle, ctx.offset = triangle, offset
        return triangle(x, offset)

    @staticmethod
    def backward(ctx, grad):
        return ctx.triangle(grad, ctx.offset)

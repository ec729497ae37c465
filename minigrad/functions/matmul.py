"""Matrix product with NumPy's (and PyTorch's) rules for 1-D, 2-D, batched and broadcast
operands."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


class MatMul(ArrayFunction):
    """C = A @ B:  dL/dA = dL/dC @ B^T,  dL/dB = A^T @ dL/dC

    A 1-D operand is a row (on the left) or a column (on the right) whose extra axis is dropped
    from the result; the backward puts that axis back, applies the two matrix formulas, and
    drops it again. Batch dims that were broadcast are summed by the engine.
    """

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # (each gradient needs the other operand only)
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        ctx.ndims = a.ndim, b.ndim
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a_ndim, b_ndim = ctx.ndims
        if b_ndim == 1:  # (this order also turns the 0-d gradient of a dot product into 1x1)
            grad = np.expand_dims(grad, -1)
        if a_ndim == 1:
            grad = np.expand_dims(grad, -2)
        ga = gb = None
        if b is not None:  # dL/dA, from B (a column if 1-D)
            ga = np.matmul(grad, np.swapaxes(b[:, None] if b_ndim == 1 else b, -1, -2))
            ga = ga[..., 0, :] if a_ndim == 1 else ga
        if a is not None:  # dL/dB, from A (a row if 1-D)
            gb = np.matmul(np.swapaxes(a[None, :] if a_ndim == 1 else a, -1, -2), grad)
            gb = gb[..., 0] if b_ndim == 1 else gb
        return ga, gb


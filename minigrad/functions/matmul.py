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
        ctx.save_for_backward(a, b)
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:  # (this order also turns the 0-d gradient of a dot product into 1x1)
            grad = np.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            ga = np.matmul(grad, np.swapaxes(b2, -1, -2))
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if need_b:
            gb = np.matmul(np.swapaxes(a2, -1, -2), grad)
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


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


class Linear(ArrayFunction):
    """y = x W^T + b (nn.Linear) as one node:

        dL/dx = g W,   dL/dW = g^T x,   dL/db = sum of g over the batch

    where g = dL/dy, and x and g are first flattened to matrices (batch, features) when they
    have several leading dims. It could be built from a transpose, a MatMul and an Add; as one
    node it records one node instead of three, and it computes dL/dW as g^T x, which comes
    out in W's own (out_features, in_features) layout, as PyTorch computes it. (The MatMul of
    x with W^T would give dL/dW^T = x^T g, whose transpose must then be copied.)
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = np.matmul(x, weight.T)
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g = grad.reshape(-1, grad.shape[-1])  # (batch, out_features), batch dims flattened
        gx = np.matmul(grad, weight) if need_x else None
        gw = np.matmul(g.T, x.reshape(-1, x.shape[-1])) if need_w else None
        gb = np.add.reduce(g, axis=0) if need_b else None
        return gx, gw, gb

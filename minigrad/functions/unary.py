"""Elementwise functions of one tensor. Each backward multiplies the incoming gradient by the
local derivative written in the docstring."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


class Exp(ArrayFunction):
    """d/dx exp(x) = exp(x)"""

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(ArrayFunction):
    """d/dx log(x) = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(ArrayFunction):
    """d/dx sqrt(x) = 1 / (2 sqrt(x))   (+inf at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Tanh(ArrayFunction):
    """d/dx tanh(x) = 1 - tanh(x)^2"""

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(ArrayFunction):
    """d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))"""

    @staticmethod
    def forward(ctx, x):
        # 1/(1+exp(-x)) overflows harmlessly to 1/inf = 0 for very negative x.
        with np.errstate(over="ignore"):
            y = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * (1 - y))


class Relu(ArrayFunction):
    """d/dx relu(x) = 1 where relu(x) > 0, else 0   (0 at x = 0, as PyTorch; nan passes through)"""

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        keep = ~(y <= 0)  # (a nan output passes its gradient through, as in PyTorch)
        if np.isfinite(grad).all():
            return grad * keep  # a multiply is several times faster than np.where
        return np.where(keep, grad, 0).astype(grad.dtype, copy=False)  # inf * 0 would be nan


class Abs(ArrayFunction):
    """d/dx |x| = sign(x)   (0 at x = 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)


class Clamp(ArrayFunction):
    """d/dx clamp(x, lo, hi) = 1 where lo <= x <= hi (boundaries included), else 0"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        y = x
        if lo is not None:
            y = np.maximum(y, lo)
        if hi is not None:
            y = np.minimum(y, hi)
        return y.astype(x.dtype, copy=y is x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        inside = np.ones(x.shape, bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return np.where(inside, grad, 0).astype(grad.dtype, copy=False)


class Sign(ArrayFunction):
    """d/dx sign(x) = 0"""

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)

"""Elementwise functions of one tensor. Each backward multiplies the incoming gradient by the
local derivative written in the docstring."""

from __future__ import annotations

import math
from typing import Any

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


# ---------------------------------------------------------------------------------------------
# Trigonometric and hyperbolic functions. Backwards are written as PyTorch's (derivatives.yaml),
# so they agree with it at the edges of the domain too: asin's gradient is inf at +-1, nan
# outside.


class Sin(ArrayFunction):
    """d/dx sin(x) = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(ArrayFunction):
    """d/dx cos(x) = -sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -np.sin(x)


class Tan(ArrayFunction):
    """d/dx tan(x) = 1 + tan(x)^2"""

    @staticmethod
    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class Asin(ArrayFunction):
    """d/dx asin(x) = 1 / sqrt(1 - x^2)   (inf at x = +-1, nan for |x| > 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 / np.sqrt(1 - x * x))


class Acos(ArrayFunction):
    """d/dx acos(x) = -1 / sqrt(1 - x^2)   (-inf at x = +-1, nan for |x| > 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -(1 / np.sqrt(1 - x * x))


class Atan(ArrayFunction):
    """d/dx atan(x) = 1 / (1 + x^2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Sinh(ArrayFunction):
    """d/dx sinh(x) = cosh(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cosh(x)


class Cosh(ArrayFunction):
    """d/dx cosh(x) = sinh(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sinh(x)


class Asinh(ArrayFunction):
    """d/dx asinh(x) = 1 / sqrt(x^2 + 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 / np.sqrt(x * x + 1))


class Acosh(ArrayFunction):
    """d/dx acosh(x) = 1 / sqrt(x^2 - 1)   (inf at x = +-1, nan for |x| < 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 / np.sqrt(x * x - 1))


class Atanh(ArrayFunction):
    """d/dx atanh(x) = 1 / (1 - x^2)   (inf at x = +-1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)


# ---------------------------------------------------------------------------------------------
# Logarithms, exponentials and powers


class Log1p(ArrayFunction):
    """d/dx log(1 + x) = 1 / (1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(ArrayFunction):
    """d/dx (exp(x) - 1) = exp(x) = expm1(x) + 1"""

    @staticmethod
    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


class Log2(ArrayFunction):
    """d/dx log2(x) = 1 / (x ln 2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(ArrayFunction):
    """d/dx log10(x) = 1 / (x ln 10)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10))


class Exp2(ArrayFunction):
    """d/dx 2^x = 2^x ln 2"""

    @staticmethod
    def forward(ctx, x):
        y = np.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y * math.log(2)


class Rsqrt(ArrayFunction):
    """d/dx x^(-1/2) = -1/2 x^(-3/2) = -rsqrt(x)^3 / 2   (-inf at 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -0.5 * grad * (y * y * y)


class Reciprocal(ArrayFunction):
    """d/dx 1/x = -1/x^2 = -reciprocal(x)^2"""

    @staticmethod
    def forward(ctx, x):
        y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * (y * y)


class Square(ArrayFunction):
    """d/dx x^2 = 2x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 * x)


# ---------------------------------------------------------------------------------------------
# Rounding. Integer tensors pass through unchanged (a copy), as in PyTorch. The rounding
# functions are step functions: their gradient is 0, which PyTorch also gives at the jumps.


class _Step(ArrayFunction):
    """A rounding function (`rounding`, a NumPy ufunc, on floating point input): a step
    function, so its derivative is 0."""

    rounding: Any = None

    @staticmethod
    def forward(ctx, x):
        return ctx.rounding(x) if x.dtype.kind == "f" else x.copy()

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Floor(_Step):
    """d/dx floor(x) = 0"""

    rounding = np.floor


class Ceil(_Step):
    """d/dx ceil(x) = 0"""

    rounding = np.ceil


class Trunc(_Step):
    """d/dx trunc(x) = 0   (trunc rounds toward 0)"""

    rounding = np.trunc


class Round(ArrayFunction):
    """d/dx round(x, decimals) = 0   (halves round to even, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind != "f":
            return x.copy()
        if decimals == 0:
            return np.rint(x)
        # PyTorch scales by 10^|decimals| in the tensor's own precision, then rounds.
        scale = x.dtype.type(10.0 ** abs(decimals))
        if decimals > 0:
            return np.rint(x * scale) / scale
        return np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad)


class Frac(ArrayFunction):
    """d/dx frac(x) = d/dx (x - trunc(x)) = 1"""

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class NoDerivative(ArrayFunction):
    """Passes x on unchanged; its backward raises PyTorch's error for an operation whose
    derivative PyTorch does not implement (`what`: the in-place asinh_, acosh_ and atanh_)."""

    @staticmethod
    def forward(ctx, x, what):
        ctx.what = what
        return x

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"the derivative for '{ctx.what}' is not implemented.")

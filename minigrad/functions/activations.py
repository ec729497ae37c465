"""The activation functions of minigrad.nn that are not compositions of other operations.

Each backward is PyTorch's (derivatives.yaml), so the gradient at a kink is PyTorch's choice,
written in the docstring: relu6 and hardtanh give 0 at their bounds, leaky_relu the slope at 0.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.functions.unary import _erf


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x))


class LeakyRelu(ArrayFunction):
    """leaky_relu(x) = x if x > 0 else slope * x;  d/dx = 1 if x > 0 else slope (slope at 0)"""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return np.where(x > 0, x, x * x.dtype.type(slope))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, grad, grad * grad.dtype.type(ctx.slope))


class Hardtanh(ArrayFunction):
    """hardtanh(x) = clamp(x, lo, hi);  d/dx = 0 if x <= lo or x >= hi, else 1 (0 at the bounds;
    nan, which is neither, passes its gradient, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.bounds = lo, hi
        return np.minimum(np.maximum(x, x.dtype.type(lo)), x.dtype.type(hi))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return np.where((x <= lo) | (x >= hi), 0, grad).astype(grad.dtype, copy=False)


class Threshold(ArrayFunction):
    """threshold(x) = value if x <= t else x;  d/dx = 0 if x <= t, else 1 (so nan, which is not
    <= t, stays nan and passes its gradient, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, t, value):
        ctx.save_for_backward(x)
        ctx.t = t
        return np.where(x <= t, x.dtype.type(value), x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x <= ctx.t, 0, grad).astype(grad.dtype, copy=False)


class Elu(ArrayFunction):
    """elu(x) = scale * x if x >= 0 else scale * alpha * (exp(input_scale * x) - 1) (so 0 and
    -0 keep their sign, whatever alpha's, as in PyTorch);
    d/dx = scale if x > 0 else scale * alpha * input_scale * exp(input_scale * x)
    (the second branch at 0). ELU, SELU and CELU are this function with other constants.
    """

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.constants = alpha, scale, input_scale
        t = x.dtype.type
        negative = t(scale) * t(alpha) * np.expm1(np.minimum(x, 0) * t(input_scale))
        return np.where(x >= 0, x * t(scale), negative)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.constants
        t = x.dtype.type
        slope = t(scale) * t(alpha) * t(input_scale) * np.exp(np.minimum(x, 0) * t(input_scale))
        return grad * np.where(x > 0, t(scale), slope)


class Gelu(ArrayFunction):
    """gelu(x) = x Phi(x), Phi the standard normal CDF: d/dx = Phi(x) + x phi(x).
    With approximate='tanh', gelu(x) = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3):
    d/dx = (1 + tanh(u))/2 + x/2 (1 - tanh(u)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
    """

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            return (0.5 * x * (1 + np.tanh(u))).astype(x.dtype, copy=False)
        return (x * 0.5 * (1 + _erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            tanh_u = np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))
            du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
            slope = 0.5 * (1 + tanh_u) + 0.5 * x * (1 - tanh_u * tanh_u) * du
        else:
            cdf = 0.5 * (1 + _erf(x / math.sqrt(2)))
            slope = cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return (grad * slope).astype(grad.dtype, copy=False)


class Silu(ArrayFunction):
    """silu(x) = x sigmoid(x);  d/dx = sigmoid(x) (1 + x (1 - sigmoid(x)))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)
        return grad * (s * (1 + x * (1 - s)))


def _softplus(x, beta, threshold):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (no overflow)."""
    t = x.dtype.type
    bx = x * t(beta)
    with np.errstate(over="ignore"):
        return np.where(bx > threshold, x, np.log1p(np.exp(bx)) / t(beta))


class Softplus(ArrayFunction):
    """softplus(x) = log(1 + exp(beta x)) / beta (x where beta x > threshold);
    d/dx = sigmoid(beta x) (1 where beta x > threshold)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.constants = beta, threshold
        return _softplus(x, beta, threshold)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.constants
        bx = x * x.dtype.type(beta)
        return np.where(bx > threshold, grad, grad * _sigmoid(bx))


class Mish(ArrayFunction):
    """mish(x) = x tanh(softplus(x));
    d/dx = tanh(softplus(x)) + x sigmoid(x) (1 - tanh(softplus(x))^2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(_softplus(x, 1, 20))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        tanh_sp = np.tanh(_softplus(x, 1, 20))
        return grad * (tanh_sp + x * _sigmoid(x) * (1 - tanh_sp * tanh_sp))


class LogSigmoid(ArrayFunction):
    """logsigmoid(x) = log(1 / (1 + exp(-x))) = min(x, 0) - log1p(exp(-|x|));
    d/dx = 1 - sigmoid(x) = sigmoid(-x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _sigmoid(-x)


class Hardsigmoid(ArrayFunction):
    """hardsigmoid(x) = relu6(x + 3) / 6;  d/dx = 1/6 if -3 < x < 3, else 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(np.maximum(x + 3, 0), 6) / x.dtype.type(6)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # PyTorch's kernel multiplies by 1/6 rounded to float32, also for float64.
        sixth = grad.dtype.type(np.float32(1 / 6))
        return np.where((x > -3) & (x < 3), grad * sixth, 0).astype(grad.dtype)


class Hardswish(ArrayFunction):
    """hardswish(x) = x relu6(x + 3) / 6;
    d/dx = 0 if x <= -3, x/3 + 1/2 if -3 < x < 3, 1 if x >= 3 (PyTorch's choice at +-3)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.minimum(np.maximum(x + 3, 0), 6) / x.dtype.type(6)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        middle = grad * (x / x.dtype.type(3) + x.dtype.type(0.5))
        return np.where(x <= -3, 0, np.where(x < 3, middle, grad)).astype(grad.dtype)

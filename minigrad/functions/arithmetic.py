"""Elementwise arithmetic: + - * / ** and friends. Inputs arrive with one common dtype (see
minigrad.dtypes) and may have different, broadcastable shapes. Each backward returns gradients
of the broadcast shape; the engine sums each back to its input's shape (engine._fit)."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import ArrayFunction


class Add(ArrayFunction):
    """d(a+b)/da = 1, d(a+b)/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(ArrayFunction):
    """d(a-b)/da = 1, d(a-b)/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(ArrayFunction):
    """d(a*b)/da = b, d(a*b)/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # (each gradient needs the other factor only)
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(ArrayFunction):
    """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return np.true_divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * ((a / b) / b) if need_b else None)


class Neg(ArrayFunction):
    """d(-x)/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(ArrayFunction):
    """d(x^e)/dx = e * x^(e-1),  d(x^e)/de = x^e * ln(x)

    PyTorch's conventions at the edges: where e == 0 the gradient for x is 0 (x^0 is constant,
    even at x = 0), and where x == 0 and e >= 0 the gradient for e is 0 rather than 0 * -inf.
    """

    @staticmethod
    def forward(ctx, x, e):
        # x ** 2 is computed as x * x, as PyTorch does (and twice as fast as np.power).
        plain = type(e) in (int, float)  # a Python number: the gradient for x needs only x
        y = np.square(x) if plain and e == 2 else np.power(x, e)
        ctx.save_for_backward(x, e, None if plain else y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, e, y = ctx.saved_tensors
        need_x, need_e = ctx.needs_input_grad
        if type(e) in (int, float) and e != 0:  # x ** 2 and the like: no edge cases to mask
            if e == 2:  # 2x, written x + x: exact, and a NumPy call with a Python number
                return grad * (x + x), None  # costs 2-3 times one with two arrays
            return grad * (e * np.power(x, e - 1)), None
        gx = ge = None
        if need_x:
            with np.errstate(all="ignore"):
                gx = np.where(e == 0, 0, grad * (e * np.power(x, e - 1)))
            gx = gx.astype(grad.dtype, copy=False)
        if need_e:
            with np.errstate(all="ignore"):
                ge = np.where((x == 0) & (e >= 0), 0, grad * (y * np.log(x)))
            ge = ge.astype(grad.dtype, copy=False)
        return gx, ge


def _split_ties(grad, a_wins, tie):
    """Gradient to `a` of maximum/minimum: all of it where a wins, half of it on a tie."""
    return np.where(a_wins, grad, np.where(tie, grad / 2, 0)).astype(grad.dtype, copy=False)


class Maximum(ArrayFunction):
    """d max(a,b)/da = 1 where a > b, 1/2 where a == b, else 0 (and the mirror for b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = a == b
        return _split_ties(grad, a > b, tie), _split_ties(grad, b > a, tie)


class Minimum(ArrayFunction):
    """d min(a,b)/da = 1 where a < b, 1/2 where a == b, else 0 (and the mirror for b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = a == b
        return _split_ties(grad, a < b, tie), _split_ties(grad, b < a, tie)


class Where(ArrayFunction):
    """where(c, a, b): the gradient goes to a where c is true and to b elsewhere."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), grad.dtype)
        return None, np.where(cond, grad, zero), np.where(cond, zero, grad)


class Cast(ArrayFunction):
    """x.to(dtype): the gradient is cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)

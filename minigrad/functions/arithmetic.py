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


def _integer_power(x, e):
    """x ** e for integers with some e < 0, which NumPy refuses: PyTorch's gives 1 ** e = 1,
    (-1) ** e = +-1 by e's parity, and 0 for any other x (1 / x rounded towards 0)."""
    y = np.power(x, np.maximum(e, 0))
    odd = np.where(e % 2 == 0, 1, -1).astype(y.dtype)
    small = np.where(x == 1, 1, np.where(x == -1, odd, 0)).astype(y.dtype)
    return np.where(e < 0, small, y)


class Pow(ArrayFunction):
    """d(x^e)/dx = e * x^(e-1),  d(x^e)/de = x^e * ln(x)

    PyTorch's conventions at the edges: where e == 0 the gradient for x is 0 (x^0 is constant,
    even at x = 0), and where x == 0 and e >= 0 the gradient for e is 0 rather than 0 * -inf.
    """

    @staticmethod
    def forward(ctx, x, e):
        # x ** 2 is computed as x * x, as PyTorch does (and twice as fast as np.power).
        plain = type(e) in (int, float)  # a Python number: the gradient for x needs only x
        if plain and e == 2:
            y = np.square(x)
        elif isinstance(e, np.ndarray) and e.dtype.kind == "i" and (e < 0).any():
            y = _integer_power(x, e)
        else:
            y = np.power(x, e)
        if y.dtype == np.int8 and np.result_type(x, e) == np.bool_:  # NumPy's bool ** bool
            y = y.astype(np.bool_)  # is int8, PyTorch's bool
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
    """x.to(dtype), a copy (`order` "C": row-major, as `contiguous()` makes it; "K": in x's
    own layout, as `clone()`): the gradient is cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype, order="K"):
        ctx.dtype = x.dtype
        return x.astype(dtype, order=order)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype)


# ---------------------------------------------------------------------------------------------
# Binary and ternary pointwise math (torch.atan2 ... torch.lcm). The front doors in tensor.py
# settle the dtypes; the gradients follow PyTorch's derivatives.yaml, edge cases included.


class Atan2(ArrayFunction):
    """d/da atan2(a, b) = b / (a^2 + b^2),  d/db atan2(a, b) = -a / (a^2 + b^2)

    At a = b = 0 both gradients are 0, as PyTorch sets them (not 0/0).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        norm = a * a + b * b
        with np.errstate(divide="ignore"):
            recip = np.where(norm == 0, 0, 1 / norm).astype(grad.dtype, copy=False)
        return grad * b * recip, grad * -a * recip


class Hypot(ArrayFunction):
    """d/da hypot(a, b) = a / hypot(a, b),  d/db hypot(a, b) = b / hypot(a, b)  (nan at 0, 0)"""

    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return grad * a / out, grad * b / out


def _check_divisor(b):
    """Integer division by zero is PyTorch's RuntimeError (NumPy would give 0 and a warning)."""
    if np.asarray(b).dtype.kind in "iu" and not np.all(b):
        raise RuntimeError("ZeroDivisionError")


class Fmod(ArrayFunction):
    """fmod(a, b) = a - trunc(a / b) * b:  d/da = 1,  d/db = -trunc(a / b)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b)
        ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            return np.fmod(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return grad, -grad * np.trunc(a / b)


class Remainder(ArrayFunction):
    """remainder(a, b) = a - floor(a / b) * b:  d/da = 1,  d/db = -floor(a / b)"""

    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b)
        ctx.save_for_backward(a, b)
        with np.errstate(all="ignore"):
            out = np.remainder(a, b)
        if out.dtype.kind == "f":  # a zero has a's sign in PyTorch (fmod's), b's in NumPy
            out = np.where(out == 0, np.copysign(out, a), out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return grad, -grad * np.floor(a / b)


class Copysign(ArrayFunction):
    """d/da copysign(a, b) = copysign(a, b) / a (+-1), and 0 at a = 0;  d/db = 0"""

    @staticmethod
    def forward(ctx, a, b):
        out = np.copysign(a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        with np.errstate(all="ignore"):
            ratio = np.where(a == 0, 0, out / a).astype(grad.dtype, copy=False)
        return grad * ratio, np.zeros_like(grad)


def _xlogy(x, y):
    """x * log(y), and 0 where x = 0 (unless y is nan)."""
    with np.errstate(all="ignore"):
        out = np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y))
    return out.astype(np.result_type(x, y), copy=False)


class Xlogy(ArrayFunction):
    """xlogy(a, b) = a * log(b), and 0 where a = 0 (unless b is nan):
    d/da = log(b), but 0 where a = 0 and b <= 0 (PyTorch's convention);  d/db = a / b"""

    @staticmethod
    def forward(ctx, a, b):
        dtype = np.result_type(a, b)  # a Python number is taken in the tensor's dtype first
        a, b = np.asarray(a, dtype), np.asarray(b, dtype)
        ctx.save_for_backward(a, b)
        return _xlogy(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        zero = np.zeros((), grad.dtype)
        with np.errstate(all="ignore"):
            return np.where((a == 0) & (b <= 0), zero, _xlogy(grad, b)), grad * a / b


class Lerp(ArrayFunction):
    """lerp(a, b, w) = a + w * (b - a):  d/da = 1 - w,  d/db = w,  d/dw = b - a"""

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        # PyTorch's formula: from the nearer end, so that w = 1 gives b exactly.
        return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w)).astype(
            a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        need_w = ctx.needs_input_grad[2]
        return grad * (1 - w), grad * w, (grad * (b - a) if need_w else None)


class Addcmul(ArrayFunction):
    """addcmul(x, t1, t2, value) = x + value * t1 * t2:
    d/dx = 1,  d/dt1 = value * t2,  d/dt2 = value * t1"""

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(t1, t2, value)
        return x + value * t1 * t2

    @staticmethod
    def backward(ctx, grad):
        t1, t2, value = ctx.saved_tensors
        return grad, grad * (value * t2), grad * (value * t1), None


class Addcdiv(ArrayFunction):
    """addcdiv(x, t1, t2, value) = x + value * t1 / t2:
    d/dx = 1,  d/dt1 = value / t2,  d/dt2 = -value * t1 / t2^2"""

    @staticmethod
    def forward(ctx, x, t1, t2, value):
        ctx.save_for_backward(t1, t2, value)
        return x + value * (t1 / t2)

    @staticmethod
    def backward(ctx, grad):
        t1, t2, value = ctx.saved_tensors
        return grad, grad * (value / t2), -grad * value * t1 / (t2 * t2), None


class LogAddExp(ArrayFunction):
    """d/da log(e^a + e^b) = 1 / (1 + e^(b - a)),  d/db = 1 / (1 + e^(a - b))"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return grad / (1 + np.exp(b - a)), grad / (1 + np.exp(a - b))


class LogAddExp2(ArrayFunction):
    """d/da log2(2^a + 2^b) = 1 / (1 + 2^(b - a)),  d/db = 1 / (1 + 2^(a - b))"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        with np.errstate(all="ignore"):
            return grad / (1 + np.exp2(b - a)), grad / (1 + np.exp2(a - b))


class Fmax(ArrayFunction):
    """fmax ignores nan. d/da = 1 where a >= b or b is nan, else 0; b gets the rest
    (a tie goes wholly to a, unlike maximum's halves)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_wins = (a >= b) | np.isnan(b)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx, grad):
        zero = np.zeros((), grad.dtype)
        return np.where(ctx.a_wins, grad, zero), np.where(ctx.a_wins, zero, grad)


class Fmin(ArrayFunction):
    """fmin ignores nan. d/da = 1 where a <= b or b is nan, else 0; b gets the rest."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_wins = (a <= b) | np.isnan(b)
        return np.fmin(a, b)

    backward = staticmethod(Fmax.backward)


class Nextafter(ArrayFunction):
    """PyTorch's convention: d/da nextafter(a, b) = 1 where a != b (else 0), d/db = 0."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.moves = a != b
        return np.nextafter(a, b)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.moves, grad, np.zeros((), grad.dtype)), np.zeros_like(grad)


class TruncDiv(ArrayFunction):
    """div(a, b, rounding_mode='trunc'): a step function, whose gradient PyTorch sets to 0."""

    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b)
        if a.dtype.kind in "iu":  # exact for integers: floor, then one up where it rounded down
            q = np.floor_divide(a, b)
            return q + ((q < 0) & (q * b != a))
        with np.errstate(all="ignore"):
            return np.trunc(a / b)

    @staticmethod
    def backward(ctx, grad):
        return np.zeros_like(grad), np.zeros_like(grad)


class FloorDiv(TruncDiv):
    """div(a, b, rounding_mode='floor'): a step function, whose gradient PyTorch sets to 0."""

    @staticmethod
    def forward(ctx, a, b):
        _check_divisor(b)
        with np.errstate(all="ignore"):
            return np.floor_divide(a, b)


class NotDifferentiable(ArrayFunction):
    """An operation PyTorch records without a derivative (heaviside, floor_divide): the result
    requires grad, and the backward pass through it fails as PyTorch's does."""

    @staticmethod
    def forward(ctx, a, b, out, name):
        ctx.op = name
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{ctx.op} is not implemented")


class ClampTensors(ArrayFunction):
    """y = min(max(x, lo), hi) for tensor bounds (either may be None); a nan anywhere gives nan,
    and where the bounds cross (lo > hi) y = hi. As PyTorch's clamp_backward:
    d/dx = 1 where lo <= x <= hi;  d/dlo = 1 where x < lo < hi;  d/dhi = 1 where x > hi or
    hi < lo; 0 elsewhere."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x, lo, hi)
        y = x if lo is None else np.maximum(x, lo)
        return y if hi is None else np.minimum(y, hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        zero = grad.dtype.type(0)
        inside = (True if lo is None else x >= lo) & (True if hi is None else x <= hi)
        grad_lo = grad_hi = None
        if lo is not None:
            grad_lo = np.where((x < lo) & (True if hi is None else lo < hi), grad, zero)
        if hi is not None:
            grad_hi = np.where((x > hi) | (False if lo is None else hi < lo), grad, zero)
        return np.where(inside, grad, zero), grad_lo, grad_hi

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


# ---------------------------------------------------------------------------------------------
# Special functions. NumPy has no erf, lgamma or digamma, so they are written here, vectorised,
# in float64 (float32 and float16 inputs are computed in float64 and rounded once, at the end).
# Measured against correctly rounded values (tests/test_special.py): erf and erfc within 5 ulp,
# lgamma and digamma within a few ulp away from their zeros (near a zero the error is a few ulp
# of the terms that cancel there, ~1e-15 absolute).

_SQRT_PI = math.sqrt(math.pi)


def _exp_minus_square(x):
    """exp(-x^2) without the rounding error of x^2, which exp would multiply by x^2: x splits
    into a head of 12 fractional bits, whose square is exact, and a small tail."""
    head = np.floor(x * 4096) / 4096
    return np.exp(-head * head) * np.exp(-(x - head) * (x + head))


def _erf_maclaurin(x):
    """erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)), for |x| < 1 (30 terms)."""
    x2 = x * x
    term, total = x, x.copy()
    for n in range(1, 30):
        term = -term * x2 / n
        total += term / (2 * n + 1)
    return 2 / _SQRT_PI * total


def _erfc_fraction(x, depth):
    """erfc(x) for x > 0 by its continued fraction, evaluated from level `depth` back:
    _erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))"""
    tail = x
    for k in range(depth, 0, -1):
        tail = x + (k / 2) / tail
    return _exp_minus_square(x) / (_SQRT_PI * tail)


# The fraction converges slowly near 0: (from x, levels) that reach double precision.
_DEPTHS = ((0.5, 800), (1.0, 200), (2.5, 60))


def _erfc_positive(a, y):
    """Writes _erfc(a) into y where a >= 0.5 (each range with its own depth)."""
    for k, (start, depth) in enumerate(_DEPTHS):
        end = _DEPTHS[k + 1][0] if k + 1 < len(_DEPTHS) else np.inf
        part = (a >= start) & (a < end)
        y[part] = _erfc_fraction(a[part], depth)
    part = a == np.inf
    y[part] = 0


def _erf(x):
    """erf(x): the Maclaurin series below 1, 1 - erfc(x) above."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    y = np.empty_like(a)
    small = a < 1
    y[small] = _erf_maclaurin(a[small])
    big = ~small
    tmp = np.empty_like(a[big])
    _erfc_positive(a[big], tmp)
    y[big] = 1 - tmp
    y[np.isnan(a)] = np.nan
    return np.copysign(y, x)


def _erfc(x):
    """erfc(x): 1 - erf(x) below 1/2, the continued fraction above; erfc(-x) = 2 - erfc(x)."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    y = np.empty_like(a)
    small = a < 0.5
    y[small] = 1 - _erf_maclaurin(a[small])
    _erfc_positive(a, y)
    y[np.isnan(a)] = np.nan
    neg = x < 0
    y[neg] = 2 - y[neg]
    y[small & neg] = 1 + _erf_maclaurin(a[small & neg])
    return y


# Bernoulli numbers B_2, B_4, ..., B_20 for the asymptotic (Stirling) series
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
              43867 / 798, -174611 / 330)
_SHIFT = 16.0  # the series are used from here on; smaller arguments are shifted up


def _shifted(x):
    """x moved up by whole steps to at least _SHIFT, and how many steps (an array)."""
    steps = np.nan_to_num(np.maximum(np.ceil(_SHIFT - x), 0))
    return x + steps, steps


def _lgamma_positive(x):
    """lgamma(x) for x > 0. From 16 up, Stirling's series. Below, x is brought into [1/2, 5/2)
    by lgamma(x) = lgamma(x - n) + log((x-1) ... (x-n)) (or lgamma(x+1) - log(x) for x < 1/2),
    where the Taylor series around 1 and 2 keep their precision at the zeros lgamma(1) =
    lgamma(2) = 0: lgamma(1+z) = -gamma z + sum_k (-1)^k zeta(k) z^k / k, and
    lgamma(2+z) = (1-gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k."""
    big = x >= _SHIFT
    z = np.maximum(x, _SHIFT)
    stirling = sum(b / ((2 * k + 2) * (2 * k + 1) * z ** (2 * k + 1))
                   for k, b in enumerate(_BERNOULLI))
    stirling += (z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi)
    tiny = x < 0.5
    w = np.where(big, 2.0, np.where(tiny, x + 1, x))
    steps = np.nan_to_num(np.maximum(np.floor(w - 1.5), 0))
    product = np.ones_like(w)
    for i in range(1, int(steps.max(initial=0)) + 1):
        product *= np.where(i <= steps, w - i, 1)
    w = w - steps  # in [1/2, 5/2)
    near_one = w < 1.5
    z = np.where(near_one, w - 1, w - 2)
    around_two = np.where(near_one, 0.0, 1.0)  # (zeta(k) - 1 for the series around 2)
    power, series = z * z, (around_two - _EULER) * z
    for k in range(2, len(_ZETA) + 2):
        series += (-1) ** k * (_ZETA[k - 2] - around_two) * power / k
        power = power * z
    small = series + np.log(product) - np.where(tiny, np.log(x), 0)
    return np.where(big, stirling, small)


def _lgamma(x):
    """log|Gamma(x)|: Stirling's series from 16 up; reflection for x <= 0 (inf at the poles)."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        positive = _lgamma_positive(np.where(x > 0, x, 1 - x))
        # reflection: _lgamma(x) = log(pi / |sin(pi x)|) - _lgamma(1 - x)
        r = x - np.round(x)  # |sin(pi x)| = |sin(pi r)|, r in [-1/2, 1/2] exactly
        y = np.where(x > 0, positive, np.log(math.pi / np.abs(np.sin(math.pi * r))) - positive)
        y = np.where((x <= 0) & (x == np.floor(x)), np.inf, y)
    return np.where(np.isinf(x), np.inf, y)


def _digamma(x):
    """digamma(x) = d/dx lgamma(x): psi(x) = psi(x+1) - 1/x up to 16, then the asymptotic
    series; reflection for x < 0. PyTorch's edges: -inf at +0, inf at -0, nan at x < 0 integer."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        a = np.where(x > 0, x, 1 - x)
        z, steps = _shifted(a)
        value = np.log(z) - 0.5 / z - sum(b / ((2 * k + 2) * z ** (2 * k + 2))
                                          for k, b in enumerate(_BERNOULLI))
        for i in range(int(steps.max(initial=0))):
            value -= np.where(i < steps, 1 / (a + i), 0)
        # reflection: _digamma(x) = _digamma(1 - x) - pi / tan(pi x)
        r = x - np.round(x)
        y = np.where(x > 0, value, value - math.pi / np.tan(math.pi * r))
        y = np.where(x == 0, np.copysign(np.inf, -x), y)
        y = np.where((x < 0) & (x == np.floor(x)), np.nan, y)
    return np.where(x == np.inf, np.inf, y)


def _hurwitz_zeta(s, x):
    """zeta(s, x) = sum_k 1/(x+k)^s for an integer s >= 2: the first terms summed, the rest by
    the Euler-Maclaurin formula."""
    with np.errstate(all="ignore"):
        z, steps = _shifted(x)
        total = np.zeros_like(x)
        for i in range(int(steps.max(initial=0))):
            total += np.where(i < steps, (x + i) ** -s, 0)
        tail = z ** (1 - s) / (s - 1) + 0.5 * z ** -s
        rising = s * 1.0  # s (s+1) ... (s+2k) (a new array: it is updated in place)
        for k, b in enumerate(_BERNOULLI):
            tail += b / math.factorial(2 * k + 2) * rising * z ** (-s - 2 * k - 1)
            rising *= (s + 2 * k + 1) * (s + 2 * k + 2)
        return total + tail


_EULER = 0.5772156649015329  # Euler's gamma = -digamma(1)
# zeta(2), ..., zeta(56), for lgamma's Taylor series around 1 and 2
_ZETA = _hurwitz_zeta(np.arange(2.0, 57.0), np.ones(55))


def _polygamma(n, x):
    """The n-th derivative of digamma: psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x)."""
    if n == 0:
        return _digamma(x)
    if n == 1:
        return _trigamma(x)
    x = np.asarray(x, np.float64)
    # (below -2^20 the steps up to the series would take too long: nan; PyTorch takes them)
    zeta = _hurwitz_zeta(n + 1, np.where(x < -2.0 ** 20, np.nan, x))
    # As PyTorch's zeta: nan at +inf, and at -inf a pole, as at every integer below 1.
    zeta = np.where(x == np.inf, np.nan, np.where(x == -np.inf, np.inf, zeta))
    return (-1) ** (n + 1) * math.factorial(n) * zeta


def _trigamma(x):
    """PyTorch's trigamma: reflection below 1/2, six steps up, then four terms of the series."""
    x = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):
        reflect = x < 0.5
        result = np.where(reflect, -(math.pi ** 2) / np.sin(math.pi * x) ** 2, 0.0)
        x = np.where(reflect, 1 - x, x)
        for _ in range(6):
            result = result + 1 / (x * x)
            x = x + 1
        ixx = 1 / (x * x)
        result = result + (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
        return np.where(reflect, -result, result)


def _erfinv(y):
    """The x with erf(x) = y: Winitzki's approximation (about 1e-3), then three Halley steps
    on f(x) = erf(x) - y, written as (1 - y) - erfc(x) when y >= 1/2 so that y near 1 keeps its
    digits. f' = 2/sqrt(pi) exp(-x^2) and f''/f' = -2x."""
    y = np.asarray(y, np.float64)
    a = np.abs(y)
    with np.errstate(all="ignore"):
        log = np.log1p(-a * a)
        first = 2 / (math.pi * 0.147) + log / 2
        x = np.sqrt(np.sqrt(first * first - log / 0.147) - first)
        for _ in range(3):
            f = np.where(a < 0.5, _erf(x) - a, (1 - a) - _erfc(x))
            ratio = f / (2 / _SQRT_PI * _exp_minus_square(x))
            x = np.where(np.isfinite(x), x - ratio / (1 + x * ratio), x)
        x = np.where(a == 1, np.inf, np.where(a > 1, np.nan, x))
    return np.copysign(x, y)


def _i1(x):
    """The modified Bessel function I1, i0's derivative: its power series
    sum_k (x/2)^(2k+1) / (k! (k+1)!) up to |x| = 30, the asymptotic expansion
    e^|x| / sqrt(2 pi |x|) (1 - 3/(8|x|) - 15/(128 x^2) - ...) above."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        half = np.minimum(a, 30) / 2
        term, series = half.copy(), half.copy()
        for k in range(1, 80):
            term = term * half * half / (k * (k + 1))
            series += term
        big = np.maximum(a, 30)
        coefficient, expansion = np.ones_like(big), np.ones_like(big)
        # the k-th term is (-1)^k (4 - 1)(4 - 9)...(4 - (2k-1)^2) / (k! (8x)^k)
        for k in range(1, 20):
            coefficient = coefficient * -(4 - (2 * k - 1) ** 2) / (k * 8 * big)
            expansion += coefficient
        asymptotic = np.exp(big) / np.sqrt(2 * math.pi * big) * expansion
    return np.copysign(np.where(a <= 30, series, asymptotic), x)


class _Special(ArrayFunction):
    """An elementwise special function `value` (float64 in, float64 out) of a float tensor:
    computed in float64, rounded to the input's dtype."""

    value: Any = None

    @classmethod
    def compute(cls, x):
        return cls.value(x).astype(x.dtype)


class Erf(_Special):
    """d/dx erf(x) = 2/sqrt(pi) exp(-x^2)"""

    value = staticmethod(_erf)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Erf.compute(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (2 / _SQRT_PI * np.exp(-x * x))


class Erfc(_Special):
    """d/dx erfc(x) = -2/sqrt(pi) exp(-x^2)"""

    value = staticmethod(_erfc)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Erfc.compute(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (-2 / _SQRT_PI * np.exp(-x * x))


class Erfinv(_Special):
    """d/dy erfinv(y) = sqrt(pi)/2 exp(erfinv(y)^2)   (inf at y = +-1)"""

    value = staticmethod(_erfinv)

    @staticmethod
    def forward(ctx, y):
        x = Erfinv.compute(y)
        ctx.save_for_backward(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (_SQRT_PI / 2 * np.exp(x * x))


class Lgamma(_Special):
    """d/dx log|Gamma(x)| = digamma(x)"""

    value = staticmethod(_lgamma)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Lgamma.compute(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _digamma(x).astype(x.dtype)


class Polygamma(_Special):
    """d/dx polygamma(n, x) = polygamma(n + 1, x)   (digamma is polygamma(0, x))"""

    @staticmethod
    def forward(ctx, x, n):
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma(n, x).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _polygamma(ctx.n + 1, x).astype(x.dtype)


def _i0(x):
    """np.i0 in float64 (NumPy's runs in its input's dtype, which loses digits in float16),
    without warnings: PyTorch is silent where I0 overflows (above 713) and at +-inf (nan)."""
    with np.errstate(all="ignore"):
        return np.i0(np.asarray(x, np.float64))


class I0(_Special):
    """d/dx I0(x) = I1(x)   (modified Bessel functions of the first kind)"""

    value = staticmethod(_i0)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return I0.compute(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _i1(x).astype(x.dtype)


class Logit(ArrayFunction):
    """d/dx log(x / (1 - x)) = 1 / (x (1 - x))   (nan outside [0, 1]); with eps, x is clamped to
    [eps, 1 - eps] first and the gradient is 0 outside that range (as PyTorch's)"""

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):  # (+-inf at 0 and 1, nan outside)
            return np.log(z / (1 - z))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            result = grad / (x * (1 - x))
        if ctx.eps is None:  # (nan outside [0, 1], where logit is not defined)
            return np.where((x < 0) | (x > 1), np.nan, result).astype(grad.dtype, copy=False)
        inside = (x >= ctx.eps) & (x <= 1 - ctx.eps)
        return np.where(inside | np.isnan(x), result, 0).astype(grad.dtype, copy=False)


class Sinc(ArrayFunction):
    """d/dx sin(pi x)/(pi x) = (cos(pi x) pi x - sin(pi x)) / (pi x^2)   (0 at x = 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all="ignore"):
            y = np.sin(math.pi * x) / (math.pi * x)
        return np.where(x == 0, 1, y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        pix = math.pi * x
        with np.errstate(all="ignore"):
            slope = (pix * np.cos(pix) - np.sin(pix)) / (pix * x)
        return grad * np.where(x == 0, 0, slope).astype(x.dtype, copy=False)


class NanToNum(ArrayFunction):
    """d/dx nan_to_num(x) = 1 where x is finite, 0 where it was replaced"""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(np.isfinite(x), grad, 0).astype(grad.dtype, copy=False)


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

"""Reductions over one or more dims, and the softmax family.

`dim` is None (all dims) or a tuple of non-negative axes, already normalised by the caller.
A reduction's backward first puts back the reduced axes (`_keep`) so that the gradient
broadcasts against the input.

Sums add up in `dtypes.add_up_dtype` (`_total`): float16 ones in float32, rounded to float16
once, at the end, as PyTorch does, and float32 or float16 ones that NumPy would add row after
row (along an axis other than the contiguous one) in float64, to be as accurate as PyTorch's
cascade sum. So do the reductions made of a sum (mean, norm, softmax; the variance adds up in
float64).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.dtypes import accumulate_dtype, add_up_dtype, scan_dtype
from minigrad.functions.broadcast import expand


def _drop(y, dim, keepdim):
    """A result computed with its reduced axes kept (size 1), without them unless keepdim."""
    if keepdim:
        return y
    return y.reshape(()) if dim is None else np.squeeze(y, dim)


def _keep(grad, dim, keepdim):
    """Reinsert the axes a reduction removed, so `grad` broadcasts against the input."""
    if keepdim or dim is None:
        return grad
    return np.expand_dims(grad, dim)


def _kept_shape(shape, dim):
    return tuple(1 if d in dim else n for d, n in enumerate(shape))


def _count(shape, dim):
    """How many elements each output of a reduction over `dim` combines."""
    if dim is None:
        return math.prod(shape)
    return math.prod([shape[d] for d in dim])


def _ratio(a, n, correction):
    """a / (n - correction) as a Python float (which does not widen float32 arrays), inf when
    the divisor is 0. (The forward clamps the divisor at 0; PyTorch's backward does not.)"""
    divisor = n - correction
    return a / divisor if divisor else float("inf")


def _widened(x):
    """x in the dtype its reductions add up in: float16 becomes float32, others stay."""
    wide = accumulate_dtype(x.dtype)
    return x if wide is x.dtype else x.astype(wide)


def _rounded(y, dtype):
    """y, added up in a wider dtype, rounded to `dtype` once. (astype costs 1 us even when it
    has nothing to do, more than the sum of a small array.)"""
    return y if y.dtype is dtype else y.astype(dtype)


def _total(x, axis, keepdims):
    """The sum of x along `axis`, added up in `add_up_dtype` and left in it: the caller rounds
    to x's dtype once it is done. (np.add.reduce is np.sum without its wrapper.)"""
    return np.add.reduce(x, axis=axis, dtype=add_up_dtype(x, axis), keepdims=keepdims)


def _mean(x, axis):
    """The mean of x along `axis` (kept, size 1), rounded to x's dtype."""
    return _rounded(_total(x, axis, True) / _count(x.shape, axis), x.dtype)


class Sum(ArrayFunction):
    """d/dx_i sum(x) = 1"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        return _rounded(_total(x, dim, keepdim), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return expand(_keep(grad, ctx.dim, ctx.keepdim), ctx.shape)


class NanSum(ArrayFunction):
    """d/dx_i nansum(x) = 1 where x_i is a number, 0 where it is nan: the upstream gradient
    times that mask, as PyTorch computes it (so an inf upstream gives nan at a nan, as
    nanmean of an all-nan slice does)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.numbers, ctx.dim, ctx.keepdim = ~np.isnan(x), dim, keepdim
        return _rounded(_total(np.where(ctx.numbers, x, 0), dim, keepdim), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _keep(grad, ctx.dim, ctx.keepdim) * ctx.numbers


class Mean(ArrayFunction):
    """d/dx_i mean(x) = 1/n"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        # The sum over n, as np.mean computes it, without np.mean's slower Python wrapper; for
        # float16, divided in float32 before the rounding, so a sum beyond 65504 is no inf.
        return _rounded(_total(x, dim, keepdim) / _count(x.shape, dim), x.dtype)

    @staticmethod
    def backward(ctx, grad):
        n = _count(ctx.shape, ctx.dim)
        if grad.ndim == 0:  # the mean of everything (a loss): divide one number, as a NumPy
            return expand(grad[()] / n, ctx.shape)  # scalar, 6x faster than as a 0-d array
        return expand(_keep(grad, ctx.dim, ctx.keepdim) / n, ctx.shape)


def _variance(x, dim, correction, keepdim):
    """np.var accumulated in float64, as PyTorch's CPU var/std do for float32 (so the variance
    of values near 1e-25 does not underflow before its square root is taken)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if _count(x.shape, dim) > correction:
            return np.var(x, axis=dim, ddof=correction, keepdims=keepdim, dtype=np.float64)
        with warnings.catch_warnings():  # NumPy's warning here is not PyTorch's, which
            warnings.simplefilter("ignore", RuntimeWarning)  # minigrad.tensor._spread gives
            return np.var(x, axis=dim, ddof=correction, keepdims=keepdim, dtype=np.float64)


class Var(ArrayFunction):
    """d/dx_i var(x) = 2 (x_i - mean(x)) / (n - correction)"""

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        ctx.dim, ctx.keepdim, ctx.correction = dim, keepdim, correction
        ctx.save_for_backward(x)
        return _variance(x, dim, correction, keepdim).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centered = x - _mean(x, ctx.dim)
        n = _count(x.shape, ctx.dim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return _keep(grad, ctx.dim, ctx.keepdim) * centered * _ratio(2, n, ctx.correction)


class Std(ArrayFunction):
    """d/dx_i std(x) = (x_i - mean(x)) / ((n - correction) std(x))   (0 where std(x) = 0)"""

    @staticmethod
    def forward(ctx, x, dim, correction, keepdim):
        ctx.dim, ctx.keepdim, ctx.correction = dim, keepdim, correction
        y = np.sqrt(_variance(x, dim, correction, keepdim)).astype(x.dtype)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        centered = x - _mean(x, ctx.dim)
        n = _count(x.shape, ctx.dim)
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(y == 0, 0, grad / y) * _ratio(1, n, ctx.correction)
        return centered * _keep(scale, ctx.dim, ctx.keepdim)


class Amax(ArrayFunction):
    """d/dx_i max(x) = 1/k if x_i is one of the k tied maxima, else 0

    (the gradient is split evenly among ties, as PyTorch's amax and full max() do)
    """

    reduce = staticmethod(np.max)

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        y = ctx.reduce(x, axis=dim, keepdims=True)
        ctx.save_for_backward(x, y)
        return y if keepdim else (y.reshape(()) if dim is None else np.squeeze(y, dim))

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        winners = x == y
        # A multiply, not np.where, so that a nan maximum (no winners: 0/0) gives nan, as PyTorch.
        # The count is cast to the gradient's dtype, as PyTorch divides by it: no float64 share.
        count = winners.sum(axis=ctx.dim, keepdims=True).astype(grad.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = _keep(grad, ctx.dim, ctx.keepdim) / count
        return winners * share


class Amin(Amax):
    """d/dx_i min(x) = 1/k if x_i is one of the k tied minima, else 0"""

    reduce = staticmethod(np.min)


class TakeAlongDim(ArrayFunction):
    """values = x[..., index, ...] along `dim` (one index per slice): the gradient goes back to the
    chosen element only. This is max(dim)/min(dim): argmax picks, this gathers."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        (index,) = ctx.saved_tensors
        out = np.zeros(ctx.shape, grad.dtype)
        np.put_along_axis(out, index, grad, axis=ctx.dim)
        return out


def _shift(x, axis):
    """x minus its max along `axis`, so that exp() of it cannot overflow. (A row holding inf, or
    only -inf, becomes nan, as in PyTorch's softmax.)"""
    return x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)  # (initial: x may be empty)


def _log_softmax(x, axis):
    """x - logsumexp(x) along `axis`, computed from the shifted x: not x - logsumexp(x), which
    loses the small terms (1e30 + 0.69 == 1e30). float16 is shifted and exponentiated in
    float32, as in PyTorch's kernels: along the last dim it rounds the sum to float16 before its
    log, along any other it keeps it in float32."""
    shifted = _shift(_widened(x), axis)
    last = axis in (-1, x.ndim - 1)
    return _rounded(shifted - _log_sum_exp(shifted, axis, x.dtype if last else shifted.dtype),
                    x.dtype)


def _log_sum_exp(shifted, axis, dtype):
    """log(sum(exp(shifted))) along `axis`, the sum rounded to `dtype` before its log."""
    with np.errstate(divide="ignore"):
        return np.log(_rounded(_total(np.exp(shifted), axis, True), dtype))


class LogSumExp(ArrayFunction):
    """d/dx_i log(sum_j exp(x_j)) = exp(x_i - logsumexp(x)) = softmax(x)_i"""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        m = np.max(x, axis=dim, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)  # all -inf gives -inf and an inf gives inf, not nan
        y = m + _log_sum_exp(x - m, dim, x.dtype)
        ctx.save_for_backward(x, y)
        return y if keepdim else np.squeeze(y, dim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _keep(grad, ctx.dim, ctx.keepdim) * np.exp(x - y)


class Softmax(ArrayFunction):
    """y = exp(x) / sum(exp(x));  vector-Jacobian product: y * (g - sum(g * y))"""

    @staticmethod
    def forward(ctx, x, dim):
        e = np.exp(_shift(_widened(x), dim))
        if x.dtype == np.float16 and dim not in (-1, x.ndim - 1):
            # PyTorch's kernel along another dim stores exp in float16, then scales it by 1/sum,
            # the sum added up in float32 one row after another (as np.add.reduce does here)
            with np.errstate(divide="ignore"):  # (a dim of size 0: no row to scale)
                scale = 1 / np.add.reduce(e, axis=dim, dtype=np.float32, keepdims=True)
            y = _rounded(e.astype(np.float16) * scale, x.dtype)
        else:
            y = _rounded(e / _total(e, dim, True), x.dtype)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        """(In float32 for float16, rounded once at the end, as PyTorch computes it.)"""
        (y,) = ctx.saved_tensors
        g, wide_y = _widened(grad), _widened(y)
        total = _rounded(_total(g * wide_y, ctx.dim, True), wide_y.dtype)
        return _rounded(wide_y * (g - total), y.dtype)


class LogSoftmax(ArrayFunction):
    """y = x - logsumexp(x);  vector-Jacobian product: g - softmax(x) * sum(g)"""

    @staticmethod
    def forward(ctx, x, dim):
        y = _log_softmax(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        """(In float32 for float16, rounded once at the end, as PyTorch computes it.)"""
        (y,) = ctx.saved_tensors
        g, wide_y = _widened(grad), _widened(y)
        total = _rounded(_total(grad, ctx.dim, True), wide_y.dtype)
        return _rounded(g - np.exp(wide_y) * total, y.dtype)


class Norm(ArrayFunction):
    """The p-norm (sum |x_i|^p)^(1/p), with p = inf giving max |x_i| and p = 0 the count of
    nonzeros.

    d/dx_i ||x||_p = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1), which is x_i/||x|| for p = 2 and
    sign(x_i) for p = 1. PyTorch's conventions: the gradient is 0 where x_i or the norm is 0
    (not nan, even for p < 1),
    and the p = inf gradient is split evenly among tied largest |x_i|.
    """

    @staticmethod
    def forward(ctx, x, p, dim, keepdim):
        a = _widened(np.abs(x))
        if p == 0:
            y = np.sum(a != 0, axis=dim, keepdims=True).astype(x.dtype)
        elif _count(x.shape, dim) == 1:  # PyTorch gives |x| as it is: no |x|^p to underflow
            y = a  # (the dims it reduces have size 1: a has the kept shape already)
        elif p == 2:
            y = np.sqrt(_total(a * a, dim, True))
        elif p == 1:
            y = _total(a, dim, True)
        elif p == np.inf:
            y = np.max(a, axis=dim, keepdims=True)
        elif p == -np.inf:
            y = np.min(a, axis=dim, keepdims=True)
        else:
            with np.errstate(divide="ignore"):  # 0^p = inf for p < 0 (the norm is then 0)
                y = _total(a**p, dim, True) ** (1 / p)
        y = _rounded(y, x.dtype)
        ctx.p, ctx.dim, ctx.keepdim = p, dim, keepdim
        ctx.save_for_backward(x, y)
        return _drop(y, dim, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        p = ctx.p
        g = _keep(grad, ctx.dim, ctx.keepdim)
        if p == 0:  # a count: PyTorch passes no gradient through it
            return None
        if p == 1:  # (a slice of one element too: PyTorch's forward shortcut, not its backward)
            return g * np.sign(x)
        if p in (np.inf, -np.inf):
            ties = np.abs(x) == y
            share = g / ties.sum(axis=ctx.dim, keepdims=True)
            return np.where(ties, np.sign(x) * share, 0).astype(grad.dtype, copy=False)
        # In PyTorch's order of operations, each rounded to x's dtype (float16 too), so that the
        # gradient is PyTorch's bit for bit where its pow is.
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                return g * np.where(y == 0, 0, x / y)
            if p < 1:  # |x|^(p-1) is inf at x = 0, whose gradient is 0
                scaled = np.where(x == 0, 0, np.sign(x) * np.abs(x) ** (p - 1))
                return scaled * g * y ** (1 - p)
            scaled = np.sign(x) * np.abs(x) ** (p - 1) if p < 2 else x * np.abs(x) ** (p - 2)
            return scaled * np.where(y == 0, 0, g / y ** (p - 1))


def _cumsum(x, axis):
    """The running sum along `axis`, carried in `scan_dtype` as PyTorch's."""
    return _rounded(np.cumsum(x, axis=axis, dtype=scan_dtype(x.dtype)), x.dtype)


def _cumprod(x, axis):
    """The running product along `axis`, carried in `scan_dtype` as PyTorch's."""
    return _rounded(np.cumprod(x, axis=axis, dtype=scan_dtype(x.dtype)), x.dtype)


def _exclusive_cumprod(x, axis):
    """prod(x[..., :k]) at position k along `axis`: the product of the elements before each."""
    x = np.moveaxis(x, axis, -1)
    out = np.ones_like(x)
    out[..., 1:] = _cumprod(x[..., :-1], axis=-1)
    return np.moveaxis(out, -1, axis)


def _reverse_cumsum(x, axis):
    """sum(x[..., k:]) at position k along `axis`: the sum of each element and those after it."""
    return np.flip(_cumsum(np.flip(x, axis), axis), axis)


class NuclearNorm(ArrayFunction):
    """The nuclear norm ||X||_* = s_1 + ... + s_k, the sum of the singular values of each matrix
    X over the two dims (rows, cols), from its reduced SVD X = U diag(s) V^T.

    d||X||_*/dX = U V^T: each singular value s_i = u_i^T X v_i has the derivative u_i v_i^T.
    For a matrix without full rank this is one subgradient among many, the one the SVD routine's
    choice of U and V gives: PyTorch's LAPACK and NumPy's may choose differently there.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        matrices = np.moveaxis(x, dims, (-2, -1))
        u, s, vt = np.linalg.svd(matrices, full_matrices=False)
        ctx.dims, ctx.keepdim, ctx.u, ctx.vt = dims, keepdim, u, vt
        y = s.sum(axis=-1).astype(x.dtype, copy=False)
        for d in sorted(dims) if keepdim else ():
            y = np.expand_dims(y, d)
        return y

    @staticmethod
    def backward(ctx, grad):
        g = grad if ctx.keepdim else np.expand_dims(grad, sorted(ctx.dims))
        g = np.moveaxis(g, ctx.dims, (-2, -1))  # (..., 1, 1) against (..., rows, cols)
        return np.moveaxis(g * (ctx.u @ ctx.vt), (-2, -1), ctx.dims)


def _float16_product(x, dim):
    """The product of float16 x over `dim` (None: all of it), kept (size 1). PyTorch's kernel
    multiplies float16 in float16, left to right, each product rounded in turn, where NumPy's
    reduce would carry a contiguous slice in float32: so it is the last of the running products.
    (PyTorch's vectorised kernel may multiply 64 or more contiguous elements in another order.)"""
    axis, flat = (0, x.reshape(-1)) if dim is None else (dim, x)
    ones = np.ones(_kept_shape(flat.shape, (axis,)), x.dtype)  # the product of an empty slice
    running = np.multiply.accumulate(np.concatenate([ones, flat], axis), axis)
    last = np.take(running, [-1], axis)
    return last if dim is not None else last.reshape((1,) * x.ndim)


class Prod(ArrayFunction):
    """d/dx_i prod(x) = prod_{j != i} x_j

    Without zeros that is prod(x) / x_i. With a zero anywhere it is computed as PyTorch does, as
    the product of the elements before x_i times the product of those after it: a lone zero gets
    the product of the others, the rest of its slice 0; a slice with two zeros, 0 throughout.
    """

    @staticmethod
    def forward(ctx, x, dim, keepdim):  # dim: None (everything) or one axis
        ctx.dim, ctx.keepdim = dim, keepdim
        with np.errstate(over="ignore"):  # a product beyond the dtype's range is inf, silently
            if x.dtype == np.float16:
                y = _float16_product(x, dim)
            else:
                y = np.prod(x, axis=dim, keepdims=True, dtype=x.dtype)
        ctx.save_for_backward(x, y)
        return _drop(y, dim, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = _keep(grad, ctx.dim, ctx.keepdim)
        if not (x == 0).any():
            return g * (y / x)
        axis, flat = (0, x.reshape(-1)) if ctx.dim is None else (ctx.dim, x)
        before = _exclusive_cumprod(flat, axis)
        after = np.flip(_exclusive_cumprod(np.flip(flat, axis), axis), axis)
        return g * (before * after).reshape(x.shape)


class CumSum(ArrayFunction):
    """y_j = sum_{i <= j} x_i;  dL/dx_i = sum_{j >= i} g_j (a cumulative sum from the end)"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _cumsum(x, dim)

    @staticmethod
    def backward(ctx, grad):
        return _reverse_cumsum(grad, ctx.dim)


class CumProd(ArrayFunction):
    """y_j = prod_{i <= j} x_i;  dL/dx_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k

    Without zeros that is sum_{j >= i} g_j y_j / x_i. Past the first zero of a slice every y_j
    is 0, so only that zero and the elements before it get a gradient; the zero's own is
    sum_{j >= z} g_j y'_j, where y' is the cumprod with that zero replaced by 1.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = _cumprod(x, dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis, zero = ctx.dim, x == 0
        zeros_so_far = np.cumsum(zero, axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            before = np.where(zeros_so_far == 0, _reverse_cumsum(grad * y, axis) / x, 0)
        if not zero.any():
            return before
        first_zero = zero & (zeros_so_far == 1)
        y_without = _cumprod(np.where(first_zero, 1, x), axis)
        at_zero = np.sum(np.where(zeros_so_far >= 1, grad * y_without, 0), axis, keepdims=True)
        return before + np.where(first_zero, at_zero, 0)


def _logcumsumexp(x, axis):
    """log sum exp of the elements up to each, along `axis`, carried in `scan_dtype`."""
    return _rounded(np.logaddexp.accumulate(x, axis=axis, dtype=scan_dtype(x.dtype)), x.dtype)


def _reverse_logcumsumexp(x, axis):
    return np.flip(_logcumsumexp(np.flip(x, axis), axis), axis)


class LogCumSumExp(ArrayFunction):
    """y_j = log sum_{i <= j} exp(x_i);  dL/dx_i = sum_{j >= i} g_j exp(x_i - y_j)

    The sum is taken in log space, the positive and the negative parts of g apart (as PyTorch
    does), so that no exp overflows.
    """

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = _logcumsumexp(x, dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            part = [np.exp(x + _reverse_logcumsumexp(np.log(np.maximum(s * grad, 0)) - y, ctx.dim))
                    for s in (1, -1)]
        return part[0] - part[1]


class FullMedian(ArrayFunction):
    """median() of all elements: the lower of the two middle values, nan if there is a nan
    (nanmedian: of the numbers only, nan if there are none).

    d/dx_i = 1/k if x_i is one of the k elements equal to the median (the k nans, if it is nan),
    else 0: PyTorch splits the gradient evenly here, where median(dim) gives it to one element.
    """

    @staticmethod
    def forward(ctx, x, ignore_nan):
        ordered = np.sort(x.reshape(-1))  # nans last
        numbers = np.count_nonzero(~np.isnan(ordered)) if x.dtype.kind == "f" else ordered.size
        if not ignore_nan and numbers < ordered.size or numbers == 0:
            with np.errstate(invalid="ignore"):  # of no integers: nan cast, PyTorch's value
                y = np.asarray(np.nan).astype(x.dtype)
        else:
            y = ordered[(numbers - 1) // 2]
        y = np.asarray(y)
        ctx.save_for_backward(x, y)  # the output itself, so that a write to it is caught
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        winners = np.isnan(x) if np.isnan(y) else x == y
        return winners * (grad / int(np.count_nonzero(winners)))  # (an int keeps grad's dtype)

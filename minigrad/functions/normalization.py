"""Layer normalization as one node (nn.functional.layer_norm), computed as PyTorch's CPU kernel
computes it, so that float32 values and input gradients are PyTorch's to the last bit (the
weight's and bias's gradients are sums over the rows, which PyTorch adds up in an order that
depends on its number of threads: see `LayerNorm.backward`).

The mathematics is short (see `LayerNorm`). The length of this file is the order of the
operations: in float32 a sum's rounding depends on the order it is added up in, and PyTorch's
kernel (ATen's layer_norm_kernel.cpp and moments_utils.h) adds up as its vector registers
suggest, not as NumPy would. Its AVX2 build runs (found by comparing results: the AVX512 build's
16 lanes give other roundings, even on this AVX512 machine): a vector holds 32 bytes, 8 float32
or 4 float64 "lanes", and each lane keeps its own partial sums until they are combined at the
end. Where its compiler fuses a multiplication and an addition into one rounding (a fused
multiply-add), `_fused` does the same; which operations it fuses was found the same way, by
comparing.

float16 is computed in float32 and rounded once, as PyTorch does (its float16 kernel writes the
normalization as x r - r mu, see `LayerNorm.forward`, and reads 16 values a vector, two halves
of 8 float32 lanes): the values are PyTorch's in all but a few elements in a million, which
are an ulp apart. The gradients are the float32 ones, on the float32 kernel's statistics,
rounded once (PyTorch's float16 backward, given float16 weights, rounds the statistics to
float16 first, and adds up the weight's and bias's gradients in float16). float64 follows
the same order with 4 lanes, and its fused operations round twice (see `_fused`): a
difference of 1e-16, far below any tolerance.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import ArrayFunction
from minigrad.optim._array_ops import _fma  # a float32 fused multiply-add, rounded once

_VECTOR_BYTES = 32  # one AVX2 register
_CHUNK = 16  # vectors a lane takes in before its partial result goes on the cascade


def _fused(a, b, c):
    """a * b + c rounded once, as a fused multiply-add (float32; float64 rounds twice), the
    three broadcast against each other."""
    dtype = np.result_type(a, b, c)
    if dtype != np.float32:
        return a * b + c
    if np.ndim(a) == 0 and math.frexp(a)[0] == 0.5:
        # A power of two as factor (the Welford steps' 1/2, 1/4, ...) only moves b's exponent:
        # the product is exact unless it underflows (then dividing back does not give b), and
        # the fused operation is one rounded addition. Its emulation costs several passes.
        product = a * b
        if np.array_equal(product / a, b):
            return product + c
    out = np.empty(np.broadcast(a, b, c).shape, dtype)
    return _fma(a, np.asarray(b, dtype), np.asarray(c, dtype), out=out)


def _merge(part, total):
    """Chan's update of (count, mean, m2) statistics: `total` absorbs `part`. m2 is the sum of
    squared deviations from the mean. As AddMomentsVec, with its fused operation:

        n = n_t + n_p,   d = mean_p - mean_t,   mean = mean_t + (n_p / n) d,
        m2 = m2_t + m2_p + (n_p / n) d * n_t d
    """
    count, mean, m2 = total
    part_count, part_mean, part_m2 = part
    n = count + part_count
    dtype = mean.dtype.type
    weight = dtype(part_count) / dtype(n) if n else dtype(0)
    delta = part_mean - mean
    step = weight * delta
    return n, mean + step, _fused(delta * dtype(count), step, m2 + part_m2)


def _lane_moments(x, lanes, halves):
    """Per lane of the first (N // width) * width columns of x (M, N), width = lanes * halves:
    (count, mean, m2), where lane k holds the columns k, k + lanes, k + 2 lanes, ... Each run
    of `_CHUNK` vectors of `width` columns is a Welford pass, and the runs' results are merged
    pairwise as a binary counter would carry (a cascade, for accuracy on long rows), as
    RowwiseMoments does. (float16 vectors hold 16 values, two halves of 8 float32 lanes, each
    half's pass merged in turn.)"""
    rows, columns = x.shape
    width = lanes * halves
    vectors = columns // width
    dtype = x.dtype.type
    full, rest = divmod(vectors, _CHUNK)
    runs = []  # per run of vectors, in order: (count, mean, m2) of each half
    for start, count, runs_here in ((0, _CHUNK, full), (full * _CHUNK, rest, 1 if rest else 0)):
        if not runs_here:
            continue
        block = x[:, start * width:(start + count * runs_here) * width]
        block = block.reshape(rows, runs_here, count, width)
        # Welford: mean += (v - mean) / (j + 1), then m2 += (v - old mean)(v - mean). The first
        # step, from mean = m2 = 0, rounds nothing (mean = v + 0, m2 = 0 or NaN), so it needs
        # no fused operation: two fewer on every row.
        v = block[:, :, 0]
        mean = v + dtype(0)
        m2 = v * (v - mean) + dtype(0)
        for j in range(1, count):
            v = block[:, :, j]
            delta = v - mean
            mean = _fused(dtype(1) / dtype(j + 1), delta, mean)
            m2 = _fused(delta, v - mean, m2)
        halves_of = [slice(h * lanes, (h + 1) * lanes) for h in range(halves)]
        runs += [[(count, mean[:, i, h], m2[:, i, h]) for h in halves_of]
                 for i in range(runs_here)]

    empty = (0, np.zeros((rows, lanes), x.dtype), np.zeros((rows, lanes), x.dtype))
    depth = max(1, (len(runs) - 1).bit_length())  # ceil(log2(runs)), at least 1
    stack = [empty] * depth  # stack[j] holds 2^j runs' statistics, or none
    for i, run in enumerate(runs):
        for half in run:
            stack[0] = _merge(half, stack[0])
        carry, j = i + 1, 1
        while j < depth and carry % 2 == 0:
            stack[j], stack[j - 1] = _merge(stack[j - 1], stack[j]), empty
            carry //= 2
            j += 1
    for level in stack[1:]:
        stack[0] = _merge(level, stack[0])
    return stack[0]


def _moments(x, halves=1):
    """The mean and the biased variance of each row of x (M, N), each of shape (M,); `halves`
    2 for a float16 row (converted to float32), read 16 values a vector."""
    rows, columns = x.shape
    lanes = _VECTOR_BYTES // x.itemsize
    count_per_lane, lane_mean, lane_m2 = _lane_moments(x, lanes, halves)
    vectors = count_per_lane // halves
    dtype = x.dtype.type
    # The columns left over after the last whole vector, one at a time (Welford, unfused)...
    count, mean, m2 = 0, np.zeros(rows, x.dtype), np.zeros(rows, x.dtype)
    for k in range(vectors * lanes * halves, columns):
        v = x[:, k]
        delta = v - mean
        count += 1
        mean = mean + delta / dtype(count)
        m2 = m2 + delta * (v - mean)
    # ...then the lanes, one after another: AddMoments, the scalar form of _merge, where the
    # compiler fuses other operations (mean + w d, and the m2 term's last product).
    deltas = np.empty_like(lane_mean)
    weights, counts = np.empty(lanes, x.dtype), np.empty(lanes, x.dtype)
    for k in range(lanes):
        n = count + count_per_lane
        weights[k] = dtype(count_per_lane) / dtype(n) if n else dtype(0)
        counts[k] = count
        deltas[:, k] = lane_mean[:, k] - mean
        mean = _fused(weights[k], deltas[:, k], mean)
        count = n
    # The lanes' m2 terms do not depend on each other: one fused operation for all of them
    # (a fused operation costs the same on 1 lane as on 8), then added up in the lanes' order.
    terms = _fused(deltas * deltas * weights, counts, lane_m2)
    for k in range(lanes):
        m2 = m2 + terms[:, k]
    return mean, m2 / dtype(max(columns, 1))  # (an empty row: 0, not 0/0)


def _lane_sum(products, tail):
    """The sum of each row of `products` (M, N) as PyTorch's vectorized reductions add up:
    lane by lane over the whole vectors, the last, partial vector through `tail(acc, columns)`
    (a fused acc + the mapped values of those columns), then the 8 lanes pairwise (4 apart,
    2 apart, 1 apart). A row shorter than a vector is added up left to right."""
    rows, columns = products.shape
    lanes = _VECTOR_BYTES // products.itemsize
    if columns < lanes:
        total = products[:, 0] if columns else np.zeros(rows, products.dtype)
        for k in range(1, columns):
            total = total + products[:, k]
        return total
    vectors = columns // lanes
    # NumPy adds up along the first axis of a contiguous array one slice after another, in
    # order. (The vectors first in memory, a copy: adding up the same numbers in place, along
    # the middle axis, took 1.9 ms against 1.15 on 2048 x 512 float32.)
    by_vector = products[:, :vectors * lanes].reshape(rows, vectors, lanes).transpose(1, 0, 2)
    acc = np.add.reduce(np.ascontiguousarray(by_vector), axis=0)
    left = columns - vectors * lanes
    if left:
        acc[:, :left] = tail(acc[:, :left], slice(vectors * lanes, columns))
    step = lanes // 2
    while step:
        acc = acc + acc[:, np.arange(lanes) ^ step]
        step //= 2
    return acc[:, 0]


class LayerNorm(ArrayFunction):
    """y = LayerNorm.apply(x, weight, bias, eps) normalizes each row of x (M, N): with the row's
    mean mu and biased variance var, and r = 1 / sqrt(var + eps),

        xhat = (x - mu) r,      y = xhat * weight + bias

    (weight, bias of shape (N,), either None). With g = dL/dy, gw = g * weight, the gradients:

        dL/dweight = sum over rows of g * xhat,     dL/dbias = sum over rows of g
        dL/dx = r gw - r^3 (x - mu) mean(gw (x - mu)) - r mean(gw)      (means over the row)

    the last written as PyTorch computes it: with ds = sum(gw x) and db = sum(gw) over the
    row, dL/dx = r gw + b x + c where b = (db mu - ds) r^3 / N and c = -b mu - db r / N.

    Replaces the composition of mean, var and arithmetic that nn.functional used to record:
    its float32 values and gradients differed from PyTorch's in the last bits; this node's
    values and dL/dx are PyTorch's bit for bit (tests/test_nn_layers.py), as the module
    docstring explains, and dL/dweight and dL/dbias at least as accurate
    (tests/test_accuracy.py).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        ctx.dtypes = [None if a is None else a.dtype for a in (x, weight, bias)]
        if x.dtype == np.float16:  # computed in float32, rounded once
            x, weight, bias = (None if a is None else a.astype(np.float32)
                               for a in (x, weight, bias))
        f = x.dtype.type
        mean, var = _moments(x, 2 if ctx.dtypes[0] == np.float16 else 1)
        rstd = f(1) / np.sqrt(var + f(eps))
        r, mu = rstd[:, None], mean[:, None]
        if ctx.dtypes[0] == np.float16:
            # PyTorch's float16 kernel: (x r + (-r mu)) weight + bias, both fused.
            xhat = _fused(x, r, -r * mu)
            y = _fused(xhat, 1 if weight is None else weight, 0 if bias is None else bias)
        elif weight is None and bias is not None:
            # Its float32 one: ((x - mu) r) weight + bias. With no weight (a factor 1) the
            # bias is added in a fused (x - mu) r + bias; with no bias, + 0 still turns -0
            # into 0.
            y = _fused(x - mu, r, bias)
        else:
            xhat = (x - mu) * r
            y = xhat + 0 if weight is None else _fused(xhat, weight, 0 if bias is None else bias)
        ctx.save_for_backward(x, weight, mean, rstd)
        ctx.eps = eps
        return y.astype(ctx.dtypes[0], copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        g = grad.astype(x.dtype, copy=False)
        if ctx.dtypes[0] == np.float16:
            # The float32 backward, on the float32 kernel's statistics (8 values a vector):
            # the gradients are then PyTorch's float32 ones rounded once, which the float16
            # kernel's statistics could miss by the last bit before a cancellation.
            mean, var = _moments(x)
            rstd = np.float32(1) / np.sqrt(var + np.float32(ctx.eps))
        r, mu = rstd[:, None], mean[:, None]
        gx = gw = gb = None
        if need_x:
            gx = _input_grad(x, g, weight, mu, r)
        # The weight's and bias's gradients add up the rows in float64, rounded once. PyTorch
        # adds them up in float32, one run of rows per thread, then the runs' sums: its result
        # depends on its number of threads, and its error grows with the rows. This one is
        # within float32's rounding of the exact sum (tests/test_accuracy.py).
        if need_w:
            xhat = _fused(r, x, -r * mu)
            products = g.astype(np.float64)  # (exact; faster than multiply's dtype=float64)
            products *= xhat
            gw = np.add.reduce(products, axis=0)
        if need_b:
            gb = np.add.reduce(g, axis=0, dtype=np.float64)
        return (*(None if a is None else a.astype(dtype, copy=False)
                  for a, dtype in zip((gx, gw, gb), ctx.dtypes, strict=True)), None)


def _input_grad(x, g, weight, mu, r):
    """dL/dx, in PyTorch's order of operations (see LayerNorm)."""
    f = x.dtype.type
    if weight is None:
        ds = _lane_sum(g * x, lambda acc, cols: _fused(g[:, cols], x[:, cols], acc))
        db = _lane_sum(g, lambda acc, cols: acc + g[:, cols])
    else:
        gx_ = g * x
        ds = _lane_sum(gx_ * weight, lambda acc, cols: _fused(gx_[:, cols], weight[cols], acc))
        db = _lane_sum(g * weight, lambda acc, cols: _fused(g[:, cols], weight[cols], acc))
    ds, db = ds[:, None], db[:, None]
    scale = f(1) / f(x.shape[1])
    b = _fused(db, mu, -ds) * r * r * r * scale
    c = _fused(-b, mu, -(db * r * scale))
    return _fused(b, x, r * g * (1 if weight is None else weight)) + c

"""The arithmetic of an update step: PyTorch's fused kernels, rounded as PyTorch rounds them.

In `p - lr * g` NumPy rounds twice (after the product and after the difference). PyTorch's
CPU kernels for `add(x, alpha=a)`, `addcmul` and `lerp` use a fused multiply-add, which
rounds once; in float32 the two often differ in the last bit (on 10% of the elements in a
measurement), and over many steps that grows into a visible drift. `fma` reproduces the single
rounding for float32, so that a float32 run can follow PyTorch's float32 run step for step. In
float64 it rounds twice; that 1-ulp difference (~1e-16) is far below anything a test can see.

An update runs at every step on every parameter, so these functions write their results into
given arrays (`out=`) and take their temporaries from a `Scratch` that the optimizer keeps.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Scratch:
    """Work arrays an optimizer reuses, step after step, for the temporaries of its updates.

    Why not fresh arrays: NumPy takes an array larger than ~128 KB straight from the operating
    system and gives it back when it is freed, so a fresh temporary is new memory at every
    step, and the first touch of each of its pages is a page fault. On a 784x256 layer, Adam's
    fresh temporaries made a step 6x slower than its arithmetic (measured: 9.3 ms against
    1.5 ms). Reused memory stays mapped.

    `scratch(name, like)` is an array of `like`'s shape and dtype (or of `dtype`) whose old
    contents are garbage. Asking again for the same name gives the same memory, so each
    temporary that is alive at the same time as another needs a name of its own. One buffer
    per name, grown to the largest parameter seen, serves every parameter of the optimizer.
    Arrays of fewer than `SMALL` elements are allocated fresh: small allocations are recycled
    by malloc without page faults, and cost less than the bookkeeping here.

    The scratch holds nothing between steps, so it is not part of the optimizer's state_dict.
    """

    SMALL = 4096

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def __call__(self, name: str, like: np.ndarray, dtype: Any = None) -> np.ndarray:
        dtype = like.dtype if dtype is None else np.dtype(dtype)
        if like.size < self.SMALL:
            return np.empty(like.shape, dtype)
        nbytes = like.size * dtype.itemsize
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < nbytes:
            buffer = self._buffers[name] = np.empty(nbytes, np.uint8)
        return buffer[:nbytes].view(dtype).reshape(like.shape)


def fma(a: float | np.ndarray, b: np.ndarray, c: np.ndarray, *, out: np.ndarray,
        scratch: Scratch) -> np.ndarray:
    """`out ← a * b + c` with a single rounding, as PyTorch's CPU kernels compute it.

    Args:
        a: a Python number, first rounded to out's dtype as PyTorch rounds a scalar argument,
            or an array like b.
        b, c: arrays of out's shape and dtype.
        out: receives the result. It may be one of the inputs (`c ← a * b + c`): they are all
            read before it is written.
        scratch: where the temporaries come from.

    Returns:
        out.

    float32: the product of two float32 numbers is exact in float64 (24 + 24 bits fit in 53),
    so only the sum is rounded, first to float64 and then to float32. Rounding twice gives the
    single rounding's result except where the first rounding was inexact and landed exactly
    halfway between two float32 numbers: the second rounding then breaks the tie towards the
    even neighbour, whatever the bits lost by the first one said. Sums exactly halfway are
    common (gradients with few significant bits make them), inexact ones rare, so the halfway
    sums are found and only they are re-rounded, "to odd", before the second rounding.
    """
    if np.ndim(a) == 0:
        a = out.dtype.type(a)
    if out.dtype != np.float32:
        product = np.multiply(a, b, out=scratch("fma product", out))
        return np.add(product, c, out=out)
    # Asked before out is written: c may be out.
    subnormal = _may_round_twice_below_normal(a, c, scratch)
    total = scratch("fma total", out, np.float64)
    total[...] = b
    total *= a  # exact
    total += c  # rounded once, to float64
    suspects = _halfway_suspects(total, subnormal, scratch)
    if suspects.size:
        _round_to_odd(total, suspects, a, b, c)
    out[...] = total
    return out


def lerp(start: np.ndarray, end: np.ndarray, weight: float, *, out: np.ndarray,
         scratch: Scratch) -> np.ndarray:
    """`out ← start + weight * (end - start)`, rounded as PyTorch's `torch.lerp`.

    The weight is rounded to start's dtype first. For weight >= 0.5 PyTorch computes
    `end - (1 - weight) * (end - start)` instead, which is the same number mathematically but
    more accurate when weight is near 1. out may be start or end.
    """
    weight = start.dtype.type(weight)
    difference = np.subtract(end, start, out=scratch("lerp difference", start))
    if abs(weight) < 0.5:
        return fma(weight, difference, start, out=out, scratch=scratch)
    return fma(-(1 - weight), difference, end, out=out, scratch=scratch)


_HALFWAY = np.iinfo(np.int32).min  # 1 followed by 31 zeros
_NO_SUSPECTS = np.zeros(0, np.intp)
# -2 in uint32 arithmetic (modulo 2^32), and 2^32 - 2 · (2^-125 as float32 bits); see below.
_MINUS_TWO = np.uint32(2**32 - 2)
_NEAR_SUBNORMAL = np.uint32(2**32 - 2 * int(np.float32(2.0**-125).view(np.uint32)))


def _may_round_twice_below_normal(a: np.floating | np.ndarray, c: np.ndarray,
                                  scratch: Scratch) -> bool:
    """False when no float64 sum `a * b + c` (a, b, c float32) can be inexact and below 2^-126
    in magnitude, in float32's subnormal range, where the halfway test on the low bits does
    not apply. (True means "maybe": the sums themselves are then examined.)

    Why this is enough: a sum below 2^-126 that float64 cannot hold exactly has bits below
    2^-179, float64's ulp there (2^-126 is 2^53 · 2^-179). c, a float32, is a multiple of
    2^-149, so those bits come from the product, whose lowest bit is then below 2^-179. The
    product has at most 48 significant bits (24 + 24), so |a·b| < 2^(-179+48) = 2^-131, and
    |c| <= |sum| + |a·b| < 2^-126 + 2^-131 < 2^-125. And c is not 0 (a·b alone is exact).

    So it is enough to find a c with 0 < |c| < 2^-125, which is one pass on float32 data
    (cheaper than examining the float64 sums). A scalar a whose lowest bit is at least 2^-30
    (Adam's 1 - β1 = 0.1, lr = 0.01, ...) needs no pass at all: every b is a multiple of
    2^-149, so the product is a multiple of 2^-179.
    """
    if np.ndim(a) == 0 and (float(a) * 2.0**30).is_integer():
        return False
    # The bits of c times -2, in uint32 arithmetic, which wraps around modulo 2^32: the sign bit
    # drops out (2 · 2^31 wraps to 0), ±0 gives 0, and |c| with bits k > 0 gives 2^32 - 2k, the
    # larger the smaller |c|. So 0 < |c| < 2^-125 exactly when the result exceeds
    # 2^32 - 2 · bits(2^-125), and one maximum answers. (One pass over the bits, where doubling
    # and then subtracting 1 to send 0 to the top took two: measured 30 us against 39 on a
    # 784x256 layer. The memory is that of the halfway test's bits, which are not in use yet.)
    negated = np.multiply(c.view(np.uint32), _MINUS_TWO, out=scratch("fma bits", c, np.uint32))
    return bool(negated.max(initial=0) > _NEAR_SUBNORMAL)


def _halfway_suspects(total: np.ndarray, subnormal: bool, scratch: Scratch) -> np.ndarray:
    """Flat indices of the float64 sums in `total` whose rounding to float32 could differ from
    the rounding of their exact values: those exactly halfway between two float32 numbers,
    and, if `subnormal` (see `_may_round_twice_below_normal`), those in float32's subnormal
    range (0 < |t| < 2^-126), where the halfway points have other bit patterns. Sums exactly 0
    are not suspects: moments and parameters that stay 0 (inputs that are always 0, such as an
    image's border pixels) are common.

    This runs on every element at every step and almost always finds nothing, so it first asks
    with one pass that ends in a reduction, without boolean arrays.
    """
    # A float32 number keeps 24 of float64's 53 significant bits; a sum halfway between two of
    # them has 1000...0 in the other 29. Those are in the low 32 bits (a cast to uint32 keeps
    # just them, and the result is half the size of the sums: less memory to go through);
    # shifted to the top, they are 1 followed by 31 zeros, which read as an int32 is its
    # minimum.
    low_bits = scratch("fma bits", total, np.uint32)
    np.copyto(low_bits, total.view(np.uint64), casting="unsafe")
    low_bits <<= 3
    low_bits = low_bits.view(np.int32)
    if low_bits.min(initial=0) != _HALFWAY and not subnormal:
        return _NO_SUSPECTS
    suspect = np.equal(low_bits, _HALFWAY, out=scratch("fma suspect", total, np.bool_))
    if subnormal:
        # total = m·2^e with 1/2 <= |m| < 1 (e = 0 for 0), so e <= -126 exactly when
        # 0 < |total| < 2^-126.
        _, exponent = np.frexp(total, out=(scratch("fma mantissa", total),
                                           scratch("fma exponent", total, np.int32)))
        suspect |= np.less_equal(exponent, -126, out=scratch("fma tiny", total, np.bool_))
    return np.flatnonzero(suspect)


def _round_to_odd(total: np.ndarray, suspects: np.ndarray, a: float | np.ndarray,
                  b: np.ndarray, c: np.ndarray) -> None:
    """Round the float64 sums `total = a * b + c` at the flat indices `suspects` "to odd":
    where a sum is inexact, its last bit is forced to 1, towards the exact value. An odd
    float64 is never halfway between two float32 numbers, so the second rounding, to float32,
    then gives the correctly rounded exact sum."""
    product = np.multiply(a if np.ndim(a) == 0 else np.ravel(a)[suspects], np.ravel(b)[suspects],
                          dtype=np.float64)
    addend = np.ravel(c)[suspects].astype(np.float64)
    sums = total.reshape(-1)  # a view: `total` is contiguous
    t = sums[suspects]
    # Knuth's TwoSum: the exact rounding error of t = product + addend.
    back = t - product
    error = (product - (t - back)) + (addend - back)
    to_fix = np.isfinite(t) & (error != 0) & (t.view(np.int64) % 2 == 0)
    sums[suspects[to_fix]] = np.nextafter(t[to_fix], np.where(error[to_fix] > 0, np.inf, -np.inf))

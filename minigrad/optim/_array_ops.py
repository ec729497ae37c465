"""The tensor operations of SGD's and Adam's updates, on NumPy arrays, rounded as PyTorch rounds.

Each function is the PyTorch method of the same name, with `self` as its first argument:
`add_(p, g, alpha=-lr)` is `p.add_(g, alpha=-lr)`. The in-place ones (ending in `_`) write into
`self` and return it, so they chain as PyTorch's do: `addcmul_(mul_(v, b2), g, g, value=1 - b2)`.

Why not plain NumPy: in `p - lr * g` NumPy rounds twice (after the product and after the
difference). PyTorch's CPU kernels for `add(alpha=)`, `addcmul` and `lerp` use a fused
multiply-add, which rounds once; in float32 the two often differ in the last bit (on 10% of the
elements in a measurement), and over many steps that grows into a visible drift. `_fma`
reproduces the single rounding for float32, so that a float32 run follows PyTorch's float32 run
step for step. In float64 it rounds twice; that 1-ulp difference (~1e-16) is far below anything
a test can see.

Why the temporaries are reused (`_work`): NumPy takes an array larger than ~128 KB straight from
the operating system and gives it back when it is freed, so a fresh temporary is new memory at
every step, and the first touch of each of its pages is a page fault. On a 784x256 layer,
Adam's fresh temporaries made a step 6x slower than its arithmetic (measured: 9.3 ms against
1.5 ms). Reused memory stays mapped. So each function keeps its temporaries here, and the
out-of-place ones (`neg`, `add`, `sqrt`) return a work array too: their result is valid until
the next call of the same function, which is all an update step needs. The work arrays are
per thread and shared by all the thread's optimizers; for Adam on float32 they come to about
five times the memory of the largest parameter, kept for the thread's life.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

# Arrays of fewer elements than this are allocated fresh: small allocations are recycled by
# malloc without page faults, and cost less than the bookkeeping of `_work`.
SMALL = 4096


class _WorkArrays(threading.local):
    """One byte buffer per name, grown to the largest array asked for. Per thread, so that
    optimizers stepping in two threads do not write into each other's temporaries."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}


_work_arrays = _WorkArrays()


def _work(name: str, like: np.ndarray, dtype: Any = None) -> np.ndarray:
    """An array of `like`'s shape and dtype (or of `dtype`) whose old contents are garbage.

    Asking again for the same name gives the same memory, so each temporary that is alive at
    the same time as another needs a name of its own. The names are private to this module;
    'operand' serves lerp_, addcmul_ and addcdiv_, each done with it when it returns.
    """
    dtype = like.dtype if dtype is None else np.dtype(dtype)
    if like.size < SMALL:
        return np.empty(like.shape, dtype)
    nbytes = like.size * dtype.itemsize
    buffer = _work_arrays.buffers.get(name)
    if buffer is None or buffer.size < nbytes:
        buffer = _work_arrays.buffers[name] = np.empty(nbytes, np.uint8)
    return buffer[:nbytes].view(dtype).reshape(like.shape)


# --------------------------------------------------------------------- in place, on `self`
def mul_(self: np.ndarray, value: float) -> np.ndarray:
    """`self ← self · value`, as `Tensor.mul_`: value is rounded to self's dtype first."""
    return np.multiply(self, self.dtype.type(value), out=self)


def div_(self: np.ndarray, value: float) -> np.ndarray:
    """`self ← self / value`, as `Tensor.div_`: value is rounded to self's dtype first, and the
    quotient is rounded once (a true division, not a multiplication by 1/value)."""
    return np.divide(self, self.dtype.type(value), out=self)


def add_(self: np.ndarray, other: np.ndarray | float, alpha: float = 1) -> np.ndarray:
    """`self ← self + alpha · other`, as `Tensor.add_`, rounded once.

    other is an array of self's shape, or a number when alpha is 1 (then a plain sum). PyTorch's
    CPU kernel computes `self + alpha · other` as a fused multiply-add; so does `_fma`, with
    alpha rounded to self's dtype first.
    """
    if alpha == 1:
        return np.add(self, self.dtype.type(other) if np.ndim(other) == 0 else other, out=self)
    return _fma(alpha, np.broadcast_to(other, self.shape), self, out=self)


def lerp_(self: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """`self ← self + weight · (end - self)`, as `Tensor.lerp_` with a number as weight.

    The weight is rounded to self's dtype first. PyTorch computes the difference (rounded),
    then `self + weight · difference` as a fused multiply-add; for weight >= 0.5 it computes
    `end - (1 - weight) · difference` instead, which is the same number mathematically but more
    accurate when weight is near 1.
    """
    weight = self.dtype.type(weight)
    difference = np.subtract(end, self, out=_work("operand", self))
    if abs(weight) < 0.5:
        return _fma(weight, difference, self, out=self)
    return _fma(-(1 - weight), difference, end, out=self)


def addcmul_(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray,
             value: float = 1) -> np.ndarray:
    """`self ← self + value · tensor1 · tensor2`, as `Tensor.addcmul_`.

    PyTorch's CPU kernel rounds `value · tensor1` (value first rounded to self's dtype), then
    computes `(value · tensor1) · tensor2 + self` as a fused multiply-add.
    """
    scaled = np.multiply(tensor1, self.dtype.type(value), out=_work("operand", self))
    return _fma(scaled, tensor2, self, out=self)


def addcdiv_(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray,
             value: float = 1) -> np.ndarray:
    """`self ← self + value · tensor1 / tensor2`, as `Tensor.addcdiv_`.

    PyTorch's CPU kernel rounds after each operation, from left to right: `value · tensor1`
    (value first rounded to self's dtype), its quotient by tensor2, then the sum. No fused
    multiply-add here: a division sits between the product and the sum.
    """
    quotient = np.multiply(tensor1, self.dtype.type(value), out=_work("operand", self))
    quotient /= tensor2
    return np.add(self, quotient, out=self)


# ------------------------------------------------------ out of place, into a work array
def neg(self: np.ndarray) -> np.ndarray:
    """`-self`, as `torch.neg`. The result is valid until the next call of `neg`."""
    return np.negative(self, out=_work("neg", self))


def add(self: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    """`self + alpha · other`, rounded once, as `Tensor.add` (see `add_`). The result is valid
    until the next call of `add`; self may be an earlier result of `add`."""
    return _fma(alpha, other, self, out=_work("add", self))


def sqrt(self: np.ndarray) -> np.ndarray:
    """`√self`, as `torch.sqrt`. The result is valid until the next call of `sqrt`.

    NumPy's square root is correctly rounded; PyTorch's float32 one is not (1 ulp off on ~20%
    of the elements), so a float32 Adam parameter matches PyTorch within a tolerance, not bit
    for bit.
    """
    return np.sqrt(self, out=_work("sqrt", self))


# --------------------------------------------------------------- the single rounding
def _fma(a: float | np.ndarray, b: np.ndarray, c: np.ndarray, *, out: np.ndarray) -> np.ndarray:
    """`out ← a * b + c` with a single rounding, as PyTorch's CPU kernels compute it.

    Args:
        a: a Python number, first rounded to out's dtype as PyTorch rounds a scalar argument,
            or an array like b.
        b, c: arrays of out's dtype whose shapes broadcast to out's.
        out: receives the result. It may be one of the inputs (`c ← a * b + c`): they are all
            read before it is written.

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
        product = np.multiply(a, b, out=_work("fma product", out))
        return np.add(product, c, out=out)
    # Asked before out is written: c may be out.
    subnormal = _may_round_twice_below_normal(a, c)
    total = _work("fma total", out, np.float64)
    total[...] = b
    total *= a  # exact
    total += c  # rounded once, to float64
    suspects = _halfway_suspects(total, subnormal)
    if suspects.size:
        _round_to_odd(total, suspects, a, b, c)
    out[...] = total
    return out


_HALFWAY = np.iinfo(np.int32).min  # 1 followed by 31 zeros
_NO_SUSPECTS = np.zeros(0, np.intp)
# -2 in uint32 arithmetic (modulo 2^32), and 2^32 - 2 · (2^-125 as float32 bits); see below.
_MINUS_TWO = np.uint32(2**32 - 2)
_NEAR_SUBNORMAL = np.uint32(2**32 - 2 * int(np.float32(2.0**-125).view(np.uint32)))


def _may_round_twice_below_normal(a: float | np.ndarray, c: np.ndarray) -> bool:
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
    negated = np.multiply(c.view(np.uint32), _MINUS_TWO, out=_work("fma bits", c, np.uint32))
    return bool(negated.max(initial=0) > _NEAR_SUBNORMAL)


def _halfway_suspects(total: np.ndarray, subnormal: bool) -> np.ndarray:
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
    low_bits = _work("fma bits", total, np.uint32)
    np.copyto(low_bits, total.view(np.uint64), casting="unsafe")
    low_bits <<= 3
    low_bits = low_bits.view(np.int32)
    if low_bits.min(initial=0) != _HALFWAY and not subnormal:
        return _NO_SUSPECTS
    suspect = np.equal(low_bits, _HALFWAY, out=_work("fma suspect", total, np.bool_))
    if subnormal:
        # total = m·2^e with 1/2 <= |m| < 1 (e = 0 for 0), so e <= -126 exactly when
        # 0 < |total| < 2^-126.
        _, exponent = np.frexp(total, out=(_work("fma mantissa", total),
                                           _work("fma exponent", total, np.int32)))
        suspect |= np.less_equal(exponent, -126, out=_work("fma tiny", total, np.bool_))
    return np.flatnonzero(suspect)


def _round_to_odd(total: np.ndarray, suspects: np.ndarray, a: float | np.ndarray,
                  b: np.ndarray, c: np.ndarray) -> None:
    """Round the float64 sums `total = a * b + c` at the flat indices `suspects` "to odd":
    where a sum is inexact, its last bit is forced to 1, towards the exact value. An odd
    float64 is never halfway between two float32 numbers, so the second rounding, to float32,
    then gives the correctly rounded exact sum."""
    def at_suspects(v: float | np.ndarray) -> np.ndarray:
        return np.broadcast_to(v, total.shape).flat[suspects]

    product = np.multiply(a if np.ndim(a) == 0 else at_suspects(a), at_suspects(b),
                          dtype=np.float64)
    addend = at_suspects(c).astype(np.float64)
    sums = total.reshape(-1)  # a view: `total` is contiguous
    t = sums[suspects]
    # Knuth's TwoSum: the exact rounding error of t = product + addend.
    back = t - product
    error = (product - (t - back)) + (addend - back)
    if not error.any():  # all exact (the common case: a halfway sum is most often exact)
        return
    to_fix = np.isfinite(t) & (error != 0) & (t.view(np.int64) % 2 == 0)
    sums[suspects[to_fix]] = np.nextafter(t[to_fix], np.where(error[to_fix] > 0, np.inf, -np.inf))

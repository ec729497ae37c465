"""The Tensor's in-place random fills (uniform_, normal_, bernoulli_, random_, exponential_,
geometric_, cauchy_, log_normal_), with PyTorch's numbers: the recipes are in minigrad/random.py.

Each draws one value per element in row-major order, as PyTorch's serial CPU kernels do, and
writes it through the usual in-place path (a version bump; inside a graph the overwritten
elements get a zero gradient, and a leaf that requires grad is refused).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.checks import scalar_type
from minigrad.random import Generator, _libm, resolve
from minigrad.tensor import Tensor, _overwrite


def _write(self: Tensor, values: np.ndarray) -> Tensor:
    return self._inplace(_overwrite, Tensor._make(np.asarray(values).reshape(self._data.shape)))


def _float_only(self: Tensor, kernel: str) -> None:
    if not dtypes.is_floating(self.dtype):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type(self.dtype)}'")


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *,
             generator: Generator | None = None) -> Tensor:
    """Fill with U(from, to): x * (to - from) + from, x with 24 random bits (53 for float64)."""
    _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    values = resolve(generator)._uniform(self._data.size, self._data.dtype, from_, to)
    values = values.astype(self._data.dtype)
    values[values == values.dtype.type(to)] = from_  # a float32 draw rounded up to `to` in a
    return _write(self, values)                      # smaller type becomes `from`, as PyTorch


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std^2), by PyTorch's path for this size (see Generator._normal)."""
    _float_only(self, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    values = resolve(generator)._normal(self._data.size, self._data.dtype, mean, std,
                                        self._data.flags.c_contiguous)
    return _write(self, values)


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 1 (probability p) or 0: a float64 uniform < p per element.

    With a number p, PyTorch's CPU kernel depends on the processor: on an Intel CPU (with MKL)
    it seeds MKL's MCG31 generator from one random() and uses MKL's own Bernoulli sampler; on
    other CPUs (AMD, ARM) it draws as here. minigrad follows the second path, so with an Intel
    CPU PyTorch's dropout masks differ from minigrad's. A tensor p uses this path everywhere
    (a float32 p compares a float32 uniform, 24 bits, instead).
    """
    gen = resolve(generator)
    n = self._data.size
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, self._data.shape).ravel()
        if probs.dtype == np.float64:
            keep = gen._uniform(n, np.float64) < probs
        else:
            keep = gen._uniform(n, np.float32) < probs.astype(np.float32)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        keep = gen._bernoulli(n, p)
    return _write(self, keep.astype(self._data.dtype))


def random_(self: Tensor, from_: int = 0, to: int | None = None, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with integers on [from, to); random_(to) is [0, to); random_() is [0, 2^mantissa]
    for a float dtype and [0, max] for an integer one."""
    gen = resolve(generator)
    n = self._data.size
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is not None:
        if from_ >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={from_} >= to={to}")
        return _write(self, gen._integers(n, from_, to).astype(self._data.dtype))
    dtype = self._data.dtype
    if dtype == np.bool_:
        return _write(self, (gen._random(n) & np.uint64(1)).astype(dtype))
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        draws = gen._random64(n) if dtype == np.float64 else gen._random(n)
        return _write(self, (draws % np.uint64(2**digits + 1)).astype(dtype))
    top = int(np.iinfo(dtype).max) + 1
    draws = gen._random64(n) if dtype == np.int64 else gen._random(n)
    return _write(self, (draws % np.uint64(top)).astype(dtype))


def exponential_(self: Tensor, lambd: float = 1.0, *,
                 generator: Generator | None = None) -> Tensor:
    """Fill with Exp(lambd): -1/lambd * log1p(-u), u a float64 uniform."""
    _float_only(self, "exponential_cpu")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _write(self, resolve(generator)._exponential(self._data.size, lambd))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of trials to the first success: ceil(log(u) / log1p(-p))."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = resolve(generator)._uniform(self._data.size, np.float64)
    return _write(self, np.ceil(_libm(math.log, u) / math.log1p(-p)))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *,
            generator: Generator | None = None) -> Tensor:
    """Fill with Cauchy(median, sigma): median + sigma * tan(pi * (u - 0.5))."""
    _float_only(self, "cauchy_cpu")
    u = resolve(generator)._uniform(self._data.size, np.float64)
    return _write(self, median + sigma * _libm(math.tan, math.pi * (u - 0.5)))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *,
                generator: Generator | None = None) -> Tensor:
    """Fill with exp(N(mean, std^2)), the normals drawn one at a time in double precision."""
    _float_only(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    values = resolve(generator)._normal_double(self._data.size, mean, std)
    return _write(self, _libm(math.exp, values))


METHODS = (uniform_, normal_, bernoulli_, random_, exponential_, geometric_, cauchy_,
           log_normal_)


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """0/1 samples with the probabilities in `input` (or the number p), as torch.bernoulli."""
    out = Tensor._make(np.empty(input._data.shape, input._data.dtype))
    return bernoulli_(out, input if p is None else p, generator=generator)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Category indices drawn with the (unnormalised) weights in each row of `input`.

    As PyTorch on CPU: without replacement (or for one sample) each weight is divided by an
    Exp(1) draw and the largest quotients win (the Gumbel trick); with replacement each sample
    is a float64 uniform located in the normalised cumulative sums.
    """
    _check_multinomial(input._data, num_samples, replacement)
    gen = resolve(generator)
    weights = input._data.reshape(-1, input._data.shape[-1])
    if not replacement or num_samples == 1:
        q = gen._exponential(weights.size, 1.0).astype(weights.dtype).reshape(weights.shape)
        keys = weights / q
        # topk's order: largest first, ties by the lower index
        picked = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        cum = np.cumsum(weights, axis=1, dtype=weights.dtype)
        cum = cum / cum[:, -1:]
        cum[:, -1] = 1
        u = gen._uniform(weights.shape[0] * num_samples, np.float64)
        u = u.reshape(weights.shape[0], num_samples)
        picked = np.stack([np.searchsorted(c, row, side="left") for c, row in zip(cum, u)])
    return Tensor._make(picked.reshape(input._data.shape[:-1] + (num_samples,)).astype(np.int64))


def _check_multinomial(weights: np.ndarray, num_samples: int, replacement: bool) -> None:
    """PyTorch's checks of multinomial's arguments, in its order and words; the two ways of
    drawing check the weights each in their own way."""
    def fail(message: str) -> None:
        raise RuntimeError(message)

    if weights.ndim not in (1, 2):
        fail("prob_dist must be 1 or 2 dim")
    if weights.dtype.kind != "f":
        fail("multinomial only supports floating-point dtypes for input, got: "
             f"{scalar_type(weights.dtype)}")
    if num_samples <= 0:
        fail("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > weights.shape[-1]:
        fail("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rows = weights.reshape(1, -1) if weights.ndim == 1 else weights
    if not replacement or num_samples == 1:
        if weights.size == 0:
            fail("aminmax(): cannot compute aminmax over an empty dimension as the operation "
                 "has no identity.")
        if not (weights.max() < np.inf and weights.min() >= 0):  # (a nan fails too)
            fail("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(axis=1) == 0).any():
            fail("invalid multinomial distribution (sum of probabilities <= 0)")
        return
    for row in rows:  # one row after another, entry by entry, as PyTorch's kernel
        bad = np.flatnonzero(~(row >= 0) | ~np.isfinite(row))
        if bad.size:
            kind = "< 0" if not row[bad[0]] >= 0 else "= infinity or NaN"
            fail(f"invalid multinomial distribution (encountering probability entry {kind})")
        if not row.sum() > 0:
            fail("invalid multinomial distribution (sum of probabilities <= 0)")


for _method in (*METHODS, bernoulli, multinomial):  # Tensor.uniform_(...), Tensor.bernoulli()...
    setattr(Tensor, _method.__name__, _method)

"""minigrad's random numbers: PyTorch's CPU generator, reproduced bit for bit.

PyTorch's CPU generator is the 32-bit Mersenne Twister (MT19937), seeded as the C++ standard
seeds it (`init_genrand` with the low 32 bits of the seed). NumPy ships the same bit generator,
so `numpy.random.MT19937` gives PyTorch's raw stream. What remains is PyTorch's recipes that turn
raw draws into numbers (ATen's core/TransformationHelper.h and native/cpu/DistributionTemplates.h):

* `random()` is one 32-bit draw; `random64()` is two, the first as the high half.
* A uniform float32 on [0, 1) is the low 24 bits of random() times 2^-24; a float64 the low 53
  bits of random64() times 2^-53. Then `x * (to - from) + from`, compiled to one fused
  multiply-add (rounded once).
* Normal numbers are Box-Muller. A contiguous tensor of 16 or more elements is first filled
  with uniforms, then transformed 16 at a time (8 pairs: element j and j+8); a size that is not
  a multiple of 16 redraws 16 uniforms for its last 16 elements (float16 draws no uniforms
  for them before: PyTorch fills only the whole blocks first). float32 goes through the
  AVX2 polynomials of avx_mathfun.h (emulated in `_avx2_log` and `_avx2_sincos`). Smaller
  tensors draw one number at a time in double precision, and the sine of each pair is kept in
  the generator for the next call (it is part of the generator's state).
* Integers in [low, high) are `random() % range` (random64() once range >= 2^28).

Every draw goes through a `Generator`: the default one (`manual_seed`, `get_rng_state`) or one
passed as `generator=`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_F32 = np.float32
_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a new torch.Generator()
_STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState)


class Generator:
    """A random number generator, as torch.Generator (CPU only)."""

    def __init__(self, device: Any = "cpu") -> None:
        from minigrad import devices
        devices.check(device)
        self._bits = np.random.MT19937(0)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self) -> Any:
        from minigrad.devices import device
        return device("cpu")

    def manual_seed(self, seed: Any) -> Generator:
        """Seed with an integer in [-2^63, 2^64) (a negative seed wraps to 2^64 + seed)."""
        seed = int(seed)
        if not -2**63 <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % 2**64
        self._bits._legacy_seeding(self._seed & 0xFFFFFFFF)  # std::mt19937's init_genrand
        self._fresh = True  # PyTorch's `next` is 0 until the first draw, not 624
        self._next_double: float | None = None  # the cached second Box-Muller sample
        self._next_float: float | None = None
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy (53 bits, as PyTorch); returns the seed."""
        s = int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) & (2**53 - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Any:
        """The state as PyTorch's 5056-byte CPUGeneratorImplState (a uint8 tensor)."""
        from minigrad.tensor import Tensor
        state = self._bits.state["state"]
        pos = int(state["pos"])
        raw = np.zeros(_STATE_SIZE, np.uint8)
        raw[0:8] = np.frombuffer(np.uint64(self._seed).tobytes(), np.uint8)
        raw[8:16] = np.frombuffer(np.array([625 - pos, 1], "<i4").tobytes(), np.uint8)
        raw[16:24] = np.frombuffer(np.uint64(0 if self._fresh else pos).tobytes(), np.uint8)
        raw[24:5016] = np.frombuffer(state["key"].astype("<u8").tobytes(), np.uint8)
        if self._next_double is not None:
            raw[5024:5032] = np.frombuffer(np.float64(self._next_double).tobytes(), np.uint8)
            raw[5040] = 1
        if self._next_float is not None:
            raw[5048:5052] = np.frombuffer(_F32(self._next_float).tobytes(), np.uint8)
            raw[5052] = 1
        return Tensor._make(raw)

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from get_state (or from torch.get_rng_state())."""
        raw = getattr(new_state, "_data", None)
        if raw is None or raw.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if raw.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found "
                               f"the input RNG state size to be {raw.size}")
        raw = np.ascontiguousarray(raw).ravel()
        left = int(raw[8:12].view("<i4")[0])
        key = raw[24:5016].view("<u8").astype(np.uint32)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 625 - left}}
        self._seed = int(raw[0:8].view("<u8")[0])
        self._fresh = int(raw[16:24].view("<u8")[0]) == 0 and left == 1
        self._next_double = float(raw[5024:5032].view("<f8")[0]) if raw[5040] else None
        self._next_float = float(raw[5048:5052].view("<f4")[0]) if raw[5052] else None
        return self

    # ---- raw draws ----------------------------------------------------------------------------

    def _random(self, n: int) -> np.ndarray:
        """n 32-bit draws (PyTorch's random()), as uint64."""
        if n:
            self._fresh = False
        return self._bits.random_raw(n)

    def _random64(self, n: int) -> np.ndarray:
        """n 64-bit draws (PyTorch's random64()): two 32-bit draws, the first the high half."""
        r = self._random(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def _uniform(self, n: int, dtype: Any, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """n floats uniform on [low, high): 24 random bits for float32 (and the smaller float
        types, which PyTorch draws in float32), 53 for float64."""
        if np.dtype(dtype) == np.float64:
            x = (self._random64(n) & np.uint64(2**53 - 1)).astype(np.float64) * 2.0**-53
            if (low, high) != (0.0, 1.0):
                x = _fma64(x, high - low, low)
                x[x == high] = low
            return x
        x32 = (self._random(n) & np.uint64(2**24 - 1)).astype(_F32) * _F32(2.0**-24)
        if (low, high) != (0.0, 1.0):
            lo, hi = _F32(low), _F32(high)
            x32 = _fma32(x32, np.full_like(x32, hi - lo), np.full_like(x32, lo))
            x32[x32 == hi] = lo  # a value rounded up to `high` becomes `low`, as PyTorch
        return x32

    def _normal(self, n: int, dtype: Any, mean: float = 0.0, std: float = 1.0,
                contiguous: bool = True) -> np.ndarray:
        """n normal samples in `dtype`, by PyTorch's path for a tensor of n elements."""
        if n >= 16 and contiguous:
            return _normal_fill(self, n, np.dtype(dtype), mean, std)
        return self._normal_double(n, mean, std).astype(dtype)

    def _normal_double(self, n: int, mean: float, std: float) -> np.ndarray:
        """PyTorch's normal_distribution<double>, one sample at a time: each Box-Muller pair
        returns r cos(theta) and keeps r sin(theta) for the next call."""
        out = np.empty(n)
        start = 0
        if n and self._next_double is not None:
            out[0] = _fma64(np.array([self._next_double]), std, mean)[0]
            self._next_double, start = None, 1
        pairs = (n - start + 1) // 2
        u = self._uniform(2 * pairs, np.float64)
        r = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
        theta = (2.0 * math.pi) * u[0::2]
        cos, sin = r * _libm(math.cos, theta), r * _libm(math.sin, theta)
        values = np.empty(2 * pairs)
        values[0::2], values[1::2] = cos, sin
        out[start:] = _fma64(values[: n - start], std, mean)
        if (n - start) % 2:
            self._next_double = float(sin[-1])
        return out

    def _integers(self, n: int, low: int, high: int) -> np.ndarray:
        """n integers uniform on [low, high), as int64: draw % range + low."""
        span = high - low
        draws = self._random64(n) if span >= 2**28 else self._random(n)
        return ((draws % np.uint64(span)).astype(np.int64) + np.int64(low))

    def _bernoulli(self, n: int, p: float) -> np.ndarray:
        """n booleans, True with probability p: a float64 uniform < p (PyTorch's CPU path for
        a float p on a non-Intel CPU; see bernoulli_ in random_ops.py)."""
        return self._uniform(n, np.float64) < p

    def _exponential(self, n: int, lambd: float) -> np.ndarray:
        """n exponential samples in float64: -1/lambda * log1p(-u)."""
        return (-1.0 / lambd) * _libm(math.log1p, -self._uniform(n, np.float64))

    def _permutation(self, n: int) -> np.ndarray:
        """PyTorch's randperm on CPU: a Fisher-Yates shuffle by random() % (n - i) for
        n < 2^32 / 20, else the 'inside-out' shuffle by random64() % (i + 1)."""
        if n < (2**32 - 1) // 20:
            perm = list(range(n))
            draws = self._random(max(n - 1, 0)).tolist()
            for i, d in enumerate(draws):
                z = i + d % (n - i)
                perm[i], perm[z] = perm[z], perm[i]
            return np.array(perm, np.int64)
        perm_a = np.empty(n, np.int64)  # pragma: no cover (over 200 million elements)
        for i, d in enumerate(self._random64(n).tolist()):
            z = d % (i + 1)
            perm_a[i] = perm_a[z]
            perm_a[z] = i
        return perm_a


def _libm(f: Any, x: np.ndarray) -> np.ndarray:
    """f applied element by element with Python's math (the C library's functions, as PyTorch
    calls them: NumPy's own vectorised log and log1p differ in the last bit now and then)."""
    return np.fromiter(map(f, x.tolist()), np.float64, x.size)


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """a * b + c for float64 with one rounding, as the compiled kernels' fused multiply-add
    (exact product by Dekker's split; exact sum by Knuth's two-sum)."""
    if b == 1.0 and c == 0.0:
        return a
    p = a * b
    split = 134217729.0  # 2^27 + 1
    a_hi = a * split - (a * split - a)
    b_hi = b * split - (b * split - b)
    err = ((a_hi * b_hi - p) + a_hi * (b - b_hi) + (a - a_hi) * b_hi) + (a - a_hi) * (b - b_hi)
    s = p + c
    bb = s - p
    return s + (((p - (s - bb)) + (c - bb)) + err)


def _fma32(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c for float32 with one rounding: the product is exact in float64, and a float64
    sum that falls exactly half-way between two float32 numbers is nudged by the sum's error."""
    p = a.astype(np.float64) * b
    c64 = c.astype(np.float64)
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)
    tie = ((s.view(np.uint64) & np.uint64(2**29 - 1)) == np.uint64(2**28)) & (err != 0)
    if tie.any():
        s = np.where(tie, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s.astype(_F32)


def _avx2_log(x: np.ndarray) -> np.ndarray:
    """log256_ps of avx_mathfun.h (Cephes logf) on float32, with the compiler's fused
    multiply-adds where PyTorch's build has them."""
    x = np.maximum(x, np.array(0x00800000, np.int32).view(_F32))
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F32) + _F32(1)
    x = ((bits & ~0x7F800000) | np.array(0.5, _F32).view(np.int32)).view(_F32)  # in [0.5, 1)
    small = x < _F32(0.707106781186547524)
    x = x - _F32(1) + np.where(small, x, _F32(0))
    e = e - small.astype(_F32)
    z = x * x
    y = np.full_like(x, _F32(7.0376836292e-2))
    for c in (-1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
              -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1):
        y = _fma32(y, x, np.full_like(x, _F32(c)))
    y = _fma32(y * x, z, e * _F32(-2.12194440e-4))
    y = _fma32(z, np.full_like(x, _F32(-0.5)), y)
    return _fma32(e, np.full_like(x, _F32(0.693359375)), x + y)


def _avx2_sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sincos256_ps of avx_mathfun.h (Cephes sinf/cosf) on float32 x >= 0."""
    j = ((x * _F32(1.27323954473516)).astype(np.int32) + 1) & ~1  # octant, made even
    y = j.astype(_F32)
    for c in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8):
        x = _fma32(y, np.full_like(x, _F32(c)), x)  # x - j * pi/4 in three parts
    z = x * x
    cos = np.full_like(x, _F32(2.443315711809948e-5))
    for c in (-1.388731625493765e-3, 4.166664568298827e-2):
        cos = _fma32(cos, z, np.full_like(x, _F32(c)))
    cos = _fma32(cos * z, z, -(z * _F32(0.5))) + _F32(1)
    sin = np.full_like(x, _F32(-1.9515295891e-4))
    for c in (8.3321608736e-3, -1.6666654611e-1):
        sin = _fma32(sin, z, np.full_like(x, _F32(c)))
    sin = _fma32(sin * z, x, x)
    first = (j & 2) == 0  # the octant decides which polynomial gives the sine
    sin, cos = np.where(first, sin, cos), np.where(first, cos, sin)
    return np.where((j & 4) != 0, -sin, sin), np.where(((j - 2) & 4) == 0, -cos, cos)


def _box_muller_16(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """PyTorch's NormalFill16 on rows of 16 uniforms: pairs (j, j+8) become two normals."""
    u = u.reshape(-1, 16)
    if u.dtype == _F32:
        radius = np.sqrt(_F32(-2) * _avx2_log(_F32(1) - u[:, :8]))
        sin, cos = _avx2_sincos(_F32(2.0 * math.pi) * u[:, 8:])
        values = np.concatenate([radius * cos, radius * sin], axis=1)
        m, s = np.full_like(values, _F32(mean)), np.full_like(values, _F32(std))
        return _fma32(values, s, m).ravel()
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8].ravel()))
    theta = (2.0 * math.pi) * u[:, 8:].ravel()
    values = np.concatenate([(radius * _libm(math.cos, theta)).reshape(-1, 8),
                             (radius * _libm(math.sin, theta)).reshape(-1, 8)], axis=1)
    return _fma64(values.ravel(), std, mean)


def _normal_fill(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """PyTorch's normal_fill: n uniforms, Box-Muller on each block of 16, and for a ragged end
    16 fresh uniforms transformed into the last 16 elements. float16 (PyTorch's path for the
    reduced float types, in float32) draws uniforms for the whole blocks only, not n."""
    work = _F32 if dtype != np.float64 else np.float64
    full = n - n % 16
    u = gen._uniform(full if dtype == np.float16 else n, work)
    out = np.empty(n, work)
    out[:full] = _box_muller_16(u[:full], mean, std)
    if n % 16:  # (n >= 16: the last 16 cover the ragged end)
        out[n - 16:] = _box_muller_16(gen._uniform(16, work), mean, std)
    return out.astype(dtype)


default_generator = Generator()
default_generator.seed()  # PyTorch seeds its default generator from the system at start


def manual_seed(seed: Any) -> Generator:
    """Seed the default generator (as torch.manual_seed); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    default_generator.set_state(new_state)


def resolve(generator: Generator | None) -> Generator:
    """The generator to draw from: the one given, else the default."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, got {type(generator).__name__}")
    return generator


def generator() -> np.random.Generator:
    """A NumPy generator seeded from one 64-bit draw of the default generator: reproducible
    with manual_seed, for code that has not moved to minigrad's own draws (the numbers are not
    PyTorch's)."""
    return np.random.default_rng(int(default_generator._random64(1)[0]))

"""Weight initialisation, as torch.nn.init: each function fills a tensor in place with draws
from minigrad's generator (so `manual_seed` makes it reproducible) and returns it.

The scaled schemes keep the variance of activations roughly constant from layer to layer:

* Xavier/Glorot: std = gain * sqrt(2 / (fan_in + fan_out));
* Kaiming/He: std = gain / sqrt(fan), with fan = fan_in (forward pass) or fan_out (backward).

A uniform distribution U(-b, b) has std b / sqrt(3), hence the sqrt(3) in the uniform versions.
The fill does not record a graph: it writes the array behind the tensor, as PyTorch's init
functions run under no_grad.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from minigrad import random_ops
from minigrad.autograd.grad_mode import no_grad
from minigrad.random import Generator
from minigrad.tensor import Tensor

_GAINS = {"linear": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "conv_transpose1d": 1.0,
          "conv_transpose2d": 1.0, "conv_transpose3d": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3,
          "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity shrinks the std of its input, to compensate for.

    leaky_relu with negative slope a (default 0.01): sqrt(2 / (1 + a^2)). Others: linear and
    conv 1, sigmoid 1, tanh 5/3, relu sqrt(2), selu 3/4.
    """
    if nonlinearity == "leaky_relu":
        if param is None:
            param = 0.01
        elif isinstance(param, bool) or not isinstance(param, (int, float)):
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + param**2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
    return _GAINS[nonlinearity]


def _fill(tensor: Tensor, values: np.ndarray | float, writes: int = 1) -> Tensor:
    """Write `values` into the tensor's own array (cast to its dtype) and return the tensor,
    its version moved on by the in-place writes PyTorch's initialiser makes (`writes`)."""
    tensor._data[...] = values
    (tensor._storage or tensor._shared_storage()).version += writes
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    with no_grad():
        return random_ops.uniform_(tensor, a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    with no_grad():
        return random_ops.normal_(tensor, mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return _fill(tensor, 0)


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Inputs and outputs that each weight connects: a (out, in, *kernel) weight has
    fan_in = in * prod(kernel) and fan_out = out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Generator | None = None) -> Tensor:
    """Fill with U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Generator | None = None) -> Tensor:
    """Fill with N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _warn_if_empty(tensor: Tensor) -> bool:
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Fill with U(-b, b), b = sqrt(3) * gain / sqrt(fan) (He et al., 2015).

    `a` is the negative slope of leaky_relu. nn.Linear uses a = sqrt(5), which gives
    b = 1/sqrt(fan_in).
    """
    if _warn_if_empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """Fill with N(0, std^2), std = gain / sqrt(fan)."""
    if _warn_if_empty(tensor):
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std^2) restricted to [a, b], by rejection, as PyTorch draws it.

    With P = the normal's mass on [a, b]: if P > 0.3, draw normals and redraw (a whole new
    tensor of them) wherever a value fell outside [a, b]. Otherwise draw candidates from
    U(a, b) and keep each with probability pdf(c) / pdf(mode): u < exp(log_pdf(c) -
    log_pdf(mode)), tested as log(u) < ..., redrawing the rejected ones.
    """
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    values, dtype = tensor._data, tensor._data.dtype
    work = np.promote_types(dtype, np.float32).type  # (float32 for float16)

    def draw(fill: str, *args: float) -> np.ndarray:
        fresh = Tensor._make(np.empty_like(values))
        return getattr(random_ops, fill)(fresh, *args, generator=generator)._data

    def above_peak(candidates: np.ndarray) -> np.ndarray:
        """log_pdf(c) - log_pdf(mode), each step rounded in the tensor's dtype as PyTorch's
        (whose division of a float16 tensor takes std in float32, not rounded to float16)."""
        z = ((candidates - dtype.type(mean)).astype(work) / work(std)).astype(dtype)
        return z * z * dtype.type(-0.5) - dtype.type(log_peak)

    def log_uniform() -> np.ndarray:
        """log(u) for u ~ U(0, 1): -inf for a 0 (a float16 draw can round to it), without
        NumPy's warning, as PyTorch's log_."""
        with np.errstate(divide="ignore"):
            return np.log(draw("uniform_", 0.0, 1.0))

    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        lo, hi = float(dtype.type(a)), float(dtype.type(b))
        result = first = draw("normal_", mean, std)
        while (outside := (result < lo) | (result > hi)).any():
            result = np.where(outside, draw("normal_", mean, std), result)
    else:
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        result = first = draw("uniform_", a, b)
        pending = log_uniform() > above_peak(result)
        while pending.any():
            candidates = draw("uniform_", a, b)
            result = np.where(pending, candidates, result)
            pending &= log_uniform() > above_peak(candidates)
    # (PyTorch draws into the tensor, and copies the redrawn result over it if it had to)
    return _fill(tensor, result, writes=1 if result is first else 2)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix, the tensor seen as (size(0), the rest): the Q of
    the QR factorisation of a matrix of standard normals, its columns' signs set by R's
    diagonal (so Q is uniform over the orthogonal matrices), times `gain`."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    normals = random_ops.normal_(Tensor._make(np.empty((rows, cols), tensor._data.dtype)),
                                 0.0, 1.0, generator=generator)._data
    if normals.dtype == np.float16:  # (refused after the draws, as PyTorch's QR refuses it)
        raise NotImplementedError("\"geqrf_cpu\" not implemented for 'Half'")
    flat = normals.T if rows < cols else normals
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diagonal(r))
    q = q.T if rows < cols else q
    return _fill(tensor, q.reshape(tensor._data.shape) * tensor._data.dtype.type(gain),
                 writes=2)  # (PyTorch copies Q in, then multiplies by the gain)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Generator | None = None) -> Tensor:
    """Fill a matrix with N(0, std^2) and set ceil(sparsity * rows) random entries of each
    column to 0. (As in PyTorch, the rows to clear come from the global generator.)"""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    from minigrad.creation import randperm

    rows, cols = tensor._data.shape
    zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0.0, std, generator)
    with no_grad():
        for col in range(cols):
            tensor[randperm(rows)[:zeros], col] = 0
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a convolution's weight (3, 4 or 5 dims) with the Dirac delta: each output channel
    of a group copies one input channel at the kernel's centre, so the layer is the identity."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor._data.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    _fill(tensor, 0)
    centre = tuple(n // 2 for n in sizes[2:])
    with no_grad():
        for g in range(groups):
            for d in range(min(per_group, sizes[1])):
                tensor[(g * per_group + d, d, *centre)] = 1
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fill a matrix with the identity (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def _deprecated(function: Any) -> Any:
    """PyTorch's old names without the trailing underscore: the same function, with a
    FutureWarning naming the new one."""
    new = function.__name__
    old = new[:-1]

    def old_form(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
                      FutureWarning, stacklevel=2)
        return function(*args, **kwargs)

    old_form.__name__ = old
    return old_form


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)

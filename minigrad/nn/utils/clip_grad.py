"""Gradient clipping: bound the gradients after backward() and before the optimizer's step.

* `clip_grad_norm_` scales all gradients by one common factor when their total norm exceeds
  `max_norm`. The step keeps its direction and only gets shorter.
* `clip_grad_value_` clamps each gradient element to [-clip_value, clip_value]. Large elements
  are cut and small ones are not, so the direction of the step changes.

Both work in place on the existing `.grad` tensors (the same objects stay in `.grad`). They skip
parameters whose `.grad` is None, as PyTorch does.
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Iterable

import numpy as np

from minigrad import dtypes
from minigrad.tensor import Tensor

TensorsT = Tensor | Iterable[Tensor]


def clip_grad_norm_(parameters: TensorsT, max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total p-norm is at most `max_norm`.

    With g_1, ..., g_k the gradients:

        total = ‖(‖g_1‖_p, ..., ‖g_k‖_p)‖_p          (get_total_norm)
        coef  = min(1, max_norm / (total + 1e-6))
        g_i   ← coef · g_i                           (clip_grads_with_norm_)

    For finite p > 0, `total` equals the p-norm of all gradient elements together,
    (Σ|g|^p)^(1/p). For p = inf it is the largest |g|. The 1e-6 guards against division by
    zero, so a norm exactly equal to max_norm is still scaled by a factor just below 1. Other
    orders give PyTorch's results, which follow from the norm-of-norms formula: p = 0 counts the
    gradients that are not all zero, and p = -inf gives the smallest per-gradient minimum.

    Args:
        parameters: one tensor or an iterable of tensors (e.g. `model.parameters()`).
        max_norm: the largest total norm allowed. It is not validated: 0 zeroes the gradients
            and a negative value flips their sign, as in PyTorch.
        norm_type: p, any float, or 'inf' / float('inf') for the max norm.
        error_if_nonfinite: raise instead of scaling when the total norm is nan or inf.
            Without this flag, an inf norm gives coef 0 (finite entries become 0 and infinite
            ones nan) and a nan norm makes every gradient nan.
        foreach: accepted, as PyTorch's switch between two implementations of the same numbers.

    Returns the total norm before clipping, a 0-d tensor in the gradients' dtype (float64 if
    any is float64); tensor(0.) when no parameter has a gradient.
    """
    params = _as_list(parameters)
    if isinstance(parameters, types.GeneratorType) and not params:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      UserWarning, stacklevel=2)
    grads = _grads(params)
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    _scale(grads, max_norm, total_norm)  # (clip_grads_with_norm_, on the gradients in hand)
    return total_norm


@np.errstate(all="ignore")  # inf and nan are results here, as in PyTorch, not errors
def get_total_norm(tensors: TensorsT, norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """‖(‖t_1‖_p, ..., ‖t_k‖_p)‖_p, the total p-norm of `tensors` (gradients, usually).

    Raises ValueError for a norm_type string other than 'inf' (float()'s, as PyTorch's), and
    RuntimeError if error_if_nonfinite is set and the norm is nan or inf, or for p = ±inf and
    an empty tensor (max has no identity).
    """
    arrays = [t._data for t in _as_list(tensors)]
    norm_type = float(norm_type)
    if not arrays:
        return Tensor._make(np.array(0.0, dtype=np.float32))
    total_norm = _vector_norm(np.array([_vector_norm(a, norm_type) for a in arrays]), norm_type)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return Tensor._make(np.asarray(total_norm))


def clip_grads_with_norm_(parameters: TensorsT, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    """Multiply every gradient by min(1, max_norm / (total_norm + 1e-6)), in place, rounded
    as PyTorch rounds it (_clip_coef)."""
    _scale(_grads(_as_list(parameters)), max_norm, total_norm)


@np.errstate(all="ignore")  # (a decorator costs half a with block; inf * 0 is nan, as in PyTorch)
def _scale(grads: list[Tensor], max_norm: float, total_norm: Tensor) -> None:
    coef = _clip_coef(total_norm._data, max_norm)
    for g in grads:  # (PyTorch multiplies by 1 too: no number changes, the version does)
        if coef != 1:
            g._data *= g._data.dtype.type(coef)
        (g._storage or g._shared_storage()).version += 1


def clip_grad_value_(parameters: TensorsT, clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place.

    nan stays nan. clip_value is not validated: a negative value sets every element to
    -|clip_value|, as PyTorch's clamp(min=-c, max=c) does when min > max.

    Where PyTorch raises an obscure RuntimeError ("Expected !nested_tensorlist[0].empty()")
    for an empty list or when no parameter has a gradient, minigrad does nothing: there is
    nothing to clip.

    Args:
        parameters: one tensor or an iterable of tensors (e.g. `model.parameters()`).
        clip_value: the largest magnitude allowed.
    """
    for g in _grads(_as_list(parameters)):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        (g._storage or g._shared_storage()).version += 2  # (PyTorch's clamp_min_, clamp_max_)


def _as_list(parameters: TensorsT) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _grads(params: list[Tensor]) -> list[Tensor]:
    return [g for g in [p.grad for p in params] if g is not None]


def _clip_coef(total_norm: np.ndarray, max_norm: float) -> np.ndarray:
    """min(1, max_norm / (total_norm + 1e-6)) as PyTorch computes it: `number / tensor` as the
    reciprocal times the number (two roundings), and for a float16 norm each Python number
    combined in float32, then rounded to float16 (NumPy would round the number to float16
    first: 1e-6 to 9.5e-7, and 0.3333 * 0.01 would land a float16 ulp away)."""
    wide = dtypes.accumulate_dtype(total_norm.dtype)
    if wide is total_norm.dtype:  # (nothing to widen: astype would cost more than the rest)
        return np.minimum((1 / (total_norm + 1e-6)) * max_norm, 1.0)
    shifted = (total_norm.astype(wide) + 1e-6).astype(total_norm.dtype)
    return np.minimum(((1 / shifted).astype(wide) * max_norm).astype(total_norm.dtype), 1.0)


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    """‖x‖_p over all elements of x, in x's dtype: the same p-norm as `Tensor.norm` (which,
    like PyTorch, returns |x| for a single element, without powers that could overflow)."""
    if math.isinf(p) and x.size == 0:
        raise RuntimeError(
            f"cannot compute the {p} norm on an empty tensor because the operation does "
            "not have an identity"
        )
    if p == 2 and x.size > 0:
        # The default order, computed here rather than by the engine: Tensor.norm wraps the
        # same sum of squares in a graph node, which costs 8x the arithmetic on a small
        # gradient (measured: 10 µs against 1.2 µs for 400 elements), and a model has many.
        if x.size == 1:
            return np.abs(x.reshape(()))
        wide = dtypes.accumulate_dtype(x.dtype)
        if wide is x.dtype:
            return np.sqrt(np.vdot(x, x))
        # float16 squares add up in float32, as in Tensor.norm: 300^2 + 400^2 overflows float16
        widened = x.astype(wide)
        return np.sqrt(np.vdot(widened, widened)).astype(x.dtype)
    return Tensor._make(x).norm(p)._data

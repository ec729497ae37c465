"""Undoing broadcasting, in one place: the engine sums every gradient that an operation returns
in a broadcast shape back to its input's shape with `unbroadcast` (engine._fit), so no
operation's backward has to.

If `a` of shape (3, 1) is added to `b` of shape (4,), NumPy treats both as shape (3, 4): `a` is
repeated along its size-1 axis and `b` gains a leading axis. Each repeated copy passes the
gradient back to the same input element, so the gradient must be summed over the axes that
broadcasting created (leading ones are removed, size-1 ones are kept with size 1).
"""

from __future__ import annotations

import numpy as np

from minigrad.dtypes import add_up_dtype


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, the shape of the input before broadcasting."""
    if grad.shape == shape:
        return grad
    if not shape:  # a 0-d input (a scalar weight): the sum of all of grad
        total = np.add.reduce(grad, axis=None, dtype=add_up_dtype(grad, None))
        return np.asarray(total, grad.dtype)
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra))
    # np.add.reduce is .sum() without its wrapper; add_up_dtype: as accurate as PyTorch's sum
    if grad.shape[extra:] == shape:  # only leading axes were added (a Linear's bias)
        total = np.add.reduce(grad, axis=axes, dtype=add_up_dtype(grad, axes))
    else:  # size-1 axes that broadcasting repeated are summed too, and kept with size 1
        axes += tuple(i for i in range(extra, grad.ndim)
                      if shape[i - extra] == 1 and grad.shape[i] != 1)
        total = np.add.reduce(grad, axis=axes, dtype=add_up_dtype(grad, axes), keepdims=True)
        total = total.reshape(shape)
    return total if total.dtype is grad.dtype else total.astype(grad.dtype)


def expand(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`grad` repeated along the axes a reduction removed (size 1 in `grad`) up to `shape`: the
    backward of a sum, where every input element receives the same output gradient.

    The gradient of a full reduction (0-d, as of `loss.mean()`) is written into a new array:
    for the small arrays where speed matters that is ten times faster than `np.broadcast_to`,
    whose view the other cases get (read-only, so nothing can write through it).
    """
    if grad.ndim == 0:
        out = np.empty(shape, grad.dtype)
        out.fill(grad)
        return out
    return np.broadcast_to(grad, shape)


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether a tensor of `shape` broadcasts to `target` (PyTorch's is_expandable_to)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, target[lead:]))

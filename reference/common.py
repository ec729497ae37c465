"""What the reference programs share: moving NumPy arrays into either library and the
measurements every program reports.

The programs need nothing here to start both libraries from the same weights: minigrad's random
numbers are PyTorch's bit for bit, so ``lib.manual_seed(SEED)`` before building a model gives the
same default initialisation (and later the same Dropout masks) on both.

Every function here takes the library (`torch` or `minigrad`) as an argument or works on its
tensors through the API the two share, so a program never has to ask which library it runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import numpy as np

# progress(step, total, loss), called after each step; the demo command draws a bar with it.
Progress = Callable[[int, int, float], None]


def tensor(lib: ModuleType, array: Any, dtype: str, **kwargs: Any) -> Any:
    """`array` as a tensor of `lib` with the floating dtype named `dtype` ("float32"/"float64")."""
    return lib.tensor(np.asarray(array, dtype=dtype), **kwargs)


def grad_norm(parameters: Iterable[Any]) -> float:
    """The total 2-norm of the gradients, measured in float64 outside either library.

    This only observes the training (it is not part of it), so one NumPy formula serves both
    libraries and cannot hide a difference between them.
    """
    grads = [p.grad.detach().numpy().astype(np.float64) for p in parameters if p.grad is not None]
    with np.errstate(over="ignore"):  # a blown-up gradient has an infinite norm, as it should
        return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))


def final_params(named_parameters: Iterable[tuple[str, Any]]) -> dict[str, np.ndarray]:
    """A copy of each parameter's final values as a NumPy array, by name."""
    return {name: p.detach().numpy().copy() for name, p in named_parameters}


def check_variant(module_name: str, variants: tuple[str, ...], variant: str | None) -> str:
    """`variant`, or the default (first) one when None; ValueError naming the valid ones."""
    if variant is None:
        return variants[0]
    if variant not in variants:
        raise ValueError(
            f"{module_name} has no variant {variant!r}; valid variants: {', '.join(variants)}"
        )
    return variant


def check_dtype(dtype: str) -> str:
    """`dtype` if it is one the programs run in; ValueError otherwise."""
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dtype

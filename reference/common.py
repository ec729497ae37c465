"""What the reference programs share: moving NumPy arrays into either library, one set of
initial weights for both libraries, and the measurements every program reports.

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


def initial_state(model: Any, seed: int) -> dict[str, np.ndarray]:
    """Initial weights for `model`, drawn by NumPy so that both libraries start from them.

    The shapes and names come from the model's state_dict. Each weight matrix (out, in) is drawn
    from U(-1/sqrt(in), 1/sqrt(in)), the range of PyTorch's default for Linear, and each bias
    with the bound of the matrix before it. (nn.RNN's default draws every tensor with
    1/sqrt(hidden_size) instead; for these lessons only the order of magnitude matters.)
    """
    rng = np.random.default_rng(seed)
    init: dict[str, np.ndarray] = {}
    bound = 1.0
    for name, value in model.state_dict().items():
        shape = tuple(value.shape)
        if len(shape) >= 2:
            bound = 1.0 / np.sqrt(shape[1])
        init[name] = rng.uniform(-bound, bound, size=shape)
    return init


def load_initial_state(lib: ModuleType, model: Any, init: dict[str, np.ndarray], dtype: str) -> Any:
    """Move `model` to `dtype` and load `init` into it; returns the model."""
    model.to(getattr(lib, dtype))
    model.load_state_dict({k: tensor(lib, v, dtype) for k, v in init.items()})
    return model


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

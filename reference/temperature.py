"""Fit Celsius from Fahrenheit with a line, by hand-written gradient descent.

The tutorial's first training loop: eleven thermometer readings `t_u` in an unknown unit and
the true temperatures `t_c` in Celsius, the model `t_p = w * t_u + b`, the mean squared error,
and the update written out by hand:

    with no_grad():
        params -= lr * params.grad

where backward() has computed, with the residuals r_i = w * t_u_i + b - t_c_i,

    dL/dw = (2/N) * sum_i r_i * t_u_i        dL/db = (2/N) * sum_i r_i

The variants are the tutorial's lessons about the learning rate and the scale of the inputs:

* ``scaled``: inputs multiplied by 0.1, lr 1e-2, 5000 epochs. It converges to loss 2.927648,
  w 5.3671, b -17.3012 (the tutorial's numbers; w is for the scaled input).
* ``raw``: the raw inputs with lr 1e-2. dL/dw carries the factor t_u (about 50) that dL/db
  does not, the step for w overshoots further each epoch, and the loss reaches inf at epoch 11
  in float32 (epoch 88 in float64), then nan. The non-finite losses are kept: the blow-up is
  the lesson.
* ``small-lr``: the raw inputs with lr 1e-4. Stable, but b barely moves in 5000 epochs.
* ``clipped``: the raw inputs with lr 1e-2 again, rescued by
  ``clip_grad_norm_(params, max_norm=1.0)`` before each update: every step is at most
  lr * max_norm long, so the loss cannot explode (it still descends slowly: the inputs are badly
  scaled).
* ``adam``: the raw inputs with Adam, lr 1e-1, 2000 epochs. Adam scales each parameter's step by
  its own gradient history, so the bad scaling does not matter: it reaches the scaled fit.

``run`` returns, besides the losses and final ``params`` (the tensor ``[w, b]``), the gradient
norm of each epoch before clipping (and, for ``clipped``, after it) and ``data``:
``{"t_u", "t_c", "scale"}``, the readings and the factor the model's input was multiplied by
(a prediction is ``w * scale * t_u + b``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from .common import Progress, check_dtype, check_variant, grad_norm, tensor

NAME = "temperature"
TITLE = "Fit Celsius from Fahrenheit: learning rate, input scale, clipping, Adam"
VARIANTS = ("scaled", "raw", "small-lr", "clipped", "adam")

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


class Setting(NamedTuple):
    """How one variant trains."""

    scale: float  # the model sees scale * t_u
    lr: float
    epochs: int
    max_norm: float | None  # clip_grad_norm_ before each update, unless None
    adam: bool  # optim.Adam instead of the hand-written update


SETTINGS = {
    "scaled": Setting(scale=0.1, lr=1e-2, epochs=5000, max_norm=None, adam=False),
    "raw": Setting(scale=1.0, lr=1e-2, epochs=100, max_norm=None, adam=False),
    "small-lr": Setting(scale=1.0, lr=1e-4, epochs=5000, max_norm=None, adam=False),
    "clipped": Setting(scale=1.0, lr=1e-2, epochs=5000, max_norm=1.0, adam=False),
    "adam": Setting(scale=1.0, lr=1e-1, epochs=2000, max_norm=None, adam=True),
}


def run(
    lib: ModuleType,
    variant: str | None = None,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the line on `lib` (torch or minigrad); `steps` overrides the number of epochs."""
    variant = check_variant(NAME, VARIANTS, variant)
    check_dtype(dtype)
    scale, lr, epochs, max_norm, adam = SETTINGS[variant]
    epochs = epochs if steps is None else steps

    t_c = tensor(lib, T_C, dtype)
    # The scaling is done by NumPy, once, so both libraries see the same rounded inputs.
    t_u = tensor(lib, np.asarray(T_U, dtype=dtype) * np.asarray(scale, dtype=dtype), dtype)
    params = tensor(lib, [1.0, 0.0], dtype, requires_grad=True)
    optimizer = lib.optim.Adam([params], lr=lr) if adam else None

    losses: list[float] = []
    grad_norms: list[float] = []
    clipped_norms: list[float] = []
    for epoch in range(1, epochs + 1):
        if params.grad is not None:
            params.grad.zero_()
        w, b = params
        t_p = w * t_u + b
        loss = ((t_p - t_c) ** 2).mean()
        loss.backward()

        if max_norm is not None:
            grad_norms.append(float(lib.nn.utils.clip_grad_norm_(params, max_norm)))
            clipped_norms.append(grad_norm([params]))
        else:
            grad_norms.append(grad_norm([params]))
        if optimizer is not None:
            optimizer.step()
        else:
            with lib.no_grad():
                params -= lr * params.grad

        losses.append(loss.item())
        if progress is not None:
            progress(epoch, epochs, losses[-1])

    result = {
        "losses": losses,
        "params": {"params": params.detach().numpy().copy()},
        "grad_norms": grad_norms,
        "data": {
            "t_u": np.asarray(T_U, dtype=dtype),
            "t_c": np.asarray(T_C, dtype=dtype),
            "scale": scale,
        },
    }
    if max_norm is not None:
        result["clipped_norms"] = clipped_norms
    return result

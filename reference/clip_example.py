"""The clipping tutorial's example, done right: gradients [1, 2, 3, 4, 5] and max_norm 3.

`clip_grad_norm_` measures the total 2-norm of all the gradients, ‖g‖ = √55 = 7.4162, and
because it is above max_norm it multiplies every gradient by one common factor:

    coef = max_norm / (‖g‖ + 1e-6) = 0.404520
    g    ← coef · g  = [0.4045, 0.8090, 1.2136, 1.6181, 2.0226]      (norm 3)

It returns the norm measured before clipping (7.4162), not the one after. (The tutorial prints
3.1623 and gradients of norm 3.996: it got this wrong.)

The ``value`` variant shows the other kind of clipping for contrast:
``clip_grad_value_(p, clip_value=3)`` clamps each element to [-3, 3], giving [1, 2, 3, 3, 3]:
small elements are kept and large ones cut, so the direction changes.

There is no training here, so "losses" is empty and ``steps`` and ``progress`` are unused;
"params" holds the clipped gradient (``{"grad": ...}``), "grad_norms" the norm before clipping
(``clip_grad_norm_``'s result; for ``value``, measured), "clipped_norms" the norm after.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .common import Progress, check_dtype, check_variant, grad_norm, tensor

NAME = "clip_example"
TITLE = "Clip the gradients [1, 2, 3, 4, 5] to norm 3, done right"
VARIANTS = ("norm", "value")

GRADIENTS = [1.0, 2.0, 3.0, 4.0, 5.0]
MAX_NORM = 3.0
CLIP_VALUE = 3.0


def run(
    lib: ModuleType,
    variant: str | None = None,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Clip the example gradients on `lib` (torch or minigrad)."""
    variant = check_variant(NAME, VARIANTS, variant)
    check_dtype(dtype)
    p = tensor(lib, [0.0] * len(GRADIENTS), dtype, requires_grad=True)
    p.grad = tensor(lib, GRADIENTS, dtype)

    if variant == "norm":
        total_norm = float(lib.nn.utils.clip_grad_norm_(p, max_norm=MAX_NORM))
    else:
        total_norm = grad_norm([p])
        lib.nn.utils.clip_grad_value_(p, clip_value=CLIP_VALUE)

    return {
        "losses": [],
        "params": {"grad": p.grad.detach().numpy().copy()},
        "grad_norms": [total_norm],
        "clipped_norms": [grad_norm([p])],
    }

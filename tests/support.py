"""What every test module shares: moving values between minigrad and PyTorch, and comparing them
with the tolerance each dtype deserves."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad as mg

# float64 should agree to rounding noise; float32 follows PyTorch's own rounding, which is not
# always correctly rounded (see ../shared/torch-behavior.md, section 0).
TOLERANCES = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6),
}

DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def to_numpy(value) -> np.ndarray:
    """The values of a minigrad tensor, a torch tensor or an array, as a NumPy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, mg.Tensor):
        return value.detach().numpy()
    return np.asarray(value)


def to_torch(array, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.array(array), requires_grad=requires_grad)


def to_mg(array, requires_grad: bool = False) -> mg.Tensor:
    return mg.tensor(np.array(array), requires_grad=requires_grad)


def assert_close(actual, expected, dtype=None, scale: float = 1.0, what: str = "") -> None:
    """Assert minigrad's `actual` equals PyTorch's `expected` within the tolerance of `dtype`.

    `scale` multiplies the absolute tolerance: use the magnitude of the inputs when the expected
    value is a difference of large terms (a sum that nearly cancels), never to hide a mismatch.
    Shapes and dtypes must match exactly; nan and inf must sit in the same places.
    """
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what} shape {a.shape} != expected {e.shape}"
    assert a.dtype == e.dtype, f"{what} dtype {a.dtype} != expected {e.dtype}"
    tol = TOLERANCES.get(np.dtype(dtype or e.dtype), dict(rtol=0, atol=0))
    np.testing.assert_allclose(
        a, e, rtol=tol["rtol"], atol=tol["atol"] * scale, equal_nan=True, err_msg=what
    )


def engine_xfail(cases, known_failures: dict[str, str]) -> list:
    """The names in `cases` as pytest parameters, those in `known_failures` (name -> reason)
    marked as strict expected failures: places where the engine disagrees with PyTorch, kept
    visible until the engine is fixed (a fix turns them into errors that ask to drop the mark)."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=known_failures[name]))
        if name in known_failures else name
        for name in cases
    ]

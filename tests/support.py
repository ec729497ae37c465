"""What every test module shares: moving values between minigrad and PyTorch, and comparing them
with the tolerance each dtype deserves (`assert_close` and `TOLERANCES` are minigrad's public
ones, from minigrad.testing)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.testing.compare import TOLERANCES, assert_close, to_numpy

__all__ = [
    "DTYPES", "TOLERANCES", "assert_close", "engine_xfail", "to_mg", "to_numpy", "to_torch",
]

DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def to_torch(array, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.array(array), requires_grad=requires_grad)


def to_mg(array, requires_grad: bool = False) -> mg.Tensor:
    return mg.tensor(np.array(array), requires_grad=requires_grad)


def engine_xfail(cases, known_failures: dict[str, str]) -> list:
    """The names in `cases` as pytest parameters, those in `known_failures` (name -> reason)
    marked as strict expected failures: places where the engine disagrees with PyTorch, kept
    visible until the engine is fixed (a fix turns them into errors that ask to drop the mark)."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=known_failures[name]))
        if name in known_failures else name
        for name in cases
    ]

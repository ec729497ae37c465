"""What every test module shares: moving values between minigrad and PyTorch, and comparing them
with the tolerance each dtype deserves (`assert_close` and `TOLERANCES` are minigrad's public
ones, from minigrad.testing)."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.testing.compare import TOLERANCES, assert_close, to_numpy

__all__ = [
    "DTYPES", "TOLERANCES", "assert_close", "assert_shown", "engine_xfail", "to_mg", "to_numpy",
    "to_torch", "torch_graph", "torch_node_name",
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


def assert_shown(text: str, expected: float, dtype, what: str = "") -> None:
    """`text`, a number printed with a few significant digits (such as format `.4g`), is
    PyTorch's `expected` up to half a unit in the last place shown and the tolerance of `dtype`.
    (`.4g` drops trailing zeros, so "82.6" is checked to +-0.05: a bound the display allows.)"""
    tolerance = TOLERANCES[np.dtype(dtype)]
    half_unit = 0.5 * 10.0 ** Decimal(text).normalize().as_tuple().exponent
    bound = half_unit + tolerance["rtol"] * abs(expected) + tolerance["atol"]
    assert abs(float(text) - expected) <= bound, f"{what}: shows {text}, PyTorch gives {expected}"


def torch_node_name(node) -> str:
    """A PyTorch graph node's name as minigrad spells it: MulBackward0 -> MulBackward."""
    return re.sub(r"\d+$", "", node.name())


def torch_graph(output: torch.Tensor) -> list[tuple[object, int, int | None, bool]]:
    """PyTorch's graph behind `output`, walked as minigrad.viz documents: depth first from the
    output, inputs in order, each node numbered when first reached. One entry per edge:
    (node, its number, the number of the node it feeds or None for the output, first arrival),
    where a node is a grad_fn, a leaf tensor (for its AccumulateGrad) or the output tensor."""
    numbers: dict[int, int] = {}
    visits = []
    stack: list[tuple[object, int | None]] = [(output, None)]
    while stack:
        node, consumer = stack.pop()
        if type(node).__name__ == "AccumulateGrad":
            node = node.variable
        first = id(node) not in numbers
        if first:
            numbers[id(node)] = len(numbers)
        visits.append((node, numbers[id(node)], consumer, first))
        if not first:
            continue
        if isinstance(node, torch.Tensor):
            inputs = [node.grad_fn] if node.grad_fn is not None and consumer is None else []
        else:
            inputs = [fn for fn, _ in node.next_functions if fn is not None]
        for parent in reversed(inputs):
            stack.append((parent, numbers[id(node)]))
    return visits

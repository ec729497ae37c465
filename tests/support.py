"""What every test module shares: moving values between minigrad and PyTorch, and comparing them
with the tolerance each dtype deserves (`assert_close` and `TOLERANCES` are minigrad's public
ones, from minigrad.testing)."""

from __future__ import annotations

import contextlib
import io
import math
import re
from decimal import Decimal

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.testing.compare import TOLERANCES, assert_close, to_numpy

__all__ = [
    "DTYPES", "TOLERANCES", "assert_close", "assert_shown", "engine_xfail",
    "assert_usage_error", "run_minigrad",
    "to_mg", "to_numpy", "to_torch", "torch_graph", "torch_node_name",
]

DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def run_minigrad(*argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `minigrad ARGV`, as the shell would see them."""
    from minigrad.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit_:
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


def assert_usage_error(command: str, argv: list[str], message: str) -> None:
    """`minigrad COMMAND ARGV` fails as a bad command line should: status 2, nothing on stdout,
    one line on stderr, "minigrad COMMAND: error: ..." containing `message`."""
    status, out, err = run_minigrad(command, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"minigrad {command}: error: ")
    assert message in err


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


def assert_shown(text: str, expected: float, dtype, what: str = "", *,
                 dropped_zeros: bool = False) -> None:
    """`text`, a number printed by minigrad, is PyTorch's `expected` up to half a unit in the
    last place shown plus the tolerance of `dtype`; inf and nan must be shown as such.

    With `dropped_zeros` (format `g`, as `.4g`, which drops trailing zeros) the last place is
    that of the last nonzero digit: "82.6" is checked to +-0.05.
    """
    if not math.isfinite(expected):
        assert text == str(expected), f"{what}: shows {text}, PyTorch gives {expected}"
        return
    tolerance = TOLERANCES[np.dtype(dtype)]
    digits = Decimal(text).normalize() if dropped_zeros else Decimal(text)
    half_unit = 0.5 * 10.0 ** digits.as_tuple().exponent
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

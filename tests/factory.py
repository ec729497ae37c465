"""The test factory: one operation, written once for both libraries, becomes a test that
compares minigrad with PyTorch, forward and backward, on inputs drawn by Hypothesis.

    @op_test(unary(special=(0.0,)))
    def test_relu_gradient_is_zero_at_zero(lib, x):
        return lib.relu(x)

The decorated function is the operation, not the test: it receives the library module (`mg` or
`torch`) and the drawn tensors and keyword arguments of a `Call`. When the two libraries spell
the operation differently, `torch_op=` gives PyTorch's version. The test is minigrad's public
`minigrad.testing.check_against_torch` (see minigrad/testing/compare.py for what it compares),
so the suite proves that tool on every operation it tests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import strategies as st
from strategies import Call

import minigrad as mg
from minigrad.testing import check_against_torch

Op = Callable[..., Any]


def op_test(
    calls: st.SearchStrategy[Call],
    *,
    torch_op: Op | None = None,
) -> Callable[[Op], Callable[[], None]]:
    """Turn `op(lib, *tensors, **kwargs)` into a property test against PyTorch.

    Args:
        calls: draws the inputs of one invocation.
        torch_op: PyTorch's spelling, when it is not `op` itself applied to `torch`.
    """

    def decorate(op: Op) -> Callable[[], None]:
        reference = torch_op or op

        def test() -> None:
            ours, theirs = functools.partial(op, mg), functools.partial(reference, torch)
            check_against_torch(ours, theirs, calls)

        test.__name__ = test.__qualname__ = op.__name__
        test.__doc__ = op.__doc__
        test.__module__ = op.__module__
        return test

    return decorate


def assert_raises_like_torch(op: Op, call: Call, match: str) -> None:
    """`op` fails in both libraries, minigrad with PyTorch's exception type, and both messages
    match the regex `match` (checked on PyTorch's too, so the pattern pins PyTorch's wording)."""
    with pytest.raises(Exception) as expected:
        op(torch, *(torch.tensor(a) for a in call.tensors), **call.kwargs)
    assert re.search(match, str(expected.value)), f"PyTorch says: {expected.value}"
    with pytest.raises(expected.type, match=match):
        op(mg, *(mg.tensor(a) for a in call.tensors), **call.kwargs)

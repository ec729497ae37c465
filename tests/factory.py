"""The test factory: one operation, written once for both libraries, becomes a Hypothesis test
that compares minigrad with PyTorch, forward and backward.

    @op_test(unary(special=(0.0,)))
    def test_relu_gradient_is_zero_at_zero(lib, x):
        return lib.relu(x)

The decorated function is the operation, not the test: it receives the library module (`mg` or
`torch`) and the drawn tensors and keyword arguments of a `Call`. When the two libraries spell
the operation differently, `torch_op=` gives PyTorch's version. For each drawn call the test

1. builds the inputs in both libraries; float inputs require grad (sometimes only some of
   them, so that a gradient that must stay None is checked too);
2. runs the operation and compares every output: values within the dtype's tolerance (nan and
   inf in the same places), shape and dtype exactly, integer and bool outputs (indices,
   comparisons) exactly, and `requires_grad`; a tuple output is compared element by element;
3. draws a random upstream gradient for every output that requires grad, backpropagates it in
   both libraries (`out.backward(g)`) and compares the gradient of every input, None included;
4. checks that neither the forward nor the backward pass wrote into an input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays
from support import assert_close, to_numpy

import minigrad as mg

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

        def test(call: Call, data: st.DataObject) -> None:
            check_against_torch(op, reference, call, data)

        test.__name__ = test.__qualname__ = op.__name__
        test.__doc__ = op.__doc__
        test.__module__ = op.__module__
        return given(call=calls, data=st.data())(test)

    return decorate


def _parts(output: Any) -> tuple[Any, ...]:
    """The tensors of an output: itself, or the elements of a tuple (max with dim, split)."""
    return tuple(output) if isinstance(output, tuple) else (output,)


def _draw_requires_grad(call: Call, data: st.DataObject) -> list[bool]:
    """Which inputs require grad: every float input in about half of the draws, any subset of
    them otherwise (an input without requires_grad must end with grad None in both)."""
    floating = [np.issubdtype(a.dtype, np.floating) for a in call.tensors]
    if sum(floating) > 1 and data.draw(st.booleans(), label="only some inputs require grad"):
        chosen = data.draw(st.lists(st.booleans(), min_size=len(floating), max_size=len(floating)))
        return [f and c for f, c in zip(floating, chosen, strict=True)]
    return floating


def check_against_torch(op: Op, reference: Op, call: Call, data: st.DataObject) -> None:
    """The body of every factory test; see the module docstring."""
    requires_grad = _draw_requires_grad(call, data)
    inputs = list(zip(call.tensors, requires_grad, strict=True))
    ours = [mg.tensor(a.copy(), requires_grad=r) for a, r in inputs]
    theirs = [torch.tensor(a.copy(), requires_grad=r) for a, r in inputs]

    expected_output = reference(torch, *theirs, **call.kwargs)
    actual_output = op(mg, *ours, **call.kwargs)
    assert isinstance(actual_output, tuple) == isinstance(expected_output, tuple), (
        f"minigrad returns a {type(actual_output).__name__}, "
        f"PyTorch a {type(expected_output).__name__}"
    )
    actual, expected = _parts(actual_output), _parts(expected_output)
    assert len(actual) == len(expected), f"{len(actual)} outputs, PyTorch gives {len(expected)}"
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        _compare_output(a, e, what=f"output {i}")
    _assert_unchanged(ours, call.tensors, "after forward")

    differentiable = [(a, e) for a, e in zip(actual, expected, strict=True) if e.requires_grad]
    for k, (a, e) in enumerate(differentiable):
        upstream = data.draw(
            arrays(to_numpy(e).dtype, tuple(e.shape), low=-2.0, high=2.0, ties=False),
            label=f"upstream gradient of output {k}",
        )
        # Several outputs (split, chunk) share one graph: keep it until the last one is done.
        retain = k < len(differentiable) - 1
        e.backward(torch.tensor(upstream), retain_graph=retain)
        a.backward(mg.tensor(upstream), retain_graph=retain)

    output_dtypes = [to_numpy(e).dtype for e in expected]
    for i, (m, t) in enumerate(zip(ours, theirs, strict=True)):
        if t.grad is None:
            assert m.grad is None, f"input {i}: grad should stay None, got {m.grad}"
        else:
            assert m.grad is not None, f"input {i}: grad is None, PyTorch has one"
            precision = _coarsest(to_numpy(t.grad).dtype, *output_dtypes)
            assert_close(m.grad, t.grad, dtype=precision, what=f"grad of input {i}")
    _assert_unchanged(ours, call.tensors, "after backward")


def _coarsest(*dtypes: np.dtype) -> np.dtype:
    """The least precise float dtype among `dtypes`.

    A gradient is only as precise as the results it flowed back through: the gradient of a 0-d
    float64 tensor added to a float32 tensor is computed in float32 (the result's dtype) and
    then cast, so it carries float32 rounding and is compared with float32's tolerance.
    """
    floats = [d for d in dtypes if np.issubdtype(d, np.floating)]
    return min(floats, key=lambda d: np.finfo(d).precision)


def _compare_output(actual: Any, expected: torch.Tensor, what: str) -> None:
    assert isinstance(actual, mg.Tensor), f"{what} is a {type(actual).__name__}, not a Tensor"
    assert actual.requires_grad == expected.requires_grad, f"{what} requires_grad differs"
    if expected.dtype.is_floating_point:
        assert_close(actual, expected, what=what)
    else:
        a, e = to_numpy(actual), to_numpy(expected)
        assert a.dtype == e.dtype, f"{what} dtype {a.dtype} != expected {e.dtype}"
        np.testing.assert_array_equal(a, e, err_msg=what, strict=True)


def _assert_unchanged(tensors: list[mg.Tensor], originals: tuple[np.ndarray, ...], when: str):
    for i, (t, original) in enumerate(zip(tensors, originals, strict=True)):
        np.testing.assert_array_equal(
            to_numpy(t), original, err_msg=f"input {i} was modified {when}", strict=True
        )


def assert_raises_like_torch(op: Op, call: Call, match: str) -> None:
    """`op` fails in both libraries, minigrad with PyTorch's exception type, and both messages
    match the regex `match` (checked on PyTorch's too, so the pattern pins PyTorch's wording)."""
    with pytest.raises(Exception) as expected:
        op(torch, *(torch.tensor(a) for a in call.tensors), **call.kwargs)
    assert re.search(match, str(expected.value)), f"PyTorch says: {expected.value}"
    with pytest.raises(expected.type, match=match):
        op(mg, *(mg.tensor(a) for a in call.tensors), **call.kwargs)

"""Comparing minigrad with PyTorch: `assert_close` for one pair of results, and
`check_against_torch` for an operation, over inputs drawn by Hypothesis, forward and backward.

    from minigrad.testing import check_against_torch, tensors

    def test_my_softplus_matches_torch():
        check_against_torch(MySoftplus.apply, torch.nn.functional.softplus, tensors())

For each drawn input `check_against_torch`

1. builds the same inputs in both libraries (a float input requires grad as drawn or, for a
   `Call` that leaves it open, in all or some of the examples, so that a gradient that must
   stay None is checked too);
2. runs both functions and compares every output: values within the dtype's tolerance (nan and
   inf in the same places), shape and dtype exactly, integer and bool outputs (indices,
   comparisons) exactly, and `requires_grad`; a tuple output is compared element by element;
3. draws a random upstream gradient for every output that requires grad, backpropagates it in
   both libraries (`out.backward(g)`) and compares the gradient of every input, None included;
4. checks that neither the forward nor the backward pass wrote into an input.

PyTorch is imported only when `check_against_torch` runs: `assert_close` needs no PyTorch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing.strategies import Call, arrays

# float64 should agree to rounding noise; float32 follows PyTorch's own rounding, which is not
# always correctly rounded (its float32 sums, for one, are not summed in the same order).
TOLERANCES = {
    np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12),
    np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6),
}


def to_numpy(value: Any) -> np.ndarray:
    """The values of a minigrad tensor, a PyTorch tensor, an array or a number, as an array."""
    if hasattr(value, "detach"):  # a tensor of either library
        return value.detach().numpy()
    return np.asarray(value)


def assert_close(
    actual: Any, expected: Any, dtype: Any = None, scale: float = 1.0, what: str = ""
) -> None:
    """Assert that `actual` equals the reference `expected` within the tolerance of a dtype.

    Shapes and dtypes must match exactly; nan and inf must sit in the same places. Values agree
    when |actual - expected| <= atol * scale + rtol * |expected|, with (rtol, atol) = (1e-10,
    1e-12) for float64 and (1e-5, 1e-6) for float32; other dtypes must be equal.

    Args:
        actual: minigrad's result (a tensor, an array or a number).
        expected: the reference result, e.g. PyTorch's.
        dtype: the dtype whose tolerance applies; by default `expected`'s.
        scale: multiplies the absolute tolerance. Use the magnitude of the inputs when the
            expected value is a difference of large terms (a sum that nearly cancels), never to
            hide a mismatch.
        what: names the compared value in the failure message.

    Raises:
        AssertionError: naming `what`, the mismatched shapes, dtypes or elements.
    """
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what} shape {a.shape} != expected {e.shape}"
    assert a.dtype == e.dtype, f"{what} dtype {a.dtype} != expected {e.dtype}"
    tol = TOLERANCES.get(np.dtype(dtype or e.dtype), dict(rtol=0, atol=0))
    np.testing.assert_allclose(
        a, e, rtol=tol["rtol"], atol=tol["atol"] * scale, equal_nan=True, err_msg=what
    )


def check_against_torch(
    minigrad_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: st.SearchStrategy[Any],
    *,
    max_examples: int | None = None,
) -> None:
    """Check `minigrad_fn` against `torch_fn` on inputs drawn by Hypothesis, forward and backward.

    Call it as the body of a test (not inside a `@given` test: it runs Hypothesis itself). See
    the module docstring for what is compared.

    Args:
        minigrad_fn: takes minigrad tensors (and the keyword arguments of a `Call`) and returns
            a tensor or a tuple of tensors.
        torch_fn: the same operation on PyTorch tensors.
        inputs: draws the inputs of one call: a minigrad tensor, a tuple of them (from
            `tensors`, `broadcastable_tensors`), or a `Call`. A tensor's values, dtype and
            requires_grad are copied into fresh tensors of both libraries.
        max_examples: how many inputs to draw; by default the active Hypothesis profile's
            (whose other settings apply too, except that there is no deadline).

    Raises:
        AssertionError: with the falsifying input, when an output or a gradient differs.
        ImportError: when PyTorch is not installed.
    """
    torch = _import_torch()

    def check(drawn: Any, data: st.DataObject) -> None:
        _check_one(minigrad_fn, torch_fn, torch, _as_call(drawn), data)

    # No deadline: the first calls into PyTorch are slow (lazy initialisation), which would make
    # Hypothesis's default 200 ms deadline fail at random.
    chosen = {"deadline": None} if max_examples is None else {
        "deadline": None, "max_examples": max_examples}
    settings(**chosen)(given(drawn=inputs, data=st.data())(check))()


def _import_torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            "check_against_torch compares with PyTorch, which is not installed: "
            "pip install 'minigrad[test]' (or pip install torch)"
        ) from error


def _as_call(drawn: Any) -> Call:
    """A drawn tensor or tuple of tensors as a Call that keeps each one's requires_grad."""
    if isinstance(drawn, Call):
        return drawn
    parts = drawn if isinstance(drawn, tuple) else (drawn,)
    for i, part in enumerate(parts):
        if not isinstance(part, mg.Tensor):
            raise TypeError(
                f"check_against_torch: input {i} is a {type(part).__name__}; the strategy must "
                "draw a minigrad Tensor, a tuple of Tensors or a Call"
            )
    return Call(
        tuple(part.detach().numpy().copy() for part in parts),
        requires_grad=tuple(part.requires_grad for part in parts),
    )


def _draw_requires_grad(call: Call, data: st.DataObject) -> list[bool]:
    """Which inputs require grad: as the Call says, or else every float input in about half of
    the draws and any subset of them otherwise (an input without requires_grad must end with
    grad None in both libraries)."""
    if call.requires_grad is not None:
        return list(call.requires_grad)
    floating = [np.issubdtype(a.dtype, np.floating) for a in call.tensors]
    if sum(floating) > 1 and data.draw(st.booleans(), label="only some inputs require grad"):
        chosen = data.draw(st.lists(st.booleans(), min_size=len(floating), max_size=len(floating)))
        return [f and c for f, c in zip(floating, chosen, strict=True)]
    return floating


def _parts(output: Any) -> tuple[Any, ...]:
    """The tensors of an output: itself, or the elements of a tuple (max with dim, split)."""
    return tuple(output) if isinstance(output, tuple) else (output,)


def _check_one(
    minigrad_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    torch: Any,
    call: Call,
    data: st.DataObject,
) -> None:
    """One example of `check_against_torch`: steps 1 to 4 of the module docstring."""
    requires_grad = _draw_requires_grad(call, data)
    inputs = list(zip(call.tensors, requires_grad, strict=True))
    ours = [mg.tensor(a.copy(), requires_grad=r) for a, r in inputs]
    theirs = [torch.tensor(a.copy(), requires_grad=r) for a, r in inputs]

    expected_output = torch_fn(*theirs, **call.kwargs)
    actual_output = minigrad_fn(*ours, **call.kwargs)
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


def _compare_output(actual: Any, expected: Any, what: str) -> None:
    assert isinstance(actual, mg.Tensor), f"{what} is a {type(actual).__name__}, not a Tensor"
    assert actual.requires_grad == expected.requires_grad, f"{what} requires_grad differs"
    if expected.dtype.is_floating_point:
        assert_close(actual, expected, what=what)
    else:
        a, e = to_numpy(actual), to_numpy(expected)
        assert a.dtype == e.dtype, f"{what} dtype {a.dtype} != expected {e.dtype}"
        np.testing.assert_array_equal(a, e, err_msg=what, strict=True)


def _assert_unchanged(
    tensors: list[mg.Tensor], originals: tuple[np.ndarray, ...], when: str
) -> None:
    for i, (t, original) in enumerate(zip(tensors, originals, strict=True)):
        np.testing.assert_array_equal(
            to_numpy(t), original, err_msg=f"input {i} was modified {when}", strict=True
        )

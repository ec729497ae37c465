"""Random programs of in-place operations, views and setitem, run on minigrad and on PyTorch.

Hypothesis writes a short program over a growing list of tensors: out-of-place operations,
views (slices, a selected row, a transpose, a flattening, a slice made under no_grad), in-place
changes of tensors and of views (add_, mul_, copy_, zero_, relu_, sin_, setitem, writes
under no_grad, through detach() and through .data), then a loss over every
tensor and its backward pass. Both libraries run the same program; at every step they must
agree on whether it fails and with which exception, and at the end on every value and on the
gradients of the leaves. This is PyTorch's model of in-place autograd as a whole: shared memory,
version counters, and the history of a base rewritten when one of its views changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from support import assert_close

import minigrad as mg

STEPS = ("scale", "add", "mul", "exp", "tanh", "slice", "select", "t", "flat",
         "add_", "mul_", "mul_t", "setitem", "setitem slice", "copy_", "zero_", "no_grad mul_",
         "detach mul_", "data mul_", "relu_", "sin_", "no_grad slice", "unbind mul_",
         "split mul_", "chunk mul_", "no_grad unbind mul_")

instructions = st.lists(
    st.tuples(st.sampled_from(STEPS), st.integers(0, 50), st.integers(0, 50),
              st.sampled_from([-1.5, -0.5, 0.5, 2.0])),
    min_size=1, max_size=12,
)


def _step(lib: Any, tensors: list[Any], kind: str, i: int, j: int, value: float) -> None:
    """One instruction on `tensors` (indices taken modulo its length); an instruction whose
    shapes do not fit is skipped, the same way in both libraries.

    A tensor outside the graph is not given a tensor that requires grad in place (c.mul_(x)):
    what PyTorch then does with the views of c depends on whether their grad_fn was read in
    between, which a program cannot see. (asinh_, whose backward PyTorch refuses, is tested on
    its own: which of two refusals comes first depends on the order of the nodes' runs, by
    creation in PyTorch, last-ready-first in minigrad.) A view made under no_grad is only
    written, never kept: PyTorch refuses to read one in grad mode once its base has changed,
    even under no_grad, a check on every operation's inputs that minigrad does not make; so is
    one of several views (unbind, split, chunk), which PyTorch refuses to change in place in a
    graph and, once its base has changed, to read."""
    a, b = tensors[i % len(tensors)], tensors[j % len(tensors)]
    if kind in ("mul_t", "copy_") and b.requires_grad and not a.requires_grad:
        return
    rows = a.shape[0] if a.dim() >= 1 else 0
    if kind == "scale":
        tensors.append(a * value)
    elif kind in ("add", "mul") and a.shape == b.shape:
        tensors.append(a + b if kind == "add" else a * b)
    elif kind == "exp":
        tensors.append(a.exp())
    elif kind == "tanh":
        tensors.append(a.tanh())
    elif kind == "slice" and rows:
        tensors.append(a[j % rows:])
    elif kind == "select" and rows:
        tensors.append(a[j % rows])
    elif kind == "t" and a.dim() == 2:
        tensors.append(a.t())
    elif kind == "flat" and a.dim() >= 1:
        tensors.append(a.reshape(-1))
    elif kind == "add_":
        a.add_(value)
    elif kind == "mul_":
        a.mul_(value)
    elif kind == "mul_t" and a.shape == b.shape:
        a.mul_(b)
    elif kind == "setitem" and rows:
        a[j % rows] = value
    elif kind == "copy_" and a.shape == b.shape:
        a.copy_(b)
    elif kind == "zero_":
        a.zero_()
    elif kind == "setitem slice" and rows:
        a[j % rows:] = value
    elif kind == "no_grad mul_":
        with lib.no_grad():
            a.mul_(value)
    elif kind == "detach mul_":  # the same memory and version counter
        a.detach().mul_(value)
    elif kind == "data mul_":  # the same memory, a version counter of its own
        a.data.mul_(value)
    elif kind in ("relu_", "sin_"):  # relu_ saves its output, sin_ its input
        getattr(a, kind)()
    elif kind == "no_grad slice" and rows:  # a view that must not change in grad mode
        with lib.no_grad():
            view = a[j % rows:]
        view.mul_(value)  # (refused if a requires grad, else a write through to a)
    elif kind in ("unbind mul_", "split mul_", "chunk mul_") and rows:
        pieces = a.unbind() if kind == "unbind mul_" else getattr(a, kind[:5])(1)
        pieces[j % len(pieces)].mul_(value)  # (refused if a requires grad)
    elif kind == "no_grad unbind mul_" and rows:  # allowed, and counted on a's version
        with lib.no_grad():
            list(a)[j % rows].mul_(value)


def _run(lib: Any, x0: np.ndarray, c0: np.ndarray, program: list[tuple]) -> dict[str, Any]:
    """Run the program; what it did: the error of each step that failed (the program stops
    there), the values of all tensors, and the leaves' gradients."""
    x = lib.tensor(x0.copy(), requires_grad=True)
    c = lib.tensor(c0.copy())
    tensors = [x, c, x * 1.0]
    outcome: dict[str, Any] = {"error": None}
    for n, instruction in enumerate(program):
        try:
            _step(lib, tensors, *instruction)
        except Exception as error:  # the program's own error, to compare: nothing is swallowed
            outcome["error"] = (n, type(error).__name__)
            return outcome
    outcome["values"] = [t.detach().numpy().copy() for t in tensors]
    loss = sum((t * t).sum() for t in tensors)
    try:
        loss.backward()
    except RuntimeError as error:
        outcome["error"] = ("backward", type(error).__name__, str(error).split(":")[0])
        return outcome
    outcome["grad"] = None if x.grad is None else x.grad.numpy().copy()
    return outcome


@given(st.sampled_from([(3, 2), (2, 3), (4,)]), instructions, st.data())
def test_programs_of_in_place_ops_and_views_run_as_in_torch(shape, program, data):
    size = int(np.prod(shape))
    x0 = np.array(data.draw(st.lists(st.floats(-1, 1), min_size=size, max_size=size)))
    run_in_both(x0.reshape(shape), program)


# Programs a 2000-example run found, kept: an in-place op's saved result must be the tensor's
# memory (a write through .data, which no version counts, reaches backward, as in PyTorch),
# also for a 0-d result, which NumPy's ufuncs return as a scalar rather than an array.
FOUND = [
    [("relu_", 2, 0, 0.5), ("data mul_", 2, 0, -1.5)],
    [("select", 0, 0, 0.5), ("exp", 3, 0, 0.5), ("add_", 4, 0, -1.5)],
    [("select", 0, 0, 0.5), ("exp", 3, 0, 0.5), ("data mul_", 4, 0, -1.5)],
]


@pytest.mark.parametrize("program", FOUND)
def test_programs_found_by_long_runs_run_as_in_torch(program):
    run_in_both(np.array([0.0, 0.0, 0.0, 1.0]), program)


def run_in_both(x0: np.ndarray, program: list[tuple]) -> None:
    shape = x0.shape
    c0 = np.linspace(-1, 1, x0.size).reshape(shape)
    ours, theirs = _run(mg, x0, c0, program), _run(torch, x0, c0, program)
    assert ours["error"] == theirs["error"], program
    if theirs["error"] is not None:
        return
    assert len(ours["values"]) == len(theirs["values"])
    for mine, reference in zip(ours["values"], theirs["values"]):
        assert_close(mine, reference, what=str(program))
    if theirs["grad"] is None:
        assert ours["grad"] is None
    else:
        assert_close(ours["grad"], theirs["grad"], what=str(program))

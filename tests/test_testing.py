"""minigrad.testing, the public tools for property tests: its strategies draw what they promise,
`assert_close` applies the tolerances of the suite, and `check_against_torch` passes on a correct
operation and fails on each kind of wrong one (value, dtype, gradient, requires_grad, mutated
input). The whole suite runs on these tools (tests/factory.py, tests/support.py)."""

from __future__ import annotations

import subprocess
import sys

import factory
import numpy as np
import pytest
import strategies
import support
import torch
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.testing
from minigrad.autograd import Function
from minigrad.testing import (
    TOLERANCES,
    Call,
    assert_close,
    broadcastable_tensors,
    check_against_torch,
    tensors,
)
from minigrad.testing import strategies as public_strategies

# ---------------------------------------------------------------------------------------------
# Strategies


@given(
    data=st.data(),
    dtype=st.sampled_from([None, mg.float32, mg.float64, "float64"]),
    min_dims=st.integers(0, 3),
    extra_dims=st.integers(0, 2),
    max_side=st.integers(1, 5),
    allow_empty=st.booleans(),
    requires_grad=st.booleans(),
    bounds=st.tuples(st.floats(-100, 100), st.floats(0, 50)),
)
def test_tensors_respect_dtype_shape_bounds_value_bounds_and_requires_grad(
    data, dtype, min_dims, extra_dims, max_side, allow_empty, requires_grad, bounds
):
    low, high = bounds[0], bounds[0] + bounds[1]
    t = data.draw(tensors(dtype, min_dims=min_dims, max_dims=min_dims + extra_dims,
                          max_side=max_side, allow_empty=allow_empty, low=low, high=high,
                          requires_grad=requires_grad))
    assert isinstance(t, mg.Tensor)
    assert t.dtype in (mg.float32, mg.float64)
    if dtype is not None:
        assert t.dtype == np.dtype(dtype)
    assert min_dims <= t.ndim <= min_dims + extra_dims
    assert all((0 if allow_empty else 1) <= side <= max_side for side in t.shape)
    # Bounds hold after rounding to the dtype: compare with the bounds rounded the same way.
    values = t.detach().numpy()
    assert np.all(values >= np.asarray(low, dtype=t.dtype))
    assert np.all(values <= np.asarray(high, dtype=t.dtype))
    assert t.requires_grad == requires_grad and t.is_leaf


@given(data=st.data(), shape=public_strategies.shapes(max_dims=3))
def test_tensors_of_a_fixed_shape_keep_away_from_zero_with_a_margin(data, shape):
    t = data.draw(tensors(mg.float64, shape, low=-2, high=2, margin=0.5))
    assert t.shape == shape
    assert np.all(np.abs(t.detach().numpy()) >= 0.5)


@given(data=st.data(), count=st.integers(1, 4), dtype=st.sampled_from([None, mg.float32]))
def test_broadcastable_tensors_share_a_dtype_and_broadcast_together(data, count, dtype):
    drawn = data.draw(broadcastable_tensors(count, dtype, low=-1, high=1))
    assert isinstance(drawn, tuple) and len(drawn) == count
    assert len({t.dtype for t in drawn}) == 1
    np.broadcast_shapes(*(t.shape for t in drawn))  # raises if they do not broadcast
    assert all(t.requires_grad for t in drawn)
    assert all(np.all(np.abs(t.detach().numpy()) <= 1) for t in drawn)


def test_tensors_are_float32_or_float64_only():
    with pytest.raises(ValueError, match="float32 or float64, not int64"):
        tensors(mg.int64)


# ---------------------------------------------------------------------------------------------
# assert_close


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_assert_close_uses_the_tolerance_of_the_dtype(dtype):
    rtol = TOLERANCES[np.dtype(dtype)]["rtol"]
    expected = torch.tensor([1.0, -3.0], dtype=support.DTYPES[np.dtype(dtype)])
    assert_close(mg.tensor(expected.numpy() * (1 + rtol / 2)), expected)
    with pytest.raises(AssertionError, match="Mismatched elements: 2 / 2"):
        assert_close(mg.tensor(expected.numpy() * (1 + 4 * rtol)), expected)


def test_assert_close_demands_the_same_shape_dtype_and_nan_positions():
    with pytest.raises(AssertionError, match=r"grad shape \(2,\) != expected \(1, 2\)"):
        assert_close(mg.zeros(2), torch.zeros(1, 2), what="grad")
    with pytest.raises(AssertionError, match="dtype float64 != expected float32"):
        assert_close(mg.zeros(2, dtype=mg.float64), torch.zeros(2))
    with pytest.raises(AssertionError):
        assert_close(np.array([np.nan, 1.0]), np.array([1.0, np.nan]))
    assert_close(np.array([np.nan, np.inf]), torch.tensor([np.nan, np.inf], dtype=torch.float64))


def test_assert_close_scale_widens_only_the_absolute_tolerance():
    assert_close(np.array([1e-10]), np.array([0.0]), scale=1e3)
    with pytest.raises(AssertionError):
        assert_close(np.array([1e-10]), np.array([0.0]))


# ---------------------------------------------------------------------------------------------
# check_against_torch: passes on correct operations ...


def test_check_against_torch_passes_on_a_correct_unary_op():
    check_against_torch(mg.tanh, torch.tanh, tensors(allow_empty=True), max_examples=25)


def test_check_against_torch_passes_on_broadcasting_binary_ops_and_tuple_outputs():
    check_against_torch(lambda a, b: a * b + a, lambda a, b: a * b + a,
                        broadcastable_tensors(2), max_examples=25)
    check_against_torch(lambda x: x.split(1), lambda x: x.split(1), tensors(min_dims=1),
                        max_examples=15)


def test_check_against_torch_passes_on_a_call_with_keyword_arguments():
    calls = public_strategies.one_tensor(
        public_strategies.shapes(min_dims=1),
        dim=lambda shape: public_strategies.dim(len(shape)),
    )
    check_against_torch(lambda x, dim: x.softmax(dim), lambda x, dim: x.softmax(dim), calls,
                        max_examples=20)


class _DoubleWithWrongBackward(Function):
    """2x forward, but a backward that forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


# ... and fails on each kind of difference. Fixed inputs: a failure found at once is not shrunk
# for long.
ONE = st.just(mg.tensor([0.5, -1.5, 2.0], requires_grad=True))
TWO = st.just((mg.tensor([0.5, -1.5], requires_grad=True), mg.tensor([3.0], requires_grad=True)))


def _fails(minigrad_fn, torch_fn, inputs, match: str) -> None:
    with pytest.raises(AssertionError, match=match):
        check_against_torch(minigrad_fn, torch_fn, inputs, max_examples=5)


def test_check_against_torch_fails_on_wrong_values():
    _fails(mg.tanh, torch.sigmoid, ONE, "output 0")


def test_check_against_torch_fails_on_a_wrong_gradient():
    _fails(_DoubleWithWrongBackward.apply, lambda x: x * 2, ONE, "grad of input 0")


def test_check_against_torch_fails_on_a_wrong_dtype():
    _fails(lambda x: x.double(), lambda x: x, ONE, "dtype float64")


def test_check_against_torch_fails_when_requires_grad_differs():
    _fails(lambda x: x.detach() * 2, lambda x: x * 2, ONE, "requires_grad differs")


def test_check_against_torch_fails_on_a_missing_or_an_extra_gradient():
    _fails(lambda a, b: a * b.detach(), lambda a, b: a * b, TWO,
           "input 1: grad is None, PyTorch has one")
    _fails(lambda a, b: a * b, lambda a, b: a * b.detach(), TWO, "input 1: grad should stay None")


def test_check_against_torch_fails_when_the_operation_writes_into_its_input():
    def scaled_in_place(x):
        with mg.no_grad():
            x.mul_(2)
        return x * 1

    _fails(scaled_in_place, lambda x: (x * 2) * 1, ONE, "input 0 was modified")


def test_check_against_torch_respects_the_drawn_requires_grad():
    """A tensor drawn with requires_grad=False gets no gradient in either library."""
    inputs = st.tuples(tensors(mg.float64), tensors(mg.float64, requires_grad=False))
    check_against_torch(lambda a, b: a * 2 + b.sum(), lambda a, b: a * 2 + b.sum(), inputs,
                        max_examples=10)


def test_check_against_torch_rejects_a_strategy_that_draws_no_tensors():
    with pytest.raises(TypeError, match="input 0 is a list; the strategy must draw"):
        check_against_torch(mg.tanh, torch.tanh, st.just([1.0]), max_examples=1)


def test_the_test_suite_runs_on_the_public_tools():
    """tests/ imports its comparisons, strategies and factory body from minigrad.testing."""
    assert support.assert_close is minigrad.testing.assert_close
    assert support.TOLERANCES is minigrad.testing.TOLERANCES
    assert strategies.arrays is public_strategies.arrays
    assert strategies.Call is Call
    assert factory.check_against_torch is minigrad.testing.check_against_torch


# ---------------------------------------------------------------------------------------------
# Optional dependencies


def _run_without(module: str, code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter where `import <module>` fails."""
    prelude = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                          text=True, check=False)


def test_importing_minigrad_testing_without_hypothesis_names_the_extra():
    done = _run_without("hypothesis", "import minigrad.testing")
    assert done.returncode != 0
    assert "ImportError: minigrad.testing needs Hypothesis" in done.stderr
    assert "pip install 'minigrad[test]'" in done.stderr


def test_assert_close_works_without_torch_and_check_against_torch_names_the_extra():
    done = _run_without("torch", (
        "import numpy as np, minigrad as mg\n"
        "from minigrad.testing import assert_close, check_against_torch, tensors\n"
        "assert_close(mg.ones(2), np.ones(2, np.float32))\n"
        "check_against_torch(mg.tanh, None, tensors())\n"
    ))
    assert done.returncode != 0
    assert "ImportError: check_against_torch compares with PyTorch" in done.stderr
    assert "pip install 'minigrad[test]'" in done.stderr

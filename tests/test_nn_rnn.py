"""nn.RNNCell and nn.RNN against PyTorch: outputs, hidden states and the gradients of every
weight, input and initial hidden state (through the module factory), their argument checks in
PyTorch's order, and backpropagation through thousands of time steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Call, arrays, float_dtypes
from test_nn_modules import check_module_against_torch

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

sizes = st.integers(1, 4)
nonlinearities = st.sampled_from(("tanh", "relu"))


@given(dtype=float_dtypes(), input_size=sizes, hidden_size=sizes, bias=st.booleans(),
       nonlinearity=nonlinearities, batch=st.sampled_from(((), (1,), (3,))),
       given_hidden=st.booleans(), data=st.data())
def test_rnn_cell_matches_torch_batched_or_not_with_or_without_a_hidden_state(
    dtype, input_size, hidden_size, bias, nonlinearity, batch, given_hidden, data
):
    x = data.draw(arrays(dtype, (*batch, input_size), low=-2, high=2), label="input")
    h = data.draw(arrays(dtype, (*batch, hidden_size), low=-2, high=2), label="hx")
    check_module_against_torch(
        lambda nn: nn.RNNCell(input_size, hidden_size, bias, nonlinearity),
        [x, h if given_hidden else None], dtype, data,
    )


@st.composite
def rnn_configurations(draw: st.DrawFn) -> dict:
    return dict(
        input_size=draw(sizes), hidden_size=draw(sizes), num_layers=draw(st.integers(1, 3)),
        nonlinearity=draw(nonlinearities), bias=draw(st.booleans()),
        batch_first=draw(st.booleans()),
    )


@settings(max_examples=40)
@given(dtype=float_dtypes(), config=rnn_configurations(), length=st.integers(1, 5),
       batch=st.sampled_from((None, 1, 3)), given_hidden=st.booleans(), data=st.data())
def test_rnn_matches_torch_for_layers_batch_first_nonlinearity_bias_and_h0(
    dtype, config, length, batch, given_hidden, data
):
    """batch None is an unbatched (L, H_in) sequence. h0 is (num_layers, N, H) even when
    batch_first, and (num_layers, H) for an unbatched sequence."""
    if batch is None:
        x_shape, h_shape = (length, config["input_size"]), (config["num_layers"],)
    elif config["batch_first"]:
        x_shape, h_shape = (batch, length, config["input_size"]), (config["num_layers"], batch)
    else:
        x_shape, h_shape = (length, batch, config["input_size"]), (config["num_layers"], batch)
    x = data.draw(arrays(dtype, x_shape, low=-2, high=2), label="input")
    h0 = data.draw(arrays(dtype, (*h_shape, config["hidden_size"]), low=-1, high=1), label="h0")
    check_module_against_torch(
        lambda nn: nn.RNN(**config), [x, h0 if given_hidden else None], dtype, data
    )


def test_rnn_positional_arguments_bind_as_in_torch():
    """The 4th positional argument of RNN is nonlinearity; RNNCell's are (bias, nonlinearity)."""
    for lib in (mg, torch):
        rnn = lib.nn.RNN(3, 5, 2, "relu", False, True)
        assert (rnn.num_layers, rnn.nonlinearity, rnn.bias, rnn.batch_first) == (
            2, "relu", False, True)
        cell = lib.nn.RNNCell(3, 5, False, "relu")
        assert (cell.bias, cell.nonlinearity) == (False, "relu")


def test_backpropagation_through_three_thousand_time_steps_matches_torch():
    """The unrolled graph is thousands of nodes deep: the engine's backward must not recurse.
    Hidden size 2 keeps the gradient of the early steps alive. float64 only: in float32 each
    weight gradient is a sum of 6000 terms whose rounding, in either library, exceeds the
    float32 tolerance (the short sequences above compare float32)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3000, 2, 1))
    h0 = rng.uniform(-1, 1, (2, 2, 2))
    check_module_against_torch(lambda nn: nn.RNN(1, 2, num_layers=2), [x, h0],
                               np.dtype(np.float64), rng)


# ---------------------------------------------------------------------- argument checks
@pytest.mark.parametrize(
    "args, kwargs, match",
    [((3, 5, 1, "gelu"), {"bias": 1}, r"Unknown nonlinearity 'gelu'. Select from"),
     ((3, 5), {"bias": 1, "batch_first": 1}, "bias should be of type bool, got: int"),
     ((3, 5), {"batch_first": 1}, "batch_first should be of type bool, got: int"),
     ((3.0, 5), {"bias": True}, "input_size should be of type int, got: float"),
     ((0, 5.0), {}, "input_size must be greater than zero"),
     ((3, 5.0), {}, "hidden_size should be of type int, got: float"),
     ((3, 0, 0), {}, "hidden_size must be greater than zero"),
     ((3, 5, 0), {}, "num_layers must be greater than zero"),
     ((3, 5, 2.0), {}, "cannot be interpreted as an integer")],
)
def test_rnn_constructor_validates_its_arguments_in_torchs_order(args, kwargs, match):
    assert_raises_like_torch(lambda lib: lib.nn.RNN(*args, **kwargs), Call(()), match)


def _zeros(*shape: int, dtype=np.float32) -> np.ndarray:
    return np.zeros(shape, dtype)


@pytest.mark.parametrize(
    "x, h, match",
    [(_zeros(1, 4, 2, 3), None, "RNN: Expected input to be 2D or 3D, got 4D tensor instead"),
     (_zeros(3), None, "RNN: Expected input to be 2D or 3D, got 1D tensor instead"),
     (_zeros(4, 2, 3), _zeros(2, 5), "For batched 3-D input, hx should also be 3-D but got 2-D"),
     (_zeros(4, 3), _zeros(2, 1, 5), "For unbatched 2-D input, hx should also be 2-D but got 3-D"),
     (_zeros(4, 2, 4, dtype=np.float64), _zeros(2, 5),
      "For batched 3-D input, hx should also be 3-D"),
     (_zeros(4, 2, 4, dtype=np.float64), None,
      r"RNN input dtype \(.*float64\) does not match weight dtype \(.*float32\)"),
     (_zeros(4, 2, 3, dtype=np.int64), None, r"RNN input dtype \(.*int64\) does not match"),
     (_zeros(4, 2, 4), _zeros(1, 2, 5), "input.size\\(-1\\) must be equal to input_size. "
      "Expected 3, got 4"),
     (_zeros(4, 2, 3), _zeros(1, 2, 5), r"Expected hidden size \(2, 2, 5\), got \[1, 2, 5\]"),
     (_zeros(4, 2, 3), _zeros(2, 3, 5), r"Expected hidden size \(2, 2, 5\), got \[2, 3, 5\]"),
     (_zeros(4, 3), _zeros(1, 5), r"Expected hidden size \(2, 1, 5\), got \[1, 1, 5\]"),
     (_zeros(0, 2, 3), _zeros(1, 2, 5), r"Expected hidden size"),
     (_zeros(0, 2, 3), None, "Expected sequence length to be larger than 0 in RNN"),
     (_zeros(0, 3), None, "Expected sequence length to be larger than 0 in RNN"),
     (_zeros(4, 2, 3), _zeros(2, 2, 5, dtype=np.float64),
      "mat1 and mat2 must have the same dtype, but got Double and Float")],
)
def test_rnn_forward_rejects_bad_inputs_with_torchs_exception_in_torchs_order(x, h, match):
    tensors = (x,) if h is None else (x, h)
    assert_raises_like_torch(lambda lib, *t: lib.nn.RNN(3, 5, 2)(*t), Call(tensors), match)


@pytest.mark.parametrize(
    "x, h, match",
    [(_zeros(1, 2, 3), None, "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
     (np.zeros((), np.float32), None, "RNNCell: Expected input to be 1D or 2D, got 0D instead"),
     (_zeros(2, 3), _zeros(1, 2, 5), "RNNCell: Expected hidden to be 1D or 2D, got 3D instead"),
     (_zeros(2, 4), _zeros(3, 5), "input has inconsistent input_size: got 4 expected 3"),
     (_zeros(2, 3), _zeros(3, 4), "Input batch size 2 doesn't match hidden0 batch size 3"),
     (_zeros(2, 3), _zeros(2, 4), "hidden0 has inconsistent hidden_size: got 4, expected 5"),
     (_zeros(3), _zeros(2, 5), "hidden0 has inconsistent hidden_size: got 2, expected 5"),
     (_zeros(2, 3), _zeros(5), "Input batch size 2 doesn't match hidden0 batch size 5"),
     (_zeros(5, 3), _zeros(5), "Dimension out of range"),
     (_zeros(2, 4, dtype=np.float64), None, "input has inconsistent input_size"),
     (_zeros(2, 3, dtype=np.float64), None,
      "mat1 and mat2 must have the same dtype, but got Double and Float"),
     (_zeros(2, 3), _zeros(2, 5, dtype=np.int64),
      "mat1 and mat2 must have the same dtype, but got Long and Float")],
)
def test_rnn_cell_forward_rejects_bad_inputs_with_torchs_exception_in_torchs_order(x, h, match):
    tensors = (x,) if h is None else (x, h)
    assert_raises_like_torch(lambda lib, *t: lib.nn.RNNCell(3, 5)(*t), Call(tensors), match)


def test_rnn_cell_accepts_any_nonlinearity_until_forward_like_torch():
    assert_raises_like_torch(
        lambda lib, x: lib.nn.RNNCell(3, 5, nonlinearity="sigmoid")(x), Call((_zeros(2, 4),)),
        "Unknown nonlinearity: sigmoid",
    )


def test_rnn_with_a_batch_of_zero_sequences_gives_empty_outputs_like_torch():
    for lib in (mg, torch):
        output, h_n = lib.nn.RNN(3, 5, 2)(lib.zeros(4, 0, 3))
        assert (tuple(output.shape), tuple(h_n.shape)) == ((4, 0, 5), (2, 0, 5))

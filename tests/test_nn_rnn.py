"""nn.RNNCell and nn.RNN against PyTorch: outputs, hidden states and the gradients of every
weight, input and initial hidden state (through the module factory), with only some of them
requiring grad, through hooks and repeated backward passes; their argument checks in PyTorch's
order; backpropagation through thousands of time steps; and gradcheck of RNNLayer, the one
graph node per layer whose backward is backpropagation through time written out."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import Call, arrays, float_dtypes
from support import DTYPES, assert_close, to_numpy
from test_nn_modules import check_module_against_torch, draw_upstream

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)
from minigrad.autograd.gradcheck import gradcheck
from minigrad.functions.layers import RNNLayer

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
    """The gradient of the first of 3000 steps goes back through every later one. Hidden size
    2 keeps it alive. float64 only: in float32 each weight gradient is a sum of 6000 terms
    whose rounding, in either library, exceeds the float32 tolerance (the short sequences above
    compare float32)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3000, 2, 1))
    h0 = rng.uniform(-1, 1, (2, 2, 2))
    check_module_against_torch(lambda nn: nn.RNN(1, 2, num_layers=2), [x, h0],
                               np.dtype(np.float64), rng)


def _rnn_pair(dtype: np.dtype, **config) -> tuple:
    """The same RNN in both libraries: PyTorch's weights loaded into minigrad's."""
    theirs = torch.nn.RNN(**config).to(DTYPES[dtype])
    ours = mg.nn.RNN(**config).to(dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@settings(max_examples=40)
@given(dtype=float_dtypes(), config=rnn_configurations(), length=st.integers(1, 4),
       batch=st.integers(0, 3), given_hidden=st.booleans(), data=st.data())
def test_rnn_gradients_match_torch_when_only_some_weights_and_inputs_require_grad(
    dtype, config, length, batch, given_hidden, data
):
    """Frozen weights and inputs get no gradient (None, as in PyTorch), the others the same
    gradients as in PyTorch; neither pass writes into an input. Batch 0 included."""
    ours, theirs = _rnn_pair(dtype, **config)
    names = [name for name, _ in theirs.named_parameters()]
    frozen = data.draw(st.sets(st.sampled_from(names)), label="frozen parameters")
    for module in (ours, theirs):
        for name, p in module.named_parameters():
            p.requires_grad_(name not in frozen)
    x_shape = (batch, length) if config["batch_first"] else (length, batch)
    x = data.draw(arrays(dtype, (*x_shape, config["input_size"]), low=-2, high=2), label="x")
    h0 = data.draw(arrays(dtype, (config["num_layers"], batch, config["hidden_size"]),
                          low=-1, high=1), label="h0") if given_hidden else None
    x_grad, h0_grad = data.draw(st.booleans(), label="x requires grad"), data.draw(
        st.booleans(), label="h0 requires grad")
    x_before, h0_before = x.copy(), None if h0 is None else h0.copy()

    def run(lib):
        inputs = [lib.tensor(x.copy(), requires_grad=x_grad)]
        if h0 is not None:
            inputs.append(lib.tensor(h0.copy(), requires_grad=h0_grad))
        return inputs, (ours if lib is mg else theirs)(*inputs)

    (our_inputs, actual), (their_inputs, expected) = run(mg), run(torch)
    for a, e, what in zip(actual, expected, ("output", "h_n"), strict=True):
        assert_close(a, e, what=what)
    if not expected[0].requires_grad:
        assert not actual[0].requires_grad and not actual[1].requires_grad
        return
    upstream = [draw_upstream(data, dtype, tuple(e.shape), f"upstream {i}")
                for i, e in enumerate(expected)]
    torch.autograd.backward(expected, [torch.tensor(g) for g in upstream])
    sum((a * mg.tensor(g)).sum() for a, g in zip(actual, upstream, strict=True)).backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert (p.grad is None) == (q.grad is None), name
        if q.grad is not None:
            assert_close(p.grad, q.grad, what=f"grad of {name}")
    for i, (m, t) in enumerate(zip(our_inputs, their_inputs, strict=True)):
        assert (m.grad is None) == (t.grad is None), f"input {i}"
        if t.grad is not None:
            assert_close(m.grad, t.grad, what=f"grad of input {i}")
    np.testing.assert_array_equal(x, x_before)
    if h0 is not None:
        np.testing.assert_array_equal(h0, h0_before)


def test_rnn_output_hook_and_retained_graph_backward_twice_match_torch():
    """A hook on the output scales the gradient entering the recurrence, and retain_graph lets
    a second backward through the same graph accumulate the same gradients again."""
    rng = np.random.default_rng(1)
    ours, theirs = _rnn_pair(np.dtype(np.float64), input_size=3, hidden_size=4, num_layers=2,
                             batch_first=True)
    x, h0 = rng.uniform(-1, 1, (2, 5, 3)), rng.uniform(-1, 1, (2, 2, 4))
    upstream, seen = rng.uniform(-1, 1, (2, 5, 4)), {}
    for lib, module in ((mg, ours), (torch, theirs)):
        inputs = [lib.tensor(x, requires_grad=True), lib.tensor(h0, requires_grad=True)]
        output, h_n = module(*inputs)
        seen[lib] = []
        output.register_hook(lambda g, seen=seen[lib]: seen.append(to_numpy(g).copy()) or g * 3)
        loss = (output * lib.tensor(upstream)).sum() + (h_n * h_n).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        seen[lib].append([p.grad for p in module.parameters()] + [t.grad for t in inputs])
    assert len(seen[mg]) == len(seen[torch]) == 3
    for a, e in zip(seen[mg][:2], seen[torch][:2], strict=True):
        assert_close(a, e, what="gradient seen by the hook")
    for a, e in zip(seen[mg][2], seen[torch][2], strict=True):
        assert_close(a, e, what="accumulated gradient")


def test_rnn_second_backward_without_retain_graph_raises_like_torch():
    for lib in (mg, torch):
        output, _ = lib.nn.RNN(2, 3)(lib.ones(4, 1, 2))
        loss = output.sum()
        loss.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
            loss.backward()


def test_relu_rnn_gives_no_gradient_where_the_preactivation_is_exactly_zero_like_torch():
    """relu'(0) = 0: with no bias, a zero input step and h_0 = 0 make a_t = 0 exactly."""
    x = np.zeros((3, 2, 2))
    x[1:] = np.random.default_rng(2).uniform(-1, 1, (2, 2, 2))
    check_module_against_torch(lambda nn: nn.RNN(2, 3, nonlinearity="relu", bias=False),
                               [x, None], np.dtype(np.float64), np.random.default_rng(3))


def test_relu_rnn_passes_an_infinite_upstream_gradient_on_like_torch():
    """An inf upstream gradient reaches the live units as inf and the dead ones as 0 (not nan,
    as a multiplication by a 0/1 mask would give)."""
    rng = np.random.default_rng(4)
    ours, theirs = _rnn_pair(np.dtype(np.float64), input_size=2, hidden_size=3,
                             nonlinearity="relu")
    x = rng.uniform(-1, 1, (2, 2, 2))
    upstream = rng.uniform(-1, 1, (2, 2, 3))
    upstream[0, 0, 0] = upstream[1, 1, 2] = np.inf
    grads = {}
    for lib, module in ((mg, ours), (torch, theirs)):
        x_t = lib.tensor(x, requires_grad=True)
        module(x_t)[0].backward(lib.tensor(upstream))
        grads[lib] = [p.grad for p in module.parameters()] + [x_t.grad]
    for a, e in zip(grads[mg], grads[torch], strict=True):
        assert_close(a, e, what="gradient")


def _preactivations(x, h0, w_ih, w_hh, b_ih, b_hh):
    """Every a_t of the recurrence with relu, in NumPy: where gradcheck must keep away from 0."""
    h, found = np.zeros((x.shape[1], w_hh.shape[0])) if h0 is None else h0, []
    for x_t in x:
        a = x_t @ w_ih.T + h @ w_hh.T + (0 if b_ih is None else b_ih + b_hh)
        found.append(a)
        h = np.maximum(a, 0)
    return np.array(found)


@settings(max_examples=30)
@given(length=st.integers(1, 4), batch=st.integers(1, 3), input_size=sizes,
       hidden_size=sizes, bias=st.booleans(), given_hidden=st.booleans(),
       nonlinearity=nonlinearities, data=st.data())
def test_rnn_layer_backward_passes_gradcheck_in_float64(
    length, batch, input_size, hidden_size, bias, given_hidden, nonlinearity, data
):
    """Backpropagation through time against finite differences, for every input that requires
    grad (a random non-empty subset). relu draws keep every pre-activation 1e-3 away from its
    kink, where a finite difference measures neither side's slope."""
    def draw(shape, label):
        return data.draw(arrays(np.float64, shape, low=-1, high=1, ties=False), label=label)

    values = [draw((length, batch, input_size), "x"),
              draw((batch, hidden_size), "h0") if given_hidden else None,
              draw((hidden_size, input_size), "w_ih"), draw((hidden_size, hidden_size), "w_hh"),
              draw((hidden_size,), "b_ih") if bias else None,
              draw((hidden_size,), "b_hh") if bias else None]
    if nonlinearity == "relu":
        assume(np.abs(_preactivations(*values)).min() > 1e-3)
    present = [i for i, v in enumerate(values) if v is not None]
    wanted = data.draw(st.sets(st.sampled_from(present), min_size=1), label="require grad")
    inputs = [None if v is None else mg.tensor(v, requires_grad=i in wanted)
              for i, v in enumerate(values)]
    assert gradcheck(RNNLayer.apply, (*inputs, nonlinearity)) is True


# ---------------------------------------------------------------------- argument checks
# The messages are matched whole.
@pytest.mark.parametrize(
    "args, kwargs, match",
    [((3, 5, 1, "gelu"), {"bias": 1},
      r"^Unknown nonlinearity 'gelu'\. Select from 'tanh' or 'relu'\.$"),
     ((3, 5), {"bias": 1, "batch_first": 1}, "^bias should be of type bool, got: int$"),
     ((3, 5), {"batch_first": 1}, "^batch_first should be of type bool, got: int$"),
     ((3.0, 5), {"bias": True}, "^input_size should be of type int, got: float$"),
     ((0, 5.0), {}, "^input_size must be greater than zero$"),
     ((3, 5.0), {}, "^hidden_size should be of type int, got: float$"),
     ((3, 0, 0), {}, "^hidden_size must be greater than zero$"),
     ((3, 5, 0), {}, "^num_layers must be greater than zero$"),
     ((3, 5, 2.0), {}, "^'float' object cannot be interpreted as an integer$")],
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


# ---------------------------------------------------------------------- LSTM, GRU, their cells
def _flat(result):
    """(output, (h_n, c_n)) -> (output, h_n, c_n): every output compared and backpropagated."""
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], tuple):
        return (result[0], *result[1])
    return result


def _wrapped(kind: str, states_as=tuple, **config):
    """A module around nn.RNN / LSTM / GRU taking (x, h_0[, c_0]) as separate arguments, so
    that the module factory passes and checks each: `lstm.weight_ih_l0`, ... in both. LSTM
    gets (h_0, c_0) as a tuple or, as PyTorch also takes it, a list (`states_as`)."""
    def build(nn):
        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, kind)(**config)

            def forward(self, x, h0=None, c0=None):
                hx = states_as((h0, c0)) if kind == "LSTM" and h0 is not None else h0
                return _flat(self.rnn(x, hx))
        return Wrapper()
    return build


@st.composite
def gated_configurations(draw: st.DrawFn, kind: str) -> dict:
    hidden_size = draw(st.integers(1, 4))
    config = dict(
        input_size=draw(sizes), hidden_size=hidden_size, num_layers=draw(st.integers(1, 2)),
        bias=draw(st.booleans()), batch_first=draw(st.booleans()),
        bidirectional=draw(st.booleans()),
    )
    if kind == "LSTM" and hidden_size > 1:
        config["proj_size"] = draw(st.integers(0, hidden_size - 1))
    if kind == "RNN":
        config["nonlinearity"] = draw(nonlinearities)
    return config


@settings(max_examples=60)
@given(dtype=float_dtypes(), kind=st.sampled_from(("LSTM", "GRU", "RNN")), data=st.data(),
       length=st.integers(1, 5), batch=st.sampled_from((None, 1, 3)), given_hidden=st.booleans())
def test_lstm_gru_and_bidirectional_rnn_match_torch_for_layers_projection_and_hidden_states(
    dtype, kind, data, length, batch, given_hidden
):
    """Outputs, final states and every gradient against PyTorch, for LSTM (with proj_size),
    GRU and RNN, one or two layers and directions, batch_first, batched or not, with or without
    the initial states (h_0 and c_0 of shapes (D * num_layers, N, H_out / hidden_size))."""
    config = data.draw(gated_configurations(kind), label="config")
    directions = 2 if config["bidirectional"] else 1
    states = (directions * config["num_layers"],) + (() if batch is None else (batch,))
    if batch is None:
        x_shape = (length, config["input_size"])
    elif config["batch_first"]:
        x_shape = (batch, length, config["input_size"])
    else:
        x_shape = (length, batch, config["input_size"])
    x = data.draw(arrays(dtype, x_shape, low=-2, high=2), label="input")
    inputs = [x]
    if given_hidden:
        h_size = config.get("proj_size") or config["hidden_size"]
        inputs.append(data.draw(arrays(dtype, (*states, h_size), low=-1, high=1), label="h0"))
        if kind == "LSTM":
            inputs.append(data.draw(arrays(dtype, (*states, config["hidden_size"]), low=-1,
                                           high=1), label="c0"))
    states_as = data.draw(st.sampled_from((tuple, list)), label="LSTM states as")
    check_module_against_torch(_wrapped(kind, states_as, **config), inputs, dtype, data)


@settings(max_examples=30)
@given(kind=st.sampled_from(("LSTM", "GRU", "RNN")), data=st.data(), length=st.integers(1, 4))
def test_output_changed_in_place_and_hooked_gives_torchs_gradients(kind, data, length):
    """The output is a tensor of its own, as in PyTorch: a hook on it sees its gradient alone
    (not h_n's too), and changing it in place leaves what the layers saved intact."""
    config = data.draw(gated_configurations(kind), label="config")
    theirs = getattr(torch.nn, kind)(**config).double()
    ours = getattr(mg.nn, kind)(**config).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    shape = (2, length) if config["batch_first"] else (length, 2)
    x = data.draw(arrays(np.dtype(np.float64), (*shape, config["input_size"]), low=-2, high=2))
    seen = {}
    for lib, module in ((mg, ours), (torch, theirs)):
        seen[lib] = []
        for change in (False, True):
            inputs = lib.tensor(x, requires_grad=True)
            output, h_n = _flat(module(inputs))[:2]
            if change:
                output.mul_(2)
            else:
                output.register_hook(lambda g, seen=seen[lib]: seen.append(to_numpy(g).copy()))
            ((output * output).sum() + (h_n * h_n).sum()).backward()
            seen[lib] += [inputs.grad] + [p.grad for p in module.parameters()]
    for a, e in zip(seen[mg], seen[torch], strict=True):
        assert_close(a, e, what="gradient")


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_lstm_and_gru_backward_twice_with_retain_graph_matches_torch(kind):
    """Over enough steps for backward to work in several chunks: the first pass, which must
    leave the saved gates intact for the second, and the last, which may reuse them."""
    rng = np.random.default_rng(6)
    x = rng.uniform(-1, 1, (300, 8, 3))
    theirs = getattr(torch.nn, kind)(3, 20).double()
    ours = getattr(mg.nn, kind)(3, 20).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    grads = {}
    for lib, module in ((mg, ours), (torch, theirs)):
        inputs = lib.tensor(x, requires_grad=True)
        output, _ = module(inputs)
        loss = (output * output).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        grads[lib] = [inputs.grad] + [p.grad for p in module.parameters()]
    for a, e in zip(grads[mg], grads[torch], strict=True):
        assert_close(a, e, what="gradient accumulated over two passes")


def test_lstm_and_gru_over_a_thousand_steps_match_torch():
    """Backpropagation through 1000 steps of a two-layer, bidirectional LSTM with projection
    and of a GRU, in float64."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (1000, 2, 3))
    check_module_against_torch(
        _wrapped("LSTM", input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
                 proj_size=2), [x], np.dtype(np.float64), rng)
    check_module_against_torch(_wrapped("GRU", input_size=3, hidden_size=4, num_layers=2),
                               [x], np.dtype(np.float64), rng)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batch", [(), (1,), (3,)], ids=["unbatched", "batch of 1", "batch of 3"])
@settings(max_examples=10)  # per cell and batch shape, so that each is run with and without hx
@given(dtype=float_dtypes(), input_size=sizes, hidden_size=sizes, bias=st.booleans(),
       given_hidden=st.booleans(), data=st.data())
def test_lstm_and_gru_cells_match_torch_batched_or_not(
    dtype, kind, input_size, hidden_size, bias, batch, given_hidden, data
):
    x = data.draw(arrays(dtype, (*batch, input_size), low=-2, high=2), label="input")
    h = data.draw(arrays(dtype, (*batch, hidden_size), low=-2, high=2), label="hx")
    c = data.draw(arrays(dtype, (*batch, hidden_size), low=-2, high=2), label="cx")

    def build(nn):
        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.cell = getattr(nn, kind)(input_size, hidden_size, bias)

            def forward(self, x, h=None, c=None):
                if kind == "GRUCell":
                    return self.cell(x, h)
                return self.cell(x, None if h is None else (h, c))
        return Wrapper()

    inputs = [x] + (([h, c] if kind == "LSTMCell" else [h]) if given_hidden else [])
    check_module_against_torch(build, inputs, dtype, data)


def _gradcheck_values(data, shapes):
    return [None if s is None else data.draw(arrays(np.float64, s, low=-1, high=1, ties=False),
                                             label=str(i)) for i, s in enumerate(shapes)]


@settings(max_examples=30)
@given(length=st.integers(1, 4), batch=st.integers(1, 3), input_size=sizes,
       hidden_size=st.integers(2, 4), bias=st.booleans(), given_hidden=st.booleans(),
       project=st.booleans(), data=st.data())
def test_lstm_and_gru_layer_backward_passes_gradcheck_in_float64(
    length, batch, input_size, hidden_size, bias, given_hidden, project, data
):
    """LSTMLayer's and GRULayer's backpropagation through time against finite differences,
    for a random non-empty subset of inputs requiring grad."""
    from minigrad.functions.layers import GRULayer, LSTMLayer
    out = 1 if project else hidden_size
    four, three = 4 * hidden_size, 3 * hidden_size
    for layer, shapes in (
        (LSTMLayer, [(length, batch, input_size), (batch, out) if given_hidden else None,
                     (batch, hidden_size) if given_hidden else None, (four, input_size),
                     (four, out), (four,) if bias else None, (four,) if bias else None,
                     (1, hidden_size) if project else None]),
        (GRULayer, [(length, batch, input_size), (batch, hidden_size) if given_hidden else None,
                    (three, input_size), (three, hidden_size), (three,) if bias else None,
                    (three,) if bias else None]),
    ):
        values = _gradcheck_values(data, shapes)
        present = [i for i, v in enumerate(values) if v is not None]
        wanted = data.draw(st.sets(st.sampled_from(present), min_size=1), label="require grad")
        inputs = [None if v is None else mg.tensor(v, requires_grad=i in wanted)
                  for i, v in enumerate(values)]
        assert gradcheck(layer.apply, tuple(inputs)) is True


def test_dropout_between_layers_uses_minigrads_generator_in_training_only():
    """Training: the output between layers is F.dropout's, mask from minigrad's generator, so
    a seeded run repeats; eval: no dropout, equal to PyTorch's eval output."""
    lstm = mg.nn.LSTM(2, 3, 3, dropout=0.5).double()
    x = mg.tensor(np.random.default_rng(6).uniform(-1, 1, (4, 2, 2)))
    mg.manual_seed(0)
    first = lstm(x)[0].detach().numpy()
    mg.manual_seed(0)
    assert np.array_equal(lstm(x)[0].detach().numpy(), first)
    lstm.eval()
    assert not np.array_equal(lstm(x)[0].detach().numpy(), first)
    theirs_lstm = torch.nn.LSTM(2, 3, 3, dropout=0.5).double().eval()
    theirs_lstm.load_state_dict({k: torch.tensor(v.detach().numpy())
                                 for k, v in lstm.state_dict().items()})
    assert_close(lstm(x)[0], theirs_lstm(torch.tensor(x.numpy()))[0], what="eval output")


@pytest.mark.parametrize("kind, num_layers, dropout", [
    ("GRU", 1, 0.5), ("RNN", 1, 0.0), ("LSTM", 2, 0.5)])
def test_dropout_on_one_layer_warns_like_torch(kind, num_layers, dropout):
    """Only a non-zero dropout with one layer warns, in PyTorch's words."""
    messages = []
    for lib in (mg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(lib.nn, kind)(2, 3, num_layers, dropout=dropout)
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1]
    assert len(messages[0]) == (dropout > 0 and num_layers == 1)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_the_dropout_warning_names_the_callers_line(kind):
    """minigrad's warning names the line that built the layer, whether the class has an
    __init__ of its own (RNN, GRU) or not (LSTM). (PyTorch's names a line of its own rnn.py,
    the subclass's call of RNNBase.__init__.)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(mg.nn, kind)(2, 3, dropout=0.5)
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


_ONLY_LSTM = "^proj_size argument is only supported for LSTM, not RNN or GRU$"
_DROPOUT_RANGE = (r"^dropout should be a number in range \[0, 1\] representing the probability "
                  "of an element being zeroed$")


@pytest.mark.parametrize(
    "build, match",
    [(lambda lib: lib.nn.LSTM(3, 5, proj_size=5), "^proj_size has to be smaller than hidden_size$"),
     (lambda lib: lib.nn.LSTM(3, 5, proj_size=-1),
      "^proj_size should be a positive integer or zero to disable projections$"),
     (lambda lib: lib.nn.GRU(3, 5, proj_size=2), _ONLY_LSTM),
     (lambda lib: lib.nn.RNN(3, 5, proj_size=2), _ONLY_LSTM),
     (lambda lib: lib.nn.LSTM(3, 5, dropout=1.5), _DROPOUT_RANGE),
     (lambda lib: lib.nn.GRU(3, 5, dropout=True), _DROPOUT_RANGE)],
)
def test_lstm_and_gru_constructors_validate_like_torch(build, match):
    assert_raises_like_torch(build, Call(()), match)


@pytest.mark.parametrize(
    "x, h, match",
    [(_zeros(4, 2, 3), (_zeros(2, 2, 5), _zeros(2, 5)),
      r"For batched 3-D input, hx and cx should also be 3-D but got \(3-D, 2-D\) tensors"),
     (_zeros(4, 3), (_zeros(2, 1, 5), _zeros(2, 1, 5)),
      r"For unbatched 2-D input, hx and cx should also be 2-D but got \(3-D, 3-D\)"),
     (_zeros(4, 2, 3), (_zeros(1, 2, 5), _zeros(2, 2, 5)),
      r"Expected hidden\[0\] size \(2, 2, 5\), got \[1, 2, 5\]"),
     (_zeros(4, 2, 3), (_zeros(2, 2, 5), _zeros(2, 3, 5)),
      r"Expected hidden\[1\] size \(2, 2, 5\), got \[2, 3, 5\]"),
     (_zeros(1, 4, 2, 3), None, "LSTM: Expected input to be 2D or 3D, got 4D instead"),
     (_zeros(4, 2, 4), None, "input.size\\(-1\\) must be equal to input_size"),
     (_zeros(0, 2, 3), None, "Expected sequence length to be larger than 0 in RNN"),
     (_zeros(4, 2, 3, dtype=np.float64), None, r"RNN input dtype \(.*float64\) does not match")],
)
def test_lstm_forward_rejects_bad_inputs_like_torch(x, h, match):
    tensors = (x,) if h is None else (x, *h)
    assert_raises_like_torch(
        lambda lib, x, *h: lib.nn.LSTM(3, 5, 2)(x, tuple(h) if h else None), Call(tensors), match)


@pytest.mark.parametrize(
    "x, h, match",
    [(_zeros(4, 2, 3), _zeros(1, 2, 5), r"Expected hidden size \(2, 2, 5\), got \[1, 2, 5\]"),
     (_zeros(1, 4, 2, 3), None, "GRU: Expected input to be 2D or 3D, got 4D instead"),
     (_zeros(4, 2, 3), _zeros(2, 5), "For batched 3-D input, hx should also be 3-D but got 2-D"),
     (_zeros(4, 2, 3), _zeros(2, 2, 5, dtype=np.float64),
      "mat1 and mat2 must have the same dtype, but got Double and Float")],
)
def test_gru_forward_rejects_bad_inputs_like_torch(x, h, match):
    tensors = (x,) if h is None else (x, h)
    assert_raises_like_torch(lambda lib, *t: lib.nn.GRU(3, 5, 2)(*t), Call(tensors), match)


@pytest.mark.parametrize(
    "kind, x, h, match",
    [("LSTMCell", _zeros(2, 2, 3), None, "LSTMCell: Expected input to be 1D or 2D, got 3D"),
     ("LSTMCell", _zeros(2, 4), None, "input has inconsistent input_size: got 4 expected 3"),
     ("LSTMCell", _zeros(2, 3), (_zeros(3, 5), _zeros(2, 5)),
      "Input batch size 2 doesn't match hidden0 batch size 3"),
     ("LSTMCell", _zeros(2, 3), (_zeros(2, 5), _zeros(2, 4)),
      "hidden1 has inconsistent hidden_size: got 4, expected 5"),
     ("LSTMCell", _zeros(2, 3), (_zeros(2, 2, 5), _zeros(2, 5)),
      r"LSTMCell: Expected hx\[0\] to be 1D or 2D, got 3D instead"),
     ("GRUCell", _zeros(2, 2, 3), None, "GRUCell: Expected input to be 1D or 2D, got 3D"),
     ("GRUCell", _zeros(2, 3), _zeros(3, 5), "Input batch size 2 doesn't match hidden0"),
     ("GRUCell", _zeros(2, 3), _zeros(2, 4), "hidden0 has inconsistent hidden_size: got 4"),
     ("GRUCell", _zeros(2, 3), _zeros(2, 2, 5), "GRUCell: Expected hidden to be 1D or 2D")],
)
def test_lstm_and_gru_cells_reject_bad_inputs_like_torch(kind, x, h, match):
    if kind == "LSTMCell":
        tensors = (x,) if h is None else (x, *h)
        call = lambda lib, x, *h: lib.nn.LSTMCell(3, 5)(x, tuple(h) if h else None)  # noqa: E731
    else:
        tensors = (x,) if h is None else (x, h)
        call = lambda lib, *t: lib.nn.GRUCell(3, 5)(*t)  # noqa: E731
    assert_raises_like_torch(call, Call(tensors), match)


def test_lstm_gru_and_cell_reprs_match_torch():
    for build in (lambda nn: nn.LSTM(3, 5, 2, proj_size=2, bidirectional=True, dropout=0.5),
                  lambda nn: nn.GRU(3, 4, batch_first=True), lambda nn: nn.LSTMCell(3, 5, False),
                  lambda nn: nn.GRUCell(3, 4), lambda nn: nn.RNN(3, 4, bidirectional=True),
                  lambda nn: nn.RNN(3, 4, nonlinearity="relu", dropout=0.2)):
        assert repr(build(mg.nn)) == repr(build(torch.nn))


# ---------------------------------------------------------------------- packed sequences
@settings(max_examples=40)
@given(dtype=float_dtypes(), kind=st.sampled_from(("LSTM", "GRU", "RNN")),
       lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4), sort=st.booleans(),
       bidirectional=st.booleans(), num_layers=st.integers(1, 2), given_hidden=st.booleans(),
       batch_first=st.booleans(), data=st.data())
def test_packed_sequences_through_rnn_lstm_gru_match_torch(
    dtype, kind, lengths, sort, bidirectional, num_layers, given_hidden, batch_first, data
):
    """pack_sequence (sorted or not), the module on the PackedSequence, pad_packed_sequence:
    the packed output, batch_sizes, sorted and unsorted indices, the final states (in the
    caller's batch order), the padded output and lengths, and the gradients of every sequence,
    initial state and parameter equal PyTorch's."""
    if sort:
        lengths = sorted(lengths, reverse=True)
    states_as = data.draw(st.sampled_from((tuple, list)), label="LSTM states as")
    seqs = [data.draw(arrays(dtype, (n, 2), low=-2, high=2), label=f"seq {i}")
            for i, n in enumerate(lengths)]
    states = (2 if bidirectional else 1) * num_layers
    hidden = [data.draw(arrays(dtype, (states, len(lengths), 3), low=-1, high=1), label=f"h{i}")
              for i in range(2 if kind == "LSTM" else 1)] if given_hidden else []
    theirs = getattr(torch.nn, kind)(2, 3, num_layers, bidirectional=bidirectional).to(
        DTYPES[dtype])
    ours = getattr(mg.nn, kind)(2, 3, num_layers, bidirectional=bidirectional).to(dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    results = {}
    for lib, module in ((mg, ours), (torch, theirs)):
        rnn_utils = lib.nn.utils.rnn
        inputs = [lib.tensor(a.copy(), requires_grad=True) for a in seqs + hidden]
        packed = rnn_utils.pack_sequence(inputs[:len(seqs)], enforce_sorted=sort)
        hx = None if not hidden else (states_as(inputs[len(seqs):]) if kind == "LSTM"
                                      else inputs[len(seqs)])
        output, h_n = module(packed, hx)
        h_n = h_n if isinstance(h_n, tuple) else (h_n,)
        padded, out_lengths = rnn_utils.pad_packed_sequence(output, batch_first=batch_first,
                                                            padding_value=-1.0)
        results[lib] = (inputs, output, h_n, padded, out_lengths, packed)
    (ins, out, h_n, padded, out_lengths, packed), expected = results[mg], results[torch]
    for a, e in zip(packed[1:] + out[1:], expected[5][1:] + expected[1][1:], strict=True):
        assert (a is None) == (e is None) and (a is None or a.tolist() == e.tolist())
    assert out_lengths.tolist() == expected[4].tolist()
    for a, e, what in [(out.data, expected[1].data, "packed output"),
                       (padded, expected[3], "padded output"),
                       *[(a, e, "final state") for a, e in zip(h_n, expected[2], strict=True)]]:
        assert_close(a, e, what=what)
    upstream = [draw_upstream(data, dtype, tuple(t.shape), f"upstream {i}")
                for i, t in enumerate((expected[3], *expected[2]))]
    torch.autograd.backward([expected[3], *expected[2]], [torch.tensor(g) for g in upstream])
    sum((a * mg.tensor(g)).sum() for a, g in zip((padded, *h_n), upstream, strict=True)).backward()
    for i, (a, e) in enumerate(zip(ins, expected[0], strict=True)):
        assert_close(a.grad, e.grad, what=f"grad of input {i}")
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert_close(p.grad, q.grad, what=f"grad of {name}")


@given(dtype=float_dtypes(), lengths=st.lists(st.integers(1, 4), min_size=1, max_size=4),
       batch_first=st.booleans(), padding_value=st.sampled_from((0.0, -1.5)),
       padding_side=st.sampled_from(("left", "right")), data=st.data())
def test_pad_sequence_and_pack_padded_sequence_match_torch_with_gradients(
    dtype, lengths, batch_first, padding_value, padding_side, data
):
    seqs = [data.draw(arrays(dtype, (n, 2), low=-2, high=2), label=f"seq {i}")
            for i, n in enumerate(lengths)]
    results = {}
    for lib in (mg, torch):
        rnn_utils = lib.nn.utils.rnn
        inputs = [lib.tensor(a.copy(), requires_grad=True) for a in seqs]
        padded = rnn_utils.pad_sequence(inputs, batch_first, padding_value, padding_side)
        packed = rnn_utils.pack_padded_sequence(padded, lengths, batch_first,
                                                enforce_sorted=False)
        results[lib] = (inputs, padded, packed)
    (ins, padded, packed), (their_ins, their_padded, their_packed) = results[mg], results[torch]
    assert_close(padded, their_padded, what="padded")
    assert_close(packed.data, their_packed.data, what="packed data")
    for a, e in zip(packed[1:], their_packed[1:], strict=True):
        assert a.tolist() == e.tolist()
    upstream = draw_upstream(data, dtype, tuple(their_packed.data.shape), "upstream")
    their_packed.data.backward(torch.tensor(upstream))
    (packed.data * mg.tensor(upstream)).sum().backward()
    for a, e in zip(ins, their_ins, strict=True):
        assert_close(a.grad, e.grad, what="grad of a sequence")


@pytest.mark.parametrize(
    "call, match",
    [(lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [2, 3, 1]),
      "`lengths` array must be sorted in decreasing order"),
     (lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 2, 0]),
      "Length of all samples has to be greater than 0"),
     (lambda u, lib: u.pack_padded_sequence(lib.zeros(4, 3, 2), [3, 2]),
      r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)"),
     (lambda u, lib: u.pad_packed_sequence(u.pack_sequence([lib.zeros(3, 1)]), total_length=2),
      "Expected total_length to be at least the length of the longest sequence"),
     (lambda u, lib: u.pad_sequence([]), "received an empty list of sequences")],
)
def test_packing_utilities_reject_bad_arguments_like_torch(call, match):
    assert_raises_like_torch(lambda lib: call(lib.nn.utils.rnn, lib), Call(()), match)

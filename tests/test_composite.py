"""Random composite programs: many operations chained into one graph, run in minigrad and in
PyTorch, must give the same leaf gradients.

Single-operation tests (test_ops.py) cannot catch mistakes of the backward pass itself: a node
run before all its gradient has arrived, a gradient that fans in from two paths counted once,
a leaf used by several operations. A program here draws a few float64 leaves with shapes that
broadcast together, then a sequence of steps; each step applies an operation from the table to
earlier values, any of them (leaves or results), so values are reused (fan-out) and results
combine several paths (fan-in). Every result is summed into a scalar loss, so gradient reaches
every step, and `loss.backward()` must leave the same `.grad` on every leaf in both libraries.

Every operation keeps values bounded (tanh, sigmoid, a divisor of at least 1, multiplication
by a tanh) so that a long program cannot overflow, and keeps shapes broadcastable: reductions
keep their dims.

The whole-layer nodes (minigrad/functions/layers.py: Linear, MseLoss, CrossEntropy, RNNLayer,
LSTMLayer, GRULayer) are the other way round: one node that does the work of a composition of
operations. Each is pinned here equal to that composition, run in minigrad, and to PyTorch: the
same values and the same gradients in float64.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import arrays, broadcastable_shapes, shapes
from support import assert_close
from test_nn_modules import batch_shapes, sizes

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

UNARY = {
    "tanh": lambda lib, x: x.tanh(),
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "neg": lambda lib, x: -x,
    "scale": lambda lib, x: 0.5 * x - 0.25,
    "relu": lambda lib, x: lib.relu(x),
    "exp of tanh": lambda lib, x: lib.exp(x.tanh()),
    "x tanh x": lambda lib, x: x * x.tanh(),
    "sum last dim": lambda lib, x: x.sum(dim=-1, keepdim=True),
    "mean": lambda lib, x: x.mean(),
    "softmax last dim": lambda lib, x: lib.softmax(x, -1),
    "logsumexp last dim": lambda lib, x: lib.logsumexp(x, -1, keepdim=True),
}

BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: a - b,
    "mul by tanh": lambda lib, a, b: a * b.tanh(),
    "div": lambda lib, a, b: a / (1 + b * b),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, 0.5 * b),
}


@dataclass
class Program:
    """Leaves, then steps `(op, operand indices)`; value i is leaf i for i < len(leaves), else
    the result of step i - len(leaves)."""

    leaves: list[np.ndarray]
    steps: list[tuple[str, tuple[int, ...]]]

    def run(self, lib):
        """The leaves (requiring grad) and the scalar loss: the sum of every step's result."""
        leaves = [lib.tensor(leaf.copy(), requires_grad=True) for leaf in self.leaves]
        values = list(leaves)
        loss = 0.0
        for name, operands in self.steps:
            table = UNARY if len(operands) == 1 else BINARY
            result = table[name](lib, *(values[i] for i in operands))
            values.append(result)
            loss = loss + result.sum()
        return leaves, loss


@st.composite
def programs(draw: st.DrawFn, max_steps: int = 10) -> Program:
    count = draw(st.integers(1, 3))
    shapes = draw(broadcastable_shapes(count, max_dims=3, max_side=3))
    leaves = [draw(arrays(np.dtype(np.float64), s, low=-2, high=2, ties=False)) for s in shapes]
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        available = len(leaves) + len(steps)
        # Counting back from the newest value makes chains deep and shrinks towards them.
        operand = st.integers(0, available - 1).map(lambda back, n=available: n - 1 - back)
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(operand),)))
        else:
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(operand), draw(operand))))
    return Program(leaves, steps)


@given(programs())
def test_random_programs_with_fan_out_and_fan_in_give_torchs_leaf_gradients(program):
    for step in program.steps:
        note(f"step {step}")
    (ours, our_loss), (theirs, their_loss) = program.run(mg), program.run(torch)
    assert_close(our_loss, their_loss, what="loss")
    our_loss.backward()
    their_loss.backward()
    for i, (m, t) in enumerate(zip(ours, theirs, strict=True)):
        if t.grad is None:
            assert m.grad is None, f"leaf {i} is not used, its grad must stay None"
        else:
            assert_close(m.grad, t.grad, what=f"grad of leaf {i}")


# ---------------------------------------------------------------------- whole-layer nodes
FLOAT64 = np.dtype(np.float64)


def check_node_equals_composition(
    node: str, ours: Callable[..., Any], composition: Callable[..., Any],
    theirs: Callable[..., Any], values: list[np.ndarray | None], data: st.DataObject,
    **kwargs: Any,
) -> None:
    """`ours(*inputs, **kwargs)` must record the whole-layer node `node` and give the values
    and gradients of `composition(mg, *inputs, **kwargs)`, the engine operations it replaces,
    and of PyTorch's `theirs(*inputs, **kwargs)`, within float64's tolerance (1e-10 relative).

    All three run on the same `values` (None stays None; integer arrays, class indices, never
    require grad), with the same float ones requiring grad (all of them, or a drawn non-empty
    subset), and backpropagate the same drawn upstream gradient. An input that does not require
    grad must end with grad None in all three.
    """
    floats = [i for i, v in enumerate(values) if v is not None and v.dtype.kind == "f"]
    wanted = set(floats)
    if data.draw(st.booleans(), label="only some inputs require grad"):
        wanted = data.draw(st.sets(st.sampled_from(floats), min_size=1), label="require grad")
    runs = {}
    for name, lib, fn in (("node", mg, ours),
                          ("composition", mg, functools.partial(composition, mg)),
                          ("PyTorch", torch, theirs)):
        inputs = [None if v is None else lib.tensor(v.copy(), requires_grad=i in wanted)
                  for i, v in enumerate(values)]
        output = fn(*inputs, **kwargs)
        runs[name] = lib, inputs, output
    _, node_inputs, node_output = runs.pop("node")
    assert node_output.grad_fn.name() == f"{node}Backward"
    assert runs["composition"][2].grad_fn.name() != f"{node}Backward"

    upstream = data.draw(arrays(FLOAT64, tuple(node_output.shape), low=-2, high=2, ties=False),
                         label="upstream gradient")
    node_output.backward(mg.tensor(upstream))
    for name, (lib, inputs, output) in runs.items():
        assert_close(node_output, output, what=f"output against the {name}")
        output.backward(lib.tensor(upstream))
        for i, (ours_i, theirs_i) in enumerate(zip(node_inputs, inputs, strict=True)):
            if ours_i is None:
                continue
            assert (ours_i.grad is None) == (theirs_i.grad is None), f"input {i} ({name})"
            if theirs_i.grad is not None:
                assert_close(ours_i.grad, theirs_i.grad, what=f"grad of input {i}, {name}")


def _reduced(losses: Any, reduction: str) -> Any:
    return losses.mean() if reduction == "mean" else losses.sum()


def linear_composition(lib: Any, x: Any, weight: Any, bias: Any) -> Any:
    """x @ W.T + b: a transpose (a Permute node), a MatMul and an Add."""
    y = x @ weight.T
    return y if bias is None else y + bias


@given(in_features=sizes, out_features=sizes, batch=batch_shapes(), bias=st.booleans(),
       data=st.data())
def test_linear_node_equals_x_matmul_w_t_plus_b_and_torch(
    in_features, out_features, batch, bias, data
):
    """F.linear, for any leading dims (none, or sides of 0), with or without a bias."""
    values = [data.draw(arrays(FLOAT64, (*batch, in_features)), label="x"),
              data.draw(arrays(FLOAT64, (out_features, in_features)), label="weight"),
              data.draw(arrays(FLOAT64, (out_features,)), label="bias") if bias else None]
    check_node_equals_composition("Linear", mg.nn.functional.linear, linear_composition,
                                  torch.nn.functional.linear, values, data)


def mse_loss_composition(lib: Any, x: Any, y: Any, reduction: str) -> Any:
    """((x - y) ** 2).mean(), or .sum(): a Sub, a Pow and a Mean (or a Sum)."""
    return _reduced((x - y) ** 2, reduction)


@given(shape=shapes(min_dims=0, max_dims=3, max_side=5),
       reduction=st.sampled_from(("mean", "sum")), data=st.data())
def test_mse_loss_node_equals_squared_difference_then_mean_or_sum_and_torch(
    shape, reduction, data
):
    """F.mse_loss of an input and a target of one shape, 0-d included; both may require grad."""
    values = [data.draw(arrays(FLOAT64, shape), label="input"),
              data.draw(arrays(FLOAT64, shape), label="target")]
    check_node_equals_composition("MseLoss", mg.nn.functional.mse_loss, mse_loss_composition,
                                  torch.nn.functional.mse_loss, values, data,
                                  reduction=reduction)


def cross_entropy_composition(lib: Any, x: Any, y: Any, reduction: str) -> Any:
    """-x.log_softmax(1)[range(N), y], then .mean() or .sum(): a LogSoftmax, an Index, a Neg
    and the reduction."""
    return _reduced(-x.log_softmax(1)[lib.arange(len(y)), y], reduction)


@given(batch=st.integers(1, 8), classes=st.integers(1, 6),
       reduction=st.sampled_from(("mean", "sum")), data=st.data())
def test_cross_entropy_node_equals_picked_negative_log_softmax_and_torch(
    batch, classes, reduction, data
):
    """F.cross_entropy of (N, C) logits, large ones included, and valid int64 class indices."""
    values = [data.draw(arrays(FLOAT64, (batch, classes), low=-30, high=30), label="logits"),
              data.draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1)),
                        label="labels")]
    check_node_equals_composition(
        "CrossEntropy", mg.nn.functional.cross_entropy, cross_entropy_composition,
        torch.nn.functional.cross_entropy, values, data, reduction=reduction,
    )


def rnn_layer_composition(
    lib: Any, x: Any, h_0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, nonlinearity: str,
) -> Any:
    """The recurrence unrolled, h_t = act(x_t @ W_ih.T + b_ih + h_{t-1} @ W_hh.T + b_hh) for
    t = 1 .. L, then the h_t stacked: per step an Index, two transposes and two MatMuls, up to
    four Adds and the activation."""
    act = lib.tanh if nonlinearity == "tanh" else lib.relu
    h = lib.zeros(x.shape[1], w_hh.shape[0], dtype=x.dtype) if h_0 is None else h_0
    hs = []
    for t in range(x.shape[0]):
        if b_ih is None:
            h = act(x[t] @ w_ih.T + h @ w_hh.T)
        else:
            h = act(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        hs.append(h)
    return lib.stack(hs)


@given(length=st.integers(1, 4), batch=st.integers(0, 3), input_size=sizes,
       hidden_size=sizes, bias=st.booleans(), given_hidden=st.booleans(),
       nonlinearity=st.sampled_from(("tanh", "relu")), data=st.data())
def test_rnn_layer_node_equals_the_unrolled_recurrence_and_torch(
    length, batch, input_size, hidden_size, bias, given_hidden, nonlinearity, data
):
    """F._rnn_layer, one layer of nn.RNN (x (L, N, in), batch 0 included), with or without h_0
    and biases. PyTorch runs the same recurrence: it has no functional RNN (test_nn_rnn.py
    compares nn.RNN with torch.nn.RNN)."""
    def draw(shape, label):
        return data.draw(arrays(FLOAT64, shape, low=-2, high=2), label=label)

    values = [draw((length, batch, input_size), "x"),
              draw((batch, hidden_size), "h_0") if given_hidden else None,
              draw((hidden_size, input_size), "w_ih"), draw((hidden_size, hidden_size), "w_hh"),
              draw((hidden_size,), "b_ih") if bias else None,
              draw((hidden_size,), "b_hh") if bias else None]
    check_node_equals_composition(
        "RNNLayer", mg.nn.functional._rnn_layer, rnn_layer_composition,
        functools.partial(rnn_layer_composition, torch), values, data,
        nonlinearity=nonlinearity,
    )


def _time_major(x: Any, batch_first: bool) -> Any:
    return x.transpose(0, 1) if batch_first else x


def lstm_layer_composition(
    lib: Any, x: Any, h_0: Any, c_0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any,
    w_hr: Any, batch_first: bool,
) -> Any:
    """The LSTM recurrence unrolled (gates i, f, g, o), h_t and c_t side by side at each
    step, then stacked along the time dim: per step two MatMuls, the gates' slices,
    sigmoids and tanhs, and the projection's MatMul."""
    x = _time_major(x, batch_first)
    hidden, out = w_hh.shape[0] // 4, w_hh.shape[1]
    h = lib.zeros(x.shape[1], out, dtype=x.dtype) if h_0 is None else h_0
    c = lib.zeros(x.shape[1], hidden, dtype=x.dtype) if c_0 is None else c_0
    steps = []
    for t in range(x.shape[0]):
        a = x[t] @ w_ih.T + h @ w_hh.T
        if b_ih is not None:
            a = a + b_ih + b_hh
        i, f, g, o = (a[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = lib.sigmoid(f) * c + lib.sigmoid(i) * lib.tanh(g)
        h = lib.sigmoid(o) * lib.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.T
        steps.append(lib.cat([h, c], -1))
    return lib.stack(steps, 1 if batch_first else 0)


def gru_layer_composition(
    lib: Any, x: Any, h_0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any, batch_first: bool,
) -> Any:
    """The GRU recurrence unrolled (gates r, z, n), h_t stacked along the time dim:
    n = tanh(gi_n + r * gh_n), h_t = (1 - z) n + z h_{t-1}."""
    x = _time_major(x, batch_first)
    hidden = w_hh.shape[1]
    h = lib.zeros(x.shape[1], hidden, dtype=x.dtype) if h_0 is None else h_0
    steps = []
    for t in range(x.shape[0]):
        gi, gh = x[t] @ w_ih.T, h @ w_hh.T
        if b_ih is not None:
            gi, gh = gi + b_ih, gh + b_hh
        r, z, n = (slice(k * hidden, (k + 1) * hidden) for k in range(3))
        reset, update = lib.sigmoid(gi[:, r] + gh[:, r]), lib.sigmoid(gi[:, z] + gh[:, z])
        h = (1 - update) * lib.tanh(gi[:, n] + reset * gh[:, n]) + update * h
        steps.append(h)
    return lib.stack(steps, 1 if batch_first else 0)


@given(kind=st.sampled_from(("LSTM", "GRU")), length=st.integers(1, 4),
       batch=st.integers(0, 3), input_size=sizes, hidden_size=sizes, bias=st.booleans(),
       given_hidden=st.booleans(), proj_size=st.sampled_from((None, 1, 2)),
       batch_first=st.booleans(), data=st.data())
def test_gated_layer_nodes_equal_the_unrolled_recurrences_and_torch(
    kind, length, batch, input_size, hidden_size, bias, given_hidden, proj_size, batch_first,
    data
):
    """LSTMLayer and GRULayer, one layer and direction of nn.LSTM and nn.GRU (batch_first
    read by the node itself, batch 0 included, with or without initial states, biases and
    LSTM's projection), against the recurrence unrolled in engine operations, and in PyTorch
    (test_nn_rnn.py compares the modules with torch.nn.LSTM and GRU)."""
    def draw(shape, label):
        return data.draw(arrays(FLOAT64, shape, low=-2, high=2), label=label)

    from minigrad.functions.layers import GRULayer, LSTMLayer
    gates = 4 if kind == "LSTM" else 3
    out = proj_size if kind == "LSTM" and proj_size else hidden_size
    x_shape = (batch, length, input_size) if batch_first else (length, batch, input_size)
    states = [draw((batch, out), "h_0") if given_hidden else None]
    if kind == "LSTM":
        states.append(draw((batch, hidden_size), "c_0") if given_hidden else None)
    values = [draw(x_shape, "x"), *states,
              draw((gates * hidden_size, input_size), "w_ih"),
              draw((gates * hidden_size, out), "w_hh"),
              draw((gates * hidden_size,), "b_ih") if bias else None,
              draw((gates * hidden_size,), "b_hh") if bias else None]
    if kind == "LSTM":
        values.append(draw((out, hidden_size), "w_hr") if out != hidden_size or proj_size
                      else None)
    node = LSTMLayer if kind == "LSTM" else GRULayer
    composition = lstm_layer_composition if kind == "LSTM" else gru_layer_composition
    check_node_equals_composition(
        f"{kind}Layer", lambda *inputs, batch_first: node.apply(*inputs, batch_first),
        composition, functools.partial(composition, torch), values, data,
        batch_first=batch_first,
    )

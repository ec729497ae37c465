"""Recurrent layers: the cells `RNNCell`, `LSTMCell`, `GRUCell` (one time step) and `RNN`,
`LSTM`, `GRU` (a whole sequence, several layers, one or two directions).

RNNCell and RNN compute the Elman recurrence

    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),    act = tanh or relu;

LSTM and GRU the gated recurrences written out in LSTMLayer's and GRULayer's docstrings
(minigrad/functions/layers.py), and their cells one step of the same.

RNNCell composes it from the engine's differentiable operations: call it in a loop over time
and backward() walks the unrolled graph back to the first step, which is backpropagation
through time with no code of its own. RNN instead runs each layer through `F._rnn_layer`,
which records one node for the whole sequence, `RNNLayer` (minigrad/functions/layers.py),
whose backward is backpropagation through time written out in NumPy: the same gradients,
several times faster on long sequences, and only the hidden states kept for backward.
LSTM and GRU do the same with LSTMLayer and GRULayer; LSTMCell and GRUCell compose their step
from engine operations, as RNNCell does.

A bidirectional layer runs a second set of weights (the `_reverse` parameters) over the
sequence read backwards and concatenates both directions' outputs along the features. Packed
sequences (nn.utils.rnn.PackedSequence) run padded, with each sequence's last state picked at
its own length and the reverse direction reversed within each length.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from minigrad.checks import c_name, dtype_repr, scalar_type, stacklevel_outside
from minigrad.creation import empty, zeros
from minigrad.functions.layers import FinalStates, GRULayer, LSTMLayer
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.utils.rnn import PackedSequence, _lengths, _padded_positions
from minigrad.tensor import Tensor, cat

_ACTIVATIONS = {"tanh": Tensor.tanh, "relu": Tensor.relu}


def _step(
    x: Tensor, h: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
    bias_hh: Tensor | None, nonlinearity: str,
) -> Tensor:
    """One time step, h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh).

    With a = the pre-activation and g = dL/dh': dL/da = g * act'(a), where
    tanh'(a) = 1 - h'^2 and relu'(a) = [a > 0]; then dL/dx = dL/da W_ih,
    dL/dh = dL/da W_hh, dL/dW_ih = dL/da^T x, dL/dW_hh = dL/da^T h, dL/db = sum of dL/da
    over the batch.
    """
    activation = _ACTIVATIONS[nonlinearity]
    return activation(F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh))


def _check_product(x: Any, weight: Tensor | None, bias: Tensor | None) -> None:
    """The dtypes of x W^T + b (x of dtype `x`) as PyTorch's recurrent kernels check them: with
    a bias, addmm's checks (the bias against the weight, then x); without, mm's."""
    if weight is None:
        return
    w = weight.dtype
    if bias is None:
        if x != w:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {c_name(x)} != {c_name(w)}"
            )
    elif bias.dtype != w:
        raise RuntimeError(
            f"self and mat2 must have the same dtype, but got {scalar_type(bias.dtype)} and "
            f"{scalar_type(w)}"
        )
    elif x != w:
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {scalar_type(x)} and "
            f"{scalar_type(w)}"
        )


class _RNNCellBase(Module):
    """What the cells share, as PyTorch's RNNCellBase: the parameters weight_ih (gates *
    hidden_size, input_size), weight_hh (gates * hidden_size, hidden_size) and the biases
    (gates * hidden_size,) or None, all from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)),
    and the checks of an input against its hidden states."""

    _gates = 1  # blocks of hidden_size rows in each weight: the gates (4 for LSTM, 3 for GRU)

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = self._gates * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size))
        self.weight_hh = Parameter(empty(gate_size, hidden_size))
        if bias:
            self.bias_ih = Parameter(empty(gate_size))
            self.bias_hh = Parameter(empty(gate_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _check(self, input: Tensor, hx: tuple[Tensor, ...], what: str) -> None:
        """The sizes of input and of each hidden state (named what0, what1, ...)."""
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected "
                f"{self.input_size}"
            )
        for i, h in enumerate(hx):
            if h.shape[0] != input.shape[0]:
                raise RuntimeError(
                    f"Input batch size {input.shape[0]} doesn't match {what}{i} batch size "
                    f"{h.shape[0]}"
                )
            if h.size(1) != self.hidden_size:
                raise RuntimeError(
                    f"{what}{i} has inconsistent hidden_size: got {h.size(1)}, expected "
                    f"{self.hidden_size}"
                )

    def _batched(self, input: Tensor, hx: Tensor | None,
                 name: str) -> tuple[Tensor, Tensor, bool]:
        """RNNCell's and GRUCell's (`name`) input and hidden state checked (1-D or 2-D) and
        made batched: (input, hx, whether input was batched); hx defaults to zeros."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if hx is not None and hx.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        elif not batched:
            hx = hx.unsqueeze(0)
        return input, hx, batched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            "" if self.bias is True else f", bias={self.bias}")


class RNNCell(_RNNCellBase):
    """One step of an Elman RNN: `cell(x, h)` returns the next hidden state.

    Input (N, input_size) with hidden (N, hidden_size), or unbatched (input_size,) with
    (hidden_size,). The hidden state defaults to zeros.

    Attributes:
        weight_ih: (hidden_size, input_size).
        weight_hh: (hidden_size, hidden_size).
        bias_ih, bias_hh: (hidden_size,), or None when `bias=False`.

    Every parameter starts from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
    The nonlinearity is not checked until forward, as in PyTorch.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        self.nonlinearity = nonlinearity  # (a plain attribute: settable before Module.__init__)
        super().__init__(input_size, hidden_size, bias)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._batched(input, hx, "RNNCell")
        if self.nonlinearity not in _ACTIVATIONS:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        self._check(input, (hx,), "hidden")
        h = _step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                  self.nonlinearity)
        return h if batched else h.squeeze(0)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else f"{s}, nonlinearity={self.nonlinearity}"


class _RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, PyTorch's
    argument checks, and the loop over layers. Each subclass runs one layer in one direction
    (`_run_layer`).

    Shapes, with L the sequence length, N the batch size, D = 2 if bidirectional else 1 and
    H_out = proj_size if proj_size > 0 else hidden_size:
        input: (L, N, input_size), or (N, L, input_size) when batch_first, or unbatched
            (L, input_size), or a PackedSequence.
        h_0 (optional, zeros by default) and h_n: (D * num_layers, N, H_out), even when
            batch_first; (D * num_layers, H_out) for unbatched input. LSTM also has c_0 and
            c_n, (D * num_layers, N, hidden_size).
        output: (L, N, D * H_out), the last layer's h_t for every t (both directions side by
            side), shaped like the input.

    Parameters of layer k, direction suffix "" or "_reverse": weight_ih_l{k}{suffix}
    (gates * hidden_size, input_size for k = 0 else D * H_out), weight_hh_l{k}{suffix}
    (gates * hidden_size, H_out), bias_ih_l{k}{suffix} and bias_hh_l{k}{suffix}
    (gates * hidden_size,) unless bias=False, weight_hr_l{k}{suffix} (proj_size,
    hidden_size) for an LSTM with proj_size > 0; gates is 4 for LSTM, 3 for GRU, 1 for RNN.
    All start from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). The names and their order
    match PyTorch's, so its state_dict loads directly.

    Dropout with probability `dropout` applies to the output of every layer but the last,
    in training mode only.
    """

    _gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        proj_size: int = 0,
    ) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}", stacklevel=stacklevel_outside(__file__),
            )
        for name, flag in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(flag).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size or hidden_size
        gate_size = self._gates * hidden_size
        for k in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                layer_input_size = input_size if k == 0 else out_size * directions
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input_size),
                    "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size > 0:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{k}{suffix}", Parameter(empty(*shape)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _layer(self, k: int, suffix: str = "") -> tuple[Tensor | None, ...]:
        """(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr) of layer k in one direction;
        the biases and weight_hr may be None."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return tuple(self._parameters.get(f"{name}_l{k}{suffix}") for name in names)

    def _states(self) -> int:
        return self.num_layers * (2 if self.bidirectional else 1)

    def _check_hidden(self, hx: Any, batch: int) -> None:
        """hx's shape; LSTM checks (h_0, c_0)."""
        expected = (self._states(), batch, self.proj_size or self.hidden_size)
        if hx is not None and hx.shape != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(hx.shape)}")

    def _check_input(self, input: Tensor, hx: Any, batch_first: bool) -> None:
        """PyTorch's checks, in its order; `input` is (L, N, input_size), or (N, L, input_size)
        if batch_first."""
        weight = self._layer(0)[0]
        assert weight is not None
        if input._data.dtype != weight._data.dtype:
            ours, theirs = dtype_repr(input.dtype), dtype_repr(weight.dtype)
            raise ValueError(
                f"RNN input dtype ({ours}) does not match weight dtype ({theirs}). Convert "
                f"input: input.to({theirs}), or convert model: model.to({ours})"
            )
        if input._data.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {input.shape[-1]}"
            )
        self._check_hidden(hx, input._data.shape[not batch_first])
        if input._data.shape[batch_first] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        # The rest PyTorch's kernel finds at its matrix products, layer by layer and direction
        # by direction: x W_ih^T + b_ih over the whole sequence, then h W_hh^T + b_hh (and
        # h W_hr^T with proj_size), h starting from h_0.
        first = hx[0] if isinstance(hx, (tuple, list)) else hx
        state = input.dtype if first is None else first.dtype
        for k in range(self.num_layers):
            for suffix in ("", "_reverse")[:2 if self.bidirectional else 1]:
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer(k, suffix)
                _check_product(input.dtype, w_ih, b_ih)
                _check_product(state, w_hh, b_hh)
                _check_product(input.dtype, w_hr, None)

    def _check_dims(self, input: Tensor, hx: Any) -> None:
        if hx is not None and hx.ndim != input.ndim:
            kind = "batched 3-D" if input.ndim == 3 else "unbatched 2-D"
            raise RuntimeError(
                f"For {kind} input, hx should also be {input.ndim}-D but got {hx.ndim}-D tensor"
            )

    def _run_layer(self, x: Tensor, hx: Any, k: int, suffix: str,
                   batch_first: bool) -> tuple[Tensor, Any]:
        """One layer in one direction over x (L, N, features), or (N, L, features) if
        batch_first, from hx (h_0 of that layer and direction, or (h_0, c_0) for LSTM, or
        None): returns (the h_t for every t, the states at every t from which the last one is
        picked: the same h_t, or for LSTM the h_t and c_t)."""
        raise NotImplementedError

    def _final_states(self, states: list[Tensor], at: tuple) -> Any:
        """h_n (for LSTM, (h_n, c_n)) from the states _run_layer returned for each layer and
        direction: the step `at` picks in each (the last, or each sequence's own), stacked."""
        return FinalStates.apply(at, *states)

    def _initial(self, hx: Any, index: int) -> Any:
        return None if hx is None else hx[index]

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        name = type(self).__name__
        packed = input if isinstance(input, PackedSequence) else None
        lengths = None
        if packed is not None:
            # Run padded, in the packed (sorted) batch order, and pack the output again.
            data, batch_sizes, sorted_indices, unsorted_indices = packed
            positions = _padded_positions(batch_sizes._data)
            # Zeros where a sequence has ended: they only feed steps after its end, whose
            # outputs are dropped, and get no gradient.
            padding = zeros(1, *data.shape[1:], dtype=data.dtype)
            input = cat([data, padding])[Tensor._make(positions)]
            lengths = _lengths(batch_sizes._data)
            if hx is not None and sorted_indices is not None:
                hx = self._permute(hx, sorted_indices)
            batched = True
        else:
            if input.ndim not in (2, 3):
                tensor = " tensor" if name == "RNN" else ""
                raise ValueError(
                    f"{name}: Expected input to be 2D or 3D, got {input.ndim}D{tensor} instead"
                )
            batched = input.ndim == 3
            self._check_dims(input, hx)
            # Work in (L, N, features), or in (N, L, features) for batch_first, which the layer
            # nodes read and write as they are; hidden states in (D * num_layers, N, H_out).
            if not batched:
                input = input.unsqueeze(1)
                hx = self._map(hx, lambda h: h.unsqueeze(1))
        batch_first = batched and packed is None and self.batch_first
        self._check_input(input, hx, batch_first)
        output, h_n = self._layers(input, hx, lengths, batch_first)
        if packed is not None:
            steps, rows = np.nonzero(positions < len(data))  # time-major, as packed data
            packed_output = output[Tensor._make(steps), Tensor._make(rows)]
            if unsorted_indices is not None:
                h_n = self._permute(h_n, unsorted_indices)
            return PackedSequence(packed_output, batch_sizes, sorted_indices,
                                  unsorted_indices), h_n
        if not batched:
            return output.squeeze(1), self._map(h_n, lambda h: h.squeeze(1))
        return output, h_n

    @staticmethod
    def _map(hx: Any, f: Any) -> Any:
        """f applied to the hidden state: one tensor, a tuple or list (LSTM), or None."""
        if hx is None:
            return None
        return tuple(f(h) for h in hx) if isinstance(hx, (tuple, list)) else f(hx)

    def _permute(self, hx: Any, order: Tensor) -> Any:
        return self._map(hx, lambda h: h.index_select(1, order))

    def _layers(self, input: Tensor, hx: Any, lengths: np.ndarray | None,
                batch_first: bool) -> tuple[Tensor, Any]:
        """Every layer, both directions: the last layer's output and h_n (for LSTM, (h_n, c_n)),
        the final states in (layer, direction) order."""
        directions = 2 if self.bidirectional else 1
        time = int(batch_first)  # the time dim
        length, batch = input._data.shape[time], input._data.shape[1 - time]
        last: tuple = (slice(None), -1) if batch_first else (-1,)
        reverse = None
        if lengths is not None:
            # a padded batch: step lengths - 1 is each sequence's last
            batch_index = np.arange(batch)
            last = (lengths - 1, batch_index)
            t = np.arange(length)[:, None]
            # reversal within each length; the padding stays where it is
            steps = np.where(t < lengths, lengths - 1 - t, t)
            reverse = (Tensor._make(steps), Tensor._make(np.broadcast_to(batch_index, steps.shape)))
        states_of_each: list = []
        layer_input = input
        for k in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                x = layer_input
                if d == 1:
                    x = x.flip(time) if reverse is None else x[reverse]
                h_seq, states = self._run_layer(x, self._initial(hx, k * directions + d), k,
                                                suffix, batch_first)
                states_of_each.append(states)
                if d == 1:
                    h_seq = h_seq.flip(time) if reverse is None else h_seq[reverse]
                outputs.append(h_seq)
            layer_input = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.dropout > 0 and self.training and k < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        if directions == 1 and lengths is None:
            # The output is a copy, its own tensor as in PyTorch: the final states are picked
            # from the layer node's result, which shares memory with what the node saved. So a
            # hook on the output sees its gradient alone, and a change of the output in place
            # leaves the saved states as they were. (Both directions' outputs are a new tensor
            # already, the concatenation, and a packed output is picked out as a copy.)
            layer_input = layer_input.clone()
        return layer_input, self._final_states(states_of_each, last)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _no_proj_size(kwargs: dict) -> None:
    """RNN's and GRU's keyword arguments beyond their own, refused as PyTorch's RNNBase does."""
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(
            f"RNNBase.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'"
        )


class RNN(_RNNBase):
    """A multi-layer Elman RNN over a whole sequence: `output, h_n = rnn(input, h_0)`,
    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) with act = tanh or relu.

    Layer k runs the recurrence over the outputs of layer k-1 (layer 0 over the input), each
    as one RNNLayer node. Shapes and parameters: see _RNNBase (one gate).
    """

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1,
        nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
        dropout: float = 0.0, bidirectional: bool = False, **kwargs: Any,
    ) -> None:
        _no_proj_size(kwargs)
        if nonlinearity not in _ACTIVATIONS:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)

    def _run_layer(self, x: Tensor, hx: Any, k: int, suffix: str,
                   batch_first: bool) -> tuple[Tensor, Any]:
        w_ih, w_hh, b_ih, b_hh, _ = self._layer(k, suffix)
        assert w_ih is not None and w_hh is not None
        h_seq = F._rnn_layer(x, hx, w_ih, w_hh, b_ih, b_hh, self.nonlinearity, batch_first)
        return h_seq, h_seq


class GRU(_RNNBase):
    """A multi-layer GRU over a whole sequence: `output, h_n = gru(input, h_0)`, with

        r = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h_{t-1} W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    the gates' weights stacked in the rows of weight_ih / weight_hh in the order r, z, n.
    Each layer is one GRULayer node. Shapes and parameters: see _RNNBase (three gates).
    """

    _gates = 3

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        **kwargs: Any,
    ) -> None:
        _no_proj_size(kwargs)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)

    def _run_layer(self, x: Tensor, hx: Any, k: int, suffix: str,
                   batch_first: bool) -> tuple[Tensor, Any]:
        h_seq = GRULayer.apply(x, hx, *self._layer(k, suffix)[:4], batch_first)
        return h_seq, h_seq


class LSTM(_RNNBase):
    """A multi-layer LSTM over a whole sequence: `output, (h_n, c_n) = lstm(input, (h_0, c_0))`,
    with

        i, f, o = sigmoid of x_t W_i?^T + b_i? + h_{t-1} W_h?^T + b_h? for each gate
        g = tanh(x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)
        c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)   (times W_hr^T with proj_size)

    the gates' weights stacked in the rows of weight_ih / weight_hh in the order i, f, g, o.
    Each layer is one LSTMLayer node. Shapes and parameters: see _RNNBase (four gates).
    """

    _gates = 4

    def _check_dims(self, input: Tensor, hx: Any) -> None:
        if hx is None:
            return
        if len(hx) < 2:
            raise IndexError("tuple index out of range")
        if hx[0].ndim != input.ndim or hx[1].ndim != input.ndim:
            kind = "batched 3-D" if input.ndim == 3 else "unbatched 2-D"
            raise RuntimeError(
                f"For {kind} input, hx and cx should also be {input.ndim}-D but got "
                f"({hx[0].ndim}-D, {hx[1].ndim}-D) tensors"
            )

    def _check_hidden(self, hx: Any, batch: int) -> None:
        if hx is None:
            return
        states = self._states()
        for i, size in enumerate((self.proj_size or self.hidden_size, self.hidden_size)):
            expected = (states, batch, size)
            if hx[i].shape != expected:
                raise RuntimeError(
                    f"Expected hidden[{i}] size {expected}, got {list(hx[i].shape)}"
                )
        if len(hx) > 2:  # (PyTorch's kernel, after the sizes of the first two)
            raise RuntimeError("lstm expects two hidden states")

    def _initial(self, hx: Any, index: int) -> Any:
        return (None, None) if hx is None else (hx[0][index], hx[1][index])

    def _run_layer(self, x: Tensor, hx: Any, k: int, suffix: str,
                   batch_first: bool) -> tuple[Tensor, Any]:
        # h_t and c_t side by side
        both = LSTMLayer.apply(x, *hx, *self._layer(k, suffix), batch_first)
        return both[..., :self.proj_size or self.hidden_size], both

    def _final_states(self, states: list[Tensor], at: tuple) -> Any:
        h_size = self.proj_size or self.hidden_size  # (h_t and c_t side by side in states)
        return (FinalStates.apply((*at, ..., slice(None, h_size)), *states),
                FinalStates.apply((*at, ..., slice(h_size, None)), *states))


class LSTMCell(_RNNCellBase):
    """One LSTM step: `h', c' = cell(x, (h, c))`, the recurrence of nn.LSTM for one t.

    Input (N, input_size) with h and c (N, hidden_size), or unbatched (input_size,) with
    (hidden_size,); (h, c) defaults to zeros. Attributes weight_ih (4 hidden_size,
    input_size), weight_hh (4 hidden_size, hidden_size), bias_ih and bias_hh (4 hidden_size,)
    or None, gates in the order i, f, g, o; all from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)). Composed from engine operations: call it in a loop and backward()
    walks the unrolled graph.
    """

    _gates = 4

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        if input.ndim not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if hx is not None:
            if isinstance(hx, Tensor):
                raise TypeError(
                    "lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor"
                )
            if len(hx) != 2:
                raise RuntimeError("lstm_cell expects two hidden states")
            for k, state in enumerate(hx):
                if state.ndim not in (1, 2):
                    raise ValueError(
                        f"LSTMCell: Expected hx[{k}] to be 1D or 2D, got {state.ndim}D instead"
                    )
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zero = zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
            hx = (zero, zero)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx, "hidden")
        h, c = hx[0], hx[1]
        a = F.linear(input, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh,
                                                                      self.bias_hh)
        i, f, g, o = a.chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_RNNCellBase):
    """One GRU step: `h' = cell(x, h)`, the recurrence of nn.GRU for one t. Shapes as
    RNNCell's; weight_ih (3 hidden_size, input_size), weight_hh (3 hidden_size, hidden_size),
    biases (3 hidden_size,), gates in the order r, z, n. Composed from engine operations."""

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, hx, batched = self._batched(input, hx, "GRUCell")
        self._check(input, (hx,), "hidden")
        gi = F.linear(input, self.weight_ih, self.bias_ih).chunk(3, 1)
        gh = F.linear(hx, self.weight_hh, self.bias_hh).chunk(3, 1)
        r, z = (gi[0] + gh[0]).sigmoid(), (gi[1] + gh[1]).sigmoid()
        n = (gi[2] + r * gh[2]).tanh()
        h = (1 - z) * n + z * hx
        return h if batched else h.squeeze(0)

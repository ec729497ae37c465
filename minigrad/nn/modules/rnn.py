"""Recurrent layers: `RNNCell` (one time step) and `RNN` (a whole sequence, several layers).

Both compute the Elman recurrence

    h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),    act = tanh or relu.

RNNCell composes it from the engine's differentiable operations: call it in a loop over time
and backward() walks the unrolled graph back to the first step, which is backpropagation
through time with no code of its own. RNN instead runs each layer through `F._rnn_layer`,
which records one node for the whole sequence, `RNNLayer` (minigrad/functions/layers.py),
whose backward is backpropagation through time written out in NumPy: the same gradients,
several times faster on long sequences, and only the hidden states kept for backward.
"""

from __future__ import annotations

import math

from minigrad.checks import dtype_repr, scalar_type
from minigrad.creation import empty, zeros
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.modules.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor, stack

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


class RNNCell(Module):
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
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.nonlinearity = nonlinearity
        self.weight_ih = Parameter(empty(hidden_size, input_size))
        self.weight_hh = Parameter(empty(hidden_size, hidden_size))
        if bias:
            self.bias_ih = Parameter(empty(hidden_size))
            self.bias_hh = Parameter(empty(hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if input.ndim not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if hx is not None and hx.ndim not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        elif not batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity not in _ACTIVATIONS:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected "
                f"{self.input_size}"
            )
        if hx.shape[0] != input.shape[0]:
            raise RuntimeError(
                f"Input batch size {input.shape[0]} doesn't match hidden0 batch size "
                f"{hx.shape[0]}"
            )
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(
                f"hidden0 has inconsistent hidden_size: got {hx.size(1)}, expected "
                f"{self.hidden_size}"
            )
        h = _step(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                  self.nonlinearity)
        return h if batched else h.squeeze(0)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNN(Module):
    """A multi-layer Elman RNN over a whole sequence: `output, h_n = rnn(input, h_0)`.

    Layer k runs the recurrence over the outputs of layer k-1 (layer 0 over the input).

    Shapes, with L the sequence length and N the batch size:
        input: (L, N, input_size), or (N, L, input_size) when batch_first, or unbatched
            (L, input_size).
        h_0 (optional, zeros by default) and h_n: (num_layers, N, hidden_size), even when
            batch_first; (num_layers, hidden_size) for unbatched input.
        output: the last layer's h_t for every t, shaped like the input with hidden_size
            features.

    Parameters of layer k: weight_ih_l{k} (hidden_size, input_size for k = 0 else
    hidden_size), weight_hh_l{k} (hidden_size, hidden_size), bias_ih_l{k} and bias_hh_l{k}
    (hidden_size,) unless bias=False; all start from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)). The names match PyTorch's, so its state_dict loads directly.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ) -> None:
        super().__init__()
        if nonlinearity not in _ACTIVATIONS:
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
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
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.nonlinearity = nonlinearity
        self.bias = bias
        self.batch_first = batch_first
        for k in range(num_layers):
            layer_input_size = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(empty(hidden_size, layer_input_size)))
            setattr(self, f"weight_hh_l{k}", Parameter(empty(hidden_size, hidden_size)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(empty(hidden_size)))
                setattr(self, f"bias_hh_l{k}", Parameter(empty(hidden_size)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _layer(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of layer k; the biases may be None."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return tuple(self._parameters.get(f"{name}_l{k}") for name in names)

    def _check_input(self, input: Tensor, hx: Tensor | None) -> None:
        """PyTorch's checks, in its order; `input` is already (L, N, input_size)."""
        weight = self._layer(0)[0]
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
        expected = (self.num_layers, input._data.shape[1], self.hidden_size)
        if hx is not None and hx.shape != expected:
            raise RuntimeError(f"Expected hidden size {expected}, got {list(hx.shape)}")
        if input._data.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        if hx is not None and hx._data.dtype != weight._data.dtype:  # (as PyTorch, at its matmul)
            raise RuntimeError(
                f"mat1 and mat2 must have the same dtype, but got "
                f"{scalar_type(hx.dtype)} and {scalar_type(weight.dtype)}"
            )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if input.ndim not in (2, 3):
            raise ValueError(
                f"RNN: Expected input to be 2D or 3D, got {input.ndim}D tensor instead"
            )
        batched = input.ndim == 3
        if hx is not None and hx.ndim != input.ndim:
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise RuntimeError(
                f"For {kind} input, hx should also be {input.ndim}-D but got {hx.ndim}-D tensor"
            )
        # Work in (L, N, features), hidden states in (num_layers, N, hidden_size).
        if not batched:
            input = input.unsqueeze(1)
            hx = hx.unsqueeze(1) if hx is not None else None
        elif self.batch_first:
            input = input.transpose(0, 1)
        self._check_input(input, hx)
        layer_input, last_states = input, []
        for k in range(self.num_layers):
            h_0 = hx[k] if hx is not None else None  # None: the layer starts from zeros
            output = F._rnn_layer(layer_input, h_0, *self._layer(k), self.nonlinearity)
            last_states.append(output[-1])
            layer_input = output  # the next layer reads this layer's hidden states
        # A new tensor, as in PyTorch, not a view of the output's last row.
        h_n = stack(last_states)
        if not batched:
            return output.squeeze(1), h_n.squeeze(1)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        return s

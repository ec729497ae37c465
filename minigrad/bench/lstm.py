"""W6 to W9: an LSTM (W6, W7) or a GRU (W8, W9) whose last hidden state feeds a Linear layer,
trained on a regression target with MSE, clip_grad_norm_(1.0) and Adam (lr 1e-3): W2 and W5
with gated recurrences.

W6 and W8 are small steps (batch 32, 5 time steps); W7 and W9 run over 1000 time steps
(batch 8), so that backpropagation through time runs over a thousand steps.

The floors do what a careful hand-written LSTM or GRU does: the input's part of every gate
in one matrix product before the loop over time, the loop (forward, then backward) on
preallocated arrays, and the weight gradients of all time steps in one product after it.
Features run along the last axis, the batch along the rows, as in PyTorch's layout.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import Adam, clip_grad_norm, constant, joined
from minigrad.bench.workload import Config, ModelTrainer, State, Workload, load, load_weights

LEARNING_RATE = 1e-3
MAX_NORM = 1.0
GATES = {"LSTM": 4, "GRU": 3}


def make_state(kind: str):  # noqa: ANN201
    def make(seed: int, config: Config) -> State:
        """Weights drawn as PyTorch initialises them, U(-1/√hidden, 1/√hidden) for the
        recurrence and U(-1/√fan_in, 1/√fan_in) for the Linear layer (fan_in = hidden, the
        same bound); inputs and targets from N(0, 1)."""
        rng = np.random.default_rng(seed)
        n, length = config["batch"], config["length"]
        inputs, hidden = config["input_size"], config["hidden_size"]
        bound, gates = 1 / np.sqrt(hidden), GATES[kind] * hidden

        def uniform(*shape: int) -> np.ndarray:
            return rng.uniform(-bound, bound, shape).astype(np.float32)

        return {
            "rnn.weight_ih_l0": uniform(gates, inputs),
            "rnn.weight_hh_l0": uniform(gates, hidden),
            "rnn.bias_ih_l0": uniform(gates),
            "rnn.bias_hh_l0": uniform(gates),
            "fc.weight": uniform(1, hidden),
            "fc.bias": uniform(1),
            "x": rng.standard_normal((n, length, inputs), dtype=np.float32),
            "y": rng.standard_normal((n, 1), dtype=np.float32),
        }
    return make


def torch_api_trainer(kind: str):  # noqa: ANN201
    def make(lib: ModuleType, state: State, config: Config) -> ModelTrainer:
        class LastStep(lib.nn.Module):  # type: ignore[name-defined]
            def __init__(self) -> None:
                super().__init__()
                self.rnn = getattr(lib.nn, kind)(config["input_size"], config["hidden_size"],
                                                 batch_first=True)
                self.fc = lib.nn.Linear(config["hidden_size"], 1)

            def forward(self, x: Any) -> Any:
                output, _ = self.rnn(x)
                return self.fc(output[:, -1, :])

        model = LastStep()
        load_weights(lib, model, state)
        optimizer = lib.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        return ModelTrainer(lib, model, lib.nn.MSELoss(), optimizer, load(lib, state["x"]),
                            load(lib, state["y"]), max_norm=MAX_NORM)
    return make


def _sigmoid_(a: np.ndarray) -> None:
    """a <- 1 / (1 + exp(-a)), in place."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


class _NumpyLastStep:
    """What both floors share: the weights and gradients in one array each (for clipping and
    Adam), the data time-major, the Linear layer and the loss. With p = h_L W_fc^T + b_fc and
    L = mean((p - y)^2): dL/dp = 2 (p - y) / N, dL/dW_fc = (dL/dp)^T h_L,
    dL/db_fc = sum of dL/dp, dL/dh_L = dL/dp W_fc; the subclass backpropagates dL/dh_L
    through time (`_recurrence_backward`) into the gradients of the four recurrent weights."""

    def __init__(self, state: State, config: Config) -> None:
        n, length, inputs = state["x"].shape
        gates, hidden = state["rnn.weight_hh_l0"].shape
        self.hidden, self.n, self.length = hidden, n, length
        shapes = {"rnn.weight_ih_l0": (gates, inputs), "rnn.weight_hh_l0": (gates, hidden),
                  "rnn.bias_ih_l0": (gates,), "rnn.bias_hh_l0": (gates,),
                  "fc.weight": (1, hidden), "fc.bias": (1,)}
        self.weights, self.params = joined(shapes)
        self.grads_joined, self.grads = joined(shapes)
        for name, p in self.params.items():
            p[...] = state[name]
        self.x = np.ascontiguousarray(state["x"].transpose(1, 0, 2))  # (L, N, in)
        self.x_flat = self.x.reshape(length * n, inputs)
        self.y = state["y"]
        self.two_over_n = constant(2 / n)
        self.gates = np.empty((length, n, gates), np.float32)
        self.hs = np.zeros((length + 1, n, hidden), np.float32)  # hs[0] = h_0 = 0
        self.optimizer = Adam({"all": self.weights}, lr=LEARNING_RATE)

    def step(self) -> np.float32:
        p = self.params
        h_last = self._recurrence_forward()
        diff = h_last.dot(p["fc.weight"].T)
        diff += p["fc.bias"]
        diff -= self.y
        loss = diff[:, 0].dot(diff[:, 0]) / diff.size
        d_pred = diff
        d_pred *= self.two_over_n
        d_pred.T.dot(h_last, out=self.grads["fc.weight"])
        np.add.reduce(d_pred, axis=0, out=self.grads["fc.bias"])
        d_a = self._recurrence_backward(d_pred.dot(p["fc.weight"]))
        # The sums over t and the batch, one product each.
        d_flat = d_a.reshape(-1, d_a.shape[-1])
        d_flat.T.dot(self.x_flat, out=self.grads["rnn.weight_ih_l0"])
        self._hidden_weight_grads(d_flat)
        clip_grad_norm({"all": self.grads_joined}, MAX_NORM)
        self.optimizer.step({"all": self.grads_joined})
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {name: g.copy() for name, g in self.grads.items()}

    def _recurrence_forward(self) -> np.ndarray:
        raise NotImplementedError

    def _recurrence_backward(self, d_h: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _hidden_weight_grads(self, d_flat: np.ndarray) -> None:
        raise NotImplementedError


class NumpyLastStepLSTM(_NumpyLastStep):
    """The LSTM step by hand (gates i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t)).
    Backward from dh_L, with dc_{L+1} f_{L+1} = 0:

        dc_t = dc_{t+1} f_{t+1} + dh_t o (1 - tanh(c_t)^2)
        da_t = [dc_t g i (1-i), dc_t c_{t-1} f (1-f), dc_t i (1-g^2), dh_t tanh(c_t) o (1-o)]
        dh_{t-1} = da_t W_hh
    """

    def __init__(self, state: State, config: Config) -> None:
        super().__init__(state, config)
        self.cs = np.zeros((self.length + 1, self.n, self.hidden), np.float32)
        self.tanh_c = np.empty((self.length, self.n, self.hidden), np.float32)
        self.scratch = np.empty((self.n, 4 * self.hidden), np.float32)
        self.d_a = np.empty_like(self.gates)

    def _recurrence_forward(self) -> np.ndarray:
        p, gates, hs, cs, a = self.params, self.gates, self.hs, self.cs, self.scratch
        hidden = self.hidden
        self.x_flat.dot(p["rnn.weight_ih_l0"].T, out=gates.reshape(-1, 4 * hidden))
        gates += p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]
        w_hh_t = np.ascontiguousarray(p["rnn.weight_hh_l0"].T)
        g = slice(2 * hidden, 3 * hidden)
        for t in range(self.length):
            act = gates[t]
            hs[t].dot(w_hh_t, out=a)
            act += a
            np.tanh(act[:, g], out=a[:, g])
            _sigmoid_(act)
            act[:, g] = a[:, g]
            np.multiply(act[:, hidden:2 * hidden], cs[t], out=cs[t + 1])
            cs[t + 1] += act[:, :hidden] * act[:, g]
            np.tanh(cs[t + 1], out=self.tanh_c[t])
            np.multiply(act[:, 3 * hidden:], self.tanh_c[t], out=hs[t + 1])
        return hs[-1]

    def _recurrence_backward(self, d_h: np.ndarray) -> np.ndarray:
        gates, d_a, hidden = self.gates, self.d_a, self.hidden
        w_hh = self.params["rnn.weight_hh_l0"]
        slope = gates * (1 - gates)
        g = gates[..., 2 * hidden:3 * hidden]
        slope[..., 2 * hidden:3 * hidden] = 1 - g * g
        m_to_c = gates[..., 3 * hidden:] * (1 - self.tanh_c * self.tanh_c)
        d_c = np.zeros_like(d_h)
        for t in reversed(range(self.length)):
            d, act = d_a[t], gates[t]
            d_c += d_h * m_to_c[t]
            np.multiply(d_h, self.tanh_c[t], out=d[:, 3 * hidden:])
            np.multiply(d_c, act[:, 2 * hidden:3 * hidden], out=d[:, :hidden])
            np.multiply(d_c, self.cs[t], out=d[:, hidden:2 * hidden])
            np.multiply(d_c, act[:, :hidden], out=d[:, 2 * hidden:3 * hidden])
            d *= slope[t]
            d_c *= act[:, hidden:2 * hidden]
            d_h = d.dot(w_hh)
        return d_a

    def _hidden_weight_grads(self, d_flat: np.ndarray) -> None:
        d_flat.T.dot(self.hs[:-1].reshape(-1, self.hidden), out=self.grads["rnn.weight_hh_l0"])
        np.add.reduce(d_flat, axis=0, out=self.grads["rnn.bias_ih_l0"])
        self.grads["rnn.bias_hh_l0"][...] = self.grads["rnn.bias_ih_l0"]


class NumpyLastStepGRU(_NumpyLastStep):
    """The GRU step by hand (gates r, z, n; n = tanh(gi_n + r gh_n), h_t = n + z (h_{t-1} - n)).
    Backward from dh_L:

        dan = dh_t (1 - z) (1 - n^2),   daz = dh_t (h_{t-1} - n) z (1 - z),
        dar = dan gh_n r (1 - r),   dgi_t = [dar, daz, dan],   dgh_t = [dar, daz, dan r]
        dh_{t-1} = dh_t z + dgh_t W_hh
    """

    def __init__(self, state: State, config: Config) -> None:
        super().__init__(state, config)
        self.ghs = np.empty_like(self.gates)
        self.d_gi, self.d_gh = np.empty_like(self.gates), np.empty_like(self.gates)
        self.tmp = np.empty((self.n, self.hidden), np.float32)

    def _recurrence_forward(self) -> np.ndarray:
        p, gates, hs, ghs, tmp, hidden = (self.params, self.gates, self.hs, self.ghs, self.tmp,
                                          self.hidden)
        self.x_flat.dot(p["rnn.weight_ih_l0"].T, out=gates.reshape(-1, 3 * hidden))
        gates += p["rnn.bias_ih_l0"]
        w_hh_t, b_hh = np.ascontiguousarray(p["rnn.weight_hh_l0"].T), p["rnn.bias_hh_l0"]
        rz, n = slice(0, 2 * hidden), slice(2 * hidden, None)
        for t in range(self.length):
            gh, act = ghs[t], gates[t]
            hs[t].dot(w_hh_t, out=gh)
            gh += b_hh
            act[:, rz] += gh[:, rz]
            _sigmoid_(act[:, rz])
            np.multiply(act[:, :hidden], gh[:, n], out=tmp)
            act[:, n] += tmp
            np.tanh(act[:, n], out=act[:, n])
            np.subtract(hs[t], act[:, n], out=tmp)
            tmp *= act[:, hidden:2 * hidden]
            np.add(act[:, n], tmp, out=hs[t + 1])
        return hs[-1]

    def _recurrence_backward(self, d_h: np.ndarray) -> np.ndarray:
        gates, hidden, w_hh = self.gates, self.hidden, self.params["rnn.weight_hh_l0"]
        r, z, n = gates[..., :hidden], gates[..., hidden:2 * hidden], gates[..., 2 * hidden:]
        to_n = (1 - z) * (1 - n * n)
        slope_rz = gates[..., :2 * hidden] * (1 - gates[..., :2 * hidden])
        h_minus_n = self.hs[:-1] - n
        gh_n = self.ghs[..., 2 * hidden:]
        for t in reversed(range(self.length)):
            di, dg = self.d_gi[t], self.d_gh[t]
            np.multiply(d_h, to_n[t], out=di[:, 2 * hidden:])
            np.multiply(di[:, 2 * hidden:], gh_n[t], out=dg[:, :hidden])
            np.multiply(d_h, h_minus_n[t], out=dg[:, hidden:2 * hidden])
            dg[:, :2 * hidden] *= slope_rz[t]
            np.multiply(di[:, 2 * hidden:], r[t], out=dg[:, 2 * hidden:])
            d_h = d_h * z[t]
            d_h += dg.dot(w_hh)
        self.d_gi[..., :2 * hidden] = self.d_gh[..., :2 * hidden]
        return self.d_gi

    def _hidden_weight_grads(self, d_flat: np.ndarray) -> None:
        d_gh = self.d_gh.reshape(-1, 3 * self.hidden)
        d_gh.T.dot(self.hs[:-1].reshape(-1, self.hidden), out=self.grads["rnn.weight_hh_l0"])
        np.add.reduce(d_flat, axis=0, out=self.grads["rnn.bias_ih_l0"])
        np.add.reduce(d_gh, axis=0, out=self.grads["rnn.bias_hh_l0"])


SHORT = {"batch": 32, "length": 5, "input_size": 10, "hidden_size": 20}
LONG = {"batch": 8, "length": 1000, "input_size": 10, "hidden_size": 20}
TINY_SHORT = {"batch": 4, "length": 3, "input_size": 3, "hidden_size": 5}
TINY_LONG = {"batch": 2, "length": 30, "input_size": 3, "hidden_size": 5}


def _workload(key: str, name: str, kind: str, long: bool, numpy: Any) -> Workload:
    return Workload(
        key=key, name=name, per="step", target=1.5 if long else 2.5,
        config=LONG if long else SHORT, tiny=TINY_LONG if long else TINY_SHORT,
        make_state=make_state(kind), torch_api=torch_api_trainer(kind), numpy=numpy,
        memory_target=2.0 if long else None,
    )


LSTM_STEP = _workload("W6", "lstm-step", "LSTM", False, NumpyLastStepLSTM)
LONG_LSTM = _workload("W7", "long-lstm", "LSTM", True, NumpyLastStepLSTM)
GRU_STEP = _workload("W8", "gru-step", "GRU", False, NumpyLastStepGRU)
LONG_GRU = _workload("W9", "long-gru", "GRU", True, NumpyLastStepGRU)

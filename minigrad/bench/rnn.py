"""W2 and W5: an Elman RNN whose last hidden state feeds a Linear layer, trained on a regression
target with MSE, clip_grad_norm_(1.0) and Adam (lr 1e-3).

W2 is a small step (batch 32, 5 time steps); W5 is the same model over 1000 time steps
(batch 8), so that backpropagation through time runs over a thousand steps.

The floor does what a careful hand-written RNN does: the input's contribution to every time
step in one matrix product, a loop over time for the recurrence (forward and backward), then
the weight gradients of all time steps in one matrix product each.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import Adam, clip_grad_norm
from minigrad.bench.workload import Config, ModelTrainer, State, Workload, load, load_weights

LEARNING_RATE = 1e-3
MAX_NORM = 1.0


def make_state(seed: int, config: Config) -> State:
    """Weights drawn as PyTorch initialises them, U(-1/√hidden, 1/√hidden) for the RNN and
    U(-1/√fan_in, 1/√fan_in) for the Linear layer; inputs and targets from N(0, 1)."""
    rng = np.random.default_rng(seed)
    n, length = config["batch"], config["length"]
    inputs, hidden = config["input_size"], config["hidden_size"]
    bound = 1 / np.sqrt(hidden)  # also the Linear layer's bound: its fan_in is hidden

    def uniform(*shape: int) -> np.ndarray:
        return rng.uniform(-bound, bound, shape).astype(np.float32)

    return {
        "rnn.weight_ih_l0": uniform(hidden, inputs),
        "rnn.weight_hh_l0": uniform(hidden, hidden),
        "rnn.bias_ih_l0": uniform(hidden),
        "rnn.bias_hh_l0": uniform(hidden),
        "fc.weight": uniform(1, hidden),
        "fc.bias": uniform(1),
        "x": rng.standard_normal((n, length, inputs), dtype=np.float32),
        "y": rng.standard_normal((n, 1), dtype=np.float32),
    }


def last_step_rnn(lib: ModuleType, input_size: int, hidden_size: int) -> Any:
    """The model, as a `lib.nn.Module`."""

    class LastStepRNN(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = lib.nn.RNN(input_size, hidden_size, batch_first=True)
            self.fc = lib.nn.Linear(hidden_size, 1)

        def forward(self, x: Any) -> Any:
            output, _ = self.rnn(x)
            return self.fc(output[:, -1, :])

    return LastStepRNN()


def torch_api_trainer(lib: ModuleType, state: State, config: Config) -> ModelTrainer:
    model = last_step_rnn(lib, config["input_size"], config["hidden_size"])
    load_weights(lib, model, state)
    optimizer = lib.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    return ModelTrainer(
        lib, model, lib.nn.MSELoss(), optimizer, load(lib, state["x"]), load(lib, state["y"]),
        max_norm=MAX_NORM,
    )


class NumpyLastStepRNN:
    """The same step by hand. With a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh,
    h_t = tanh(a_t), h_0 = 0, prediction p = h_L W_fc^T + b_fc and L = mean((p - y)^2):

        dL/dp = 2 (p - y) / N
        dL/dW_fc = (dL/dp)^T h_L,   dL/db_fc = sum over the batch of dL/dp
        dL/dh_L = dL/dp W_fc
        dL/da_t = dL/dh_t (1 - h_t^2),   dL/dh_{t-1} = dL/da_t W_hh
        dL/dW_ih = sum_t (dL/da_t)^T x_t,   dL/dW_hh = sum_t (dL/da_t)^T h_{t-1}
        dL/db_ih = dL/db_hh = sum over t and the batch of dL/da_t
    """

    def __init__(self, state: State, config: Config) -> None:
        names = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                 "fc.weight", "fc.bias"]
        self.params = {name: state[name].copy() for name in names}
        # Time-major (L, N, features), so that each time step is one contiguous block.
        self.xs = np.ascontiguousarray(state["x"].transpose(1, 0, 2))
        self.y = state["y"].copy()
        self.grads: dict[str, np.ndarray] = {}
        self.optimizer = Adam(self.params, lr=LEARNING_RATE)

    def step(self) -> np.float32:
        p, grads = self.params, self.grads
        w_ih, w_hh, w_fc = p["rnn.weight_ih_l0"], p["rnn.weight_hh_l0"], p["fc.weight"]
        length, n, inputs = self.xs.shape
        hidden = w_hh.shape[0]

        x_flat = self.xs.reshape(-1, inputs)
        pre = (x_flat @ w_ih.T).reshape(length, n, hidden)
        pre += p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]
        hs = np.zeros((length + 1, n, hidden), np.float32)  # hs[t + 1] = h_t, hs[0] = h_0
        for t in range(length):
            np.tanh(pre[t] + hs[t] @ w_hh.T, out=hs[t + 1])
        diff = hs[-1] @ w_fc.T + p["fc.bias"] - self.y
        loss = np.mean(diff * diff)

        d_pred = diff * np.float32(2 / diff.size)
        grads["fc.weight"] = d_pred.T @ hs[-1]
        grads["fc.bias"] = d_pred.sum(axis=0)
        d_pre = pre  # dL/da_t overwrites a_t, which backward does not need
        d_h = d_pred @ w_fc
        for t in reversed(range(length)):
            np.multiply(hs[t + 1], hs[t + 1], out=d_pre[t])
            np.subtract(1, d_pre[t], out=d_pre[t])
            d_pre[t] *= d_h
            d_h = d_pre[t] @ w_hh
        d_flat = d_pre.reshape(-1, hidden)
        grads["rnn.weight_ih_l0"] = d_flat.T @ x_flat
        grads["rnn.weight_hh_l0"] = d_flat.T @ hs[:-1].reshape(-1, hidden)
        grads["rnn.bias_ih_l0"] = d_flat.sum(axis=0)
        grads["rnn.bias_hh_l0"] = grads["rnn.bias_ih_l0"].copy()  # clipping scales each once

        clip_grad_norm(grads, MAX_NORM)
        self.optimizer.step(grads)
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {name: g.copy() for name, g in self.grads.items()}


RNN_STEP = Workload(
    key="W2",
    name="rnn-step",
    per="step",
    target=2.5,
    config={"batch": 32, "length": 5, "input_size": 10, "hidden_size": 20},
    tiny={"batch": 4, "length": 3, "input_size": 3, "hidden_size": 5},
    make_state=make_state,
    torch_api=torch_api_trainer,
    numpy=NumpyLastStepRNN,
)

LONG_RNN = Workload(
    key="W5",
    name="long-rnn",
    per="step",
    target=2.5,
    config={"batch": 8, "length": 1000, "input_size": 10, "hidden_size": 20},
    tiny={"batch": 2, "length": 30, "input_size": 3, "hidden_size": 5},
    make_state=make_state,
    torch_api=torch_api_trainer,
    numpy=NumpyLastStepRNN,
    memory_target=2.0,
)

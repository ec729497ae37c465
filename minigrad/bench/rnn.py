"""W2 and W5: an Elman RNN whose last hidden state feeds a Linear layer, trained on a regression
target with MSE, clip_grad_norm_(1.0) and Adam (lr 1e-3).

W2 is a small step (batch 32, 5 time steps); W5 is the same model over 1000 time steps
(batch 8), so that backpropagation through time runs over a thousand steps.

The floor does what a careful hand-written RNN does: a loop over time for the recurrence
(forward and backward), then the weight gradients of all time steps in one matrix product.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import Adam, clip_grad_norm, constant, joined
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

    class LastStepRNN(lib.nn.Module):  # type: ignore[name-defined]
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

    Written for the fewest NumPy calls, since a step of this small model costs little more
    than its calls. The layer's weights sit side by side in one matrix W = [W_hh W_ih b_ih
    b_hh], shape (H, H + in + 2), and each time step's inputs in one column block
    z_t = [h_{t-1}; x_t; 1; 1], shape (H + in + 2, N): the biases are the weights of two
    inputs that are always 1. Then
        a_t^T = W z_t          (one matrix product per time step, biases included)
        dL/dW = sum_t (dL/da_t)^T z_t^T   (one product for all four gradients)
    Features run along the rows and the batch along the columns (the transpose of the
    formulas above), so that h_t is a contiguous block of z_{t+1}, written by the product
    and tanh'd in place: NumPy's tanh is several times slower into a strided output.
    """

    def __init__(self, state: State, config: Config) -> None:
        n, length, inputs = state["x"].shape
        hidden = state["rnn.weight_hh_l0"].shape[0]
        width = hidden + inputs + 2  # the rows of z_t: h_{t-1}, x_t, 1, 1
        shapes = {"rnn": (hidden, width), "fc.weight": (1, hidden), "fc.bias": (1,)}
        # All weights in one array and all gradients in another, for clipping and Adam.
        self.weights, params = joined(shapes)
        self.grads_joined, grads = joined(shapes)
        self.w, self.d_w = params["rnn"], grads["rnn"]
        self.params, self.grads = (
            {
                "rnn.weight_ih_l0": views["rnn"][:, hidden:hidden + inputs],
                "rnn.weight_hh_l0": views["rnn"][:, :hidden],
                "rnn.bias_ih_l0": views["rnn"][:, -2],
                "rnn.bias_hh_l0": views["rnn"][:, -1],
                "fc.weight": views["fc.weight"],
                "fc.bias": views["fc.bias"],
            }
            for views in (params, grads)
        )
        for name, p in self.params.items():
            p[...] = state[name]
        # zs[t] = z_{t+1} for t < L (z_1 holds h_0 = 0); zs[L] holds h_L (its other rows unused).
        self.zs = np.zeros((length + 1, width, n), np.float32)
        self.zs[:length, hidden:hidden + inputs] = state["x"].transpose(1, 2, 0)
        self.zs[:length, -2:] = 1
        self.y = state["y"].T.copy()  # (1, N), like the prediction
        self.diff = np.empty_like(self.y)
        self.d_h = np.empty((hidden, n), np.float32)
        self.two_over_n = constant(2 / n)
        self.optimizer = Adam({"all": self.weights}, lr=LEARNING_RATE)

    def step(self) -> np.float32:
        zs, w, w_fc, b_fc = self.zs, self.w, self.params["fc.weight"], self.params["fc.bias"]
        length, hidden = len(zs) - 1, len(w)
        # ndarray.dot rather than np.dot, here and below: the same BLAS product, without
        # np.dot's dispatch to __array_function__ overrides (0.3 us of each call, at every step).
        for t in range(length):
            h = zs[t + 1, :hidden]
            w.dot(zs[t], out=h)
            np.tanh(h, out=h)
        h_last = zs[length, :hidden]
        diff = w_fc.dot(h_last, out=self.diff)
        diff += b_fc
        diff -= self.y
        loss = diff[0].dot(diff[0]) / diff.size
        d_pred = diff
        d_pred *= self.two_over_n
        d_pred.dot(h_last.T, out=self.grads["fc.weight"])
        np.add.reduce(d_pred, axis=1, out=self.grads["fc.bias"])

        d_h = w_fc.T.dot(d_pred, out=self.d_h)
        hs = zs[1:, :hidden]
        d_a = np.multiply(hs, hs)  # 1 - h_t^2 for every t at once, then times dL/dh_t
        np.subtract(1, d_a, out=d_a)
        w_hh_t = np.ascontiguousarray(self.params["rnn.weight_hh_l0"].T)  # BLAS reads it faster
        for t in reversed(range(length)):
            d_a[t] *= d_h
            w_hh_t.dot(d_a[t], out=d_h)
        # The sum over t and the batch as one product: (H, L N) times (L N, H + in + 2). Both
        # reshapes copy (t and the batch are not adjacent in memory); the product is still
        # faster than one per weight, and the copies are most of the step's peak memory.
        d_a_flat = d_a.transpose(1, 0, 2).reshape(hidden, -1)
        z_flat = zs[:length].transpose(1, 0, 2).reshape(zs.shape[1], -1)
        d_a_flat.dot(z_flat.T, out=self.d_w)

        clip_grad_norm({"all": self.grads_joined}, MAX_NORM)
        self.optimizer.step({"all": self.grads_joined})
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

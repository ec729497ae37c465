"""W3 and W4: multilayer perceptrons on MNIST-sized inputs with cross-entropy.

W3 (dropout-mlp): 784-256-128-10, ReLU then Dropout(0.5) after each hidden layer, batch 64,
Adam (lr 1e-3). Small matrices, so the time goes to per-operation overhead and the optimizer.
W4 (fullbatch-mlp): 784-128-10 with ReLU, batch 8192, SGD (lr 0.01). Large matrices, so the
time goes to the matrix products and an engine can only lose by extra copies.

Dropout masks: the floor draws its masks as PyTorch's CPU Dropout does on a processor without
MKL's sampler (AMD, ARM), and as minigrad's Dropout always does: the Mersenne Twister seeded as
`manual_seed` seeds it, two 32-bit draws per element making a float64 uniform from 53 bits, kept
when it is below 1 - p. So with the same seed all three drop the same units and the correctness
check can compare them; the draws cost the same too. On an Intel CPU PyTorch draws its masks
with MKL instead, so for the check only its Dropout layers are made to apply the floor's masks
(the timed PyTorch step uses its Dropout as it is).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import SGD, Adam, constant, joined
from minigrad.bench.workload import Config, ModelTrainer, State, Workload, load, load_weights


def make_state(seed: int, config: Config) -> State:
    """Weights drawn as PyTorch initialises a Linear layer, U(-1/√fan_in, 1/√fan_in); inputs
    from U(0, 1) like scaled pixels; labels uniform over the classes. `dropout_seed` seeds the
    dropout masks of minigrad and of the floor."""
    rng = np.random.default_rng(seed)
    widths = config["widths"]
    state: State = {}
    for prefix, fan_in, fan_out in zip(_linear_names(config), widths, widths[1:]):
        bound = 1 / np.sqrt(fan_in)
        state[f"{prefix}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        state[f"{prefix}.bias"] = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    state["x"] = rng.random((config["batch"], widths[0]), dtype=np.float32)
    state["y"] = rng.integers(0, widths[-1], config["batch"])
    state["dropout_seed"] = np.array(seed)
    return state


def _linear_names(config: Config) -> list[str]:
    """The Linear layers' names in the Sequential: Linear, ReLU, [Dropout,] Linear, ..."""
    stride = 3 if config["dropout"] else 2
    return [str(stride * i) for i in range(len(config["widths"]) - 1)]


def mlp(lib: ModuleType, widths: tuple[int, ...], dropout: float) -> Any:
    """Linear layers of the given widths with ReLU (and Dropout, if p > 0) between them."""
    layers: list[Any] = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        if layers:
            layers.append(lib.nn.ReLU())
            if dropout:
                layers.append(lib.nn.Dropout(dropout))
        layers.append(lib.nn.Linear(fan_in, fan_out))
    return lib.nn.Sequential(*layers)


def torch_api_trainer(lib: ModuleType, state: State, config: Config) -> ModelTrainer:
    model = mlp(lib, config["widths"], config["dropout"])
    load_weights(lib, model, state)
    if config["optimizer"] == "adam":
        optimizer = lib.optim.Adam(model.parameters(), lr=config["lr"])
    else:
        optimizer = lib.optim.SGD(model.parameters(), lr=config["lr"])
    lib.manual_seed(int(state["dropout_seed"]))
    return ModelTrainer(
        lib, model, lib.nn.CrossEntropyLoss(), optimizer, load(lib, state["x"]),
        load(lib, state["y"]),
    )


def torch_with_floor_masks(state: State, config: Config) -> ModelTrainer:
    """The PyTorch step whose Dropout layers apply the masks the floor draws (for the check)."""
    import torch

    trainer = torch_api_trainer(torch, state, config)
    bits = mersenne_twister(int(state["dropout_seed"]))

    def apply_floor_mask(module: Any, args: tuple[Any, ...], output: Any) -> Any:
        (x,) = args
        return x * torch.from_numpy(dropout_mask(bits, tuple(x.shape), module.p))

    for module in trainer.model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.register_forward_hook(apply_floor_mask)
    return trainer


def mersenne_twister(seed: int) -> np.random.MT19937:
    """NumPy's MT19937 in the state `manual_seed(seed)` gives PyTorch's and minigrad's
    generator: the C++ standard's seeding of the low 32 bits of the seed."""
    key = np.empty(624, np.uint32)
    key[0] = seed & 0xFFFFFFFF
    for i in range(1, 624):
        previous = int(key[i - 1])
        key[i] = (1812433253 * (previous ^ (previous >> 30)) + i) & 0xFFFFFFFF
    bits = np.random.MT19937()
    bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
    return bits


def keep_draws(bits: np.random.MT19937, size: int, p: float) -> np.ndarray:
    """Which of `size` units a dropout with probability p keeps: a float64 uniform from 53 bits
    of two 32-bit draws (the first the high half) below 1 - p."""
    raw = bits.random_raw(2 * size)
    uniform = ((raw[0::2] << np.uint64(32)) | raw[1::2]) & np.uint64(2**53 - 1)
    return uniform * 2.0**-53 < 1 - p


def dropout_mask(bits: np.random.MT19937, shape: tuple[int, ...], p: float) -> np.ndarray:
    """Inverted dropout's multipliers, drawn as minigrad's Dropout draws them: 1/(1-p) (in
    float32) with probability 1-p, else 0."""
    keep = keep_draws(bits, int(np.prod(shape)), p).reshape(shape)
    return np.where(keep, np.float32(1) / np.float32(1 - p), np.float32(0))


class NumpyMLP:
    """The same step by hand. Layer k computes a_k = h_{k-1} W_k^T + b_k, and between layers
    h_k = relu(a_k) * m_k (m_k the dropout multipliers, or 1 without dropout). With
    z the logits, s = softmax(z) and L = mean_i(-log s[i, y_i]):

        dL/dz = (s - onehot(y)) / N
        dL/dW_k = (dL/da_k)^T h_{k-1},   dL/db_k = sum over the batch of dL/da_k
        dL/dh_{k-1} = dL/da_k W_k
        dL/da_k = dL/dh_k * m_k where h_k > 0, else 0   (relu'(0) = 0)

    Since m_k is 0 or 1/(1-p), and h_k > 0 exactly where a_k > 0 and the unit is kept,
    dL/da_k = dL/dh_k * [h_k > 0] / (1-p): backward needs no mask of its own.

    Every array of the step is allocated once, here, and written in place: fresh arrays of
    the full-batch model's size are new memory from the operating system at every step.
    """

    def __init__(self, state: State, config: Config) -> None:
        self.names = _linear_names(config)
        widths, n = config["widths"], config["batch"]
        shapes = {f"{prefix}.{kind}": state[f"{prefix}.{kind}"].shape
                  for prefix in self.names for kind in ("weight", "bias")}
        # All weights in one array and all gradients in another: one optimizer pass for all.
        self.weights, self.params = joined(shapes)
        self.grads_joined, self.grads = joined(shapes)
        for name, p in self.params.items():
            p[...] = state[name]
        self.x, self.y = state["x"].copy(), state["y"].copy()
        self.rows = np.arange(n)
        # outputs[k] = a_{k+1}, in place becomes h_{k+1}; the last is the logits.
        self.outputs = [np.empty((n, width), np.float32) for width in widths[1:]]
        self.d_outputs = [np.empty_like(a) for a in self.outputs[:-1]]
        self.positive = [np.empty(a.shape, bool) for a in self.outputs[:-1]]
        self.sum_exp = np.empty((n, 1), np.float32)
        self.one_over_n = constant(1 / n)
        self.dropout = config["dropout"]
        if self.dropout:
            self.bits = mersenne_twister(int(state["dropout_seed"]))
            self.scale = constant(np.float32(1) / np.float32(1 - self.dropout))
        optimizer = Adam if config["optimizer"] == "adam" else SGD
        self.optimizer = optimizer({"all": self.weights}, lr=config["lr"])

    def step(self) -> np.float32:
        p, grads, outputs = self.params, self.grads, self.outputs
        h = self.x
        for k, prefix in enumerate(self.names):
            a = h.dot(p[f"{prefix}.weight"].T, out=outputs[k])
            a += p[f"{prefix}.bias"]
            if k < len(outputs) - 1:
                np.maximum(a, 0, out=a)
                if self.dropout:
                    # The same draws as minigrad's (and PyTorch's) Dropout
                    a *= keep_draws(self.bits, a.size, self.dropout).reshape(a.shape)
                    a *= self.scale
            h = a

        # Cross-entropy, with the largest logit subtracted so that exp cannot overflow.
        z = outputs[-1]
        z -= np.maximum.reduce(z, axis=1, keepdims=True)
        picked = z[self.rows, self.y]
        exp = np.exp(z, out=z)
        sum_exp = np.add.reduce(exp, axis=1, keepdims=True, out=self.sum_exp)
        loss = (np.add.reduce(np.log(sum_exp[:, 0])) - np.add.reduce(picked)) / len(picked)
        d_a = exp
        d_a /= sum_exp
        d_a[self.rows, self.y] -= 1
        d_a *= self.one_over_n

        for k in reversed(range(len(self.names))):
            prefix = self.names[k]
            h = outputs[k - 1] if k else self.x
            d_a.T.dot(h, out=grads[f"{prefix}.weight"])
            np.add.reduce(d_a, axis=0, out=grads[f"{prefix}.bias"])
            if k:
                d_a = d_a.dot(p[f"{prefix}.weight"], out=self.d_outputs[k - 1])
                d_a *= np.greater(h, 0, out=self.positive[k - 1])
                if self.dropout:
                    d_a *= self.scale

        self.optimizer.step({"all": self.grads_joined})
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {name: g.copy() for name, g in self.grads.items()}


DROPOUT_MLP = Workload(
    key="W3",
    name="dropout-mlp",
    per="step",
    target=1.15,
    config={"widths": (784, 256, 128, 10), "batch": 64, "dropout": 0.5, "optimizer": "adam",
            "lr": 1e-3},
    tiny={"widths": (20, 16, 8, 4), "batch": 8, "dropout": 0.5, "optimizer": "adam", "lr": 1e-3},
    make_state=make_state,
    torch_api=torch_api_trainer,
    numpy=NumpyMLP,
    torch_reference=torch_with_floor_masks,
)

FULLBATCH_MLP = Workload(
    key="W4",
    name="fullbatch-mlp",
    per="step",
    target=1.05,
    config={"widths": (784, 128, 10), "batch": 8192, "dropout": 0.0, "optimizer": "sgd",
            "lr": 0.01},
    tiny={"widths": (20, 16, 4), "batch": 64, "dropout": 0.0, "optimizer": "sgd", "lr": 0.01},
    make_state=make_state,
    torch_api=torch_api_trainer,
    numpy=NumpyMLP,
)

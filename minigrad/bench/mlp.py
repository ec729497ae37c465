"""W3 and W4: multilayer perceptrons on MNIST-sized inputs with cross-entropy.

W3 (dropout-mlp): 784-256-128-10, ReLU then Dropout(0.5) after each hidden layer, batch 64,
Adam (lr 1e-3). Small matrices, so the time goes to per-operation overhead and the optimizer.
W4 (fullbatch-mlp): 784-128-10 with ReLU, batch 8192, SGD (lr 0.01). Large matrices, so the
time goes to the matrix products and an engine can only lose by extra copies.

Dropout masks: the floor draws its masks exactly as minigrad's Dropout does, from a generator
seeded like minigrad's, so with the same seed both drop the same units and the correctness
check can compare them; the draws cost the same too. PyTorch's masks come from its own
generator, which NumPy cannot reproduce; for the check only, its Dropout layers are made to
apply the floor's masks (the timed PyTorch step uses its Dropout as it is).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from minigrad.bench.floor import Adam, sgd_step
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
    rng = np.random.default_rng(int(state["dropout_seed"]))

    def apply_floor_mask(module: Any, args: tuple[Any, ...], output: Any) -> Any:
        (x,) = args
        return x * torch.from_numpy(dropout_mask(rng, tuple(x.shape), module.p))

    for module in trainer.model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.register_forward_hook(apply_floor_mask)
    return trainer


def dropout_mask(rng: np.random.Generator, shape: tuple[int, ...], p: float) -> np.ndarray:
    """Inverted dropout's multipliers, drawn as minigrad's Dropout draws them: 1/(1-p) (in
    float32) with probability 1-p, else 0."""
    keep = rng.random(shape) >= p
    return np.where(keep, np.float32(1) / np.float32(1 - p), np.float32(0))


class NumpyMLP:
    """The same step by hand. Layer k computes a_k = h_{k-1} W_k^T + b_k, and between layers
    h_k = relu(a_k) * m_k (m_k the dropout multipliers, or 1 without dropout). With
    z the logits, s = softmax(z) and L = mean_i(-log s[i, y_i]):

        dL/dz = (s - onehot(y)) / N
        dL/dW_k = (dL/da_k)^T h_{k-1},   dL/db_k = sum over the batch of dL/da_k
        dL/dh_{k-1} = dL/da_k W_k
        dL/da_k = dL/dh_k * m_k where h_k > 0, else 0   (relu'(0) = 0)
    """

    def __init__(self, state: State, config: Config) -> None:
        self.names = _linear_names(config)
        self.params = {
            f"{prefix}.{kind}": state[f"{prefix}.{kind}"].copy()
            for prefix in self.names for kind in ("weight", "bias")
        }
        self.x, self.y = state["x"].copy(), state["y"].copy()
        self.rows = np.arange(len(self.y))
        self.dropout = config["dropout"]
        self.rng = np.random.default_rng(int(state["dropout_seed"]))
        self.grads: dict[str, np.ndarray] = {}
        if config["optimizer"] == "adam":
            adam = Adam(self.params, lr=config["lr"])
            self.update = adam.step
        else:
            self.update = lambda grads: sgd_step(self.params, grads, config["lr"])

    def step(self) -> np.float32:
        p, grads = self.params, self.grads
        layer_inputs, masks = [], []
        h = self.x
        for k, prefix in enumerate(self.names):
            if k:
                np.maximum(h, 0, out=h)
                if self.dropout:
                    masks.append(dropout_mask(self.rng, h.shape, self.dropout))
                    h *= masks[-1]
            layer_inputs.append(h)
            h = h @ p[f"{prefix}.weight"].T
            h += p[f"{prefix}.bias"]

        # Cross-entropy, with the largest logit subtracted so that exp cannot overflow.
        shifted = h - h.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(sum_exp[:, 0]) - shifted[self.rows, self.y])
        d_a = exp
        d_a /= sum_exp
        d_a[self.rows, self.y] -= 1
        d_a /= len(self.y)

        for k in reversed(range(len(self.names))):
            prefix, h = self.names[k], layer_inputs[k]
            grads[f"{prefix}.weight"] = d_a.T @ h
            grads[f"{prefix}.bias"] = d_a.sum(axis=0)
            if k:
                d_a = d_a @ p[f"{prefix}.weight"]
                if self.dropout:
                    d_a *= masks[k - 1]
                d_a *= h > 0

        self.update(grads)
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

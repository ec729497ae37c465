"""What every benchmark workload is made of.

A workload is one training step written three times: on minigrad, on PyTorch and by hand in
NumPy (the floor). The minigrad and PyTorch versions are one piece of code, run with `lib` set
to the `minigrad` or the `torch` module: minigrad has PyTorch's API, so the two libraries run
exactly the same step. All three start from the same NumPy-generated weights and data (the
workload's *state*), loaded into the models through `load_state_dict`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np

State = dict[str, np.ndarray]
"""A workload's initial weights (named as in the PyTorch model's state_dict) and its data."""

Config = Mapping[str, Any]
"""A workload's sizes and settings, e.g. {"batch": 32, "length": 5}."""


class Trainer(Protocol):
    """One library's version of a workload, ready to run training steps."""

    def step(self) -> Any:
        """Run one training step (forward, backward, update); return its loss."""

    def gradients(self) -> dict[str, np.ndarray]:
        """The gradient of the loss of the last step for each parameter, by state_dict name."""


@dataclass(frozen=True)
class Workload:
    """A training step to time, with its three implementations.

    Attributes:
        key: the short name used on the command line ("W1").
        name: a longer name ("temperature").
        per: what one step is ("epoch", "step"); for the per-op figure, "op".
        target: the largest acceptable minigrad time, as a ratio to the NumPy floor, or in
            microseconds per op when `per` is "op".
        config: the sizes (and other settings) of the workload as benchmarked.
        tiny: a config small enough to run the whole harness in seconds (for tests).
        make_state: (seed, config) -> the initial weights and data.
        torch_api: (lib, state, config) -> the step on `lib` (minigrad or torch).
        numpy: (state, config) -> the hand-written NumPy step.
        torch_reference: (state, config) -> the PyTorch step that the correctness check
            compares with, when it must differ from the timed one (Dropout: PyTorch's masks
            cannot be drawn from NumPy, so the check hands it the floor's). None: `torch_api`.
        ops_per_step: for the per-op figure, (config) -> how many ops one step runs.
        memory_target: when set, the peak memory of one step is measured too, and this is the
            largest acceptable ratio of minigrad's to the floor's.
    """

    key: str
    name: str
    per: str
    target: float
    config: Config
    tiny: Config
    make_state: Callable[[int, Config], State]
    torch_api: Callable[[ModuleType, State, Config], Trainer]
    numpy: Callable[[State, Config], Trainer]
    torch_reference: Callable[[State, Config], Trainer] | None = None
    ops_per_step: Callable[[Config], int] | None = None
    memory_target: float | None = None

    @property
    def title(self) -> str:
        return f"{self.key} {self.name}"


def load(lib: ModuleType, array: np.ndarray) -> Any:
    """A tensor of `lib` holding a private copy of `array` (steps update weights in place)."""
    return lib.from_numpy(array.copy())


def load_weights(lib: ModuleType, model: Any, state: State) -> None:
    """Overwrite the model's freshly initialised weights with the workload's."""
    names = model.state_dict().keys()
    model.load_state_dict({name: load(lib, state[name]) for name in names})


def as_array(tensor: Any) -> np.ndarray:
    """A copy of the values of a minigrad or torch tensor."""
    return np.array(tensor.detach().numpy())


class ModelTrainer:
    """The usual PyTorch training step, on any library with PyTorch's API:

        optimizer.zero_grad(); loss = loss_fn(model(x), y); loss.backward()
        [clip_grad_norm_(model.parameters(), max_norm)]; optimizer.step()
    """

    def __init__(
        self, lib: ModuleType, model: Any, loss_fn: Any, optimizer: Any, x: Any, y: Any,
        max_norm: float | None = None,
    ) -> None:
        self.lib, self.model, self.loss_fn, self.optimizer = lib, model, loss_fn, optimizer
        self.x, self.y, self.max_norm = x, y, max_norm

    def step(self) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        if self.max_norm is not None:
            self.lib.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.optimizer.step()
        return loss

    def gradients(self) -> dict[str, np.ndarray]:
        return {name: as_array(p.grad) for name, p in self.model.named_parameters()}


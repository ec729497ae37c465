"""Whole seeded training runs equal PyTorch's with no weights copied between the libraries.

minigrad's random numbers are PyTorch's bit for bit, so a program that calls ``manual_seed``
and then draws its data, builds its model with the default initialisation, shuffles its
DataLoader and draws Dropout masks, all from the global generator, gets the same numbers on
both libraries. Each training function below is written once against the API the two share and
runs on each library from its own seeded start; the tests then check that

* the initial weights are equal bit for bit (in float64 too: the default initialisation draws in
  float32 and ``.to(float64)`` converts exactly);
* the losses, the gradient norms and the final weights agree to the suite's tolerance for the
  dtype: 1e-10 relative in float64 (only roundings differ). In float32 they are not bit-exact:
  PyTorch's CPU matrix products and sums round in another order than NumPy's, by an ulp or so
  per operation, so float32 uses the suite's float32 tolerance (a few steps stay well inside).

Dropout masks: on an Intel CPU with MKL, PyTorch draws them with MKL's generator, which minigrad
does not reproduce; the runs with p > 0 are skipped there, with that reason.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from support import assert_close

import minigrad as mg
from minigrad.cli.parity import MKL_MASKS, same_dropout_masks

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from(["float32", "float64"])
optimizers = st.sampled_from(["Adam", "SGD"])


# The programs' tensors are small: on a shared machine threads only slow PyTorch down.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def numpy_state(model: Any) -> dict[str, np.ndarray]:
    return {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}


def make_optimizer(lib: ModuleType, name: str, parameters: Any) -> Any:
    if name == "Adam":
        return lib.optim.Adam(parameters, lr=1e-2)
    return lib.optim.SGD(parameters, lr=0.1, momentum=0.9)


def train_dropout_mlp(
    lib: ModuleType, seed: int, width: int, dtype: str, p: float, optimizer: str, steps: int
) -> dict[str, Any]:
    """Linear-ReLU-Dropout-Linear on random data with CrossEntropyLoss, from manual_seed(seed):
    the data, the weights and every mask come from the library's own generator."""
    lib.manual_seed(seed)
    inputs = lib.randn(16, 6, dtype=getattr(lib, dtype))
    labels = lib.randint(0, 3, (16,))
    nn = lib.nn
    model = nn.Sequential(nn.Linear(6, width), nn.ReLU(), nn.Dropout(p), nn.Linear(width, 3))
    model.to(getattr(lib, dtype))
    initial = numpy_state(model)
    criterion = nn.CrossEntropyLoss()
    step_with = make_optimizer(lib, optimizer, model.parameters())
    losses = []
    for _ in range(steps):
        step_with.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        step_with.step()
        losses.append(loss.item())
    return {"initial": initial, "losses": np.array(losses, dtype=dtype),
            "final": numpy_state(model)}


def train_rnn(
    lib: ModuleType, seed: int, hidden: int, dtype: str, batch_size: int, optimizer: str,
    epochs: int,
) -> dict[str, Any]:
    """nn.RNN + Linear on random sequences fed by DataLoader(shuffle=True), with
    clip_grad_norm_(max_norm=0.5) before each step, from manual_seed(seed)."""
    lib.manual_seed(seed)
    sequences = lib.randn(10, 4, 3, dtype=getattr(lib, dtype))
    targets = lib.randn(10, 1, dtype=getattr(lib, dtype))
    loader = lib.utils.data.DataLoader(
        lib.utils.data.TensorDataset(sequences, targets), batch_size=batch_size, shuffle=True
    )

    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = lib.nn.RNN(3, hidden, batch_first=True)
            self.fc = lib.nn.Linear(hidden, 1)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            return self.fc(out[:, -1, :])

    model = Net().to(getattr(lib, dtype))
    initial = numpy_state(model)
    criterion = lib.nn.MSELoss()
    step_with = make_optimizer(lib, optimizer, model.parameters())
    losses, norms, batches = [], [], []
    for _ in range(epochs):
        for x, y in loader:
            step_with.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            norms.append(float(lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)))
            step_with.step()
            losses.append(loss.item())
            batches.append(y.detach().numpy().copy())
    return {"initial": initial, "losses": np.array(losses, dtype=dtype),
            "norms": np.array(norms, dtype=dtype),
            "batches": batches, "final": numpy_state(model)}


def assert_same_run(mine: dict[str, Any], expected: dict[str, Any]) -> None:
    """Initial weights bit for bit, the curves and final weights to the dtype's tolerance."""
    assert mine["initial"].keys() == expected["initial"].keys()
    for name, value in expected["initial"].items():
        assert mine["initial"][name].dtype == value.dtype
        np.testing.assert_array_equal(mine["initial"][name], value, err_msg=name)
    assert_close(mine["losses"], expected["losses"], what="losses")
    if "norms" in expected:
        assert_close(mine["norms"], expected["norms"], what="clip_grad_norm_ results")
    for name, value in expected["final"].items():
        assert_close(mine["final"][name], value, what=name)


@settings(max_examples=6, deadline=None)
@given(seeds, st.integers(1, 12), dtypes, st.sampled_from([0.0, 0.2, 0.5, 0.8]), optimizers)
def test_a_seeded_dropout_mlp_trains_as_on_pytorch_with_no_weights_copied(
    seed, width, dtype, p, optimizer
):
    if p > 0 and not same_dropout_masks(torch):
        pytest.skip(MKL_MASKS)
    runs = {lib: train_dropout_mlp(lib, seed, width, dtype, p, optimizer, steps=4)
            for lib in (torch, mg)}
    assert_same_run(runs[mg], runs[torch])


@settings(max_examples=6, deadline=None)
@given(seeds, st.integers(1, 8), dtypes, st.integers(2, 5), optimizers)
def test_a_seeded_rnn_with_clipping_and_a_shuffling_dataloader_trains_as_on_pytorch(
    seed, hidden, dtype, batch_size, optimizer
):
    runs = {lib: train_rnn(lib, seed, hidden, dtype, batch_size, optimizer, epochs=2)
            for lib in (torch, mg)}
    # The shuffled batches are PyTorch's, element for element, in the same order.
    assert len(runs[mg]["batches"]) == len(runs[torch]["batches"])
    for mine, expected in zip(runs[mg]["batches"], runs[torch]["batches"]):
        np.testing.assert_array_equal(mine, expected)
    assert_same_run(runs[mg], runs[torch])


def test_the_seed_matters():
    """The comparison can fail: two seeds give different initial weights, masks and batches."""
    one, other = (train_dropout_mlp(mg, seed, 4, "float64", 0.5, "SGD", 2) for seed in (0, 1))
    assert not np.array_equal(one["initial"]["0.weight"], other["initial"]["0.weight"])
    with pytest.raises(AssertionError):
        assert_same_run(one, other)

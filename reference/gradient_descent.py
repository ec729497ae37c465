"""Batch, stochastic and mini-batch gradient descent on the same network and data.

The tutorial's SimpleNet, ``Linear(784, 128) - ReLU - Linear(128, 10)``, classifies handwritten
digits (see `reference.data`: scikit-learn's 8x8 digits upsampled to 28x28, or MNIST) with
CrossEntropyLoss and plain SGD. The three variants differ only in the DataLoader's batch size:

* ``batch``: the whole training set per step, one exact gradient step per epoch;
* ``stochastic``: one example per step, many cheap and noisy steps per epoch;
* ``mini-batch``: 32 examples per step, the usual compromise.

The data go through ``TensorDataset`` and ``DataLoader(dataset, batch_size=...,
shuffle=False, drop_last=False)``: every epoch sees the batches in the same order, so the
variants differ only in the batch size.

"losses" holds one value per epoch, the mean of that epoch's batch losses; "accuracy" is the
final accuracy on held-out examples.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .common import (
    Progress,
    check_dtype,
    check_variant,
    final_params,
    tensor,
)
from .data import load_images

NAME = "gradient_descent"
TITLE = "SimpleNet on digits with SGD: batch vs stochastic vs mini-batch"
VARIANTS = ("batch", "stochastic", "mini-batch")

N_TRAIN, N_TEST = 300, 200
EPOCHS = 10
LR = 0.01
MINI_BATCH = 32
SEED = 1


def simple_net(lib: ModuleType) -> Any:
    """The tutorial's model, built from `lib.nn` (so the class is made per library)."""

    class SimpleNet(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = lib.nn.Linear(784, 128)
            self.relu = lib.nn.ReLU()
            self.fc2 = lib.nn.Linear(128, 10)

        def forward(self, x: Any) -> Any:
            return self.fc2(self.relu(self.fc1(x)))

    return SimpleNet()


def accuracy(lib: ModuleType, model: Any, x: Any, y: Any) -> float:
    """The fraction of rows of `x` whose largest logit is at the label in `y`."""
    with lib.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def run(
    lib: ModuleType,
    variant: str | None = None,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train SimpleNet on `lib` (torch or minigrad); `steps` overrides the number of epochs."""
    variant = check_variant(NAME, VARIANTS, variant)
    check_dtype(dtype)
    epochs = EPOCHS if steps is None else steps
    batch_size = {"batch": N_TRAIN, "stochastic": 1, "mini-batch": MINI_BATCH}[variant]

    x_train, y_train, x_test, y_test = load_images(N_TRAIN, N_TEST)
    dataset = lib.utils.data.TensorDataset(tensor(lib, x_train, dtype), lib.tensor(y_train))
    loader = lib.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=False, drop_last=False
    )
    # nn.Linear's default initialisation (kaiming-uniform), drawn in float32 and then converted.
    lib.manual_seed(SEED)
    model = simple_net(lib).to(getattr(lib, dtype))
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=LR)

    losses: list[float] = []
    for epoch in range(1, epochs + 1):
        batch_losses = []
        for inputs, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
        if progress is not None:
            progress(epoch, epochs, losses[-1])

    return {
        "losses": losses,
        "params": final_params(model.named_parameters()),
        "accuracy": accuracy(lib, model, tensor(lib, x_test, dtype), lib.tensor(y_test)),
    }

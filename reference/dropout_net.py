"""A digit classifier with Dropout, and what train() and eval() change.

The tutorial's network:

    Linear(784, 256) - ReLU - Dropout(0.5)
    - Linear(256, 128) - ReLU - Dropout(0.5)
    - Linear(128, 10)

trained with CrossEntropyLoss and Adam (lr 1e-3) on a few hundred digits (see `reference.data`),
one full batch per step.

In training mode (``model.train()``) each Dropout zeroes every activation with probability p
and multiplies the survivors by 1/(1-p), so the expected activation is unchanged; each forward
pass draws a new mask, so the same input gives a different output every time. In evaluation
mode (``model.eval()``) Dropout is the identity and the network is deterministic. Forgetting
``model.eval()`` before measuring is the classic bug.

Variants:

* ``no-dropout``: the same network with p = 0: training without the noise of the masks.
* ``dropout``: p = 0.5 as in the tutorial. The masks are random, but drawn from the generator
  seeded at the start, so a run is repeatable; minigrad draws them as PyTorch does (except where
  PyTorch uses MKL's generator for them, on Intel CPUs: see `minigrad parity`), so the two
  libraries train alike with dropout on too.

"accuracy" is measured in eval mode on held-out examples. "data" holds the training-set loss of
the final model computed twice in train mode (two different values when p > 0) and twice in
eval mode (always equal): ``{"train_mode_losses": [a, b], "eval_mode_losses": [c, c]}``.
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

NAME = "dropout_net"
TITLE = "Linear-ReLU-Dropout network on digits: train() vs eval()"
VARIANTS = ("no-dropout", "dropout")
MASKED_VARIANTS = ("dropout",)  # Dropout draws masks (p > 0)

N_TRAIN, N_TEST = 300, 200
STEPS = 30
LR = 1e-3
SEED = 2


def dropout_net(lib: ModuleType, p: float) -> Any:
    """The tutorial's network with dropout probability `p`, built from `lib.nn`."""
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Dropout(p),
        nn.Linear(256, 128), nn.ReLU(), nn.Dropout(p),
        nn.Linear(128, 10),
    )


def run(
    lib: ModuleType,
    variant: str | None = None,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the network on `lib` (torch or minigrad); `steps` overrides the step count."""
    variant = check_variant(NAME, VARIANTS, variant)
    check_dtype(dtype)
    steps = STEPS if steps is None else steps

    x_train, y_train, x_test, y_test = load_images(N_TRAIN, N_TEST)
    inputs, labels = tensor(lib, x_train, dtype), lib.tensor(y_train)
    # The seed fixes nn.Linear's default initial weights and then every Dropout mask: both are
    # drawn from the same generator, in the order the program asks for them.
    lib.manual_seed(SEED)
    model = dropout_net(lib, 0.5 if variant == "dropout" else 0.0).to(getattr(lib, dtype))
    criterion = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=LR)

    model.train()
    losses: list[float] = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if progress is not None:
            progress(step, steps, losses[-1])

    with lib.no_grad():
        train_mode = [criterion(model(inputs), labels).item() for _ in range(2)]
        model.eval()
        eval_mode = [criterion(model(inputs), labels).item() for _ in range(2)]
        correct = model(tensor(lib, x_test, dtype)).argmax(dim=1) == lib.tensor(y_test)
    return {
        "losses": losses,
        "params": final_params(model.named_parameters()),
        "accuracy": correct.float().mean().item(),
        "data": {"train_mode_losses": train_mode, "eval_mode_losses": eval_mode},
    }

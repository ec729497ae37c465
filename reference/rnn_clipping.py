"""Train a small RNN with gradient clipping, and watch the gradient norm before and after.

The tutorial's SimpleRNN reads a batch of 32 sequences of length 5 with 10 features each
(`nn.RNN` with ``batch_first=True``), keeps the hidden state of the last time step and maps it
to one output with a Linear layer. The loss is the mean squared error against random targets,
the optimizer Adam with lr 1e-3, and before each step

    total_norm = clip_grad_norm_(model.parameters(), max_norm=1.0)

rescales the gradients so that their total norm is at most 1. Recurrent networks need this:
the gradient flows back through the same weight matrix once per time step, so it can grow
geometrically with the sequence length.

Variants: ``clipped`` (the tutorial) and ``unclipped`` (the same training without the clip,
for comparison). "grad_norms" is the total norm of each step before clipping (the value
``clip_grad_norm_`` returns), "clipped_norms" the norm after clipping, the one the step uses.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from .common import (
    Progress,
    check_dtype,
    check_variant,
    final_params,
    grad_norm,
    tensor,
)

NAME = "rnn_clipping"
TITLE = "A SimpleRNN trained with Adam and clip_grad_norm_(max_norm=1.0)"
VARIANTS = ("clipped", "unclipped")

BATCH, SEQUENCE_LENGTH, INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE = 32, 5, 10, 20, 1
STEPS = 100
LR = 1e-3
MAX_NORM = 1.0
SEED = 0


def simple_rnn(lib: ModuleType) -> Any:
    """The tutorial's model, built from `lib.nn` (so the class is made per library)."""

    class SimpleRNN(lib.nn.Module):
        def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
            super().__init__()
            self.rnn = lib.nn.RNN(input_size, hidden_size, batch_first=True)
            self.fc = lib.nn.Linear(hidden_size, output_size)

        def forward(self, x: Any) -> Any:
            out, _ = self.rnn(x)
            return self.fc(out[:, -1, :])

    return SimpleRNN(INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE)


def run(
    lib: ModuleType,
    variant: str | None = None,
    *,
    dtype: str = "float32",
    steps: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train the SimpleRNN on `lib` (torch or minigrad); `steps` overrides the step count."""
    variant = check_variant(NAME, VARIANTS, variant)
    check_dtype(dtype)
    steps = STEPS if steps is None else steps

    rng = np.random.default_rng(SEED)
    inputs = tensor(lib, rng.standard_normal((BATCH, SEQUENCE_LENGTH, INPUT_SIZE)), dtype)
    targets = tensor(lib, rng.standard_normal((BATCH, OUTPUT_SIZE)), dtype)
    # nn.RNN's default initialisation: every weight and bias from U(-1/sqrt(20), 1/sqrt(20)),
    # drawn in float32 and then converted, so float64 starts from the same values.
    lib.manual_seed(SEED)
    model = simple_rnn(lib).to(getattr(lib, dtype))
    criterion = lib.nn.MSELoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=LR)

    losses: list[float] = []
    grad_norms: list[float] = []
    clipped_norms: list[float] = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        if variant == "clipped":
            total = lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=MAX_NORM)
            grad_norms.append(float(total))
        else:
            grad_norms.append(grad_norm(model.parameters()))
        clipped_norms.append(grad_norm(model.parameters()))
        optimizer.step()

        losses.append(loss.item())
        if progress is not None:
            progress(step, steps, losses[-1])

    return {
        "losses": losses,
        "params": final_params(model.named_parameters()),
        "grad_norms": grad_norms,
        "clipped_norms": clipped_norms,
    }

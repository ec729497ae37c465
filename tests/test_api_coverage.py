"""docs/api-coverage.md: the inventory of PyTorch's public names is what PyTorch and minigrad say
now, every name it says minigrad has is usable, and its counting rules read PyTorch as
documented at the top of the file."""

from __future__ import annotations

import contextlib
import difflib
import io
import math

import pytest
import torch

import minigrad
from minigrad.cli import coverage, main

REGENERATE = f"run `{coverage.COMMAND}` to regenerate it"


@pytest.fixture(scope="module")
def inventories() -> list[coverage.Inventory]:
    return coverage.inventories()


def test_the_committed_inventory_is_what_pytorch_and_minigrad_say_now() -> None:
    committed = coverage.DOCUMENT.read_text() if coverage.DOCUMENT.exists() else ""
    generated = coverage.generate()
    if committed != generated:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), generated.splitlines(keepends=True),
            "docs/api-coverage.md (committed)", "generated now"))[:40])
        pytest.fail(f"docs/api-coverage.md disagrees with the code: {REGENERATE}.\n{diff}")


def test_every_name_minigrad_has_is_usable(inventories: list[coverage.Inventory]) -> None:
    """A function for a function, a class for a class, a readable attribute for an attribute,
    the same value for a constant: not merely a name that exists."""
    x = minigrad.ones(2, 3, requires_grad=True)
    broken = []
    for row in inventories:
        theirs, ours = coverage.resolve(row.namespace), coverage.resolve(row.minigrad_namespace)
        for name in row.present:
            reference = getattr(theirs, name)
            if row.namespace == "torch.Tensor":
                try:
                    usable = callable(getattr(x, name)) or not callable(reference)
                except Exception as error:  # a property that cannot be read is not usable
                    usable, name = False, f"{name} ({type(error).__name__}: {error})"
            elif isinstance(reference, type):
                usable = isinstance(getattr(ours, name), type)
            elif callable(reference):
                usable = callable(getattr(ours, name))
            elif isinstance(reference, float):
                value = getattr(ours, name)
                usable = value == reference or (math.isnan(value) and math.isnan(reference))
            else:  # dtypes, memory formats, layouts: an object of the same kind
                usable = type(getattr(ours, name)).__name__ == type(reference).__name__
            if not usable:
                broken.append(f"{row.namespace}.{name}")
    assert not broken, f"minigrad has these names but they are not usable: {broken}"


def test_each_name_is_counted_once_and_the_lists_are_sorted(
        inventories: list[coverage.Inventory]) -> None:
    for row in inventories:
        names = [*row.present, *row.not_yet, *row.out_of_scope]
        assert sorted(names) == coverage.pytorch_names(row.namespace)
        assert row.present == sorted(row.present) and row.not_yet == sorted(row.not_yet)


def test_every_out_of_scope_rule_classifies_some_name_of_pytorch(
        inventories: list[coverage.Inventory]) -> None:
    """A rule that matches nothing is dead weight (or a typo that lets names through)."""
    used = {reason for row in inventories for reason in row.out_of_scope.values()}
    unused = [reason for reason, _ in coverage.OUT_OF_SCOPE if reason not in used]
    assert not unused, f"these out-of-scope rules classify no missing name: {unused}"


@pytest.mark.parametrize("name, reason", [
    ("view_as_complex", "complex numbers"),
    ("sparse_coo_tensor", "sparse tensors"),
    ("quantize_per_tensor", "quantized tensors"),
    ("float8_e4m3fn", "low-precision and sub-byte dtypes (bfloat16, float8, int1..int7)"),
    ("cudnn_convolution", "accelerators (CUDA, MPS, XPU, ...) and their kernels"),
    ("is_mps", "accelerators (CUDA, MPS, XPU, ...) and their kernels"),
    ("GradScaler", "mixed precision (autocast, gradient scaling)"),
    ("DistributedSampler", "distributed training and worker processes"),
    ("stft", "spectral transforms (FFT, windows)"),
    # "hpu" is inside "ThroughputBenchmark": the accelerators rule must not take it
    ("ThroughputBenchmark",
     "TorchScript, torch.compile, FX, custom operators and other PyTorch internals"),
])
def test_out_of_scope_names_get_their_reason(name: str, reason: str) -> None:
    assert coverage.out_of_scope_reason(name) == reason


@pytest.mark.parametrize("name", [
    # names that contain an accelerator's or a feature's letters without being one
    "flipud", "index_copy", "clip_grad_norm_", "Conv2d", "lr_scheduler",
    "Linear", "tanh", "cholesky_solve", "lu_solve", "LayerNorm", "contiguous_format",
])
def test_ordinary_names_are_not_out_of_scope(name: str) -> None:
    assert coverage.out_of_scope_reason(name) is None


def test_public_names_follow_the_documented_rule() -> None:
    torch_names = coverage.pytorch_names("torch")
    assert {"pi", "float32", "Tensor", "tanh", "set_grad_enabled"} <= set(torch_names)
    # submodules, build flags and private names are not counted
    assert not {"nn", "linalg", "TYPE_CHECKING", "_C"} & set(torch_names)
    schedulers = coverage.pytorch_names("torch.optim.lr_scheduler")
    assert "StepLR" in schedulers
    # typing helpers and classes defined elsewhere in PyTorch are only imported there
    assert not {"Any", "partial", "Optimizer", "Tensor", "inf"} & set(schedulers)
    assert "tf32_notes" not in coverage.pytorch_names("torch.nn.functional")
    assert "H" in coverage.pytorch_names("torch.Tensor")


def test_a_missing_namespace_has_nothing() -> None:
    assert coverage.resolve("minigrad.no_such_module") is None
    row = coverage.inventory("torch.optim", "minigrad.no_such_module")
    assert not row.present and row.total == len(coverage.pytorch_names("torch.optim"))


def test_the_command_prints_the_summary_table(inventories: list[coverage.Inventory]) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["coverage"])
    assert status == 0
    assert out.getvalue().strip() == coverage.summary_table(inventories)
    assert f"| **total** | {sum(row.total for row in inventories)} |" in out.getvalue()
    assert torch.__version__.startswith("2.13")

"""`minigrad demo`: each lesson replayed on minigrad prints the numbers PyTorch gets for the same
program (up to the digits shown), writes a real PNG with --plot, says how to get matplotlib
when it is missing, and rejects bad arguments in one line."""

from __future__ import annotations

import builtins
import io
import math
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from support import assert_shown, assert_usage_error, run_minigrad

from minigrad.cli import _progress
from minigrad.cli.demo import LESSONS
from minigrad.cli.parity import MKL_MASKS, same_dropout_masks
from minigrad.reference import PROGRAMS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `minigrad demo ARGV`."""
    return run_minigrad("demo", *argv)


def section(out: str, variant: str) -> str:
    """The lines printed for one variant's run."""
    match = re.search(rf"^{re.escape(variant)}: .*?(?=\n\n)", out, re.M | re.S)
    assert match, f"no section for {variant!r} in:\n{out}"
    return match.group(0)


def table(text: str) -> dict[str, dict[int, str]]:
    """The table of a section as column title -> {epoch: value as printed}."""
    lines = text.splitlines()
    titles = re.split(r"\s{2,}", lines[1].strip())[1:]
    columns: dict[str, dict[int, str]] = {title: {} for title in titles}
    for line in lines[2:]:
        cells = line.split()
        if not (cells and cells[0].isdigit()):
            break
        for title, cell in zip(titles, cells[1:], strict=True):
            columns[title][int(cells[0])] = cell
    return columns


def on_pytorch(lesson: str, variant: str, epochs: int, dtype: str = "float32") -> dict:
    """The lesson's program run on PyTorch: the reference for every number shown."""
    with np.errstate(all="ignore"):
        return PROGRAMS[LESSONS[lesson].program].run(torch, variant, dtype=dtype, steps=epochs)


def variants_of(lesson: str, variant: str | None) -> tuple[str, ...]:
    program = PROGRAMS[LESSONS[lesson].program]
    if variant is not None:
        return (variant,)
    return program.VARIANTS if LESSONS[lesson].every_variant else program.VARIANTS[:1]


# ----------------------------------------------------------------- what each lesson prints
def check_temperature(text: str, expected: dict, dtype: str) -> None:
    w, b = expected["params"]["params"].tolist()
    if not (math.isfinite(w) and math.isfinite(b)):
        assert "no line" in text
        return
    slope, sign, size = re.search(r"t_c = (\S+) \* t_u ([+-]) (\S+)", text).groups()
    assert_shown(slope, w * expected["data"]["scale"], dtype, "slope")
    assert_shown(size if sign == "+" else f"-{size}", b, dtype, "intercept")


def check_rnn(text: str, expected: dict, dtype: str) -> None:
    before, after = np.array(expected["grad_norms"]), np.array(expected["clipped_norms"])
    shortened = int(np.sum(after < before * (1 - 1e-6)))
    assert f"shortened the gradient at {shortened} of {len(before)} steps" in text


def check_descent(text: str, expected: dict, dtype: str) -> None:
    assert f"accuracy on held-out digits: {expected['accuracy']:.1%}" in text


def check_dropout(text: str, expected: dict, dtype: str) -> None:
    train, evaluation = expected["data"]["train_mode_losses"], expected["data"]["eval_mode_losses"]
    shown = re.search(r"train mode (\S+) then (\S+).*\n\s+eval mode\s+(\S+) then (\S+)", text)
    for cell, value in zip(shown.groups(), [*train, *evaluation], strict=True):
        assert_shown(cell, value, dtype, "final model's loss")
    assert f"(eval mode): {expected['accuracy']:.1%}" in text


CHECK_SUMMARY = {
    "temperature": check_temperature,
    "rnn": check_rnn,
    "descent": check_descent,
    "dropout": check_dropout,
}
COLUMNS = {"loss": "losses", "grad norm": "grad_norms", "after clip": "clipped_norms"}


@pytest.mark.parametrize("lesson, variant, epochs, dtype", [
    ("temperature", None, 30, "float32"),  # every variant; raw reaches inf and nan by epoch 30
    ("temperature", "scaled", 50, "float64"),
    ("rnn", "clipped", 6, "float32"),
    ("rnn", "unclipped", 3, "float64"),
    ("descent", "mini-batch", 1, "float32"),  # stochastic (500 steps an epoch) is too slow here
    ("dropout", "no-dropout", 3, "float32"),
    ("dropout", "dropout", 3, "float32"),  # the masks are PyTorch's (skipped where they are not)
])
def test_demo_prints_the_numbers_pytorch_gets_for_the_same_program(
    lesson, variant, epochs, dtype
):
    """Every loss and gradient norm in the table, the final loss, where the loss diverged and
    the lesson's summary (fitted line, clipping count, accuracy, train/eval losses) match the
    same program run on PyTorch in the same dtype."""
    if variant == "dropout" and not same_dropout_masks(torch):
        pytest.skip(MKL_MASKS)
    argv = [lesson, "--epochs", str(epochs), "--dtype", dtype]
    argv += ["--variant", variant] if variant else []
    status, out, err = run_cli(*argv)
    assert status == 0
    assert err == ""  # no progress bar off a terminal, no NumPy overflow warnings
    assert out.startswith(PROGRAMS[LESSONS[lesson].program].TITLE)
    assert "What to look for:" in out

    for name in variants_of(lesson, variant):
        text = section(out, name)
        expected = on_pytorch(lesson, name, epochs, dtype)
        columns = table(text)
        assert set(columns) == {t for t, key in COLUMNS.items() if key in expected}
        for title, cells in columns.items():
            assert cells, f"{name}: empty column {title}"
            for epoch, cell in cells.items():
                assert_shown(cell, expected[COLUMNS[title]][epoch - 1], dtype,
                             f"{name} {title} {epoch}")
        assert_shown(re.search(r"final loss (\S+)", text).group(1), expected["losses"][-1],
                     dtype, "final loss")
        losses = np.array(expected["losses"])
        if np.isfinite(losses).all():
            assert "diverged" not in text
        else:
            first_inf = np.flatnonzero(np.isinf(losses))[0] + 1
            first_nan = np.flatnonzero(np.isnan(losses))[0] + 1
            assert (f"diverged: the loss became inf at epoch {first_inf} and nan at epoch "
                    f"{first_nan}") in text
            assert first_inf in columns["loss"]
        CHECK_SUMMARY[lesson](text, expected, dtype)


def test_demo_shows_about_twenty_epochs_of_a_long_run_first_and_last_included():
    status, out, _ = run_cli("temperature", "--variant", "scaled", "--epochs", "300")
    epochs = sorted(table(section(out, "scaled"))["loss"])
    assert status == 0
    assert len(epochs) == 20 and epochs[0] == 1 and epochs[-1] == 300
    assert "(20 of 300 epochs shown)" in out


def test_demo_shows_the_epoch_where_a_diverging_loss_first_became_inf():
    """Even when the evenly spread sample would skip it."""
    expected = np.array(on_pytorch("temperature", "raw", 100)["losses"])
    first_inf = int(np.flatnonzero(np.isinf(expected))[0]) + 1
    _, out, _ = run_cli("temperature", "--variant", "raw")
    loss = table(section(out, "raw"))["loss"]
    assert loss[first_inf] == "inf"
    assert all(cell != "inf" for epoch, cell in loss.items() if epoch < first_inf)


def test_demo_dropout_differs_between_two_train_mode_passes_and_not_in_eval_mode():
    """The lesson itself: two train-mode passes differ, eval mode is deterministic. The program
    seeds the generator before building its model, so a replay prints the same numbers."""
    status, out, _ = run_cli("dropout", "--variant", "dropout", "--epochs", "3")
    shown = re.search(r"train mode (\S+) then (\S+).*\n\s+eval mode\s+(\S+) then (\S+)", out)
    assert status == 0
    assert shown[1] != shown[2] and "a new dropout mask each pass" in out
    assert shown[3] == shown[4] and "dropout off: deterministic" in out
    again = run_cli("dropout", "--variant", "dropout", "--epochs", "3")[1]
    assert re.sub(r"in \S+ s", "", again) == re.sub(r"in \S+ s", "", out)


# -------------------------------------------------------------------------------- the plots
@pytest.mark.parametrize("lesson, options", [
    ("temperature", ["--epochs", "30"]),
    ("rnn", ["--epochs", "3"]),
    ("descent", ["--variant", "batch", "--epochs", "2"]),
    ("dropout", ["--epochs", "2"]),
])
def test_demo_plot_writes_a_small_png_made_by_matplotlib(lesson, options, tmp_path):
    path = tmp_path / f"{lesson}.png"
    status, out, _ = run_cli(lesson, *options, "--plot", str(path))
    image = path.read_bytes()
    assert status == 0
    assert out.rstrip().endswith(f"plot written to {path}")
    assert image.startswith(PNG_SIGNATURE) and image[12:16] == b"IHDR"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (900, 360)
    assert b"Software\x00Matplotlib" in image
    assert len(image) < 100_000


def test_demo_plot_without_matplotlib_says_how_to_install_it_and_exits_1(monkeypatch, tmp_path):
    """Checked before training, so nothing runs for nothing."""
    real_import = builtins.__import__

    def import_without_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_matplotlib)
    status, out, err = run_cli("temperature", "--plot", str(tmp_path / "t.png"))
    assert status == 1
    assert out == ""
    assert err == 'minigrad demo: --plot needs matplotlib: pip install -e ".[plots]"\n'
    assert not (tmp_path / "t.png").exists()


def test_demo_without_scikit_learn_says_how_to_get_the_digits_and_exits_1(monkeypatch):
    real_import = builtins.__import__

    def import_without_sklearn(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ModuleNotFoundError(f"No module named {name!r}", name="sklearn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_sklearn)
    status, _, err = run_cli("dropout", "--epochs", "1")
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("minigrad demo: ")
    assert 'pip install -e ".[digits]"' in err


def test_demo_with_a_missing_mnist_folder_fails_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIGRAD_MNIST", str(tmp_path / "nowhere"))
    status, _, err = run_cli("descent", "--variant", "batch", "--epochs", "1")
    assert status == 1
    assert err.count("\n") == 1 and "MNIST file not found" in err


# ----------------------------------------------------------------------------- the arguments
@pytest.mark.parametrize("argv, message", [
    (["nonsense"], "argument lesson: invalid choice: 'nonsense'"),
    (["temperature", "--variant", "fast"],
     "temperature has no variant 'fast'; choose from "
     + ", ".join(PROGRAMS["temperature"].VARIANTS)),
    (["rnn", "--epochs", "0"], "argument --epochs: must be at least 1, got 0"),
    (["rnn", "--epochs", "-3"], "argument --epochs: must be at least 1, got -3"),
    (["rnn", "--epochs", "2.5"], "argument --epochs: not an integer: '2.5'"),
    (["rnn", "--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
    (["rnn", "--plot", "rnn.svg"], "FILE must end in .png, got 'rnn.svg'"),
    (["rnn", "--plot", "/no/such/folder/rnn.png"],
     "--plot: the directory '/no/such/folder' does not exist"),
], ids=["lesson", "variant", "epochs 0", "epochs < 0", "epochs 2.5", "dtype", "svg", "folder"])
def test_demo_bad_arguments_fail_in_one_line_with_status_2(argv, message):
    assert_usage_error("demo", argv, message)


def test_demo_help_lists_the_lessons_and_options():
    status, out, _ = run_cli("--help")
    assert status == 0
    for word in (*LESSONS, "--variant", "--epochs", "--dtype", "--plot"):
        assert word in out


def test_demo_runs_as_a_program_without_warnings_on_stderr():
    """The raw variant overflows; the table says so (inf, nan) and NumPy's warnings stay out."""
    done = subprocess.run(
        [sys.executable, "-m", "minigrad.cli", "demo", "temperature", "--variant", "raw",
         "--epochs", "15"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert "diverged: the loss became inf" in done.stdout


# ------------------------------------------------------------------------- the progress bar
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_only_on_a_terminal():
    assert _progress.progress_bar("x", io.StringIO()) is None
    assert isinstance(_progress.progress_bar("x", Terminal()), _progress.ProgressBar)


def test_progress_bar_waits_redraws_at_intervals_and_erases_itself_at_the_end():
    times = iter([0.0, 0.1, 0.6, 0.65, 0.8, 0.9])
    stream = Terminal()
    bar = _progress.ProgressBar("lesson", stream, clock=lambda: next(times))
    bar(1, 100, 9.0)  # t = 0.1: a short run shows nothing
    assert stream.getvalue() == ""
    bar(50, 100, 2.5)  # t = 0.6: drawn
    drawn = stream.getvalue()
    assert drawn == "\rlesson [" + "#" * 15 + "." * 15 + "] 50/100 loss 2.5"
    bar(51, 100, 2.4)  # t = 0.65: too soon to redraw
    assert stream.getvalue() == drawn
    bar(60, 100, 2.0)  # t = 0.8: redrawn over the old line, padded to cover its longer end
    redrawn = "lesson [" + "#" * 18 + "." * 12 + "] 60/100 loss 2"
    assert stream.getvalue() == drawn + "\r" + redrawn + "  "
    bar(100, 100, 1.0)  # the end: the line is blanked
    assert stream.getvalue().endswith(redrawn + "  \r" + " " * len(redrawn) + "\r")

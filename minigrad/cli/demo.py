"""`minigrad demo`: replay a lesson on minigrad, epoch by epoch, and optionally plot it.

    minigrad demo temperature [--variant raw] [--epochs 500] [--plot temperature.png]
    minigrad demo rnn | dropout | descent [options]

Each lesson is one of the tutorials' programs in `minigrad.reference`, written against the
PyTorch API; here it runs on minigrad alone (PyTorch is not needed). The terminal shows the loss
and, where the program measures it, the gradient norm, for about twenty epochs spread over the
run (always including the first epoch where the loss stops being finite). A long run draws a
progress bar on stderr when stderr is a terminal. `--plot FILE` draws the lesson's figure with
matplotlib (the `plots` extra).
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import minigrad
from minigrad.cli._progress import progress_bar

Run = tuple[str, dict[str, Any]]  # (variant, the program's result)
TABLE_LINES = 20  # epochs shown per lesson, shared among its variants
MIN_LINES = 8
WIDTH = 88  # of the wrapped text
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))  # overlapping curves stay visible
OPTIONAL_MODULES = ("sklearn",)  # the `digits` extra, for the descent and dropout lessons
MISSING_MATPLOTLIB = 'minigrad demo: --plot needs matplotlib: pip install -e ".[plots]"'


@dataclass(frozen=True)
class Lesson:
    """How one lesson is replayed.

    Attributes:
        program: its name in `minigrad.reference.PROGRAMS`.
        unit: what one entry of "losses" is, "epoch" or "step".
        every_variant: run all the program's variants by default, because the lesson is their
            comparison; otherwise only the first (the tutorial's).
        look_for: what the output shows, printed after the run ("What to look for: ...").
        summary: lines about one finished run, beyond its final loss.
        plot: draws the runs on an empty matplotlib Figure.
    """

    program: str
    unit: str
    every_variant: bool
    look_for: str
    summary: Callable[[dict[str, Any]], list[str]]
    plot: Callable[[Any, list[Run]], None]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="replay a lesson on minigrad, with an optional plot",
        description=(
            "Replay one of the tutorials' lessons on minigrad: the loss and gradient norm per "
            "epoch in the terminal, and with --plot a PNG figure (needs matplotlib)."
        ),
        epilog="example: minigrad demo temperature --variant raw --plot raw.png",
    )
    parser.add_argument("lesson", choices=tuple(LESSONS), help="the lesson to replay")
    parser.add_argument(
        "--variant", metavar="NAME",
        help="run only this variant (default: all of them, but only the tutorial's "
             "clipped one for rnn)",
    )
    parser.add_argument(
        "--epochs", type=_positive_int, metavar="N",
        help="epochs (steps for rnn) to train instead of the lesson's own number",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32",
        help="dtype of the parameters and data (default: float32)",
    )
    parser.add_argument("--plot", metavar="FILE", help="write the lesson's figure to FILE (PNG)")
    parser.set_defaults(run=run)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """Train the lesson's variants on minigrad, print them, plot them if asked."""
    # Imported here, when a lesson runs, so that `minigrad --help` and the other commands
    # never depend on the programs.
    from minigrad.reference import PROGRAMS

    lesson = LESSONS[args.lesson]
    program = PROGRAMS[lesson.program]
    if args.variant is not None and args.variant not in program.VARIANTS:
        return _fail(f"{args.lesson} has no variant {args.variant!r}; "
                     f"choose from {', '.join(program.VARIANTS)}")
    if args.plot is not None:
        try:
            new_figure = _figure_maker()
        except ImportError:
            print(MISSING_MATPLOTLIB, file=sys.stderr)
            return 1
        problem = _plot_path_problem(Path(args.plot))
        if problem:
            return _fail(problem)

    if args.variant is not None:
        variants = [args.variant]
    else:
        variants = list(program.VARIANTS) if lesson.every_variant else [program.VARIANTS[0]]
    lines = max(MIN_LINES, TABLE_LINES // len(variants))

    print(f"{program.TITLE} (on minigrad, {args.dtype})")
    runs: list[Run] = []
    for variant in variants:
        start = time.perf_counter()
        # Overflow in a diverging run is the lesson, shown in the table as inf and nan;
        # NumPy's warnings about it would only repeat that.
        try:
            with np.errstate(all="ignore"):
                result = program.run(
                    minigrad, variant, dtype=args.dtype, steps=args.epochs,
                    progress=progress_bar(f"{args.lesson} {variant}"),
                )
        except (ModuleNotFoundError, FileNotFoundError) as error:
            # The digits lessons need scikit-learn or MNIST files; the program's message
            # says how to get them.
            if isinstance(error, ModuleNotFoundError) and error.name not in OPTIONAL_MODULES:
                raise
            print(f"minigrad demo: {error}", file=sys.stderr)
            return 1
        seconds = time.perf_counter() - start
        runs.append((variant, result))
        print()
        print(f"{variant}: {len(result['losses'])} {lesson.unit}s in {seconds:.1f} s")
        for line in _table(result, lesson.unit, lines) + lesson.summary(result):
            print(f"  {line}")
    print()
    print(textwrap.fill(f"What to look for: {lesson.look_for}", width=WIDTH))

    if args.plot is not None:
        figure = new_figure()
        lesson.plot(figure, runs)
        figure.savefig(args.plot, dpi=90)
        print(f"\nplot written to {args.plot}")
    return 0


def _fail(message: str) -> int:
    """A bad argument found after parsing: one line on stderr and status 2, as argparse."""
    print(f"minigrad demo: error: {message}", file=sys.stderr)
    return 2


def _figure_maker() -> Callable[[], Any]:
    """A function that makes an empty matplotlib Figure drawn by the Agg backend.

    Agg writes files and needs no display. The figures belong to no pyplot state, so nothing
    is left behind between runs. Raises ImportError without matplotlib.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def new_figure() -> Figure:
        figure = Figure(figsize=(10, 4), layout="constrained")
        FigureCanvasAgg(figure)
        return figure

    return new_figure


def _plot_path_problem(path: Path) -> str | None:
    """Why the plot cannot be written to `path`, checked before a long training."""
    if path.suffix.lower() != ".png":
        return f"--plot writes a PNG file, so FILE must end in .png, got {str(path)!r}"
    if not path.parent.is_dir():
        return f"--plot: the directory {str(path.parent)!r} does not exist"
    return None


# ------------------------------------------------------------------------------ the terminal
def _table(result: dict[str, Any], unit: str, lines: int) -> list[str]:
    """Loss (and gradient norms, when measured) for about `lines` epochs spread over the run."""
    losses = result["losses"]
    columns = [("loss", losses)] + [
        (title, result[key])
        for title, key in (("grad norm", "grad_norms"), ("after clip", "clipped_norms"))
        if len(result.get(key, ())) == len(losses)
    ]
    shown = _sample(losses, lines if len(losses) > TABLE_LINES else len(losses))
    rows = [f"{unit:>6}" + "".join(f"{title:>14}" for title, _ in columns)]
    rows += [f"{i + 1:>6}" + "".join(f"{values[i]:>14.6g}" for _, values in columns)
             for i in shown]
    if len(shown) < len(losses):
        rows.append(f"({len(shown)} of {len(losses)} {unit}s shown)")
    rows.append(f"final loss {losses[-1]:.6g}")
    rows += _divergence(losses, unit)
    return rows


def _sample(values: list[float], lines: int) -> list[int]:
    """About `lines` indices evenly spread from first to last, plus the first non-finite one."""
    picked = set(np.linspace(0, len(values) - 1, min(lines, len(values))).round().astype(int))
    first_bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
    if first_bad is not None:
        picked.add(first_bad)
    return sorted(int(i) for i in picked)


def _divergence(losses: list[float], unit: str) -> list[str]:
    """Where the loss went to inf and to nan, if it did."""
    events = [
        f"{name} at {unit} {i + 1}"
        for name, test in (("inf", math.isinf), ("nan", math.isnan))
        for i in [next((i for i, v in enumerate(losses) if test(v)), None)]
        if i is not None
    ]
    return [f"diverged: the loss became {' and '.join(events)}"] if events else []


def _first_finite_stretch(values: list[float]) -> np.ndarray:
    """The values up to the first non-finite one (matplotlib draws nothing for inf)."""
    array = np.asarray(values, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(array))
    return array[: bad[0]] if bad.size else array


# ------------------------------------------------------------------------------- temperature
def _temperature_summary(result: dict[str, Any]) -> list[str]:
    w, b = (float(v) for v in result["params"]["params"])
    scale = result["data"]["scale"]
    if not (math.isfinite(w) and math.isfinite(b)):
        return [f"final w = {w}, b = {b}: no line"]
    # The model sees scale * t_u, so in the raw unit the slope is w * scale.
    return [f"fitted line: t_c = {w * scale:.4f} * t_u {'+' if b >= 0 else '-'} {abs(b):.4f}"
            f"   (w = {w:.4f}, b = {b:.4f}, input scale {scale:g})"]


def _plot_temperature(figure: Any, runs: list[Run]) -> None:
    fit, curves = figure.subplots(1, 2)
    data = runs[0][1]["data"]
    t_u, t_c = data["t_u"], data["t_c"]
    fit.scatter(t_u, t_c, color="black", zorder=3, label="readings")
    x = np.array([t_u.min() - 5, t_u.max() + 5])
    diverged = {}  # variant -> the epoch where its loss stopped being finite
    for n, (variant, result) in enumerate(runs):
        style = dict(color=f"C{n}", linestyle=LINESTYLES[n % len(LINESTYLES)])
        w, b = result["params"]["params"]
        if np.isfinite([w, b]).all():
            fit.plot(x, w * result["data"]["scale"] * x + b, label=variant, **style)
        losses = _first_finite_stretch(result["losses"])
        if len(losses) < len(result["losses"]):
            diverged[variant] = len(losses) + 1
        curves.plot(np.arange(1, len(losses) + 1), losses, label=variant, **style)
    fit.set(title="The fitted lines", xlabel="t_u (unknown unit)", ylabel="t_c (Celsius)")
    fit.legend(fontsize="small")
    curves.set(title="Loss per epoch", xlabel="epoch", ylabel="mean squared error",
               xscale="log", yscale="log")
    # A diverging run would stretch the axis to 1e38 and flatten every other curve.
    tame = [_first_finite_stretch(r["losses"]) for v, r in runs if v not in diverged]
    if tame:
        curves.set_ylim(min(losses.min() for losses in tame) / 3,
                        10 * max(losses.max() for losses in tame))
    for k, (variant, epoch) in enumerate(diverged.items()):
        curves.annotate(f"{variant}: loss inf at epoch {epoch}", (0.03, 0.95 - 0.07 * k),
                        xycoords="axes fraction", fontsize="small")
    curves.legend(fontsize="small", loc="upper right")


# ------------------------------------------------------------------------------------- rnn
def _rnn_summary(result: dict[str, Any]) -> list[str]:
    before = np.asarray(result["grad_norms"])
    after = np.asarray(result["clipped_norms"])
    scaled = int(np.sum(after < before * (1 - 1e-6)))
    return [f"clipping shortened the gradient at {scaled} of {len(before)} steps "
            f"(largest norm before: {before.max():.4g}, after: {after.max():.4g})"]


def _plot_rnn(figure: Any, runs: list[Run]) -> None:
    norms, curves = figure.subplots(1, 2)
    for n, (variant, result) in enumerate(runs):
        steps = np.arange(1, len(result["losses"]) + 1)
        prefix = f"{variant}: " if len(runs) > 1 else ""
        norms.plot(steps, result["grad_norms"], color=f"C{n}", label=f"{prefix}before clipping")
        norms.plot(steps, result["clipped_norms"], color=f"C{n}", linestyle="--",
                   label=f"{prefix}after clipping (used by the step)")
        curves.plot(steps, result["losses"], color=f"C{n}", label=variant)
    norms.set(title="Gradient norm per step", xlabel="step", ylabel="total 2-norm")
    norms.set_ylim(bottom=0)
    norms.legend(fontsize="small")
    curves.set(title="Loss per step", xlabel="step", ylabel="mean squared error")
    curves.legend(fontsize="small")


# ------------------------------------------------------------------------------- descent
def _descent_summary(result: dict[str, Any]) -> list[str]:
    return [f"accuracy on held-out digits: {result['accuracy']:.1%}"]


def _plot_descent(figure: Any, runs: list[Run]) -> None:
    curves, bars = figure.subplots(1, 2, width_ratios=(2, 1))
    for n, (variant, result) in enumerate(runs):
        epochs = np.arange(1, len(result["losses"]) + 1)
        curves.plot(epochs, result["losses"], "o-", color=f"C{n}", label=variant)
        bars.bar(n, result["accuracy"], color=f"C{n}")
        bars.annotate(f"{result['accuracy']:.0%}", (n, result["accuracy"]), ha="center",
                      va="bottom")
    curves.set(title="Mean training loss per epoch", xlabel="epoch", ylabel="cross-entropy",
               yscale="log")
    curves.legend(fontsize="small")
    bars.set_xticks(range(len(runs)), [variant for variant, _ in runs])
    bars.set(title="Accuracy on held-out digits", ylim=(0, 1.1))


# ------------------------------------------------------------------------------- dropout
def _dropout_summary(result: dict[str, Any]) -> list[str]:
    train, evaluation = result["data"]["train_mode_losses"], result["data"]["eval_mode_losses"]
    return [
        "the final model's loss on the training set, measured twice in each mode:",
        f"  train mode {train[0]:.6g} then {train[1]:.6g}"
        + ("   (a new dropout mask each pass)" if train[0] != train[1] else ""),
        f"  eval mode  {evaluation[0]:.6g} then {evaluation[1]:.6g}"
        + ("   (dropout off: deterministic)" if evaluation[0] == evaluation[1] else ""),
        f"accuracy on held-out digits (eval mode): {result['accuracy']:.1%}",
    ]


def _plot_dropout(figure: Any, runs: list[Run]) -> None:
    curves, bars = figure.subplots(1, 2)
    width = 0.8 / len(runs)
    labels = ["train mode\n1st pass", "train mode\n2nd pass", "eval mode\n1st pass",
              "eval mode\n2nd pass"]
    for n, (variant, result) in enumerate(runs):
        steps = np.arange(1, len(result["losses"]) + 1)
        curves.plot(steps, result["losses"], color=f"C{n}", label=variant)
        data = result["data"]
        heights = [*data["train_mode_losses"], *data["eval_mode_losses"]]
        positions = np.arange(len(heights)) + (n - (len(runs) - 1) / 2) * width
        bars.bar(positions, heights, width, color=f"C{n}",
                 label=f"{variant} (held-out accuracy {result['accuracy']:.0%})")
    curves.set(title="Training loss per step (train mode)", xlabel="step",
               ylabel="cross-entropy")
    curves.legend(fontsize="small")
    bars.set_xticks(range(len(labels)), labels, fontsize="small")
    bars.set(title="The final model's training loss", ylabel="cross-entropy")
    bars.legend(fontsize="small")


LESSONS: dict[str, Lesson] = {
    "temperature": Lesson(
        program="temperature",
        unit="epoch",
        every_variant=True,
        look_for=(
            "with the raw inputs and lr 1e-2 the loss explodes within a few epochs (inf, then "
            "nan). Scaling the inputs by 0.1 converges to the tutorial's loss 2.9276. A "
            "smaller lr is stable but barely moves b. Clipping the gradient norm keeps the raw "
            "run finite, but slow. Adam reaches the scaled fit on the raw inputs, because it "
            "scales each parameter's step on its own."
        ),
        summary=_temperature_summary,
        plot=_plot_temperature,
    ),
    "rnn": Lesson(
        program="rnn_clipping",
        unit="step",
        every_variant=False,
        look_for=(
            "while the gradient norm is above max_norm = 1, clip_grad_norm_ scales the "
            "gradient to norm 1 (the 'after clip' column is 1 up to the 1e-6 in its "
            "denominator); once the norm falls below 1 the two columns agree. clip_grad_norm_ "
            "returns the norm BEFORE clipping."
        ),
        summary=_rnn_summary,
        plot=_plot_rnn,
    ),
    "descent": Lesson(
        program="gradient_descent",
        unit="epoch",
        every_variant=True,
        look_for=(
            "for the same number of epochs, batch gradient descent takes one step per epoch "
            "and barely moves; stochastic takes one step per example and learns the most per "
            "epoch, but each epoch costs the most time; mini-batch sits in between."
        ),
        summary=_descent_summary,
        plot=_plot_descent,
    ),
    "dropout": Lesson(
        program="dropout_net",
        unit="step",
        every_variant=True,
        look_for=(
            "with dropout, two forward passes of the same model on the same data give two "
            "different losses in train mode (each draws its own mask) and the same loss in "
            "eval mode, where Dropout is the identity. Measure in eval mode: model.eval() "
            "before evaluating, model.train() before training again."
        ),
        summary=_dropout_summary,
        plot=_plot_dropout,
    ),
}

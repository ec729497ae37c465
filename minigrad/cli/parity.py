"""`minigrad parity`: run the tutorials' programs on PyTorch and on minigrad, and compare.

Each program in `minigrad.reference` is one source file written against the API the two
libraries share, so the same code trains on both, on the same data. Nothing is copied from
one library into the other: each program calls ``manual_seed`` before building its model, and
since minigrad's random numbers are PyTorch's bit for bit, each library's own default
initialisation gives the same initial weights, and training with Dropout draws the same masks.
The command prints one row per program and variant: the number of steps, the final loss on each
library, the largest absolute difference in the loss curve and in the final parameters, and a
verdict. It exits with 1 if any run disagrees, 2 if it cannot run (PyTorch or the data missing).

When do two runs agree? Every quantity a program reports is compared: the loss curve, the
gradient-norm curves (before and after clipping) and each final parameter tensor. For each
quantity the *error* is a relative difference:

* the loss curve is compared value by value, each relative to PyTorch's value:
  max_i |m_i - t_i| / |t_i|, because losses fall by orders of magnitude during training;
* a parameter tensor, and a gradient-norm curve, is compared as a whole:
  max |m - t| / max |t|. Single weights pass through zero, where a relative difference means
  nothing; and a gradient near a minimum is a small difference of large terms (the residuals
  cancel), so its rounding error is relative to the size those terms had, not to its own.

A run that blows up must blow up in the same way: the steps where the values are inf or nan
must be the same steps on both libraries (so the first non-finite epoch is the same), and only
the finite values are compared.

* float64: the error must be at most 1e-10. Both libraries compute the same formulas in double
  precision, so only a few roundings separate them, even after thousands of steps.
* float32: single precision rounds at about 6e-8 per operation, and PyTorch's CPU kernels do not
  round like NumPy (fused multiply-adds, vectorised sums, transcendentals off by an ulp or two),
  so the two libraries drift apart step by step. How far is "within rounding" depends on the
  program: Adam divides by the square root of tiny second moments and magnifies rounding noise,
  a long stable fit does not. So the allowance is measured, not guessed: PyTorch runs the program
  a second time in float64, and the distance between PyTorch's float32 and float64 results is
  the rounding noise of float32 for that program. minigrad agrees if its distance to PyTorch's
  float32 result is at most 4 times that noise (two independent float32 runs are expected at
  about 1.4 times it), and never needs to be closer than 1e-5, the test suite's float32 tolerance
  for a single operation. PyTorch's float32 result itself depends on the CPU kernels it runs
  (its default, AVX2 and AVX-512 builds add up in other orders), and a program that passes
  within rounding of a ReLU's kink, where a last bit decides whether a unit is on, can part
  from float64 on one of them and not on another (dropout_net's no-dropout run: 5e-5 on
  PyTorch's AVX-512 kernels, 1e-2 on its default ones). So the noise is the largest distance
  to float64 among PyTorch's float32 runs on each of its kernels this CPU can run
  (`ATEN_CPU_CAPABILITY`, in a process of their own).

The "error/allowed" column is the worst ratio over all quantities: at most 1 means agree.

One machine-dependent exception: on an Intel CPU, PyTorch built with MKL draws Dropout's masks
(``bernoulli_`` with a float probability) from MKL's own generator, which minigrad does not
reproduce. The command checks once whether PyTorch's masks are minigrad's after the same seed;
where they are not, the variants that train with Dropout on are listed as not compared, with
that reason, instead of reported as a difference.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

import minigrad
from minigrad.reference import PROGRAMS
from minigrad.reference.data import MNIST_ENV

FLOAT64_TOLERANCE = 1e-10
FLOAT32_FLOOR = 1e-5
FLOAT32_NOISE_FACTOR = 4.0
MKL_MASKS = "not compared: PyTorch draws Dropout masks with MKL on this Intel CPU"

# Steps (or epochs) per program with --quick: enough to see the curves move and the raw
# temperature fit blow up (about ten epochs), small enough for a few seconds in total.
QUICK_STEPS = {
    "temperature": 50,
    "rnn_clipping": 20,
    "dropout_net": 10,
    "gradient_descent": 1,
}


def add_parser(subparsers: Any) -> None:
    """Add the `parity` subcommand to the `minigrad` command's subparsers."""
    parser = subparsers.add_parser(
        "parity",
        help="run the tutorials' programs on minigrad and PyTorch, compare",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "programs", nargs="*", metavar="PROGRAM",
        help="programs to run, as NAME or NAME/VARIANT (default: all)",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32",
        help="floating dtype of the runs (default: float32)",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help="fewer steps per program (a few seconds instead of about a minute)",
    )
    parser.add_argument(
        "--mnist", metavar="DIR",
        help="read MNIST's IDX files from DIR instead of scikit-learn's digits",
    )
    parser.set_defaults(run=run)


@dataclass
class Row:
    """One line of the table: a program's variant run on both libraries."""

    name: str
    steps: int
    loss_torch: float | None
    loss_minigrad: float | None
    loss_error: float
    param_error: float
    ratio: float
    agrees: bool
    verdict: str


def pointwise_error(actual: Any, expected: Any) -> float:
    """max_i |actual_i - expected_i| / |expected_i| over the values finite in both."""
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(e)
    if not both.any():
        return 0.0
    scale = np.maximum(np.abs(e[both]), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a[both] - e[both]) / scale))


def whole_error(actual: Any, expected: Any) -> float:
    """max |actual - expected| / max |expected| over the elements finite in both."""
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    both = np.isfinite(a) & np.isfinite(e)
    if not both.any():
        return 0.0
    scale = max(float(np.max(np.abs(e[both]))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a[both] - e[both]))) / scale


def quantities(result: dict[str, Any]) -> dict[str, tuple[Any, Callable[[Any, Any], float]]]:
    """What a program reports that the libraries must agree on: name -> (values, error)."""
    found: dict[str, tuple[Any, Callable[[Any, Any], float]]] = {
        "losses": (result["losses"], pointwise_error)}
    for name in ("grad_norms", "clipped_norms"):
        if name in result:
            found[name] = (result[name], whole_error)
    for name, value in result["params"].items():
        found[f"params[{name}]"] = (value, whole_error)
    return found


@functools.cache
def same_dropout_masks(torch: ModuleType) -> bool:
    """Whether PyTorch draws the same Dropout masks as minigrad after the same seed.

    Dropout's mask is ``bernoulli_(1 - p)``; on an Intel CPU with MKL PyTorch draws it from MKL's
    generator instead of the one minigrad reproduces. Own generators leave both global ones alone.
    """
    masks = [lib.empty(64).bernoulli_(0.5, generator=lib.Generator().manual_seed(0)).numpy()
             for lib in (torch, minigrad)]
    return bool(np.array_equal(*masks))


def first_nonfinite(values: Any) -> int | None:
    """The 1-based step of the first inf or nan in a curve, or None."""
    bad = np.flatnonzero(~np.isfinite(np.asarray(values, dtype=np.float64)))
    return int(bad[0]) + 1 if bad.size else None


def agreement(
    mine: dict[str, Any], torch32_or_64: dict[str, Any], noise: dict[str, Any] | None = None,
    elsewhere: tuple[dict[str, Any], ...] = (),
) -> tuple[float, str]:
    """(worst error/allowed ratio, reason) of minigrad's result against PyTorch's.

    Without `noise` the tolerance is float64's; with `noise` (PyTorch's float64 run of the same
    program, when the comparison is in float32) each quantity is allowed
    max(FLOAT32_FLOOR, FLOAT32_NOISE_FACTOR * error of PyTorch's float32 run against it), the
    largest such error among that run and `elsewhere` (PyTorch's float32 runs on its other CPU
    kernels). The reason names the worst quantity, or the first one whose inf/nan pattern
    differs (ratio inf).
    """
    expected = quantities(torch32_or_64)
    reference = quantities(noise) if noise is not None else {}
    others = [quantities(result) for result in elsewhere]
    worst, reason = 0.0, ""
    for name, (actual, error_of) in quantities(mine).items():
        target = expected[name][0]
        if np.shape(actual) != np.shape(target):
            return float("inf"), f"{name}: shape {np.shape(actual)} != {np.shape(target)}"
        finite_a, finite_t = np.isfinite(actual), np.isfinite(target)
        if not np.array_equal(finite_a, finite_t):
            return float("inf"), f"{name}: inf/nan in different places"
        if name in reference:
            spread = max(error_of(run[name][0], reference[name][0])
                         for run in [expected, *others] if np.shape(run[name][0]) ==
                         np.shape(reference[name][0]))
            allowed = max(FLOAT32_FLOOR, FLOAT32_NOISE_FACTOR * spread)
        else:
            allowed = FLOAT64_TOLERANCE
        ratio = error_of(actual, target) / allowed
        if ratio > worst:
            worst, reason = ratio, name
    return worst, reason


def compare(
    torch: ModuleType, program: ModuleType, variant: str, dtype: str, steps: int | None,
    elsewhere: tuple[dict[str, Any], ...] = (),
) -> Row:
    """Run `program`'s `variant` on PyTorch and on minigrad (and, in float32, on PyTorch in
    float64 to measure the rounding noise) and compare the results."""
    name = f"{program.NAME}/{variant}"
    # Overflow in the raw temperature fit is expected (the blow-up is the lesson).
    with np.errstate(all="ignore"):
        expected = program.run(torch, variant, dtype=dtype, steps=steps)
        noise = (program.run(torch, variant, dtype="float64", steps=steps)
                 if dtype == "float32" else None)
        try:
            mine = program.run(minigrad, variant, dtype=dtype, steps=steps)
        except Exception as error:  # a crash in minigrad is a disagreement to report, not hide
            message = str(error).splitlines()[0] if str(error) else ""
            return Row(name, len(expected["losses"]), final(expected), None, float("nan"),
                       float("nan"), float("inf"), False,
                       f"DIFFER: minigrad raised {type(error).__name__}: {message}")

    ratio, reason = agreement(mine, expected, noise, elsewhere)
    params = [whole_error(mine["params"][k], v) for k, v in expected["params"].items()]
    verdict = "agree" if ratio <= 1.0 else f"DIFFER ({reason})"
    blow_up = first_nonfinite(expected["losses"])
    if blow_up is not None and ratio <= 1.0:
        verdict += f" (inf/nan from step {blow_up} on both)"
    return Row(
        name,
        len(expected["losses"]),
        final(expected),
        final(mine),
        pointwise_error(mine["losses"], expected["losses"]),
        max(params, default=0.0),
        ratio,
        ratio <= 1.0,
        verdict,
    )


_ELSEWHERE = """
import pickle, sys
import numpy as np
import torch
from minigrad.reference import PROGRAMS
torch.set_num_threads(1)
pairs, steps = pickle.loads(sys.stdin.buffer.read())
results = {}
with np.errstate(all="ignore"):
    for name, variant in pairs:
        results[name, variant] = PROGRAMS[name].run(torch, variant, dtype="float32",
                                                    steps=steps[name])
sys.stdout.buffer.write(pickle.dumps((torch.backends.cpu.get_cpu_capability(), results)))
"""


def pytorch_float32_elsewhere(
    torch: ModuleType, pairs: list[tuple[ModuleType, str]], steps: dict[str, int | None]
) -> dict[tuple[str, str], tuple[dict[str, Any], ...]]:
    """PyTorch's float32 runs of `pairs` on each of its other CPU kernels that this CPU can run
    (default, AVX2, AVX-512), each set of kernels in a process of its own: (program, variant)
    -> the runs. A kernel the CPU lacks falls back to one it has, which is then left out; so is
    one whose process fails (a program it cannot import): the allowance only gets stricter."""
    import pickle
    import subprocess

    here = torch.backends.cpu.get_cpu_capability()
    todo = [(program.NAME, variant) for program, variant in pairs]
    runs: dict[tuple[str, str], tuple[dict[str, Any], ...]] = {pair: () for pair in todo}
    seen = {here}
    for capability in ("default", "avx2", "avx512"):
        if capability.upper() in seen:
            continue
        done = subprocess.run(
            [sys.executable, "-c", _ELSEWHERE], input=pickle.dumps((todo, steps)),
            capture_output=True, check=False,
            env={**os.environ, "ATEN_CPU_CAPABILITY": capability})
        if done.returncode != 0:
            continue
        ran, results = pickle.loads(done.stdout)
        if ran in seen:
            continue
        seen.add(ran)
        for pair, result in results.items():
            runs[pair] += (result,)
    return runs


def final(result: dict[str, Any]) -> float | None:
    """The last loss of a run, or None for a program without training steps."""
    return result["losses"][-1] if result["losses"] else None


def selected(names: list[str]) -> list[tuple[ModuleType, str]] | str:
    """The (program, variant) pairs that `names` ask for (all when empty), or an error message."""
    if not names:
        return [(program, v) for program in PROGRAMS.values() for v in program.VARIANTS]
    pairs = []
    for name in names:
        program_name, _, variant = name.partition("/")
        program = PROGRAMS.get(program_name)
        if program is None:
            return f"unknown program {program_name!r} (valid: {', '.join(PROGRAMS)})"
        if variant and variant not in program.VARIANTS:
            return (f"{program_name} has no variant {variant!r} "
                    f"(valid: {', '.join(program.VARIANTS)})")
        pairs += [(program, v) for v in ([variant] if variant else program.VARIANTS)]
    return pairs


HEADER = ("program/variant", "steps", "loss (torch)", "loss (minigrad)", "rel Δloss",
          "rel Δparam", "error/allowed", "verdict")
WIDTHS = (28, 6, 15, 15, 11, 11, 13)


def format_row(cells: tuple[str, ...]) -> str:
    """The cells of one table line, padded to the columns' widths (numbers right-aligned)."""
    name, *numbers, verdict = cells
    padded = [cell.rjust(width) for cell, width in zip(numbers, WIDTHS[1:])]
    return "  ".join([name.ljust(WIDTHS[0]), *padded, verdict])


def format_number(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def restore_environment(name: str, value: str | None) -> None:
    """Put the environment variable `name` back to `value` (None: unset)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def run(args: argparse.Namespace) -> int:
    """Run the selected programs on both libraries, print the table; exit code 0 if all agree."""
    try:
        import torch
    except ModuleNotFoundError:
        print("minigrad parity: error: PyTorch is not installed and parity compares against it: "
              "pip install -e \".[test]\"", file=sys.stderr)
        return 2
    pairs = selected(args.programs)
    if isinstance(pairs, str):
        print(f"minigrad parity: error: {pairs}", file=sys.stderr)
        return 2
    print(f"minigrad parity ({args.dtype}{', quick' if args.quick else ''}): "
          f"PyTorch {torch.__version__} vs minigrad")
    print(format_row(HEADER))
    start, threads = time.perf_counter(), torch.get_num_threads()
    # The programs' tensors are small: extra threads cost more than they save.
    torch.set_num_threads(1)
    mnist = os.environ.get(MNIST_ENV)
    if args.mnist:
        os.environ[MNIST_ENV] = args.mnist
    compared = failures = skipped = 0
    steps_of = {program.NAME: QUICK_STEPS.get(program.NAME) if args.quick else None
                for program, _ in pairs}
    elsewhere = (pytorch_float32_elsewhere(torch, pairs, steps_of) if args.dtype == "float32"
                 else {})
    try:
        for program, variant in pairs:
            if (variant in getattr(program, "MASKED_VARIANTS", ())
                    and not same_dropout_masks(torch)):
                skipped += 1
                print(format_row((f"{program.NAME}/{variant}",) + ("-",) * 6 + (MKL_MASKS,)))
                continue
            steps = QUICK_STEPS.get(program.NAME) if args.quick else None
            try:
                row = compare(torch, program, variant, args.dtype, steps,
                              elsewhere.get((program.NAME, variant), ()))
            except (ModuleNotFoundError, OSError, ValueError) as error:
                print(f"minigrad parity: error: {program.NAME}/{variant}: {error}",
                      file=sys.stderr)
                return 2
            compared += 1
            failures += not row.agrees
            print(format_row((
                row.name, str(row.steps) if row.steps else "-",
                format_number(row.loss_torch, ".9g"), format_number(row.loss_minigrad, ".9g"),
                format(row.loss_error, ".1e"), format(row.param_error, ".1e"),
                format(row.ratio, ".2g"), row.verdict,
            )), flush=True)
    finally:
        torch.set_num_threads(threads)
        if args.mnist:
            restore_environment(MNIST_ENV, mnist)
    rule = ("float64: relative error <= 1e-10" if args.dtype == "float64" else
            "float32: error <= max(1e-5, 4 x PyTorch's own float32-vs-float64 error, on any "
            "of its CPU kernels)")
    not_compared = f", {skipped} not compared" if skipped else ""
    print(f"{compared - failures} of {compared} runs agree, {failures} differ{not_compared} "
          f"({rule}; {time.perf_counter() - start:.1f} s)")
    return 1 if failures else 0

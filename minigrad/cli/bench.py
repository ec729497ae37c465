"""`minigrad bench`: time training steps on minigrad, PyTorch and hand-written NumPy.

    minigrad bench                    every workload, the full measurement (about a minute)
    minigrad bench --quick            fewer, shorter samples (seconds)
    minigrad bench --only W1,W3 --repeat 11

First it checks that the three implementations of each workload compute the same loss and
gradients (and exits with status 1 if they do not), then it times them in turns and prints
the median time per step, the ratios to the NumPy floor and to PyTorch, and whether
minigrad meets its target. Needs PyTorch (`pip install -e ".[test]"`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from minigrad.bench import WORKLOADS

# (samples per workload, seconds of the fastest library's steps in one sample)
FULL = (21, 0.02)
QUICK = (5, 0.005)
TINY = (3, 0.001)


def _workload_keys(text: str) -> list[str]:
    keys = [k.strip().upper() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in WORKLOADS]
    if unknown or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown workload {', '.join(unknown) or repr(text)}; choose from "
            f"{', '.join(WORKLOADS)}"
        )
    return keys


def _integer_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer no smaller than `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}"
            )
        return value

    return parse


def add_parser(subparsers: Any) -> None:
    workloads = ", ".join(f"{w.title}" for w in WORKLOADS.values())
    parser = subparsers.add_parser(
        "bench",
        help="time training steps: minigrad, PyTorch, hand-written NumPy",
        description=__doc__.splitlines()[0] + f" Workloads: {workloads}.",
    )
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK[0]} shorter samples per workload instead of {FULL[0]}")
    parser.add_argument("--only", type=_workload_keys, metavar="W1,W3",
                        help="run only these workloads (comma-separated)")
    parser.add_argument("--repeat", type=_integer_at_least(1), metavar="N",
                        help="samples per workload (the median is reported)")
    parser.add_argument("--tiny", action="store_true",
                        help="shrink every workload to run the harness in seconds (for tests; "
                             "the timings mean little)")
    parser.add_argument("--threads", type=_integer_at_least(0), default=1, metavar="N",
                        help="threads for PyTorch and for NumPy's BLAS (default 1, so that "
                             "other processes on the machine disturb the timings least; 0: "
                             "each library's default)")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from minigrad.bench import harness, report
    except ModuleNotFoundError as error:
        if error.name not in ("torch", "threadpoolctl"):
            raise
        print(f'minigrad bench needs {error.name}: pip install -e ".[test]"', file=sys.stderr)
        return 2
    with harness.threads(args.threads):
        return _bench(args, harness, report)


def _bench(args: argparse.Namespace, harness: ModuleType, report: ModuleType) -> int:
    repeat, sample_seconds = TINY if args.tiny else QUICK if args.quick else FULL
    repeat = args.repeat or repeat
    workloads = [WORKLOADS[k] for k in (args.only or WORKLOADS)]

    print(f"machine: {report.machine()}")
    print("check: one step from the same weights and data; minigrad and numpy against torch")
    failed = False
    for w in workloads:
        config = w.tiny if args.tiny else w.config
        problems = harness.disagreements(harness.first_steps(w, config=config))
        print(f"  {w.title}: {'same loss and gradients' if not problems else 'DIFFERENT'}")
        for problem in problems:
            print(f"    {problem}")
        failed = failed or bool(problems)
    if failed:
        print("not timed: the implementations disagree")
        return 1

    print(f"timing: median of {repeat} interleaved samples, each of at least "
          f"{sample_seconds * 1e3:g} ms of the fastest library's steps; float32", flush=True)
    measurements = []
    for w in workloads:
        start = time.perf_counter()
        config = w.tiny if args.tiny else w.config
        measurements.append(harness.measure(w, config, repeat, sample_seconds))
        print(f"  {w.title}: {measurements[-1].steps_per_sample} steps per sample, "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    print()
    print(report.table(measurements, markdown=args.markdown))
    print("us: median microseconds per step (per epoch for W1, per op for OP). met?: the "
          "target holds and minigrad is no slower than PyTorch.")
    for m in measurements:
        if m.peak_bytes is not None:
            print(report.memory_line(m))
    return 0

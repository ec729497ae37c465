"""Checking and timing the three implementations of a workload.

* `first_steps` runs each from the same state and collects the loss and gradients of its
  first step and the loss of its second; `disagreements` compares them. A benchmark of steps
  that compute different things would be meaningless, so this comes first.
* `time_interleaved` times them in turns (A B C A B C ...) after a warm-up, so that anything
  that slows the machine for a while (another process, frequency changes) slows all three
  alike, and reports the median time per step of each.
* `peak_memory` measures, with tracemalloc, the most memory one step holds at once beyond what
  existed before it. NumPy reports its array buffers to tracemalloc; PyTorch's allocator does
  not, so PyTorch's memory cannot be measured this way.
"""

from __future__ import annotations

import contextlib
import gc
import math
import statistics
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import minigrad
from minigrad.bench.workload import Config, Trainer, Workload

LIBRARIES = ("minigrad", "torch", "numpy")

Snapshot = dict[str, np.ndarray]
"""What the check compares: 'loss', 'grad <name>' for each parameter, 'next loss'."""

RTOL, ATOL = 1e-5, 1e-6  # float32


def build(workload: Workload, library: str, seed: int, config: Config,
          for_check: bool = False) -> Trainer:
    """A fresh trainer of `library` for the workload, from the state drawn with `seed`."""
    state = workload.make_state(seed, config)
    if library == "numpy":
        return workload.numpy(state, config)
    if library == "torch" and for_check and workload.torch_reference is not None:
        return workload.torch_reference(state, config)
    lib = minigrad if library == "minigrad" else torch
    return workload.torch_api(lib, state, config)


def first_steps(workload: Workload, seed: int = 0, config: Config | None = None,
               ) -> dict[str, Snapshot]:
    """Two steps of each library from the same state: library -> its snapshot.

    The snapshot holds the first step's loss and gradients (after clipping, where the
    workload clips), and the second step's loss, which shows that the update was the same.
    The updated weights themselves are not compared: Adam's first step moves each weight by
    about lr * g / (|g| + eps), so a gradient that is a float32 sum cancelling down to 1e-8
    moves its weight by an amount that depends on the rounding of that sum. The loss after the
    update is not sensitive to that.
    """
    config = workload.config if config is None else config
    results = {}
    for library in LIBRARIES:
        trainer = build(workload, library, seed, config, for_check=True)
        snapshot = {"loss": _array(trainer.step())}
        snapshot.update({f"grad {k}": v for k, v in trainer.gradients().items()})
        snapshot["next loss"] = _array(trainer.step())
        results[library] = snapshot
    return results


def _array(loss: Any) -> np.ndarray:
    """A loss of any of the libraries as a NumPy array."""
    return np.array(loss.detach().numpy() if hasattr(loss, "detach") else loss)


def disagreements(results: dict[str, Snapshot], reference: str = "torch") -> list[str]:
    """What differs from the reference library beyond the float32 tolerance, one line each."""
    problems = []
    expected = results[reference]
    for library, snapshot in results.items():
        if library == reference:
            continue
        for name, want in expected.items():
            got = snapshot.get(name)
            if got is None or got.shape != want.shape:
                shape = None if got is None else got.shape
                problems.append(f"{library} {name}: shape {shape}, {reference} {want.shape}")
            elif not np.allclose(got, want, rtol=RTOL, atol=ATOL):
                worst = np.max(np.abs(got.astype(np.float64) - want))
                problems.append(f"{library} {name}: differs from {reference} by up to {worst:.3g}")
    return problems


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """Run PyTorch and NumPy's BLAS on `n` threads each (0: leave each library's default).

    One thread is the default of `minigrad bench`: then all three libraries do their arithmetic
    on one core, and the ratios measure what each spends around the arithmetic. With several
    threads, a core taken by another process stalls every parallel region of PyTorch and
    OpenBLAS until it comes back, and the timings say more about the machine's load.
    """
    if n == 0:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        torch.set_num_threads(previous)


def time_interleaved(trainers: dict[str, Trainer], repeat: int, sample_seconds: float,
                     ) -> tuple[dict[str, float], int]:
    """Time the trainers' steps in turns; returns (library -> median seconds per step, the
    number of steps in each sample).

    Each sample times the same number of steps for every library, enough for the fastest to
    take `sample_seconds`, so that the timer's resolution does not matter.

    Unlike `timeit`, the garbage collector keeps running: its passes are triggered by the
    Python objects a step creates (tensors, graph nodes), so they are part of what a library
    costs. What exists before timing starts (the three libraries' modules, the models) is
    frozen out of its scans (`gc.freeze`), as it would be absent from a program that imports
    only one library; otherwise every full collection during a minigrad step would also walk
    PyTorch's 150,000 objects.
    """
    fastest = math.inf
    for trainer in trainers.values():
        trainer.step()  # the first step allocates optimizer state and fills caches
        for _ in range(2):
            start = time.perf_counter_ns()
            trainer.step()
            fastest = min(fastest, (time.perf_counter_ns() - start) * 1e-9)
    steps = max(1, round(sample_seconds / fastest))

    samples: dict[str, list[float]] = {name: [] for name in trainers}
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeat):
            for name, trainer in trainers.items():
                step = trainer.step
                start = time.perf_counter_ns()
                for _ in range(steps):
                    step()
                samples[name].append((time.perf_counter_ns() - start) * 1e-9 / steps)
    finally:
        gc.unfreeze()
    return {name: statistics.median(times) for name, times in samples.items()}, steps


def peak_memory(trainer: Trainer) -> int:
    """The peak bytes allocated during one step, beyond what was allocated before it (the
    trainer has already stepped once, so optimizer state is not counted)."""
    gc.collect()
    tracemalloc.start()
    try:
        trainer.step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@dataclass
class Measurement:
    """The result of benchmarking one workload."""

    workload: Workload
    config: Config
    seconds: dict[str, float]  # library -> median seconds per step
    steps_per_sample: int
    samples: int
    peak_bytes: dict[str, int] | None  # minigrad and numpy, for workloads with a memory target

    def per_unit(self, library: str) -> float:
        """Median microseconds per step, or per op for the per-op figure."""
        ops = self.workload.ops_per_step(self.config) if self.workload.ops_per_step else 1
        return self.seconds[library] * 1e6 / ops


def measure(workload: Workload, config: Config, repeat: int, sample_seconds: float,
            seed: int = 0) -> Measurement:
    """Build the three trainers from one state and time them; measure memory if asked."""
    trainers = {library: build(workload, library, seed, config) for library in LIBRARIES}
    seconds, steps = time_interleaved(trainers, repeat, sample_seconds)
    peaks = None
    if workload.memory_target is not None:
        peaks = {library: peak_memory(trainers[library]) for library in ("minigrad", "numpy")}
    return Measurement(workload, config, seconds, steps, repeat, peaks)

"""What `minigrad bench` prints: the machine it ran on and the table of results."""

from __future__ import annotations

import os
import platform

import numpy as np
import torch
from threadpoolctl import threadpool_info

from minigrad.bench.harness import Measurement

COLUMNS = ("workload", "minigrad us", "torch us", "numpy us", "mg/numpy", "torch/numpy",
           "mg/torch", "target", "met?")


def machine() -> str:
    """The CPU, the cores, and the versions of everything that decides the timings."""
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    core_text = f"{cores} cores" if usable == cores else f"{cores} cores ({usable} usable)"
    return (
        f"{_cpu_model()}, {core_text}; Python {platform.python_version()}, NumPy "
        f"{np.__version__} ({_blas()}, threads: {_blas_threads()}), PyTorch {torch.__version__} "
        f"(threads: {torch.get_num_threads()}), minigrad {_minigrad_version()}"
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except (TypeError, KeyError):  # NumPy before 1.26 only prints its configuration
        return "BLAS unknown"


def _blas_threads() -> str:
    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return ",".join(str(p["num_threads"]) for p in pools) or "?"


def _minigrad_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("minigrad")
    except PackageNotFoundError:
        return "(not installed)"


def row(m: Measurement) -> list[str]:
    """One line of the table: times per step (per op for OP), ratios, target, met?"""
    w = m.workload
    mg, th, np_ = (m.per_unit(lib) for lib in ("minigrad", "torch", "numpy"))
    if w.per == "op":
        target, met = f"<= {w.target:g} us", mg <= w.target
    else:
        target, met = f"<= {w.target:g}x", mg / np_ <= w.target
    met = met and mg <= th
    return [
        f"{w.title} (/{w.per})", f"{mg:.1f}", f"{th:.1f}", f"{np_:.1f}", f"{mg / np_:.2f}x",
        f"{th / np_:.2f}x", f"{mg / th:.2f}x", target, "yes" if met else "no",
    ]


def memory_line(m: Measurement) -> str:
    """The peak memory of one step, minigrad against the floor."""
    assert m.peak_bytes is not None and m.workload.memory_target is not None
    mg, floor = m.peak_bytes["minigrad"], m.peak_bytes["numpy"]
    ratio = mg / floor
    met = "yes" if ratio <= m.workload.memory_target else "no"
    return (
        f"{m.workload.title} peak memory of one step: minigrad {mg / 1e6:.2f} MB, numpy "
        f"{floor / 1e6:.2f} MB, mg/numpy {ratio:.2f}x (target <= {m.workload.memory_target:g}x, "
        f"met? {met}). PyTorch's memory is not measured: tracemalloc does not see its allocator."
    )


def table(measurements: list[Measurement], markdown: bool = False) -> str:
    """The results as aligned plain text, or as a Markdown table."""
    rows = [row(m) for m in measurements]
    if markdown:
        lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [list(COLUMNS), *rows]) for i in range(len(COLUMNS))]
    lines = []
    for r in [list(COLUMNS), *rows]:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells))
    return "\n".join(lines)

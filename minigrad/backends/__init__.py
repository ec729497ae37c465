"""PyTorch's switches for the kernel libraries under it (cuDNN, MPS, ...) and for deterministic
algorithms. minigrad computes with NumPy on the CPU, the same way on every run, so no switch
changes what it computes: they are here so that programs which set or read them run, and each
reads back what was set (`torch.backends.cudnn.deterministic = True`,
`torch.use_deterministic_algorithms(True)`)."""

from __future__ import annotations

from minigrad.backends import cuda, cudnn, mps

_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch then refuses (or, with warn_only, warns about) kernels that are not
    deterministic; minigrad has none, so it records the setting only."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if type(value) is not bool:
            where = " (position 1)" if name == "mode" else ""
            raise TypeError(f"_set_deterministic_algorithms(): argument '{name}'{where} must be "
                            f"bool, not {type(value).__name__}")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]


__all__ = ["are_deterministic_algorithms_enabled", "cuda", "cudnn",
           "is_deterministic_algorithms_warn_only_enabled", "mps", "use_deterministic_algorithms"]

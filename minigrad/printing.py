"""Tensor repr in PyTorch's style: `tensor([1.0000, 2.5000], requires_grad=True)`.

Floats share one format per tensor, chosen from the finite values: whole numbers print as `1.`,
others with `precision` decimals, and scientific notation takes over when magnitudes span more
than 1000x or leave the range [1e-4, 1e8].
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad import dtypes
from minigrad.checks import dtype_repr

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

_options: dict[str, Any] = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80,
                                sci_mode=None)


def set_printoptions(precision: int | None = None, threshold: int | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """As torch.set_printoptions (profile: 'default', 'short' or 'full')."""
    if profile is not None:
        presets = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
                   "full": (4, 2**63 - 1, 3, 80)}
        for key, preset in zip(("precision", "threshold", "edgeitems", "linewidth"),
                               presets[profile]):
            _options[key] = preset
    for key, value in dict(precision=precision, threshold=threshold, edgeitems=edgeitems,
                           linewidth=linewidth).items():
        if value is not None:
            _options[key] = value
    _options["sci_mode"] = sci_mode


def _float_format(values: np.ndarray) -> tuple[Any, int]:
    """One format for all of a float tensor's elements, and the width to pad them to. Both are
    decided by the finite nonzero values only, so zeros, nan and inf never widen a column."""
    shown = values[np.isfinite(values) & (values != 0)].astype(np.float64)
    p = _options["precision"]
    whole = bool(np.all(shown == np.ceil(shown)))
    sci = False
    if shown.size:
        lo, hi = np.abs(shown).min(), np.abs(shown).max()
        sci = hi / lo > 1000.0 or hi > 1e8 or (not whole and lo < 1e-4)
    if _options["sci_mode"] is not None:
        sci = _options["sci_mode"]
    if sci:
        fmt = lambda v: f"{v:.{p}e}"  # noqa: E731
    elif whole:
        fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else f"{v:.0f}"  # noqa: E731
    else:
        fmt = lambda v: f"{v:.{p}f}"  # noqa: E731
    return fmt, max((len(fmt(v)) for v in shown), default=1)


def _summarized(array: np.ndarray) -> bool:
    return array.size > _options["threshold"]


def _edges(array: np.ndarray, k: int) -> np.ndarray:
    """Only the first and last k entries along each long dim: what a summary shows."""
    for axis in range(array.ndim):
        if array.shape[axis] > 2 * k:
            idx = np.r_[0:k, array.shape[axis] - k:array.shape[axis]]
            array = np.take(array, idx, axis=axis)
    return array


def _nested(array: np.ndarray, fmt: Any, indent: int, summarize: bool) -> str:
    """The bracketed text of `array`, whose first '[' stands at column `indent`."""
    k = _options["edgeitems"]
    cut = summarize and array.shape[0] > 2 * k
    if array.ndim == 1:
        items = [fmt(v) for v in array]
        if cut:
            items = items[:k] + [" ..."] + items[-k:]
        per_line = max(1, (_options["linewidth"] - indent) // (len(items[0]) + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_nested(row, fmt, indent + 1, summarize) for row in array]
    if cut:
        rows = rows[:k] + ["..."] + rows[-k:]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _formatter(array: np.ndarray) -> Any:
    """A function from one element to its padded text, shared by the whole tensor."""
    shown = _edges(array, _options["edgeitems"]) if _summarized(array) else array
    if array.dtype.kind == "f":
        fmt, width = _float_format(shown.ravel())
    else:
        fmt, width = str, max(len(str(v)) for v in shown.ravel())
    return lambda v: fmt(v).rjust(width)


def tensor_repr(t: Tensor) -> str:
    array = t._data
    prefix = "tensor("
    if array.size == 0:
        body = "[]"
    elif array.ndim == 0:
        body = _formatter(array)(array.item()).strip()
    else:
        body = _nested(array, _formatter(array), len(prefix), _summarized(array))
    suffixes = []
    if array.size == 0 and array.shape != (0,):
        suffixes.append(f"size={tuple(array.shape)}")
    default = (dtypes.DEFAULT_FLOAT,) if array.size == 0 else (dtypes.DEFAULT_FLOAT,
                                                               dtypes.int64, dtypes.bool_)
    if array.dtype not in default:
        suffixes.append(f"dtype={dtype_repr(array.dtype)}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    text = prefix + body
    line = len(text.rsplit("\n", 1)[-1])
    for suffix in suffixes:  # a suffix that would pass the line width starts a new line
        # (PyTorch reserves room for the ", " and the closing ")" with some slack: + 4)
        if line + len(suffix) + 4 > _options["linewidth"]:
            text += ",\n" + " " * len(prefix) + suffix
            line = len(prefix) + len(suffix)
        else:
            text += ", " + suffix
            line += len(suffix) + 2
    return text + ")"

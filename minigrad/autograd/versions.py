"""Saved tensors and in-place writes: the check that keeps a gradient from being silently wrong.

A node saves what its backward needs (Tanh its output y, Mul the other factor). If that memory
is written in place before backward runs (`y.add_(1)`, `x[0] = 0`, an optimizer step), the
backward would compute with values the forward never saw. So, as in PyTorch, every tensor's
memory has a version counter (`Tensor._version`, shared with its views) that each in-place
write bumps; a node remembers the version of each tensor it saved, and `saved_tensors` refuses
to hand them out once a version has moved on.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from minigrad import checks


class Storage:
    """What a tensor shares with its views (and its `detach()`): the count of in-place writes
    to their memory, and the views themselves, held weakly, to be made again from their base
    when its history is rewritten (None until the first view)."""

    __slots__ = ("version", "views")

    def __init__(self) -> None:
        self.version = 0
        self.views: list[weakref.ref[Any]] | None = None

    def live_views(self) -> list[Any]:
        views = [view for view in (ref() for ref in self.views or ()) if view is not None]
        self.views = [weakref.ref(view) for view in views]
        return views


def remember(node: Any, inputs: tuple[Any, ...], out: Any, result: Any) -> None:
    """Note, for each array an ArrayFunction `node` saved that is its output (`result`, as
    forward returned it, which `out` wraps) or the array of one of its input tensors, that
    tensor's storage and its version now. Called once per recorded node that saved something,
    so it is written for speed: the output is new, so its storage is too."""
    saved = node._saved
    if len(saved) == 1 and saved[0] is result:  # tanh, exp, sigmoid, ...: the output alone
        out._storage = storage = Storage()
        node._saved_versions = ((storage, 0, None, result),)
        return
    remembered = []
    arrays = [getattr(t, "_data", None) for t in inputs]
    for array in saved:
        if array is result:
            out._storage = storage = Storage()
            remembered.append((storage, 0, None, array))
        elif type(array) is np.ndarray:
            for t, data in zip(inputs, arrays):
                if data is array:
                    storage = t._storage or t._shared_storage()
                    remembered.append((storage, storage.version, t, array))
                    break
    node._saved_versions = tuple(remembered)


def remember_tensors(node: Any, out: Any) -> None:
    """`remember` for a tensor-level Function, which saves Tensors (one may be its output, whose
    storage `out` shares)."""
    node._saved_versions = tuple(
        (t._shared_storage(), t._version, None if t._storage is out._storage else t, t._data)
        for t in node._saved if hasattr(t, "_shared_storage")
    )


def refuse(node: Any) -> None:
    """PyTorch's RuntimeError for the first tensor `node` saved that was written in place since
    (`Function.saved_tensors` compares the versions)."""
    for storage, version, tensor, array in node._saved_versions:
        if storage.version != version:
            maker = node.name() if tensor is None else tensor.grad_fn and tensor.grad_fn.name()
            which = f", which is output 0 of {maker.removesuffix('Backward')}," if maker else ""
            raise checks.modified_error(array, which, storage.version, version)

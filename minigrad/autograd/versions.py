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
    when its history is rewritten (None until the first view). A tensor gets one only when it
    is first written, viewed, detached or saved as an input (`Tensor._shared_storage`); until
    then its version is 0. (Class defaults rather than an `__init__`: making one runs no
    Python code.)"""

    version = 0
    views: weakref.WeakSet[Any] | None = None  # (a view that is garbage leaves the set)

    def live_views(self) -> list[Any]:
        return list(self.views or ())


UNWRITTEN = Storage()  # stands for the storage of a tensor that has none yet: version 0


def remember(node: Any, inputs: tuple[Any, ...]) -> None:
    """Note, for each array an ArrayFunction `node` saved that is the array of one of its
    input tensors, that tensor's storage and its version now.

    The node's output is new, at version 0, and may never be written at all, so it costs
    nothing here: it is noted when its tensor first gets a storage (`note_output`), which
    every write, view and detach() gives it first. (A forward that returns an input's own
    array makes no new one: that input is noted as any other, so that writing it is refused,
    as PyTorch refuses writing the input that a custom Function returned as its output.) An
    input with no storage yet is at version 0 too, and is noted with None: the storage it
    gets at its first write is the one the check reads (most saved inputs are never
    written)."""
    noted, saved = node._saved_versions, node._saved
    for t in inputs:
        array = getattr(t, "_data", None)
        if array is None:
            continue
        for kept in saved:  # (a node saves one to three arrays: no set of ids is cheaper)
            if kept is array:
                storage = t._storage
                noted += ((storage, 0 if storage is None else storage.version, t, array),)
                break
    node._saved_versions = noted


def note_output(node: Any, array: Any, storage: Storage) -> None:
    """`storage`, the new storage of the output `array` of `node`, holds values `node` saved,
    if it did (that array, or one sharing its memory): note it at the version it has now (0;
    or, after a recorded in-place op whose node saved its result, the version that op's write
    made)."""
    if node is not None and node.on_arrays and any(_holds(a, array) for a in node._saved):
        node._saved_versions += ((storage, storage.version, None, array),)


def _holds(saved: Any, array: Any) -> bool:
    """Whether a saved array is the output `array` or shares its memory: a reduction saves its
    result with the reduced dims kept (size 1) and returns a view of it without them."""
    return saved is array or (isinstance(saved, np.ndarray) and np.may_share_memory(saved, array))


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
        storage = storage or tensor._storage or UNWRITTEN
        if storage.version != version:
            maker = node.name() if tensor is None else tensor.grad_fn and tensor.grad_fn.name()
            which = f", which is output 0 of {maker.removesuffix('Backward')}," if maker else ""
            raise checks.modified_error(array, which, storage.version, version)

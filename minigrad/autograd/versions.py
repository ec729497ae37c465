"""Saved tensors and in-place writes: the check that keeps a gradient from being silently wrong.

A node saves what its backward needs (Tanh its output y, Mul the other factor). If that memory
is written in place before backward runs (`y.add_(1)`, `x[0] = 0`, an optimizer step), the
backward would compute with values the forward never saw. So, as in PyTorch, every tensor's
memory has a version counter (`Tensor._version`, shared with its views) that each in-place
write bumps; a node remembers the version of each tensor it saved, and `saved_tensors` refuses
to hand them out once a version has moved on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import checks


def remember(node: Any, inputs: tuple[Any, ...], out: Any, result: Any) -> None:
    """Note, for each array `node` saved that is the memory of one of its input tensors or of
    its output `out` (`result`, as forward returned it), that tensor's storage and version."""
    remembered = []
    for saved in node._saved:
        array = getattr(saved, "_data", saved)  # a tensor-level Function saves Tensors
        if array is result or array is out._data:  # (NumPy gives a 0-d result as a scalar)
            storage = out._shared_storage()
            remembered.append((storage, storage.version, None, array))
            continue
        if not isinstance(array, np.ndarray):  # a number, or None for what no gradient needs
            continue
        for t in inputs:
            if array is getattr(t, "_data", None):
                storage = t._shared_storage()
                remembered.append((storage, storage.version, t, array))
                break
    node._saved_versions = tuple(remembered)


def check(node: Any) -> None:
    """Raise PyTorch's RuntimeError if a tensor that `node` saved was written in place since."""
    for storage, version, tensor, array in node._saved_versions:
        if storage.version != version:
            maker = node.name() if tensor is None else tensor.grad_fn and tensor.grad_fn.name()
            which = f", which is output 0 of {maker.removesuffix('Backward')}," if maker else ""
            raise checks.modified_error(array, which, storage.version, version)

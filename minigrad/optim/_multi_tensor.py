"""Small parameters updated together: minigrad's counterpart of PyTorch's "foreach" optimizers.

An optimizer's update costs ~25 NumPy calls whatever the parameter's size, and on a small array
a call costs more than its arithmetic (~1 µs, against ~1 ns per element). So the small
parameters of a group (biases, small layers) that share dtype and scalar state are joined end to
end into flat arrays, and the optimizer's own `_update` runs once on a stand-in parameter that
carries the joined values, gradients and state. The updates are elementwise, so joining changes
no number. PyTorch's foreach implementation groups tensors for the same reason (its
`_multi_tensor_adam` runs one kernel over a list of tensors).

The elementwise state (momentum, Adam's moments) is not copied back after the update: each
parameter's state tensor is pointed at its piece of the joined array, and at the next step, if
the state tensors still hold those same pieces, that array is the joined state already, with
nothing to copy. A state tensor replaced, swapped or copied in between (load_state_dict,
copy.deepcopy, pickle) no longer holds its piece, and the state is joined afresh.

SGD and Adam opt in: each owns a `JoinedUpdates` and runs its steps through it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import numpy as np

from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from minigrad.optim.optimizer import Optimizer

# Parameters with fewer elements than this are joined; larger ones are updated alone, where a
# NumPy call's overhead is small next to its arithmetic.
SMALL = 4096

# Per state entry: the joined array and the pieces of it that the parameters' state tensors hold.
_Joined = dict[str, tuple[np.ndarray, list[np.ndarray]]]


class JoinedUpdates:
    """Runs an optimizer's steps with its small parameters updated together.

    Args:
        elementwise_state: the names of the state entries that hold one number per element of
            the parameter (the others, such as Adam's step count, are one number in all).

    It keeps no reference to its optimizer (which owns it), so that dropping an optimizer frees
    its state at once, without waiting for Python's cycle collector.
    """

    def __init__(self, elementwise_state: tuple[str, ...]) -> None:
        self.elementwise_state = elementwise_state
        # What the last step joined, per batch (a tuple of parameters; tensors hash and compare
        # by identity): forgotten at the next step unless that batch is joined again.
        self._joined: dict[tuple[Tensor, ...], _Joined] = {}

    def step(self, optimizer: Optimizer,
             batch_key: Callable[[Tensor, dict[str, Any]], Hashable | None]) -> None:
        """`optimizer._update` every parameter that has a gradient, the small ones batch by batch.

        Args:
            optimizer: the optimizer that owns this object.
            batch_key: `batch_key(param, group)` for a small parameter: parameters of a group
                with equal keys (and dtypes) are updated together. The key is the state that is
                one number for the whole parameter (Adam's step count), since a batch shares
                it; None updates the parameter alone (at its first step, before it has state).
        """
        joined_before, self._joined = self._joined, {}
        for group in optimizer.param_groups:
            batches: defaultdict[Hashable, list[Tensor]] = defaultdict(list)
            for p in group["params"]:
                if p.grad is None:
                    continue
                key = batch_key(p, group) if p._data.size < SMALL else None
                if key is None:
                    optimizer._update(p, group)
                else:
                    batches[(p._data.dtype, p._grad._data.dtype, key)].append(p)
            for batch in batches.values():
                self._update_together(optimizer, batch, group, joined_before)

    def _update_together(self, optimizer: Optimizer, params: list[Tensor],
                         group: dict[str, Any],
                         joined_before: dict[tuple[Tensor, ...], _Joined]) -> None:
        """One `_update` for several small parameters, through a stand-in parameter."""
        states = [optimizer.state.get(p, {}) for p in params]  # SGD without momentum: none
        if len(params) == 1 or not self._joinable(params, states):
            for p in params:
                optimizer._update(p, group)
            return
        batch = tuple(params)
        before = joined_before.get(batch, {})
        stand_in = Tensor._make(_joined([p._data for p in params]))
        grads = [p._grad._data for p in params if p._grad is not None]
        stand_in._grad = Tensor._make(_joined(grads))
        stand_in_state = {name: Tensor._make(self._joined_state(name, states, before))
                          for name in states[0]}
        optimizer.state[stand_in] = stand_in_state
        try:
            optimizer._update(stand_in, group)
        finally:
            del optimizer.state[stand_in]
        _split_into(stand_in._data, [p._data for p in params])

        self._joined[batch] = joined = {}
        for name, value in stand_in_state.items():
            if name not in self.elementwise_state:
                for state in states:
                    state[name]._data[...] = value._data
                continue
            flat, pieces = before.get(name, (None, []))
            if value._data is not flat:  # joined at this step: point the state into it
                pieces = _pieces(value._data, [p._data.shape for p in params])
                for state, piece in zip(states, pieces, strict=True):
                    state[name]._data = piece
            joined[name] = (value._data, pieces)

    def _joinable(self, params: list[Tensor], states: list[dict[str, Any]]) -> bool:
        """Joining needs no parameter twice (a duplicate steps twice), the same state entries
        everywhere, and each elementwise entry a tensor shaped like its parameter
        (load_state_dict checks neither, as in PyTorch; an old checkpoint may hold a
        momentum_buffer of None, which the parameter's own update starts afresh)."""
        shapes = [p._data.shape for p in params]
        return (
            len({id(p) for p in params}) == len(params)
            and all(state.keys() == states[0].keys() for state in states)
            and all(all(isinstance(state[name], Tensor) for state in states)
                    and [state[name]._data.shape for state in states] == shapes
                    for name in self.elementwise_state if name in states[0])
        )

    def _joined_state(self, name: str, states: list[dict[str, Any]],
                      before: _Joined) -> np.ndarray:
        """The stand-in's state entry `name`: a copy of a one-number entry; for an elementwise
        one, the array the last step joined if every state tensor still holds its piece of it
        (and that piece still views it: a copied optimizer holds copies), else a new join."""
        if name not in self.elementwise_state:
            return states[0][name]._data.copy()
        flat, pieces = before.get(name, (None, []))
        if flat is not None and all(state[name]._data is piece and piece.base is flat
                                    for state, piece in zip(states, pieces, strict=True)):
            return flat
        return _joined([state[name]._data for state in states])


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays' elements end to end, in one flat array."""
    return np.concatenate(arrays, axis=None)


def _pieces(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Views of the consecutive pieces of `flat`, with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def _split_into(flat: np.ndarray, arrays: list[np.ndarray]) -> None:
    """Copy the consecutive pieces of `flat` into `arrays`, the reverse of `_joined`."""
    for array, piece in zip(arrays, _pieces(flat, [a.shape for a in arrays]), strict=True):
        array[...] = piece

"""Sequences of different lengths in one batch, as PyTorch's torch.nn.utils.rnn.

    pad_sequence([a, b, c])                 one (L_max, N, *) tensor, the short ones padded
    pack_padded_sequence(padded, lengths)   a PackedSequence: only the real steps, time-major
    pad_packed_sequence(packed)             back to (padded, lengths)
    pack_sequence([a, b, c])                pad_sequence, then pack_padded_sequence

A PackedSequence stores the batch sorted by length, longest first, so that at time t the
sequences still running are the first batch_sizes[t]: `data` holds, for t = 0, 1, ..., the
rows of those sequences at step t, one after the other. nn.RNN, nn.LSTM and nn.GRU accept one
as input and return their output packed the same way.

Every conversion is one gather (an index into the data) in the engine, so gradients flow
through packing and padding to the original sequences.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from minigrad.creation import full
from minigrad.tensor import Tensor, cat, stack


class PackedSequence(NamedTuple):
    """data (sum of the lengths, *) holds the steps time-major; batch_sizes[t] is how many
    sequences are still running at step t (an int64 tensor). sorted_indices[i] is the original
    position of the i-th longest sequence, unsorted_indices its inverse; both None when the
    batch was packed already sorted."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def pad_sequence(
    sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes (L_i, *) into (L_max, N, *), or (N, L_max, *) when
    batch_first, filling the missing steps with padding_value (after each sequence, or before
    it with padding_side="left")."""
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        pad = full((longest - s.shape[0], *s.shape[1:]), padding_value, dtype=s.dtype)
        padded.append(cat([s, pad] if padding_side == "right" else [pad, s]))
    return stack(padded, 1 if not batch_first else 0)


def _padded_positions(batch_sizes: np.ndarray) -> np.ndarray:
    """(L, N) int array: the row of packed data holding step t of (sorted) sequence n, or
    len(data) where that sequence has ended (a padding position)."""
    batch_sizes = np.asarray(batch_sizes)
    length, batch = len(batch_sizes), int(batch_sizes[0])
    positions = np.full((length, batch), int(batch_sizes.sum()), np.int64)
    starts = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    for t, (start, size) in enumerate(zip(starts, batch_sizes)):
        positions[t, :size] = np.arange(start, start + size)
    return positions


def _lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """The length of each sorted sequence: how many steps have at least n + 1 sequences."""
    return (np.asarray(batch_sizes)[:, None] > np.arange(int(batch_sizes[0]))).sum(0)


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (L, N, *) (or (N, L, *) when batch_first) whose sequence n has
    lengths[n] real steps. With enforce_sorted the lengths must be in decreasing order;
    otherwise the batch is sorted here and the order kept in sorted_indices."""
    lengths = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths, np.int64)
    if enforce_sorted:
        if np.any(lengths[:-1] < lengths[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
        order = None
    else:
        order = np.argsort(-lengths, kind="stable")  # stable, as torch.sort here
        lengths = lengths[order]
    if batch_first:
        input = input.transpose(0, 1)
    if len(lengths) != input.shape[1]:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={input.shape[1]})"
        )
    if len(lengths) and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    batch_sizes = (lengths[None, :] > np.arange(int(lengths[0]))[:, None]).sum(1)
    steps, rows = np.nonzero(_padded_positions(batch_sizes) < batch_sizes.sum())
    if order is not None:
        rows = order[rows]  # the sorted batch's row n is the input's row order[n]
    data = input[Tensor._make(steps), Tensor._make(rows)]  # time-major: t, then n
    if order is None:
        return PackedSequence(data, Tensor._make(batch_sizes))
    return PackedSequence(data, Tensor._make(batch_sizes), Tensor._make(order),
                          Tensor._make(np.argsort(order)))


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The inverse of pack_padded_sequence: (padded, lengths), padded (L, N, *) in the
    original batch order, L the longest length or total_length."""
    data, batch_sizes, _, unsorted = sequence
    sizes = batch_sizes._data
    positions = _padded_positions(sizes)
    if total_length is not None:
        if total_length < len(sizes):
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{len(sizes)}"
            )
        more = np.full((total_length - len(sizes), positions.shape[1]), len(data))
        positions = np.concatenate((positions, more))
    lengths = _lengths(sizes)
    if unsorted is not None:
        positions, lengths = positions[:, unsorted._data], lengths[unsorted._data]
    # One row of padding after the data, which every padding position reads.
    padding = full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, padding])[Tensor._make(positions)]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor._make(lengths)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)

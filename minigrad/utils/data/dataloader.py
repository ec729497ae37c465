"""`DataLoader`: the dataset in batches, optionally shuffled, as torch.utils.data.DataLoader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from minigrad.random import generator
from minigrad.tensor import Tensor, stack
from minigrad.utils.data.dataset import Dataset, TensorDataset


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into a batch: tuples field by field, tensors along a new dim 0,
    numbers into a tensor."""
    first = samples[0]
    if isinstance(first, Tensor):
        return stack(samples)
    if isinstance(first, (tuple, list)):
        return [default_collate([s[i] for s in samples]) for i in range(len(first))]
    return Tensor._make(np.asarray(samples))


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`.

    With shuffle=True the order is a new permutation from minigrad's generator at every pass
    (reproducible with `manual_seed`); drop_last=True leaves out a last, smaller batch.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Any = None) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.collate_fn = collate_fn or default_collate

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        return generator().permutation(n) if self.shuffle else np.arange(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:  # no batching: one sample at a time
            for i in order:
                yield self.dataset[int(i)]
            return
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                return
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                # one indexing operation per tensor instead of stacking rows one by one
                yield list(self.dataset[idx])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

"""Reading one batch: the step a DataLoader repeats, in the main process or in a worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.utils.data.collate import default_collate
from minigrad.utils.data.dataset import IterableDataset, TensorDataset


class Fetcher:
    """Turns what the sampler gives (an index, or a list of indices when batching) into a
    collated batch. For an IterableDataset the indices only count samples: they are read from
    the dataset's iterator, and StopIteration is raised once it is exhausted."""

    def __init__(self, dataset: Any, batching: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool) -> None:
        self.dataset, self.batching = dataset, batching
        self.collate_fn, self.drop_last = collate_fn, drop_last
        self.stream = iter(dataset) if isinstance(dataset, IterableDataset) else None
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.stream is not None:
            return self.collate_fn(self._read_stream(index))
        if not self.batching:
            return self.collate_fn(self.dataset[index])
        if (isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
                and _integers(index) and not any(t.requires_grad for t in self.dataset.tensors)):
            # one indexing operation per tensor instead of stacking rows one by one (the same
            # rows; only a graph would tell, ending in the indexing where PyTorch's stacks)
            return list(self.dataset[np.asarray(index, dtype=np.int64)])
        if getattr(self.dataset, "__getitems__", None):  # a dataset that reads whole batches
            return self.collate_fn(self.dataset.__getitems__(index))
        return self.collate_fn([self.dataset[i] for i in index])

    def _read_stream(self, index: Any) -> Any:
        assert self.stream is not None
        if self.ended:
            raise StopIteration
        if not self.batching:
            return next(self.stream)
        samples = []
        for _ in index:
            try:
                samples.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(index)):
            raise StopIteration
        return samples


def _integers(index: Any) -> bool:
    """Whether a batch holds integers only, at least one: then one indexing operation per
    tensor gives the rows that indexing one by one and stacking give. An empty batch, or a
    float or bool among the indices, takes the way of PyTorch's fetcher, and its error."""
    return len(index) > 0 and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                                  for i in index)

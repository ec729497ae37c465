"""Samplers: which dataset indices a DataLoader reads, in which order, as torch.utils.data.

A sampler is any iterable of indices (`BatchSampler`: of lists of indices). Every random draw
of this package goes through the four small functions at the top, which draw as PyTorch's
samplers do (randperm, randint, multinomial, an int64 random_() for a seed) from the
`generator=` given, else minigrad's global one: after the same `manual_seed`, shuffles, splits
and weighted draws are PyTorch's, index for index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from minigrad import dtypes
from minigrad.creation import as_tensor, empty, randint, randperm
from minigrad.random import Generator
from minigrad.random_ops import multinomial, random_


def _randperm(n: int, generator: Any = None) -> list[int]:
    """A random permutation of range(n): torch.randperm(n).tolist()."""
    return randperm(n, generator=generator).tolist()


def _randint(high: int, size: int, generator: Any = None) -> list[int]:
    """`size` independent draws from range(high): torch.randint(high, (size,)).tolist()."""
    return randint(high, (size,), generator=generator).tolist()


def _multinomial(weights: np.ndarray, num_samples: int, replacement: bool,
                 generator: Any = None) -> list[int]:
    """Indices drawn with probability proportional to `weights`: torch.multinomial (which
    checks them)."""
    drawn = multinomial(as_tensor(weights), num_samples, replacement, generator=generator)
    return drawn.tolist()


def _seed(generator: Any = None) -> int:
    """A fresh seed, as PyTorch draws one (a DataLoader's base seed for its workers, a
    RandomSampler's for its own generator): one int64 random_()."""
    return int(random_(empty((), dtype=dtypes.int64), generator=generator).item())


T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define `__iter__` (and usually `__len__`)."""

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A new permutation at every pass; with replacement=True, `num_samples` independent draws.

    Without replacement and num_samples > len(data_source), whole permutations follow each other.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        # Without a generator of its own, a pass seeds a new one from the global generator.
        generator = self.generator or Generator().manual_seed(_seed())
        if self.replacement:  # drawn 32 at a time, as PyTorch draws them
            for _ in range(self.num_samples // 32):
                yield from _randint(n, 32, generator)
            yield from _randint(n, self.num_samples % 32, generator)
            return
        for _ in range(self.num_samples // n):
            yield from _randperm(n, generator)
        yield from _randperm(n, generator)[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a new random order at every pass."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        for i in _randperm(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """`num_samples` indices of range(len(weights)), index i drawn with probability
    weights[i] / sum(weights); without replacement an index is drawn at most once."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}")
        self.weights = as_tensor(weights, dtype=dtypes.float64)
        if self.weights.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given "
                             f"weights have shape {tuple(self.weights.shape)}")
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self) -> Iterator[int]:
        yield from _multinomial(self.weights.numpy(), self.num_samples, self.replacement,
                                self.generator)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Lists of `batch_size` consecutive indices of `sampler`; the last one shorter unless
    drop_last=True leaves it out."""

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

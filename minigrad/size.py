"""`minigrad.Size`, the type of `x.shape` and `x.size()`: a tuple of ints, as torch.Size."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, SupportsIndex, overload


class Size(tuple[int, ...]):
    """A shape: a tuple of ints that prints as `minigrad.Size([3, 4])` and knows its numel().

    Slicing it, adding a tuple to it (on either side) and repeating it give a Size again, as in
    PyTorch; it equals the plain tuple of the same ints."""

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        ints = []
        for i, n in enumerate(sizes):
            try:
                ints.append(operator.index(n))
            except TypeError:
                raise TypeError(f"minigrad.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(n).__name__}')") from None
        return super().__new__(cls, ints)

    def numel(self) -> int:
        """The number of elements of a tensor of this shape (1 for the shape of a scalar)."""
        count = 1
        for n in self:
            count *= n
        return count

    def __repr__(self) -> str:
        return f"minigrad.Size({list(self)})"

    __str__ = __repr__

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> Size: ...
    def __getitem__(self, index: SupportsIndex | slice) -> int | Size:
        if isinstance(index, slice):
            return Size(super().__getitem__(index))
        return super().__getitem__(index)

    def __add__(self, other: tuple[Any, ...]) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + other)

    def __radd__(self, other: tuple[Any, ...]) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(other + tuple(self))

    def __mul__(self, times: SupportsIndex) -> Size:
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def __reduce__(self) -> tuple[type[Size], tuple[tuple[int, ...]]]:
        return Size, (tuple(self),)

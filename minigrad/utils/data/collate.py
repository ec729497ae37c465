"""`default_collate` and `default_convert`: samples to batches, as torch.utils.data's.

`default_collate([s1, s2, ...])` keeps the structure of one sample and batches what sits at each
place: tensors are stacked along a new dim 0, NumPy arrays and numbers become tensors (Python
floats float64, ints int64, bools bool), strings and bytes stay a list; dicts, named tuples and
sequences are collated field by field (a tuple becomes a list, as in PyTorch). `collate` with a
`collate_fn_map` ({type: function}) lets a user batch other types the same way.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.creation import as_tensor
from minigrad.tensor import Tensor, stack

_STRINGS_OR_OBJECTS = re.compile(r"[SaUO]")  # NumPy dtypes that cannot become a tensor

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def default_convert(data: Any) -> Any:
    """Turn every NumPy array and scalar inside `data` into a tensor (the collate_fn of a
    DataLoader with batch_size=None); the structure and everything else are kept."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _STRINGS_OR_OBJECTS.search(data.dtype.str):
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(like: Any, items: dict) -> Any:
    """A mapping of `like`'s type holding `items` (a plain dict if that type cannot be built)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        return type(like)(items)
    except TypeError:
        return items


def _rebuild_sequence(like: Any, items: list) -> Any:
    """A sequence of `like`'s type holding `items` (a list if that type cannot be built)."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(like)(items)
    except TypeError:
        return items


CollateFnMap = dict[type | tuple[type, ...], Callable[..., Any]]


def collate(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Batch a list of samples: by `collate_fn_map` for the types it names, else field by field
    for mappings, named tuples and sequences; anything else is a TypeError."""
    elem = batch[0]
    if collate_fn_map is not None:
        if type(elem) in collate_fn_map:
            return collate_fn_map[type(elem)](batch, collate_fn_map=collate_fn_map)
        for kind, function in collate_fn_map.items():
            if isinstance(elem, kind):
                return function(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {key: collate([d[key] for d in batch],
                                                     collate_fn_map=collate_fn_map)
                                       for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(collate(field, collate_fn_map=collate_fn_map)
                            for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(field, collate_fn_map=collate_fn_map) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild_sequence(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def collate_tensor_fn(batch: list[Tensor], *, collate_fn_map: Any = None) -> Tensor:
    return stack(batch, 0)


def collate_numpy_array_fn(batch: list[np.ndarray], *, collate_fn_map: Any = None) -> Any:
    if _STRINGS_OR_OBJECTS.search(batch[0].dtype.str):
        raise TypeError(_ERROR.format(batch[0].dtype))
    return collate([Tensor._make(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list[np.generic], *, collate_fn_map: Any = None) -> Tensor:
    return Tensor._make(np.asarray(batch))


def collate_float_fn(batch: list[float], *, collate_fn_map: Any = None) -> Tensor:
    return as_tensor(batch, dtype=dtypes.float64)


def collate_int_fn(batch: list[int], *, collate_fn_map: Any = None) -> Tensor:
    return as_tensor(batch)


def collate_str_fn(batch: list[Any], *, collate_fn_map: Any = None) -> list[Any]:
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: Any) -> Any:
    """Stack a list of samples into one batch of the same structure (see the module docstring):
    default_collate([(x1, 0), (x2, 1)]) == [stack([x1, x2]), tensor([0, 1])]."""
    return collate(batch, collate_fn_map=default_collate_fn_map)

"""The named tuples that operations with two results return, as torch.return_types.

`x.max(dim)` returns `minigrad.return_types.max(values=..., indices=...)`: a tuple, so
`values, indices = x.max(0)` works, whose fields also have names. It prints as PyTorch's, one
field per line.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any


def _result_type(name: str, fields: tuple[str, ...]) -> Any:
    base = namedtuple(name, fields)  # type: ignore[misc]

    def __repr__(self: Any) -> str:
        shown = ",\n".join(f"{field}={value!r}" for field, value in zip(fields, self))
        return f"minigrad.return_types.{name}(\n{shown})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})


_PAIR = ("values", "indices")
max = _result_type("max", _PAIR)  # noqa: A001 (PyTorch's names)
min = _result_type("min", _PAIR)  # noqa: A001
sort = _result_type("sort", _PAIR)
topk = _result_type("topk", _PAIR)
kthvalue = _result_type("kthvalue", _PAIR)
median = _result_type("median", _PAIR)
nanmedian = _result_type("nanmedian", _PAIR)
mode = _result_type("mode", _PAIR)
cummax = _result_type("cummax", _PAIR)
cummin = _result_type("cummin", _PAIR)
aminmax = _result_type("aminmax", ("min", "max"))

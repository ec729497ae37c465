"""`save` and `load`: checkpoints (module and optimizer state dicts) in a file that cannot run
code when it is loaded.

`torch.save` pickles, and unpickling a file from an untrusted source can execute anything.
minigrad writes a NumPy .npz archive instead and reads it with `allow_pickle=False`:

* every array (a tensor's values, or a NumPy array) is one entry of the archive, named
  "0", "1", ...;
* the entry "structure" is a JSON document that describes the object and points at those
  entries. Lists, tuples and dicts (with any keys JSON cannot hold, such as the integer ids of
  an optimizer's state) become tagged JSON objects, e.g. `{"tuple": [0.9, 0.999]}` or
  `{"dict": [[0, {...}], ...]}`; None, bools, ints, floats and strings are JSON values.

Supported values: Tensor (loaded back as a Tensor with the same dtype and requires_grad),
np.ndarray and NumPy scalars (loaded back as such), None, bool, int, float, str, and lists,
tuples and dicts of these. Dicts come back as plain dicts, in their order.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from typing import IO, Any

import numpy as np

from minigrad.tensor import Tensor

_FORMAT = "minigrad.save"
_VERSION = 1
_STRUCTURE = "structure"

# What reading a damaged or foreign archive can raise, from zipfile (RuntimeError for a flag
# saying "encrypted", NotImplementedError for an unknown compression), NumPy, json and the
# decoder below; all of them mean "this is not a checkpoint mg.save wrote".
_UNREADABLE = (ValueError, KeyError, TypeError, IndexError, AttributeError, EOFError, OSError,
               RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)

File = str | os.PathLike | IO[bytes]


def save(obj: Any, f: File) -> None:
    """Write `obj` (typically a state_dict) to the path or binary file `f`.

    The file is written as given: unlike `np.savez`, no ".npz" is appended to the name.

    Raises:
        TypeError: `obj` contains a value of a type that cannot be stored (e.g. a Module:
            save `model.state_dict()` instead).
    """
    arrays: dict[str, np.ndarray] = {}

    def store(array: np.ndarray) -> str:
        if array.dtype.hasobject:
            raise TypeError("mg.save cannot store arrays of Python objects")
        name = str(len(arrays))
        arrays[name] = array
        return name

    def encode(value: Any) -> Any:
        if isinstance(value, Tensor):
            return {"tensor": store(value._data), "requires_grad": value.requires_grad}
        if isinstance(value, np.ndarray):
            return {"ndarray": store(value)}
        if isinstance(value, np.generic):
            return {"scalar": store(np.asarray(value))}
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, (list, tuple)):
            return {type(value).__name__: [encode(v) for v in value]}
        if isinstance(value, dict):
            return {"dict": [[encode(k), encode(v)] for k, v in value.items()]}
        raise TypeError(
            f"mg.save cannot store objects of type {type(value).__name__}; save tensors, arrays, "
            "numbers, strings and lists, tuples or dicts of them (e.g. model.state_dict())"
        )

    document = {"format": _FORMAT, "version": _VERSION, "object": encode(obj)}
    arrays[_STRUCTURE] = np.array(json.dumps(document))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            np.savez(file, allow_pickle=False, **arrays)
    else:
        np.savez(f, allow_pickle=False, **arrays)


def load(f: File) -> Any:
    """Read back an object written by `save` from the path or binary file `f`.

    No code from the file is run: arrays are read with `allow_pickle=False` and the structure
    is plain JSON.

    Raises:
        FileNotFoundError: there is no such file.
        RuntimeError: the file is not a checkpoint written by `mg.save`, or it is truncated or
            damaged.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "file")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _read(file, name)
    return _read(f, name)


def _read(file: IO[bytes], name: Any) -> Any:
    start = file.read(4)
    file.seek(-len(start), os.SEEK_CUR)
    if not start.startswith(b"PK"):  # every zip archive, hence every .npz, starts with "PK"
        raise RuntimeError(f"{name} is not a checkpoint written by mg.save (not a .npz archive)")
    try:
        with np.load(file, allow_pickle=False) as archive:
            if _STRUCTURE not in archive.files:
                raise ValueError(f"no '{_STRUCTURE}' entry")
            document = json.loads(str(archive[_STRUCTURE][()]))
            if document.get("format") != _FORMAT or document.get("version") != _VERSION:
                raise ValueError(f"unknown format {document.get('format')!r}, "
                                 f"version {document.get('version')!r}")
            return _decode(document["object"], archive)
    except _UNREADABLE as error:
        raise RuntimeError(
            f"{name} is not a readable checkpoint written by mg.save "
            f"({type(error).__name__}: {error})"
        ) from error


def _decode(node: Any, archive: Any) -> Any:
    """Rebuild the value that `save` encoded as `node`, reading its arrays from `archive`."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"unexpected entry {node!r}")
    if "tensor" in node:
        return Tensor(archive[node["tensor"]], requires_grad=bool(node["requires_grad"]))
    if "ndarray" in node:
        return archive[node["ndarray"]]
    if "scalar" in node:
        return archive[node["scalar"]][()]
    if "list" in node:
        return [_decode(v, archive) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, archive) for v in node["tuple"])
    if "dict" in node:
        return {_decode(k, archive): _decode(v, archive) for k, v in node["dict"]}
    raise ValueError(f"unexpected entry {node!r}")

"""Reading the checkpoints of minigrad before it wrote PyTorch's format: a NumPy .npz archive
whose entry "structure" is a JSON document describing the saved object and pointing at the
arrays "0", "1", ... (lists, tuples and dicts as tagged JSON objects, e.g. `{"tuple": [0.9,
0.999]}` or `{"dict": [[0, {...}], ...]}`). `minigrad.load` still reads them; nothing writes
them any more.

Nothing in such a file is trusted: before an array is allocated, its declared shape and dtype
must account for exactly the bytes the entry holds, and a tensor must have a dtype minigrad
computes in; anything else is refused with RuntimeError, and nothing is returned.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from minigrad.tensor import Tensor

_FORMAT = "minigrad.save"
_VERSION = 1
STRUCTURE = "structure"

# What reading a damaged or foreign archive can raise, from zipfile (RuntimeError for a flag
# saying "encrypted", NotImplementedError for an unknown compression), NumPy, json and the
# decoder below; all of them mean "this is not a checkpoint mg.save wrote".
_UNREADABLE = (ValueError, KeyError, TypeError, IndexError, AttributeError, EOFError, OSError,
               RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error)

# The dtypes of minigrad's tensors: what every operation computes in.
_TENSOR_DTYPES = tuple(np.dtype(name) for name in (
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"))

# How NumPy reads the header of each .npy format version. Version 3.0 is 2.0 with its header in
# UTF-8 instead of Latin-1, which changes only how non-ASCII field names of a structured dtype
# read, never the shape or the size of an element: all that is read from the header here.
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0,
                   (3, 0): np.lib.format.read_array_header_2_0}


def read_npz(file: IO[bytes], name: Any) -> Any:
    """The object saved in the .npz checkpoint `file` (called `name` in errors)."""
    start = file.read(4)
    file.seek(-len(start), os.SEEK_CUR)
    if not start.startswith(b"PK"):  # every zip archive, hence every .npz, starts with "PK"
        raise RuntimeError(f"{name} is not a checkpoint written by mg.save (not a .npz archive)")
    here = file.tell()
    size = file.seek(0, os.SEEK_END) - here  # of the archive, which may not start the file
    file.seek(here)
    try:
        with np.load(file, allow_pickle=False) as archive:
            def read(key: str) -> np.ndarray:
                return _array(archive.zip, key, size)

            if STRUCTURE not in archive.files:
                raise ValueError(f"no '{STRUCTURE}' entry")
            document = json.loads(str(read(STRUCTURE)[()]))
            if document.get("format") != _FORMAT or document.get("version") != _VERSION:
                raise ValueError(f"unknown format {document.get('format')!r}, "
                                 f"version {document.get('version')!r}")
            return _decode(document["object"], read, "")
    except _UNREADABLE as error:
        raise RuntimeError(
            f"{name} is not a readable checkpoint written by mg.save "
            f"({type(error).__name__}: {error})"
        ) from error


def _array(archive: zipfile.ZipFile, key: str, size: int) -> np.ndarray:
    """The array stored as entry `key` of the archive (of `size` bytes), read only once its
    header is known to describe the bytes that are there.

    NumPy allocates the array an .npy header declares before it reads any data, so a forged
    header could have it allocate terabytes, and elements of a zero-width dtype ('V0') fill no
    bytes at all, so a header may declare 10^12 of them. `save` stores every entry uncompressed
    (np.savez), so the bytes an entry holds are bytes of the file.
    """
    info = archive.getinfo(f"{key}.npy")
    stored = info.compress_type == zipfile.ZIP_STORED and info.file_size == info.compress_size
    if not stored or info.file_size > size:
        raise ValueError(f"entry {key!r} is compressed or larger than the file")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version not in _HEADER_READERS:
            raise ValueError(f"entry {key!r} is in the unknown .npy format version {version}")
        shape, _, dtype = _HEADER_READERS[version](member)
        if dtype.hasobject:
            raise ValueError(f"entry {key!r} holds pickled Python objects, which mg.load never "
                             "unpickles")
        count, held = math.prod(shape), info.file_size - member.tell()
        zero_width = count > 0 and dtype.itemsize == 0
        if any(n < 0 for n in shape) or count * dtype.itemsize != held or zero_width:
            raise ValueError(f"entry {key!r} declares {count} elements of dtype {dtype.str} "
                             f"({dtype.itemsize} bytes each) in {held} bytes of data")
        member.seek(0)
        return np.lib.format.read_array(member, allow_pickle=False)


def _decode(node: Any, read: Callable[[str], np.ndarray], where: str) -> Any:
    """Rebuild the value that `save` encoded as `node`, reading its arrays with `read`; `where`
    is its place in the saved object ("['state'][0]"), to name it in errors."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"unexpected entry {node!r}")
    if "tensor" in node:
        array = read(node["tensor"])
        if array.dtype not in _TENSOR_DTYPES:
            raise ValueError(
                f"the tensor at {where or 'the top level'} (entry {node['tensor']!r}) has dtype "
                f"{array.dtype}; minigrad tensors are float16/32/64, int8/16/32/64, uint8 or bool"
            )
        return Tensor._make(array).requires_grad_(bool(node["requires_grad"]))
    if "ndarray" in node:
        return read(node["ndarray"])
    if "scalar" in node:
        return read(node["scalar"])[()]
    if "list" in node:
        return [_decode(v, read, f"{where}[{i}]") for i, v in enumerate(node["list"])]
    if "tuple" in node:
        return tuple(_decode(v, read, f"{where}[{i}]") for i, v in enumerate(node["tuple"]))
    if "dict" in node:
        items = ((_decode(k, read, where), v) for k, v in node["dict"])
        return {key: _decode(v, read, f"{where}[{key!r}]") for key, v in items}
    raise ValueError(f"unexpected entry {node!r}")

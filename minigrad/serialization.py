"""`save` and `load` in PyTorch's own file format: a checkpoint written by one library loads in
the other (`torch.load(path, weights_only=True)` reads `minigrad.save`'s files, and
`minigrad.load` reads `torch.save`'s without PyTorch installed).

The format (torch/serialization.py `_save`) is an uncompressed zip archive whose entries all
sit in one folder, `<archive>/` (the file's name without its extension, "archive" for a
buffer):

* `data.pkl`: the saved object, pickled (protocol 2). A tensor is pickled as the call
  `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
  OrderedDict())`, a Parameter as `torch._utils._rebuild_parameter(tensor, requires_grad,
  OrderedDict())`. A storage is not in the pickle: it is a *persistent id*, the tuple
  `("storage", torch.FloatStorage, key, "cpu", numel)`, and its bytes are the entry
  `data/<key>`. Views of one tensor name the same storage, with their own offset and strides;
  a tensor met twice is pickled once (pickle's memo), so it loads as one tensor.
* `data/0`, `data/1`, ...: the raw bytes of each storage, little-endian, each starting at a
  multiple of 64 bytes of the file (`.storage_alignment`), so that the file can be mapped;
* `byteorder` ("little"), `version` ("3"), `.format_version` ("1"), `.storage_alignment`
  ("64") and `.data/serialization_id` (a random id of the file).

Unpickling runs code: a pickle is a program whose instructions may import any function and
call it. So `load` (weights_only=True, PyTorch's default since 2.6) unpickles with a restricted
unpickler, as PyTorch's weights_only loader does: the only globals a file may name are the
tensor and storage rebuilders above, OrderedDict and the plain containers and numbers
(set, complex, ...); the only calls are to those; anything else is refused with
pickle.UnpicklingError naming what was found, before it runs. The storages are read from the
archive only once their declared size matches the bytes of their entry, and a tensor only once
its offset, sizes and strides lie within its storage.

`save` pickles anything, as torch.save does: a whole Module too. Such a file only loads with
`load(f, weights_only=False)`, which is plain pickle and runs whatever code the file names: do
it only with files from a source you trust. Checkpoints written by earlier minigrad versions
(a .npz archive) still load.
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
import pickletools
import secrets
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any, ClassVar, Literal

import numpy as np

from minigrad._npz_checkpoint import STRUCTURE, read_npz
from minigrad.tensor import Tensor
from minigrad.tensor import _rebuild as _rebuild_tensor_of_class

File = str | os.PathLike | IO[bytes]

_ALIGNMENT = 64
_STORAGE_NAMES: dict[np.dtype, str] = {  # PyTorch's storage type for the tensors of each dtype
    np.dtype("float16"): "HalfStorage", np.dtype("float32"): "FloatStorage",
    np.dtype("float64"): "DoubleStorage", np.dtype("int8"): "CharStorage",
    np.dtype("int16"): "ShortStorage", np.dtype("int32"): "IntStorage",
    np.dtype("int64"): "LongStorage", np.dtype("uint8"): "ByteStorage",
    np.dtype("bool"): "BoolStorage"}


class _Storage:
    """A tensor's memory: a flat, C-contiguous array that tensors are views of. Written as the
    entry `data/<key>`, named in the pickle by a persistent id."""

    def __init__(self, key: str, array: np.ndarray) -> None:
        self.key, self.array = key, array


class _Global:
    """A function or class of PyTorch named in the pickle (by module and name) without being
    imported: `_Pickler` writes it as pickle's GLOBAL instruction."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args: Any) -> Any:  # pickle requires the function of a call to be callable
        raise TypeError(f"{self.module}.{self.name} is PyTorch's, named in a pickle only")


_REBUILD_TENSOR = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_STORAGE_TYPES = {dtype: _Global("torch", name) for dtype, name in _STORAGE_NAMES.items()}


class _PlainTensor:
    """The tensor inside a Parameter: `_rebuild_parameter` receives it as a plain tensor."""

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


# ---------------------------------------------------------------------------------- save
class _Pickler(pickle._Pickler):
    """Python's pickler (its pure-Python version, which lets a class choose how an object is
    written) writing tensors as PyTorch does; any other object is pickled as usual."""

    dispatch: ClassVar[dict[type, Any]] = dict(pickle._Pickler.dispatch)
    write: Callable[[bytes], Any]  # the pure-Python pickler's, which typeshed does not list
    memoize: Callable[[Any], None]

    def __init__(self, file: IO[bytes], protocol: int) -> None:
        super().__init__(file, protocol)
        self.storages: dict[int, _Storage] = {}  # by the id of the array they hold

    def _save_global(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    dispatch[_Global] = _save_global

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            array = obj.array
            return ("storage", _STORAGE_TYPES[array.dtype], obj.key, "cpu", array.size)
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, _PlainTensor):
            return _REBUILD_TENSOR, self._tensor_arguments(obj.tensor, False)
        if isinstance(obj, Tensor):
            from minigrad.nn import Parameter

            if isinstance(obj, Parameter):
                return _REBUILD_PARAMETER, (_PlainTensor(obj), obj.requires_grad, OrderedDict())
            return _REBUILD_TENSOR, self._tensor_arguments(obj, obj.requires_grad)
        return NotImplemented

    def _tensor_arguments(self, tensor: Tensor, requires_grad: bool) -> tuple[Any, ...]:
        """(storage, storage_offset, size, stride, requires_grad, backward_hooks): the tensor as
        a view of the storage holding its memory, the same storage for all views of it."""
        array = tensor._data
        if array.dtype not in _STORAGE_NAMES:
            raise TypeError(f"minigrad.save cannot store a tensor of dtype {array.dtype}")
        base = array
        while isinstance(base.base, np.ndarray):
            base = base.base
        itemsize = array.dtype.itemsize
        offset, remainder = divmod(array.ctypes.data - base.ctypes.data, itemsize)
        if (base.dtype != array.dtype or not base.flags.c_contiguous or array.size == 0
                or remainder or any(s < 0 or s % itemsize for s in array.strides)):
            # Not a view a storage can describe (negative strides, ...): saved as a copy.
            array = base = np.ascontiguousarray(array)
            offset = 0
        if id(base) not in self.storages:
            self.storages[id(base)] = _Storage(str(len(self.storages)), base.reshape(-1))
        storage = self.storages[id(base)]
        stride = tuple(s // itemsize for s in array.strides)
        return storage, offset, tuple(array.shape), stride, requires_grad, OrderedDict()


def save(obj: Any, f: File, pickle_module: Any = pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write `obj` to the path or binary file `f` in PyTorch's checkpoint format, as torch.save.

    Tensors, state dicts, optimizer state dicts and containers of them with numbers and strings
    load with `torch.load(f, weights_only=True)` and `minigrad.load(f)`; any other object (a
    whole Module) is pickled, and loads only with weights_only=False.

    Raises:
        TypeError: `obj` holds a tensor of a dtype PyTorch's format has no storage for.
        NotImplementedError: `_use_new_zipfile_serialization=False` (PyTorch's format before
            1.6) or a pickle_module other than pickle.
    """
    if not _use_new_zipfile_serialization or pickle_module is not pickle:
        raise NotImplementedError("minigrad.save writes only PyTorch's zip format, with pickle")
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, pickle_protocol)
    pickler.dump(obj)
    records = [("data.pkl", buffer.getvalue()), (".format_version", b"1"),
               (".storage_alignment", str(_ALIGNMENT).encode())]
    if not _disable_byteorder_record:
        records.append(("byteorder", b"little"))
    for storage in pickler.storages.values():
        records.append((f"data/{storage.key}", storage.array.astype(
            storage.array.dtype.newbyteorder("<"), copy=False).tobytes()))
    records += [("version", b"3\n"),
                (".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())]
    if isinstance(f, (str, os.PathLike)):
        folder = os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
        with open(f, "wb") as file:
            _write_archive(file, folder, records)
    else:
        _write_archive(f, "archive", records)


def _write_archive(file: IO[bytes], folder: str, records: list[tuple[str, bytes]]) -> None:
    """The uncompressed zip of `records`, each storage's bytes starting at a multiple of
    _ALIGNMENT: PyTorch's writer pads the local header's extra field (tagged "FB") for that."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED) as archive:
        for name, data in records:
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            if name.startswith("data/"):
                header_end = file.tell() + 30 + len(info.filename.encode()) + 4
                padding = -header_end % _ALIGNMENT
                info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
            archive.writestr(info, data)


# ---------------------------------------------------------------------------------- load
class _StorageType:
    """What a checkpoint's torch.FloatStorage, ... is in minigrad: the dtype of a storage."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype


_STORAGES = {("torch", name): _StorageType(dtype) for dtype, name in _STORAGE_NAMES.items()}
_STORAGES[("torch", "UntypedStorage")] = _STORAGES[("torch.storage", "UntypedStorage")] = \
    _StorageType(np.dtype("uint8"))


def _rebuild_tensor_v2(storage: Any, storage_offset: Any, size: Any, stride: Any,
                       requires_grad: Any, backward_hooks: Any, metadata: Any = None) -> Tensor:
    """PyTorch's tensor rebuilder: the view (offset, size, stride) of `storage`, once it is
    known to lie within it."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"a tensor's storage is a {type(storage).__name__}")
    numbers = (storage_offset, *size, *stride) if isinstance(size, tuple) and isinstance(
        stride, tuple) else None
    if (numbers is None or len(size) != len(stride) or type(requires_grad) is not bool
            or any(type(n) is not int or n < 0 for n in numbers)):
        raise pickle.UnpicklingError(
            f"a tensor with offset {storage_offset!r}, size {size!r}, stride {stride!r} and "
            f"requires_grad {requires_grad!r}")
    array = storage.array
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError(f"the checkpoint has a tensor of dtype {array.dtype} requiring grad")
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride, strict=True))
    if 0 not in size and last >= array.size or storage_offset > array.size:
        raise RuntimeError(
            f"the checkpoint has a tensor of size {list(size)}, stride {list(stride)} and "
            f"offset {storage_offset} in the storage '{storage.key}' of {array.size} elements")
    itemsize = array.dtype.itemsize
    view = np.ndarray(size, array.dtype, buffer=array, offset=storage_offset * itemsize,
                      strides=tuple(s * itemsize for s in stride)) if 0 not in size else \
        np.empty(size, array.dtype)
    return _rebuild_tensor_of_class(Tensor, view, requires_grad, None)


def _rebuild_parameter(data: Any, requires_grad: Any, backward_hooks: Any) -> Tensor:
    from minigrad.nn import Parameter

    if type(data) is not Tensor or type(requires_grad) is not bool:
        raise pickle.UnpicklingError(f"a Parameter of {type(data).__name__}")
    return _rebuild_tensor_of_class(Parameter, data._data, requires_grad, None)


def _encode(text: Any, encoding: Any = "latin1") -> bytes:
    """`_codecs.encode`, as protocol 2 pickles bytes, for text only."""
    if type(text) is not str or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode of anything but text in latin1")
    return text.encode("latin1")


def _bytearray(*args: Any) -> bytearray:
    """`bytearray`, as protocol 2 pickles it (`bytearray(text, "latin-1")`), never the
    `bytearray(n)` that allocates n bytes."""
    if not all(type(a) in (str, bytes) for a in args):
        raise pickle.UnpicklingError("bytearray of anything but text or bytes")
    return bytearray(*args)


_REBUILDERS = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
               ("torch._utils", "_rebuild_parameter"): _rebuild_parameter}
# The classes and functions a weights_only checkpoint may name and call.
_CALLABLE = {**_REBUILDERS, ("collections", "OrderedDict"): OrderedDict,
             ("builtins", "set"): set,
             ("builtins", "complex"): complex, ("builtins", "bytearray"): _bytearray,
             ("_codecs", "encode"): _encode}


class _Archive:
    """The entries of a checkpoint in PyTorch's format, checked before any is read."""

    def __init__(self, file: IO[bytes], size: int) -> None:
        self.zip = zipfile.ZipFile(file)
        for info in self.zip.infolist():
            name = info.filename
            if name.startswith("/") or "\\" in name or ".." in name.split("/"):
                raise RuntimeError(f"the checkpoint has an entry named {name!r}")
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > size:
                raise RuntimeError(f"the checkpoint's entry {name!r} is compressed or larger "
                                   "than the file (PyTorch stores entries uncompressed)")
        pickles = [n for n in self.zip.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise RuntimeError("the checkpoint has no single '<archive>/data.pkl' entry")
        self.folder = pickles[0][: -len("data.pkl")]
        self.byteorder: Literal["<", ">"] = "<"
        if self.folder + "byteorder" in self.zip.namelist():
            order = self.read("byteorder")
            if order not in (b"little", b"big"):
                raise RuntimeError(f"the checkpoint's byte order is {order!r}")
            self.byteorder = "<" if order == b"little" else ">"
        self.storages: dict[str, _Storage] = {}

    def read(self, name: str) -> bytes:
        return self.zip.read(self.folder + name)  # zipfile checks the CRC

    def storage(self, pid: Any) -> _Storage:
        """The storage a persistent id ("storage", type, key, location, numel) names, read once
        per key, after its declared size is checked against the bytes its entry holds."""
        if (not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage"
                or not isinstance(pid[1], _StorageType)
                or type(pid[2]) is not str or type(pid[4]) is not int or pid[4] < 0):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        dtype, key, numel = pid[1].dtype, pid[2], pid[4]
        if key not in self.storages:
            try:
                info = self.zip.getinfo(f"{self.folder}data/{key}")
            except KeyError:
                raise RuntimeError(f"the checkpoint has no entry for the storage {key!r}") from None
            if info.file_size != numel * dtype.itemsize:
                raise RuntimeError(f"the checkpoint's storage {key!r} declares {numel} elements "
                                   f"of {dtype} but its entry holds {info.file_size} bytes")
            try:
                raw = self.read(f"data/{key}")
            except _DAMAGED as error:
                raise RuntimeError(f"the checkpoint's storage {key!r}: {error}") from error
            data = np.frombuffer(bytearray(raw), dtype.newbyteorder(self.byteorder))
            if dtype.kind == "b":  # a byte other than 0 or 1 would be a bool NumPy misreads
                data = data.view(np.uint8) != 0
            self.storages[key] = _Storage(key, data.astype(dtype, copy=False))
        storage = self.storages[key]
        if storage.array.dtype != dtype:
            raise RuntimeError(f"the checkpoint's storage '{key}' is read as two dtypes")
        return storage


def _refusal(code: int) -> Any:
    """What the unpickler does on meeting the instruction `code`: refuse it, naming it."""
    names = {op.code.encode("latin1")[0]: op.name for op in pickletools.opcodes}

    def refuse(self: Any) -> None:
        raise pickle.UnpicklingError(
            f"Unsupported pickle instruction {names.get(code, 'unknown')} (byte {code})")
    return refuse


class _WeightsOnlyUnpickler(pickle._Unpickler):
    """PyTorch's weights_only unpickler: Python's own (pure-Python) unpickler with every
    instruction that could run code either refused or checked. A global must be in _CALLABLE
    or a storage type; a call (REDUCE, NEWOBJ) must be to one of those; BUILD (setting an
    object's attributes) only sets those of an OrderedDict (a state dict's `_metadata`)."""

    dispatch: ClassVar[dict[int, Any]] = {code: _refusal(code) for code in range(256)}
    proto: int  # the pure-Python unpickler's, which typeshed does not list
    stack: list[Any]
    append: Callable[[Any], None]
    for op in ("PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP", "NONE", "NEWTRUE",
               "NEWFALSE", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
               "FLOAT", "BINFLOAT", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8",
               "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "BYTEARRAY8", "EMPTY_TUPLE", "TUPLE",
               "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_LIST", "APPEND", "APPENDS", "LIST",
               "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS", "EMPTY_SET", "ADDITEMS", "FROZENSET",
               "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "GET", "BINGET", "LONG_BINGET",
               "GLOBAL", "STACK_GLOBAL", "BINPERSID"):
        code = getattr(pickle, op)[0]
        dispatch[code] = pickle._Unpickler.dispatch[code]
    del op, code

    def __init__(self, file: IO[bytes], archive: _Archive) -> None:
        super().__init__(file)
        self.archive = archive

    def find_class(self, module: str, name: str) -> Any:
        if self.proto < 3:  # Python 2's names (__builtin__.set) in a protocol 2 pickle
            module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        found = _CALLABLE.get((module, name)) or _STORAGES.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"Unsupported global: GLOBAL {module}.{name} was not an allowed global by "
                "default: only tensors, storages, OrderedDict and plain containers, numbers and "
                "strings are")
        return found

    def persistent_load(self, pid: Any) -> Any:
        return self.archive.storage(pid)

    def _checked_callable(self, func: Any) -> None:
        if not any(func is allowed for allowed in _CALLABLE.values()):
            raise pickle.UnpicklingError(f"Trying to call reduce for unrecognized function {func}")

    def load_reduce(self) -> None:
        args = self.stack.pop()
        self._checked_callable(self.stack[-1])
        if type(args) is not tuple:
            raise pickle.UnpicklingError("a call with arguments that are not a tuple")
        self.stack[-1] = self.stack[-1](*args)

    def load_newobj(self) -> None:
        args = self.stack.pop()
        cls = self.stack.pop()
        self._checked_callable(cls)
        if not isinstance(cls, type) or type(args) is not tuple:
            raise pickle.UnpicklingError(f"Can only create new objects of classes, not {cls}")
        self.append(cls.__new__(cls, *args))

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not OrderedDict or type(state) is not dict:
            raise pickle.UnpicklingError(
                f"Can only build OrderedDict attributes, but got {type(inst).__name__}")
        inst.__dict__.update(state)

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.BUILD[0]] = load_build


class _Unpickler(pickle.Unpickler):
    """weights_only=False: plain pickle, PyTorch's rebuilders and storages mapped to minigrad's."""

    def __init__(self, file: IO[bytes], archive: _Archive) -> None:
        super().__init__(file)
        self.archive = archive

    def find_class(self, module: str, name: str) -> Any:
        found = _REBUILDERS.get((module, name)) or _STORAGES.get((module, name))
        return found if found is not None else super().find_class(module, name)

    def persistent_load(self, pid: Any) -> Any:
        return self.archive.storage(pid)


def load(f: File, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None, **pickle_load_args: Any
         ) -> Any:
    """Read back an object that `minigrad.save` or `torch.save` wrote to the path or binary
    file `f` (or that an earlier minigrad saved as .npz), as torch.load.

    Args:
        map_location: None or "cpu": minigrad's tensors are all on the CPU.
        weights_only: True (the default, as PyTorch's since 2.6) reads only tensors, storages,
            OrderedDict and plain containers of numbers and strings, and never runs code from
            the file. False unpickles anything, and so runs any code the file names: only for
            files from a source you trust.

    Raises:
        FileNotFoundError: there is no such file.
        pickle.UnpicklingError: with weights_only, the file names a global or an instruction
            outside what it allows (the message names it), or its pickle is malformed.
        RuntimeError: the file is not a checkpoint, or it is truncated or damaged (a storage
            declaring more elements than its entry holds, a tensor reaching past its storage).
    """
    if map_location is not None and str(map_location) != "cpu":
        raise NotImplementedError(f"map_location={map_location!r}: minigrad has only the CPU")
    if pickle_module not in (None, pickle) or mmap:
        raise NotImplementedError("minigrad.load reads with pickle, without mmap")
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "file")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _read(file, name, weights_only is not False)
    return _read(f, name, weights_only is not False)


# What zipfile raises for a damaged archive (NotImplementedError for a version or compression
# it does not know, RuntimeError for a flag saying "encrypted").
_DAMAGED = (KeyError, ValueError, EOFError, OSError, RuntimeError, NotImplementedError,
            struct.error, zipfile.BadZipFile, zlib.error)


def _read(file: IO[bytes], name: Any, weights_only: bool) -> Any:
    here = file.tell()
    size = file.seek(0, os.SEEK_END) - here  # of the archive, which may not start the file
    file.seek(here)
    try:
        with zipfile.ZipFile(file) as zipped:
            legacy = f"{STRUCTURE}.npy" in zipped.namelist()
    except _DAMAGED as error:
        raise RuntimeError(f"{name} is not a checkpoint: not a zip archive ({error})") from error
    file.seek(here)
    if legacy:
        return read_npz(file, name)
    try:
        archive = _Archive(file, size)
        data = archive.read("data.pkl")
    except _DAMAGED as error:
        raise RuntimeError(f"{name} is not a readable checkpoint ({error})") from error
    if not weights_only:
        return _Unpickler(io.BytesIO(data), archive).load()
    try:
        return _WeightsOnlyUnpickler(io.BytesIO(data), archive).load()
    except RuntimeError as error:
        raise RuntimeError(f"{name} is not a readable checkpoint ({error})") from error
    except (pickle.UnpicklingError, EOFError, IndexError, KeyError, TypeError, ValueError,
            AttributeError, struct.error) as error:
        raise pickle.UnpicklingError(
            "Weights only load failed. Re-running minigrad.load with weights_only=False can run "
            "any code the file names: do it only if you got the file from a trusted source.\n"
            f"{type(error).__name__}: {error}") from None


"""mg.save / mg.load: PyTorch's checkpoint format, both ways. Round trips of module and optimizer
state dicts and of any nested structure, through minigrad alone and through PyTorch
(torch.load(weights_only=True) of minigrad's files, mg.load of torch.save's); the refusal of
files that are not checkpoints (truncated, damaged, foreign, malicious), without ever running
code from them; and the checkpoints of earlier minigrad versions (.npz), which still load."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import tracemalloc
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import arrays, float_dtypes
from support import assert_close
from test_nn_modules import build, module_recipes

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)
from minigrad.serialization import _Global, _Pickler, _Storage, load, save

# Hypothesis examples share one tmp_path; each example overwrites its file, so that is fine.
files = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_identical(actual: Any, expected: Any) -> None:
    """Same types (exactly), same values, recursively: tensors and arrays by dtype, shape and
    bits (nan included), floats including the sign of zero, dicts including key order."""
    assert type(actual) is type(expected), f"{type(actual)} is not {type(expected)}"
    if isinstance(expected, mg.Tensor):
        assert actual.requires_grad == expected.requires_grad
        actual, expected = actual.detach().numpy(), expected.detach().numpy()
    if isinstance(expected, (np.ndarray, np.generic)):
        assert actual.dtype == expected.dtype and np.shape(actual) == np.shape(expected)
        np.testing.assert_array_equal(actual, expected, strict=True)
    elif isinstance(expected, float):
        assert actual == expected or (math.isnan(actual) and math.isnan(expected))
        assert math.copysign(1, actual) == math.copysign(1, expected)
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_identical(a, e)
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_identical(actual[key], expected[key])
    else:
        assert actual == expected


def round_trip(obj: Any, path: Path, weights_only: bool = True) -> Any:
    save(obj, path)
    return load(path, weights_only=weights_only)


# ---------------------------------------------------------------------- state dicts
@files
@given(recipe=module_recipes(), dtype=float_dtypes())
def test_a_module_state_dict_round_trips_and_loads_into_a_fresh_model(tmp_path, recipe, dtype):
    model = build(mg.nn, recipe).to(dtype)
    state = model.state_dict()
    loaded = round_trip(state, tmp_path / "model.pt")
    assert_identical(loaded, state)
    fresh = build(mg.nn, recipe).to(dtype)
    fresh.load_state_dict(loaded)
    assert_identical(dict(fresh.state_dict()), dict(state))


@files
@given(dtype=float_dtypes(), data=st.data())
def test_a_reloaded_classifier_gives_the_same_outputs(tmp_path, dtype, data):
    def classifier(lib: Any) -> Any:
        return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.ReLU(), lib.nn.Linear(8, 3))

    model = classifier(mg).to(dtype)
    restored = classifier(mg).to(dtype)
    restored.load_state_dict(round_trip(model.state_dict(), tmp_path / "classifier.pt"))
    x = mg.tensor(data.draw(arrays(dtype, (5, 4)), label="x"))
    np.testing.assert_array_equal(restored(x).detach().numpy(), model(x).detach().numpy())


def test_a_state_dict_from_torch_survives_the_trip_through_a_minigrad_file(tmp_path):
    theirs = torch.nn.RNN(3, 4, num_layers=2)
    save({k: v.numpy() for k, v in theirs.state_dict().items()}, tmp_path / "rnn.pt")
    ours = mg.nn.RNN(3, 4, num_layers=2)
    ours.load_state_dict(load(tmp_path / "rnn.pt", weights_only=False))  # NumPy arrays
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)


def test_the_loaded_tensors_own_their_memory():
    layer = mg.nn.Linear(2, 2)
    buffer = io.BytesIO()
    save(layer.state_dict(), buffer)
    buffer.seek(0)
    loaded = load(buffer)
    loaded["weight"]._data[...] = 7.0
    assert not (layer.weight.detach().numpy() == 7.0).any()


# ---------------------------------------------------------------------- any nested structure
def leaves() -> st.SearchStrategy[Any]:
    tensors = st.builds(
        lambda a, grad: mg.tensor(a, requires_grad=grad and a.dtype.kind == "f"),
        hnp.arrays(st.sampled_from(["float32", "float64", "int64", "int32", "uint8", "bool"]),
                   hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
        st.booleans(),
    )
    arrays_ = hnp.arrays(st.sampled_from(["float32", "float64", "int64", "bool", "complex128"]),
                         hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
    scalars = st.one_of(hnp.from_dtype(np.dtype("float32")), hnp.from_dtype(np.dtype("int64"))
                        ).map(lambda v: np.asarray(v)[()])
    return st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(), tensors, arrays_, scalars
    )


def keys() -> st.SearchStrategy[Any]:
    """Dict keys: ints (an optimizer's parameter ids), strings, tuples, None, bools."""
    return st.one_of(st.integers(), st.text(), st.none(), st.booleans(),
                     st.tuples(st.integers(), st.text()))


def nested() -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves(),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
                                st.dictionaries(keys(), inner, max_size=3)),
        max_leaves=10,
    )


@files
@given(obj=nested())
def test_nested_structures_round_trip_with_their_exact_types(tmp_path, obj):
    """NumPy arrays and scalars are pickled as NumPy pickles them: weights_only=False."""
    assert_identical(round_trip(obj, tmp_path / "state.pt", weights_only=False), obj)


def test_an_optimizer_like_state_dict_round_trips():
    state = {
        "state": {0: {"step": mg.tensor(3.0), "exp_avg": mg.zeros(2, 2),
                      "exp_avg_sq": mg.ones(2, 2, dtype=mg.float64)}},
        "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "amsgrad": False,
                          "foreach": None, "params": [0, 1]}],
    }
    buffer = io.BytesIO()
    save(state, buffer)
    buffer.seek(0)
    assert_identical(load(buffer), state)


def test_save_writes_exactly_the_path_given_and_file_objects_work(tmp_path):
    save({"a": 1}, tmp_path / "model.pt")
    save({"a": 1}, str(tmp_path / "other"))
    assert sorted(os.listdir(tmp_path)) == ["model.pt", "other"]
    with open(tmp_path / "model.pt", "rb") as f:
        assert load(f) == {"a": 1}
    # The file is PyTorch's zip archive, its folder named after the file as torch.save names it.
    with zipfile.ZipFile(tmp_path / "model.pt") as archive:
        assert "model/data.pkl" in archive.namelist()


def test_save_refuses_a_tensor_of_a_dtype_pytorch_has_no_storage_for(tmp_path):
    with pytest.raises(TypeError, match="cannot store"):
        save({"names": mg.Tensor._make(np.array(["a"]))}, tmp_path / "x.pt")


# ---------------------------------------------------------------- files that are not checkpoints
def test_a_missing_file_raises_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


@files
@given(data=st.data())
def test_a_truncated_checkpoint_raises_runtime_error(tmp_path, data):
    path = tmp_path / "model.pt"
    save(mg.nn.Linear(3, 2).state_dict(), path)
    content = path.read_bytes()
    path.write_bytes(content[: data.draw(st.integers(0, len(content) - 1), label="kept bytes")])
    with pytest.raises(RuntimeError, match="checkpoint"):
        load(path)


@files
@given(data=st.data())
def test_a_damaged_checkpoint_raises_runtime_error_or_loads_unchanged(tmp_path, data):
    """Some bytes of a zip archive (timestamps, ...) are not checked; any other change must be
    noticed, never turned into different values."""
    path = tmp_path / "model.pt"
    state = mg.nn.Linear(3, 2).state_dict()
    save(state, path)
    content = bytearray(path.read_bytes())
    position = data.draw(st.integers(0, len(content) - 1), label="position")
    content[position] ^= data.draw(st.integers(1, 255), label="flipped bits")
    path.write_bytes(bytes(content))
    try:
        loaded = load(path)
    except RuntimeError as error:
        assert "checkpoint" in str(error)
    else:
        assert_identical(loaded, state)


@files
@given(content=st.binary(max_size=200))
def test_arbitrary_bytes_raise_runtime_error(tmp_path, content):
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="checkpoint"):
        load(path)


class _Payload:
    """Unpickling this object would create a file: the proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def _foreign_files(directory: Path) -> dict[str, Path]:
    marker = directory / "code-ran"
    files = {name: directory / name for name in
             ("pickle.pt", "torch.pt", "plain.npz", "array.npy", "object-array.npz",
              "wrong-format.npz")}
    files["pickle.pt"].write_bytes(pickle.dumps({"weight": _Payload(marker)}))
    torch.save({"weight": _Payload(marker)}, files["torch.pt"])
    np.savez(files["plain.npz"], weight=np.zeros(3))
    np.save(files["array.npy"], np.zeros(3))
    np.savez(files["object-array.npz"], **{
        "0": np.array([_Payload(marker)], dtype=object),
        "structure": np.array('{"format": "minigrad.save", "version": 1, '
                              '"object": {"ndarray": "0"}}'),
    })
    np.savez(files["wrong-format.npz"], structure=np.array('{"format": "other"}'))
    return files


@pytest.mark.parametrize("name", ["pickle.pt", "plain.npz", "array.npy", "object-array.npz",
                                  "wrong-format.npz"])
def test_foreign_files_raise_runtime_error_and_never_run_code(tmp_path, name):
    path = _foreign_files(tmp_path)[name]
    with pytest.raises(RuntimeError, match="checkpoint"):
        load(path)
    assert not (tmp_path / "code-ran").exists()


# ------------------------------------------------------------------ forged and foreign entries
def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _forged_npy(descr: Any, shape: tuple[int, ...], data: bytes = b"") -> bytes:
    """An .npy entry whose header declares `descr` and `shape`, followed by `data`."""
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return out.getvalue() + data


def _checkpoint(path: Path, obj: Any, entries: dict[str, bytes]) -> Path:
    """A checkpoint written by hand: the encoded object `obj` and the .npy `entries`."""
    document = {"format": "minigrad.save", "version": 1, "object": obj}
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("structure.npy", _npy(np.array(json.dumps(document))))
        for name, content in entries.items():
            archive.writestr(f"{name}.npy", content)
    return path


def _state_dict_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The encoding of {"bias": <a good tensor>, "weight": `entry`}: arrays "0" and "1"."""
    return {"dict": [["bias", {"tensor": "0", "requires_grad": False}], ["weight", entry]]}


@pytest.mark.parametrize("array", [np.array(["a", "b"]), np.array([b"a", b"b"]),
                                   np.array([1 + 2j, 3j]), np.zeros(2, "M8[D]"),
                                   np.zeros(2, [("x", "f4"), ("y", "i8")]),
                                   np.zeros(2, np.uint16), np.zeros(2, ">f4")],
                         ids=["str", "bytes", "complex", "datetime", "structured", "uint16",
                              "big-endian"])
def test_a_tensor_of_a_dtype_minigrad_lacks_is_refused_naming_its_entry(tmp_path, array):
    path = _checkpoint(tmp_path / "model.pt",
                       _state_dict_of({"tensor": "1", "requires_grad": False}),
                       {"0": _npy(np.zeros(2, np.float32)), "1": _npy(array)})
    with pytest.raises(RuntimeError, match=r"checkpoint .*the tensor at \['weight'\] "
                                           r"\(entry '1'\) has dtype"):
        load(path)


@pytest.mark.parametrize("descr", ["|V0", "<U0", "|S0", [("x", "|V0")]],
                         ids=["void", "str", "bytes", "structured"])
@pytest.mark.parametrize("kind", ["tensor", "ndarray"])
def test_a_zero_width_entry_declaring_a_trillion_elements_is_refused(tmp_path, descr, kind):
    path = _checkpoint(tmp_path / "model.pt", _state_dict_of({kind: "1", "requires_grad": False}),
                       {"0": _npy(np.zeros(2, np.float32)), "1": _forged_npy(descr, (10**12,))})
    with pytest.raises(RuntimeError, match="checkpoint .*declares 1000000000000 elements"):
        load(path)


@pytest.mark.parametrize("shape", [(10**7,), (10**4, 10**3), (-1,), (-2, -4)])
def test_a_header_declaring_more_than_the_entry_holds_is_refused_before_allocating(tmp_path,
                                                                                  shape):
    """NumPy would allocate the declared 80 MB before finding 8 bytes of data."""
    path = _checkpoint(tmp_path / "model.pt", {"ndarray": "0"},
                       {"0": _forged_npy("<f8", shape, np.zeros(1).tobytes())})
    tracemalloc.start()
    try:
        with pytest.raises(RuntimeError, match="checkpoint"):
            load(path)
        assert tracemalloc.get_traced_memory()[1] < 10**6
    finally:
        tracemalloc.stop()


def test_a_compressed_entry_is_refused_because_mg_save_never_compresses(tmp_path):
    buffer = io.BytesIO()
    save({"weight": mg.ones(3)}, buffer)
    with zipfile.ZipFile(buffer) as written, \
            zipfile.ZipFile(tmp_path / "model.pt", "w", zipfile.ZIP_DEFLATED) as compressed:
        for name in written.namelist():
            compressed.writestr(name, written.read(name))
    with pytest.raises(RuntimeError, match="checkpoint .*compressed"):
        load(tmp_path / "model.pt")


@pytest.mark.parametrize("dtype", [[("x", "<f4"), ("y", "S3")], [("\u00e9t\u00e9", "<i2")],
                                   [("\u2026", "<f8", (2,))], "<U5", "S2", "M8[s]"],
                         ids=["structured", "latin-1-name", "utf-8-name", "str", "bytes",
                              "datetime"])
def test_arrays_of_any_dtype_save_writes_round_trip(tmp_path, dtype):
    """Only tensors are held to minigrad's dtypes; a NumPy array comes back as it was saved
    (a field name outside Latin-1 makes NumPy write its .npy format 3.0)."""
    array = np.zeros(3, dtype)
    assert_identical(round_trip({"extra": array}, tmp_path / "state.pt", weights_only=False),
                     {"extra": array})


@given(float_dtypes(), st.data(), st.booleans(), st.sampled_from(["leaf", "view", "result"]),
       st.booleans())
def test_pickle_and_deepcopy_of_a_tensor_keep_what_torchs_keep(dtype, data, requires_grad,
                                                                 kind, with_grad):
    """pickle keeps values and requires_grad (a new leaf, no .grad); deepcopy keeps .grad too,
    and refuses a tensor with history, as PyTorch's. A view pickles even after its base was
    viewed (the views' bookkeeping is not pickled)."""
    import copy

    x = data.draw(arrays(dtype, data.draw(hnp.array_shapes(min_dims=1, max_dims=2))))
    g = data.draw(arrays(dtype, x.shape))

    def make(lib):
        t = lib.tensor(x, requires_grad=requires_grad)
        if with_grad and requires_grad:
            t.grad = lib.tensor(g)
        return {"leaf": t, "view": t[:1], "result": t * 2}[kind]

    for how in (lambda t: pickle.loads(pickle.dumps(t)), copy.deepcopy):
        try:
            theirs = how(make(torch))
        except RuntimeError as error:
            with pytest.raises(RuntimeError, match="^Only Tensors created explicitly"):
                how(make(mg))
            assert "graph leaves" in str(error)
            continue
        ours = how(make(mg))
        assert_close(ours, theirs.detach())
        assert (ours.requires_grad, ours.is_leaf, ours._is_view()) == (
            theirs.requires_grad, theirs.is_leaf, theirs._is_view())
        assert (ours.grad is None) == (theirs.grad is None)
        if theirs.grad is not None:
            assert_close(ours.grad, theirs.grad)


# ------------------------------------------------------------- the same file in both libraries
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@st.composite
def shared_tensors(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[str, Any]]]:
    """A base array of any dtype (0-d and empty included) and ways to look at it: itself, a
    transpose, a slice with a step, a narrowing (an offset into the storage), requires_grad."""
    dtype = draw(st.sampled_from(DTYPES))
    base = draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0,
                                                     max_side=4)))
    ways = ["whole"] + (["step", "narrow"] if base.ndim else []) + (
        ["transpose"] if base.ndim >= 2 else [])
    views = draw(st.lists(st.tuples(st.sampled_from(ways), st.integers(1, 2)), min_size=1,
                          max_size=3))
    return base, views


def _view(lib: Any, base: Any, way: str, n: int) -> Any:
    return {"whole": lambda: base, "step": lambda: base[::n], "narrow": lambda: base[n:],
            "transpose": lambda: base.transpose(0, -1)}[way]()


@st.composite
def checkpoints(draw: st.DrawFn) -> tuple[list[Any], int]:
    """Nested containers holding tensors that share storages: built the same way in both
    libraries by `build(lib)`; `draw` picks the shape of the nesting."""
    groups = draw(st.lists(shared_tensors(), min_size=1, max_size=3))
    requires_grad = draw(st.booleans())
    layout = draw(st.sampled_from(["dict", "ordered", "list", "nested"]))

    def build(lib: Any) -> Any:
        leaves = []
        for base_array, views in groups:
            base = lib.tensor(base_array)
            if requires_grad and base.dtype.is_floating_point:
                base.requires_grad_(True)
                base = base.detach()  # views of a leaf that does not require grad...
                base.requires_grad_(True)  # ...and a leaf that does
            leaves += [_view(lib, base, way, n) for way, n in views]
        named = {f"t{i}": t for i, t in enumerate(leaves)}
        return {"dict": lambda: named, "ordered": lambda: OrderedDict(named),
                "list": lambda: leaves,
                "nested": lambda: {"state": {0: {"step": 3, "buffers": tuple(leaves)}},
                                   "groups": [{"lr": 0.5, "name": "é", "none": None}]},
                }[layout]()
    return build


def _flat(obj: Any) -> list[Any]:
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in _flat(v)]
    if isinstance(obj, (list, tuple)):
        return [t for v in obj for t in _flat(v)]
    return [obj] if isinstance(obj, (mg.Tensor, torch.Tensor)) else []


def _memory(t: Any) -> Any:
    """What a tensor's memory is part of: its storage (PyTorch) or root array (minigrad)."""
    if isinstance(t, torch.Tensor):
        return t.untyped_storage().data_ptr()
    array = t._data
    while isinstance(array.base, np.ndarray):
        array = array.base
    return id(array)


def assert_same_as_torch(ours: Any, theirs: Any) -> None:
    """Same structure (dict and OrderedDict told apart), and tensors with the same dtype,
    shape, bits and requires_grad; Parameters as Parameters."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor)
        assert isinstance(ours, mg.nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.requires_grad == theirs.requires_grad
        ours_bytes = np.ascontiguousarray(ours.detach().numpy()).tobytes()
        assert ours_bytes == theirs.detach().contiguous().numpy().tobytes()
        return
    assert type(ours) is type(theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            assert_same_as_torch(ours[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_same_as_torch(a, b)
    else:
        assert ours == theirs


def assert_same_sharing(first: Any, second: Any) -> None:
    """Two names for one tensor are one tensor in both; tensors sharing a storage share one in
    both (empty tensors own no memory to share)."""
    a, b = _flat(first), _flat(second)
    for i in range(len(a)):
        for j in range(i):
            assert (a[i] is a[j]) == (b[i] is b[j])
            if a[i].numel() and a[j].numel():
                assert (_memory(a[i]) == _memory(a[j])) == (_memory(b[i]) == _memory(b[j]))


@files
@given(build=checkpoints())
def test_minigrad_files_load_in_torch_with_weights_only(tmp_path, build):
    ours = build(mg)
    save(ours, tmp_path / "ours.pt")
    theirs = torch.load(tmp_path / "ours.pt", weights_only=True)
    assert_same_as_torch(ours, theirs)
    assert_same_sharing(ours, theirs)


@files
@given(build=checkpoints())
def test_torch_files_load_in_minigrad(tmp_path, build):
    theirs = build(torch)
    torch.save(theirs, tmp_path / "theirs.pt")
    ours = load(tmp_path / "theirs.pt")
    assert_same_as_torch(ours, theirs)
    assert_same_sharing(ours, theirs)
    for t in _flat(ours):  # a loaded tensor computes as any other
        assert_identical((t * 1).detach(), mg.tensor(t.detach().numpy()) * 1)


def test_parameters_and_buffer_file_layout_match_torch_save(tmp_path):
    """The entries torch.save writes, in its order, each storage 64-byte aligned."""
    torch.save({"p": torch.nn.Parameter(torch.ones(3)), "b": torch.zeros(2)}, tmp_path / "t.pt")
    save({"p": mg.nn.Parameter(mg.ones(3)), "b": mg.zeros(2)}, tmp_path / "m.pt")
    with zipfile.ZipFile(tmp_path / "t.pt") as theirs, zipfile.ZipFile(tmp_path / "m.pt") as ours:
        assert [n[2:] for n in ours.namelist()] == [n[2:] for n in theirs.namelist()]
        for name in ("t/byteorder", "t/version", "t/.format_version", "t/.storage_alignment"):
            assert ours.read("m/" + name[2:]) == theirs.read(name)
        for info in ours.infolist():
            if "/data/" in info.filename:
                assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0
    loaded = load(tmp_path / "t.pt")
    assert isinstance(loaded["p"], mg.nn.Parameter) and loaded["p"].requires_grad


# ------------------------------------------------------ model and optimizer, resumed elsewhere
def _train(lib: Any, model: Any, optimizer: Any, steps: int, seed: int) -> None:
    data = np.random.default_rng(seed).standard_normal((steps, 4, 3)).astype(np.float32)
    for x in data:
        optimizer.zero_grad()
        ((model(lib.tensor(x)) ** 2).mean()).backward()
        optimizer.step()


def _model_and_optimizer(lib: Any, kind: str) -> tuple[Any, Any]:
    model = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2))
    if kind == "sgd":
        return model, lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    return model, lib.optim.Adam(model.parameters(), lr=0.01, amsgrad=kind == "amsgrad")


def _params(model: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("kind", ["sgd", "adam", "amsgrad"])
@pytest.mark.parametrize("writer", [mg, torch], ids=["minigrad-writes", "torch-writes"])
def test_training_resumed_from_a_checkpoint_continues_bit_identically(tmp_path, kind, writer):
    """Train, checkpoint model and optimizer, keep training: a copy resumed from the file in
    the other library, saved back and resumed in the first, ends bit for bit where the
    uninterrupted run does; and the other library's own continuation follows it closely."""
    reader = torch if writer is mg else mg
    model, optimizer = _model_and_optimizer(writer, kind)
    _train(writer, model, optimizer, 3, seed=0)
    writer.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()},
                tmp_path / "a.pt")

    other_model, other_optimizer = _model_and_optimizer(reader, kind)
    checkpoint = reader.load(tmp_path / "a.pt", weights_only=True)
    other_model.load_state_dict(checkpoint["model"])
    other_optimizer.load_state_dict(checkpoint["optimizer"])
    reader.save({"model": other_model.state_dict(), "optimizer": other_optimizer.state_dict()},
                tmp_path / "b.pt")

    resumed_model, resumed_optimizer = _model_and_optimizer(writer, kind)
    checkpoint = writer.load(tmp_path / "b.pt", weights_only=True)
    resumed_model.load_state_dict(checkpoint["model"])
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])

    for lib, m, o in ((writer, model, optimizer), (writer, resumed_model, resumed_optimizer),
                      (reader, other_model, other_optimizer)):
        _train(lib, m, o, 4, seed=1)
    for a, b, c in zip(_params(model), _params(resumed_model), _params(other_model),
                       strict=True):
        np.testing.assert_array_equal(a, b, strict=True)
        np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------- whole objects, pickled
def test_a_whole_module_needs_weights_only_false_as_in_torch(tmp_path):
    model = mg.nn.Sequential(mg.nn.Linear(2, 3), mg.nn.ReLU())
    save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL minigrad.nn.*Sequential"):
        load(tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL minigrad.nn.*Sequential"):
        torch.load(tmp_path / "model.pt", weights_only=True)
    loaded = load(tmp_path / "model.pt", weights_only=False)
    x = mg.randn(4, 2)
    assert_identical(loaded(x), model(x))
    assert isinstance(loaded[0].weight, mg.nn.Parameter)


def test_an_earlier_minigrad_checkpoint_still_loads(tmp_path):
    """Written as minigrad's .npz format was: a JSON structure and .npy entries."""
    path = _checkpoint(tmp_path / "old.pt",
                       _state_dict_of({"tensor": "1", "requires_grad": True}),
                       {"0": _npy(np.arange(2, dtype=np.float32)),
                        "1": _npy(np.ones((2, 2), np.float64))})
    assert_identical(load(path), {"bias": mg.arange(2.0),
                                  "weight": mg.ones(2, 2, dtype=mg.float64, requires_grad=True)})


# ------------------------------------------------------------------------ malicious files
def _torch_archive(path: Path, pickled: bytes, entries: dict[str, bytes] | None = None,
                   folder: str = "archive") -> Path:
    """A file laid out as torch.save's, with the pickle `pickled` and storage `entries`."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{folder}/data.pkl", pickled)
        archive.writestr(f"{folder}/byteorder", "little")
        for key, content in (entries or {}).items():
            archive.writestr(f"{folder}/data/{key}", content)
        archive.writestr(f"{folder}/version", "3\n")
    return path


class _Call:
    """Pickles as the call function(*args): what a malicious pickle runs when it is loaded."""

    def __init__(self, function: Any, *args: Any) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self.function, self.args


def _payloads(marker: Path) -> dict[str, bytes]:
    code = f"open({str(marker)!r}, 'w').close()"
    return {
        "os.system": pickle.dumps({"w": _Call(os.system, f"touch {marker}")}, protocol=2),
        "builtins.eval": pickle.dumps({"w": _Call(eval, code)}, protocol=2),
        "builtins.exec": pickle.dumps([_Call(exec, code)], protocol=4),
        "getattr": pickle.dumps(_Call(Path.touch, marker), protocol=2),
        "class": pickle.dumps({"m": _Payload(marker)}, protocol=0),
        # INST: the protocol 0 form of "call this class", with no GLOBAL instruction at all.
        "inst": b"(V" + str(marker).encode() + b"\nipathlib\nPath\n.",
    }


@pytest.mark.parametrize("payload, named", [
    ("os.system", "GLOBAL posix.system"), ("builtins.eval", "GLOBAL builtins.eval"),
    ("builtins.exec", "GLOBAL builtins.exec"), ("getattr", "GLOBAL builtins.getattr"),
    ("class", "GLOBAL builtins.getattr"), ("inst", "instruction INST")])
def test_a_pickle_that_would_run_code_is_refused_naming_it_and_nothing_runs(tmp_path, payload,
                                                                           named):
    marker = tmp_path / "code-ran"
    path = _torch_archive(tmp_path / "evil.pt", _payloads(marker)[payload])
    with pytest.raises(pickle.UnpicklingError, match=named):
        load(path)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_a_torch_file_of_a_pickled_object_is_refused_naming_the_global(tmp_path):
    path = _foreign_files(tmp_path)["torch.pt"]
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL builtins\.getattr"):
        load(path)
    assert not (tmp_path / "code-ran").exists()


def _tensor_pickle(storage_type: str, numel: int, size: tuple[int, ...], stride: tuple[int, ...],
                   offset: int = 0) -> bytes:
    """The pickle of {"w": tensor} as torch.save writes it, with any storage and view."""
    storage = _Global("torch", storage_type)
    tensor = _Call(_Global("torch._utils", "_rebuild_tensor_v2"),
                   _Storage("0", np.zeros(1)), offset, size, stride, False, {})
    buffer = io.BytesIO()
    pickler = _TorchPickler(buffer, 2)
    pickler.storage_type = storage
    pickler.numel = numel
    pickler.dump({"w": tensor})
    return buffer.getvalue()


class _TorchPickler(_Pickler):
    """minigrad's writer, told which storage type and element count to declare."""

    storage_type: Any
    numel: int

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, _Storage):
            return ("storage", self.storage_type, "0", "cpu", self.numel)
        return None


@pytest.mark.parametrize("numel, size, stride, offset, entry", [
    (10**12, (10**12,), (1,), 0, 8),  # a storage declaring a trillion floats in 8 bytes
    (4, (4,), (1,), 0, 8),  # declaring more than its entry holds
    (1, (10**6,), (1,), 0, 4),  # a view reaching past its storage
    (1, (2, 2), (0, 10**9), 0, 4),
    (1, (1,), (1,), 5, 4),  # an offset past the storage
    (2, (2,), (-1,), 1, 8),
], ids=["huge-numel", "short-entry", "long-view", "far-stride", "far-offset", "negative-stride"])
def test_a_storage_or_view_larger_than_the_file_is_refused_before_allocating(
        tmp_path, numel, size, stride, offset, entry):
    path = _torch_archive(tmp_path / "big.pt",
                          _tensor_pickle("FloatStorage", numel, size, stride, offset),
                          {"0": bytes(entry)})
    tracemalloc.start()
    try:
        with pytest.raises((RuntimeError, pickle.UnpicklingError), match="checkpoint|stride"):
            load(path)
        assert tracemalloc.get_traced_memory()[1] < 10**6
    finally:
        tracemalloc.stop()
    with pytest.raises((RuntimeError, pickle.UnpicklingError)):
        torch.load(path, weights_only=True)


def test_a_storage_with_a_corrupted_crc_is_refused(tmp_path):
    save({"w": mg.arange(64.0)}, tmp_path / "model.pt")
    content = bytearray((tmp_path / "model.pt").read_bytes())
    start = content.index(np.arange(64.0, dtype=np.float32).tobytes())
    content[start + 100] ^= 1
    (tmp_path / "model.pt").write_bytes(bytes(content))
    with pytest.raises(RuntimeError, match="checkpoint.*CRC"):
        load(tmp_path / "model.pt")


@pytest.mark.parametrize("name", ["archive/../../evil", "/archive/data/1", "archive/data/..\\x"])
def test_an_entry_naming_a_path_outside_the_archive_is_refused(tmp_path, name):
    path = tmp_path / "evil.pt"
    save({"w": mg.ones(2)}, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(name, b"x")
    with pytest.raises(RuntimeError, match="checkpoint .*entry named"):
        load(path)
    assert not (tmp_path.parent / "evil").exists()


@pytest.mark.parametrize("instruction, refusal", [
    (b"\x82\x01.", "instruction EXT1"),  # a call through copyreg's extension registry
    (b"})\x81.", "unrecognized function {}"),  # NEWOBJ of something that is not a class
    (b"}(tb.", "Can only build OrderedDict"),  # BUILD: setting attributes of a dict
    (b"\x8c\x08builtins\x8c\x04eval\x93.", "GLOBAL builtins.eval"),  # STACK_GLOBAL
    # A call to an allowed class, with arguments it refuses: OrderedDict("x").
    (b"ccollections\nOrderedDict\n\x8c\x01x\x85R.", "ValueError"),
], ids=["EXT1", "NEWOBJ", "BUILD", "STACK_GLOBAL", "bad-arguments"])
def test_instructions_that_could_run_code_are_refused_naming_them(tmp_path, instruction,
                                                                  refusal):
    path = _torch_archive(tmp_path / "evil.pt", b"\x80\x02" + instruction)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed") as refused:
        load(path)
    assert refusal in str(refused.value)


def test_a_bool_storage_byte_other_than_0_or_1_loads_as_true(tmp_path):
    path = _torch_archive(tmp_path / "bool.pt", _tensor_pickle("BoolStorage", 3, (3,), (1,)),
                          {"0": bytes([0, 1, 7])})
    assert_identical(load(path)["w"], mg.tensor([False, True, True]))
    assert load(path)["w"].logical_not().tolist() == [True, False, False]


def test_loading_needs_no_pytorch(tmp_path):
    torch.save({"w": torch.arange(3.0), "p": torch.nn.Parameter(torch.ones(2))}, tmp_path / "t.pt")
    script = ("import sys; sys.modules['torch'] = None\n"  # any `import torch` now fails
              "import minigrad\n"
              f"loaded = minigrad.load({str(tmp_path / 't.pt')!r})\n"
              "print(loaded['w'].tolist(), type(loaded['p']).__name__)")
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, cwd=Path(mg.__file__).parent.parent)
    assert result.stdout.split() == ["[0.0,", "1.0,", "2.0]", "Parameter"]


@pytest.mark.parametrize("value", [{1, 2}, 1 + 2j, b"a\xff", bytearray(b"a\xff"), frozenset({1}),
                                   np.zeros(2), np.float32(1), range(3), slice(1), Ellipsis,
                                   mg.float32, OrderedDict(a=[()])],
                         ids=lambda v: type(v).__name__)
def test_weights_only_accepts_exactly_what_torchs_weights_only_accepts(tmp_path, value):
    save({"value": value}, tmp_path / "value.pt")
    try:
        theirs = torch.load(tmp_path / "value.pt", weights_only=True)
    except pickle.UnpicklingError:
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL"):
            load(tmp_path / "value.pt")
    else:
        assert_identical(load(tmp_path / "value.pt"), theirs)


@pytest.mark.parametrize("array", [np.arange(6.0)[::-1], np.asfortranarray(np.ones((2, 3))),
                                   np.arange(12).reshape(3, 4)[:, ::-2],
                                   np.arange(8, dtype=np.int32).view(np.int16)[1::3],
                                   np.broadcast_to(np.arange(3.0), (2, 3))],
                         ids=["reversed", "fortran", "negative-step", "reinterpreted", "expanded"])
def test_tensors_over_memory_no_torch_storage_describes_are_saved_as_copies(tmp_path, array):
    save({"t": mg.Tensor._make(array)}, tmp_path / "t.pt")
    theirs = torch.load(tmp_path / "t.pt", weights_only=True)["t"]
    assert_same_as_torch(load(tmp_path / "t.pt")["t"], theirs)
    np.testing.assert_array_equal(theirs.numpy(), array, strict=True)

"""mg.save / mg.load: round trips of module state dicts and of any nested structure, and the
refusal of files that are not checkpoints (truncated, damaged, foreign, pickled), without ever
running code from them."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import tracemalloc
import zipfile
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
from minigrad.serialization import load, save

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


def round_trip(obj: Any, path: Path) -> Any:
    save(obj, path)
    return load(path)


# ---------------------------------------------------------------------- state dicts
@files
@given(recipe=module_recipes(), dtype=float_dtypes())
def test_a_module_state_dict_round_trips_and_loads_into_a_fresh_model(tmp_path, recipe, dtype):
    model = build(mg.nn, recipe).to(dtype)
    state = model.state_dict()
    loaded = round_trip(state, tmp_path / "model.pt")
    assert_identical(loaded, dict(state))
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
    ours.load_state_dict(load(tmp_path / "rnn.pt"))
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
    assert_identical(round_trip(obj, tmp_path / "state.pt"), obj)


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
    # The file is a plain .npz archive, readable with NumPy and no pickle.
    with np.load(tmp_path / "model.pt", allow_pickle=False) as archive:
        assert "structure" in archive.files


@pytest.mark.parametrize("value", [mg.nn.Linear(2, 2), {1, 2}, print, np.array([{}], object),
                                   {"nested": [object()]}, mg.Tensor._make(np.array(["a"]))])
def test_save_refuses_what_it_cannot_store_with_type_error(tmp_path, value):
    with pytest.raises(TypeError, match="cannot store"):
        save(value, tmp_path / "x.pt")


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
        assert_identical(loaded, dict(state))


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


@pytest.mark.parametrize("name", ["pickle.pt", "torch.pt", "plain.npz", "array.npy",
                                  "object-array.npz", "wrong-format.npz"])
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
    assert_identical(round_trip({"extra": array}, tmp_path / "state.pt"), {"extra": array})


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

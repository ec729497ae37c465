"""minigrad.Size and the dtype objects against torch.Size and torch.dtype: what they print (with
'torch' written 'minigrad'), their attributes, and the tuple operations of a Size."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing.strategies import shapes, tensors

# PyTorch's dtype names and aliases; bfloat16 is left out: NumPy has no such type.
DTYPE_NAMES = ["float16", "half", "float32", "float", "float64", "double", "int8", "int16",
               "short", "int32", "int", "int64", "long", "uint8", "bool"]


def ours(text: str) -> str:
    return text.replace("torch", "minigrad")


# ------------------------------------------------------------------ Size
@given(shapes(allow_empty=True))
def test_size_prints_as_torch_size(shape):
    assert repr(mg.Size(shape)) == ours(repr(torch.Size(shape)))
    assert str(mg.Size(shape)) == ours(str(torch.Size(shape)))


@given(shapes(allow_empty=True), st.data())
def test_size_operations_return_what_torch_size_returns(shape, data):
    """Slices, + with a tuple on either side and * give a Size; an index gives an int."""
    other = data.draw(shapes(max_dims=2))
    start, stop = data.draw(st.integers(-5, 5)), data.draw(st.integers(-5, 5))
    a, b = mg.Size(shape), torch.Size(shape)
    pairs = [(a[start:stop], b[start:stop]), (a + other, b + other), (other + a, other + b),
             (a * 2, b * 2), (2 * a, 2 * b)]
    for mine, theirs in pairs:
        assert type(mine) is mg.Size and type(theirs) is torch.Size
        assert repr(mine) == ours(repr(theirs))
    if shape:
        assert a[-1] == b[-1] and type(a[-1]) is int
    assert a.numel() == b.numel()
    assert a == tuple(shape) and a == b and hash(a) == hash(tuple(shape))
    assert isinstance(a, tuple) and len(a) == len(b)


def test_size_from_a_list_pickles_and_refuses_non_ints():
    size = mg.Size([3, np.int64(4)])
    assert repr(size) == "minigrad.Size([3, 4])"
    again = pickle.loads(pickle.dumps(size))
    assert type(again) is mg.Size and again == size
    with pytest.raises(TypeError) as theirs:
        torch.Size([3, 1.5])
    with pytest.raises(TypeError) as mine:
        mg.Size([3, 1.5])
    assert str(mine.value) == ours(str(theirs.value))


@given(tensors(allow_empty=True))
def test_shape_and_size_are_sizes(x):
    t = torch.from_numpy(x.detach().numpy().copy())
    assert type(x.shape) is mg.Size and type(x.size()) is mg.Size
    assert repr(x.shape) == ours(repr(t.shape)) and repr(x.size()) == ours(repr(t.size()))
    for d in range(-x.ndim, x.ndim):
        assert x.size(d) == t.size(d) and type(x.size(d)) is int


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_prints_and_answers_as_torch_dtype(name):
    mine, theirs = getattr(mg, name), getattr(torch, name)
    assert isinstance(mine, mg.dtype)
    assert repr(mine) == ours(repr(theirs)) and str(mine) == ours(str(theirs))
    for attribute in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(mine, attribute) == getattr(theirs, attribute), attribute
    assert repr(mine.to_real()) == ours(repr(theirs.to_real()))


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int64", "bool", "float16"])
def test_to_complex_as_torch(name):
    mine, theirs = getattr(mg, name), getattr(torch, name)
    try:
        expected = theirs.to_complex()
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=str(error)):
            mine.to_complex()
    else:
        if name == "float16":  # torch.complex32 has no NumPy counterpart
            with pytest.raises(RuntimeError):
                mine.to_complex()
        else:
            assert repr(mine.to_complex()) == ours(repr(expected))


def test_dtypes_are_one_object_each_hashable_and_picklable():
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert mg.half is mg.float16 and mg.int is mg.int32 and mg.short is mg.int16
    assert mg.float32 != mg.float64 and len({mg.float32, mg.float, mg.float64}) == 2
    assert pickle.loads(pickle.dumps(mg.float64)) is mg.float64
    assert not hasattr(mg, "bfloat16")  # NumPy cannot represent it


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_tensor_dtype_is_the_dtype_object_and_numpy_accepts_it(name):
    d = getattr(mg, name)
    x = mg.zeros(2, dtype=d)
    assert x.dtype is d and x.dtype == d
    assert repr(x) == ours(repr(torch.zeros(2, dtype=getattr(torch, name))))
    assert np.zeros(2, dtype=d).dtype == d and np.dtype(d) == d.dtype
    assert x.to(mg.int64).dtype is mg.int64 and mg.ones(2).to(d).dtype is d
    assert mg.tensor([1, 2], dtype=d).to(dtype=mg.float64).dtype is mg.float64


def test_default_dtype_is_a_dtype_object():
    assert mg.get_default_dtype() is mg.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.get_default_dtype() is mg.float64 and mg.tensor([1.0]).dtype is mg.float64
    finally:
        mg.set_default_dtype(mg.float32)


# ------------------------------------------------------------------ finfo and iinfo
@pytest.mark.parametrize("name", ["float16", "float32", "float64", None])
def test_finfo_as_torch(name):
    mine = mg.finfo() if name is None else mg.finfo(getattr(mg, name))
    theirs = torch.finfo() if name is None else torch.finfo(getattr(torch, name))
    for attribute in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                      "dtype"):
        assert getattr(mine, attribute) == getattr(theirs, attribute), attribute
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8"])
def test_iinfo_as_torch(name):
    mine, theirs = mg.iinfo(getattr(mg, name)), torch.iinfo(getattr(torch, name))
    for attribute in ("bits", "max", "min", "dtype"):
        assert getattr(mine, attribute) == getattr(theirs, attribute), attribute
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("call", ["finfo(int32)", "iinfo(float32)", "iinfo(bool)",
                                  "finfo('float32')"])
def test_finfo_and_iinfo_refuse_as_torch(call):
    function, argument = call[:-1].split("(")
    def run(lib):
        value = argument.strip("'") if argument.startswith("'") else getattr(lib, argument)
        return getattr(lib, function)(value)
    with pytest.raises(TypeError) as theirs:
        run(torch)
    with pytest.raises(TypeError) as mine:
        run(mg)
    assert str(mine.value) == ours(str(theirs.value))


# ------------------------------------------------------------------ promotion, exposed
names = st.sampled_from(DTYPE_NAMES)


@given(names, names)
def test_promote_types_and_can_cast_as_torch(a, b):
    promoted = mg.promote_types(getattr(mg, a), getattr(mg, b))
    assert repr(promoted) == ours(repr(torch.promote_types(getattr(torch, a), getattr(torch, b))))
    assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == torch.can_cast(getattr(torch, a),
                                                                        getattr(torch, b))


def _operand(draw: st.DrawFn, label: str):
    """A tensor of a drawn dtype with 0 or 1 dims, or a Python (or NumPy) number, in both
    libraries."""
    kind = draw(st.sampled_from(["tensor", "0-d tensor", "bool", "int", "float", "numpy"]),
                label=f"{label} kind")
    if kind.endswith("tensor"):
        name = draw(names, label=f"{label} dtype")
        shape = () if kind == "0-d tensor" else (2,)
        return tuple(lib.zeros(shape, dtype=getattr(lib, name)) for lib in (mg, torch))
    value = {"bool": True, "int": 3, "float": 2.5, "numpy": np.float64(1.5)}[kind]
    return value, value


@given(st.data())
def test_result_type_as_torch(data):
    (a, ta), (b, tb) = (_operand(data.draw, label) for label in ("tensor", "other"))
    assert repr(mg.result_type(a, b)) == ours(repr(torch.result_type(ta, tb)))


@pytest.mark.parametrize("call", [
    lambda lib: lib.promote_types(1, lib.float32),
    lambda lib: lib.promote_types(lib.float32, "float64"),
    lambda lib: lib.can_cast(lib.int32, None),
    lambda lib: lib.can_cast(np.float32, lib.int32),
    lambda lib: lib.result_type(1, "a"),
    lambda lib: lib.result_type(lib.ones(1), [1]),
], ids=["promote int", "promote str", "can_cast None", "can_cast numpy", "result str",
        "result list"])
def test_dtype_functions_refuse_what_torch_refuses(call):
    with pytest.raises(TypeError) as theirs:
        call(torch)
    with pytest.raises(TypeError) as mine:
        call(mg)
    assert str(mine.value).splitlines()[0] == ours(str(theirs.value).splitlines()[0])


def test_constants_are_torchs():
    for name in ("pi", "e", "inf"):
        assert getattr(mg, name) == getattr(torch, name)
    assert np.isnan(mg.nan) and mg.newaxis is torch.newaxis

"""Making tensors as PyTorch does: arange, linspace and logspace give its numbers bit for bit;
every creation function has its signature, defaults and errors; the legacy constructors
(`Tensor(2, 3)`, `LongTensor([1, 2])`), `x.type()`, `autograd.Variable` and the small
conveniences (`format`, `element_size`, ...) behave as PyTorch's.

Most cases are one call run on both libraries (`call(lib)`, `lib` being `torch` or `minigrad`):
both return the same thing or raise the same exception with the same message.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg

Call = Callable[[Any], Any]

RANGE_DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8"]


def outcome(call: Call, lib: Any) -> tuple[str, str]:
    """What `call(lib)` does, in words both libraries share: the error's type and message, or
    the value (a tensor by its values, dtype and shape; a dtype by its name)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = call(lib)
    except Exception as error:
        return "error", f"{type(error).__name__}: {error}".replace("torch.", "minigrad.")
    if isinstance(value, (torch.dtype, mg.dtype)):
        return "value", str(value).replace("torch.", "minigrad.")
    if isinstance(value, (torch.Tensor, mg.Tensor)):
        dtype = str(value.dtype).replace("torch.", "minigrad.")
        return "value", f"{value.tolist()} {dtype} {tuple(value.shape)} {value.requires_grad}"
    if isinstance(value, (torch.Size, mg.Size)):
        return "value", repr(tuple(value))
    return "value", repr(value).replace("torch.", "minigrad.")


def assert_same(call: Call) -> None:
    assert outcome(call, mg) == outcome(call, torch)


def both(dtype: str) -> tuple[Any, Any]:
    return getattr(mg, dtype, np.dtype(dtype)), getattr(torch, dtype)


def assert_bits_equal(ours: mg.Tensor, theirs: torch.Tensor) -> None:
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "minigrad.")
    expected = theirs.numpy()
    assert ours.shape == expected.shape
    np.testing.assert_array_equal(ours.numpy().view(np.uint8), expected.view(np.uint8))


# ---------------------------------------------------------------------- ranges, bit for bit
numbers = st.one_of(
    st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
    st.integers(-1000, 1000),
    st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False),
)


def test_linspace_minus_pi_to_pi_is_pytorchs_bit_for_bit() -> None:
    """The issue's example: NumPy's linspace differs from PyTorch's in 604 of these 2000."""
    assert_bits_equal(mg.linspace(-math.pi, math.pi, 2000), torch.linspace(-math.pi, math.pi, 2000))


@given(start=numbers, end=numbers, steps=st.integers(0, 3000),
       dtype=st.sampled_from(RANGE_DTYPES))
def test_linspace_is_pytorchs_bit_for_bit(start: float, end: float, steps: int,
                                          dtype: str) -> None:
    if dtype == "uint8":
        start, end = abs(start) % 256, abs(end) % 256
    ours, theirs = both(dtype)
    assert_bits_equal(mg.linspace(start, end, steps, dtype=ours),
                      torch.linspace(start, end, steps, dtype=theirs))


@given(start=numbers, step=st.one_of(st.floats(1e-3, 100.0), st.integers(1, 50)),
       count=st.integers(0, 2000), negative=st.booleans(), extra=st.floats(0.0, 1.0),
       dtype=st.sampled_from(["float32", "float64", "float16", "int64", "int32"]))
def test_arange_is_pytorchs_bit_for_bit(start: float, step: float, count: int, negative: bool,
                                        extra: float, dtype: str) -> None:
    """Drawn so that about `count` numbers come out; the sizes and every bit as PyTorch's."""
    if dtype == "float16":
        start, step, count = float(start) / 100, float(step) / 100, min(count, 200)
    step = -step if negative else step
    end = start + step * (count + extra)
    if dtype in ("int64", "int32") and int(step) == 0:
        step = 1 if step > 0 else -1
    ours, theirs = both(dtype)
    assert_bits_equal(mg.arange(start, end, step, dtype=ours),
                      torch.arange(start, end, step, dtype=theirs))


@given(start=st.floats(-30, 30), end=st.floats(-30, 30), steps=st.integers(0, 1000),
       base=st.sampled_from([10.0, 2.0, math.e, 0.5, 7.3]),
       dtype=st.sampled_from(["float32", "float64"]))
def test_logspace_is_pytorchs_bit_for_bit(start: float, end: float, steps: int, base: float,
                                          dtype: str) -> None:
    ours, theirs = both(dtype)
    assert_bits_equal(mg.logspace(start, end, steps, base=base, dtype=ours),
                      torch.logspace(start, end, steps, base=base, dtype=theirs))


@given(start=st.integers(-50, 50), end=st.integers(-50, 50), steps=st.integers(0, 40),
       base=st.sampled_from([10.0, 2.0, 3.0]))
def test_integer_logspace_and_defaults_as_pytorchs(start: int, end: int, steps: int,
                                                   base: float) -> None:
    assert_same(lambda lib: lib.logspace(start % 6, end % 6, steps, base=base, dtype=lib.int64))
    assert_same(lambda lib: lib.linspace(start, end, steps))
    assert_same(lambda lib: lib.arange(start, end, 1 if end >= start else -1))
    assert_same(lambda lib: lib.arange(abs(end)))


RANGES = {
    "arange(n) is int64": lambda lib: lib.arange(5),
    "arange of a float is float32": lambda lib: lib.arange(5.0),
    "arange of a 0-d tensor": lambda lib: lib.arange(lib.tensor(4)),
    "arange int64 truncates start and step, counts in integers": lambda lib: lib.arange(
        0.5, 10, 2.5, dtype=lib.int64),
    "arange int32 counts from the numbers given": lambda lib: lib.arange(
        0.5, 10, 2.5, dtype=lib.int32),
    "arange step 0": lambda lib: lib.arange(0, 1, 0),
    "arange int64 step truncated to 0": lambda lib: lib.arange(0, 5, 0.5, dtype=lib.int64),
    "arange wrong sign": lambda lib: lib.arange(1, 0, 1),
    "arange to inf": lambda lib: lib.arange(0, math.inf),
    "arange to nan": lambda lib: lib.arange(0, math.nan),
    "arange bool": lambda lib: lib.arange(0, 3, dtype=lib.bool),
    "arange requires_grad": lambda lib: lib.arange(3.0, requires_grad=True),
    "arange out= resized": lambda lib: lib.arange(0, 1, 0.25, out=lib.zeros(2, dtype=lib.float64)),
    "linspace 0 steps": lambda lib: lib.linspace(0, 1, 0),
    "linspace 1 step is start": lambda lib: lib.linspace(3, 1, 1),
    "linspace negative steps": lambda lib: lib.linspace(0, 1, -1),
    "linspace integer": lambda lib: lib.linspace(-3.7, 10.2, 7, dtype=lib.int64),
    "linspace bool": lambda lib: lib.linspace(0, 1, 3, dtype=lib.bool),
    "linspace of 0-d tensors": lambda lib: lib.linspace(lib.tensor(0.0), lib.tensor(1.0), 5),
    "linspace out=": lambda lib: lib.linspace(0, 1, 3, out=lib.zeros(3, dtype=lib.float64)),
    "logspace base 2": lambda lib: lib.logspace(0, 2, 3, base=2),
    "logspace 1 step": lambda lib: lib.logspace(3, 2, 1),
    "logspace negative steps": lambda lib: lib.logspace(0, 1, -1),
    "logspace int64": lambda lib: lib.logspace(0, 2, 3, dtype=lib.int64),
}


@pytest.mark.parametrize("call", RANGES.values(), ids=RANGES.keys())
def test_range_defaults_and_errors_as_pytorchs(call: Call) -> None:
    assert_same(call)


# ---------------------------------------------------------------------- creation functions
CREATION = {
    "eye": lambda lib: lib.eye(3),
    "eye n x m": lambda lib: lib.eye(2, 3),
    "eye bool": lambda lib: lib.eye(2, dtype=lib.bool),
    "eye negative n": lambda lib: lib.eye(-1),
    "eye negative m": lambda lib: lib.eye(2, -1),
    "eye out=": lambda lib: lib.eye(2, out=lib.ones(4)),
    "scalar_tensor": lambda lib: lib.scalar_tensor(3),
    "scalar_tensor of a bool": lambda lib: lib.scalar_tensor(True),
    "scalar_tensor int64": lambda lib: lib.scalar_tensor(3, dtype=lib.int64),
    "empty sizes": lambda lib: lib.empty(2, 3).shape,
    "empty negative": lambda lib: lib.empty(-1),
    "ones negative": lambda lib: lib.ones(2, -1),
    "ones float size": lambda lib: lib.ones(2.5),
    "ones float size among ints": lambda lib: lib.ones(2, 2.5),
    "ones float size in a list": lambda lib: lib.ones([2.0]),
    "zeros float size": lambda lib: lib.zeros(2.5),
    "rand float size": lambda lib: lib.rand(2.5),
    "empty str size": lambda lib: lib.empty("a"),
    "randn str size among ints": lambda lib: lib.randn(2, "a"),
    "zeros negative": lambda lib: lib.zeros(-2, 3),
    "zeros list size": lambda lib: lib.zeros([2, 3]),
    "empty_like keeps the dtype": lambda lib: lib.empty_like(lib.ones(2, dtype=lib.int32)).dtype,
    "full_like casts the fill": lambda lib: lib.full_like(lib.ones(2, dtype=lib.int64), 2.7),
    "full of a bool is bool": lambda lib: lib.full((2,), True),
    "full of an int size": lambda lib: lib.full(2, 1.0),
    "full of a str": lambda lib: lib.full((2,), "a"),
    "full of None": lambda lib: lib.full((2,), None),
    "full of a 0-d tensor": lambda lib: lib.full((2,), lib.tensor(3.0)),
    "full of a 1-d tensor": lambda lib: lib.full((2,), lib.tensor([3.0])),
    "full of a list size": lambda lib: lib.full([2], 1),
    "full_like of a str": lambda lib: lib.full_like(lib.ones(2), "a"),
    "dtype=float is float64": lambda lib: lib.ones(2, dtype=float),
    "to(float) is float64": lambda lib: lib.ones(2).to(float),
    "tensor(dtype=float) is float64": lambda lib: lib.tensor([1, 2], dtype=float),
    "dtype=int and bool": lambda lib: (lib.zeros(1, dtype=int), lib.zeros(1, dtype=bool)),
    "zeros_like of a list": lambda lib: lib.zeros_like([1.0]),
    "rand_like of a list": lambda lib: lib.rand_like([1.0]),
    "rand_like of an int tensor": lambda lib: lib.rand_like(lib.ones(2, dtype=lib.int64)),
    "randn_like of an int tensor": lambda lib: lib.randn_like(lib.ones(2, dtype=lib.int64)),
    "randn_like float64": lambda lib: lib.randn_like(lib.ones(2, 3, dtype=lib.float64)).shape,
    "randn_like dtype": lambda lib: lib.randn_like(lib.ones(2), dtype=lib.float64).dtype,
    "rand_like requires_grad": lambda lib: lib.rand_like(lib.ones(2), requires_grad=True)
    .requires_grad,
    "randint_like high": lambda lib: lib.randint_like(lib.ones(3), 5).dtype,
    "randint_like low high": lambda lib: (lib.randint_like(lib.ones(3), 2, 5) >= 2).all(),
    "randint_like empty range": lambda lib: lib.randint_like(lib.ones(2), 5, 2),
    "normal sizes": lambda lib: lib.normal(2.0, 3.0, size=(4, 2)).shape,
    "normal of tensors": lambda lib: lib.normal(lib.zeros(2, 3), 1.0).shape,
    "normal broadcasts": lambda lib: lib.normal(lib.zeros(3), lib.ones(2, 1)).shape,
    "normal keeps float64": lambda lib: lib.normal(lib.zeros(2, dtype=lib.float64), 1.0).dtype,
    "normal negative std": lambda lib: lib.normal(0.0, -1.0, (2,)),
    "normal shapes that do not broadcast": lambda lib: lib.normal(lib.zeros(2), lib.ones(3)),
    "normal int mean": lambda lib: lib.normal(lib.zeros(2, dtype=lib.int64), 1.0),
    "from_numpy of a list": lambda lib: lib.from_numpy([1]),
    "as_tensor of ints": lambda lib: lib.as_tensor([1, 2]),
    "is_tensor": lambda lib: (lib.is_tensor(lib.ones(1)), lib.is_tensor([1.0])),
    "is_tensor of a Parameter": lambda lib: lib.is_tensor(lib.nn.Parameter(lib.ones(1))),
    "numel": lambda lib: lib.numel(lib.ones(2, 3)),
    "numel of a list": lambda lib: lib.numel([1]),
    "is_floating_point": lambda lib: (lib.is_floating_point(lib.ones(1)),
                                      lib.is_floating_point(lib.ones(1, dtype=lib.int64))),
    "is_floating_point of a list": lambda lib: lib.is_floating_point([1.0]),
}


@pytest.mark.parametrize("call", CREATION.values(), ids=CREATION.keys())
def test_creation_functions_as_pytorchs(call: Call) -> None:
    assert_same(call)


def test_normal_moments_follow_mean_and_std() -> None:
    mg.manual_seed(0)
    x = mg.normal(mg.full((20000,), 3.0), 2.0)
    assert abs(x.mean().item() - 3.0) < 0.1 and abs(x.std().item() - 2.0) < 0.1


def test_from_numpy_shares_memory() -> None:
    array = np.zeros(3, dtype=np.float64)
    t = mg.from_numpy(array)
    array[0] = 5.0
    assert t.dtype == mg.float64 and t[0].item() == 5.0


# ---------------------------------------------------------------------- legacy constructors
LEGACY = {
    "Tensor(2, 3) is of that shape": lambda lib: tuple(lib.Tensor(2, 3).shape),
    "Tensor(2, 3) is float32": lambda lib: lib.Tensor(2, 3).dtype,
    "Tensor() is empty": lambda lib: lib.Tensor(),
    "Tensor(list) is float32": lambda lib: lib.Tensor([1, 2]),
    "Tensor(tuple) is data": lambda lib: lib.Tensor((2, 3)),
    "Tensor(float)": lambda lib: lib.Tensor(2.5),
    "Tensor(negative size)": lambda lib: lib.Tensor(2, -1),
    "Tensor(str)": lambda lib: lib.Tensor("a"),
    "Tensor(int tensor) keeps it": lambda lib: lib.Tensor(lib.tensor([1, 2])),
    "Tensor(ndarray float32)": lambda lib: lib.Tensor(np.array([1.5, 2.0], dtype=np.float32)),
    "LongTensor(floats) truncates": lambda lib: lib.LongTensor([1.5, -2.7]),
    "LongTensor(2, 3)": lambda lib: lib.LongTensor(2, 3).dtype,
    "FloatTensor(ndarray int64) casts": lambda lib: lib.FloatTensor(np.array([1, 2])),
    "FloatTensor(int tensor)": lambda lib: lib.FloatTensor(lib.tensor([1, 2])),
    "DoubleTensor(float tensor)": lambda lib: lib.DoubleTensor(lib.tensor([1.0])),
    "BoolTensor": lambda lib: lib.BoolTensor([1, 0]),
    "ByteTensor": lambda lib: lib.ByteTensor([1, 0]),
    "ShortTensor": lambda lib: lib.ShortTensor([1, 0]),
    "HalfTensor": lambda lib: lib.HalfTensor([1, 0]),
    "IntTensor": lambda lib: lib.IntTensor([3]),
    "isinstance FloatTensor": lambda lib: (isinstance(lib.ones(2), lib.FloatTensor),
                                           isinstance(lib.ones(2), lib.LongTensor),
                                           isinstance(lib.ones(2, dtype=lib.int64),
                                                      lib.LongTensor)),
    "type()": lambda lib: [lib.ones(1, dtype=d).type() for d in (
        lib.float32, lib.float64, lib.float16, lib.int64, lib.int32, lib.uint8, lib.bool)],
    "type(dtype)": lambda lib: lib.ones(2).type(lib.float64),
    "type(legacy type)": lambda lib: lib.ones(2).type(lib.LongTensor),
    "type(dtype=)": lambda lib: lib.ones(2).type(dtype=lib.int64),
    "type(same dtype) is x": lambda lib: (lambda x: x.type(lib.float32) is x)(lib.ones(2)),
    "type(unknown name)": lambda lib: lib.ones(2).type("float64"),
    "type(a number)": lambda lib: lib.ones(2).type(5),
    "Variable": lambda lib: lib.autograd.Variable(lib.ones(2), requires_grad=True),
    "Variable default": lambda lib: lib.autograd.Variable(lib.ones(2)),
    "Variable()": lambda lib: lib.autograd.Variable(),
    "Variable(list)": lambda lib: lib.autograd.Variable([1.0]),
    "Variable(int tensor, requires_grad)": lambda lib: lib.autograd.Variable(
        lib.ones(2, dtype=lib.int64), requires_grad=True),
    "Variable is a new tensor": lambda lib: (lambda v: lib.autograd.Variable(v) is v)(lib.ones(1)),
    "every tensor is a Variable": lambda lib: isinstance(lib.ones(2), lib.autograd.Variable),
}


@pytest.mark.parametrize("call", LEGACY.values(), ids=LEGACY.keys())
def test_legacy_constructors_and_types_as_pytorchs(call: Call) -> None:
    assert_same(call)


def test_type_by_name_converts() -> None:
    assert mg.ones(2).type("minigrad.DoubleTensor").dtype == mg.float64
    assert mg.ones(2).type("torch.LongTensor").dtype == mg.int64  # scripts written for torch
    with pytest.raises(ValueError, match=r"^invalid type: 'minigrad.Foo'$"):
        mg.ones(2).type("minigrad.Foo")


def test_tensor_of_a_float32_array_shares_memory() -> None:
    array = np.array([1.0, 2.0], dtype=np.float32)
    t = mg.Tensor(array)
    array[0] = 9.0
    assert t.tolist() == [9.0, 2.0]


def test_variable_shares_memory_and_is_a_leaf() -> None:
    x = mg.ones(2)
    v = mg.autograd.Variable(x, requires_grad=True)
    (v * 3).sum().backward()
    x.add_(1)
    assert v.is_leaf and v.grad is not None and v.grad.tolist() == [3.0, 3.0]
    assert v.tolist() == [2.0, 2.0]


def test_variable_volatile_warns_as_pytorch() -> None:
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        mg.autograd.Variable(mg.ones(1), volatile=True)


# ---------------------------------------------------------------------- conveniences
CONVENIENCES = {
    "format a 0-d tensor": lambda lib: f"{lib.tensor(2.5):.2f}",
    "format an int 0-d tensor": lambda lib: f"{lib.tensor(3):>5}",
    "format a tensor that requires grad": lambda lib: format(
        lib.tensor(2.5, requires_grad=True), ".3f"),
    "f-string of a 0-d tensor": lambda lib: f"{lib.tensor(2)}",
    "format a 1-d tensor": lambda lib: f"{lib.tensor([2.5]):.2f}",
    "format a 1-d tensor, no spec": lambda lib: f"{lib.tensor([2.5])}",
    "element_size": lambda lib: [lib.ones(1, dtype=d).element_size() for d in (
        lib.float32, lib.float64, lib.float16, lib.int64, lib.int32, lib.uint8, lib.bool)],
    "ndimension": lambda lib: lib.ones(2, 3).ndimension(),
    "dim": lambda lib: lib.ones(2, 3, 1).dim(),
    "numel": lambda lib: lib.ones(2, 3).numel(),
    "is_floating_point": lambda lib: (lib.ones(1).is_floating_point(),
                                      lib.ones(1, dtype=lib.int32).is_floating_point()),
    "item": lambda lib: lib.tensor([[2.5]]).item(),
    "item of many": lambda lib: lib.ones(2).item(),
    "tolist": lambda lib: lib.tensor([[1, 2], [3, 4]]).tolist(),
    "tolist of a 0-d tensor": lambda lib: lib.tensor(1.5).tolist(),
    "clone preserve_format": lambda lib: lib.ones(2).clone(memory_format=lib.preserve_format),
    "clone contiguous_format": lambda lib: lib.ones(2).clone(
        memory_format=lib.contiguous_format),
    "clone memory_format not a format": lambda lib: lib.ones(2).clone(memory_format=3),
    "contiguous memory_format": lambda lib: lib.ones(2).contiguous(
        memory_format=lib.contiguous_format),
    "memory format repr": lambda lib: lib.preserve_format,
    "empty_like memory_format": lambda lib: lib.empty_like(
        lib.ones(2), memory_format=lib.preserve_format).shape,
}


@pytest.mark.parametrize("call", CONVENIENCES.values(), ids=CONVENIENCES.keys())
def test_conveniences_as_pytorchs(call: Call) -> None:
    assert_same(call)

"""The Tensor API, pinned against PyTorch 2.13: creating tensors (dtype inference, the factory
functions, seeding), the dtype of mixed operations, the attributes and conversions a training
script uses, the printed form, and the exception types of bad arguments.

Each test runs the same call in both libraries and compares; autograd semantics are in
test_autograd.py and operation values in test_ops.py.
"""

from __future__ import annotations

import itertools
import operator
import re

import numpy as np
import pytest
import strategies
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import assert_close, to_numpy

import minigrad as mg

LIBS = (torch, mg)
DTYPE_NAMES = ("float32", "float64", "int64", "bool")
FLOAT_NAMES = ("float32", "float64")


def numpy_dtype(dtype) -> np.dtype:
    """The NumPy dtype of a minigrad dtype (already one) or a torch dtype."""
    if isinstance(dtype, torch.dtype):
        return torch.empty(0, dtype=dtype).numpy().dtype
    return np.dtype(dtype)


def dtype_of(lib, name):
    """`lib.float32` etc. by name; None stays None (the library's default)."""
    return None if name is None else getattr(lib, name)


def assert_same_tensor(m, t, values: bool = True) -> None:
    """Same shape, dtype, requires_grad and leaf-ness as PyTorch's tensor, and the same values."""
    assert tuple(m.shape) == tuple(t.shape), f"shape {tuple(m.shape)} != torch {tuple(t.shape)}"
    assert numpy_dtype(m.dtype) == numpy_dtype(t.dtype), f"dtype {m.dtype} != torch {t.dtype}"
    assert (m.requires_grad, m.is_leaf) == (t.requires_grad, t.is_leaf)
    if values:
        assert_close(m, t)


def outcomes(make):
    """`make(lib)` for both libraries: {lib: result} when both succeed. When PyTorch raises,
    assert minigrad raises the same exception type, and return None."""
    try:
        expected = make(torch)
    except Exception as error:  # whatever PyTorch raises is the reference
        with pytest.raises(type(error)):
            make(mg)
        return None
    return {torch: expected, mg: make(mg)}


small_shapes = strategies.shapes(max_dims=3, allow_empty=True)


# --- tensor(): dtype inference ------------------------------------------------------------------

python_numbers = {
    "float": st.floats(-1e3, 1e3, width=32),
    "int": st.integers(-(2**40), 2**40),
    "bool": st.booleans(),
}


@st.composite
def nested_lists(draw):
    """Nested Python lists (or a bare number) of floats, ints, bools or a mix of them."""
    shape = draw(strategies.shapes(max_dims=3, allow_empty=True))
    kinds = draw(st.lists(st.sampled_from(list(python_numbers)), min_size=1, max_size=2))
    elements = st.one_of(*(python_numbers[k] for k in kinds))
    values = draw(hnp.arrays(object, shape, elements=elements, fill=st.nothing()))
    return values.tolist() if shape else values[()]


@given(data=nested_lists())
def test_tensor_infers_dtype_from_python_data_like_torch(data):
    """Python floats make float32, ints int64, bools bool; mixing kinds takes the highest."""
    assert_same_tensor(mg.tensor(data), torch.tensor(data))


@given(array=hnp.arrays(st.sampled_from(DTYPE_NAMES).map(np.dtype), small_shapes))
def test_tensor_of_a_numpy_array_keeps_its_dtype(array):
    assert_same_tensor(mg.tensor(array), torch.tensor(array))


@pytest.mark.parametrize("data", [np.float64(2.5), np.float32(2.5), np.int64(3), np.bool_(True)])
def test_tensor_of_a_numpy_scalar_keeps_its_dtype(data):
    assert_same_tensor(mg.tensor(data), torch.tensor(data))


@given(data=nested_lists(), name=st.sampled_from(DTYPE_NAMES))
def test_tensor_with_an_explicit_dtype_converts_like_torch(data, name):
    assert_same_tensor(mg.tensor(data, dtype=dtype_of(mg, name)),
                       torch.tensor(data, dtype=dtype_of(torch, name)))


def test_tensor_copies_numpy_data_while_from_numpy_and_numpy_share_it():
    array = np.array([1.0, 2.0, 3.0])
    copied, shared = mg.tensor(array), mg.from_numpy(array)
    array[0] = 10.0
    assert to_numpy(copied)[0] == 1.0
    assert to_numpy(shared)[0] == 10.0
    shared.numpy()[1] = 20.0  # and back: the tensor's numpy() is the same memory
    assert array[1] == 20.0
    assert shared.dtype == mg.float64


def test_dtypes_are_numpy_dtypes():
    assert (mg.float32, mg.float64, mg.int64, mg.bool) == tuple(map(np.dtype, DTYPE_NAMES))


@pytest.mark.parametrize("name", ["int64", "bool"])
def test_integer_and_bool_tensors_cannot_require_grad(name):
    for lib in LIBS:
        dtype = dtype_of(lib, name)
        with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
            lib.tensor([1, 0], dtype=dtype, requires_grad=True)
        with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
            lib.zeros(2, dtype=dtype, requires_grad=True)
        with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require"):
            lib.tensor([1, 0], dtype=dtype).requires_grad_()


# --- factory functions --------------------------------------------------------------------------

SIZE_FACTORIES = ("zeros", "ones", "empty", "randn", "rand")


@given(
    factory=st.sampled_from(SIZE_FACTORIES),
    shape=small_shapes,
    style=st.sampled_from(["varargs", "tuple", "list"]),
    name=st.sampled_from((None, *DTYPE_NAMES)),
    requires_grad=st.booleans(),
)
def test_size_factories_take_a_shape_as_varargs_or_a_sequence_like_torch(
    factory, shape, style, name, requires_grad
):
    """(randn and rand of an integer dtype are argument errors, tested below.)"""
    assume(factory not in ("randn", "rand") or name in (None, *FLOAT_NAMES))
    if style == "varargs" and not shape:
        style = "tuple"  # PyTorch needs at least one argument: zeros(()) makes a 0-d tensor

    def make(lib):
        size = shape if style == "varargs" else [tuple(shape) if style == "tuple" else list(shape)]
        return getattr(lib, factory)(*size, dtype=dtype_of(lib, name), requires_grad=requires_grad)

    results = outcomes(make)
    if results:
        deterministic = factory in ("zeros", "ones")
        assert_same_tensor(results[mg], results[torch], values=deterministic)


fill_values = st.one_of(st.floats(-1e3, 1e3, width=32), st.integers(-100, 100), st.booleans())


@given(shape=small_shapes, fill=fill_values, name=st.sampled_from((None, *DTYPE_NAMES)),
       requires_grad=st.booleans())
def test_full_takes_its_dtype_from_the_fill_value_like_torch(shape, fill, name, requires_grad):
    results = outcomes(lambda lib: lib.full(tuple(shape), fill, dtype=dtype_of(lib, name),
                                            requires_grad=requires_grad))
    if results:
        assert_same_tensor(results[mg], results[torch])


@given(source=hnp.arrays(st.sampled_from(DTYPE_NAMES).map(np.dtype), small_shapes),
       factory=st.sampled_from(["zeros_like", "ones_like"]),
       name=st.sampled_from((None, *DTYPE_NAMES)), requires_grad=st.booleans())
def test_zeros_like_and_ones_like_follow_the_source_unless_given_a_dtype(
    source, factory, name, requires_grad
):
    results = outcomes(lambda lib: getattr(lib, factory)(
        lib.tensor(source), dtype=dtype_of(lib, name), requires_grad=requires_grad))
    if results:
        assert_same_tensor(results[mg], results[torch])


# Quarter steps keep every bound and length exact in binary floating point.
arange_numbers = st.integers(-8, 8) | st.integers(-32, 32).map(lambda q: q / 4)


@given(args=st.lists(arange_numbers, min_size=1, max_size=3),
       name=st.sampled_from((None, "float32", "float64", "int64")))
def test_arange_matches_torch_in_length_values_and_dtype(args, name):
    start, end, step = ([0, *args] + [1])[-3:] if len(args) < 3 else args
    assume(step != 0 and (end - start) * step >= 0)  # the others are argument errors, below
    # fractional bounds with an integer dtype follow a quirk of their own, pinned below
    assume(name != "int64" or all(float(v).is_integer() for v in args))
    results = outcomes(lambda lib: lib.arange(*args, dtype=dtype_of(lib, name)))
    if results:
        assert_same_tensor(results[mg], results[torch])


FRACTIONAL_ARANGE_ARGS = [(0.25, -3, -2), (0.25,), (0, 2.5, 0.5), (0, 0, 0.25)]


@pytest.mark.parametrize("args", FRACTIONAL_ARANGE_ARGS)
def test_arange_with_fractional_bounds_and_an_int64_dtype_casts_start_and_step_first(args):
    """PyTorch casts start and step to int64 before counting: arange(0.25, -3, -2) -> [0, -2],
    and a step of 0.5 becomes 0, which is refused (with ValueError)."""
    results = outcomes(lambda lib: lib.arange(*args, dtype=lib.int64))
    if results:
        assert_same_tensor(results[mg], results[torch])


@given(start=st.floats(-100, 100), end=st.floats(-100, 100), steps=st.integers(0, 20),
       name=st.sampled_from((None, *FLOAT_NAMES)))
def test_linspace_matches_torch(start, end, steps, name):
    results = outcomes(lambda lib: lib.linspace(start, end, steps, dtype=dtype_of(lib, name)))
    if results:
        assert_same_tensor(results[mg], results[torch])


@given(low=st.integers(-50, 50), span=st.integers(1, 50), shape=small_shapes,
       with_low=st.booleans())
def test_randint_draws_int64_in_the_half_open_range_low_high(low, span, shape, with_low):
    high = low + span if with_low else span
    args = (low, high, tuple(shape)) if with_low else (high, tuple(shape))
    results = outcomes(lambda lib: lib.randint(*args))
    assert_same_tensor(results[mg], results[torch], values=False)
    values = to_numpy(results[mg])
    assert ((values >= (low if with_low else 0)) & (values < high)).all()


@given(seed=st.integers(0, 2**32 - 1), shape=strategies.shapes(max_dims=2),
       name=st.sampled_from(FLOAT_NAMES))
def test_rand_lies_in_the_half_open_unit_interval(seed, shape, name):
    mg.manual_seed(seed)
    values = to_numpy(mg.rand(shape, dtype=dtype_of(mg, name)))
    assert ((values >= 0) & (values < 1)).all()


def test_float32_rand_never_returns_one():
    """A float64 draw rounded to float32 can become exactly 1.0. With seed 24 the first million
    float64 draws of NumPy's PCG64 include 0.99999997342, which does: drawing in float64 and
    rounding, as minigrad once did, fails here."""
    mg.manual_seed(24)
    assert to_numpy(mg.rand(1_000_000)).max() < 1.0


@pytest.mark.parametrize("draw", [
    lambda: mg.randn(3, 4),
    lambda: mg.rand(5, dtype=mg.float64),
    lambda: mg.randint(0, 10, (6,)),
])
def test_manual_seed_makes_draws_reproducible(draw):
    mg.manual_seed(1234)
    first, second = to_numpy(draw()), to_numpy(draw())
    mg.manual_seed(1234)
    np.testing.assert_array_equal(to_numpy(draw()), first)
    np.testing.assert_array_equal(to_numpy(draw()), second)
    assert not np.array_equal(first, second)


# --- dtype promotion ----------------------------------------------------------------------------


# Every kind of operand: a 0-d or 1-d tensor of each dtype, or a Python number; each holds a
# value that is safe to divide by.
OPERAND_KINDS = {
    **{f"{name} {'0-d' if shape == () else '1-d'} tensor": (name, shape)
       for name in DTYPE_NAMES for shape in [(), (3,)]},
    "Python bool": True,
    "Python int": 3,
    "Python float": 2.5,
}
FILL = {"float32": 1.5, "float64": 1.5, "int64": 2, "bool": True}


def operand(lib, kind):
    spec = OPERAND_KINDS[kind]
    if not isinstance(spec, tuple):
        return spec
    name, shape = spec
    return lib.full(shape, FILL[name], dtype=getattr(lib, name))


def test_result_dtype_of_every_pair_of_operand_kinds_is_torchs():
    """torch.result_type, exhaustively: Python scalars never widen a tensor, int with float gives
    float, float32 with float64 gives float64, a 0-d tensor only counts when it is of a higher
    kind than the tensors with dimensions, and true division of integers gives float32."""
    mismatches = []
    for a, b in itertools.product(OPERAND_KINDS, repeat=2):
        if not isinstance(OPERAND_KINDS[a], tuple) and not isinstance(OPERAND_KINDS[b], tuple):
            continue  # two Python numbers make no tensor
        for op in (operator.add, operator.mul, operator.truediv):
            results = outcomes(lambda lib, op=op, a=a, b=b: op(operand(lib, a), operand(lib, b)))
            if not results:
                continue
            m, t = results[mg], results[torch]
            if numpy_dtype(m.dtype) != numpy_dtype(t.dtype):
                mismatches.append(f"{a} {op.__name__} {b}: {m.dtype}, torch {t.dtype}")
            else:
                assert_close(m, t, what=f"{a} {op.__name__} {b}")
    assert not mismatches, "\n".join(mismatches)


PROMOTION_EXAMPLES = {
    "float32 tensor * Python float stays float32": lambda lib: lib.ones(3) * 0.1,
    "int tensor * Python float gives float32": lambda lib: lib.ones(3, dtype=lib.int64) * 0.5,
    "int tensor + float32 tensor gives float32": lambda lib: (
        lib.ones(3, dtype=lib.int64) + lib.ones(3)
    ),
    "float32 + float64 gives float64": lambda lib: lib.ones(3) + lib.ones(3, dtype=lib.float64),
    "0-d float64 does not widen a float32 vector": lambda lib: (
        lib.ones(3) + lib.tensor(1.0, dtype=lib.float64)
    ),
    "0-d float64 does promote an int vector": lambda lib: (
        lib.ones(3, dtype=lib.int64) + lib.tensor(1.0, dtype=lib.float64)
    ),
    "int / int is float32": lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 4]),
    "int / Python int is float32": lambda lib: lib.tensor([1, 2]) / 2,
    "bool + bool stays bool": lambda lib: lib.tensor([True]) + lib.tensor([False]),
}


@pytest.mark.parametrize("example", list(PROMOTION_EXAMPLES))
def test_promotion_examples_from_torch_behavior(example):
    results = outcomes(PROMOTION_EXAMPLES[example])
    assert_same_tensor(results[mg], results[torch])


# --- attributes and conversions -----------------------------------------------------------------

def any_arrays_of(dtype):
    return hnp.arrays(dtype, small_shapes, elements=st.floats(-1e6, 1e6, width=32)
                      if dtype.kind == "f" else None)


@given(array=st.sampled_from(DTYPE_NAMES).map(np.dtype).flatmap(any_arrays_of))
def test_shape_size_ndim_numel_tolist_and_numpy_match_torch(array):
    m, t = mg.tensor(array), torch.tensor(array)
    assert m.shape == tuple(t.shape) and tuple(m.size()) == tuple(t.size())
    assert m.ndim == t.ndim and m.dim() == t.dim() and m.numel() == t.numel()
    assert numpy_dtype(m.dtype) == numpy_dtype(t.dtype)
    for d in range(-m.ndim, m.ndim):
        assert m.size(d) == t.size(d)
    assert m.tolist() == t.tolist()
    for converted in (m.numpy(), np.asarray(m), np.array(m)):
        assert converted.dtype == t.numpy().dtype
        np.testing.assert_array_equal(converted, t.numpy())
    if m.ndim == 2:
        assert_close(m.T, t.T)


@given(array=st.sampled_from(DTYPE_NAMES).map(np.dtype).flatmap(any_arrays_of))
def test_len_item_float_int_and_bool_match_torch_in_value_and_type(array):
    """(Where they are refused, for a 0-d tensor or more than one element, is tested with the
    argument errors below.)"""
    conversions = [len] if array.ndim else []
    if array.size == 1:
        conversions += [operator.methodcaller("item"), float, int, bool]
    for convert in conversions:
        m, t = convert(mg.tensor(array)), convert(torch.tensor(array))
        assert m == t and type(m) is type(t), f"{convert}: {m!r}, torch {t!r}"


def test_requires_grad_underscore_returns_self_and_refuses_non_leaves():
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0])
        assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
        assert x.requires_grad_(False) is x and not x.requires_grad
        y = lib.tensor([1.0], requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
            y.requires_grad_(False)


CASTS = {
    "double()": lambda lib, t: t.double(),
    "float()": lambda lib, t: t.float(),
    "long()": lambda lib, t: t.long(),
    "bool()": lambda lib, t: t.bool(),
    **{f"to({name})": (lambda lib, t, name=name: t.to(getattr(lib, name))) for name in DTYPE_NAMES},
    "to(dtype=float64)": lambda lib, t: t.to(dtype=lib.float64),
}


@pytest.mark.parametrize("cast", list(CASTS))
@given(array=st.sampled_from(DTYPE_NAMES).map(np.dtype).flatmap(any_arrays_of))
def test_casts_convert_like_torch_and_return_self_when_nothing_changes(cast, array):
    results = {}
    for lib in LIBS:
        source = lib.tensor(array)
        result = CASTS[cast](lib, source)
        results[lib] = result, result is source
    assert_same_tensor(results[mg][0], results[torch][0])
    assert results[mg][1] == results[torch][1], "returns the same object when the dtype is kept"


@pytest.mark.parametrize("cast", list(CASTS))
def test_casting_a_tensor_requiring_grad_keeps_the_gradient_path_to_float_dtypes(cast):
    runs = {}
    for lib in LIBS:
        x = lib.tensor([1.5, -2.0, 0.0], requires_grad=True)
        y = CASTS[cast](lib, x)
        if y.requires_grad:
            (y * y).sum().backward()
        runs[lib] = y, x
    (m_y, m_x), (t_y, t_x) = runs[mg], runs[torch]
    assert_same_tensor(m_y, t_y)
    assert (m_x.grad is None) == (t_x.grad is None)
    if t_x.grad is not None:
        assert_close(m_x.grad, t_x.grad)


# --- repr ---------------------------------------------------------------------------------------

def repr_values(dtype: np.dtype):
    """Integer-valued, fractional, tiny and huge values of both signs: each selects a different
    number format in PyTorch's printer."""
    if dtype == np.bool_:
        return st.booleans()
    if dtype.kind == "i":
        return st.integers(-(10**6), 10**6)
    magnitudes = st.one_of(
        st.integers(0, 1000).map(float),
        st.floats(0.001, 1000),
        st.floats(1e-9, 1e-4),
        st.floats(1e5, 1e12),
    )
    return st.tuples(magnitudes, st.booleans()).map(lambda v: -v[0] if v[1] else v[0])


@st.composite
def printable_arrays(draw, names=DTYPE_NAMES):
    dtype = np.dtype(draw(st.sampled_from(names)))
    shape = draw(strategies.shapes(max_dims=2, max_side=5))
    elements = repr_values(dtype)
    if dtype.kind == "f" and draw(st.booleans()):
        # a pool of a few values: whole-number and mixed-format tensors both occur
        elements = st.sampled_from(draw(st.lists(elements, min_size=1, max_size=3)))
    return draw(hnp.arrays(dtype, shape, elements=elements, fill=st.nothing()))


def assert_repr_matches(actual: str, expected: str) -> None:
    """minigrad's repr equals PyTorch's with "torch." read as "minigrad.".

    Whether a suffix (dtype=, requires_grad=, grad_fn=) starts a new line depends on the line's
    length, and "minigrad." is 3 characters longer than "torch.", so the two texts are compared
    with those breaks undone, and the 80-column line width is checked on each separately (the
    edge cases below pin the breaks where they are unambiguous). grad_fn names differ
    (MulBackward0 in PyTorch), so only their presence is compared.
    """

    def comparable(text: str) -> str:
        text = re.sub(r",\s+(dtype|requires_grad|grad_fn|size)=", r", \1=", text)
        return re.sub(r"grad_fn=<[^>]*>", "grad_fn=<...>", text)

    assert comparable(actual) == comparable(expected.replace("torch.", "minigrad."))
    for text in (actual, expected):
        assert max(len(line) for line in text.splitlines()) <= 80, text


@given(array=printable_arrays())
def test_repr_matches_torchs_text(array):
    assert_repr_matches(repr(mg.tensor(array)), repr(torch.tensor(array)))


@given(array=printable_arrays(FLOAT_NAMES))
def test_repr_of_tensors_requiring_grad_or_with_a_grad_fn_matches_torchs_text(array):
    m, t = mg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    assert_repr_matches(repr(m), repr(t))
    assert_repr_matches(repr(m * 1), repr(t * 1))


REPR_EDGE_CASES = {
    "empty": lambda lib: lib.tensor([]),
    "empty 2x0": lambda lib: lib.zeros(2, 0),
    "empty int64": lambda lib: lib.zeros(0, dtype=lib.int64),
    "nan and inf": lambda lib: lib.tensor([1.0, float("nan"), float("inf"), -float("inf")]),
    "signed zeros": lambda lib: lib.tensor([-0.0, 0.0]),
    "float64 with nan": lambda lib: lib.tensor([1.5, float("nan")], dtype=lib.float64),
    "wide fraction": lambda lib: lib.tensor([123456.7]),
    "summarized": lambda lib: lib.arange(2000, dtype=lib.float32),
    "3-d": lambda lib: lib.arange(24).reshape(2, 3, 4),
    "dtype suffix past 80 columns": lambda lib: (
        lib.tensor([0.0, 0.0, 0.0, 100.5, 2.25, 3.0, 1.0], dtype=lib.float64)
    ),
    "requires_grad suffix past 80 columns": lambda lib: (
        lib.tensor([0.0, 0.0, 0.0, 0.5], dtype=lib.float64, requires_grad=True)
    ),
    # PyTorch counts a line as 2 characters longer than it is when placing a suffix, so it
    # breaks before one that would end the line at column 80 or 81.
    "requires_grad suffix ending at column 80": lambda lib: (
        lib.tensor([1e-5, 0.0, 0.0, -2.25], requires_grad=True)
    ),
}


@pytest.mark.parametrize("case", list(REPR_EDGE_CASES))
def test_repr_of_edge_cases_matches_torchs_text_exactly(case):
    make = REPR_EDGE_CASES[case]
    assert repr(make(mg)) == repr(make(torch)).replace("torch.", "minigrad.")


@given(array=printable_arrays(FLOAT_NAMES), precision=st.integers(0, 8))
def test_set_printoptions_precision_changes_repr_like_torch(array, precision):
    try:
        for lib in LIBS:
            lib.set_printoptions(precision=precision)
        assert_repr_matches(repr(mg.tensor(array)), repr(torch.tensor(array)))
    finally:
        for lib in LIBS:
            lib.set_printoptions(profile="default")


# --- argument errors ----------------------------------------------------------------------------

# name -> (call, exception type, a distinctive part of PyTorch's message)
ARGUMENT_ERRORS = {
    "reshape to a wrong size": (
        lambda lib: lib.ones(2, 3).reshape(4, 2), RuntimeError,
        r"shape '\[4, 2\]' is invalid for input of size 6"),
    "view with two inferred dims": (
        lambda lib: lib.ones(2, 3).view(-1, -1), RuntimeError,
        "only one dimension can be inferred"),
    "adding shapes that do not broadcast": (
        lambda lib: lib.ones(2, 3) + lib.ones(3, 2), RuntimeError,
        r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
        r"dimension 1"),
    "matmul of mismatched shapes": (
        lambda lib: lib.ones(2, 3) @ lib.ones(2, 3), RuntimeError,
        r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"),
    "sum over a dim out of range": (
        lambda lib: lib.ones(2, 3).sum(dim=2), IndexError,
        r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    "softmax over a dim out of range": (
        lambda lib: lib.ones(2, 3).softmax(dim=-3), IndexError, r"Dimension out of range"),
    "max over a dim out of range": (
        lambda lib: lib.ones(2, 3).max(dim=5), IndexError, r"Dimension out of range"),
    "unsqueeze out of range": (
        lambda lib: lib.ones(2, 3).unsqueeze(4), IndexError,
        r"expected to be in range of \[-3, 2\], but got 4"),
    "transpose out of range": (
        lambda lib: lib.ones(2, 3).transpose(0, 2), IndexError, r"Dimension out of range"),
    "size of a dim out of range": (
        lambda lib: lib.ones(2, 3).size(2), IndexError, r"Dimension out of range"),
    "size of a 0-d tensor": (
        lambda lib: lib.tensor(1.0).size(0), IndexError,
        "Dimension specified as 0 but tensor has no dimensions"),
    "index out of range": (
        lambda lib: lib.ones(2, 3)[2], IndexError,
        "index 2 is out of bounds for dimension 0 with size 2"),
    "index out of range in dim 1": (
        lambda lib: lib.ones(2, 3)[:, 5], IndexError,
        "index 5 is out of bounds for dimension 1 with size 3"),
    "too many indices": (
        lambda lib: lib.ones(2, 3)[0, 0, 0], IndexError,
        "too many indices for tensor of dimension 2"),
    "cat of mismatched shapes": (
        lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 2)]), RuntimeError,
        "Sizes of tensors must match except in dimension 0"),
    "stack of mismatched shapes": (
        lambda lib: lib.stack([lib.ones(2, 3), lib.ones(2, 2)]), RuntimeError,
        "stack expects each tensor to be equal size"),
    "permute with too few dims": (
        lambda lib: lib.ones(2, 3).permute(0), RuntimeError,
        "number of dimensions in the tensor input does not match the length of the desired "
        "ordering of dimensions"),
    "expand a non-singleton dim": (
        lambda lib: lib.ones(2, 3).expand(4, 3), RuntimeError,
        r"The expanded size of the tensor \(4\) must match the existing size \(2\) at "
        r"non-singleton dimension 0"),
    "mean of an int tensor": (
        lambda lib: lib.ones(2, dtype=lib.int64).mean(), RuntimeError,
        r"mean\(\): could not infer output dtype"),
    "subtracting bool tensors": (
        lambda lib: lib.tensor([True]) - lib.tensor([False]), RuntimeError,
        r"Subtraction, the `-` operator, with two bool tensors is not supported"),
    "negating a bool tensor": (
        lambda lib: -lib.tensor([True]), RuntimeError,
        r"Negation, the `-` operator, on a bool tensor is not supported"),
    "where of mismatched shapes": (
        lambda lib: lib.where(lib.tensor([True]), lib.ones(2), lib.ones(3)), RuntimeError,
        r"The size of tensor a \(2\) must match the size of tensor b \(3\)"),
    "a float size": (lambda lib: lib.zeros(2.5), TypeError, "must be tuple of ints"),
    "a float in a size tuple": (lambda lib: lib.ones((2, 3.5)), TypeError, "tuple of ints"),
    "a negative size": (lambda lib: lib.zeros(-1), RuntimeError, "non-negative"),
    "randn of an int dtype": (
        lambda lib: lib.randn(2, dtype=lib.int64), NotImplementedError,
        "not implemented for 'Long'"),
    "rand of a bool dtype": (
        lambda lib: lib.rand(2, dtype=lib.bool), NotImplementedError,
        "not implemented for 'Bool'"),
    "randint with low >= high": (
        lambda lib: lib.randint(5, 3, (2,)), RuntimeError,
        "random_ expects 'from' to be less than 'to', but got from=5 >= to=3"),
    "arange with step 0": (lambda lib: lib.arange(0, 10, 0), RuntimeError, "step must be nonzero"),
    "arange stepping away from the end": (
        lambda lib: lib.arange(10, 0, 1), RuntimeError,
        "upper bound and lower bound inconsistent with step sign"),
    "linspace with negative steps": (
        lambda lib: lib.linspace(0, 1, -1), RuntimeError, "number of steps must be non-negative"),
    "tensor of a string": (lambda lib: lib.tensor("a"), TypeError, "invalid data type 'str'"),
    "tensor of ragged lists": (
        lambda lib: lib.tensor([[1, 2], [3]]), ValueError,
        r"expected sequence of length 2 at dim 1 \(got 1\)"),
    "len of a 0-d tensor": (
        lambda lib: len(lib.tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
    "item of two elements": (
        lambda lib: lib.tensor([1.0, 2.0]).item(), RuntimeError,
        "a Tensor with 2 elements cannot be converted to Scalar"),
    "item of no elements": (
        lambda lib: lib.tensor([]).item(), RuntimeError,
        "a Tensor with 0 elements cannot be converted to Scalar"),
    "float of two elements": (
        lambda lib: float(lib.tensor([1.0, 2.0])), ValueError,
        "only one element tensors can be converted to Python scalars"),
    "int of two elements": (
        lambda lib: int(lib.tensor([1.0, 2.0])), ValueError,
        "only one element tensors can be converted to Python scalars"),
    "float of no elements": (
        lambda lib: float(lib.tensor([])), ValueError,
        "only one element tensors can be converted to Python scalars"),
    "bool of two elements": (
        lambda lib: bool(lib.tensor([1.0, 2.0])), RuntimeError,
        "Boolean value of Tensor with more than one value is ambiguous"),
    "bool of no elements": (
        lambda lib: bool(lib.tensor([])), RuntimeError,
        "Boolean value of Tensor with no values is ambiguous"),
    "numpy of a tensor requiring grad": (
        lambda lib: lib.tensor([1.0], requires_grad=True).numpy(), RuntimeError,
        re.escape("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy()")),
    "index with a float tensor": (
        lambda lib: lib.tensor(2.5).__index__(), TypeError,
        "only integer tensors of a single element can be converted to an index"),
}


@pytest.mark.parametrize("case", list(ARGUMENT_ERRORS))
def test_bad_arguments_raise_torchs_exception_type_and_message(case):
    call, error, message = ARGUMENT_ERRORS[case]
    for lib in LIBS:
        with pytest.raises(error, match=message):
            call(lib)


@given(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
       st.lists(st.integers(-1, 3), min_size=1, max_size=4))
def test_expand_gives_torchs_shape_or_torchs_error_naming_the_same_dim(shape, sizes):
    """PyTorch checks the sizes from the last dim backward, so with several mismatches its
    message names the last one."""
    outcomes = []
    for lib in (mg, torch):
        try:
            outcomes.append(tuple(lib.zeros(*shape).expand(*sizes).shape))
        except RuntimeError as error:
            outcomes.append(str(error).replace("torch.", "minigrad."))
    assert outcomes[0] == outcomes[1]


def test_views_of_a_long_lived_tensor_do_not_pile_up():
    """A storage notes its views (weakly, to refresh them if their base's history is
    rewritten); a view that is gone is forgotten, so a tensor viewed at every step of a
    training loop (the data an RNN transposes) does not grow."""
    import tracemalloc

    x = mg.randn(4, 5)
    x.transpose(0, 1)[0]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(2000):
        x.transpose(0, 1)[0]
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 20_000  # a weakref kept per view would be over 250 kB


@given(array=hnp.arrays(np.float64, small_shapes, elements=st.sampled_from([0.0, 1.5, -2.0])),
       element=st.sampled_from([1.5, 2, -2.0, True, 0, "a", None, [1.5]]),
       as_tensor=st.booleans())
def test_in_and_reversed_are_pytorchs(array, element, as_tensor):
    """`x in t` is (t == x).any() for a number or a tensor, a RuntimeError for anything else;
    reversed(t) flips the first dim (a 0-d tensor is its own reverse)."""
    outcomes = []
    for lib in (torch, mg):
        t = lib.tensor(array)
        item = lib.tensor(element) if as_tensor and isinstance(element, (int, float)) else element
        try:
            found = item in t
        except RuntimeError as error:
            found = str(error)
        outcomes.append((found, to_numpy(reversed(t)).tolist()))
    assert outcomes[1] == outcomes[0]

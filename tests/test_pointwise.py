"""PyTorch's pointwise math (sin ... round) against PyTorch, forward and backward.

One table gives each function the range its inputs are drawn from and the exact values where
PyTorch's convention is what is pinned: the ends of a domain (asin at +-1, where the gradient
is inf), the poles (rsqrt and reciprocal at +-0), the jumps of the rounding functions (whose
gradient PyTorch sets to 0 everywhere) and the halves that round to even. Every function is
checked as a method, as a function of the module and in place (on a clone, so that the
in-place op is recorded in the graph and differentiated through).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Call, shapes, unary

import minigrad as mg
from minigrad.testing import check_against_torch

FORMS = st.sampled_from(("method", "function", "in-place"))
EDGES = (0.0, -0.0, 1.0, -1.0)
JUMPS = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5)

# name: (low, high, exact values mixed into the draw)
POINTWISE = {
    "sin": (-10, 10, (0.0,)),
    "cos": (-10, 10, (0.0,)),
    "tan": (-1.5, 1.5, (0.0,)),
    "asin": (-1.5, 1.5, EDGES),  # nan outside [-1, 1]
    "acos": (-1.5, 1.5, EDGES),
    "atan": (-10, 10, (0.0,)),
    "sinh": (-10, 10, (0.0,)),
    "cosh": (-10, 10, (0.0,)),
    "asinh": (-10, 10, (0.0,)),
    "acosh": (0, 10, EDGES),  # nan below 1
    "atanh": (-1.5, 1.5, EDGES),  # +-inf at +-1, nan beyond
    "log1p": (-2, 10, (-1.0, 0.0)),
    "expm1": (-20, 20, (0.0,)),
    "log2": (-2, 10, EDGES),
    "log10": (-2, 10, EDGES),
    "exp2": (-20, 20, (0.0,)),
    "rsqrt": (-2, 10, EDGES),  # rsqrt(-0) = -inf
    "reciprocal": (-5, 5, EDGES),
    "square": (-5, 5, (0.0,)),
    "floor": (-5, 5, JUMPS),
    "ceil": (-5, 5, JUMPS),
    "trunc": (-5, 5, JUMPS),
    "fix": (-5, 5, JUMPS),
    "frac": (-5, 5, JUMPS),
    "round": (-5, 5, JUMPS),
}


# PyTorch records asinh_, acosh_ and atanh_ but has no derivative for them (backward raises
# NotImplementedError in both libraries: tests/test_autograd.py pins it), so their in-place
# forms are compared on values only.
NO_INPLACE_DERIVATIVE = ("asinh", "acosh", "atanh")


def pointwise(lib, x, name: str, form: str, **kwargs):
    """`x.name()`, `lib.name(x)` or `x.clone().name_()`."""
    if form == "method":
        return getattr(x, name)(**kwargs)
    if form == "function":
        return getattr(lib, name)(x, **kwargs)
    if name in NO_INPLACE_DERIVATIVE:
        x = x.detach()
    return getattr(x.clone(), name + "_")(**kwargs)


def check(calls: st.SearchStrategy[Call]) -> None:
    check_against_torch(functools.partial(pointwise, mg), functools.partial(pointwise, torch),
                        calls)


@pytest.mark.parametrize("name", list(POINTWISE))
def test_pointwise_function_values_and_gradients_as_method_function_and_in_place(name):
    low, high, special = POINTWISE[name]
    check(unary(low=low, high=high, special=special, name=st.just(name), form=FORMS))


def test_round_to_decimals_scales_in_the_tensors_precision_and_rounds_halves_to_even():
    check(unary(low=-100, high=100, special=(1.25, 2.675, -13.5, 0.125, -15.0, 25.0),
                name=st.just("round"), form=FORMS, decimals=st.sampled_from((0, 1, 2, 3, -1, -2))))


# ---------------------------------------------------------------------------------------------
# Integer and bool inputs

# The rounding functions and square keep an integer dtype; the others compute in float32.
KEEP_INTEGERS = ("square", "floor", "ceil", "trunc", "fix", "round")
INTEGER_DTYPES = (np.int64, np.int32, np.uint8, np.bool_)


@st.composite
def integer_inputs(draw: st.DrawFn, dtype: type, name: str) -> Call:
    elements = st.booleans() if dtype is np.bool_ else st.integers(
        0 if dtype is np.uint8 else -5, 5)
    x = draw(hnp.arrays(dtype, draw(shapes(allow_empty=True)), elements=elements))
    return Call((x,), {"name": name, "form": draw(st.sampled_from(("method", "function")))})


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("name", [n for n in POINTWISE if n != "frac"])
def test_integer_inputs_become_float32_except_for_square_and_rounding(name, dtype):
    if dtype is np.bool_ and name in KEEP_INTEGERS and name != "square":
        pytest.skip("PyTorch refuses bools here (test_rounding_refuses_...)")
    check(integer_inputs(dtype, name))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_refuses_bools_with_torchs_not_implemented_error(name):
    assert_raises_like_torch(lambda lib, x: getattr(x, name)(), Call((np.array([True]),), {}),
                             match=f'"{name}_vml_cpu" not implemented for \'Bool\'')


@pytest.mark.parametrize("name", ["abs", "absolute", "abs_", "absolute_"])
def test_abs_refuses_bools_with_torchs_not_implemented_error(name):
    assert_raises_like_torch(lambda lib, x: getattr(x, name)(), Call((np.array([True]),), {}),
                             match='"abs_cpu" not implemented for \'Bool\'')


@pytest.mark.parametrize("dtype, torch_name", [(np.int64, "Long"), (np.uint8, "Byte"),
                                               (np.bool_, "Bool")])
def test_frac_refuses_integers_and_bools(dtype, torch_name):
    assert_raises_like_torch(lambda lib, x: x.frac(), Call((np.array([1], dtype),), {}),
                             match=f'"frac_cpu" not implemented for \'{torch_name}\'')


def test_round_to_nonzero_decimals_refuses_integers():
    assert_raises_like_torch(lambda lib, x: lib.round(x, decimals=1),
                             Call((np.array([15]),), {}),
                             match="\"round_cpu\" not implemented for 'Long'")


@pytest.mark.parametrize("name", [n for n in POINTWISE if n not in (*KEEP_INTEGERS, "frac")])
def test_in_place_forms_refuse_to_write_a_float_result_into_an_integer_tensor(name):
    assert_raises_like_torch(
        lambda lib, x: getattr(x, name + "_")(), Call((np.array([1, 2]),), {}),
        match="result type Float can't be cast to the desired output type Long",
    )


@pytest.mark.parametrize("name", KEEP_INTEGERS)
def test_in_place_forms_of_square_and_rounding_keep_an_integer_tensor(name):
    check(integer_inputs(np.int64, name).map(
        lambda call: Call(call.tensors, {**call.kwargs, "form": "in-place"})))


@pytest.mark.parametrize("name", list(POINTWISE))
def test_function_forms_refuse_a_number_with_torchs_type_error(name):
    with pytest.raises(TypeError) as theirs:
        getattr(torch, name)(2.0)
    with pytest.raises(TypeError) as ours:
        getattr(mg, name)(2.0)
    assert str(ours.value) == str(theirs.value)

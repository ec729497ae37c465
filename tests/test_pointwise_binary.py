"""PyTorch's binary and ternary pointwise math (atan2 ... lcm) against PyTorch, forward and back.

One table gives each function what its second argument may be (a tensor only, or also a Python
number), whether it has an in-place form, and the exact values mixed into the draws where
PyTorch's convention is what is pinned: zeros of both signs (atan2 and hypot at the origin,
copysign's gradient at 0, xlogy at x = 0), divisors that divide exactly (fmod, remainder and
their gradients for the divisor), ties (fmax, fmin). Every function is checked as a method, as a
function of the module and in place (on a broadcast copy, so that the in-place op is recorded
and differentiated through), on float32 and float64 operands of broadcastable shapes.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Call, broadcastable_shapes, elementwise

import minigrad as mg
from minigrad.testing import assert_close, check_against_torch

ZEROS = (0.0, -0.0)
EXACT = (0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 3.0)

# name: (takes a number as its second argument, has an in-place form, exact values)
BINARY = {
    "atan2": (False, True, ZEROS),
    "arctan2": (False, True, ZEROS),
    "hypot": (False, True, ZEROS),
    "fmod": (True, True, EXACT),
    "remainder": (True, True, EXACT),
    "copysign": (True, True, ZEROS),
    "xlogy": (True, True, (0.0, 1.0)),
    "float_power": (True, True, EXACT),
    "logaddexp": (False, False, ZEROS),
    "logaddexp2": (False, False, ZEROS),
    "fmax": (False, False, ZEROS),
    "fmin": (False, False, ZEROS),
    "nextafter": (False, True, ZEROS),
    "ldexp": (False, True, EXACT),
    "true_divide": (True, True, (1.0, -1.0)),
    "divide": (True, True, (1.0, -1.0)),
    "multiply": (True, True, ZEROS),
    "subtract": (True, True, ZEROS),
}


def binary(lib, a, b, name: str, form: str, number: float | None = None, **kwargs):
    """`a.name(b)`, `lib.name(a, b)` or in place on a copy of `a` broadcast against `b`;
    `number` replaces b when given."""
    other = b if number is None else number
    if form == "method":
        return getattr(a, name)(other, **kwargs)
    if form == "function":
        return getattr(lib, name)(a, other, **kwargs)
    shape = np.broadcast_shapes(tuple(a.shape), tuple(np.shape(other) if number is None else ()))
    out = a.expand(shape).clone()
    if name == "float_power":  # float_power_ writes float64 only
        out = out.double()
    return getattr(out, name + "_")(other, **kwargs)


def forms(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from(("method", "function", "in-place") if BINARY[name][1]
                           else ("method", "function"))


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_function_values_and_gradients_of_both_inputs(name):
    numbers, _, special = BINARY[name]
    number = st.one_of(st.none(), st.sampled_from(special), st.floats(-4, 4)) if numbers \
        else st.none()
    calls = elementwise(2, low=-4, high=4, special=special, name=st.just(name), form=forms(name),
                        number=number)
    check_against_torch(lambda *a, **k: binary(mg, *a, **k),
                        lambda *a, **k: binary(torch, *a, **k), calls)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_and_divide_round_as_asked_with_zero_gradient_for_rounded_quotients(mode):
    calls = elementwise(2, low=-6, high=6, special=EXACT, name=st.sampled_from(("div", "divide")),
                        form=st.sampled_from(("method", "function", "in-place")),
                        number=st.one_of(st.none(), st.sampled_from((2.0, -3.0, 0.5))),
                        rounding_mode=st.just(mode))
    check_against_torch(lambda *a, **k: binary(mg, *a, **k),
                        lambda *a, **k: binary(torch, *a, **k), calls)


def test_subtract_scales_the_subtrahend_by_alpha():
    calls = elementwise(2, name=st.just("subtract"), form=st.sampled_from(("method", "function")),
                        alpha=st.sampled_from((2, -0.5)))
    check_against_torch(lambda *a, **k: binary(mg, *a, **k),
                        lambda *a, **k: binary(torch, *a, **k), calls)


# ---------------------------------------------------------------------------------------------
# Ternary: lerp, addcmul, addcdiv


def ternary(lib, x, t1, t2, name: str, form: str, weight: float | None = None, **kwargs):
    """lerp(x, end=t1, weight=t2 or a number), addcmul/addcdiv(x, t1, t2, value=)."""
    args = (t1, t2 if weight is None else weight) if name == "lerp" else (t1, t2)
    if form == "method":
        return getattr(x, name)(*args, **kwargs)
    if form == "function":
        return getattr(lib, name)(x, *args, **kwargs)
    shape = np.broadcast_shapes(*(tuple(np.shape(a)) for a in (x, *args)))
    return getattr(x.expand(shape).clone(), name + "_")(*args, **kwargs)


TERNARY_FORMS = st.sampled_from(("method", "function", "in-place"))


def check_ternary(calls: st.SearchStrategy[Call]) -> None:
    check_against_torch(lambda *a, **k: ternary(mg, *a, **k),
                        lambda *a, **k: ternary(torch, *a, **k), calls)


def test_lerp_with_a_number_or_a_tensor_as_weight():
    check_ternary(elementwise(3, low=-4, high=4, special=(0.0, 0.5, 1.0), name=st.just("lerp"),
                              form=TERNARY_FORMS,
                              weight=st.one_of(st.none(), st.sampled_from((0.0, 0.3, 0.5, 1.0,
                                                                           -2.0)))))


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_and_addcdiv_with_value(name):
    check_ternary(elementwise(3, low=-4, high=4, per_tensor=({}, {}, {"margin": 0.1}),
                              name=st.just(name), form=TERNARY_FORMS,
                              value=st.sampled_from((1, 2, -0.5))))


# ---------------------------------------------------------------------------------------------
# Integer and bool inputs: PyTorch's result dtypes and refusals

INTEGER_OPS = ["atan2", "hypot", "fmod", "remainder", "copysign", "xlogy", "float_power",
               "logaddexp", "logaddexp2", "fmax", "fmin", "nextafter", "ldexp", "floor_divide",
               "heaviside", "gcd", "lcm"]
DTYPES = (np.int64, np.int32, np.uint8, np.bool_, np.float32, np.float64)


def outcome(lib, fn):
    """The result of fn(lib) as an array, or the type and message of its error."""
    try:
        return fn(lib).numpy()
    except Exception as error:  # noqa: BLE001 (the error is what is compared)
        return type(error).__name__, str(error)


def assert_same_outcome(fn) -> None:
    expected, actual = outcome(torch, fn), outcome(mg, fn)
    if isinstance(expected, tuple) or isinstance(actual, tuple):
        assert actual == expected
    elif expected.dtype.kind == "f":  # (libm's last bit may differ from PyTorch's)
        assert_close(actual, expected)
    else:
        np.testing.assert_array_equal(actual, expected, strict=True)


@st.composite
def integer_operands(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape_a, shape_b = draw(broadcastable_shapes(2))
    operands = []
    for shape in (shape_a, shape_b):
        dtype = draw(st.sampled_from(DTYPES))
        elements = st.booleans() if dtype is np.bool_ else st.integers(
            0 if dtype is np.uint8 else -6, 6)
        operands.append(hnp.arrays(dtype, shape, elements=elements.filter(bool)))
    return draw(operands[0]), draw(operands[1])


@pytest.mark.parametrize("name", INTEGER_OPS)
@settings(deadline=None)
@given(operands=integer_operands(), number=st.sampled_from((None, 2, 2.5, True)))
def test_integer_and_bool_operands_give_torchs_dtype_or_torchs_error(name, operands, number):
    a, b = operands
    assert_same_outcome(lambda lib: getattr(lib, name)(
        lib.tensor(a), lib.tensor(b) if number is None else number))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@settings(deadline=None)
@given(operands=integer_operands(), number=st.sampled_from((None, 2, 2.5, True)))
def test_rounded_division_of_integers_and_bools_gives_torchs_quotient_and_dtype(mode, operands,
                                                                                number):
    a, b = operands
    assert_same_outcome(lambda lib: lib.div(
        lib.tensor(a), lib.tensor(b) if number is None else number, rounding_mode=mode))


@pytest.mark.parametrize("name, kwargs", [
    ("fmod", {}), ("remainder", {}), ("floor_divide", {}),
    ("div", {"rounding_mode": "trunc"}), ("div", {"rounding_mode": "floor"})])
def test_integer_division_by_zero_is_a_runtime_error(name, kwargs):
    assert_raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b, **kwargs),
                             Call((np.array([4, 5]), np.array([2, 0])), {}),
                             match="^ZeroDivisionError$")


def test_trunc_division_rounds_toward_zero_exact_quotients_and_rounded_float_quotients():
    """Integer quotients that are exact stay as they are, negative ones too (-6 / 2 = -3);
    1.0 / 0.1 rounds to 10 exactly, so trunc gives 10, where 1.0 // 0.1 (the exact quotient
    9.99..., rounded down) gives 9."""
    assert_same_outcome(lambda lib: lib.div(lib.tensor([-7, 7, 1, -6, 6, 0]),
                                            lib.tensor([2, -2, 2, 2, -3, -4]),
                                            rounding_mode="trunc"))
    assert_same_outcome(lambda lib: lib.div(lib.tensor([1.0, -1.0, 7.0]),
                                            lib.tensor([0.1, 0.1, -2.0]), rounding_mode="trunc"))


def test_gcd_and_lcm_of_negative_numbers_and_zeros():
    assert_same_outcome(lambda lib: lib.gcd(lib.tensor([0, -4, 9, -12]), lib.tensor([0, 6, -6, 0])))
    assert_same_outcome(lambda lib: lib.lcm(lib.tensor([0, -4, 9, -12]), lib.tensor([0, 6, -6, 0])))


def test_heaviside_takes_values_at_zero_and_refuses_mixed_dtypes():
    assert_same_outcome(lambda lib: lib.heaviside(lib.tensor([-1.5, 0.0, -0.0, 2.0]),
                                                  lib.tensor([0.5])))
    assert_raises_like_torch(lambda lib, a, b: lib.heaviside(a, b.double()),
                             Call((np.array([0.0], np.float32), np.array([1.0])), {}),
                             match="heaviside is not yet implemented for tensors with different")


# ---------------------------------------------------------------------------------------------
# No derivative: heaviside and floor_divide record a node whose backward fails


@pytest.mark.parametrize("name", ["heaviside", "floor_divide"])
def test_heaviside_and_floor_divide_have_no_derivative(name):
    assert_raises_like_torch(
        lambda lib, a, b: getattr(lib, name)(a.requires_grad_(), b).sum().backward(),
        Call((np.array([1.0, 0.0, -2.0]), np.array([0.5])), {}),
        match=f"derivative for aten::{name} is not implemented")


def test_rounded_division_and_gcd_of_integers_record_nothing():
    a, b = mg.tensor([7.0, -7.0], requires_grad=True), mg.tensor([2, 3])
    assert mg.div(a, 2.0, rounding_mode="floor").requires_grad
    assert not mg.gcd(b, b).requires_grad


# ---------------------------------------------------------------------------------------------
# Bad input: PyTorch's exception type and message


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "fmax", "fmin", "nextafter",
                                  "ldexp", "gcd", "lcm"])
def test_tensor_only_functions_refuse_a_number_as_other(name):
    assert_raises_like_torch(lambda lib, a: getattr(lib, name)(a, 2),
                             Call((np.array([1.0]),), {}),
                             match=rf"{name}\(\): argument 'other' \(position 2\) must be Tensor")
    assert_raises_like_torch(lambda lib, a: getattr(a, name)(2.5),
                             Call((np.array([1.0]),), {}),
                             match=rf"{name}\(\): argument 'other' \(position 1\) must be Tensor")


@pytest.mark.parametrize("name", ["atan2", "fmod", "xlogy", "logaddexp", "copysign", "lerp",
                                  "addcmul", "heaviside", "gcd", "hypot"])
def test_shapes_that_do_not_broadcast(name):
    def op(lib, a, b):
        args = (b, 0.5) if name == "lerp" else (b, b) if name == "addcmul" else (b,)
        return getattr(lib, name)(a, *args)

    assert_raises_like_torch(op, Call((np.ones((2, 3), np.int64), np.ones((4,), np.int64)), {}),
                             match=r"The size of tensor a \(3\) must match the size of tensor b "
                                   r"\(4\) at non-singleton dimension 1")


def test_bad_rounding_mode():
    assert_raises_like_torch(lambda lib, a: lib.divide(a, 2, rounding_mode="round"),
                             Call((np.array([1.0]),), {}),
                             match="div expected rounding_mode to be one of None, 'trunc', or "
                                   "'floor' but found 'round'")


def test_lerp_wants_one_floating_dtype():
    assert_raises_like_torch(lambda lib, a, b: lib.lerp(a, b.double(), 0.5),
                             Call((np.array([1.0], np.float32), np.array([2.0])), {}),
                             match="expected dtype float for `end` but got dtype double")
    assert_raises_like_torch(lambda lib, a, b: lib.lerp(a, b, 0.5),
                             Call((np.array([1]), np.array([2])), {}),
                             match="\"lerp_kernel_scalar\" not implemented for 'Long'")


def test_addcdiv_refuses_integer_division():
    assert_raises_like_torch(lambda lib, a, b: lib.addcdiv(a, b, b),
                             Call((np.array([1.0]), np.array([2])), {}),
                             match="Integer division with addcdiv is no longer supported")


@pytest.mark.parametrize("name, match", [
    ("float_power_", "the base given to float_power_ has dtype Float but the operation's result "
                     "requires dtype Double"),
    ("atan2_", "result type Float can't be cast to the desired output type Long"),
    ("ldexp_", "ldexp can't be cast to the desired output type Long"),
])
def test_in_place_forms_refuse_a_result_their_tensor_cannot_hold(name, match):
    x = np.array([1.0, 2.0], np.float32) if name == "float_power_" else np.array([1, 2])
    assert_raises_like_torch(lambda lib, a, b: getattr(a, name)(b),
                             Call((x, np.array([2, 3])), {}), match=match)


@pytest.mark.parametrize("name", ["negative", "positive", "absolute"])
def test_sign_aliases_on_floats_and_bools(name):
    check_against_torch(lambda x: getattr(mg, name)(x), lambda x: getattr(torch, name)(x),
                        elementwise(1, special=ZEROS))
    if name != "absolute":  # (minigrad's abs takes bools, where PyTorch's kernel refuses them)
        assert_same_outcome(lambda lib: getattr(lib, name)(lib.tensor([True, False])))


@pytest.mark.parametrize("name", ["xlogy", "float_power", "divide", "true_divide", "subtract",
                                  "multiply"])
def test_a_number_as_first_argument(name):
    check_against_torch(lambda x, number: getattr(mg, name)(number, x),
                        lambda x, number: getattr(torch, name)(number, x),
                        elementwise(1, low=0.5, high=4, number=st.sampled_from((2, 0.5, -3.0))))


def test_remainder_of_a_number_has_no_derivative():
    assert_raises_like_torch(lambda lib, x: lib.remainder(2, x.requires_grad_()).sum().backward(),
                             Call((np.array([0.5, 3.0]),), {}),
                             match="derivative for aten::remainder is not implemented")


@given(st.lists(st.sampled_from([-6.0, -4.0, -3.0, -2.0, -0.0, 0.0, 1.5, 2.0, 3.0, 4.5, 6.0]),
                min_size=1, max_size=8), st.sampled_from([-3.0, -2.0, -1.5, 1.5, 2.0, 3.0]),
       st.sampled_from(["remainder", "fmod", "__mod__", "__imod__"]))
def test_a_zero_remainder_has_the_sign_pytorch_gives_it(values, divisor, name):
    """PyTorch's remainder is fmod corrected towards the divisor's sign, so an exact multiple
    gives fmod's zero, signed as the dividend (NumPy's, as Python's, takes the divisor's)."""
    results = [getattr(lib.tensor(values), name)(divisor) for lib in (torch, mg)]
    theirs, ours = (r.numpy() for r in results)
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))


OPERATORS = {"//": operator.floordiv, "%": operator.mod, "**": operator.pow,
             "&": operator.and_, "|": operator.or_, "^": operator.xor,
             "<<": operator.lshift, ">>": operator.rshift}
IN_PLACE = {"//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
            "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
            "<<=": operator.ilshift, ">>=": operator.irshift}


@pytest.mark.parametrize("symbol", sorted(OPERATORS))
@settings(deadline=None)
@given(operands=integer_operands(), number=st.sampled_from((None, 2, 3.5, True)),
       reflected=st.booleans())
def test_python_operators_give_torchs_values_dtype_or_error(symbol, operands, number, reflected):
    """`a // b`, `2 % a`, ...: the operator as PyTorch's tensor has it, a number on either
    side."""
    a, b = operands
    op = OPERATORS[symbol]

    def apply(lib):
        other = lib.tensor(b) if number is None else number
        return op(other, lib.tensor(a)) if reflected else op(lib.tensor(a), other)
    assert_same_outcome(apply)


@pytest.mark.parametrize("symbol", sorted(IN_PLACE))
@settings(deadline=None)
@given(operands=integer_operands(), number=st.sampled_from((None, 2, 3.5, True)))
def test_in_place_python_operators_write_into_the_tensor_as_in_torch(symbol, operands, number):
    """`x //= y`, `x **= 2`, ...: in place in PyTorch, so a view of x sees the result and x's
    version moves on (without the method, Python would bind x to a new tensor instead)."""
    a, b = operands
    if a.ndim == 0:
        return

    def apply(lib):
        x = lib.tensor(a)
        view, version = x[:1], x._version
        y = IN_PLACE[symbol](x, lib.tensor(b) if number is None else number)
        assert y is x and x._version == version + 1
        return view
    assert_same_outcome(apply)


WRAPPING = {
    "+": lambda lib, x, n: x + n, "-": lambda lib, x, n: n - x, "*": lambda lib, x, n: x * n,
    "//": lambda lib, x, n: x // n, "%": lambda lib, x, n: x % n, ">": lambda lib, x, n: x > n,
    "==": lambda lib, x, n: x == n, "fmod": lambda lib, x, n: x.fmod(n),
    "add_": lambda lib, x, n: x.add_(n), "fill_": lambda lib, x, n: x.fill_(n),
    "where": lambda lib, x, n: lib.where(x > 1, x, n),
    "masked_fill": lambda lib, x, n: x.masked_fill(x > 1, n),
    "full": lambda lib, x, n: lib.full((2,), n, dtype=x.dtype),
    "clamp": lambda lib, x, n: x.clamp(max=n),
}


@pytest.mark.parametrize("name", sorted(WRAPPING))
@given(dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.int64]),
       values=st.lists(st.integers(-5, 5), min_size=1, max_size=4),
       number=st.one_of(st.integers(-300, 300), st.sampled_from([2**31, -(2**40), 2**63, 2**70])))
def test_a_python_int_beyond_an_integer_dtype_wraps_around_as_in_torch(name, dtype, values,
                                                                      number):
    """PyTorch casts a Python int into the tensor's integer dtype as C does (-3 as uint8 is
    253), where NumPy raises OverflowError; clamp refuses such a bound instead. Values out of
    a dtype are wrapped first, as the tensor is made."""
    if name in ("//", "%", "fmod") and number == 0:
        return
    assert_same_outcome(lambda lib: WRAPPING[name](
        lib, lib.tensor(np.array(values).astype(dtype)), number))

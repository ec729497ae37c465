"""minigrad.autograd.gradcheck against torch.autograd.gradcheck: the same verdict on built-in
operations and on custom Functions with correct and deliberately wrong backward passes, the same
errors and warnings, and a failure message that names the input, the element and both values."""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, broadcastable_shapes, shapes

import minigrad as mg
import minigrad.autograd
from minigrad.autograd import ArrayFunction, Function
from minigrad.autograd.gradcheck import GradcheckError, gradcheck

# ---------------------------------------------------------------------------------------------
# Built-in operations pass, as they do in PyTorch

# name -> (the operation on either library, number of inputs, value options of the inputs)
BUILTIN = {
    "add": (lambda lib, a, b: a + b, 2, {}),
    "mul": (lambda lib, a, b: a * b, 2, {}),
    "div": (lambda lib, a, b: a / b, 2, {"margin": 0.5}),
    "pow": (lambda lib, a, b: a**b, 2, {"low": 0.5, "high": 2.0}),
    "sub": (lambda lib, a, b: a - b, 2, {}),
    "tanh": (lambda lib, x: x.tanh(), 1, {}),
    "sigmoid": (lambda lib, x: x.sigmoid(), 1, {}),
    "exp": (lambda lib, x: x.exp(), 1, {"high": 2.0}),
    "log": (lambda lib, x: x.log(), 1, {"low": 0.5}),
    "sqrt": (lambda lib, x: x.sqrt(), 1, {"low": 0.5}),
    "relu": (lambda lib, x: x.relu(), 1, {"margin": 0.1}),
    "sum": (lambda lib, x: x.sum(-1), 1, {}),
    "mean": (lambda lib, x: x.mean(), 1, {}),
    "softmax": (lambda lib, x: x.softmax(-1), 1, {}),
    "logsumexp": (lambda lib, x: x.logsumexp(-1), 1, {}),
    "norm": (lambda lib, x: x.norm(), 1, {"margin": 0.5}),
}


@settings(max_examples=40)
@given(data=st.data(), name=st.sampled_from(sorted(BUILTIN)))
def test_gradcheck_passes_on_builtin_operations_like_torchs(data, name):
    op, arity, options = BUILTIN[name]
    input_shapes = data.draw(broadcastable_shapes(arity, min_dims=1, max_dims=2, max_side=3))
    values = [data.draw(arrays(np.float64, s, **options), label=f"input {i}")
              for i, s in enumerate(input_shapes)]
    ours = [mg.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    assert torch.autograd.gradcheck(lambda *t: op(torch, *t), theirs)
    assert gradcheck(lambda *t: op(mg, *t), ours) is True


# ---------------------------------------------------------------------------------------------
# Custom Functions: a wrong backward is caught, by both libraries alike


def _cube(lib):
    """f(x) = x^3 + x, d/dx f = 3x^2 + 1 (at least 1: a wrong factor always shows), written as
    a custom Function of `lib` whose backward multiplies the true derivative by `factor`.
    Returns (tensor-level Function, ArrayFunction or None for torch)."""

    class Cube(lib.autograd.Function):
        factor = 1.0

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3 + x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * (3 * x**2 + 1) * Cube.factor

    return Cube


class CubeOnArrays(ArrayFunction):
    """The same operation one level down, on NumPy arrays, as the built-in operations are."""

    factor = 1.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3 + x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (3 * x**2 + 1) * CubeOnArrays.factor


# 1 and 1 + 1e-7 are right within the default tolerances; the others are wrong by far more.
FACTORS = (1.0, 1 + 1e-7, 1.01, 0.5, 2.0, 0.0, -1.0)


@settings(max_examples=30)
@given(
    data=st.data(),
    factor=st.sampled_from(FACTORS),
    on_arrays=st.booleans(),
    shape=shapes(max_dims=2, max_side=3),
)
def test_gradcheck_catches_a_wrong_backward_exactly_when_torch_does(data, factor, on_arrays, shape):
    values = data.draw(arrays(np.float64, shape, low=-2, high=2))
    theirs = _cube(torch)
    ours = CubeOnArrays if on_arrays else _cube(mg)
    theirs.factor = ours.factor = factor
    expected = torch.autograd.gradcheck(
        theirs.apply, (torch.tensor(values, requires_grad=True),), raise_exception=False
    )
    actual = gradcheck(ours.apply, (mg.tensor(values, requires_grad=True),),
                       raise_exception=False)
    assert actual is expected
    assert expected is (factor in (1.0, 1 + 1e-7))


class SquareWrongAt(Function):
    """d/dx x^2 = 2x, except that backward doubles the gradient of the element at `index`."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.save_for_backward(x)
        ctx.index = index
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        grad = 2 * x * grad_output
        grad[ctx.index] = grad[ctx.index] * 2
        return grad, None


@st.composite
def shape_and_element(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    return shape, tuple(draw(st.integers(0, side - 1)) for side in shape)


@settings(max_examples=25)
@given(data=st.data(), drawn=shape_and_element())
def test_gradcheck_error_names_the_input_the_element_and_both_values(data, drawn):
    shape, index = drawn
    values = data.draw(arrays(np.float64, shape, low=-2, high=2, margin=0.5))
    x = mg.tensor(values, requires_grad=True)
    with pytest.raises(GradcheckError) as error:
        gradcheck(SquareWrongAt.apply, (x, index))
    message = str(error.value)
    element = ", ".join(map(str, index))
    assert message.startswith(
        f"Jacobian mismatch for output 0 with respect to input 0, at "
        f"d output[{element}] / d input[{element}]:"
    )
    numerical = float(re.search(r"numerical:\s+(\S+)", message).group(1))
    analytical = float(re.search(r"analytical:\s+(\S+)", message).group(1))
    true_derivative = 2 * values[index]
    assert numerical == pytest.approx(true_derivative, rel=1e-6)
    assert analytical == 2 * true_derivative
    assert message.endswith(  # only that entry is wrong; the default atol=1e-5, rtol=1e-3
        f"(|analytical - numerical| = {abs(analytical - numerical):.6g} > atol + rtol * "
        f"|numerical| = {1e-5 + 1e-3 * abs(numerical):.6g}; 1 of the {x.numel() ** 2} entries "
        "of this Jacobian differ)")
    assert isinstance(error.value, RuntimeError)  # as torch's GradcheckError


def test_gradcheck_error_names_a_0d_input_and_output_without_an_index():
    x = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"^Jacobian mismatch for output 0 with respect to "
                                             r"input 0, at d output / d input:\n"):
        gradcheck(SquareWrongAt.apply, (x, ()))


def test_gradcheck_names_the_output_of_a_function_with_several():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    cube = _cube(mg)
    cube.factor = 2.0
    with pytest.raises(GradcheckError, match="for output 1 with respect to input 0"):
        gradcheck(lambda t: (t * 2, cube.apply(t)), (x,))


def test_gradcheck_names_the_input_that_is_wrong():
    a = mg.tensor([1.5], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
    cube = _cube(mg)
    cube.factor = 0.5
    with pytest.raises(GradcheckError, match=r"with respect to input 1, at d output\[0\] / d "
                                             r"input\[0\]"):
        gradcheck(lambda p, q: p * 3 + cube.apply(q), (a, b))


def test_gradcheck_returns_false_instead_of_raising_when_asked():
    x = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)
    cube = _cube(mg)
    cube.factor = 0.0
    assert gradcheck(cube.apply, (x,), raise_exception=False) is False
    cube.factor = 1.0
    assert gradcheck(cube.apply, (x,), raise_exception=False) is True


def test_gradcheck_tolerances_are_torchs_keywords():
    """A backward 1e-4 too large (relative) passes the default rtol=1e-3 and fails rtol=1e-5,
    atol=0 in both libraries; it passes atol=1e-3, rtol=0 (the derivatives, 1.75 and 7.75,
    are off by less than 1e-3)."""
    values = np.array([0.5, -1.5])
    verdicts = []
    for lib in (torch, mg):
        cube = _cube(lib)
        cube.factor = 1 + 1e-4
        check = torch.autograd.gradcheck if lib is torch else gradcheck
        x = lib.tensor(values, requires_grad=True)
        verdicts.append((check(cube.apply, (x,)),
                         check(cube.apply, (x,), rtol=1e-5, atol=0, raise_exception=False),
                         check(cube.apply, (x,), eps=1e-3, rtol=1e-5, atol=0,
                               raise_exception=False),
                         check(cube.apply, (x,), rtol=0, atol=1e-3, raise_exception=False)))
    assert verdicts[0] == verdicts[1] == (True, False, False, True)


def test_gradcheck_fails_when_an_output_depends_on_an_input_without_a_gradient_path():
    """The analytical Jacobian of a detached computation is zero; the numerical one is not."""
    values = np.array([1.0, 2.0])
    expected = torch.autograd.gradcheck(lambda t: t.detach() * 2,
                                        (torch.tensor(values, requires_grad=True),),
                                        raise_exception=False)
    with pytest.raises(GradcheckError, match="input 0") as error:
        gradcheck(lambda t: t.detach() * 2, (mg.tensor(values, requires_grad=True),))
    assert expected is False
    numerical = float(re.search(r"numerical:\s+(\S+)", str(error.value)).group(1))
    assert numerical == pytest.approx(2.0, rel=1e-6)
    assert "analytical: 0.0" in str(error.value)


def test_gradcheck_of_a_backward_giving_the_wrong_shape_raises_the_engines_error_as_torch():
    """The engine refuses a wrong-shaped gradient from any backward, an ArrayFunction's too, so
    gradcheck fails as PyTorch's does: with the engine's RuntimeError."""

    def sums_its_gradient(base):
        class SumsItsGradient(base):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output.sum()

        return SumsItsGradient

    message = (r"returned an invalid gradient at index 0 - got \[\] but expected shape "
               r"compatible with \[3\]")
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=message):
        torch.autograd.gradcheck(sums_its_gradient(torch.autograd.Function).apply, (x,))
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="Function SumsItsGradientBackward " + message):
        gradcheck(sums_its_gradient(ArrayFunction).apply, (x,))


def test_gradcheck_accumulates_nothing_into_grad():
    weight = mg.tensor([2.0], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([1.0, -1.0], dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda t: (t * weight).tanh(), (x,))
    assert x.grad is None and weight.grad is None


@pytest.mark.parametrize("op", [lambda t: t * 2, lambda t: t.sum(), lambda t: t.sum(0)])
def test_gradcheck_of_an_empty_input_passes_like_torchs(op):
    assert torch.autograd.gradcheck(op, (torch.zeros(0, 3, dtype=torch.float64,
                                                     requires_grad=True),))
    assert gradcheck(op, (mg.zeros(0, 3, dtype=mg.float64, requires_grad=True),))


def test_gradcheck_takes_one_tensor_or_a_sequence_with_non_tensor_arguments():
    x = mg.tensor([0.3, 0.7], dtype=mg.float64, requires_grad=True)
    constant = mg.tensor([1.0, 2.0], dtype=mg.float64)
    assert gradcheck(mg.tanh, x)
    assert gradcheck(lambda t, c, k: (t * c) ** k, [x, constant, 3])


def test_gradcheck_without_an_input_that_requires_grad_raises_torchs_value_error():
    with pytest.raises(ValueError) as expected:
        torch.autograd.gradcheck(torch.tanh, (torch.ones(2, dtype=torch.float64),))
    with pytest.raises(ValueError) as actual:
        gradcheck(mg.tanh, (mg.ones(2, dtype=mg.float64),))
    assert str(actual.value) == str(expected.value)


def test_gradcheck_warns_like_torch_about_inputs_that_are_not_float64():
    def warnings_of(check, lib):
        x = lib.tensor([0.25, 0.5], requires_grad=True)  # float32
        y = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check(lambda a, b: a.double() * b, (y, x), raise_exception=False)
        return [(w.category, str(w.message)) for w in caught]

    expected = warnings_of(torch.autograd.gradcheck, torch)
    assert expected and expected[0][1].startswith("Input #1 requires gradient and is not a double")
    assert warnings_of(gradcheck, mg) == expected


def test_gradcheck_s_warning_names_the_callers_line():
    """PyTorch's names a line of its own gradcheck.py; minigrad's names the call to gradcheck,
    which is the line to change."""
    x = mg.tensor([0.25, 0.5], requires_grad=True)  # float32
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sys._getframe().f_lineno + 1
        gradcheck(lambda a: a * 2, (x,), raise_exception=False)
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


def _without_a_path(case, lib, cube):
    """A function of (p, q) with an input or an output that the other side does not reach."""
    if case == "first input unused":
        return lambda p, q: cube.apply(q)
    if case == "second input unused":
        return lambda p, q: cube.apply(p)
    return lambda p, q: (lib.ones(2, dtype=lib.float64), cube.apply(p) * q)


@pytest.mark.parametrize("factor", [1.0, 2.0])
@pytest.mark.parametrize("case", ["first input unused", "second input unused",
                                  "first output constant"])
def test_gradcheck_of_inputs_or_outputs_without_a_path_between_them_checks_the_rest_as_torch(
        case, factor):
    """An input the output does not use has a zero Jacobian in both (no error about it), and
    the inputs and outputs after it are checked all the same: a backward 2x too large fails."""
    verdicts = []
    for lib in (torch, mg):
        cube = _cube(lib)
        cube.factor = factor
        check = torch.autograd.gradcheck if lib is torch else gradcheck
        p = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        q = lib.tensor([2.0], dtype=lib.float64, requires_grad=True)
        verdicts.append(check(_without_a_path(case, lib, cube), (p, q), raise_exception=False))
    assert verdicts[0] is verdicts[1] is (factor == 1.0)


def test_gradcheck_is_the_function_minigrad_autograd_gradcheck():
    from minigrad.autograd import gradcheck as exported

    assert exported is gradcheck
    assert minigrad.autograd.gradcheck is gradcheck

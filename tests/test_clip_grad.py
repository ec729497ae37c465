"""nn.utils.clip_grad_norm_ and clip_grad_value_ against PyTorch on drawn sets of gradients."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import warnings

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given
from support import assert_close, to_mg, to_torch

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

# ---------------------------------------------------------------------------------- strategies
FLOAT_DTYPES = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])
# p >= 1 and inf (as a float and as the string 'inf'), the orders the issue promises.
NORM_TYPES = st.one_of(
    st.sampled_from([1.0, 2.0, 3.0, math.inf, "inf", 2]),
    st.floats(1.0, 6.0),
)


@st.composite
def gradient_sets(draw, allow_nonfinite: bool = False) -> list[np.ndarray | None]:
    """0 to 4 gradients, None standing for a parameter without one.

    Values mix ordinary magnitudes with exact zeros, huge values (whose squares overflow
    float32) and tiny ones (whose squares underflow); with `allow_nonfinite`, nan and ±inf.
    Usually all share one dtype; sometimes float32 and float64 are mixed.
    """
    mixed = draw(st.booleans()) and draw(st.booleans())
    common = draw(FLOAT_DTYPES)
    grads: list[np.ndarray | None] = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 4)) == 0:
            grads.append(None)
            continue
        dtype = draw(FLOAT_DTYPES) if mixed else common
        special = [0.0, 1e30, -1e30, 1e-30, 1e20, 3.0]
        if allow_nonfinite:
            special += [math.nan, math.inf, -math.inf]
        elements = st.one_of(
            st.floats(-100, 100, width=8 * dtype.itemsize),
            st.sampled_from(special),
        )
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
        grads.append(draw(hnp.arrays(dtype, shape, elements=elements)))
    return grads


def parameter_pairs(grads: list[np.ndarray | None]) -> tuple[list, list]:
    """The same parameters in both libraries, with these gradients (None: no gradient)."""
    torch_params, mg_params = [], []
    for g in grads:
        value = np.zeros(g.shape if g is not None else (2,), g.dtype if g is not None else "f4")
        tp, mp = to_torch(value, requires_grad=True), to_mg(value, requires_grad=True)
        if g is not None:
            tp.grad, mp.grad = to_torch(g), to_mg(g)
        torch_params.append(tp)
        mg_params.append(mp)
    return torch_params, mg_params


def run_both(torch_fn, mg_fn):
    """Call both; return their results, or assert they raise the same exception and message."""
    try:
        expected = torch_fn()
    except Exception as error:  # noqa: BLE001 - any PyTorch exception must be reproduced
        with pytest.raises(type(error), match=re.escape(str(error))):
            mg_fn()
        return None, None
    return mg_fn(), expected


def precision(grads: list[np.ndarray | None]) -> np.dtype:
    """The dtype whose tolerance applies to the total norm and the clipped gradients.

    With float32 and float64 gradients mixed, the total norm is a float64 tensor, but it is
    the norm of float32 per-gradient norms, which carry float32 rounding (and PyTorch's
    float32 pow and sum round differently from NumPy's); so is the clip coefficient.
    """
    dtypes = {g.dtype for g in grads if g is not None}
    return np.dtype(np.float32) if np.dtype(np.float32) in dtypes else np.dtype(np.float64)


def assert_same_grads(mg_params, torch_params, dtype=None):
    for mp, tp in zip(mg_params, torch_params, strict=True):
        if tp.grad is None:
            assert mp.grad is None
        else:
            assert_close(mp.grad, tp.grad, dtype=dtype, what="clipped gradient")


# ------------------------------------------------------------------------ clip_grad_norm_
@given(
    grads=gradient_sets(allow_nonfinite=True),
    max_norm=st.one_of(st.floats(0.0, 10.0), st.sampled_from([1.0, 1e-3, 1e6])),
    norm_type=NORM_TYPES,
    error_if_nonfinite=st.booleans(),
)
def test_clip_grad_norm_matches_pytorch(grads, max_norm, norm_type, error_if_nonfinite):
    """Same total norm (value and dtype), same clipped gradients, same error for a non-finite
    norm with error_if_nonfinite (and then no gradient touched)."""
    torch_params, mg_params = parameter_pairs(grads)
    mg_grads = [p.grad for p in mg_params]
    total, expected = run_both(
        lambda: torch.nn.utils.clip_grad_norm_(
            torch_params, max_norm, norm_type, error_if_nonfinite
        ),
        lambda: clip_grad_norm_(mg_params, max_norm, norm_type, error_if_nonfinite),
    )
    if expected is not None:
        assert isinstance(total, mg.Tensor) and total.shape == ()
        assert not total.requires_grad
        assert_close(total, expected, dtype=precision(grads), what="total norm")
    assert_same_grads(mg_params, torch_params, dtype=precision(grads))
    assert all(p.grad is g for p, g in zip(mg_params, mg_grads, strict=True))  # in place


@pytest.mark.parametrize("norm_type", [0.0, 0.5, -math.inf, -1.0])
def test_clip_grad_norm_unusual_orders_follow_pytorchs_norm_of_norms(norm_type):
    """p=0 counts gradients with a nonzero norm, p=-inf takes the smallest per-tensor minimum,
    0<p<1 and p<0 use the same formula: all as PyTorch."""
    grads = [np.array([3.0, -1.0], "f4"), np.array([[0.0, -4.0], [2.0, 0.0]], "f4"),
             np.array([0.0, 0.5], "f4")]
    torch_params, mg_params = parameter_pairs(grads)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, 1.0, norm_type)
    assert_close(clip_grad_norm_(mg_params, 1.0, norm_type), expected)
    assert_same_grads(mg_params, torch_params)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
def test_clip_grad_norm_of_an_empty_gradient_with_max_order_raises_runtime_error(norm_type):
    grads = [np.zeros(0, "f4"), np.array([3.0, 4.0], "f4")]
    torch_params, mg_params = parameter_pairs(grads)
    # PyTorch's message begins with the name of its kernel, which differs with the order
    message = (r"cannot compute the -?inf\w* norm on an empty tensor because the operation does "
               r"not have an identity$")
    with pytest.raises(RuntimeError, match=message):
        torch.nn.utils.clip_grad_norm_(torch_params, 1.0, norm_type)
    with pytest.raises(RuntimeError, match=message):
        clip_grad_norm_(mg_params, 1.0, norm_type)


def test_clip_grad_norm_tutorial_example_scales_to_norm_3():
    """Gradients [1, 2, 3, 4, 5] with max_norm 3: norm √55, every gradient times 3/√55.

    The values the issue quotes were measured with PyTorch; they are also checked against a
    live PyTorch run.
    """
    grads = [np.array([1.0, 2.0, 3.0, 4.0, 5.0], "f4")]
    torch_params, mg_params = parameter_pairs(grads)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, max_norm=3)
    total = clip_grad_norm_(mg_params, max_norm=3)

    assert_close(total, expected)
    assert total.item() == pytest.approx(math.sqrt(55), rel=1e-6)
    assert_same_grads(mg_params, torch_params)
    clipped = mg_params[0].grad.numpy()
    np.testing.assert_allclose(clipped, [0.40452, 0.80904, 1.21356, 1.61808, 2.02260], atol=6e-6)
    assert np.linalg.norm(clipped) == pytest.approx(3.0, rel=1e-6)


@pytest.mark.parametrize("grad, max_norm", [
    (np.array([1.0, 2.0, 3.0, 4.0, 5.0], "f4"), 3.0),
    (np.array([5 / 7], "f4"), 0.7),
    (np.array([3.0], "f2"), 0.01),
    (np.array([3.0], "f2"), 0.7),
    (np.array([3.0], "f2"), 100.0),
    (np.zeros(2, "f2"), 1.0),
    (np.array([2.0, 0.0], "f2"), 1.5 + 2**-11 + 2**-39),
])
def test_clip_grad_norm_coefficient_is_rounded_like_pytorch(grad, max_norm):
    """PyTorch computes max_norm / (total + 1e-6) as a float32 reciprocal times max_norm
    (rounded to float32); a single float32 division would differ in the last bit for the first
    example, and a float64 max_norm for the second. For a float16 norm each Python number is
    combined in float32 and rounded to float16 once: float16 arithmetic alone would differ in
    the last bit for the next two. The coefficient is at most 1 (no clipping below max_norm),
    and a zero norm clips nothing (1e-6 keeps it positive). In the last, 0.5 * max_norm is
    0.75 + 2^-12 + 2^-40: rounded to float32 first, as PyTorch does, it is a tie between two
    float16 numbers and rounds to 0.75; rounded once from float64 it would be 0.75 + 2^-11."""
    torch_params, mg_params = parameter_pairs([grad])
    torch.nn.utils.clip_grad_norm_(torch_params, max_norm)
    clip_grad_norm_(mg_params, max_norm)
    np.testing.assert_array_equal(mg_params[0].grad.numpy(), torch_params[0].grad.numpy())


def test_a_float16_total_norm_gives_float32_gradients_a_float16_coefficient_like_pytorch():
    """clip_grads_with_norm_ takes the total norm as given: the coefficient is computed in the
    norm's dtype, float16 here (0.7 / 3 rounded to float16 is 0.2333; in float32, 0.23333),
    and only then multiplies the float32 gradients."""
    grad, total = np.array([1.0, 2.0, 3.0], "f4"), np.array(3.0, "f2")
    torch_params, mg_params = parameter_pairs([grad])
    torch.nn.utils.clip_grads_with_norm_(torch_params, 0.7, to_torch(total))
    mg.nn.utils.clip_grads_with_norm_(mg_params, 0.7, to_mg(total))
    np.testing.assert_array_equal(mg_params[0].grad.numpy(), torch_params[0].grad.numpy())


@pytest.mark.parametrize("grads, norm_type", [
    ([np.array([1e30], "f4")], 2.0),
    ([np.array([5.0], "f4"), np.array([0.0])], 3.0),
    ([np.array([[7.3]], "f4"), np.array([1e-30, 2.0], "f4")], 2.0),
    ([np.array([1.0, 2.0, 3.0, 4.0, 5.0], "f4"), np.array([0.5])], 2.0),
    ([np.array([300.0, 400.0], "f2"), np.array([[0.5, 0.25]], "f2")], 2.0),
    ([np.array([2048.0, 64.0, 1.0, 0.25], "f2"), np.array([1.0], "f2")], 2.0),
    ([np.array([1e20, 1e20], "f4"), np.array([1.0], "f4")], 2.0),
], ids=["huge single element", "single element, mixed dtypes", "single element and tiny",
        "float32 scaled by a float64 coefficient", "float16 squares beyond float16's range",
        "float16 squares added up in float32", "float32 squares beyond float32's range"])
def test_clip_grad_norm_edge_cases_are_bit_identical_to_pytorch(grads, norm_type):
    """A one-element gradient's norm is |g| exactly (PyTorch computes no power, so 1e30 does
    not overflow and 5 stays 5); a float64 coefficient is rounded to each gradient's dtype
    before the multiplication; float16 squares add up in float32 (300² overflows float16), and
    only in float32: 2048² + 64² + 1² + 0.25² is 2049² in float32, whose root is a tie between
    two float16 numbers (2048), where the exact sum's root rounds up to 2050. Float32 squares
    add up in float32, so 1e20² overflows to an infinite norm, as in PyTorch."""
    torch_params, mg_params = parameter_pairs(grads)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, 1.0, norm_type)
    total = clip_grad_norm_(mg_params, 1.0, norm_type)
    assert total.dtype == to_mg(expected.numpy()).dtype
    assert total.item() == expected.item()
    for mp, tp in zip(mg_params, torch_params, strict=True):
        np.testing.assert_array_equal(mp.grad.numpy(), tp.grad.numpy())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
@pytest.mark.parametrize("dtype", ["f4", "f8"])
def test_clip_grad_norm_counts_an_empty_gradient_as_norm_0(norm_type, dtype):
    """An empty gradient (a parameter with a zero-sized dimension) adds nothing to the norm."""
    grads = [np.zeros((0, 3), dtype), np.array([3.0, -4.0], dtype), np.array([[2.0]], dtype)]
    torch_params, mg_params = parameter_pairs(grads)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, 1.0, norm_type)
    assert_close(clip_grad_norm_(mg_params, 1.0, norm_type), expected)
    assert_same_grads(mg_params, torch_params)


def test_clip_grad_norm_accepts_a_single_tensor_and_a_generator():
    torch_params, mg_params = parameter_pairs([np.array([3.0, 4.0], "f4")] * 2)
    assert_close(clip_grad_norm_(mg_params[0], 1.0),
                 torch.nn.utils.clip_grad_norm_(torch_params[0], 1.0))
    assert_close(clip_grad_norm_((p for p in mg_params), 1.0),
                 torch.nn.utils.clip_grad_norm_((p for p in torch_params), 1.0))
    assert_same_grads(mg_params, torch_params)


@pytest.mark.parametrize("params", [[], "no grads"], ids=["empty list", "all grads None"])
def test_clip_grad_norm_without_gradients_returns_float32_zero(params):
    if params == "no grads":
        torch_params, mg_params = parameter_pairs([None, None])
    else:
        torch_params, mg_params = [], []
    expected = torch.nn.utils.clip_grad_norm_(torch_params, 1.0)
    assert_close(clip_grad_norm_(mg_params, 1.0), expected)


def test_clip_grad_norm_of_an_empty_generator_warns():
    """One UserWarning with PyTorch's message, pointing at the line that called."""
    seen = []
    for lib in (torch, mg):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            total = lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        seen.append([(w.category, str(w.message), w.filename, w.lineno) for w in caught])
    assert seen[1] == seen[0] and len(seen[0]) == 1 and seen[0][0][0] is UserWarning
    assert seen[0][0][2] == __file__
    assert total.item() == 0.0 and total.dtype == mg.float32


def test_clip_grad_norm_of_a_list_of_parameters_without_gradients_does_not_warn():
    _, mg_params = parameter_pairs([None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_grad_norm_(mg_params, 1.0)


def test_clip_grad_norm_rejects_fro_with_pythons_float_error():
    torch_params, mg_params = parameter_pairs([np.ones(2, "f4")])
    run_both(lambda: torch.nn.utils.clip_grad_norm_(torch_params, 1.0, "fro"),
             lambda: clip_grad_norm_(mg_params, 1.0, "fro"))
    with pytest.raises(ValueError, match="could not convert string to float: 'fro'"):
        clip_grad_norm_(mg_params, 1.0, "fro")


def test_clip_grad_norm_is_reachable_as_minigrad_nn_utils_after_import_minigrad():
    """`import minigrad` alone must be enough, as `import torch` is for torch.nn.utils (a fresh
    interpreter: this test module itself imports minigrad.nn.utils)."""
    code = ("import minigrad; f = minigrad.nn.utils.clip_grad_norm_; "
            "g = minigrad.nn.utils.clip_grad_value_; print(f.__module__, g.__module__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["minigrad.nn.utils.clip_grad"] * 2


# ------------------------------------------------------------------------ clip_grad_value_
@given(
    grads=gradient_sets(allow_nonfinite=True),
    clip_value=st.one_of(st.floats(-5.0, 50.0), st.sampled_from([0.0, 1e-30, 1e30, 3])),
)
def test_clip_grad_value_matches_pytorch(grads, clip_value):
    """Each element clamped to [-c, c] in place; nan stays nan; negative c gives -|c|.

    PyTorch raises an internal RuntimeError when there is no gradient at all; minigrad then
    does nothing (the decision is documented in clip_grad_value_)."""
    torch_params, mg_params = parameter_pairs(grads)
    mg_grads = [p.grad for p in mg_params]
    if all(g is None for g in grads):
        with pytest.raises(RuntimeError, match="nested_tensorlist"):
            torch.nn.utils.clip_grad_value_(torch_params, clip_value)
    else:
        assert torch.nn.utils.clip_grad_value_(torch_params, clip_value) is None
    assert clip_grad_value_(mg_params, clip_value) is None
    assert_same_grads(mg_params, torch_params)
    assert all(p.grad is g for p, g in zip(mg_params, mg_grads, strict=True))


def test_clip_grad_value_accepts_a_single_tensor():
    torch_params, mg_params = parameter_pairs([np.array([-5.0, 0.5, 5.0], "f4")])
    torch.nn.utils.clip_grad_value_(torch_params[0], 1.0)
    clip_grad_value_(mg_params[0], 1.0)
    assert_same_grads(mg_params, torch_params)

"""The in-place forms `x.f_(...)` that PyTorch has and that minigrad builds from `x.f(...)`
(`Tensor._in_place`): values, dtypes and gradients against PyTorch.

Every form runs on `x.clone()`, so that in both libraries it is recorded in the graph and its
gradient reaches x through the in-place node. An in-place result keeps x's dtype: a comparison
writes 1s and 0s into a float tensor (with a zero gradient, PyTorch's EqBackward0 and the like),
and a float result cannot go into an integer tensor.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import strategies as st
from strategies import Call, arrays, elementwise, float_dtypes, shapes, unary
from test_linalg import operands
from test_shape_ops import along_dim_inputs

import minigrad as mg
from minigrad.testing import check_against_torch

# name: (low, high, exact values mixed into the draw)
UNARY = {
    "abs": (-5, 5, (0.0, -0.0)),  # |x|'(0) = 0
    "absolute": (-5, 5, (0.0,)),
    "neg": (-5, 5, (0.0,)),
    "negative": (-5, 5, (0.0,)),
    "sign": (-5, 5, (0.0,)),
    "exp": (-20, 20, (0.0,)),
    "log": (-1, 10, (0.0, 1.0)),  # nan below 0, -inf at 0
    "sqrt": (-1, 10, (0.0, 1.0)),  # sqrt'(0) = inf
    "sigmoid": (-20, 20, (0.0,)),
    "tanh": (-10, 10, (0.0,)),
}


def in_place(lib, x, name, **kwargs):
    return getattr(x.clone(), name + "_")(**kwargs)


def check(calls: st.SearchStrategy[Call]) -> None:
    check_against_torch(lambda *a, **k: in_place(mg, *a, **k),
                        lambda *a, **k: in_place(torch, *a, **k), calls)


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_in_place_form_has_the_values_and_gradient_of_the_function(name):
    low, high, special = UNARY[name]
    check(unary(low=low, high=high, special=special, name=st.just(name)))


def test_clip_and_clamp_in_place_pass_the_gradient_only_inside_the_bounds():
    bounds = st.sampled_from(((-1.0, 1.0), (None, 0.5), (-0.5, None), (1.0, -1.0)))
    check(unary(special=(-1.0, 1.0, 0.5, -0.5), name=st.sampled_from(("clip", "clamp")),
                bounds=bounds).map(
        lambda c: Call(c.tensors, {"name": c.kwargs["name"], "min": c.kwargs["bounds"][0],
                                   "max": c.kwargs["bounds"][1]})))


COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge",
               "greater", "less", "greater_equal", "less_equal", "not_equal")


@st.composite
def compared(draw: st.DrawFn) -> Call:
    """x and what it is compared with: a number or a tensor broadcastable to x's shape, both
    drawn from few values, so that equal elements are common."""
    call = draw(elementwise(2, special=(0.0, 1.0)))
    x, other = call.tensors
    x = np.broadcast_to(x, np.broadcast_shapes(x.shape, other.shape)).copy()
    name = draw(st.sampled_from(COMPARISONS))
    if draw(st.booleans()):
        return Call((x, other), {"name": name})
    return Call((x,), {"name": name, "other": draw(st.sampled_from((0.0, 1.0, -2.5)))})


def compare_in_place(lib, x, other, name):
    return getattr(x.clone(), name + "_")(other)


def test_comparison_in_place_writes_ones_and_zeros_in_xs_dtype_with_a_zero_gradient():
    check_against_torch(lambda *a, **k: compare_in_place(mg, *a, **k),
                        lambda *a, **k: compare_in_place(torch, *a, **k), compared())


@pytest.mark.parametrize("name", ["eq", "lt", "ge"])
def test_comparison_in_place_keeps_an_integer_dtype(name):
    for lib in (mg, torch):
        x = lib.tensor([0, 1, 2])
        assert getattr(x, name + "_")(1) is x
    ours, theirs = mg.tensor([0, 1, 2]), torch.tensor([0, 1, 2])
    getattr(ours, name + "_")(1), getattr(theirs, name + "_")(1)
    assert ours.tolist() == theirs.tolist()
    assert ours.dtype == mg.int64 and theirs.dtype == torch.int64


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_float_valued_in_place_form_refuses_an_integer_tensor_like_torch(name, dtype):
    assert_raises_like_torch(lambda lib, x: getattr(x, name + "_")(),
                             Call((np.array([1, 2], dtype),), {}),
                             match=r"^result type Float can't be cast to the desired output type")


def test_neg_in_place_refuses_a_bool_tensor_like_torch():
    assert_raises_like_torch(lambda lib, x: x.neg_(), Call((np.array([True]),), {}),
                             match=r"^Negation, the `-` operator, on a bool tensor")


def test_logical_not_in_place_keeps_xs_dtype_and_is_not_recorded_like_torch():
    """PyTorch records no node for logical_not_: x keeps its history, so the gradient of the
    later use flows back as if logical_not_ had not happened (and a leaf may take it)."""
    check_against_torch(
        lambda x: x.clone().logical_not_() * mg.tensor(2.0, dtype=x.dtype),
        lambda x: x.clone().logical_not_() * torch.tensor(2.0, dtype=x.dtype),
        unary(special=(0.0,)))
    for lib in (mg, torch):
        leaf = lib.zeros(2, requires_grad=True)
        assert leaf.logical_not_().tolist() == [1.0, 1.0] and leaf.requires_grad


@st.composite
def masked(draw: st.DrawFn) -> Call:
    shape = draw(shapes(allow_empty=True))
    x = draw(arrays(draw(float_dtypes()), shape))
    mask = draw(st.sampled_from((shape, shape[1:]))) if shape else shape
    return Call((x, np.asarray(draw(arrays(np.float64, mask)) > 0)),
                {"value": draw(st.sampled_from((0.0, -1.5)))})


@op_test(masked())
def test_masked_fill_in_place_gives_filled_elements_no_gradient(lib, x, mask, value):
    return x.clone().masked_fill_(mask, value)


@op_test(along_dim_inputs())
def test_scatter_add_in_place_adds_src_and_gathers_its_gradient(lib, x, index, src, dim):
    return x.clone().scatter_add_(dim, index, src)


@op_test(along_dim_inputs(unique=True))
def test_scatter_in_place_writes_src_and_overwritten_elements_get_no_gradient(
        lib, x, index, src, dim):
    return x.clone().scatter_(dim, index, src)


@op_test(operands("np", "nk", "kp",
                  beta=st.sampled_from((1, 0.5, 0)), alpha=st.sampled_from((1, -2.0))))
def test_addmm_in_place_is_beta_x_plus_alpha_product(lib, c, a, b, beta, alpha):
    return c.clone().addmm_(a, b, beta=beta, alpha=alpha)


@op_test(operands("bnm", name=st.sampled_from(("tril", "triu")),
                  diagonal=st.sampled_from((0, 1, -1, 3))))
def test_tril_and_triu_in_place_zero_the_other_triangle_and_its_gradient(lib, x, name, diagonal):
    return getattr(x.clone(), name + "_")(diagonal)


def test_every_in_place_form_of_minigrad_is_one_of_torch_and_is_named_for_itself():
    forms = [n for n in vars(mg.Tensor) if n.endswith("_") and not n.startswith("_")
             and callable(getattr(mg.Tensor, n))]
    assert "sqrt_" in forms and "scatter_add_" in forms
    for name in forms:
        assert hasattr(torch.Tensor, name), name
    assert mg.Tensor.masked_fill_.__name__ == "masked_fill_"
    assert mg.Tensor.eq_.__name__ == "eq_" and "eq" in (mg.Tensor.eq_.__doc__ or "")

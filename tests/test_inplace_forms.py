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
from strategies import (
    Call,
    arrays,
    dim,
    dims,
    elementwise,
    float_dtypes,
    insertion_dim,
    masks,
    shapes,
    unary,
)
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


# ---------------------------------------------------------------- in-place shape changes
@st.composite
def reshaped_in_place(draw: st.DrawFn) -> Call:
    """x and one of PyTorch's in-place shape changes with valid arguments."""
    name = draw(st.sampled_from(("t_", "transpose_", "swapaxes_", "swapdims_", "squeeze_",
                                 "unsqueeze_")))
    shape = draw(shapes(max_dims=2 if name == "t_" else 4, allow_empty=True))
    n = len(shape)
    if name == "t_":
        args: tuple = ()
    elif name == "squeeze_":
        args = draw(st.sampled_from(((), (draw(dims(n)),)))) if n else ()
    elif name == "unsqueeze_":
        args = (draw(insertion_dim(n)),)
    else:
        args = (draw(dim(n)), draw(dim(n))) if n else (0, -1)
    return Call((draw(arrays(draw(float_dtypes()), shape)),), {"name": name, "args": args,
                                                              "view_first": draw(st.booleans())})


@op_test(reshaped_in_place())
def test_in_place_shape_changes_keep_the_memory_and_what_views_made_before_see(
        lib, x, name, args, view_first):
    """y.t_() and the like inside a graph: y's new shape, its gradient, and (view_first) a view
    of y made before the change, written after it: the write lands where it did in y's old
    shape, and its gradient reaches x through both."""
    y = x.clone()
    view = y.reshape(-1)[: min(2, y.numel())] if view_first else None
    assert getattr(y, name)(*args) is y
    if view is not None:
        view.mul_(3)
    return y * 1, lib.tensor(y._version)



def test_a_write_through_a_view_of_a_fortran_ordered_base_reaches_the_gradient():
    """f.t().reshape(-1) views a column-major f without a copy; the same view of a row-major
    gradient is a copy, through which the backward's writes were lost (x.grad 1.1x PyTorch's)."""
    grads = []
    for lib in (torch, mg):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        f = lib.from_numpy(np.asfortranarray(np.zeros((2, 3))))
        f.copy_(x * 1)
        f.t().reshape(-1).mul_(10)
        (f * lib.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[1] == grads[0] == [[0.0, 10.0, 20.0], [30.0, 40.0, 50.0]]

def test_in_place_shape_changes_refuse_what_every_in_place_op_refuses_as_torch():
    assert_raises_like_torch(lambda lib, x: x.requires_grad_().t_(), Call((np.ones((2, 3)),), {}),
                             "a leaf Variable that requires grad")
    assert_raises_like_torch(lambda lib, x: x.t_(), Call((np.ones((2, 3, 4)),), {}),
                             r"t_\(\) expects a tensor with <= 2 dimensions, but self is 3D")
    assert_raises_like_torch(lambda lib, x: (x.requires_grad_() * 1).unbind()[0].unsqueeze_(0),
                             Call((np.ones((2, 3)),), {}), "Output 0 of Unbind is a view")
    assert_raises_like_torch(lambda lib, x: x.squeeze_(3), Call((np.ones((1, 3)),), {}),
                             "Dimension out of range")
    for lib in (torch, mg):  # outside a graph (no_grad) a leaf may change shape, and stays one
        leaf = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            leaf.t_()
        assert leaf.shape == (3, 2) and leaf.is_leaf and leaf._version == 1


# ---------------------------------------------------------------- index_put
@st.composite
def put_inputs(draw: st.DrawFn) -> Call:
    """x, the values and the index tensors of index_put: integer indices for the first k dims
    (without repeated places unless accumulating: PyTorch leaves their order undefined) or one
    boolean mask over them; values of a shape that broadcasts to the places picked."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=1, allow_empty=True))
    k = draw(st.integers(1, len(shape)))
    accumulate = draw(st.booleans())
    if draw(st.booleans()):
        indices: tuple = (draw(masks(shape[:k])),)
        picked = int(indices[0].sum())
    else:
        places = int(np.prod(shape[:k]))
        if accumulate:
            flat = draw(st.lists(st.integers(0, places - 1), max_size=6)) if places else []
        else:
            flat = draw(st.permutations(range(places)))[: draw(st.integers(0, places))]
        picked = len(flat)
        where = np.unravel_index(np.asarray(flat, dtype=np.int64), shape[:k])
        negative = draw(st.booleans())  # the same places counted from the end
        indices = tuple(np.asarray(w, np.int64) - (shape[d] if negative else 0)
                        for d, w in enumerate(where))
    result = (picked, *shape[k:])
    values = draw(arrays(dtype, result[draw(st.integers(0, len(result))):]))
    return Call((draw(arrays(dtype, shape)), values, *indices), {"accumulate": accumulate})


@op_test(put_inputs())
def test_index_put_writes_or_adds_values_and_their_gradients_go_back(
        lib, x, values, *indices, accumulate):
    """Both forms: x's gradient is zero where values were written (all of it passes when they
    are added), and values get the gradient of their places (summed where broadcast or
    repeated)."""
    copy = lib.index_put(x, indices, values, accumulate=accumulate)
    y = x.clone()
    assert y.index_put_(list(indices), values, accumulate) is y
    return copy, y


@pytest.mark.parametrize(("indices", "values", "match"), [
    ("tensor", 1.0, "must be tuple of Tensors, not Tensor"),
    ("float", 1.0, "tensors used as indices must be long, int, byte or bool tensors"),
    ("none", 1.0, "expected Tensor as element 0 in argument 0, but got NoneType"),
    ("long", "number", "argument 'values' \\(position 2\\) must be Tensor, not float"),
    ("long", "float64", "Index put requires the source and destination dtypes match, got Float "
                        "for the destination and Double for the source"),
    ("out", 1.0, "index 5 is out of bounds for dimension 0 with size 3"),
    ("long", "three", "shape mismatch: value tensor of shape \\[3\\] cannot be broadcast to "
                      "indexing result of shape \\[2, 4\\]"),
    # (its leading 1s are not dropped, as x[index] = value drops them)
    ("long", "1x1x4", "shape mismatch: value tensor of shape \\[1, 1, 4\\] cannot be "
                      "broadcast to indexing result of shape \\[2, 4\\]"),
    # the first element of the broadcast indices with an index out of bounds, then its place
    ("two out", 1.0, "^index 7 is out of bounds for dimension 1 with size 4$"),
    ("mask", "float64 accumulated", "Index put requires the source and destination dtypes"),
])
def test_index_put_refuses_bad_arguments_as_torch(indices, values, match):
    def put(lib, x):
        index = {"tensor": lib.tensor([0]), "float": (lib.tensor([0.0]),), "none": (None,),
                 "long": (lib.tensor([0, 1]),), "out": (lib.tensor([5]),),
                 "two out": (lib.tensor([0, 5]), lib.tensor([7, 0])),
                 "mask": (lib.tensor([True, False, True]),)}[indices]
        value = {"number": 1.0, "float64": lib.tensor(1.0, dtype=lib.float64),
                 "three": lib.ones(3), "1x1x4": lib.ones(1, 1, 4),
                 "float64 accumulated": lib.tensor(1.0, dtype=lib.float64)}.get(
                     values, lib.tensor(1.0))
        return x.index_put_(index, value, accumulate=values == "float64 accumulated")
    assert_raises_like_torch(put, Call((np.zeros((3, 4), np.float32),), {}), match)


def test_index_put_of_one_element_by_a_mask_takes_any_dtype_as_torch():
    """PyTorch's index_put_ is then masked_fill_ (unless it accumulates)."""
    results = []
    for lib in (mg, torch):
        x = lib.zeros(3, 4)
        x.index_put_((lib.tensor([True, False, True]),), lib.tensor(2.5, dtype=lib.float64))
        results.append(x.tolist())
    assert results[0] == results[1]


# ---------------------------------------------------------------- hsplit, vsplit, dsplit
@pytest.mark.parametrize("name", ["hsplit", "vsplit", "dsplit"])
@pytest.mark.parametrize("shape", [(), (6,), (4, 6), (2, 4, 6)])
@pytest.mark.parametrize("sections", [2, 4, [1, 3], (1,), 0, -1, 2.0])
def test_hsplit_vsplit_dsplit_split_as_torch_or_refuse_as_torch(name, shape, sections):
    got = {}
    for lib in (torch, mg):
        x = lib.arange(float(np.prod(shape))).reshape(shape).clone()
        try:
            got[lib] = [(p.tolist(), p._base is x) for p in getattr(lib, name)(x, sections)]
            assert got[lib] == [(p.tolist(), True) for p in getattr(x, name)(sections)]
        except (RuntimeError, TypeError) as error:
            got[lib] = (type(error), str(error).split(" - got")[0])
    assert got[mg] == got[torch]

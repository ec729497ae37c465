"""Shape and indexing operations against PyTorch: flip, roll, repeat, tile, swapaxes, movedim,
unflatten, broadcast_to, index_select, gather, scatter_add, scatter, masked_select, hstack and
vstack.

Values and gradients go through the `op_test` factory (float32 and float64, empty and 0-d
tensors where PyTorch accepts them); which results are views, and the errors of bad dims,
sizes and indices, are compared with PyTorch directly.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    Call,
    arrays,
    broadcastable_shapes,
    dim,
    expanded,
    float_dtypes,
    masks,
    one_tensor,
    shapes,
)

import minigrad as mg
from minigrad.testing import check_against_torch


def _distinct_dims(shape, min_size=0):
    """Distinct dims of `shape`, each possibly negative (a 0-d tensor has dim 0, or -1)."""
    rank = max(len(shape), 1)
    distinct = st.lists(st.integers(0, rank - 1), min_size=min_size, max_size=rank, unique=True)
    return distinct.flatmap(lambda ds: st.tuples(*(st.sampled_from((d, d - rank)) for d in ds)))


# ---------------------------------------------------------------------------------------------
# Copies that move values: flip, roll, repeat, tile


@op_test(one_tensor(dims=_distinct_dims, function=lambda s: st.booleans()))
def test_flip_reverses_the_listed_dims_and_flips_the_gradient_back(lib, x, dims, function):
    return lib.flip(x, dims) if function or not dims else x.flip(*dims)


@st.composite
def _select_arguments(draw, shape):
    """(dim, index) of a tensor with at least one dim whose size is not 0, either signed."""
    d = draw(st.sampled_from([i for i, n in enumerate(shape) if n > 0]))
    n = shape[d]
    return draw(st.sampled_from((d, d - len(shape)))), draw(st.integers(-n, n - 1))


@op_test(one_tensor(shapes(min_dims=1, allow_empty=True).filter(lambda s: any(s)),
                    args=_select_arguments, form=lambda s: st.sampled_from(
                        ("method", "function", "fliplr", "flipud"))))
def test_select_fliplr_and_flipud_pick_and_reverse_and_send_the_gradient_back(lib, x, args,
                                                                             form):
    dim, index = args
    if form == "fliplr" and x.ndim >= 2:
        return lib.fliplr(x)
    if form == "flipud":
        return x.flipud()
    return x.select(dim, index) if form == "method" else lib.select(x, dim, index)


@st.composite
def roll_arguments(draw, shape):
    if not shape or draw(st.booleans()):  # (a 0-d tensor refuses dims)
        return draw(st.integers(-7, 7)), None  # the flattened tensor
    dims = draw(_distinct_dims(shape, min_size=1))
    shifts = draw(st.tuples(*(st.integers(-7, 7) for _ in dims)))
    if len(dims) == 1 and draw(st.booleans()):
        return shifts[0], dims[0]  # ints rather than tuples
    return shifts, dims


@op_test(one_tensor(args=roll_arguments))
def test_roll_shifts_with_wraparound_along_dims_or_the_flattened_tensor(lib, x, args):
    shifts, dims = args
    return x.roll(shifts) if dims is None else lib.roll(x, shifts, dims)


def _repeats(shape, extra_min=0):
    count = st.integers(len(shape) + extra_min, len(shape) + 2)
    return count.flatmap(lambda n: st.tuples(*(st.integers(0, 3) for _ in range(n))))


@op_test(one_tensor(repeats=_repeats, varargs=lambda s: st.booleans()))
def test_repeat_tiles_and_sums_the_gradient_of_every_copy(lib, x, repeats, varargs):
    if varargs and repeats:
        return x.repeat(*repeats)
    return x.repeat(repeats)


@op_test(one_tensor(reps=lambda s: st.integers(1, len(s) + 1).flatmap(
    lambda n: st.tuples(*(st.integers(0, 3) for _ in range(n))))))
def test_tile_with_fewer_repeats_than_dims_leaves_the_leading_dims(lib, x, reps):
    return lib.tile(x, reps)


# ---------------------------------------------------------------------------------------------
# Views: swapaxes, movedim, unflatten, broadcast_to


@op_test(one_tensor(dims=lambda s: st.tuples(dim(len(s)), dim(len(s))),
                    name=lambda s: st.sampled_from(("swapaxes", "swapdims"))))
def test_swapaxes_and_swapdims_are_transpose(lib, x, dims, name):
    return getattr(lib, name)(x, *dims)


@st.composite
def movedim_arguments(draw, shape):
    source = draw(_distinct_dims(shape))
    rank = max(len(shape), 1)
    destination = draw(st.permutations(range(rank)))[: len(source)]
    destination = tuple(draw(st.sampled_from((d, d - rank))) for d in destination)
    if len(source) == 1 and draw(st.booleans()):
        return source[0], destination[0]
    return source, destination


@op_test(one_tensor(args=movedim_arguments,
                    name=lambda s: st.sampled_from(("movedim", "moveaxis"))))
def test_movedim_moves_dims_keeping_the_others_in_order(lib, x, args, name):
    return getattr(lib, name)(x, *args)


@st.composite
def unflatten_arguments(draw, shape):
    d = draw(dim(len(shape)))
    n = shape[d]
    if n == 0:
        sizes = draw(st.permutations((0, *draw(st.lists(st.integers(0, 3), max_size=2)))))
    else:  # factors of n (a factor 1 at most once: many would pass NumPy's 64 dims)
        sizes = [] if n > 1 else [1]
        while n > 1:
            k = draw(st.sampled_from([k for k in range(2, n + 1) if n % k == 0]))
            sizes.append(k)
            n //= k
        sizes += [1] * draw(st.integers(0, 1))
        sizes = draw(st.permutations(sizes))
        if draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
    return d, tuple(sizes)


@op_test(one_tensor(shapes(min_dims=1, allow_empty=True), args=unflatten_arguments))
def test_unflatten_splits_one_dim_inferring_a_minus_one(lib, x, args):
    return x.unflatten(*args)


@op_test(one_tensor(size=expanded))
def test_broadcast_to_is_expand(lib, x, size):
    return lib.broadcast_to(x, size)


# ---------------------------------------------------------------------------------------------
# Picking and scattering along a dim: index_select, gather, scatter_add, scatter


def _indices(shape, size):
    return hnp.arrays(np.int64, shape, elements=st.integers(0, max(size - 1, 0)), fill=st.nothing())


@st.composite
def index_select_inputs(draw):
    shape = draw(shapes(min_dims=1, allow_empty=True))
    d = draw(dim(len(shape)))
    count = draw(st.integers(0, 5)) if shape[d] else 0
    index_shape = draw(st.sampled_from(((count,), ()))) if count == 1 else (count,)
    x = draw(arrays(draw(float_dtypes()), shape))
    return Call((x, draw(_indices(index_shape, shape[d]))), {"dim": d})


@op_test(index_select_inputs())
def test_index_select_accumulates_the_gradient_of_repeated_indices(lib, x, index, dim):
    return lib.index_select(x, dim, index)


@st.composite
def along_dim_inputs(draw, unique=False, src=True, empty=True):
    """x, an index no larger than x but along `dim` (any length; at most x's when `unique`,
    each line of index then free of repeats; not empty unless `empty`), and a src of the
    index's shape."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=1, allow_empty=empty))
    d = draw(dim(len(shape)))
    low = 0 if empty else 1
    along = draw(st.integers(low, shape[d] if unique else 4)) if shape[d] else 0
    index_shape = tuple(along if k == d % len(shape) else draw(st.integers(low, n))
                        for k, n in enumerate(shape))
    if unique:  # the first `along` places of a permutation of each line
        keys = draw(arrays(np.float64, index_shape[:d % len(shape)] + (shape[d],)
                           + index_shape[d % len(shape) + 1:], ties=False))
        index = np.argsort(keys, axis=d, kind="stable").take(range(along), axis=d)
    else:
        index = draw(_indices(index_shape, shape[d]))
    tensors = (draw(arrays(dtype, shape)), index)
    if src:
        tensors += (draw(arrays(dtype, index_shape)),)
    return Call(tensors, {"dim": d})


@op_test(along_dim_inputs(src=False))
def test_gather_picks_along_dim_and_sums_gradients_of_repeated_picks(lib, x, index, dim):
    return lib.gather(x, dim, index)


@op_test(along_dim_inputs())
def test_scatter_add_adds_src_at_the_index_and_gathers_its_gradient(lib, x, index, src, dim):
    return x.scatter_add(dim, index, src)


@op_test(along_dim_inputs(unique=True))
def test_scatter_writes_src_and_overwritten_elements_get_no_gradient(lib, x, index, src, dim):
    return lib.scatter(x, dim, index, src)


@op_test(along_dim_inputs(src=False).map(
    lambda call: Call(call.tensors, {**call.kwargs, "value": 2.5})))
def test_scatter_of_a_number(lib, x, index, dim, value):
    return x.scatter(dim, index, value=value)


@st.composite
def masked_select_inputs(draw):
    x_shape, mask_shape = draw(broadcastable_shapes(2, allow_empty=True))
    return Call((draw(arrays(draw(float_dtypes()), x_shape)), draw(masks(mask_shape))))


@op_test(masked_select_inputs())
def test_masked_select_broadcasts_the_mask_and_returns_a_1d_copy(lib, x, mask):
    return lib.masked_select(x, mask)


# ---------------------------------------------------------------------------------------------
# Views and copies, as PyTorch documents them

VIEWS_AND_COPIES = {
    "swapaxes": lambda lib, x: x.swapaxes(0, 2),
    "movedim": lambda lib, x: x.movedim(0, -1),
    "unflatten": lambda lib, x: x.unflatten(1, (1, 3)),
    "unflatten into one dim": lambda lib, x: x.unflatten(1, (3,)),
    "broadcast_to": lambda lib, x: x.broadcast_to((2, 2, 3, 4)),
    "flip": lambda lib, x: x.flip(0),
    "roll": lambda lib, x: x.roll(1, 0),
    "repeat": lambda lib, x: x.repeat(1, 1, 1),
    "tile": lambda lib, x: x.tile(2),
    "index_select": lambda lib, x: x.index_select(0, lib.tensor([0, 1])),
    "gather": lambda lib, x: x.gather(0, lib.zeros(2, 3, 4, dtype=lib.long)),
    "scatter_add": lambda lib, x: x.scatter_add(0, lib.zeros(1, 1, 1, dtype=lib.long), x),
    "scatter": lambda lib, x: x.scatter(0, lib.zeros(1, 1, 1, dtype=lib.long), 1.0),
    "masked_select": lambda lib, x: x.masked_select(x == 0),
    "iteration": lambda lib, x: list(x)[1],
    "unbind": lambda lib, x: x.unbind(2)[3],
    "split": lambda lib, x: x.split(2, 1)[1],
    "split with sizes": lambda lib, x: x.split([1, 2], 1)[1],
    "chunk": lambda lib, x: x.chunk(2, 2)[1],
    "indexing with None and ...": lambda lib, x: x[None, ..., 1],
    "one element, at a NumPy integer": lambda lib, x: x.reshape(-1)[np.int64(5)],
}


@pytest.mark.parametrize("name", sorted(VIEWS_AND_COPIES))
def test_which_results_are_views_and_share_memory_as_in_torch(name):
    op = VIEWS_AND_COPIES[name]
    theirs = op(torch, torch.zeros(2, 3, 4))
    x = mg.zeros(2, 3, 4)
    ours = op(mg, x)
    assert ours._is_view() == theirs._is_view()
    x.add_(1.0)  # a write into x shows through a view only
    assert bool((ours == 1.0).all()) == ours._is_view()


@pytest.mark.parametrize("name", sorted(set(VIEWS_AND_COPIES) - {"broadcast_to"}))  # (no writes)
def test_a_write_through_a_view_counts_on_its_bases_version_as_in_torch(name):
    versions = []
    for lib in (torch, mg):
        x = lib.zeros(2, 3, 4)
        view = VIEWS_AND_COPIES[name](lib, x)
        view.mul_(2.0)
        versions.append((x._version, view._version, view._base is x))
    assert versions[1] == versions[0]


@pytest.mark.parametrize("name", ["iteration", "unbind", "split", "split with sizes", "chunk"])
@pytest.mark.parametrize("how", ["itself", "a view of it", "after a change under no_grad"])
def test_one_of_several_views_refuses_an_in_place_change_in_a_graph_as_in_torch(name, how):
    """unbind, split and chunk (and iteration, which is unbind) return several views of one
    tensor: inside a graph, PyTorch refuses to change one in place, with an error that names
    the function and the output (for a view of one, its own node); under no_grad it may."""
    errors = []
    for lib in (torch, mg):
        x = lib.ones(2, 3, 4, requires_grad=True) * 1
        view = VIEWS_AND_COPIES[name](lib, x)
        if how == "a view of it":
            view = view[0]
        elif how == "after a change under no_grad":
            with lib.no_grad():
                view.mul_(2.0)
        with pytest.raises(RuntimeError) as error:
            view.add_(1.0)
        errors.append(str(error.value).replace("Backward0", "").replace("Select", "GetItem"))
        assert x._version == (how == "after a change under no_grad")
    assert errors[1] == errors[0]


# ---------------------------------------------------------------------------------------------
# Errors

I64 = np.int64
X = np.zeros((2, 3))
ERRORS = [
    (lambda lib, x: x.flip((0, 0)), (X,), "dim 0 appears multiple times in the list of dims"),
    (lambda lib, x: x.flip(2), (X,), r"Dimension out of range \(expected to be in range of "
                                     r"\[-2, 1\], but got 2\)"),
    (lambda lib, x: x.roll((1, 2), 0), (X,), "shifts and dimensions must align. shifts: 2, dims:1"),
    (lambda lib, x: x.roll((1, 2)), (X,), "shifts and dimensions must align. shifts: 2, dims:0"),
    (lambda lib, x: x.roll(()), (X,), "`shifts` required"),
    (lambda lib, x: x.roll(1, 0), (np.zeros(()),), "Dimension specified as 0 but tensor has no "
     "dimensions"),
    (lambda lib, x: x.repeat(2), (X,), "Number of dimensions of repeat dims can not be smaller"),
    (lambda lib, x: x.repeat(2, -1), (X,),
     r"Trying to create tensor with negative dimension -3: \[4, -3\]"),
    (lambda lib, x: x.movedim((0, 0), (1, 0)), (X,),
     r"movedim: repeated dim in `source` \(\[0, 0\]\)"),
    (lambda lib, x: x.movedim((0, 1), (1, -1)), (X,),
     r"movedim: repeated dim in `destination` \(\[1, -1\]\)"),
    (lambda lib, x: x.movedim((0, 1), (1,)), (X,), r"movedim: Invalid source or destination dims: "
     r"source \(\[0, 1\] dims\) should contain the same number of dims as destination "
     r"\(\[1\] dims\)"),
    (lambda lib, x: x.unflatten(1, (2, 2)), (X,), r"unflatten: Provided sizes \[2, 2\] don't "
     r"multiply up to the size of dim 1 \(3\) in the input tensor"),
    (lambda lib, x: x.unflatten(1, (-1, 2)), (X,), r"Provided sizes \[-1, 2\] don't multiply up"),
    (lambda lib, x: x.unflatten(1, ()), (X,), "unflatten: sizes must be non-empty"),
    (lambda lib, x: x.broadcast_to((2, 2)), (X,), r"The expanded size of the tensor \(2\) must "
     r"match the existing size \(3\) at non-singleton dimension 1"),
    (lambda lib, x, i: x.index_select(1, i), (X, np.array([0.0])),
     "index_select\\(\\): Expected dtype int32 or int64 for index"),
    (lambda lib, x, i: x.index_select(1, i), (X, np.array([[0]], I64)),
     r"index_select\(\): Index is supposed to be a vector"),
    (lambda lib, x, i: x.index_select(1, i), (X, np.array([0, 5], I64)),
     "INDICES element is out of DATA bounds, id=5 axis_dim=3"),
    (lambda lib, x, i: x.index_select(1, i), (X, np.array([-1], I64)),
     "INDICES element is out of DATA bounds, id=-1 axis_dim=3"),
    (lambda lib, x, i: x.gather(1, i), (X, np.array([0], I64)),
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda lib, x, i: x.gather(1, i), (X, np.array([[0.0]])),
     r"gather\(\): Expected dtype int32/int64 for index"),
    (lambda lib, x, i: x.gather(1, i), (X, np.zeros((3, 1), I64)), r"Size does not match at "
     r"dimension 0 expected index \[3, 1\] to be no larger than self \[2, 3\] apart from "
     r"dimension 1"),
    (lambda lib, x, i: x.gather(1, i), (X, np.array([[7]], I64)),
     "index 7 is out of bounds for dimension 1 with size 3"),
    (lambda lib, x, i: x.gather(1, i), (X, np.array([[-1]], I64)),
     "index -1 is out of bounds for dimension 1 with size 3"),
    (lambda lib, x, i, s: x.scatter_add(1, i, s), (X, np.zeros((1, 2), I64), np.ones((1, 1))),
     r"Expected index \[1, 2\] to be no larger than self \[2, 3\] apart from dimension 1 and to "
     r"be no larger size than src \[1, 1\]"),
    (lambda lib, x, i, s: x.scatter_add(1, i, s),
     (X, np.zeros((1, 2), I64), np.ones((1, 2), np.float32)),
     r"scatter\(\): Expected self.dtype to be equal to src.dtype"),
    (lambda lib, x, i, s: x.scatter_add(1, i, s), (X, np.array([0, 1], I64), np.ones((3, 3))),
     "Index tensor must have the same number of dimensions as self tensor"),
    (lambda lib, x, i, s: x.scatter(1, i, s), (X, np.array([[9]], I64), np.ones((1, 1))),
     "index 9 is out of bounds for dimension 1 with size 3"),
    (lambda lib, x, i: x.scatter(1, i, 2.0), (X, np.array([[0.0]])),
     r"scatter\(\): Expected dtype int32/int64 for index"),
    (lambda lib, x, m: x.masked_select(m), (X, np.array([1, 0, 1])),
     "masked_select: expected BoolTensor for mask"),
    (lambda lib, x, m: x.masked_select(m), (X, np.array([True, False])),
     r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
     r"dimension 1"),
]


@pytest.mark.parametrize(("op", "tensors", "match"), ERRORS, ids=[m[:40] for *_, m in ERRORS])
def test_bad_dims_sizes_and_indices_fail_with_torchs_error(op, tensors, match):
    assert_raises_like_torch(op, Call(tensors), match=match)


# ---------------------------------------------------------------------------------------------
# Joining: hstack, vstack


@st.composite
def stackable(draw, vertical):
    """2 or 3 tensors of one dtype that hstack (or vstack) joins: one shape, but for the sizes
    along the joining dim (dim 1; dim 0 for 1-d tensors, and for vstack). 0-d tensors, and
    1-d ones for vstack, must all have the same shape."""
    dtype, count = draw(float_dtypes()), draw(st.integers(2, 3))
    shape = draw(shapes(max_dims=3, allow_empty=True))
    if len(shape) == 0 or (vertical and len(shape) == 1):
        return Call(tuple(draw(arrays(dtype, shape)) for _ in range(count)))
    at = 0 if vertical or len(shape) == 1 else 1
    sides = [draw(st.integers(0, 3)) for _ in range(count)]
    return Call(tuple(draw(arrays(dtype, (*shape[:at], n, *shape[at + 1:]))) for n in sides))


@op_test(stackable(vertical=False))
def test_hstack_joins_along_dim_1_or_dim_0_for_1d_and_0d_tensors(lib, *tensors):
    return lib.hstack(tensors)


@op_test(stackable(vertical=True))
def test_vstack_joins_rows_making_1d_tensors_rows(lib, *tensors):
    return lib.vstack(list(tensors))


@pytest.mark.parametrize("name", ["hstack", "vstack"])
def test_hstack_and_vstack_of_no_tensors_fail_as_in_torch(name):
    assert_raises_like_torch(lambda lib: getattr(lib, name)([]), Call(()),
                             match=f"{name} expects a non-empty TensorList")


# ---------------------------------------------------------------------------------------------
# More shape and indexing: rot90, repeat_interleave, take, take_along_dim, nonzero, argwhere,
# where(cond), meshgrid, dstack, column_stack, tensor_split, index_add/copy/fill, ravel,
# atleast_nd, block_diag, cartesian_prod, tril_indices and triu_indices


@st.composite
def rot90_arguments(draw, shape):
    dims = draw(_distinct_dims(shape, min_size=2).map(lambda ds: ds[:2]))
    return draw(st.integers(-5, 5)), dims


@op_test(one_tensor(shapes(min_dims=2, allow_empty=True), args=rot90_arguments,
                    function=lambda s: st.booleans()))
def test_rot90_turns_k_quarter_turns_in_the_plane_of_dims(lib, x, args, function):
    k, dims = args
    return lib.rot90(x, k, dims) if function else x.rot90(k, dims)


@st.composite
def repeat_interleave_inputs(draw):
    shape = draw(shapes(allow_empty=True))
    x = draw(arrays(draw(float_dtypes()), shape))
    d = draw(st.none() | dim(len(shape))) if shape else None  # (PyTorch's 0-d refuses a dim)
    n = int(np.prod(shape)) if d is None else (shape[d] if shape else 1)
    how = draw(st.sampled_from(("int", "one", "each")))
    if how == "int":
        return Call((x,), {"repeats": draw(st.integers(0, 3)), "dim": d})
    counts = hnp.arrays(np.int64, (1,) if how == "one" else (n,), elements=st.integers(0, 3))
    return Call((x, draw(counts)), {"dim": d})


@op_test(repeat_interleave_inputs())
def test_repeat_interleave_repeats_each_slice_in_place_and_sums_their_gradients(lib, x, *counts,
                                                                               repeats=None,
                                                                               dim=None):
    return lib.repeat_interleave(x, counts[0] if counts else repeats, dim=dim)


@op_test(st.builds(lambda c: Call((c,)), hnp.arrays(np.int64, st.integers(0, 5),
                                                     elements=st.integers(0, 3))))
def test_repeat_interleave_of_counts_alone_repeats_their_indices(lib, counts):
    return lib.repeat_interleave(counts)


@st.composite
def take_inputs(draw):
    shape = draw(shapes(allow_empty=True))
    n = int(np.prod(shape))
    index_shape = draw(shapes(max_dims=2, allow_empty=True)) if n else (0,)
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(-n, max(n - 1, 0))))
    return Call((draw(arrays(draw(float_dtypes()), shape)), index))


@op_test(take_inputs())
def test_take_picks_from_the_flattened_tensor_counting_negatives_from_the_end(lib, x, index):
    return lib.take(x, index)


@st.composite
def take_along_dim_inputs(draw):
    """x and indices that broadcast but for `dim` (or any indices of the flattened x)."""
    x_shape, i_shape = (list(s) for s in draw(broadcastable_shapes(2, allow_empty=True)))
    rank = max(len(x_shape), len(i_shape))
    x_shape, i_shape = ([1] * (rank - len(s)) + s for s in (x_shape, i_shape))
    if not rank or draw(st.booleans()):
        n = int(np.prod(x_shape))
        index = hnp.arrays(np.int64, tuple(i_shape), elements=st.integers(0, max(n - 1, 0)))
        return Call((draw(arrays(draw(float_dtypes()), tuple(x_shape))),
                     draw(index) if n else np.zeros((0,), np.int64)), {"dim": None})
    d = draw(st.integers(0, rank - 1))
    i_shape[d] = draw(st.integers(0, 3)) if x_shape[d] else 0
    index = hnp.arrays(np.int64, tuple(i_shape), elements=st.integers(0, max(x_shape[d] - 1, 0)))
    return Call((draw(arrays(draw(float_dtypes()), tuple(x_shape))), draw(index)),
                {"dim": draw(st.sampled_from((d, d - rank)))})


@op_test(take_along_dim_inputs())
def test_take_along_dim_gathers_with_broadcasting(lib, x, index, dim):
    return lib.take_along_dim(x, index, dim=dim)


@st.composite
def nonzero_inputs(draw):
    shape = draw(shapes(allow_empty=True))
    dtype = draw(st.sampled_from((np.float32, np.int64, np.bool_)))
    x = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 2))).astype(dtype)
    return Call((x,), {"how": draw(st.sampled_from(("nonzero", "as_tuple", "argwhere",
                                                    "where")))})


@op_test(nonzero_inputs())
def test_nonzero_argwhere_and_where_of_a_condition_list_the_indices_of_nonzeros(lib, x, how):
    if how == "nonzero":
        return lib.nonzero(x)
    if how == "as_tuple":
        return x.nonzero(as_tuple=True)
    return lib.argwhere(x) if how == "argwhere" else lib.where(x)


@st.composite
def vectors(draw, min_count=1, max_count=3, allow_0d=True):
    dtype = draw(float_dtypes())
    count = draw(st.integers(min_count, max_count))
    sizes = st.sampled_from(((),)) | st.tuples(st.integers(0, 3)) if allow_0d else \
        st.tuples(st.integers(0, 3))
    return Call(tuple(draw(arrays(dtype, draw(sizes))) for _ in range(count)))


@op_test(vectors().map(lambda c: Call(c.tensors, {"indexing": "ij"})) | vectors().map(
    lambda c: Call(c.tensors, {"indexing": "xy"})))
def test_meshgrid_expands_each_vector_along_its_own_dim(lib, *tensors, indexing):
    return lib.meshgrid(*tensors, indexing=indexing)


@op_test(vectors(allow_0d=False))
def test_cartesian_prod_lists_every_tuple_in_order(lib, *tensors):
    return lib.cartesian_prod(*tensors)


@st.composite
def joinable(draw, name):
    """2 or 3 tensors that dstack (or column_stack) joins: made 3-d (or 2-d columns), they share
    all sizes but along dim 2 (or 1)."""
    dtype, count = draw(float_dtypes()), draw(st.integers(2, 3))
    m, n = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    tensors = []
    for _ in range(count):
        k = draw(st.integers(0, 3))
        if name == "dstack":
            options = [(m, n, k)] + ([(1, n), (n,)] if k == 1 and m == 1 else []) + (
                [(m, n)] if k == 1 else []) + ([()] if (m, n, k) == (1, 1, 1) else [])
        else:
            options = [(m, k)] + ([(m,)] if k == 1 else []) + ([()] if (m, k) == (1, 1) else [])
        tensors.append(draw(arrays(dtype, draw(st.sampled_from(options)))))
    return Call(tuple(tensors))


@op_test(joinable("dstack"))
def test_dstack_joins_along_dim_2_of_the_tensors_made_3d(lib, *tensors):
    return lib.dstack(tensors)


@op_test(joinable("column_stack"))
def test_column_stack_joins_columns_making_vectors_columns(lib, *tensors):
    return lib.column_stack(list(tensors))


@st.composite
def tensor_split_arguments(draw, shape):
    d = draw(dim(len(shape)))
    if draw(st.booleans()):
        return draw(st.integers(1, 5)), d
    return draw(st.lists(st.integers(-6, 6), max_size=4)), d


@op_test(one_tensor(shapes(min_dims=1, allow_empty=True), args=tensor_split_arguments))
def test_tensor_split_into_sections_or_at_indices(lib, x, args):
    sections, d = args
    return lib.tensor_split(x, sections, dim=d)


@st.composite
def index_op_inputs(draw, name):
    """x, a vector of indices along dim, and a source whose size along dim is the index's
    (for index_fill, a value instead). index_copy's indices are distinct: PyTorch leaves
    which of repeated writes wins undefined."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=1, allow_empty=True))
    d = draw(dim(len(shape)))
    n = shape[d]
    if name == "index_copy":
        count = draw(st.integers(0, n))
        index = draw(st.permutations(range(n)))[:count]
    else:
        count = draw(st.integers(0, 4)) if n else 0
        index = draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=count, max_size=count))
    tensors = (draw(arrays(dtype, shape)), np.array(index, np.int64))
    kwargs = {"dim": d, "inplace": draw(st.booleans())}
    if name == "index_fill":
        kwargs["value"] = draw(st.sampled_from((2.5, -1)))
    else:
        tensors += (draw(arrays(dtype, (*shape[:d % len(shape)], count,
                                        *shape[d % len(shape) + 1:]))),)
    if name == "index_add":
        kwargs["alpha"] = draw(st.sampled_from((1, 2.0)))
    return Call(tensors, kwargs)


@op_test(index_op_inputs("index_add"))
def test_index_add_adds_alpha_source_at_the_indexed_slices(lib, x, index, source, dim, inplace,
                                                          alpha):
    if inplace:
        return (x * 1).index_add_(dim, index, source, alpha=alpha)
    return lib.index_add(x, dim, index, source, alpha=alpha)


@op_test(index_op_inputs("index_copy"))
def test_index_copy_writes_source_into_the_indexed_slices(lib, x, index, source, dim, inplace):
    if inplace:
        return (x * 1).index_copy_(dim, index, source)
    return lib.index_copy(x, dim, index, source)


@op_test(index_op_inputs("index_fill"))
def test_index_fill_fills_the_indexed_slices_with_a_value(lib, x, index, dim, inplace, value):
    if inplace:
        return (x * 1).index_fill_(dim, index, value)
    return lib.index_fill(x, dim, index, value)


@op_test(one_tensor(function=lambda s: st.booleans()))
def test_ravel_flattens(lib, x, function):
    return lib.ravel(x) if function else x.ravel()


@op_test(vectors(max_count=2).flatmap(lambda c: st.builds(
    lambda n, as_list: Call(c.tensors, {"n": n, "as_list": as_list}),
    st.sampled_from((1, 2, 3)), st.booleans())))
def test_atleast_nd_adds_dims_as_numpy_does(lib, *tensors, n, as_list):
    fn = getattr(lib, f"atleast_{n}d")
    return fn(list(tensors)) if as_list else fn(*tensors)


@op_test(one_tensor(shapes(max_dims=2, allow_empty=True), n=lambda s: st.sampled_from((1, 2, 3))))
def test_atleast_nd_of_one_tensor_returns_a_tensor(lib, x, n):
    return getattr(lib, f"atleast_{n}d")(x)


@st.composite
def blocks(draw):
    dtype = draw(float_dtypes())
    count = draw(st.integers(1, 3))
    # (not an empty vector: PyTorch's block_diag makes it a row of no columns, but its backward
    # then gives the gradient of the next rows to the tensors below it)
    block_shapes = shapes(max_dims=2, max_side=3, allow_empty=True).filter(lambda s: s != (0,))
    return Call(tuple(draw(arrays(dtype, draw(block_shapes))) for _ in range(count)))


@op_test(blocks())
def test_block_diag_puts_the_tensors_on_the_diagonal_of_zeros(lib, *tensors):
    return lib.block_diag(*tensors)


@given(st.integers(0, 5), st.integers(0, 5), st.integers(-6, 6),
       st.sampled_from(("tril_indices", "triu_indices")), st.sampled_from(("int64", "int32")))
def test_tril_and_triu_indices_list_a_triangle_row_by_row(row, col, offset, name, dtype):
    theirs = getattr(torch, name)(row, col, offset, dtype=getattr(torch, dtype))
    ours = getattr(mg, name)(row, col, offset, dtype=getattr(mg, dtype))
    assert ours.tolist() == theirs.tolist() and ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "minigrad.")


MORE_VIEWS_AND_COPIES = {
    "rot90": lambda lib, x: x.rot90(1, (0, 1)),
    "repeat_interleave with a tensor": lambda lib, x: x.repeat_interleave(lib.tensor([2]), 0),
    "take": lambda lib, x: x.take(lib.tensor([0, 1])),
    "take_along_dim": lambda lib, x: x.take_along_dim(lib.zeros(1, 1, 1, dtype=lib.long), 0),
    "meshgrid": lambda lib, x: lib.meshgrid(x[0, 0], x[0, 1], indexing="ij")[0],
    "tensor_split": lambda lib, x: x.tensor_split(2, 1)[1],
    "ravel": lambda lib, x: x.ravel(),
    "atleast_3d": lambda lib, x: lib.atleast_3d(x[0]),
    "index_add": lambda lib, x: x.index_add(0, lib.tensor([0]), x[:1]),
    "index_fill": lambda lib, x: x.index_fill(0, lib.tensor([0]), 2.0),
    "block_diag": lambda lib, x: lib.block_diag(x[0]),
}


@pytest.mark.parametrize("name", sorted(MORE_VIEWS_AND_COPIES))
def test_which_new_results_are_views_as_in_torch(name):
    op = MORE_VIEWS_AND_COPIES[name]
    theirs = op(torch, torch.zeros(2, 3, 4))
    x = mg.zeros(2, 3, 4)
    ours = op(mg, x)
    assert ours._is_view() == theirs._is_view()
    x.add_(1.0)
    assert bool((ours == 1.0).all()) == ours._is_view()


def test_index_fill_in_place_writes_through_a_view_into_its_base():
    for lib in (torch, mg):
        x = lib.zeros(2, 3)
        x[1].index_fill_(0, lib.tensor([0, 2]), 5.0)
        assert x.tolist() == [[0.0, 0.0, 0.0], [5.0, 0.0, 5.0]]


L = np.int64
MORE_ERRORS = [
    (lambda lib, x: x.rot90(1, (0,)), (X,), "expected total rotation dims == 2, but got dims = 1"),
    (lambda lib, x: x[0].rot90(), (X,), "expected total dims >= 2, but got total dims = 1"),
    (lambda lib, x: x.rot90(1, (0, -2)), (X,),
     "expected rotation dims to be different, but got dim0 = 0 and dim1 = -2"),
    (lambda lib, x, r: x.repeat_interleave(r, dim=1), (X, np.array([1, 2], L)),
     r"repeats must have the same size as input along dim, but got repeats.size\(0\) = 2 and "
     r"input.size\(1\) = 3"),
    (lambda lib, x, r: x.repeat_interleave(r, dim=1), (X, np.array([1, -2, 1], L)),
     "repeats can not be negative"),
    (lambda lib, x, r: x.repeat_interleave(r, dim=1), (X, np.array([1.0, 2, 1])),
     "\"repeat_interleave_cpu\" not implemented for 'Double'"),
    (lambda lib, x, r: x.repeat_interleave(r, dim=1), (X, np.array([[1]], L)),
     "repeats must be 0-dim or 1-dim tensor"),
    (lambda lib, x: x.repeat_interleave(-1), (X,), "Repeats must be non-negative"),
    (lambda lib, x, r: x.repeat_interleave(r, dim=1, output_size=5), (X, np.array([1, 2, 1], L)),
     "allocated size does not match required size"),
    (lambda lib, x, i: x.take(i), (X, np.array([6], L)),
     r"out of range: tried to access index 6 on a tensor of 6 elements."),
    (lambda lib, x, i: x.take(i), (X, np.array([-7], L)),
     r"out of range: tried to access index -7 on a tensor of 6 elements."),
    (lambda lib, x, i: x.take(i), (X, np.array([1.0])),
     r"take\(\): Expected a long tensor for index, but got Double"),
    (lambda lib, x, i: x.take_along_dim(i, dim=1), (X, np.array([0], L)),
     r"torch.take_along_dim\(\): input and indices should have the same number of dimensions, "
     r"but got 2 dimensions for input, and 1 dimensions for indices"),
    (lambda lib, x, i: x.take_along_dim(i, dim=1), (X, np.array([[0.0]])),
     r"torch.take_along_dim\(\): dtype of indices should be Long but got Double"),
    (lambda lib, x, i: x.take_along_dim(i, dim=1), (X, np.zeros((3, 1), L)),
     r"The size of tensor a \(2\) must match the size of tensor b \(3\) at non-singleton "
     r"dimension 0"),
    (lambda lib, x: lib.meshgrid(x[0], x[0], indexing="xx"), (X,),
     'torch.meshgrid: indexing must be one of "xy" or "ij", but received: xx'),
    (lambda lib, x: lib.meshgrid(x, x[0], indexing="ij"), (X,),
     "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got"),
    (lambda lib, x: lib.meshgrid(indexing="ij"), (X,), "meshgrid expects a non-empty TensorList"),
    (lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), (np.zeros(2), np.zeros(2, np.float32)),
     "meshgrid expects all tensors to have the same dtype"),
    (lambda lib, x: lib.dstack([x[0], x[0, :2]]), (X,), "Sizes of tensors must match except in "
     "dimension 2. Expected size 3 but got size 2 for tensor number 1 in the list."),
    (lambda lib, x: lib.column_stack([x[0], x[:, :2]]), (X,), "Sizes of tensors must match "
     "except in dimension 1. Expected size 3 but got size 2 for tensor number 1 in the list."),
    (lambda lib, x: lib.column_stack([]), (X,), "column_stack expects a non-empty TensorList"),
    (lambda lib, x: lib.dstack([]), (X,), "dstack expects a non-empty TensorList"),
    (lambda lib, x: x.tensor_split(0), (X,), "number of sections must be larger than 0, got 0"),
    (lambda lib, x: x[0, 0].tensor_split(2), (X,), "tensor_split expected at least a "
     "1-dimensional tensor, but got a tensor with 0 dims"),
    (lambda lib, x, i: x.tensor_split(i), (X, np.array([1.0])), "tensor_split expected "
     "tensor_indices_or_sections to have dtype of long, but got Double"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([0], L), np.ones((1, 2))),
     r"source tensor shape must match self tensor shape, excluding the specified dimension. "
     r"Got self.shape = \[2, 3\] source.shape = \[1, 2\]"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([0, 1], L), np.ones((1, 3))),
     r"index_add_\(\): Number of indices \(2\) should be equal to source.size\(dim\): \(1\), "
     r"for dim: 0"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([0.0]), np.ones((1, 3))),
     r"index_add_\(\): Expected dtype int32/int64 for index but got: Double"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([5], L), np.ones((1, 3))),
     "index 5 is out of bounds for dimension 0 with size 2"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([0], L), np.ones((1, 3), np.float32)),
     r"index_add_\(\): self \(Double\) and source \(Float\) must have the same scalar type"),
    (lambda lib, x, i, s: x.index_add(0, i, s), (X, np.array([[0]], L), np.ones((1, 3))),
     r"index_add_\(\): Index is supposed to be a vector, but got dim: 2 with type: Long and "
     r"size: \[1, 1\]"),
    (lambda lib, x, i, s: x.index_copy(0, i, s), (X, np.array([0], L), np.ones((1, 2))),
     r"index_copy_\(\): Source/destination tensor must have same slice shapes. Destination "
     r"slice shape: 3 at dimension 0 and source slice shape: 2 at dimension 0."),
    (lambda lib, x, i, s: x.index_copy(0, i, s), (X, np.array([5], L), np.ones((1, 3))),
     r"index_copy_\(\): index 5 is out of bounds for dimension 0 with size 2"),
    (lambda lib, x, i, s: x.index_copy(0, i, s), (X, np.array([0, 1], L), np.ones((1, 3))),
     r"index_copy_\(\): Number of indices \(2\) should be equal to source.size\(dim\) \(1\)"),
    (lambda lib, x, i: x.index_fill(0, i, 1.0), (X, np.array([5], L)),
     "index 5 is out of bounds for dimension 0 with size 2"),
    (lambda lib, x, i: x.index_fill(0, i, 1.0), (X, np.array([0.0])),
     r"index_fill_\(\): Expected dtype int64 for index."),
    (lambda lib, x, i: x.index_fill(0, i, 1.0), (X, np.array([[0]], L)),
     "Index has to be a vector/scalar"),
    (lambda lib, x: lib.block_diag(x[None]), (X,), "torch.block_diag: Input tensors must have 2 "
     "or fewer dimensions. Input 0 has 3 dimensions"),
    (lambda lib, x: lib.cartesian_prod(x), (X,), r"Expect a 1D vector, but got shape \[2, 3\]"),
    (lambda lib, x: lib.tril_indices(-1, 4), (X,), "row must be non-negative, got-1"),
    (lambda lib, x: lib.triu_indices(3, 4, dtype=lib.float32), (X,),
     "\"triu_indices\" not implemented for 'Float'"),
    (lambda lib, x, i, s: x.scatter_reduce(0, i, s, "mean"),
     (np.ones((2, 3), bool), np.array([[0]], L), np.ones((1, 1), bool)),
     "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'"),
]


@pytest.mark.parametrize(("op", "tensors", "match"), MORE_ERRORS,
                         ids=[m[:40] for *_, m in MORE_ERRORS])
def test_more_bad_arguments_fail_with_torchs_error(op, tensors, match):
    assert_raises_like_torch(op, Call(tensors), match=match)


def _few_values(call):
    """x and src rounded to a few values (-2 to 2), so that ties of amax/amin among self and
    src, and zeros in a prod, are common."""
    x, index, src = call.tensors
    return Call((np.round(x / 3), index, np.round(src / 3)), call.kwargs)


@op_test(along_dim_inputs().map(_few_values).flatmap(lambda call: st.builds(
    lambda reduce, include_self: Call(call.tensors, {**call.kwargs, "reduce": reduce,
                                                     "include_self": include_self}),
    st.sampled_from(("sum", "prod", "mean", "amax", "amin")), st.booleans())))
def test_scatter_reduce_reduces_src_into_self_and_shares_gradients_among_ties(
        lib, x, index, src, dim, reduce, include_self):
    return lib.scatter_reduce(x, dim, index, src, reduce, include_self=include_self)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_of_a_non_empty_index_by_each_reduction(reduce):
    """The test above for each reduction apart, with every place of index written to: its
    draws are mostly empty indices, which leave x as it was whatever the reduction."""
    def op(lib, x, index, src, dim, include_self):
        return lib.scatter_reduce(x, dim, index, src, reduce, include_self=include_self)

    calls = along_dim_inputs(empty=False).map(_few_values).flatmap(lambda call: st.builds(
        lambda include_self: Call(call.tensors, {**call.kwargs, "include_self": include_self}),
        st.booleans()))
    check_against_torch(functools.partial(op, mg), functools.partial(op, torch), calls)


@pytest.mark.parametrize("dtype", [np.int64, np.uint8])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@given(call=along_dim_inputs(empty=False), include_self=st.booleans())
def test_scatter_reduce_of_integers_is_exact(dtype, reduce, call, include_self):
    """Integers are reduced in their own dtype: a mean is floored, uint8 wraps around, and an
    int64 beyond 2**53 keeps its last digits (which a float64 has no room for)."""
    x, index, src = call.tensors
    offset = {"amax": 2**60 + 1, "amin": 2**60 + 1, "mean": 2**58 + 1}.get(reduce, 0) * (
        dtype == np.int64)  # (a mean's sum of up to five terms stays within int64)
    x, src = ((np.round(a * 3).astype(np.int64) + offset).astype(dtype) for a in (x, src))
    results = [lib.tensor(x).scatter_reduce(call.kwargs["dim"], lib.tensor(index),
                                            lib.tensor(src), reduce, include_self=include_self)
               for lib in (torch, mg)]
    np.testing.assert_array_equal(results[1].numpy(), results[0].numpy(), strict=True)


@pytest.mark.parametrize("name, args", [("scatter", ()), ("scatter_add", ()),
                                        ("scatter_reduce", ("mean",))])
def test_a_src_larger_than_index_gives_only_its_part_of_index_s_shape(name, args):
    """src[i][j] is read only where index has an element: the rest of a larger src is unused."""
    results = []
    for lib in (torch, mg):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        src = lib.tensor(np.arange(10.0, 22.0).reshape(3, 4))
        y = getattr(x, name)(1, lib.tensor([[1, 0], [2, 0]]), src, *args)
        y.backward(lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs, strict=True)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_with_reduce_adds_or_multiplies_without_a_derivative_as_in_torch(reduce):
    results = []
    for lib in (torch, mg):
        x = lib.ones(2, 3, requires_grad=True)
        index, src = lib.tensor([[0, 0, 2]]), lib.full((1, 3), 3.0)
        with warnings.catch_warnings():  # (a deprecation warning that PyTorch gives once)
            warnings.simplefilter("ignore")
            y = x.scatter(1, index, src, reduce=reduce)
        z = x.scatter(1, index, 2.0, reduce=reduce)
        with pytest.raises(RuntimeError,
                           match="^derivative for aten::scatter is not implemented$"):
            y.sum().backward()
        results.append((y.tolist(), z.tolist()))
    assert results[0] == results[1]


def test_scatter_with_an_unknown_reduce_fails_as_in_torch():
    assert_raises_like_torch(lambda lib, x, i: x.scatter(1, i, 2.0, reduce="max"),
                             Call((X, np.array([[0]], I64))),
                             match="reduce argument must be either add or multiply.")


def test_scatter_reduce_with_an_unknown_reduction_fails_as_in_torch():
    assert_raises_like_torch(
        lambda lib, x, i, s: x.scatter_reduce(1, i, s, "foo"),
        Call((X, np.array([[0]], I64), np.ones((1, 1)))),
        match=r"^reduce argument must be either sum, prod, mean, amax or amin, got foo$")


def _outcome(lib, fn):
    """fn(lib)'s values, shape, whether it is a view and contiguous; or its error's type."""
    try:
        out = fn(lib)
    except (RuntimeError, IndexError, ValueError, TypeError) as error:
        return type(error).__name__
    return (out.detach().numpy().tolist(), tuple(out.shape), out._is_view(), out.is_contiguous())


@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
       dim=st.integers(-3, 2), start=st.integers(-5, 5), length=st.integers(-1, 5),
       as_tensor=st.booleans())
def test_narrow_is_a_view_with_pytorchs_bounds(shape, dim, start, length, as_tensor):
    """narrow(dim, start, length): start in [-n, n] (negative from the end), length >= 0 and
    within the dim; a view, and PyTorch's error, checked in its order, otherwise. (start may
    be a 0-d tensor.)"""
    def narrow(lib):
        x = lib.arange(float(np.prod(shape))).reshape(shape)
        return lib.narrow(x, dim, lib.tensor(start) if as_tensor else start, length)
    assert _outcome(mg, narrow) == _outcome(torch, narrow)


MEMORY_LAYOUTS = {
    "view of a transpose": lambda lib, x: x.t().view(-1),
    "view of a column slice": lambda lib, x: x[:, :2].view(4),
    "view of one column": lambda lib, x: x[:, :1].view(2),
    "view_as of a transpose": lambda lib, x: x.t().view_as(x.reshape(6)),
    "reshape of a transpose": lambda lib, x: x.t().reshape(6),
    "contiguous of a transpose": lambda lib, x: x.t().contiguous(),
    "contiguous of a strided slice": lambda lib, x: x[:, ::2].contiguous(),
    "contiguous of itself": lambda lib, x: x.contiguous(),
    "a strided slice": lambda lib, x: x[:, ::2],
    "a negative step": lambda lib, x: x[:, ::-1],
    "indexed by True": lambda lib, x: x[True],
    "indexed by False": lambda lib, x: x[False],
}


@pytest.mark.parametrize("name", sorted(MEMORY_LAYOUTS))
def test_views_and_copies_by_memory_layout_are_pytorchs(name):
    """view refuses a shape the memory cannot take (reshape copies); contiguous() copies a
    transpose or a strided slice, so that changing the copy leaves x alone; a negative step
    is refused; a bool index picks a copy."""
    def run(lib):
        x = lib.arange(6.0).reshape(2, 3)
        out = MEMORY_LAYOUTS[name](lib, x)
        if out.numel():
            out.add_(1.0)  # (through a view, x changes too)
        return x.clone() if out.numel() == 0 else lib.cat([x.reshape(-1), out.reshape(-1)])
    assert _outcome(mg, lambda lib: MEMORY_LAYOUTS[name](lib, lib.arange(6.0).reshape(2, 3))) \
        == _outcome(torch, lambda lib: MEMORY_LAYOUTS[name](lib, lib.arange(6.0).reshape(2, 3)))
    assert _outcome(mg, run) == _outcome(torch, run)

"""Shape and indexing operations against PyTorch: flip, roll, repeat, tile, swapaxes, movedim,
unflatten, broadcast_to, index_select, gather, scatter_add, scatter, masked_select, hstack and
vstack.

Values and gradients go through the `op_test` factory (float32 and float64, empty and 0-d
tensors where PyTorch accepts them); which results are views, and the errors of bad dims,
sizes and indices, are compared with PyTorch directly.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
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
    else:
        sizes = []
        while n > 1 or not sizes:
            k = draw(st.sampled_from([k for k in range(1, n + 1) if n % k == 0]))
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
def along_dim_inputs(draw, unique=False, src=True):
    """x, an index no larger than x but along `dim` (any length; at most x's when `unique`,
    each line of index then free of repeats), and a src of the index's shape."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=1, allow_empty=True))
    d = draw(dim(len(shape)))
    along = draw(st.integers(0, shape[d] if unique else 4)) if shape[d] else 0
    index_shape = tuple(along if k == d % len(shape) else draw(st.integers(0, n))
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

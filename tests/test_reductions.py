"""Reductions, scans and sorting against PyTorch: prod, cumsum, cumprod, logcumsumexp,
cummax/cummin, sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, quantile,
nanquantile, any, all, count_nonzero, aminmax, var_mean, std_mean, nansum, nanmean, dist,
unique and unique_consecutive: values, indices (which of tied elements PyTorch picks) and the
gradients, which go to the element PyTorch picks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import Call, arrays, dim, dims, float_dtypes, shapes

import minigrad as mg

FORMS = st.sampled_from(("method", "function"))


def apply(lib, x, name: str, form: str, *args, **kwargs):
    """`x.name(...)` or `lib.name(x, ...)`: both spellings exist in both libraries."""
    if form == "method":
        return getattr(x, name)(*args, **kwargs)
    return getattr(lib, name)(x, *args, **kwargs)


@st.composite
def along(
    draw: st.DrawFn,
    *,
    several: bool = False,
    allow_none: bool = False,
    keepdim: bool = True,
    low: float = -5.0,
    high: float = 5.0,
    special: tuple[float, ...] = (0.0, 1.0),
    ties: bool = True,
    allow_empty: bool = False,
    **kwargs: st.SearchStrategy,
) -> Call:
    """One float tensor, a `dim` valid for it (one dim, or several), maybe `keepdim`, and the
    keyword arguments drawn from `kwargs`. Ties (a pool of at most three values) in about half
    the draws, so that which of equal elements is picked is tested."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(allow_empty=allow_empty))
    x = draw(arrays(dtype, shape, low=low, high=high, special=special, ties=ties))
    strategy = dims(len(shape), allow_none=allow_none) if several else dim(len(shape))
    if allow_none and not several:
        strategy = st.one_of(st.none(), strategy)
    extra = {"keepdim": draw(st.booleans())} if keepdim else {}
    return Call((x,), {"dim": draw(strategy), **extra, **draw(st.fixed_dictionaries(kwargs))})


# ---------------------------------------------------------------------------------------------
# Products and scans


@op_test(along(allow_none=True, low=-2, high=2, special=(0.0, 1.0, -1.0), form=FORMS))
def test_prod_gradient_with_no_one_or_several_zeros(lib, x, dim, keepdim, form):
    """d/dx_i prod(x) = prod of the others: a lone zero gets the product of the rest of its
    slice, the other elements 0; two zeros give 0 throughout."""
    if dim is None:
        return apply(lib, x, "prod", form)
    return apply(lib, x, "prod", form, dim, keepdim=keepdim)


@given(st.sampled_from((torch.int32, torch.int64, torch.uint8, torch.bool, torch.float64)),
       st.sampled_from(("none", "float64", "its own")))
def test_prod_and_cumsum_of_integers_are_int64_unless_dtype_says(dtype, given_dtype):
    """dtype= the tensor's own keeps int32, uint8 and bool (where NumPy's prod would widen)."""
    data = [[1, 2, 0], [3, 1, 2]]
    to = {"none": None, "float64": torch.float64, "its own": dtype}[given_dtype]
    theirs_kwargs = {} if to is None else {"dtype": to}
    ours_kwargs = {} if to is None else {"dtype": getattr(mg, str(to)[6:])}
    for name, args in (("prod", ()), ("prod", (1,)), ("cumsum", (1,)), ("cumprod", (0,)),
                       ("sum", ())):
        if to is torch.bool and name.startswith("cum"):  # PyTorch has no bool scans
            continue
        theirs = getattr(torch.tensor(data, dtype=dtype), name)(*args, **theirs_kwargs)
        ours = getattr(mg.tensor(data, dtype=getattr(mg, str(dtype)[6:])), name)(*args,
                                                                                 **ours_kwargs)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "minigrad."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@op_test(along(keepdim=False, name=st.sampled_from(("cumsum", "logcumsumexp")), form=FORMS))
def test_cumsum_and_logcumsumexp_gradients_are_reverse_scans(lib, x, dim, name, form):
    """d/dx_i of sum_j g_j y_j is sum_{j >= i} g_j (times exp(x_i - y_j) for logcumsumexp)."""
    return apply(lib, x, name, form, dim)


@op_test(along(keepdim=False, low=-2, high=2, special=(0.0, 1.0, -1.0), form=FORMS))
def test_cumprod_gradient_through_zeros(lib, x, dim, form):
    """Past a slice's first zero every product is 0: the gradient reaches only that zero (the
    products with it left out) and the elements before it."""
    return apply(lib, x, "cumprod", form, dim)


@op_test(along(keepdim=False, name=st.sampled_from(("cummax", "cummin")), form=FORMS))
def test_cummax_and_cummin_take_the_later_of_tied_indices(lib, x, dim, name, form):
    result = apply(lib, x, name, form, dim)
    return result.values, result.indices


@given(st.sampled_from(("cummax", "cummin")))
def test_cummax_and_cummin_keep_the_index_of_the_first_nan(name):
    data = [1.0, math.nan, 3.0, math.nan, -1.0]
    theirs = getattr(torch.tensor(data), name)(0)
    ours = getattr(mg.tensor(data), name)(0)
    np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


# ---------------------------------------------------------------------------------------------
# Sorting and selection


@op_test(along(keepdim=False, special=(0.0, 1.0, math.nan), descending=st.booleans(),
               stable=st.booleans(), form=FORMS))
def test_sort_keeps_tied_elements_in_order_and_sorts_nan_as_largest(
    lib, x, dim, descending, stable, form
):
    result = apply(lib, x, "sort", form, dim=dim, descending=descending, stable=stable)
    argsorted = apply(lib, x, "argsort", form, dim=dim, descending=descending, stable=stable)
    return result.values, result.indices, argsorted


@op_test(along(keepdim=False, form=FORMS))
def test_msort_sorts_along_the_first_dim(lib, x, dim, form):
    return apply(lib, x, "msort", form)


@st.composite
def topk_inputs(draw: st.DrawFn) -> Call:
    """Distinct values: PyTorch's choice among tied elements is its selection algorithm's."""
    call = draw(along(keepdim=False, ties=False, special=(), largest=st.booleans(), form=FORMS))
    (x,), d = call.tensors, call.kwargs["dim"]
    size = x.shape[d] if x.ndim else 1
    assume(np.unique(x).size == x.size)  # (ties=False alone still lets values repeat)
    return Call((x,), {**call.kwargs, "k": draw(st.integers(0, size))})


@op_test(topk_inputs())
def test_topk_largest_or_smallest_first_with_the_gradient_on_the_picked(
    lib, x, dim, largest, form, k
):
    result = apply(lib, x, "topk", form, k, dim, largest=largest)
    return result.values, result.indices


@st.composite
def kthvalue_inputs(draw: st.DrawFn) -> Call:
    call = draw(along(form=FORMS))
    (x,), d = call.tensors, call.kwargs["dim"]
    size = x.shape[d] if x.ndim else 1
    return Call((x,), {**call.kwargs, "k": draw(st.integers(1, size))})


@op_test(kthvalue_inputs())
def test_kthvalue_picks_the_kth_of_a_stable_sort(lib, x, dim, keepdim, form, k):
    result = apply(lib, x, "kthvalue", form, k, dim, keepdim=keepdim)
    return result.values, result.indices


@op_test(along(special=(0.0, 1.0, math.nan), name=st.sampled_from(("median", "nanmedian")),
               form=FORMS))
def test_median_with_dim_is_the_lower_middle_or_nan_with_its_index(
    lib, x, dim, keepdim, name, form
):
    result = apply(lib, x, name, form, dim, keepdim=keepdim)
    return result.values, result.indices


@op_test(along(special=(0.0, 1.0, math.nan), name=st.sampled_from(("median", "nanmedian")),
               form=FORMS))
def test_median_of_everything_gives_the_whole_gradient_to_one_element(
    lib, x, dim, keepdim, name, form
):
    return apply(lib, x, name, form)


@op_test(along(form=FORMS))
def test_mode_is_the_smallest_most_frequent_value_at_its_last_index(lib, x, dim, keepdim, form):
    result = apply(lib, x, "mode", form, dim, keepdim=keepdim)
    return result.values, result.indices


@st.composite
def quantile_inputs(draw: st.DrawFn, name: str) -> Call:
    special = (0.0, 1.0, math.nan)
    call = draw(along(allow_none=True, special=special, form=FORMS,
                      interpolation=st.sampled_from(("linear", "lower", "higher", "midpoint",
                                                     "nearest"))))
    (x,) = call.tensors
    quantiles = st.floats(0, 1) | st.sampled_from((0.0, 0.25, 0.5, 1.0))
    if draw(st.booleans()):
        q = draw(st.floats(0, 1))
    else:
        q = np.array(draw(st.lists(quantiles, min_size=1, max_size=3)), x.dtype)
    return Call((x,), {**call.kwargs, "q": q, "name": name})


def _quantile(lib, x, dim, keepdim, form, interpolation, q, name):
    if isinstance(q, np.ndarray):
        q = lib.tensor(q)
    return apply(lib, x, name, form, q, dim, keepdim=keepdim, interpolation=interpolation)


@op_test(quantile_inputs("quantile"))
def test_quantile_interpolates_between_sorted_neighbours_and_is_nan_with_a_nan(
    lib, x, dim, keepdim, form, interpolation, q, name
):
    """linear: below + (above - below) w, so d/d below = 1 - w and d/d above = w."""
    return _quantile(lib, x, dim, keepdim, form, interpolation, q, name)


@op_test(quantile_inputs("nanquantile"))
def test_nanquantile_ranks_only_the_numbers(lib, x, dim, keepdim, form, interpolation, q, name):
    return _quantile(lib, x, dim, keepdim, form, interpolation, q, name)


# ---------------------------------------------------------------------------------------------
# Logical reductions, counts, pairs of statistics, nan-ignoring sums


@op_test(along(several=True, allow_none=True, special=(0.0,),
               name=st.sampled_from(("any", "all")), form=FORMS))
def test_any_and_all_over_dims_give_bool(lib, x, dim, keepdim, name, form):
    if dim is None:
        return apply(lib, x, name, form)
    return apply(lib, x, name, form, dim, keepdim=keepdim)


@op_test(along(several=True, allow_none=True, keepdim=False, special=(0.0,), form=FORMS))
def test_count_nonzero_over_dims_is_int64(lib, x, dim, form):
    return apply(lib, x, "count_nonzero", form, dim=dim)


@op_test(along(allow_none=True, form=FORMS))
def test_aminmax_splits_each_gradient_among_ties(lib, x, dim, keepdim, form):
    result = apply(lib, x, "aminmax", form, dim=dim, keepdim=keepdim)
    return result.min, result.max


@op_test(along(several=True, allow_none=True, ties=False, special=(),
               name=st.sampled_from(("var_mean", "std_mean")),
               correction=st.sampled_from((0, 1))).filter(lambda call: call.tensors[0].size > 1))
def test_var_mean_and_std_mean_give_both_statistics(lib, x, dim, keepdim, name, correction):
    """Functions only: PyTorch has no Tensor.var_mean."""
    return getattr(lib, name)(x, dim, keepdim=keepdim, correction=correction)


@op_test(along(several=True, allow_none=True, special=(0.0, math.nan),
               name=st.sampled_from(("nansum", "nanmean")), form=FORMS))
def test_nansum_and_nanmean_skip_nans_which_get_no_gradient(lib, x, dim, keepdim, name, form):
    return apply(lib, x, name, form, dim, keepdim=keepdim)


@op_test(along(keepdim=False, special=(0.0,), p=st.sampled_from((2, 1, 3, 0, math.inf))))
def test_dist_is_the_norm_of_the_difference(lib, x, dim, p):
    return lib.dist(x, x.detach() * 0.5 + 1, p=p)


@given(st.data(), float_dtypes(), st.booleans(), st.booleans())
def test_unique_and_unique_consecutive_with_inverse_and_counts(data, dtype, inverse, counts):
    shape = data.draw(shapes(allow_empty=False))
    x = data.draw(arrays(dtype, shape, special=(0.0, 1.0)))
    d = data.draw(st.none() | dim(len(shape))) if shape else None
    for name, extra in (("unique", {"sorted": True}), ("unique_consecutive", {})):
        kwargs = {"return_inverse": inverse, "return_counts": counts, "dim": d, **extra}
        theirs = getattr(torch.tensor(x), name)(**kwargs)
        ours = getattr(mg.tensor(x), name)(**kwargs)
        theirs, ours = (theirs, ours) if isinstance(ours, tuple) else ((theirs,), (ours,))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert str(a.dtype) == str(b.dtype).replace("torch.", "minigrad.")
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@op_test(along(several=True, allow_none=False, special=(0.0, math.inf, -math.inf), form=FORMS))
def test_logsumexp_with_infinite_inputs(lib, x, dim, keepdim, form):
    """An inf gives inf (gradient nan on it, 0 elsewhere); a slice of only -inf gives -inf."""
    return apply(lib, x, "logsumexp", form, dim, keepdim=keepdim)


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("op", "match"),
    [
        (lambda lib, x: x.topk(4), "selected index k out of range"),
        (lambda lib, x: x.kthvalue(0), r"kthvalue\(\): selected number k out of range"),
        (lambda lib, x: x.quantile(1.5), r"q must be in the range \[0, 1\] but got 1.5"),
        (lambda lib, x: x.quantile(lib.tensor([0.5, 2.0])), r"q values must be in the range"),
        (lambda lib, x: x.quantile(0.5, interpolation="cubic"), "interpolation must be one of"),
        (lambda lib, x: x.long().quantile(0.5), "input tensor must be either float or double"),
        (lambda lib, x: x.quantile(lib.tensor([0.5], dtype=lib.float64)), "same dtype"),
        (lambda lib, x: x.sort(2), "Dimension out of range"),
        (lambda lib, x: x.cumsum(-3), "Dimension out of range"),
        (lambda lib, x: x.cummax(1), "Dimension out of range"),
        (lambda lib, x: x.median(5), "Dimension out of range"),
        (lambda lib, x: x.prod(1), "Dimension out of range"),
        (lambda lib, x: x.any(2), "Dimension out of range"),
        (lambda lib, x: x.long().logcumsumexp(0), "not implemented for 'Long'"),
        (lambda lib, x: x[:0].median(0), r"median\(\): Expected reduction dim 0 to have non-zero"),
        (lambda lib, x: x[:0].nanmedian(0), r"median\(\): Expected reduction dim 0 to have"),
        (lambda lib, x: x[:0].kthvalue(1), r"kthvalue\(\): Expected reduction dim 0 to have"),
        (lambda lib, x: x[:0].mode(0), r"mode\(\): Expected reduction dim 0 to have non-zero"),
        (lambda lib, x: x.bool().median(), "\"median_cpu\" not implemented for 'Bool'"),
        (lambda lib, x: x.bool().nanmedian(), "\"median_cpu\" not implemented for 'Bool'"),
        (lambda lib, x: x.bool().median(0), "\"median_out\" not implemented for 'Bool'"),
        (lambda lib, x: x.bool().nanmedian(0), "\"median_out\" not implemented for 'Bool'"),
        (lambda lib, x: x.bool().kthvalue(1), "\"kthvalue_cpu\" not implemented for 'Bool'"),
        (lambda lib, x: x.bool().topk(1), "topk does not support bool dtypes on CPU"),
        (lambda lib, x: x.bool()[0].topk(1), "topk does not support bool dtypes on CPU"),
    ],
)
def test_bad_arguments_raise_like_torch(op, match):
    assert_raises_like_torch(op, Call((np.array([3.0, 1.0, 2.0], np.float32),), {}), match)


@given(st.data(), float_dtypes())
def test_named_results_print_as_torchs_return_types(data, dtype):
    """max(dim), sort, topk, ... return named tuples that print one field per line, as
    torch.return_types.max(...) (with minigrad's module name)."""
    x = np.array(data.draw(st.permutations(range(12))), dtype).reshape(3, 4)  # no ties
    calls = {"max": lambda t: t.max(1), "min": lambda t: t.min(0), "sort": lambda t: t.sort(),
             "topk": lambda t: t.topk(2), "aminmax": lambda t: t.aminmax(),
             "cummax": lambda t: t.cummax(1), "kthvalue": lambda t: t.kthvalue(2),
             "median": lambda t: t.median(1), "mode": lambda t: t.mode(0)}
    for name, call in calls.items():
        ours, theirs = call(mg.tensor(x)), call(torch.tensor(x))
        assert type(ours).__name__ == type(theirs).__name__ == name
        assert repr(ours) == repr(theirs).replace("torch.", "minigrad.")

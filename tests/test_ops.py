"""Every differentiable operation of minigrad against PyTorch, forward and backward.

Each test is the operation, written once for both libraries (`lib` is `mg` or `torch`); the
`op_test` factory draws its inputs, runs it in both, and compares values, gradients, dtypes and
shapes (see tests/factory.py). Inputs are float32 and float64, 0-d to 4-d, with exact zeros and
ties injected where PyTorch's convention at a non-smooth point is what is being pinned.
"""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    Call,
    arrays,
    broadcastable_shapes,
    dim,
    dims,
    edge_shapes,
    elementwise,
    expanded,
    float_dtypes,
    index_arrays,
    insertion_dim,
    masks,
    one_tensor,
    reshaped,
    shapes,
    unary,
)

import minigrad as mg

ARITHMETIC = ("add", "sub", "mul", "truediv")
FORMS = st.sampled_from(("method", "function"))


def apply(lib, x, name: str, form: str, *args, **kwargs):
    """`x.name(...)` or `lib.name(x, ...)`: both spellings exist in both libraries."""
    if form == "method":
        return getattr(x, name)(*args, **kwargs)
    return getattr(lib, name)(x, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Arithmetic operators, broadcasting, Python scalars on either side


@op_test(elementwise(2, op=st.sampled_from(("add", "sub", "mul"))))
def test_add_sub_mul_broadcast_and_sum_gradients_back_to_each_shape(lib, a, b, op):
    return getattr(operator, op)(a, b)


@op_test(elementwise(2, per_tensor=({}, {"margin": 0.1})))
def test_true_division_broadcasts(lib, a, b):
    return a / b


@op_test(elementwise(2, low=-3, high=3, special=(0.0,), per_tensor=({}, {"special": (0.0,)})))
def test_division_by_zero_gives_inf_and_nan_with_torchs_gradients(lib, a, b):
    return a / b


@op_test(unary())
def test_unary_minus(lib, x):
    return -x


@op_test(
    unary(
        scalar=st.one_of(st.floats(-3, 3), st.integers(-3, 3)),
        op=st.sampled_from(("add", "sub", "mul")),
        scalar_first=st.booleans(),
    )
)
def test_python_scalar_on_either_side_keeps_the_tensor_dtype(lib, x, scalar, op, scalar_first):
    """A float scalar does not promote float32 to float64; `2 - x` goes through __rsub__."""
    f = getattr(operator, op)
    return f(scalar, x) if scalar_first else f(x, scalar)


@op_test(unary(margin=0.1, scalar=st.one_of(st.floats(-3, 3), st.integers(-3, 3))))
def test_python_scalar_divided_by_tensor(lib, x, scalar):
    return scalar / x


@op_test(unary(scalar=st.one_of(st.floats(0.1, 3), st.floats(-3, -0.1), st.sampled_from((1, -2)))))
def test_tensor_divided_by_python_scalar(lib, x, scalar):
    return x / scalar


# ---------------------------------------------------------------------------------------------
# Powers


@op_test(elementwise(2, per_tensor=({"low": 0.1, "high": 3.0}, {"low": -2.0, "high": 3.0})))
def test_pow_with_tensor_exponent_on_positive_bases(lib, base, exponent):
    """d/dx x^e = e x^(e-1), d/de x^e = x^e ln x."""
    return base**exponent


@st.composite
def integer_valued_exponents(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    base_shape, exponent_shape = draw(broadcastable_shapes(2, allow_empty=True))
    base = draw(arrays(dtype, base_shape, low=-3, high=3, special=(0.0,)))
    exponent = draw(arrays(dtype, exponent_shape, low=-3, high=3, special=(0.0,))).round()
    return Call((base, exponent))


@op_test(integer_valued_exponents())
def test_pow_negative_and_zero_bases_with_integer_valued_exponents(lib, base, exponent):
    """(-3)^2 = 9 with d/dx = -6; x^0 = 1 with gradient 0 even at 0; 0^-1 = inf; the exponent's
    gradient x^e ln x is nan for a negative base and 0 at base 0 (for e >= 0)."""
    return base**exponent


POWERS = (0, 1, 2, 3, -1, -2, 0.0, 0.5, 1.5, 2.0, -0.5, 1 / 3)


def _signed_zeros_made_positive(call: Call) -> Call:
    # -0.0 + 0.0 is +0.0; every other value is unchanged.
    return Call(tuple(a + a.dtype.type(0) for a in call.tensors), call.kwargs)


@op_test(
    unary(low=-3, high=3, special=(0.0,), exponent=st.sampled_from(POWERS)).map(
        _signed_zeros_made_positive
    )
)
def test_pow_with_python_exponent_including_fractional_powers_of_negatives(lib, x, exponent):
    """(-4)^0.5 = nan with a nan gradient, x^0 has gradient 0, 0^0.5 has gradient inf.
    (-0.0 has its own test below.)"""
    return x**exponent


@pytest.mark.xfail(
    strict=True,
    reason="engine: pow uses NumPy's power at -0.0: tensor(-0.) ** -0.5 is inf (torch: -inf), "
    "and the gradient of tensor(-0.) ** 0.5 is inf (torch: -inf)",
)
@op_test(
    one_tensor(shapes(), exponent=lambda s: st.sampled_from((0.5, -0.5))).map(
        lambda call: Call((np.full_like(call.tensors[0], -0.0),), call.kwargs)
    )
)
def test_pow_of_negative_zero_follows_torchs_sqrt_and_rsqrt(lib, x, exponent):
    """PyTorch computes x^0.5 as sqrt and x^-0.5 as rsqrt: (-0.0)^-0.5 = 1/sqrt(-0.0) = -inf
    (C's pow gives +inf), and the gradient of (-0.0)^0.5 is 0.5/sqrt(-0.0) = -inf."""
    return x**exponent


@op_test(unary(low=-3, high=3, base=st.sampled_from((2.0, 0.5, 3, 1.0, 0.0, -2.0))))
def test_python_scalar_raised_to_a_tensor(lib, x, base):
    """d/dx b^x = b^x ln b, masked to 0 where b = 0."""
    return base**x


# ---------------------------------------------------------------------------------------------
# Matrix multiplication


@st.composite
def matmul_operands(
    draw: st.DrawFn, *, vectors: str = "at most one", empty: bool = False, mismatched: bool = False
) -> Call:
    """1-D, 2-D and batched operands whose batch dims broadcast.

    Args:
        vectors: which operands may be 1-D: "at most one", "both" (a dot product) or "any".
        empty: one of the matrix sizes n, k, p is 0 (k = 0 gives a result of zeros).
        mismatched: the inner (contracted) sizes differ.
    """
    dtype = draw(float_dtypes())
    n, k, p = (draw(st.integers(1, 4)) for _ in range(3))
    if empty:
        n, k, p = draw(st.permutations((0, n, p)))
    k_right = draw(st.integers(1, 5).filter(lambda size: size != k)) if mismatched else k
    batch_left, batch_right = draw(broadcastable_shapes(2, max_dims=2, max_side=3))
    flags = {
        "at most one": st.sampled_from(((False, False), (True, False), (False, True))),
        "both": st.just((True, True)),
        "any": st.tuples(st.booleans(), st.booleans()),
    }[vectors]
    left_is_vector, right_is_vector = draw(flags)
    left = (k,) if left_is_vector else (*batch_left, n, k)
    right = (k_right,) if right_is_vector else (*batch_right, k_right, p)
    return Call(
        (draw(arrays(dtype, left, ties=False)), draw(arrays(dtype, right, ties=False))),
        {"form": draw(st.sampled_from(("operator", "function")))},
    )


@op_test(matmul_operands())
def test_matmul_of_1d_2d_batched_and_broadcast_operands(lib, a, b, form):
    """d/dA (A @ B) = G @ B^T, d/dB = A^T @ G, with batch dims summed back where broadcast."""
    return a @ b if form == "operator" else lib.matmul(a, b)


@op_test(matmul_operands(vectors="both"))
def test_matmul_of_two_vectors_is_their_dot_product(lib, a, b, form):
    """d/da (a · b) = g b, d/db = g a."""
    return a @ b if form == "operator" else lib.matmul(a, b)


@op_test(matmul_operands(empty=True))
def test_matmul_with_an_empty_size_and_zeros_from_an_empty_contraction(lib, a, b, form):
    return a @ b if form == "operator" else lib.matmul(a, b)


def _names_both(n: int, m: int) -> str:
    """A regex for a message that names the numbers n and m (alone, not inside another number),
    in either order: PyTorch sometimes reports the transposed product."""
    return rf"(?s)^(?=.*(?<!\d){n}(?!\d))(?=.*(?<!\d){m}(?!\d))"


@given(matmul_operands(vectors="any", mismatched=True))
def test_matmul_with_mismatched_inner_sizes_raises_runtime_error_naming_both(call):
    a, b = call.tensors
    k_left, k_right = a.shape[-1], b.shape[0 if b.ndim == 1 else -2]
    assert_raises_like_torch(
        lambda lib, a, b, form: a @ b, call, match=_names_both(k_left, k_right)
    )


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))
def test_matmul_2d_mismatch_message_is_torchs(n, k, k_right, p):
    if k == k_right:
        k_right += 1
    call = Call((np.zeros((n, k)), np.zeros((k_right, p))))
    assert_raises_like_torch(
        lambda lib, a, b: a @ b,
        call,
        match=rf"mat1 and mat2 shapes cannot be multiplied \({n}x{k} and {k_right}x{p}\)",
    )


# ---------------------------------------------------------------------------------------------
# Reductions


@st.composite
def reduction_inputs(
    draw: st.DrawFn,
    shape_strategy: st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    allow_none: bool = True,
    several: bool = True,
    special: tuple[float, ...] = (0.0, 1.0),
    margin: float = 0.0,
    ties: bool = True,
    **kwargs: st.SearchStrategy,
) -> Call:
    """One tensor, a `dim` valid for it and `keepdim`. Non-empty shapes unless `shape_strategy`
    says otherwise; `special`, `margin` and `ties` as in `arrays`."""
    dtype = draw(float_dtypes())
    shape = draw(shapes() if shape_strategy is None else shape_strategy)
    x = draw(arrays(dtype, shape, special=special, margin=margin, ties=ties))
    ndim = len(shape)
    dim_strategy = dims(ndim, allow_none=allow_none) if several else dim(ndim)
    return Call(
        (x,),
        {
            "dim": draw(dim_strategy),
            "keepdim": draw(st.booleans()),
            **draw(st.fixed_dictionaries(kwargs)),
        },
    )


@op_test(reduction_inputs(shapes(allow_empty=True), form=FORMS))
def test_sum_over_int_or_tuple_dims_with_keepdim(lib, x, dim, keepdim, form):
    return apply(lib, x, "sum", form, dim=dim, keepdim=keepdim)


@op_test(reduction_inputs(shapes(allow_empty=True), form=FORMS))
def test_mean_gradient_is_one_over_the_count_and_nan_for_empty_slices(lib, x, dim, keepdim, form):
    return apply(lib, x, "mean", form, dim=dim, keepdim=keepdim)


VARIANCE_CORRECTIONS = st.one_of(
    st.fixed_dictionaries({"unbiased": st.booleans()}),
    st.fixed_dictionaries({"correction": st.sampled_from((0, 1, 2, 0.5))}),
)


def _degrees_of_freedom(call: Call) -> float:
    """N - correction: the count of each reduced slice minus the correction."""
    (x,) = call.tensors
    dim, options = call.kwargs["dim"], call.kwargs["correction"]
    reduced = range(x.ndim) if dim is None else [dim] if isinstance(dim, int) else dim
    count = math.prod(x.shape[d] for d in reduced) if x.ndim else 1
    return count - options.get("correction", 1 if options.get("unbiased", True) else 0)


def variance_inputs(*, degenerate: bool = False) -> st.SearchStrategy[Call]:
    """var/std inputs with N - correction > 0, or (degenerate) <= 0.

    Values are distinct and not tiny: the gradient of std where the variance is (nearly) 0
    is rounding noise of the mean amplified to O(1) (PyTorch's own std of equal float32 values
    is often not exactly 0), so slices of equal values cannot be compared.
    """
    calls = reduction_inputs(
        special=(),
        margin=1e-3,
        ties=False,
        name=st.sampled_from(("var", "std")),
        correction=VARIANCE_CORRECTIONS,
    )
    return calls.filter(lambda call: (_degrees_of_freedom(call) <= 0) == degenerate)


@op_test(variance_inputs())
def test_var_and_std_with_unbiased_or_correction(lib, x, dim, keepdim, name, correction):
    """var = Σ(x - mean)² / (N - correction), d/dx var = 2 (x - mean) / (N - correction),
    d/dx std = d/dx var / (2 std)."""
    return getattr(x, name)(dim=dim, keepdim=keepdim, **correction)


@st.composite
def tiny_float32_values(draw: st.DrawFn) -> Call:
    """float32 values of about 1e-25, whose squares underflow in float32."""
    call = draw(reduction_inputs(special=(), ties=False, correction=VARIANCE_CORRECTIONS))
    (x,) = call.tensors
    x = (x.astype(np.float64) * 1e-25).astype(np.float32)
    return Call((x,), call.kwargs)


@op_test(tiny_float32_values().filter(lambda call: _degrees_of_freedom(call) > 0))
def test_std_of_tiny_float32_values_accumulates_in_float64_without_underflow(
    lib, x, dim, keepdim, correction
):
    """PyTorch's CPU var/std accumulate float32 in float64, so the std of values near 1e-25 is
    near 1e-25, not sqrt(0)."""
    return x.std(dim=dim, keepdim=keepdim, **correction)


@pytest.mark.xfail(
    strict=True,
    reason="engine: where N <= correction, torch's 0-d and full-reduction (dim=None) gradients "
    "differ from its dim=int ones and minigrad follows only the latter: tensor(1.).var(dim=0, "
    "correction=2) grad nan in torch, -0 in minigrad; tensor([1., 2.]).var(correction=2) grad "
    "[inf, inf] vs [-inf, inf]",
)
@pytest.mark.filterwarnings("ignore:var\\(\\)|std\\(\\):UserWarning")
@op_test(variance_inputs(degenerate=True))
def test_var_and_std_with_correction_at_least_the_count_give_inf_or_nan(
    lib, x, dim, keepdim, name, correction
):
    return getattr(x, name)(dim=dim, keepdim=keepdim, **correction)


@op_test(unary(allow_empty=False, special=(0.0, 1.0), name=st.sampled_from(("max", "min"))))
def test_full_max_and_min_split_the_gradient_evenly_among_ties(lib, x, name):
    return getattr(x, name)()


@op_test(reduction_inputs(several=False, name=st.sampled_from(("max", "min"))))
def test_max_and_min_with_dim_return_values_and_the_first_index_which_gets_the_gradient(
    lib, x, dim, keepdim, name
):
    result = getattr(x, name)(dim, keepdim=keepdim)
    return result.values, result.indices


@op_test(reduction_inputs(name=st.sampled_from(("amax", "amin"))))
def test_amax_and_amin_split_the_gradient_evenly_among_ties_per_slice(lib, x, dim, keepdim, name):
    if dim is None:
        return getattr(x, name)(keepdim=keepdim)
    return getattr(x, name)(dim=dim, keepdim=keepdim)


@op_test(reduction_inputs(allow_none=False, form=FORMS))
def test_logsumexp_over_int_or_tuple_dims(lib, x, dim, keepdim, form):
    """d/dx logsumexp(x) = softmax(x) along the reduced dims."""
    return apply(lib, x, "logsumexp", form, dim=dim, keepdim=keepdim)


NORM_ORDERS = st.sampled_from((2, 1, 3, 0.5, 1.5, 2.0, math.inf, -math.inf))


@op_test(reduction_inputs(special=(0.0,), margin=1e-3, p=NORM_ORDERS))
def test_norm_with_p_dim_keepdim_and_zero_gradient_at_a_zero_vector(lib, x, dim, keepdim, p):
    """d/dx ||x||_p = sign(x) |x|^(p-1) / ||x||^(p-1), 0 where the norm is 0; the inf-norm splits
    the gradient among tied largest |x| (the -inf-norm among tied smallest). (Values are exact
    zeros or at least 1e-3 in size: tiny ones, whose p-th powers underflow, have their own test
    below.)"""
    return x.norm(p=p, dim=dim, keepdim=keepdim)


@st.composite
def matrices_and_two_dims(draw: st.DrawFn) -> Call:
    """A float tensor of 2 or 3 dims, two distinct dims (or None for a matrix), keepdim."""
    dtype = draw(float_dtypes())
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5))
    x = draw(arrays(dtype, shape, low=-5, high=5))
    pair = st.permutations(range(-len(shape), 0)).map(lambda d: list(d[:2]))
    dim = draw(st.none() | pair) if len(shape) == 2 else draw(pair)
    # Full rank, well conditioned: without full rank the gradient is a subgradient whose choice
    # depends on the SVD routine (LAPACK's build), where PyTorch's and NumPy's may differ.
    s = np.linalg.svd(np.moveaxis(x.astype(np.float64), dim or (0, 1), (-2, -1)),
                      compute_uv=False)
    assume(np.all(s[..., -1] > 1e-2 * s[..., 0]))
    return Call((x,), {"dim": dim, "keepdim": draw(st.booleans())})


@op_test(matrices_and_two_dims())
def test_nuclear_norm_is_the_sum_of_singular_values_with_gradient_u_vt(lib, x, dim, keepdim):
    """||X||_* = sum of X's singular values; d/dX = U V^T of its reduced SVD."""
    return x.norm(p="nuc", dim=dim, keepdim=keepdim)


MATRIX_ORDERS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def _singular_values_apart(call: Call) -> bool:
    """Whether each matrix's singular values are at least a tenth of the largest apart: then
    each one's singular vectors (whose outer product is its gradient) are fixed to within
    float32's rounding over that gap, whichever SVD routine finds them."""
    x, dim = call.tensors[0], call.kwargs["dim"] or (0, 1)
    s = np.linalg.svd(np.moveaxis(x.astype(np.float64), dim, (-2, -1)), compute_uv=False)
    return bool(np.all(-np.diff(s, axis=-1) > 0.1 * s[..., :1]))


@st.composite
def matrix_norm_calls(draw: st.DrawFn) -> Call:
    """matrices_and_two_dims with an order of matrix_norm and the function to call it by (for
    the orders 2 and -2, singular values apart)."""
    call = draw(matrices_and_two_dims())
    ord = draw(st.sampled_from(MATRIX_ORDERS))
    if ord in (2, -2):
        assume(_singular_values_apart(call))
    function = draw(st.sampled_from(("matrix_norm", "norm")))
    if call.kwargs["dim"] is None and function == "matrix_norm":
        call.kwargs["dim"] = (-2, -1)
    return Call(call.tensors, {**call.kwargs, "ord": ord, "function": function})


@op_test(matrix_norm_calls())
def test_linalg_matrix_norms_of_each_order_and_their_gradients(lib, x, dim, keepdim, ord,
                                                               function):
    """'fro', 'nuc', the largest / smallest singular value (2 / -2: d/dX = u v^T of that
    value), the largest / smallest column (1 / -1) or row (inf / -inf) sum of |x|."""
    return getattr(lib.linalg, function)(x, ord, dim, keepdim)


@op_test(reduction_inputs(special=(0.0,), margin=1e-3,
                          p=st.sampled_from((2, 1, 0, 3, 1.5, math.inf, -math.inf)),
                          function=st.sampled_from(("vector_norm", "norm"))))
def test_linalg_vector_norms_and_their_gradients(lib, x, dim, keepdim, p, function):
    """vector_norm over the drawn dims (or every element); norm of one dim is vector_norm,
    and norm without an order or dims the 2-norm of every element."""
    if function == "norm" and dim is None:
        return lib.linalg.norm(x, keepdim=keepdim)
    if function == "norm" and isinstance(dim, int):
        return lib.linalg.norm(x, p, dim, keepdim)
    return lib.linalg.vector_norm(x, p, dim, keepdim)


@op_test(matrices_and_two_dims().filter(_singular_values_apart))
def test_linalg_svdvals_largest_first_with_gradient_u_diag_g_vt(lib, x, dim, keepdim):
    x = x if dim is None else x.movedim(dim, (-2, -1))
    return lib.linalg.svdvals(x)


@st.composite
def one_tiny_element(draw: st.DrawFn) -> Call:
    """A one-element tensor whose square underflows to 0 (about 1e-38 in float32, 1e-300 in
    float64), or a tensor of them reduced over dims of size 1 (slices of one element)."""
    dtype = draw(float_dtypes())
    tiny = 1e-38 if dtype == np.float32 else 1e-300
    shape, dim = draw(st.sampled_from((((), None), ((1,), None), ((1, 1), None), ((3, 1), 1),
                                       ((1, 2, 1), (0, 2)))))
    x = np.full(shape, draw(st.floats(1, 10)) * tiny * draw(st.sampled_from((1, -1))), dtype)
    return Call((x,), {"p": draw(st.sampled_from((2, 1.5, 3, -1.0))), "dim": dim})


@op_test(one_tiny_element())
def test_norm_of_one_tiny_element_is_its_magnitude_without_underflow(lib, x, p, dim):
    """PyTorch returns |x| for a one-element tensor or slice, where |x|^p would underflow to 0.
    Its gradient is not sign(x) but the general formula's: nan for p = 3 (x |x| / ||x||^2 is
    0/0 there) and p = -1."""
    return x.norm(p=p, dim=dim)


# ---------------------------------------------------------------------------------------------
# Elementwise functions


@op_test(unary(low=-20, high=20, special=(0.0, 100.0, 800.0, -800.0), form=FORMS))
def test_exp_including_overflow_to_inf(lib, x, form):
    """d/dx exp(x) = exp(x)."""
    return apply(lib, x, "exp", form)


@op_test(unary(low=-2, high=10, special=(0.0,), form=FORMS))
def test_log_is_minus_inf_at_zero_with_gradient_inf_and_nan_below(lib, x, form):
    """d/dx log(x) = 1/x, finite (-1 at -1) even where log is nan."""
    return apply(lib, x, "log", form)


@op_test(unary(low=-2, high=10, special=(0.0,)))
def test_sqrt_has_infinite_gradient_at_zero(lib, x):
    """d/dx sqrt(x) = 1 / (2 sqrt(x))."""
    return x.sqrt()


@op_test(unary(low=-30, high=30, special=(0.0, 100.0, -100.0), form=FORMS))
def test_tanh_saturates_with_zero_gradient(lib, x, form):
    """d/dx tanh(x) = 1 - tanh(x)²."""
    return apply(lib, x, "tanh", form)


@op_test(unary(low=-30, high=30, special=(0.0, 100.0, -100.0), form=FORMS))
def test_sigmoid_saturates_with_zero_gradient(lib, x, form):
    """d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x))."""
    return apply(lib, x, "sigmoid", form)


@op_test(unary(special=(0.0,), form=FORMS))
def test_relu_gradient_is_zero_at_zero(lib, x, form):
    return apply(lib, x, "relu", form)


@op_test(unary(special=(0.0,)))
def test_abs_gradient_is_sign_and_zero_at_zero(lib, x):
    return x.abs()


@op_test(unary(special=(0.0,)))
def test_builtin_abs_calls_tensor_abs(lib, x):
    return abs(x)


BOUNDS = st.one_of(st.none(), st.floats(-3, 3), st.integers(-3, 3))


@st.composite
def clamp_inputs(draw: st.DrawFn) -> Call:
    """Bounds (one may be None, min may exceed max) and values that hit the bounds exactly."""
    low, high = draw(st.tuples(BOUNDS, BOUNDS).filter(lambda b: b != (None, None)))
    dtype = draw(float_dtypes())
    on_bounds = tuple(float(b) for b in (low, high) if b is not None)
    x = draw(arrays(dtype, draw(shapes(allow_empty=True)), special=on_bounds))
    return Call((x,), {"min": low, "max": high, "form": draw(FORMS)})


@op_test(clamp_inputs())
def test_clamp_gradient_is_one_on_the_closed_interval(lib, x, min, max, form):
    """d/dx clamp(x, a, b) = 1 for a <= x <= b (bounds included), else 0."""
    return apply(lib, x, "clamp", form, min=min, max=max)


@st.composite
def clamp_tensor_inputs(draw: st.DrawFn) -> Call:
    """x and tensor bounds that broadcast together, drawn from a few values so that x meets
    the bounds and the bounds cross, with nan; one bound may be left out."""
    dtype = draw(float_dtypes())
    special = (-1.0, 0.0, 1.0, float("nan"))
    x, low, high = (draw(arrays(dtype, shape, low=-2, high=2, special=special))
                    for shape in draw(broadcastable_shapes(3, max_dims=3)))
    form = draw(st.sampled_from(("method", "function", "in place")))
    bounds = draw(st.sampled_from(("both", "min", "max")))
    if np.broadcast_shapes(x.shape, low.shape, high.shape) != x.shape:
        # (an in-place result keeps x's shape; and with both bounds PyTorch's backward fails,
        # an in-place logical_and_ on a mask of x's shape: README, Differences)
        form = "method" if form == "in place" else form
        bounds = "min" if bounds == "both" else bounds
    return Call((x, low, high), {"bounds": bounds, "form": form})


@op_test(clamp_tensor_inputs())
def test_clamp_between_tensors_promotes_broadcasts_and_sends_each_its_gradient(
        lib, x, low, high, bounds, form):
    """clamp(x, lo, hi) with tensor bounds: min(max(x, lo), hi), nan anywhere giving nan;
    x's gradient where lo <= x <= hi, lo's where x < lo < hi, hi's where x > hi or hi < lo."""
    given = {"min": low if bounds != "max" else None, "max": high if bounds != "min" else None}
    if form == "in place":
        return (x * 1).clamp_(**given)
    return apply(lib, x, "clamp", form, **given)


def test_clamp_without_bounds_raises_like_torch():
    assert_raises_like_torch(
        lambda lib, x: lib.clamp(x),
        Call((np.zeros(3),)),
        match="At least one of 'min' or 'max' must not be None",
    )


@op_test(elementwise(2, special=(0.0, 1.0, -1.0), name=st.sampled_from(("maximum", "minimum"))))
def test_maximum_and_minimum_give_half_the_gradient_to_each_tied_operand(lib, a, b, name):
    return getattr(lib, name)(a, b)


@st.composite
def where_inputs(draw: st.DrawFn, *, scalar_branch: bool = False) -> Call:
    dtype = draw(float_dtypes())
    shapes_ = draw(broadcastable_shapes(2 if scalar_branch else 3, allow_empty=True))
    condition = draw(masks(shapes_[0]))
    branches = tuple(draw(arrays(dtype, shape)) for shape in shapes_[1:])
    kwargs = {"other": draw(st.floats(-3, 3))} if scalar_branch else {}
    return Call((condition, *branches), kwargs)


@op_test(where_inputs())
def test_where_routes_the_gradient_to_the_selected_branch_with_broadcasting(lib, cond, a, b):
    return lib.where(cond, a, b)


@op_test(where_inputs(scalar_branch=True))
def test_where_with_a_python_scalar_branch_keeps_the_tensor_dtype(lib, cond, a, other):
    return lib.where(cond, a, other)


@st.composite
def softmax_inputs(
    draw: st.DrawFn, shape_strategy=None, *, special: tuple[float, ...] = ()
) -> Call:
    """One tensor (non-empty unless `shape_strategy` says otherwise), a dim and a spelling."""
    dtype = draw(float_dtypes())
    shape = draw(shapes() if shape_strategy is None else shape_strategy)
    x = draw(arrays(dtype, shape, special=special))
    return Call((x,), {"dim": draw(dim(len(shape))), "form": draw(FORMS)})


@op_test(softmax_inputs())
def test_softmax_along_any_dim(lib, x, dim, form):
    """d/dx softmax: y ⊙ (g - Σ g ⊙ y) along dim."""
    return apply(lib, x, "softmax", form, dim)


@op_test(softmax_inputs())
def test_log_softmax_along_any_dim(lib, x, dim, form):
    """d/dx log_softmax: g - softmax(x) Σ g along dim."""
    return apply(lib, x, "log_softmax", form, dim)


@op_test(softmax_inputs(special=(1e4, -1e4, 1e30, -1e30)))
def test_softmax_log_softmax_and_logsumexp_are_stable_for_huge_logits(lib, x, dim, form):
    """Shifting by the max keeps exp from overflowing: no nan or inf where PyTorch has none."""
    return (
        apply(lib, x, "softmax", form, dim),
        apply(lib, x, "log_softmax", form, dim),
        apply(lib, x, "logsumexp", form, dim),
    )


@op_test(softmax_inputs(edge_shapes(min_dims=1)))
def test_softmax_log_softmax_and_logsumexp_of_empty_tensors(lib, x, dim, form):
    """An empty slice has logsumexp -inf; softmax of an empty tensor is empty."""
    return (
        apply(lib, x, "softmax", form, dim),
        apply(lib, x, "log_softmax", form, dim),
        apply(lib, x, "logsumexp", form, dim),
    )


# ---------------------------------------------------------------------------------------------
# Shapes and views
#
# An operation that slips on 0-d or empty tensors gets a second test on exactly those shapes,
# so that its behaviour on ordinary shapes stays pinned whatever the edge case does.

ORDINARY = shapes(min_dims=1)
ZERO_D_OR_EMPTY = edge_shapes()


@st.composite
def reshape_inputs(draw: st.DrawFn, shape_strategy) -> Call:
    shape = draw(shape_strategy)
    x = draw(arrays(draw(float_dtypes()), shape))
    new = draw(reshaped(shape))
    forms = ("reshape", "view") + (("reshape varargs", "view varargs") if new else ())
    return Call((x,), {"shape": new, "form": draw(st.sampled_from(forms))})


@op_test(reshape_inputs(ORDINARY))
def test_reshape_and_view_with_a_tuple_or_varargs_and_an_inferred_size(lib, x, shape, form):
    name, *varargs = form.split()
    return getattr(x, name)(*shape) if varargs else getattr(x, name)(shape)


@op_test(reshape_inputs(ZERO_D_OR_EMPTY))
def test_reshape_and_view_of_0d_and_empty_tensors(lib, x, shape, form):
    name, *varargs = form.split()
    return getattr(x, name)(*shape) if varargs else getattr(x, name)(shape)


@st.composite
def flatten_inputs(draw: st.DrawFn, shape_strategy) -> Call:
    shape = draw(shape_strategy)
    x = draw(arrays(draw(float_dtypes()), shape))
    rank = max(len(shape), 1)
    start, end = sorted(draw(st.lists(st.integers(0, rank - 1), min_size=2, max_size=2)))
    start -= draw(st.sampled_from((0, rank)))
    end -= draw(st.sampled_from((0, rank)))
    return Call((x,), {"start_dim": start, "end_dim": end})


@op_test(flatten_inputs(ORDINARY))
def test_flatten_between_start_and_end_dims(lib, x, start_dim, end_dim):
    return x.flatten(start_dim, end_dim)


@op_test(flatten_inputs(ZERO_D_OR_EMPTY))
def test_flatten_of_0d_and_empty_tensors(lib, x, start_dim, end_dim):
    return x.flatten(start_dim, end_dim)


def _two_dims(shape):
    return st.tuples(dim(len(shape)), dim(len(shape)))


@op_test(one_tensor(ORDINARY, dims=_two_dims))
def test_transpose_any_two_dims(lib, x, dims):
    return x.transpose(*dims)


@op_test(one_tensor(ZERO_D_OR_EMPTY, dims=_two_dims))
def test_transpose_of_0d_and_empty_tensors(lib, x, dims):
    return x.transpose(*dims)


def _permutations(shape):
    rank = len(shape)
    return st.permutations(range(rank)).flatmap(
        lambda p: st.tuples(*(st.sampled_from((d, d - rank)) for d in p))
    )


@op_test(one_tensor(dims=_permutations, varargs=lambda s: st.booleans() if s else st.just(False)))
def test_permute_with_a_tuple_or_varargs(lib, x, dims, varargs):
    return x.permute(*dims) if varargs else x.permute(dims)


def _squeeze_dims(shape):
    return st.one_of(st.none(), dim(len(shape)), dims(len(shape)))


@op_test(one_tensor(ORDINARY, dims=_squeeze_dims))
def test_squeeze_all_one_or_several_dims_leaving_other_sizes_alone(lib, x, dims):
    return x.squeeze() if dims is None else x.squeeze(dims)


@op_test(one_tensor(ZERO_D_OR_EMPTY, dims=_squeeze_dims))
def test_squeeze_of_0d_and_empty_tensors(lib, x, dims):
    return x.squeeze() if dims is None else x.squeeze(dims)


@op_test(one_tensor(dim=lambda s: insertion_dim(len(s))))
def test_unsqueeze_at_any_position(lib, x, dim):
    return x.unsqueeze(dim)


@op_test(one_tensor(sizes=expanded, varargs=lambda s: st.booleans()))
def test_expand_sums_the_gradient_over_expanded_dims(lib, x, sizes, varargs):
    if varargs and sizes:
        return x.expand(*sizes)
    return x.expand(sizes)


@op_test(one_tensor(shapes(min_dims=2, max_dims=2, allow_empty=True)))
def test_T_of_a_matrix(lib, x):
    return x.T


# ---------------------------------------------------------------------------------------------
# Indexing


def _without_negative_steps(index):
    """PyTorch rejects negative slice steps; flip them (any valid positive slice will do)."""

    def fix(part):
        if isinstance(part, slice) and part.step is not None and part.step < 0:
            return slice(part.start, part.stop, -part.step)
        return part

    return tuple(map(fix, index)) if isinstance(index, tuple) else fix(index)


def _basic_indices(shape):
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).map(
        _without_negative_steps
    )


@op_test(one_tensor(index=_basic_indices))
def test_basic_indexing_with_ints_slices_none_and_ellipsis(lib, x, index):
    return x[index]


@st.composite
def integer_array_indexing(draw: st.DrawFn, *, with_0d_index: bool = False) -> Call:
    """One or two int64 index arrays (broadcast together) at chosen dims, `:` elsewhere.

    Args:
        with_0d_index: two index arrays, one of them 0-d; otherwise every index array has
            at least one dim.
    """
    shape = draw(shapes(min_dims=2 if with_0d_index else 1))
    x = draw(arrays(draw(float_dtypes()), shape))
    count = 2 if with_0d_index else draw(st.integers(1, min(2, len(shape))))
    positions = sorted(
        draw(st.lists(st.integers(0, len(shape) - 1), min_size=count, max_size=count, unique=True))
    )
    index_shapes = draw(
        broadcastable_shapes(count, min_dims=1, max_dims=2, max_side=4, allow_empty=True)
    )
    if with_0d_index:
        index_shapes = draw(st.permutations(((), index_shapes[0])))
    indices = tuple(
        draw(index_arrays(s, shape[p])) for s, p in zip(index_shapes, positions, strict=True)
    )
    return Call((x, *indices), {"positions": tuple(positions)})


def _index_at(x, indices, positions):
    """x[:, i, :, j]-style indexing: each index at its position, `:` elsewhere."""
    index = [slice(None)] * x.ndim
    for position, i in zip(positions, indices, strict=True):
        index[position] = i
    return x[tuple(index)]


@op_test(integer_array_indexing())
def test_integer_array_indexing_accumulates_the_gradient_of_repeated_indices(
    lib, x, *indices, positions
):
    """Index arrays that are not next to each other put their dims first, as in NumPy."""
    return _index_at(x, indices, positions)


@op_test(integer_array_indexing(with_0d_index=True))
def test_a_0d_integer_tensor_index_acts_like_a_python_int(lib, x, *indices, positions):
    """x[t, :, [0, 1]] with a 0-d t is x[int(t), :, [0, 1]]: PyTorch does not count the 0-d
    tensor as an index array, so the other index array's dims stay in place (NumPy would move
    them first)."""
    return _index_at(x, indices, positions)


@st.composite
def boolean_mask_indexing(draw: st.DrawFn) -> Call:
    """A mask over the leading k dims of x (k = 0 included: a 0-d mask)."""
    shape = draw(shapes(allow_empty=True))
    x = draw(arrays(draw(float_dtypes()), shape))
    k = draw(st.integers(0, len(shape)))
    return Call((x, draw(masks(shape[:k]))))


@op_test(boolean_mask_indexing())
def test_boolean_mask_indexing(lib, x, mask):
    return x[mask]


@st.composite
def boolean_mask_beside_an_int(draw: st.DrawFn) -> Call:
    """x[i, mask] or x[mask, i]: an int at the dim before or after a mask over k >= 1 dims."""
    shape = draw(shapes(min_dims=2))
    x = draw(arrays(draw(float_dtypes()), shape))
    k = draw(st.integers(1, len(shape) - 1))
    int_first = draw(st.booleans())
    at = 0 if int_first else k
    i = draw(st.integers(-shape[at], shape[at] - 1))
    mask = draw(masks(shape[1:k + 1] if int_first else shape[:k]))
    return Call((x, mask), {"i": i, "int_first": int_first})


@op_test(boolean_mask_beside_an_int())
def test_boolean_mask_beside_an_int_index(lib, x, mask, i, int_first):
    """PyTorch applies the int first, then the mask over the dims that follow it."""
    return x[i, mask] if int_first else x[mask, i]


def _as_list_if_1d(array: np.ndarray) -> list | np.ndarray:
    """A 1-d index as a list, a 2-d one as an array, which the test makes a tensor (PyTorch
    reads a nested list or a NumPy array of bools otherwise than a mask tensor at times)."""
    return array.tolist() if array.ndim == 1 else array


@st.composite
def indices_reaching_past_the_sizes(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple]:
    """A shape of sizes 1 to 3 and an index of ints, `:`, None, integer lists, masks (lists of
    bools; of one dim, or arrays of two) and at most one "...", whose ints and list entries
    run from -4 to 4 and whose lists have 1 to 3 entries a dim: often out of bounds, or of the
    wrong size."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    lists = hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)
    entry = st.one_of(st.none(), st.integers(-4, 4), st.just(slice(None)),
                      lists.flatmap(lambda s: hnp.arrays(np.int64, s, elements=st.integers(
                          -4, 4))).map(_as_list_if_1d),
                      lists.flatmap(lambda s: hnp.arrays(bool, s)).map(_as_list_if_1d))
    entries = draw(st.lists(entry, max_size=len(shape) + 1))
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), Ellipsis)
    if len(entries) == 1 and draw(st.booleans()):
        return shape, entries[0]  # (x[i], not x[(i,)])
    return shape, tuple(entries)


# What x[index] = value may be given: numbers PyTorch converts (or refuses: out of range, a
# complex part, beyond a C long long), objects it refuses (a NumPy float32 or bool, an array, a
# list, None), and tensors of other shapes and dtypes (index_put_ wants x's dtype, but for one
# element put by a mask).
ODD_VALUES = [7, -1, 1000, 2.5, 1e300, float("nan"), float("inf"), True, 2 + 0j, 1 + 1j, 2**70,
              np.int64(-3), np.float64(1e10), np.float32(2.0), np.bool_(True), None, [1.0],
              np.array(1.0), "a"]


@given(indices_reaching_past_the_sizes(), st.booleans(), st.sampled_from(
    ("float32", "float64", "float16", "int8", "uint8", "bool")), st.one_of(
    st.sampled_from(ODD_VALUES), st.tuples(st.sampled_from(((), (1,), (2,), (1, 1), (3,))),
                                           st.sampled_from(("float32", "float64", "int64")))))
@example(((3, 3, 3), (slice(None), [True, False, True], [7])), False, "float32", 7)  # a mask
@example(((3, 3, 3), ([0], [0], [5])), False, "float32", 7)  # the third list's place
@example(((3, 3), (-3, [5])), False, "float32", 7)  # -3 is within a dim of 3
@example(((2,), 0), False, "float32", ((1, 1), "float32"))  # a value's leading 1s dropped
@example(((3,), ([0, 1],)), False, "float32", ((1, 3), "float32"))  # (and then compared)
@example(((3,), [True, False, True]), False, "float32", ((), "float64"))  # masked_fill_
@example(((1, 1, 1), (None, [0], ..., [0, 0], slice(None))), False, "float32", 7)  # no dims
@example(((1, 1, 1), (None, [0], ..., [0, 0], slice(None))), False, "float32", ((2,), "float32"))
@example(((3,), [True, False]), False, "float32", 7)  # a mask of the wrong size
@example(((2, 3, 2), (np.ones((2, 2), bool),)), False, "float32", 7)  # its second dim
@settings(max_examples=8 * settings().max_examples)  # (cheap, and many combinations)
def test_reading_and_writing_at_an_index_do_what_torch_does(case, requires_grad, dtype, value):
    """x[index] and x[index] = value (recorded when x requires grad) give PyTorch's result or
    its error (where minigrad names its own types, "minigrad.FloatTensor"). Out of bounds, an
    int is named by its place in the index, an integer list by its place among the lists
    (x[:, [7]] names dimension 0), and the ints are checked first; a tensor value is checked
    for its shape, then its dtype, before the index's values."""
    shape, drawn = case
    requires_grad &= dtype.startswith("float")
    outcomes = []
    for lib in (mg, torch):
        entries = [lib.tensor(e) if isinstance(e, np.ndarray) else e
                   for e in (drawn if type(drawn) is tuple else (drawn,))]
        index = tuple(entries) if type(drawn) is tuple else entries[0]
        x = lib.zeros(shape, dtype=getattr(lib, dtype), requires_grad=requires_grad)
        x = x * 1 if requires_grad else x  # (a non-leaf)
        put = lib.ones(value[0], dtype=getattr(lib, value[1])) if type(value) is tuple else value
        outcome = []
        for write in (False, True):
            try:
                if write:
                    x[index] = put
                outcome.append(repr((x if write else x[index]).tolist()))
            except (IndexError, RuntimeError, TypeError, ValueError) as error:
                outcome.append((type(error).__name__, str(error).replace("minigrad.", "torch.")))
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int8", "uint8", "bool"])
@pytest.mark.parametrize("value", ODD_VALUES + [-1000, -(2**63), 2**63, -(2**64)], ids=repr)
def test_setitem_converts_or_refuses_a_value_as_torch(dtype, value):
    """Each kind of value, by slicing and by an index list, in every dtype: a number within
    a C long long, converted with PyTorch's range checks, or PyTorch's error."""
    outcomes = []
    for lib in (mg, torch):
        outcome = []
        for index in (0, [0]):
            x = lib.zeros(2, dtype=getattr(lib, dtype))
            try:
                x[index] = value
                outcome.append(repr(x.tolist()))
            except (RuntimeError, TypeError, ValueError) as error:
                outcome.append((type(error).__name__, str(error).replace("minigrad.", "torch.")))
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]


# ---------------------------------------------------------------------------------------------
# Joining and splitting


@st.composite
def cat_inputs(draw: st.DrawFn) -> Call:
    """1 to 3 tensors equal in shape except along `dim`, where sizes may be 0."""
    dtype = draw(float_dtypes())
    base = draw(shapes(min_dims=1, allow_empty=True))
    d = draw(dim(len(base)))
    tensors = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        shape[d] = draw(st.integers(0, 3))
        tensors.append(draw(arrays(dtype, tuple(shape))))
    return Call(tuple(tensors), {"dim": d})


@op_test(cat_inputs())
def test_cat_routes_each_slice_of_the_gradient_back(lib, *tensors, dim):
    return lib.cat(list(tensors), dim=dim)


@st.composite
def stack_inputs(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    shape = draw(shapes(allow_empty=True))
    count = draw(st.integers(1, 3))
    tensors = tuple(draw(arrays(dtype, shape)) for _ in range(count))
    return Call(tensors, {"dim": draw(insertion_dim(len(shape)))})


@op_test(stack_inputs())
def test_stack_along_a_new_dim(lib, *tensors, dim):
    return lib.stack(list(tensors), dim=dim)


@st.composite
def split_inputs(draw: st.DrawFn, shape_strategy) -> Call:
    """A split size (the last piece may be smaller) or a list of section sizes."""
    shape = draw(shape_strategy)
    x = draw(arrays(draw(float_dtypes()), shape))
    d = draw(dim(len(shape)))
    size = shape[d]
    cuts = sorted(draw(st.lists(st.integers(0, size), max_size=3)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
    split = draw(st.one_of(st.integers(1, size + 1), st.just(sections)))
    return Call((x,), {"split": split, "dim": d})


@op_test(split_inputs(ORDINARY))
def test_split_by_size_or_sections_returns_a_tuple_of_views(lib, x, split, dim):
    return x.split(split, dim=dim)


@op_test(split_inputs(edge_shapes(min_dims=1)))
def test_split_of_an_empty_tensor(lib, x, split, dim):
    return x.split(split, dim=dim)


def _chunk_arguments(shape):
    return st.fixed_dictionaries({"chunks": st.integers(1, 5), "dim": dim(len(shape))})


@op_test(one_tensor(ORDINARY, arguments=_chunk_arguments))
def test_chunk_into_at_most_n_pieces(lib, x, arguments):
    return x.chunk(**arguments)


@op_test(one_tensor(edge_shapes(min_dims=1), arguments=_chunk_arguments))
def test_chunk_of_an_empty_tensor(lib, x, arguments):
    return x.chunk(**arguments)


# ---------------------------------------------------------------------------------------------
# Comparisons and arg-reductions (values only: not differentiable)

COMPARISONS = st.sampled_from(("lt", "le", "gt", "ge", "eq", "ne"))
TIED_VALUES = (0.0, 1.0, -1.0, 0.5)


@op_test(elementwise(2, special=TIED_VALUES, compare=COMPARISONS))
def test_comparison_of_two_tensors_is_a_bool_tensor_without_grad(lib, a, b, compare):
    return getattr(operator, compare)(a, b)


@op_test(
    unary(
        special=TIED_VALUES,
        compare=COMPARISONS,
        scalar=st.sampled_from(TIED_VALUES + (2, -1)),
        scalar_first=st.booleans(),
    )
)
def test_comparison_with_a_python_scalar_on_either_side(lib, x, compare, scalar, scalar_first):
    f = getattr(operator, compare)
    return f(scalar, x) if scalar_first else f(x, scalar)


@st.composite
def arg_reduction_inputs(draw: st.DrawFn) -> Call:
    shape = draw(shapes())
    x = draw(arrays(draw(float_dtypes()), shape, special=TIED_VALUES))
    return Call(
        (x,),
        {
            "name": draw(st.sampled_from(("argmax", "argmin"))),
            "dim": draw(st.one_of(st.none(), dim(len(shape)))),
            "keepdim": draw(st.booleans()),
        },
    )


@op_test(arg_reduction_inputs())
def test_argmax_and_argmin_return_the_first_extremum_as_int64(lib, x, name, dim, keepdim):
    return getattr(x, name)(dim=dim, keepdim=keepdim)


# ---------------------------------------------------------------------------------------------
# Dtypes: conversion and promotion

CONVERSIONS = ("float32", "float64", "double", "float", "int64")


@op_test(unary(special=(0.0,), target=st.sampled_from(CONVERSIONS)))
def test_dtype_conversion_gradient_flows_back_in_the_source_dtype(lib, x, target):
    if target in ("double", "float"):
        return getattr(x, target)()
    return x.to(getattr(lib, target))


@given(float_dtypes())
def test_conversion_to_the_same_dtype_returns_the_tensor_itself(dtype):
    for lib in (torch, mg):
        x = lib.tensor(np.zeros(3, dtype=dtype), requires_grad=True)
        same = x.float() if dtype == np.float32 else x.double()
        assert same is x, lib.__name__
        assert x.to(x.dtype) is x, lib.__name__


@st.composite
def mixed_float_operands(draw: st.DrawFn, *, float64_0d_with_float32_dims: bool) -> Call:
    """A float32 and a float64 operand, in either order.

    Args:
        float64_0d_with_float32_dims: the float64 operand is 0-d and the float32 one is not.
            PyTorch then keeps float32 (a 0-d tensor promotes no further than a Python scalar
            would). Otherwise never that case, and float64 wins.
    """
    if float64_0d_with_float32_dims:
        shapes_and_dtypes = [
            ((), np.float64),
            (draw(shapes(min_dims=1, allow_empty=True)), np.float32),
        ]
        shapes_and_dtypes = draw(st.permutations(shapes_and_dtypes))
    else:
        shapes_and_dtypes = list(
            zip(
                draw(broadcastable_shapes(2, allow_empty=True)),
                draw(st.permutations((np.float32, np.float64))),
                strict=True,
            )
        )
        dims_of = {np.dtype(dtype): len(shape) for shape, dtype in shapes_and_dtypes}
        assume(not (dims_of[np.dtype(np.float64)] == 0 and dims_of[np.dtype(np.float32)] > 0))
    a, b = (draw(arrays(np.dtype(dtype), shape, margin=0.1)) for shape, dtype in shapes_and_dtypes)
    return Call((a, b), {"op": draw(st.sampled_from(ARITHMETIC))})


@op_test(mixed_float_operands(float64_0d_with_float32_dims=False))
def test_float32_with_float64_promotes_to_float64_and_grads_keep_their_dtype(lib, a, b, op):
    return getattr(operator, op)(a, b)


@op_test(mixed_float_operands(float64_0d_with_float32_dims=True))
def test_0d_float64_tensor_does_not_promote_a_float32_tensor_with_dims(lib, a, b, op):
    """float32 (3,) + float64 () is float32, computed (gradients too) in float32."""
    return getattr(operator, op)(a, b)


@st.composite
def int_and_float_operands(draw: st.DrawFn) -> Call:
    """An int64 tensor (never zero, so either can divide) and a float tensor, in either order."""
    left, right = draw(broadcastable_shapes(2, allow_empty=True))
    ints = hnp.arrays(np.int64, left, elements=st.integers(-5, 5).filter(bool), fill=st.nothing())
    integer = draw(ints)
    floating = draw(arrays(draw(float_dtypes()), right, margin=0.1))
    int_first = draw(st.booleans())
    tensors = (integer, floating) if int_first else (floating, integer)
    return Call(tensors, {"op": draw(st.sampled_from(ARITHMETIC))})


@op_test(int_and_float_operands())
def test_int_tensor_with_float_tensor_promotes_to_the_float_dtype(lib, a, b, op):
    return getattr(operator, op)(a, b)


INT_PROGRAMS = {
    "int + int stays int64": lambda a, b: a + b,
    "int * int stays int64": lambda a, b: a * b,
    "int / int is float32": lambda a, b: a / b,
    "int * python float is float32": lambda a, b: a * 2.5,
    "python float + int is float32": lambda a, b: 0.5 + a,
    "int + python int stays int64": lambda a, b: a + 3,
}


@st.composite
def int_operands(draw: st.DrawFn) -> Call:
    left, right = draw(broadcastable_shapes(2, allow_empty=True))
    nonzero = st.integers(-5, 5).filter(bool)
    a = draw(hnp.arrays(np.int64, left, elements=nonzero, fill=st.nothing()))
    b = draw(hnp.arrays(np.int64, right, elements=nonzero, fill=st.nothing()))
    return Call((a, b), {"program": draw(st.sampled_from(sorted(INT_PROGRAMS)))})


@op_test(int_operands())
def test_int_tensors_promote_like_torch_with_float32_as_the_default_float(lib, a, b, program):
    return INT_PROGRAMS[program](a, b)


# ---------------------------------------------------------------------------------------------
# Errors


@st.composite
def non_broadcastable_operands(draw: st.DrawFn) -> tuple[Call, str]:
    """Two shapes that broadcast except at one dim, where the sizes differ and neither is 1;
    with the message PyTorch gives for them."""
    left, right = (list(s) for s in draw(broadcastable_shapes(2, min_dims=1)))
    from_right = draw(st.integers(1, min(len(left), len(right))))
    size_left, size_right = draw(
        st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(
            lambda sizes: sizes[0] != sizes[1] and 1 not in sizes
        )
    )
    left[-from_right], right[-from_right] = size_left, size_right
    dtype = draw(float_dtypes())
    call = Call(
        (draw(arrays(dtype, tuple(left))), draw(arrays(dtype, tuple(right)))),
        {"op": draw(st.sampled_from(ARITHMETIC + ("maximum", "minimum")))},
    )
    position = max(len(left), len(right)) - from_right
    message = (
        rf"The size of tensor a \({size_left}\) must match the size of tensor b "
        rf"\({size_right}\) at non-singleton dimension {position}"
    )
    return call, message


@given(non_broadcastable_operands())
def test_broadcast_failure_raises_runtime_error_naming_both_sizes_and_the_dim(drawn):
    call, message = drawn

    def op(lib, a, b, op):
        if op in ("maximum", "minimum"):
            return getattr(lib, op)(a, b)
        return getattr(operator, op)(a, b)

    assert_raises_like_torch(op, call, match=message)

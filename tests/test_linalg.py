"""Linear algebra against PyTorch: the products with their stricter shape rules (mm, bmm, mv,
dot, outer, inner, addmm, tensordot), and the diagonal and triangle operations (trace, diag,
diagonal, tril, triu); values and gradients in float32 and float64, and PyTorch's errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays, broadcastable_shapes, float_dtypes, shapes

import minigrad as mg

SIDES = st.integers(0, 4)
FORMS = st.sampled_from(("method", "function"))


def apply(lib, name, form, x, *args, **kwargs):
    """`x.name(...)` or `lib.name(x, ...)`: both spellings exist in both libraries."""
    if form == "method":
        return getattr(x, name)(*args, **kwargs)
    return getattr(lib, name)(x, *args, **kwargs)


@st.composite
def operands(draw: st.DrawFn, *shape_sets: tuple[str, ...], **kwargs: st.SearchStrategy) -> Call:
    """Arrays whose dims are named by letters, the same letter the same size (0 to 4): e.g.
    ("nk", "kp") for a matrix product; keyword strategies become the call's options."""
    dtype = draw(float_dtypes())
    size = {letter: draw(SIDES) for letter in sorted(set("".join(shape_sets)))}
    tensors = tuple(draw(arrays(dtype, tuple(size[c] for c in s), ties=False)) for s in shape_sets)
    return Call(tensors, {name: draw(strategy) for name, strategy in kwargs.items()})


# ---------------------------------------------------------------------------------------------
# Products


@op_test(operands("nk", "kp", form=FORMS))
def test_mm_of_two_matrices(lib, a, b, form):
    """d/dA (A B) = G B^T, d/dB = A^T G; k = 0 gives zeros."""
    return apply(lib, "mm", form, a, b)


@op_test(operands("bnk", "bkp", form=FORMS))
def test_bmm_of_two_batches_of_matrices(lib, a, b, form):
    return apply(lib, "bmm", form, a, b)


@op_test(operands("nk", "k", form=FORMS))
def test_mv_of_a_matrix_and_a_vector(lib, a, v, form):
    return apply(lib, "mv", form, a, v)


@op_test(operands("k", "k", form=FORMS))
def test_dot_of_two_vectors(lib, a, b, form):
    return apply(lib, "dot", form, a, b)


@op_test(operands("n", "p", form=FORMS))
def test_outer_of_two_vectors(lib, a, b, form):
    """d/da_i = sum_j G_ij b_j, d/db_j = sum_i G_ij a_i."""
    return apply(lib, "outer", form, a, b)


@st.composite
def inner_operands(draw: st.DrawFn) -> Call:
    """Any dims before a shared last size, or a 0-d operand (a plain product)."""
    dtype = draw(float_dtypes())
    k = draw(SIDES)
    left, right = (draw(shapes(max_dims=3, max_side=3, allow_empty=True)) + (k,) for _ in "ab")
    if draw(st.booleans()):
        left, right = draw(st.sampled_from((((), right), (left, ()), ((), ()))))
    return Call((draw(arrays(dtype, left)), draw(arrays(dtype, right))),
                {"form": draw(FORMS)})


@op_test(inner_operands())
def test_inner_sums_over_the_last_dims(lib, a, b, form):
    return apply(lib, "inner", form, a, b)


@op_test(operands("np", "nk", "kp", form=FORMS,
                  beta=st.sampled_from((1, 0.5, -2.0)), alpha=st.sampled_from((1, 0.5, -2.0))))
def test_addmm_is_beta_input_plus_alpha_product(lib, c, a, b, form, beta, alpha):
    return apply(lib, "addmm", form, c, a, b, beta=beta, alpha=alpha)


@op_test(operands("p", "nk", "kp", alpha=st.sampled_from((1, 3.0))))
def test_addmm_broadcasts_its_input(lib, c, a, b, alpha):
    return lib.addmm(c, a, b, alpha=alpha)


def test_addmm_with_beta_zero_ignores_nan_in_input_and_gives_it_a_zero_gradient():
    c = mg.tensor([[float("nan"), 1.0]], requires_grad=True)
    a, b = mg.ones(1, 2), mg.ones(2, 2)
    out = mg.addmm(c, a, b, beta=0, alpha=2)
    out.sum().backward()
    assert out.tolist() == [[4.0, 4.0]]
    assert c.grad.tolist() == [[0.0, 0.0]]


@st.composite
def tensordot_operands(draw: st.DrawFn) -> Call:
    """Shared sizes contracted, given as a count (last dims of a, first of b) or as two lists
    in any order, negative dims included."""
    dtype = draw(float_dtypes())
    contracted = draw(st.lists(st.integers(1, 3), max_size=2))
    free_a, free_b = (draw(shapes(max_dims=2, max_side=3)) for _ in "ab")
    if draw(st.booleans()):
        a_shape, b_shape = free_a + tuple(contracted), tuple(contracted) + free_b
        dims = len(contracted)
    else:
        a_order = draw(st.permutations(range(len(free_a) + len(contracted))))
        b_order = draw(st.permutations(range(len(free_b) + len(contracted))))
        a_shape = tuple((free_a + tuple(contracted))[i] for i in a_order)
        b_shape = tuple((tuple(contracted) + free_b)[i] for i in b_order)
        dims_a = [a_order.index(len(free_a) + i) - len(a_order) * draw(st.booleans())
                  for i in range(len(contracted))]
        dims_b = [b_order.index(i) for i in range(len(contracted))]
        dims = (dims_a, dims_b)
    return Call((draw(arrays(dtype, a_shape)), draw(arrays(dtype, b_shape))), {"dims": dims})


@op_test(tensordot_operands())
def test_tensordot_contracts_the_given_dims(lib, a, b, dims):
    return lib.tensordot(a, b, dims=dims)


# ---------------------------------------------------------------------------------------------
# Diagonals and triangles


@op_test(operands("nm", form=FORMS))
def test_trace_sums_the_diagonal_of_a_matrix(lib, x, form):
    return apply(lib, "trace", form, x)


@st.composite
def diagonal_inputs(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=2, max_dims=4, allow_empty=True))
    dim1, dim2 = (d - len(shape) * draw(st.booleans())  # (negative dims too)
                  for d in draw(st.permutations(range(len(shape))))[:2])
    return Call((draw(arrays(dtype, shape)),),
                {"offset": draw(st.integers(-5, 5)), "dim1": dim1, "dim2": dim2,
                 "form": draw(FORMS)})


@op_test(diagonal_inputs())
def test_diagonal_of_any_two_dims_with_an_offset(lib, x, offset, dim1, dim2, form):
    """The diagonal goes last; its gradient lands on the same diagonal of zeros."""
    return apply(lib, "diagonal", form, x, offset=offset, dim1=dim1, dim2=dim2)


def test_diagonal_is_a_view_and_diag_of_a_matrix_is_a_copy():
    x = mg.zeros(3, 3)
    x.diagonal(1).add_(1.0)
    mg.diag(x).add_(5.0)
    assert x.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]


@op_test(operands("n", form=FORMS, diagonal=st.integers(-3, 3)))
def test_diag_of_a_vector_is_a_square_matrix(lib, v, form, diagonal):
    return apply(lib, "diag", form, v, diagonal)


@op_test(operands("nm", form=FORMS, diagonal=st.integers(-5, 5)))
def test_diag_of_a_matrix_is_its_diagonal(lib, x, form, diagonal):
    return apply(lib, "diag", form, x, diagonal)


@op_test(operands("bnm", name=st.sampled_from(("tril", "triu")), form=FORMS,
                  diagonal=st.integers(-5, 5)))
def test_tril_and_triu_zero_the_other_triangle_of_the_last_two_dims(lib, x, name, form, diagonal):
    return apply(lib, name, form, x, diagonal)


@op_test(operands("nm", name=st.sampled_from(("tril", "triu"))))
def test_tril_and_triu_of_a_matrix(lib, x, name):
    return getattr(lib, name)(x)


# ---------------------------------------------------------------------------------------------
# PyTorch's errors

ERRORS = [
    ("mm", [(3,), (3, 3)], {}, r"^self must be a matrix$"),
    ("mm", [(3, 3), (3,)], {}, r"^mat2 must be a matrix$"),
    ("mm", [(3, 2), (3, 3)], {}, r"mat1 and mat2 shapes cannot be multiplied \(3x2 and 3x3\)"),
    ("bmm", [(3, 3), (3, 3, 3)], {}, r"^batch1 must be a 3D tensor$"),
    ("bmm", [(3, 3, 3), (3, 3)], {}, r"^batch2 must be a 3D tensor$"),
    ("bmm", [(2, 3, 3), (3, 3, 3)], {}, r"^Expected size for first two dimensions of batch2 "
     r"tensor to be: \[2, 3\] but got: \[3, 3\]\.$"),
    ("mv", [(3,), (3,)], {}, r"^vector \+ matrix @ vector expected, got 1, 1, 1$"),
    ("mv", [(3, 2), (3,)], {}, r"^size mismatch, got input \(3\), mat \(3x2\), vec \(3\)$"),
    ("dot", [(3, 3), (3,)], {}, r"^1D tensors expected, but got 2D and 1D tensors$"),
    ("dot", [(3,), (4,)], {}, r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"),
    ("outer", [(3, 3), (3,)], {}, r"^outer: Expected 1-D argument self, but got 2-D$"),
    ("outer", [(3,), ()], {}, r"^outer: Expected 1-D argument vec2, but got 0-D$"),
    ("inner", [(3, 2), (3,)], {}, r"^inner\(\) the last dimension must match on both input "
     r"tensors but got shapes \[3, 2\] and \[3\]$"),
    ("addmm", [(3, 3), (3,), (3, 3)], {}, r"^mat1 must be a matrix, got 1-D tensor$"),
    ("addmm", [(3, 3), (3, 3), (3,)], {}, r"^mat2 must be a matrix, got 1-D tensor$"),
    ("addmm", [(3,), (3, 3), (3, 2)], {}, r"The expanded size of the tensor \(2\) must match"),
    ("tensordot", [(3, 2), (3, 2)], {"dims": 1}, r"^contracted dimensions need to match, but "
     r"first has size 2 in dim -1 and second has size 3 in dim 0$"),
    ("tensordot", [(3, 2), (3, 2)], {"dims": -1}, r"^tensordot expects dims >= 0, but got "
     r"dims=-1$"),
    ("tensordot", [(3, 2), (3, 2)], {"dims": ([0], [0, 1])},
     r"^both dimension lists should have same length$"),
    ("trace", [(3,)], {}, r"^trace: expected a matrix, but got tensor with dim 1$"),
    ("trace", [(2, 2, 2)], {}, r"^trace: expected a matrix, but got tensor with dim 3$"),
    ("diag", [()], {}, r"^diag\(\): Supports 1D or 2D tensors\. Got 0D$"),
    ("diag", [(2, 2, 2)], {}, r"^diag\(\): Supports 1D or 2D tensors\. Got 3D$"),
    ("diagonal", [(3, 3)], {"dim1": 1, "dim2": -1},
     r"^diagonal dimensions cannot be identical 1, -1$"),
    ("diagonal", [(3, 3)], {"dim2": 2}, r"Dimension out of range \(expected to be in range of "
     r"\[-2, 1\], but got 2\)"),
    ("tril", [(3,)], {}, r"^tril: input tensor must have at least 2 dimensions$"),
    ("triu", [()], {}, r"^triu: input tensor must have at least 2 dimensions$"),
]


@pytest.mark.parametrize("name, shapes_, kwargs, match", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_bad_shapes_raise_torchs_error(name, shapes_, kwargs, match):
    call = Call(tuple(np.zeros(s, np.float32) for s in shapes_), kwargs)
    assert_raises_like_torch(lambda lib, *t, **kw: getattr(lib, name)(*t, **kw), call, match)


DTYPE_ERRORS = [
    ("mm", 2, r"^expected m1 and m2 to have the same dtype, but got: float != double$"),
    ("bmm", 3, r"^expected scalar type Float but found Double$"),
    ("dot", 1, r"^dot : expected both vectors to have same dtype, but found Float and Double$"),
    ("inner", 1, r"^both inputs should have same dtype$"),
    ("tensordot", 2, r"^both inputs should have same dtype$"),
]


@pytest.mark.parametrize("name, ndim, match", DTYPE_ERRORS)
def test_mixed_float32_and_float64_raise_torchs_error(name, ndim, match):
    a, b = np.zeros((2,) * ndim, np.float32), np.zeros((2,) * ndim, np.float64)
    assert_raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b), Call((a, b)), match)


@given(st.permutations((np.float32, np.float64, np.float64)), st.booleans())
def test_mv_and_addmm_name_the_mismatched_dtypes_as_torch_does(dtypes_, use_mv):
    c, a, b = (np.zeros((2, 2), d) for d in dtypes_)
    if use_mv:
        call, op = Call((a, b[0])), (lambda lib, m, v: lib.mv(m, v))
        match = r"^addmv input tensors must have the same dtype, but got \w+, \w+, and \w+$"
    else:
        call, op = Call((c, a, b)), (lambda lib, c, a, b: lib.addmm(c, a, b))
        match = r"^(self|mat1) and mat2 must have the same dtype, but got \w+ and \w+$"
    if use_mv and a.dtype == b.dtype:
        return
    assert_raises_like_torch(op, call, match)


def test_trace_of_bools_is_not_implemented_and_of_ints_is_int64():
    assert_raises_like_torch(lambda lib, x: lib.trace(x), Call((np.eye(2, dtype=bool),)),
                             r"^\"trace\" not implemented for 'Bool'$")
    assert mg.trace(mg.ones(2, 3, dtype=mg.int32)).dtype == mg.int64


# ---------------------------------------------------------------------------------------------
# einsum


@st.composite
def einsum_calls(draw: st.DrawFn) -> Call:
    """One to three operands with subscripts from "abcd" (repeats within an operand are
    diagonals), an explicit or implicit output, and "..." dims that broadcast."""
    dtype = draw(float_dtypes())
    size = {c: draw(st.integers(0, 3)) for c in "abcd"}
    terms = draw(st.lists(st.text("abcd", max_size=3), min_size=1, max_size=3))
    used = sorted(set("".join(terms)))
    output = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
    batch = (draw(broadcastable_shapes(len(terms), max_dims=2, max_side=3))
             if draw(st.booleans()) else None)
    if batch is not None:
        terms = ["..." + t for t in terms]
        output = "..." + output
    equation = ",".join(terms) + (draw(st.sampled_from(("->", " -> "))) + output
                                  if draw(st.booleans()) else "")
    arrays_ = tuple(
        draw(arrays(dtype, (batch[i] if batch else ()) + tuple(size[c] for c in t.strip("."))))
        for i, t in enumerate(terms)
    )
    return Call(arrays_, {"equation": equation, "as_list": draw(st.booleans())})


@op_test(einsum_calls())
def test_einsum_of_any_subscripts_diagonals_and_ellipsis(lib, *operands, equation, as_list):
    """d/dA_i is the same sum with A_i's place taken by the gradient (see Einsum)."""
    return lib.einsum(equation, list(operands)) if as_list else lib.einsum(equation, *operands)


@op_test(operands("nk", "kp", "p", form=FORMS))
def test_einsum_broadcasts_a_size_one_dim_against_its_subscript(lib, a, b, c, form):
    """Also in an operand with a diagonal (a repeated subscript), whether the broadcast dim is
    the diagonal's or another."""
    square = a[:1, :, None] * a[:1, None, :]  # (1, k, k)
    return (lib.einsum("ij,jk,k->i", a[:, :1], b, c[:1]),
            lib.einsum("ijj,ij->ij", square, a), lib.einsum("jj,j->j", c[:1, None] * c[:1], c))


EINSUM_ERRORS = [
    ("ij,jk", [(2, 3), (4, 4)], r"^einsum\(\): subscript j has size 4 for operand 1 which "
     r"does not broadcast with previously seen size 3$"),
    ("ij,jk->ik", [(2, 3)], r"^einsum\(\): fewer operands were provided than specified"),
    ("ij->ik", [(2, 3), (3,)], r"^einsum\(\): more operands were provided than specified"),
    ("ijk,jk->ik", [(2, 3), (3, 4)], r"^einsum\(\): the number of subscripts in the equation "
     r"\(3\) does not match the number of dimensions \(2\) for operand 0 and no ellipsis"),
    ("ij,jk->iz", [(2, 3), (3, 4)],
     r"^einsum\(\): output subscript z does not appear in the equation for any input operand$"),
    ("ij,jk->ii", [(2, 3), (3, 4)],
     r"^einsum\(\): output subscript i appears more than once in the output$"),
    ("i1,jk->ik", [(2, 3), (3, 4)], r"^einsum\(\): invalid subscript given at index 1 in the "
     r"equation string, subscripts must be in \[a-zA-Z\]$"),
    ("ii->i", [(2, 3)], r"^einsum\(\): subscript i is repeated for operand 0 but the sizes "
     r"don't match, 3 != 2$"),
]


@pytest.mark.parametrize("equation, shapes_, match", EINSUM_ERRORS)
def test_einsum_bad_equations_raise_torchs_error(equation, shapes_, match):
    call = Call(tuple(np.zeros(s, np.float32) for s in shapes_))
    assert_raises_like_torch(lambda lib, *t: lib.einsum(equation, *t), call, match)


def test_einsum_of_mixed_dtypes_raises_torchs_error():
    call = Call((np.zeros((2, 2), np.float32), np.zeros((2, 2), np.float64)))
    assert_raises_like_torch(lambda lib, a, b: lib.einsum("ij,jk", a, b), call,
                             r"^expected scalar type Float but found Double$")


# ---------------------------------------------------------------------------------------------
# More products: vdot, addmv, baddbmm, addbmm, addr, kron, chain_matmul; cross, diag_embed,
# inverse and matrix_power

SCALES = st.sampled_from((1, 0.5, -2.0))


@op_test(operands("k", "k", form=FORMS))
def test_vdot_of_two_real_vectors_is_dot(lib, a, b, form):
    return apply(lib, "vdot", form, a, b)


@op_test(operands("n", "nk", "k", form=FORMS, beta=SCALES, alpha=SCALES))
def test_addmv_is_beta_input_plus_alpha_matrix_vector_product(lib, c, a, v, form, beta, alpha):
    return apply(lib, "addmv", form, c, a, v, beta=beta, alpha=alpha)


@op_test(operands("bnp", "bnk", "bkp", form=FORMS, beta=SCALES, alpha=SCALES))
def test_baddbmm_is_beta_input_plus_alpha_batched_product(lib, c, a, b, form, beta, alpha):
    return apply(lib, "baddbmm", form, c, a, b, beta=beta, alpha=alpha)


@op_test(operands("np", "bnk", "bkp", form=FORMS, beta=SCALES, alpha=SCALES))
def test_addbmm_adds_the_sum_of_the_batched_products(lib, c, a, b, form, beta, alpha):
    return apply(lib, "addbmm", form, c, a, b, beta=beta, alpha=alpha)


@op_test(operands("np", "n", "p", form=FORMS, beta=SCALES, alpha=SCALES))
def test_addr_is_beta_input_plus_alpha_outer_product(lib, c, a, b, form, beta, alpha):
    return apply(lib, "addr", form, c, a, b, beta=beta, alpha=alpha)


@st.composite
def kron_operands(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    a, b = (draw(shapes(max_dims=3, max_side=3, allow_empty=True)) for _ in "ab")
    return Call((draw(arrays(dtype, a)), draw(arrays(dtype, b))), {"form": draw(FORMS)})


@op_test(kron_operands())
def test_kron_lays_out_blocks_of_other_times_each_element(lib, a, b, form):
    """d/da = the blocks of G each summed against b; d/db = the sum of the blocks times a."""
    return apply(lib, "kron", form, a, b)


@op_test(operands("nk", "kp", "pq", "qr"))
def test_chain_matmul_multiplies_left_to_right(lib, a, b, c, d):
    with warnings.catch_warnings():  # (deprecated: PyTorch warns once, minigrad every time)
        warnings.simplefilter("ignore")
        return lib.chain_matmul(a, b, c, d)


@st.composite
def diag_embed_inputs(draw: st.DrawFn) -> Call:
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3, allow_empty=True))
    rank = len(shape) + 1
    dim1, dim2 = draw(st.lists(st.integers(-rank, rank - 1), min_size=2, max_size=2).filter(
        lambda ds: ds[0] % rank != ds[1] % rank))
    return Call((draw(arrays(draw(float_dtypes()), shape)),),
                {"offset": draw(st.integers(-2, 2)), "dim1": dim1, "dim2": dim2,
                 "form": draw(FORMS)})


@op_test(diag_embed_inputs())
def test_diag_embed_puts_the_last_dim_on_a_diagonal_of_two_new_dims(lib, x, offset, dim1, dim2,
                                                                     form):
    """d/dx = the same diagonal of G."""
    return apply(lib, "diag_embed", form, x, offset=offset, dim1=dim1, dim2=dim2)


@st.composite
def cross_operands(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    shape = list(draw(shapes(max_dims=3, max_side=3, allow_empty=True)))
    d = draw(st.integers(0, len(shape)))
    shape.insert(d, 3)
    a, b = (draw(arrays(dtype, tuple(shape))) for _ in "ab")
    return Call((a, b), {"dim": draw(st.sampled_from((d, d - len(shape)))), "form": draw(FORMS)})


@op_test(cross_operands())
def test_cross_of_the_3_vectors_along_dim(lib, a, b, dim, form):
    """d/da = b x G, d/db = G x a."""
    return apply(lib, "cross", form, a, b, dim=dim)


@st.composite
def invertible(draw: st.DrawFn, **kwargs: st.SearchStrategy) -> Call:
    """Batches of square matrices far from singular: a random matrix plus n times the identity
    (its eigenvalues are then at least n - the matrix's norm away from 0)."""
    dtype = draw(float_dtypes())
    batch = draw(shapes(max_dims=2, max_side=2, allow_empty=True))
    n = draw(st.integers(1, 4))
    a = draw(arrays(dtype, (*batch, n, n), low=-0.5, high=0.5))
    a = (a + (n + 1) * np.eye(n, dtype=dtype)).astype(dtype)
    return Call((a,), {name: draw(s) for name, s in kwargs.items()})


@op_test(invertible(form=FORMS))
def test_inverse_of_square_matrices(lib, a, form):
    """d/dA = -A^-T G A^-T."""
    return apply(lib, "inverse", form, a)


@op_test(invertible(n=st.integers(-3, 4), form=FORMS))
def test_matrix_power_by_repeated_products_and_the_inverse_for_negative_powers(lib, a, n, form):
    return apply(lib, "matrix_power", form, a, n)


def test_matrix_power_zero_is_the_identity_with_a_zero_gradient():
    a = mg.ones(2, 3, 3, requires_grad=True)
    out = mg.matrix_power(a, 0)
    out.sum().backward()
    assert out.tolist() == [np.eye(3).tolist()] * 2
    assert a.grad.tolist() == np.zeros((2, 3, 3)).tolist()


def test_cross_without_dim_takes_the_first_dim_of_size_3_with_torchs_warning():
    a, b = np.random.default_rng(0).normal(size=(2, 2, 4, 3, 3))
    with warnings.catch_warnings():  # (PyTorch warns only once in a process)
        warnings.simplefilter("ignore")
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    with pytest.warns(UserWarning, match="Using torch.cross without specifying the dim arg is "
                      "deprecated"):
        ours = mg.cross(mg.tensor(a), mg.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    np.testing.assert_allclose(ours.numpy(), np.cross(a, b, axis=2))


MORE_ERRORS = [
    ("vdot", [(3,), (2,)], {}, r"^inconsistent tensor size, expected tensor \[3\] and src \[2\] "
     r"to have the same number of elements, but got 3 and 2 elements respectively$"),
    ("vdot", [(3, 1), (3,)], {}, r"^1D tensors expected, but got 2D and 1D tensors$"),
    ("addmv", [(2,), (2, 3), (2,)], {}, r"^size mismatch, got input \(2\), mat \(2x3\), vec "
     r"\(2\)$"),
    ("addmv", [(3,), (2, 3), (3,)], {}, r"^size mismatch, got input \(3\), mat \(2x3\), vec "
     r"\(3\)$"),
    ("addmv", [(2,), (2, 3, 1), (3,)], {}, r"^vector \+ matrix @ vector expected, got 1, 3, 1$"),
    ("baddbmm", [(2, 2, 2), (2, 2), (2, 2, 2)], {}, r"^batch1 must be a 3D tensor$"),
    ("baddbmm", [(2, 2, 2), (2, 2, 3), (2, 2, 2)], {}, r"^Expected size for first two "
     r"dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 2\]\.$"),
    ("baddbmm", [(3, 2, 2), (2, 2, 3), (2, 3, 2)], {}, r"The expanded size of the tensor \(2\) "
     r"must match the existing size \(3\) at non-singleton dimension 0"),
    ("addbmm", [(2, 2), (2, 2), (2, 2, 2)], {}, r"^batch1 must be a 3D tensor$"),
    ("addbmm", [(2, 2), (2, 2, 3), (2, 2, 2)], {},
     r"^Incompatible matrix sizes for bmm \(2x3 and 2x2\)$"),
    ("addbmm", [(2, 2), (2, 2, 3), (3, 3, 2)], {},
     r"^batch1 and batch2 must have same number of batches, got 2 and 3$"),
    ("addr", [(2, 3), (2, 1), (3,)], {}, r"^addr: Expected 1-D argument vec1, but got 2-D$"),
    ("addr", [(2, 3), (2,), (3, 1)], {}, r"^addr: Expected 1-D argument vec2, but got 2-D$"),
    ("addr", [(3, 3), (2,), (3,)], {}, r"The expanded size of the tensor \(2\) must match"),
    ("diag_embed", [(2, 3)], {"dim1": 0, "dim2": 0},
     r"^diagonal dimensions cannot be identical 0, 0$"),
    ("diag_embed", [(2, 3)], {"dim1": 4}, r"Dimension out of range \(expected to be in range of "
     r"\[-3, 2\], but got 4\)"),
    ("diag_embed", [()], {}, r"Dimension out of range \(expected to be in range of \[-1, 0\], "
     r"but got -2\)"),
    ("cross", [(2, 3), (2, 2)], {"dim": 1},
     r"^linalg.cross: inputs dimension 1 must have length 3. Got 3 and 2$"),
    ("cross", [(2, 3), (3,)], {"dim": 1},
     r"^linalg.cross: inputs must have the same number of dimensions.$"),
    ("matrix_power", [(2, 3)], {"n": 2}, r"^linalg.matrix_power: A must be batches of square "
     r"matrices, but they are 2 by 3 matrices$"),
    ("matrix_power", [(3,)], {"n": 2}, r"^linalg.matrix_power: The input tensor A must have at "
     r"least 2 dimensions.$"),
    ("inverse", [(2, 3)], {}, r"^linalg.inv: A must be batches of square matrices, but they are "
     r"2 by 3 matrices$"),
]


@pytest.mark.parametrize("name, shapes_, kwargs, match", MORE_ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(MORE_ERRORS)])
def test_more_bad_shapes_raise_torchs_error(name, shapes_, kwargs, match):
    call = Call(tuple(np.zeros(s, np.float32) for s in shapes_), kwargs)
    assert_raises_like_torch(lambda lib, *t, **kw: getattr(lib, name)(*t, **kw), call, match)


@pytest.mark.parametrize("name", ["vdot", "cross"])
def test_vdot_and_cross_of_mixed_dtypes_raise_torchs_error(name):
    a, b = np.zeros((3,), np.float32), np.zeros((3,), np.float64)
    match = (r"^dot : expected both vectors to have same dtype, but found Float and Double$"
             if name == "vdot" else r"^expected scalar type Float but found Double$")
    assert_raises_like_torch(lambda lib, a, b: getattr(lib, name)(a, b, **(
        {"dim": 0} if name == "cross" else {})), Call((a, b)), match)


@pytest.mark.parametrize("name", ["inverse", "matrix_power"])
def test_inverse_of_integers_raises_torchs_error(name):
    args = {"n": -1} if name == "matrix_power" else {}
    assert_raises_like_torch(lambda lib, a: getattr(lib, name)(a, **args),
                             Call((np.eye(2, dtype=np.int64),)),
                             r"^linalg.inv: Expected a floating point or complex tensor as "
                             r"input. Got Long$")


def test_inverse_of_a_singular_matrix_raises_a_runtime_error_as_torch_does():
    for lib in (torch, mg):  # (PyTorch's is its LinAlgError, a RuntimeError)
        with pytest.raises(RuntimeError, match=r"^linalg.inv: .*singular"):
            lib.inverse(lib.zeros(2, 2))


def test_chain_matmul_of_no_matrices_raises_torchs_error():
    for lib in (torch, mg):
        with warnings.catch_warnings(), pytest.raises(
                RuntimeError, match=r"^chain_matmul\(\): Expected one or more matrices$"):
            warnings.simplefilter("ignore")
            lib.chain_matmul()


# ---------------------------------------------------------------------------------------------
# out=: the result written into a given tensor

OUT_CALLS = {
    "mm": (lambda lib, out: lib.mm(lib.ones(2, 3), lib.ones(3, 2), out=out), (2, 2)),
    "matmul": (lambda lib, out: lib.matmul(lib.ones(2, 3), lib.ones(3), out=out), (2,)),
    "bmm": (lambda lib, out: lib.bmm(lib.ones(1, 2, 3), lib.ones(1, 3, 2), out=out), (1, 2, 2)),
    "addmm": (lambda lib, out: lib.addmm(lib.ones(2, 2), lib.ones(2, 3), lib.ones(3, 2),
                                         beta=2, out=out), (2, 2)),
    "add": (lambda lib, out: lib.add(lib.ones(2, 2), 2, alpha=3, out=out), (2, 2)),
    "mul": (lambda lib, out: lib.mul(3, lib.ones(2, 2), out=out), (2, 2)),
}


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
@given(size=st.sampled_from(("right", "empty", "other")))
def test_out_writes_into_the_given_tensor_resizing_it_as_torch_does(name, size):
    op, shape = OUT_CALLS[name]
    results = []
    for lib in (torch, mg):
        out = lib.zeros({"right": shape, "empty": (0,), "other": (5,)}[size])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = op(lib, out)
        assert result is out
        results.append((out.tolist(), [str(w.message)[:90] for w in caught]))
    assert results[0] == results[1]


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_refuses_inputs_that_require_grad_in_grad_mode(name):
    op, shape = OUT_CALLS[name]
    for lib in (torch, mg):
        out = lib.zeros(shape, requires_grad=True)
        with pytest.raises(RuntimeError, match=rf"^{name}\(\): functions with out=\.\.\. "
                           "arguments don't support automatic differentiation, but one of the "
                           "arguments requires grad\\.$"):
            op(lib, out)
        with lib.no_grad():
            assert op(lib, out) is out


def test_out_writes_through_a_view_into_its_base():
    for lib in (torch, mg):
        x = lib.zeros(2, 4)
        lib.mm(lib.ones(2, 2), lib.ones(2, 2), out=x[:, 1:3])
        assert x.tolist() == [[0.0, 2.0, 2.0, 0.0]] * 2


@pytest.mark.parametrize(("name", "out_dtype", "match"), [
    ("mm", "float64", r"^Expected out tensor to have dtype float, but got double instead$"),
    ("bmm", "float64", r"^Expected out tensor to have dtype float, but got double instead$"),
    ("addmm", "float64", r"^Expected out tensor to have dtype float, but got double instead$"),
    ("add", "int64", r"^result type Float can't be cast to the desired output type Long$"),
    ("mul", "int64", r"^result type Float can't be cast to the desired output type Long$"),
])
def test_out_of_a_wrong_dtype_raises_torchs_error(name, out_dtype, match):
    op, shape = OUT_CALLS[name]
    for lib in (torch, mg):
        with pytest.raises(RuntimeError, match=match):
            op(lib, lib.zeros(shape, dtype=getattr(lib, out_dtype)))


def test_out_casts_an_integer_sum_into_a_float_tensor_and_refuses_a_list():
    for lib in (torch, mg):
        out = lib.zeros(2)
        lib.add(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64), out=out)
        assert out.tolist() == [2.0, 2.0] and out.dtype == lib.float32
        with pytest.raises(TypeError, match=r"^add\(\): argument 'out' must be Tensor, not list$"):
            lib.add(lib.ones(2), lib.ones(2), out=[1])

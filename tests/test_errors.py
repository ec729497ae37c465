"""Bad arguments fail as in PyTorch: the same exception type and the same message.

Each test runs one call on both libraries (`call(lib)`, with `lib` the module `torch` or
`minigrad`); where PyTorch succeeds, minigrad must succeed with the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import dims, edge_shapes, reshaped, shapes
from support import assert_close

import minigrad as mg

Call = Callable[[Any], Any]


def assert_same_outcome(call: Call) -> None:
    """`call` raises in minigrad what it raises in PyTorch (type and message), or returns the
    same values in both."""
    try:
        expected = call(torch)
    except Exception as error:
        with pytest.raises(type(error)) as ours:
            call(mg)
        assert type(ours.value) is type(error)
        assert str(ours.value) == str(error)
        return
    actual = call(mg)
    for ours, theirs in zip(*(r if isinstance(r, tuple) else (r,) for r in (actual, expected))):
        assert_close(ours, theirs.detach())


class Custom:
    """An object of a class written in Python (PyTorch names it by its bare class name)."""


NOT_TENSORS = {
    "float": 3.0, "int": 2, "bool": True, "None": None, "list": [1.0, 2.0], "tuple": (1.0,),
    "ndarray": np.ones(2, np.float32), "numpy scalar": np.float32(1.0), "object": Custom(),
}

# ---------------------------------------------------------------------- non-tensor arguments
# Each function form with the arguments that follow `input`.
FUNCTION_FORMS = {
    "relu": (), "tanh": (), "sigmoid": (), "exp": (), "log": (), "sqrt": (), "abs": (),
    "sum": (), "mean": (), "amax": (), "amin": (), "argmax": (), "argmin": (), "max": (),
    "min": (), "logsumexp": (0,), "softmax": (0,), "log_softmax": (0,), "reshape": ((2,),),
    "flatten": (), "transpose": (0, 0), "permute": ((0,),), "squeeze": (), "unsqueeze": (0,),
    "chunk": (1,), "unbind": (), "neg": (), "sign": (), "isnan": (), "isfinite": (), "t": (),
    "is_complex": (), "is_floating_point": (),
    # several signatures: PyTorch lists them
    "var": (), "std": (), "clamp": (0.0,), "clip": (0.0, 1.0), "pow": (2,),
}


@pytest.mark.parametrize("kind", list(NOT_TENSORS))
@pytest.mark.parametrize("name", list(FUNCTION_FORMS))
def test_function_forms_refuse_a_non_tensor_input_with_a_type_error_naming_it(name, kind):
    assert_same_outcome(lambda lib: getattr(lib, name)(NOT_TENSORS[kind], *FUNCTION_FORMS[name]))


@pytest.mark.parametrize("kind", [kind for kind in NOT_TENSORS if kind != "bool"])
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
def test_binary_function_forms_take_a_tensor_or_for_arithmetic_a_number_first(name, kind):
    assert_same_outcome(lambda lib: getattr(lib, name)(NOT_TENSORS[kind], lib.ones(2)))


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "maximum", "minimum"])
def test_a_python_bool_first_counts_as_a_number_in_arithmetic(name):
    assert_same_outcome(lambda lib: getattr(lib, name)(True, lib.ones(2)))


SUBTRACTIONS_WITH_BOOLS: dict[str, Call] = {
    "sub(True, x)": lambda lib: lib.sub(True, lib.ones(2)),
    "x - True": lambda lib: lib.ones(2) - True,
    "False - x": lambda lib: False - lib.ones(2),
    "bool tensor - float tensor": lambda lib: lib.tensor([True]) - lib.ones(2),
    "float tensor - bool tensor": lambda lib: lib.ones(2) - lib.tensor([True]),
    "bool tensor - 1": lambda lib: lib.tensor([True]) - 1,
    "two bool tensors": lambda lib: lib.tensor([True]) - lib.tensor([False]),
    "x.sub_(True)": lambda lib: lib.ones(2).sub_(True),
    "bool tensor.sub_(bool tensor)": lambda lib: lib.tensor([True]).sub_(lib.tensor([True])),
}


ARITHMETIC_ARGUMENTS: dict[str, Call] = {
    "x.add(list)": lambda lib: lib.ones(2).add([1.0, 2.0]),
    "x.sub(list)": lambda lib: lib.ones(2).sub([1.0, 2.0]),
    "x.mul(list)": lambda lib: lib.ones(2).mul([1.0, 2.0]),
    "x.div(list)": lambda lib: lib.ones(2).div([1.0, 2.0]),
    "add(x, list)": lambda lib: lib.add(lib.ones(2), [1.0]),
    "sub(x, list)": lambda lib: lib.sub(lib.ones(2), [1.0]),
    "mul(x, list)": lambda lib: lib.mul(lib.ones(2), [1.0]),
    "div(x, list)": lambda lib: lib.div(lib.ones(2), [1.0]),
    "add(x, str)": lambda lib: lib.add(lib.ones(2), "a"),
    "add(2, 3)": lambda lib: lib.add(2, 3),
    "sub(2, 3.5)": lambda lib: lib.sub(2, 3.5),
    "mul(True, 3)": lambda lib: lib.mul(True, 3),
    "div(2, 3)": lambda lib: lib.div(2, 3),
    "add(2, 3, alpha=2)": lambda lib: lib.add(2, 3, alpha=2),
}


@pytest.mark.parametrize("case", list(ARITHMETIC_ARGUMENTS))
def test_arithmetic_takes_tensors_and_numbers_and_names_any_other_argument(case):
    """x.add(other) and torch.add(input, other): a list is a TypeError naming `other` at its
    position; two numbers give a 0-d tensor, as PyTorch's do."""
    assert_same_outcome(ARITHMETIC_ARGUMENTS[case])


@pytest.mark.parametrize("case", list(SUBTRACTIONS_WITH_BOOLS))
def test_subtractions_with_a_bool_operand_raise_runtime_error_naming_the_fix(case):
    """PyTorch subtracts no bools, tensors or Python bools, and says what to use instead."""
    assert_same_outcome(SUBTRACTIONS_WITH_BOOLS[case])


@pytest.mark.parametrize("kind", list(NOT_TENSORS))
@pytest.mark.parametrize("name", ["maximum", "minimum", "matmul"])
def test_tensor_only_second_arguments_are_named_by_position_in_both_forms(name, kind):
    other = NOT_TENSORS[kind]
    assert_same_outcome(lambda lib: getattr(lib, name)(lib.ones(2), other))
    assert_same_outcome(lambda lib: getattr(lib.ones(2), name)(other))


MATMUL_CALLS: dict[str, Call] = {
    "function, list first": lambda lib: lib.matmul([[1.0]], lib.ones(1, 1)),
    "operator, list second": lambda lib: lib.ones(2, 1) @ [[1.0]],
    "operator, list first": lambda lib: [[1.0]] @ lib.ones(1, 1),
    "operator, ndarray first": lambda lib: np.ones((1, 1), np.float32) @ lib.ones(1, 1),
}


@pytest.mark.parametrize("case", list(MATMUL_CALLS))
def test_matmul_with_a_list_or_array_raises_type_error(case):
    assert_same_outcome(MATMUL_CALLS[case])


LAYER_CALLS: dict[str, Call] = {
    "Linear on a list": lambda lib: lib.nn.Linear(3, 2)([1.0, 2.0, 3.0]),
    "linear input": lambda lib: lib.nn.functional.linear(3.0, lib.ones(2, 3)),
    "linear weight": lambda lib: lib.nn.functional.linear(lib.ones(3), [[1.0] * 3]),
    "linear bias": lambda lib: lib.nn.functional.linear(lib.ones(3), lib.ones(2, 3), [1.0, 1.0]),
    "prelu input": lambda lib: lib.nn.functional.prelu([1.0], lib.ones(1)),
    "prelu weight": lambda lib: lib.nn.functional.prelu(lib.ones(2), 0.25),
    "relu": lambda lib: lib.nn.functional.relu(1.0),
    "relu in place": lambda lib: lib.nn.functional.relu([1.0], inplace=True),
    "dropout": lambda lib: lib.nn.functional.dropout(np.ones(2)),
    "dropout in place": lambda lib: lib.nn.functional.dropout(None, inplace=True),
    "dropout in eval": lambda lib: lib.nn.functional.dropout(1.0, training=False),
    "dropout checks p first": lambda lib: lib.nn.functional.dropout(1.0, p=2.0),
    "ReLU module": lambda lib: lib.nn.ReLU()(1.0),
}


@pytest.mark.parametrize("case", list(LAYER_CALLS))
def test_layers_refuse_non_tensor_arguments_with_a_type_error_naming_them(case):
    assert_same_outcome(LAYER_CALLS[case])


LINEAR_WEIGHTS: dict[str, Call] = {
    "1-d": lambda lib: lib.nn.functional.linear(lib.ones(2, 3), lib.ones(3)),
    "0-d": lambda lib: lib.nn.functional.linear(lib.ones(3), lib.tensor(2.0)),
}


@pytest.mark.parametrize("case", list(LINEAR_WEIGHTS))
def test_linear_takes_a_1d_weight_and_refuses_a_0d_one_like_torch(case):
    assert_same_outcome(LINEAR_WEIGHTS[case])


JOIN_CALLS: dict[str, Call] = {
    "a list element": lambda lib: lib.stack([lib.ones(2), [1.0, 2.0]]),
    "a list as the first element": lambda lib: lib.cat([[1.0], lib.ones(1)]),
    "a number element": lambda lib: lib.cat((lib.ones(1), 1.0)),
    "two tensors, not a list": lambda lib: lib.cat(lib.ones(2), lib.ones(2)),
    "one tensor, not a list": lambda lib: lib.stack(lib.ones(2)),
    "None": lambda lib: lib.cat(None),
    "a generator": lambda lib: lib.stack(t for t in [lib.ones(2)]),
    "an empty list to cat": lambda lib: lib.cat([]),
    "an empty list to stack": lambda lib: lib.stack([]),
    "an empty tuple to cat": lambda lib: lib.cat(()),
}


@pytest.mark.parametrize("case", list(JOIN_CALLS))
def test_cat_and_stack_take_a_non_empty_list_of_tensors(case):
    assert_same_outcome(JOIN_CALLS[case])


# ---------------------------------------------------------------------- shapes and sizes
@given(data=st.data(), shape=shapes(min_dims=1), bad=st.integers(-9, -2))
def test_reshape_and_view_refuse_negative_sizes_other_than_minus_one(data, shape, bad):
    sizes = list(data.draw(reshaped(shape)))
    sizes.insert(data.draw(st.integers(0, len(sizes))), bad)
    method = data.draw(st.sampled_from(["reshape", "view"]))
    assert_same_outcome(lambda lib: getattr(lib.ones(shape), method)(*sizes))


@given(data=st.data(), shape=shapes(min_dims=1, allow_empty=True), size=st.integers(-2, 3),
       method=st.sampled_from(["split", "chunk"]))
def test_split_and_chunk_sizes_are_checked_as_in_torch(data, shape, size, method):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_same_outcome(lambda lib: getattr(lib.ones(shape), method)(size, dim))


@given(dtype=st.sampled_from(["int64", "int32", "uint8", "bool"]), exponent=st.integers(-5, -1),
       shape=shapes(max_dims=2, allow_empty=True), form=st.sampled_from(["**", "pow"]))
def test_integer_tensors_to_negative_integer_powers_raise_runtime_error(dtype, exponent, shape,
                                                                          form):
    def call(lib):
        x = lib.ones(shape, dtype=getattr(lib, dtype))
        return x**exponent if form == "**" else x.pow(exponent)

    assert_same_outcome(call)


# ---------------------------------------------------------------------- empty reductions
def _empty_shapes():
    return edge_shapes(min_dims=1)


@given(data=st.data(), shape=_empty_shapes(),
       name=st.sampled_from(["max", "min", "argmax", "argmin", "amax", "amin"]))
def test_reductions_without_identity_refuse_empty_dims(data, shape, name):
    """max, min, amax, amin, argmax and argmin over everything, or over a dim of size 0, of an
    empty tensor (over a non-empty dim they give an empty result)."""
    if name.startswith("amax") or name.startswith("amin"):
        dim = data.draw(dims(len(shape), allow_none=True))
        args = () if dim is None else (dim,)
    else:
        dim = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
        args = () if dim is None else (dim, data.draw(st.booleans()))
    assert_same_outcome(lambda lib: getattr(lib.ones(shape), name)(*args))


@given(data=st.data(), shape=_empty_shapes(),
       p=st.sampled_from([np.inf, -np.inf, -1.0, -0.5, 0.0, 1.0, 2.0, 3.0]))
def test_norms_without_identity_refuse_empty_dims(data, shape, p):
    dim = data.draw(dims(len(shape), allow_none=True))
    assert_same_outcome(lambda lib: lib.ones(shape).norm(p=p, dim=dim))


@given(shape=st.lists(st.integers(1, 3), max_size=4).map(tuple),
       dim=st.none() | st.lists(st.integers(-4, 3), max_size=3),
       p=st.sampled_from(["nuc", "abc"]), integer=st.booleans())
def test_matrix_norms_check_dtype_rank_and_dims_as_torch(shape, dim, p, integer):
    assert_same_outcome(lambda lib: lib.ones(shape, dtype=lib.int64 if integer else lib.float64)
                        .norm(p=p, dim=dim))


@given(data=st.data(), shape=_empty_shapes(),
       name=st.sampled_from(["sum", "mean", "logsumexp", "var", "std"]))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_reductions_with_an_identity_or_nan_accept_empty_dims(data, shape, name):
    dim = data.draw(dims(len(shape)))
    assert_same_outcome(lambda lib: getattr(lib.ones(shape), name)(dim))


def test_max_over_everything_of_an_empty_tensor_names_the_dim_argument():
    assert_same_outcome(lambda lib: lib.max(lib.ones(0, 3)))
    assert_same_outcome(lambda lib: lib.ones(0, dtype=lib.int64).min())


# ---------------------------------------------------------------------- dtypes kernels refuse
# Calls on a 2x3 tensor x of every dtype: PyTorch has no bool (or no integer) kernel for many
# of them; minigrad raises its error, or gives the same values in the same dtype.
def _f(lib: Any) -> Any:
    return lib.nn.functional


def _mask(lib: Any) -> Any:
    return lib.tensor([[True, False, True], [False, False, True]])


DTYPE_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "std": lambda lib, x: x.std(),
    "var(0)": lambda lib, x: x.var(0),
    "var(correction=9)": lambda lib, x: x.var(correction=9),
    "var_mean": lambda lib, x: lib.var_mean(x, 1),
    "std_mean": lambda lib, x: lib.std_mean(x),
    "norm": lambda lib, x: x.norm(),
    "norm(1, 0)": lambda lib, x: x.norm(1, 0),
    "norm(inf)": lambda lib, x: x.norm(float("inf")),
    "norm(dim=5)": lambda lib, x: x.norm(dim=5),
    "dist": lambda lib, x: lib.dist(x, x),
    "dist(p=1)": lambda lib, x: x.dist(x, 1),
    "nanmean": lambda lib, x: x.nanmean(),
    "argmax": lambda lib, x: x.argmax(),
    "argmin(0)": lambda lib, x: x.argmin(0),
    "argmax of none": lambda lib, x: x[:0].argmax(),
    "sign": lambda lib, x: x.sign(),
    "sgn": lambda lib, x: x.sgn(),
    "relu": lambda lib, x: lib.relu(x),
    "relu_": lambda lib, x: x.clone().relu_(),
    "ReLU()": lambda lib, x: lib.nn.ReLU()(x),
    "relu6": lambda lib, x: _f(lib).relu6(x),
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x),
    "hardtanh(-0.5, 0.5)": lambda lib, x: _f(lib).hardtanh(x, -0.5, 0.5),
    "hardtanh_": lambda lib, x: _f(lib).hardtanh_(x.clone()),
    "threshold": lambda lib, x: _f(lib).threshold(x, 1, 5),
    "threshold_": lambda lib, x: _f(lib).threshold_(x.clone(), 0.5, 2.5),
    "clamp(0.5)": lambda lib, x: x.clamp(0.5),
    "clamp(1)": lambda lib, x: x.clamp(1),
    "clamp(True)": lambda lib, x: x.clamp(True),
    "clamp(0, 1)": lambda lib, x: x.clamp(0, 1),
    "clip(max=0.5)": lambda lib, x: lib.clip(x, max=0.5),
    "clamp(1e10)": lambda lib, x: x.clamp(1e10),
    "clamp(300)": lambda lib, x: x.clamp(300),
    "clamp(x, x)": lambda lib, x: x.clamp(x, x),
    "clamp(max=x)": lambda lib, x: x.clamp(max=x),
    "clamp_(0.5)": lambda lib, x: x.clone().clamp_(0.5),
    "clamp_(0, 1)": lambda lib, x: x.clone().clamp_(0, 1),
    "clip_(max=2)": lambda lib, x: x.clone().clip_(max=2),
    "clamp_min(1)": lambda lib, x: x.clamp_min(1),
    "clamp_max(0.5)": lambda lib, x: x.clamp_max(0.5),
    "clamp_min_(1)": lambda lib, x: x.clone().clamp_min_(1),
    "clamp('a')": lambda lib, x: x.clamp("a"),
    "clamp_('a')": lambda lib, x: x.clone().clamp_("a"),
    "clamp_min(None)": lambda lib, x: x.clamp_min(None),
    "clamp_max('a')": lambda lib, x: x.clamp_max("a"),
    "clamp_max_(None)": lambda lib, x: x.clone().clamp_max_(None),
    "torch.clamp_max(x, 1)": lambda lib, x: lib.clamp_max(x, 1),
    "fill_(1e10)": lambda lib, x: x.clone().fill_(1e10),
    "fill_(nan)": lambda lib, x: x.clone().fill_(float("nan")),
    "fill_(-2.5)": lambda lib, x: x.clone().fill_(-2.5),
    "masked_fill(2.5)": lambda lib, x: x.masked_fill(_mask(lib), 2.5),
    "masked_fill(-1)": lambda lib, x: x.masked_fill(_mask(lib), -1),
    "masked_fill(nan)": lambda lib, x: x.masked_fill(_mask(lib), float("nan")),
    "masked_fill(1e10)": lambda lib, x: x.masked_fill(_mask(lib), 1e10),
    "masked_fill_(300)": lambda lib, x: x.clone().masked_fill_(_mask(lib), 300),
    "masked_fill(tensor(2.5))": lambda lib, x: x.masked_fill(_mask(lib), lib.tensor(2.5)),
    "masked_fill(tensor([2]))": lambda lib, x: x.masked_fill(_mask(lib), lib.tensor([2])),
    "masked_fill(int mask)": lambda lib, x: x.masked_fill(_mask(lib).long(), 1),
    "index_fill(1e10)": lambda lib, x: x.index_fill(1, lib.tensor([0, 2]), 1e10),
    "index_fill(300)": lambda lib, x: x.index_fill(0, lib.tensor([1]), 300),
    "full_like(1e10)": lambda lib, x: lib.full_like(x, 1e10),
    "full_like(1e300)": lambda lib, x: lib.full_like(x, 1e300),
    "full_like(nan)": lambda lib, x: lib.full_like(x, float("nan")),
    "full(1e300) of the default dtype": lambda lib, x: lib.full((2,), 1e300),
    "x @ x.T": lambda lib, x: x @ x.T,
    "x[0] @ x[0]": lambda lib, x: x[0] @ x[0],
    "x @ x[0]": lambda lib, x: x @ x[0],
    "x[0] @ x.T": lambda lib, x: x[0] @ x.T,
    "batched @": lambda lib, x: x[None] @ x.T[None],
    "batched @ x[0]": lambda lib, x: x[None] @ x[0],
    "x[:0] @ x.T": lambda lib, x: x[:0] @ x.T,
    "x[0, :0] @ x[0, :0]": lambda lib, x: x[0, :0] @ x[0, :0],
    "batches that do not broadcast": lambda lib, x: x.expand(2, 2, 3) @ x.T.expand(3, 3, 2),
    "4-d and 3-d batches": lambda lib, x: x.expand(4, 2, 2, 3) @ x.T.expand(3, 3, 2),
    "mm": lambda lib, x: x.mm(x.T),
    "mv": lambda lib, x: x.mv(x[0]),
    "dot": lambda lib, x: x[1].dot(x[0]),
    "inner": lambda lib, x: lib.inner(x, x),
    "bmm": lambda lib, x: x[None].bmm(x.T[None]),
    "median": lambda lib, x: x.median(),
    "median(0)": lambda lib, x: x.median(0),
    "nanmedian(1)": lambda lib, x: x.nanmedian(1),
    "kthvalue(2)": lambda lib, x: x.kthvalue(2),
    "topk(2)": lambda lib, x: x.topk(2),
    "flip()": lambda lib, x: x.flip(),
    "select(1, -1)": lambda lib, x: x.select(1, -1),
    "select(0, 5)": lambda lib, x: x.select(0, 5),
    "select(-1, -4)": lambda lib, x: x.select(-1, -4),
    "select(2, 0)": lambda lib, x: x.select(2, 0),
    "select(0, 1.0)": lambda lib, x: x.select(0, 1.0),
    "select(0, tensor(1))": lambda lib, x: lib.select(x, 0, lib.tensor(1)),
    "select of a 0-d tensor": lambda lib, x: x[0, 0].select(0, 0),
    "fliplr": lambda lib, x: lib.fliplr(x),
    "fliplr of 1-d": lambda lib, x: x[0].fliplr(),
    "flipud of 0-d": lambda lib, x: lib.flipud(x[0, 0]),
    "arccos": lambda lib, x: lib.arccos(x),
    "arcsinh": lambda lib, x: x.arcsinh(),
    "arctan_": lambda lib, x: x.clone().arctan_(),
    "arccosh_": lambda lib, x: x.clone().arccosh_(),
    "is_signed": lambda lib, x: lib.tensor(x.is_signed()),
    "torch.is_signed": lambda lib, x: lib.tensor(lib.is_signed(x)),
    "is_nonzero": lambda lib, x: lib.tensor(x.is_nonzero()),
    "is_nonzero of one": lambda lib, x: lib.tensor(lib.is_nonzero(x[1, 2])),
    "is_same_size": lambda lib, x: lib.tensor((x.is_same_size(x.T), x.is_same_size(x + 1))),
    "nbytes, itemsize, is_cpu": lambda lib, x: lib.tensor((x.nbytes, x.itemsize, x.is_cpu)),
    "concat": lambda lib, x: lib.concat([x, x], dim=1),
    "concatenate(axis=1)": lambda lib, x: lib.concatenate((x, x[:, :1]), axis=1),
    "new_zeros(2, 3)": lambda lib, x: x.new_zeros(2, 3),
    "new_ones((1,), dtype=float64)": lambda lib, x: x.new_ones((1,), dtype=lib.float64),
    "new_full((2,), 7)": lambda lib, x: x.new_full((2,), 7),
    "new_full((2,), 2.5)": lambda lib, x: x.new_full([2], 2.5),
    "new_full(2, 1)": lambda lib, x: x.new_full(2, 1),
    "new_full((2,), 'a')": lambda lib, x: x.new_full((2,), "a"),
    "new_empty(0)": lambda lib, x: x.new_empty(0),
    "new_zeros(2.5)": lambda lib, x: x.new_zeros(2.5),
    "new_ones(-1)": lambda lib, x: x.new_ones(-1),
    "new_tensor([1, 2])": lambda lib, x: x.new_tensor([1, 2]),
    "new_tensor(3.5, dtype=int32)": lambda lib, x: x.new_tensor(3.5, dtype=lib.int32),
    "new_tensor(x)": lambda lib, x: x.new_tensor(x),
    "new_zeros requires_grad": lambda lib, x: lib.tensor(
        x.new_zeros(1, dtype=lib.float32, requires_grad=True).requires_grad),
    "linalg.vector_norm": lambda lib, x: lib.linalg.vector_norm(x),
    "linalg.vector_norm('fro')": lambda lib, x: lib.linalg.vector_norm(x, "fro"),
    "linalg.vector_norm(dtype=float16)": lambda lib, x: lib.linalg.vector_norm(
        x, dtype=lib.float16),
    "linalg.vector_norm(dim=(0, 0))": lambda lib, x: lib.linalg.vector_norm(x, 2, (0, 0)),
    "linalg.matrix_norm": lambda lib, x: lib.linalg.matrix_norm(x),
    "linalg.matrix_norm(3)": lambda lib, x: lib.linalg.matrix_norm(x, 3),
    "linalg.matrix_norm('foo')": lambda lib, x: lib.linalg.matrix_norm(x, "foo"),
    "linalg.matrix_norm of 1-d": lambda lib, x: lib.linalg.matrix_norm(x[0]),
    "linalg.matrix_norm('nuc')": lambda lib, x: lib.linalg.matrix_norm(x, "nuc"),
    "linalg.matrix_norm(-2)": lambda lib, x: lib.linalg.matrix_norm(x, -2),
    "linalg.matrix_norm(inf, keepdim)": lambda lib, x: lib.linalg.matrix_norm(
        x, float("inf"), keepdim=True),
    "linalg.norm(1)": lambda lib, x: lib.linalg.norm(x, 1),
    "linalg.norm('fro', dim=0)": lambda lib, x: lib.linalg.norm(x, "fro", dim=0),
    "linalg.norm(2) of 3-d": lambda lib, x: lib.linalg.norm(x[None], 2),
    "linalg.norm('fro') of 1-d": lambda lib, x: lib.linalg.norm(x[0], "fro"),
    "linalg.svdvals": lambda lib, x: lib.linalg.svdvals(x),
    "linalg.svdvals of 1-d": lambda lib, x: lib.linalg.svdvals(x[0]),
    "linalg.vecdot": lambda lib, x: lib.linalg.vecdot(x, x),
    "linalg.multi_dot of one": lambda lib, x: lib.linalg.multi_dot([x]),
    "linalg.multi_dot of two": lambda lib, x: lib.linalg.multi_dot([x, x.T]),
    "linalg.multi_dot of a row, matrices, a column": lambda lib, x: lib.linalg.multi_dot(
        [x[0], x.T, x, x[1]]),
    "linalg.vector_norm(None)": lambda lib, x: lib.linalg.vector_norm(x, None),
    "linalg.vector_norm(dtype=float64)": lambda lib, x: lib.linalg.vector_norm(
        x, dtype=lib.float64),
    "linalg.norm(dtype=float64)": lambda lib, x: lib.linalg.norm(x, dtype=lib.float64),
    "linalg.norm('nuc', dtype=float64)": lambda lib, x: lib.linalg.norm(x, "nuc",
                                                                       dtype=lib.float64),
    "linalg.norm(1, dim=1)": lambda lib, x: lib.linalg.norm(x, 1, 1),
    "linalg.matrix_norm(2)": lambda lib, x: lib.linalg.matrix_norm(x, 2),
    "linalg.matrix_norm(2) of a batch": lambda lib, x: lib.linalg.matrix_norm(
        lib.stack([x, x * 2]), 2),
    "linalg.matrix_norm(2, keepdim) of 4-d": lambda lib, x: lib.linalg.matrix_norm(
        lib.stack([x, x * 2])[None].expand(2, 2, 2, 3), 2, keepdim=True),
    "linalg.matrix_norm(dtype=float64)": lambda lib, x: lib.linalg.matrix_norm(
        x, dtype=lib.float64),
    "linalg.cross": lambda lib, x: lib.linalg.cross(x, x.flip(0)),
    "linalg.cross of 3x3 (the last dim)": lambda lib, x: lib.linalg.cross(
        lib.stack([x[0], x[1], x[0]]), lib.stack([x[1], x[0], x[0]])),
    "linalg.matrix_norm(dtype=float16)": lambda lib, x: lib.linalg.matrix_norm(
        x, dtype=lib.float16),
    "linalg.norm(dim=(0, 1))": lambda lib, x: lib.linalg.norm(x, dim=(0, 1)),
    "linalg.inv": lambda lib, x: lib.linalg.inv(lib.eye(2, dtype=x.dtype) * 2),
    "linalg.matrix_power": lambda lib, x: lib.linalg.matrix_power(x[:, 1:], 3),
    "linalg.diagonal of a matrix": lambda lib, x: lib.linalg.diagonal(x),
    "linalg.diagonal": lambda lib, x: lib.linalg.diagonal(x[None], offset=1),
    "short": lambda lib, x: x.short(),
    "char": lambda lib, x: x.char(),
    "byte": lambda lib, x: x.byte(),
}
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("name", list(DTYPE_CALLS))
@given(dtype=st.sampled_from(DTYPES), values=st.lists(st.integers(-3, 7), min_size=6, max_size=6))
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_calls_on_every_dtype_raise_or_agree_as_in_torch(name, dtype, values):
    array = np.array(values).reshape(2, 3).astype(dtype)
    assert_same_outcome(lambda lib: DTYPE_CALLS[name](lib, lib.tensor(array)))


# ---------------------------------------------------------------------- index keys
# x[key] and x[key] = 7 on a 2x3 int tensor: what PyTorch takes as an index, and its errors
# for what it does not (NumPy takes a bool scalar, a float array or tensor as an error of its
# own). PyTorch turns a float list or NumPy float array into a long tensor, truncating toward 0
# (nan and the out-of-range to the smallest int64, out of bounds).
INDEX_KEYS: dict[str, Callable[[Any], Any]] = {
    "numpy bool": lambda lib: np.True_,
    "numpy bool in a tuple": lambda lib: (0, np.False_),
    "float": lambda lib: 1.5,
    "float in a tuple": lambda lib: (0, 1.0),
    "numpy float": lambda lib: np.float64(1),
    "str": lambda lib: "a",
    "float tensor": lambda lib: lib.tensor([1.5]),
    "0-d float tensor": lambda lib: lib.tensor(1.0),
    "numpy int": lambda lib: np.int64(1),
    "bool": lambda lib: True,
    "None": lambda lib: None,
    "Ellipsis": lambda lib: ...,
    "range": lambda lib: range(2),
    "list of bools": lambda lib: [True, False],
    "0-d int tensor": lambda lib: lib.tensor(1),
    "bool tensor": lambda lib: lib.tensor([False, True]),
    "list of floats": lambda lib: [0.5, -1.7],
    "numpy float array": lambda lib: np.array([[1.9], [-0.2]]),
    "0-d numpy float array": lambda lib: np.array(1.7),
    "numpy float array in a tuple": lambda lib: (np.array([1.5]), 2),
    "numpy nan array": lambda lib: np.array([np.nan]),
    "numpy array of a huge float": lambda lib: np.array([1e30]),
    "index out of bounds": lambda lib: [5],
    "float index out of bounds": lambda lib: [200.0],
}


@pytest.mark.parametrize("key", list(INDEX_KEYS))
@pytest.mark.parametrize("write", [False, True])
def test_index_keys_are_taken_or_refused_as_in_torch(key, write):
    def call(lib):
        x = lib.arange(6).reshape(2, 3)
        if not write:
            return x[INDEX_KEYS[key](lib)]
        x[INDEX_KEYS[key](lib)] = 7
        return x

    assert_same_outcome(call)


# ---------------------------------------------------------------------- x.grad = value
GRADS: dict[str, Call] = {
    "an ndarray": lambda lib: np.ones(2, np.float32),
    "a number": lambda lib: 1.0,
    "a list": lambda lib: [1.0, 1.0],
    "an object": lambda lib: Custom(),
    "float64": lambda lib: lib.ones(2, dtype=lib.float64),
    "float16": lambda lib: lib.ones(2, dtype=lib.float16),
    "int64": lambda lib: lib.ones(2, dtype=lib.int64),
    "int32": lambda lib: lib.ones(2, dtype=lib.int32),
    "uint8": lambda lib: lib.ones(2, dtype=lib.uint8),
    "bool": lambda lib: lib.ones(2, dtype=lib.bool),
    "float64 of another shape (dtype first)": lambda lib: lib.ones(3, dtype=lib.float64),
    "another shape": lambda lib: lib.ones(2, 1),
    "the right one": lambda lib: lib.full((2,), 0.5),
    "None": lambda lib: None,
}


@pytest.mark.parametrize("case", list(GRADS))
def test_assigned_grad_must_be_a_tensor_of_the_same_dtype_and_shape(case):
    def call(lib):
        x = lib.ones(2, requires_grad=True)
        x.grad = GRADS[case](lib)
        return lib.zeros(1) if x.grad is None else x.grad

    assert_same_outcome(call)


@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_assigned_grad_of_another_float_tensor_must_have_its_dtype(dtype):
    def call(lib):
        x = lib.ones(2, dtype=getattr(lib, dtype), requires_grad=True)
        x.grad = lib.ones(2)

    assert_same_outcome(call)

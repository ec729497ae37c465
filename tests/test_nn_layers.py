"""The activations, reshaping layers, containers, normalization layers, Embedding and Bilinear
of minigrad.nn against PyTorch: values and gradients (at the kinks too), in-place variants,
errors, printed modules and state_dict names."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays, float_dtypes, index_arrays, unary
from support import assert_close
from test_nn_modules import batch_shapes, check_module_against_torch, sizes

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

# The points where an activation's derivative jumps, and PyTorch picks a side.
KINKS = (0.0, -1.0, 1.0, -3.0, 3.0, 6.0, 0.5)

# (functional name, keyword arguments, module name, constructor arguments)
ACTIVATIONS = [
    ("relu", {}, "ReLU", {}),
    ("relu6", {}, "ReLU6", {}),
    ("hardtanh", {}, "Hardtanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 3.0}, "Hardtanh", {"min_val": -0.5, "max_val": 3.0}),
    ("leaky_relu", {}, "LeakyReLU", {}),
    ("leaky_relu", {"negative_slope": 0.2}, "LeakyReLU", {"negative_slope": 0.2}),
    ("elu", {}, "ELU", {}),
    ("elu", {"alpha": 0.5}, "ELU", {"alpha": 0.5}),
    ("selu", {}, "SELU", {}),
    ("celu", {}, "CELU", {}),
    ("celu", {"alpha": 2.0}, "CELU", {"alpha": 2.0}),
    ("gelu", {}, "GELU", {}),
    ("gelu", {"approximate": "tanh"}, "GELU", {"approximate": "tanh"}),
    ("silu", {}, "SiLU", {}),
    ("mish", {}, "Mish", {}),
    ("softplus", {}, "Softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 3.0}, "Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("softsign", {}, "Softsign", {}),
    ("hardsigmoid", {}, "Hardsigmoid", {}),
    ("hardswish", {}, "Hardswish", {}),
    ("logsigmoid", {}, "LogSigmoid", {}),
    ("tanh", {}, "Tanh", {}),
    ("sigmoid", {}, "Sigmoid", {}),
    ("threshold", {"threshold": 0.5, "value": -2.0}, "Threshold",
     {"threshold": 0.5, "value": -2.0}),
]
ACTIVATION_IDS = [f"{name}{kwargs or ''}" for name, kwargs, _, _ in ACTIVATIONS]

INPLACE = [(name, kwargs, module, margs) for name, kwargs, module, margs in ACTIVATIONS
           if name in ("relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "silu",
                       "mish", "hardsigmoid", "hardswish", "threshold")]


# ---------------------------------------------------------------------- activations
@pytest.mark.parametrize("name, kwargs, module, margs", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_functional_activation_values_and_gradients_match_torch_at_the_kinks_too(
    name, kwargs, module, margs
):
    op_test(unary(low=-8, high=8, special=KINKS))(
        lambda lib, x: getattr(lib.nn.functional, name)(x, **kwargs))()


@pytest.mark.parametrize("name, kwargs, module, margs", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activation_module_matches_torch(name, kwargs, module, margs):
    op_test(unary(special=KINKS))(lambda lib, x: getattr(lib.nn, module)(**margs)(x))()


@pytest.mark.parametrize("name, kwargs, module, margs", INPLACE,
                         ids=[f"{n}{k or ''}" for n, k, _, _ in INPLACE])
def test_inplace_activation_overwrites_a_non_leaf_and_backpropagates_like_torch(
    name, kwargs, module, margs
):
    def op(lib: Any, x: Any, form: str) -> Any:
        y = x * 1  # a non-leaf: a leaf that requires grad refuses in-place changes
        if form == "module":
            out = getattr(lib.nn, module)(**margs, inplace=True)(y)
        elif form == "underscore" and hasattr(torch.nn.functional, name + "_"):
            out = getattr(lib.nn.functional, name + "_")(y, **kwargs)
        else:
            out = getattr(lib.nn.functional, name)(y, **kwargs, inplace=True)
        assert out is y
        return y

    forms = st.sampled_from(("functional", "underscore", "module"))
    op_test(unary(special=KINKS, form=forms))(op)()


def test_prelu_learns_one_slope_or_one_per_channel_like_torch():
    @given(dtype=float_dtypes(), shape=st.tuples(sizes, sizes, st.integers(0, 3)),
           per_channel=st.booleans(), data=st.data())
    def check(dtype, shape, per_channel, data):
        x = data.draw(arrays(dtype, shape, special=(0.0,)), label="x")
        count = shape[1] if per_channel else 1
        check_module_against_torch(lambda nn: nn.PReLU(count), [x], dtype, data)

    check()


@pytest.mark.parametrize("kwargs", [{}, {"num_parameters": 3}, {"init": 0.1}])
def test_prelu_starts_from_torchs_slopes(kwargs):
    slopes = [lib.nn.PReLU(**kwargs).weight.detach().numpy() for lib in (torch, mg)]
    np.testing.assert_array_equal(slopes[1], slopes[0], strict=True)


@op_test(st.builds(lambda c: c, unary(special=(0.0,))).filter(lambda c: c.tensors[0].ndim >= 1)
         .map(lambda c: Call((c.tensors[0], np.linspace(0.1, 0.9, c.tensors[0].shape[1]
                                                        if c.tensors[0].ndim > 1 else 1)
                              .astype(c.tensors[0].dtype)))))
def test_functional_prelu_with_a_slope_per_channel(lib, x, weight):
    return lib.nn.functional.prelu(x, weight)


@pytest.mark.parametrize("module, margs", [("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": -1})])
def test_softmax_modules_match_torch(module, margs):
    op_test(unary().filter(lambda c: c.tensors[0].ndim >= 2))(
        lambda lib, x: getattr(lib.nn, module)(**margs)(x))()


@pytest.mark.parametrize(
    "call, match, error",
    [(lambda lib, x: lib.nn.functional.gelu(x, approximate="exact"),
      r"approximate argument must be either none or tanh\.", RuntimeError),
     (lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0),
      "min_val cannot be greater than max_val", ValueError),
     (lambda lib, x: lib.nn.functional.celu(x, alpha=0.0),
      "ZeroDivisionError: alpha cannot be 0 for CELU", RuntimeError),
     (lambda lib, x: lib.nn.Hardtanh(2.0, 1.0),
      r"max_val \(1.0\) must be greater than min_val \(2.0\)", AssertionError),
     (lambda lib, x: lib.nn.Hardtanh(1.0, 1.0),
      r"max_val \(1.0\) must be greater than min_val \(1.0\)", AssertionError),
     (lambda lib, x: lib.nn.functional.prelu(x, lib.ones(2)),
      "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and "
      "channel size = 3.", RuntimeError),
     (lambda lib, x: lib.nn.functional.prelu(x[0], lib.ones(2)),
      "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and "
      "channel size = 1.", RuntimeError),
     (lambda lib, x: lib.nn.functional.prelu(x[0, 0], lib.ones(2)),
      "Not allow zero-dim input tensor.", RuntimeError),
     (lambda lib, x: lib.nn.functional.prelu(x, lib.ones(1, 3)),
      r"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2", RuntimeError)],
)
def test_bad_activation_arguments_raise_torch_errors(call, match, error):
    assert_raises_like_torch(call, Call((np.ones((2, 3), np.float32),)), f"^{match}$")
    with pytest.raises(error):
        call(mg, mg.ones(2, 3))


@pytest.mark.parametrize("name, kernel", [
    ("elu", "elu_cpu"), ("selu", "elu_cpu"), ("celu", "elu_cpu"), ("leaky_relu", "leaky_relu_cpu"),
    ("gelu", "GeluKernelImpl"), ("silu", "silu_cpu"), ("mish", "mish_cpu"),
    ("softplus", "softplus_cpu"), ("hardsigmoid", "hardsigmoid_cpu"),
    ("hardswish", "hardswish_cpu"), ("logsigmoid", "log_sigmoid_cpu"),
])
def test_activations_without_an_integer_kernel_refuse_integer_tensors(name, kernel):
    assert_raises_like_torch(lambda lib, x: getattr(lib.nn.functional, name)(x),
                             Call((np.array([1, 2]),)), f'"{kernel}" not implemented for \'Long\'')


@pytest.mark.parametrize("name", [
    "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "elu", "elu_",
    "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "softsign",
    "hardsigmoid", "hardswish", "logsigmoid", "tanh", "sigmoid", "threshold", "threshold_"])
def test_activation_of_a_list_raises_torchs_error(name):
    """A TypeError naming PyTorch's kernel (log_sigmoid for logsigmoid, the in-place form for
    the in-place functions), or for the functions PyTorch composes in Python, the error of the
    first method they call on the list."""
    args = (0.5, 0.0) if name.startswith("threshold") else ()
    raised = []
    for lib in (torch, mg):
        with pytest.raises(Exception) as info:
            getattr(lib.nn.functional, name)([1.0], *args)
        raised.append((info.type, str(info.value)))
    assert raised[1] == raised[0]


def test_inplace_activation_of_a_leaf_that_requires_grad_raises_like_torch():
    x = np.ones(3, np.float32)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        torch.nn.functional.elu_(torch.tensor(x, requires_grad=True))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mg.nn.functional.elu_(mg.tensor(x, requires_grad=True))


@pytest.mark.parametrize("name", ["relu_", "hardtanh_", "leaky_relu_", "elu_", "selu_", "celu_"])
def test_in_place_activations_take_torchs_defaults(name):
    x = np.array([-3.0, -1.5, -0.5, 0.0, 0.5, 1.5, 7.0])
    outputs = [getattr(lib.nn.functional, name)(lib.tensor(x)) for lib in (mg, torch)]
    assert_close(outputs[0], outputs[1])


def test_functional_hardtanh_takes_equal_limits_like_torch():
    """Only min_val > max_val is refused (nn.Hardtanh asserts more): both limits 1 give 1, and
    a gradient of 0, everywhere."""
    results = []
    for lib in (torch, mg):
        x = lib.tensor([-2.0, 0.0, 1.0, 3.0], requires_grad=True)
        y = lib.nn.functional.hardtanh(x, 1.0, 1.0)
        y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs, strict=True)


MODULES = [
    "ReLU()", "ReLU(inplace=True)", "ReLU6()", "ReLU6(True)", "Hardtanh()", "Hardtanh(-2, 2, True)",
    "Threshold(0.1, 2.0, True)", "Threshold(0.1, 2)", "Sigmoid()", "Tanh()", "SiLU(True)",
    "Mish()", "Hardswish(True)", "Hardsigmoid()", "ELU(inplace=True)", "CELU(0.5)", "SELU(True)",
    "GELU()", "GELU('tanh')", "LeakyReLU()", "LeakyReLU(0.2, True)", "LogSigmoid()",
    "Softplus()", "Softplus(2, 5)", "PReLU(3)", "Softsign()", "Softmax(1)", "LogSoftmax()",
    "Flatten()", "Flatten(0, 2)", "Unflatten(1, (2, 3))", "Identity(3, a=2)", "Bilinear(2, 3, 4)",
    "Bilinear(2, 3, 4, bias=False)", "LayerNorm(3)", "LayerNorm((2, 3), eps=0.1, bias=False)",
    "LayerNorm([2], elementwise_affine=False)", "BatchNorm1d(3)", "BatchNorm1d(3, bias=False)",
    "BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False)",
    "Embedding(5, 3)", "Embedding(5, 3, padding_idx=-1, max_norm=1.0)",
    "ModuleList([Linear(2, 2), Linear(2, 2), ReLU(), Linear(2, 2)])", "ModuleList()",
    "ModuleList([Sequential(ReLU(), Tanh()), Sequential(ReLU(), Tanh()), ReLU(), Sequential()])",
    "ModuleDict({'a': ReLU(), 'b': Sequential(Tanh(), Tanh())})",
    "Sequential(OrderedDict(first=ReLU(), second=Tanh()))",
]


@pytest.mark.parametrize("source", MODULES)
def test_modules_print_and_name_their_state_as_torch(source):
    theirs = eval(source, {"OrderedDict": OrderedDict}, vars(torch.nn))
    ours = eval(source, {"OrderedDict": OrderedDict}, vars(mg.nn))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(ours.state_dict().items(), theirs.state_dict().items(),
                                 strict=True):
        assert tuple(p.shape) == tuple(q.shape), name


# ------------------------------------------------------------ Flatten, Unflatten, Identity
@given(dtype=float_dtypes(), shape=st.tuples(sizes, sizes, sizes, st.integers(0, 2)),
       dims=st.sampled_from([(1, -1), (0, -1), (1, 2), (-2, -1), (0, 0)]), data=st.data())
def test_flatten_merges_dims_like_torch(dtype, shape, dims, data):
    x = data.draw(arrays(dtype, shape), label="x")
    check_module_against_torch(lambda nn: nn.Flatten(*dims), [x], dtype, data)


@given(dtype=float_dtypes(), n=sizes, sizes=st.sampled_from([(2, 3), (3, -1), (6,), (1, 2, 3)]),
       data=st.data())
def test_unflatten_splits_a_dim_like_torch(dtype, n, sizes, data):
    x = data.draw(arrays(dtype, (n, 6)), label="x")
    check_module_against_torch(lambda nn: nn.Unflatten(1, sizes), [x], dtype, data)


@pytest.mark.parametrize("size, match", [
    (3, "unflattened_size must be a tuple of ints, but found type int"),
    ((2, 3.0), "unflattened_size must be tuple of ints, but found element of type float at pos 1"),
])
def test_unflatten_refuses_sizes_that_are_not_ints(size, match):
    assert_raises_like_torch(lambda lib: lib.nn.Unflatten(1, size), Call(()), match)


def test_identity_returns_its_input_itself():
    x = mg.ones(2)
    assert mg.nn.Identity(54, unused="x")(x) is x


# ---------------------------------------------------------------------- containers
def test_sequential_slicing_append_insert_extend_delete_and_pop_number_modules_as_torch():
    def edit(nn: Any) -> Any:
        seq = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
        seq.append(nn.Tanh())
        seq.insert(1, nn.Linear(2, 2))
        seq.insert(-1, nn.Sigmoid())
        seq.insert(0, nn.Softsign())
        seq.insert(len(seq), nn.Hardtanh())  # both ends of the range
        seq.insert(-len(seq), nn.SiLU())
        seq.extend([nn.ReLU6(), nn.Identity()])
        del seq[0]
        del seq[1:3]
        popped = seq.pop(2)
        return seq, seq[1:4], seq[-1], seq[-len(seq)], popped, len(seq)

    ours, theirs = edit(mg.nn), edit(torch.nn)
    for a, b in zip(ours, theirs, strict=True):
        assert repr(a) == repr(b)
    assert list(ours[0].state_dict()) == list(theirs[0].state_dict())


@pytest.mark.parametrize("index, module, error, match", [
    (4, "ReLU", IndexError, "^Index out of range: 4$"),
    (-4, "ReLU", IndexError, "^Index out of range: -4$"),
    (0, None, AssertionError,
     r"^module should be of type: <class '\w+\.nn\.modules\.module\.Module'>$"),
])
def test_sequential_insert_refuses_what_torch_refuses(index, module, error, match):
    for lib in (torch, mg):
        seq = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.ReLU(), lib.nn.ReLU())
        with pytest.raises(error, match=match):
            seq.insert(index, getattr(lib.nn, module)() if module else "ReLU")


def test_sequential_with_an_ordered_dict_keeps_the_names_and_runs_like_torch():
    @given(dtype=st.just(np.dtype(np.float64)), data=st.data())  # (LayerNorm: see below)
    def check(dtype, data):
        x = data.draw(arrays(dtype, (2, 3)), label="x")
        check_module_against_torch(
            lambda nn: nn.Sequential(OrderedDict(
                [("fc", nn.Linear(3, 4)), ("act", nn.GELU()), ("norm", nn.LayerNorm(4)),
                 ("out", nn.Linear(4, 2))])), [x], dtype, data)

    check()


def test_module_list_and_dict_register_their_modules_as_torch():
    def build(nn: Any) -> Any:
        model = nn.Module()
        model.layers = nn.ModuleList([nn.Linear(2, 3)])
        model.layers.append(nn.Linear(3, 3))
        model.layers += [nn.ReLU(), nn.Linear(3, 1)]
        model.layers.insert(1, nn.Linear(3, 3))
        model.heads = nn.ModuleDict({"a": nn.Linear(1, 2)})
        model.heads["b"] = nn.Linear(1, 4)
        model.heads.update([("c", nn.Linear(1, 1))])
        del model.heads["a"]
        return model

    ours, theirs = build(mg.nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    assert list(ours.heads.keys()) == list(theirs.heads.keys())
    assert "b" in ours.heads and len(ours.layers) == len(theirs.layers) == 5
    assert repr(ours.layers[1:3]) == repr(theirs.layers[1:3])
    assert repr(ours.layers[-1]) == repr(theirs.layers[-1])
    assert repr(ours.layers + [mg.nn.Tanh()]) == repr(theirs.layers + [torch.nn.Tanh()])
    assert list(ours.heads) == list(theirs.heads)
    assert repr(ours.heads.pop("c")) == repr(theirs.heads.pop("c"))
    assert list(ours.heads) == list(theirs.heads)


def test_parameter_list_and_dict_register_parameters_as_torch():
    def build(lib: Any) -> Any:
        model = lib.nn.Module()
        model.weights = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.zeros(3)])
        model.weights.append(lib.nn.Parameter(lib.ones(1, 2)))
        model.weights += [lib.zeros(1), 0.5]  # (an entry that is not a tensor is kept as it is)
        model.table = lib.nn.ParameterDict({"w": lib.nn.Parameter(lib.ones(2)),
                                            "gone": lib.ones(1)})
        model.table["b"] = lib.zeros(4, dtype=lib.float64)
        model.table.update([("note", "text")])
        del model.table["gone"]
        return model

    ours, theirs = build(mg), build(torch)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert isinstance(ours.weights[1], mg.nn.Parameter) and ours.weights[1].requires_grad
    assert isinstance(ours.table["b"], mg.nn.Parameter)
    assert len(ours.weights) == 5 and list(ours.table) == ["w", "b", "note"]
    for name in ("weights", "table"):
        assert repr(getattr(ours, name)) == repr(getattr(theirs, name)).replace("torch.",
                                                                                "minigrad.")
    assert ("b" in ours.table, "gone" in ours.table) == ("b" in theirs.table,
                                                         "gone" in theirs.table)
    assert ours.table.pop("note") == theirs.table.pop("note") == "text"
    assert list(ours.table) == list(theirs.table)


def test_container_index_out_of_range_raises_index_error():
    for lib in (torch, mg):
        for container in (lib.nn.Sequential(lib.nn.ReLU()), lib.nn.ModuleList([lib.nn.ReLU()])):
            with pytest.raises(IndexError, match="index 1 is out of range"):
                container[1]


# ---------------------------------------------------------------------- LayerNorm
# Normalizing groups of distinct values: over equal values (or one value) the normalized input
# is 0 up to rounding, and any rounding difference is then the whole result.
normalized_sizes = st.integers(2, 5)


@given(dtype=float_dtypes(), batch=batch_shapes(),
       normalized=st.lists(normalized_sizes, min_size=1, max_size=2),
       eps=st.sampled_from([1e-5, 0.5]), affine=st.booleans(), bias=st.booleans(), data=st.data())
def test_layer_norm_matches_torch(dtype, batch, normalized, eps, affine, bias, data):
    x = data.draw(arrays(dtype, (*batch, *normalized), ties=False), label="x")
    build = lambda nn: nn.LayerNorm(normalized, eps, elementwise_affine=affine, bias=bias)  # noqa: E731
    ours, theirs = check_module_against_torch(build, [x], dtype, data, scale=10)


@given(rows=st.integers(0, 6), size=st.one_of(st.integers(1, 40), st.integers(120, 600)),
       weight=st.booleans(), bias=st.booleans(), data=st.data())
def test_layer_norm_float32_values_and_input_gradients_are_torchs_bit_for_bit(
    rows, size, weight, bias, data
):
    """Short rows (fewer columns than a vector's 8 lanes, a few vectors and a remainder) and
    long ones (several runs of 16 vectors, merged as a cascade) of the same kernel order. (The
    weight's and bias's gradients add up rows, more accurately than PyTorch, whose order
    depends on its threads: tests/test_accuracy.py.)"""
    f32 = np.dtype(np.float32)
    x = data.draw(arrays(f32, (rows, 2, size), low=-50, high=50, ties=False), label="x")
    params = [data.draw(arrays(f32, (2, size)), label=name) if wanted else None
              for name, wanted in (("weight", weight), ("bias", bias))]
    upstream = data.draw(arrays(f32, x.shape), label="upstream")
    ours, theirs = assert_layer_norm_is_torchs_bit_for_bit(x, *params, upstream)
    for a, e in zip(ours, theirs, strict=True):
        assert_close(a, e, scale=10)


@given(rows=st.integers(1, 4), size=st.integers(2, 300), data=st.data())
def test_layer_norm_float32_of_subnormal_inputs_is_torchs_bit_for_bit(rows, size, data):
    """Inputs of a few multiples of 2^-149, float32's smallest step: there the Welford steps'
    halvings of a difference round, so their fused operations are no plain sums."""
    tiny = data.draw(arrays(np.dtype(np.float64), (rows, size), low=-64, high=64), label="x")
    x = (tiny * 2.0**-149).astype(np.float32)
    upstream = data.draw(arrays(np.dtype(np.float32), x.shape), label="upstream")
    assert_layer_norm_is_torchs_bit_for_bit(x, None, None, upstream)


def assert_layer_norm_is_torchs_bit_for_bit(x, weight, bias, upstream):
    """Asserts that layer_norm over x's last dims (M, *weight's shape) gives PyTorch's values
    and input gradient bit for bit; returns the weight's and bias's gradients (ours, PyTorch's)."""
    results = []
    for lib in (mg, torch):
        inputs = [None if a is None else lib.tensor(a, requires_grad=True)
                  for a in (x, weight, bias)]
        y = lib.nn.functional.layer_norm(inputs[0], x.shape[1:], *inputs[1:], eps=1e-5)
        y.backward(lib.tensor(upstream))
        results.append([y, inputs[0].grad, *(t.grad for t in inputs[1:] if t is not None)])
    (y, gx, *ours), (their_y, their_gx, *theirs) = results
    np.testing.assert_array_equal(y.detach().numpy(), their_y.detach().numpy())
    np.testing.assert_array_equal(gx.numpy(), their_gx.numpy())
    return ours, theirs


@st.composite
def layer_norm_calls(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    normalized = tuple(draw(st.lists(normalized_sizes, min_size=1, max_size=2)))
    x = draw(arrays(dtype, (*draw(batch_shapes()), *normalized), ties=False))
    return Call((x, draw(arrays(dtype, normalized)), draw(arrays(dtype, normalized))))


@op_test(layer_norm_calls())
def test_functional_layer_norm_with_drawn_weights_matches_torch(lib, x, w, b):
    return lib.nn.functional.layer_norm(x, w.shape, w, b, eps=1e-3)


def test_layer_norm_of_the_wrong_shape_raises_like_torch():
    assert_raises_like_torch(
        lambda lib, x: lib.nn.LayerNorm(3)(x), Call((np.ones((2, 4), np.float32),)),
        r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], but got input of "
        r"size\[2, 4\]")


@pytest.mark.parametrize(("normalized_shape", "match"), [
    (4, r"^layer_norm\(\): argument 'normalized_shape' \(position 2\) must be tuple of ints, "
        r"not int$"),
    (4.0, r"must be tuple of ints, not float$"),
    ((4.0, 4), r"^layer_norm\(\): argument 'normalized_shape' \(position 2\) must be tuple of "
               r"ints, but found element of type float at pos 0$"),
    ([2, 2, "a"], r"^layer_norm\(\): argument 'normalized_shape' failed to unpack the object at "
                  r"pos 3 with error \"type must be tuple of ints,but got str\"$"),
    ([2, 3], r"^Given normalized_shape=\[2, 3\], expected input with shape \[\*, 2, 3\], but "
             r"got input of size\[2, 4\]$"),
])
def test_functional_layer_norm_takes_only_a_sequence_of_ints_like_torch(normalized_shape, match):
    """nn.LayerNorm takes an int for normalized_shape; F.layer_norm does not."""
    assert_raises_like_torch(lambda lib, x: lib.nn.functional.layer_norm(x, normalized_shape),
                             Call((np.ones((2, 4), np.float32),)), match)


@pytest.mark.parametrize(("x", "weight", "bias", "match"), [
    (np.ones((2, 3), np.float32), np.ones(4, np.float32), None,
     r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[4\] "
     r"and normalized_shape = \[3\]"),
    (np.ones((2, 3), np.float32), None, np.ones((1, 3), np.float32),
     r"Expected bias to be of same shape as normalized_shape, but got bias of shape \[1, 3\]"),
    (np.ones((2, 3), np.float32), np.ones(3), None,
     r"mixed dtype \(CPU\): expect parameter to have scalar type of Float"),
    (np.ones((2, 3)), None, np.ones(3, np.float32),
     r"^mixed dtype \(CPU\): all inputs must share same datatype\.$"),
    (np.ones((2, 3), np.int64), None, None, r"\"LayerNormKernelImpl\" not implemented for 'Long'"),
])
def test_layer_norm_refuses_weights_of_another_shape_or_dtype_like_torch(x, weight, bias, match):
    given_ = [a for a in (x, weight, bias) if a is not None]
    assert_raises_like_torch(
        lambda lib, *t: lib.nn.functional.layer_norm(
            t[0], (3,), *(t[1:] if weight is not None else (None, *t[1:]))),
        Call(tuple(given_)), match)


# ---------------------------------------------------------------------- BatchNorm1d
@given(dtype=float_dtypes(), shape=st.sampled_from([(4, 3), (2, 3, 5), (3, 3, 1), (1, 3, 2)]),
       momentum=st.sampled_from([0.1, 0.5, None]), eps=st.sampled_from([1e-5, 0.5]),
       affine=st.booleans(), data=st.data())
def test_batch_norm_trains_and_evaluates_with_running_statistics_like_torch(
    dtype, shape, momentum, eps, affine, data
):
    x = data.draw(arrays(dtype, shape, ties=False), label="x")
    ours, theirs = check_module_against_torch(
        lambda nn: nn.BatchNorm1d(3, eps=eps, momentum=momentum, affine=affine), [x], dtype, data,
        scale=10)
    x2 = data.draw(arrays(dtype, shape, ties=False), label="x2")
    ours(mg.tensor(x2))
    theirs(torch.tensor(x2))
    for name, buffer in theirs.named_buffers():
        assert_close(getattr(ours, name), buffer, what=name)
    ours.eval()
    theirs.eval()
    assert_close(ours(mg.tensor(x)), theirs(torch.tensor(x)), scale=10)
    for name, buffer in theirs.named_buffers():  # (evaluation counts no batch)
        assert_close(getattr(ours, name), buffer, what=f"{name} after eval")


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("attribute, value",
                         [("track_running_stats", False), ("num_batches_tracked", None)])
def test_batch_norm_changed_after_construction_updates_its_buffers_as_torch(
    attribute, value, momentum
):
    """Tracking turned off keeps the running statistics and the counter as they are; without a
    counter, momentum None moves the running statistics by 0 (PyTorch's factor when it has no
    count), another momentum by that momentum."""
    x = np.arange(12.0).reshape(4, 3) ** 1.5
    buffers, outputs = [], []
    for lib in (torch, mg):
        layer = lib.nn.BatchNorm1d(3, momentum=momentum).double()
        setattr(layer, attribute, value)
        outputs.append(layer(lib.tensor(x)).detach().numpy())
        buffers.append({name: b.numpy().copy() for name, b in layer.named_buffers()})
    assert_close(outputs[1], outputs[0])
    assert buffers[1].keys() == buffers[0].keys()
    for name, expected in buffers[0].items():
        np.testing.assert_allclose(buffers[1][name], expected, rtol=1e-12, err_msg=name)


def test_batch_norm_without_running_statistics_always_uses_the_batch():
    @given(dtype=float_dtypes(), data=st.data())
    def check(dtype, data):
        x = data.draw(arrays(dtype, (4, 2), ties=False), label="x")
        ours, theirs = check_module_against_torch(
            lambda nn: nn.BatchNorm1d(2, track_running_stats=False).eval(), [x], dtype, data,
            scale=10)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            assert getattr(ours, name) is None and getattr(theirs, name) is None

    check()


@pytest.mark.parametrize("shape, match", [
    ((2, 3, 4, 5), r"expected 2D or 3D input \(got 4D input\)"),
    ((1, 3), "Expected more than 1 value per channel when training"),
    ((2, 4), "running_mean should contain 4 elements not 3"),
])
def test_batch_norm_bad_input_raises_like_torch(shape, match):
    assert_raises_like_torch(lambda lib, x: lib.nn.BatchNorm1d(3)(x),
                             Call((np.ones(shape, np.float32),)), match)


def test_batch_norm_state_dict_moves_between_the_libraries_with_the_counter():
    theirs = torch.nn.BatchNorm1d(3)
    theirs(torch.randn(5, 3))
    ours = mg.nn.BatchNorm1d(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert int(ours.num_batches_tracked.item()) == 1
    assert ours.num_batches_tracked.dtype == mg.int64
    back = torch.nn.BatchNorm1d(3)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert_close(back.running_var, theirs.running_var)


def _batch_norm(lib, x, running_mean=None, running_var=None, weight=None, bias=None, **kwargs):
    """F.batch_norm of arrays (or None) made tensors of `lib`, its other arguments as given."""
    tensors = [None if a is None else lib.tensor(np.array(a)) for a in
               (x, running_mean, running_var, weight, bias)]
    return lib.nn.functional.batch_norm(*tensors, **kwargs)


def _ones(*shape, dtype=np.float32):
    return np.ones(shape, dtype)


@pytest.mark.parametrize("args, kwargs, match", [
    ((_ones(1, 3),), {"training": True},
     r"Expected more than 1 value per channel when training, got input size"),
    ((_ones(1, 3, 1),), {"training": True}, r"Expected more than 1 value per channel"),
    ((_ones(),), {"training": True}, r"tuple index out of range"),
    ((_ones(2, 3),), {"training": True, "eps": 0.0},
     r"batch_norm eps must be positive during training, but got 0.0"),
    ((_ones(2, 3), _ones(3), _ones(3)), {"eps": -1.0},
     r"batch_norm eps must be non-negative, but got -1.0"),
    ((_ones(2, 3), None, _ones(3)), {}, r"^running_mean must be defined in evaluation mode"),
    ((_ones(2, 3), _ones(3), None), {}, r"^running_var must be defined in evaluation mode"),
    ((_ones(2, 3), _ones(4), _ones(3)), {}, r"^running_mean should contain 3 elements not 4"),
    ((_ones(2, 3), _ones(3), _ones(2)), {}, r"^running_var should contain 3 elements not 2"),
    ((_ones(2, 3), None, None, _ones(2)), {"training": True},
     r"^weight should contain 3 elements not 2"),
    ((_ones(2, 3), None, None, None, _ones(4)), {"training": True},
     r"^bias should contain 3 elements not 4"),
    ((_ones(3), _ones(0), _ones(0)), {},
     r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
    ((_ones(3), None, None), {"training": True}, r"Dimension out of range"),
    ((_ones(2, 3), _ones(3), None), {"training": True},
     r"running_mean and running_var must either both be None or neither be None"),
    ((_ones(2, 3), None, _ones(3, dtype=np.int64)), {"training": True},
     r"running_mean and running_var must either both be None or neither be None"),
    ((_ones(2, 3, dtype=np.int64), _ones(3), _ones(3)), {},
     r"\"batch_norm\" not implemented for 'Long'"),
    ((_ones(2, 3), None, None, _ones(3, dtype=np.float64)), {"training": True},
     r"^mixed dtype \(CPU\): expect parameter to have scalar type of Float$"),
    ((_ones(2, 3, dtype=np.float64), _ones(3), _ones(3)), {},
     r"^mixed dtype \(CPU\): all inputs must share same datatype\.$"),
    ((_ones(2, 3, dtype=np.float16), None, None, _ones(3, dtype=np.float16), _ones(3)),
     {"training": True}, r"expected scalar type Half but found Float"),
    # Training reads the running statistics first, evaluation the weight and bias first.
    *[((_ones(2, 3, dtype=np.float16), _ones(3), _ones(3, dtype=np.float16),
        _ones(3, dtype=np.float16), _ones(3, dtype=np.float64)),
       {"training": training}, f"expected scalar type Half but found {found}")
      for training, found in [(True, "Float"), (False, "Double")]],
    ((_ones(2, 3), _ones(3), _ones(3), _ones(3), _ones(3, dtype=np.float64)), {},
     r"expected scalar type Float but found Double"),
    # An empty input is returned times weight[0] plus bias[0], which must exist.
    *[((_ones(0, 3), None, None, *params), {},
       r"^select\(\): index 0 out of range for tensor of size \[0\] at dimension 0$")
      for params in [(_ones(0),), (None, _ones(0))]],
    ((_ones(0, 3), None, None, np.float32(2.0)), {},
     r"^select\(\) cannot be applied to a 0-dim tensor\.$"),
])
def test_functional_batch_norm_refuses_bad_arguments_in_torchs_order(args, kwargs, match):
    with pytest.raises(Exception) as expected:
        _batch_norm(torch, *args, **kwargs)
    assert re.search(match, str(expected.value)), f"PyTorch says: {expected.value}"
    with pytest.raises(expected.type, match=match):
        _batch_norm(mg, *args, **kwargs)


@pytest.mark.parametrize("shape", [(0, 3), (2, 0), (0, 3, 2), (4, 3, 0), (0,)])
@pytest.mark.parametrize("dtype, weight, bias", [
    (np.float32, None, None),
    (np.float32, np.full(3, 2.0, np.float32), np.ones(3, np.float32)),
    (np.float32, np.float32([2.0]), np.float32([-1.0])),  # (of any size: only [0] is read)
    (np.int64, np.int64([2]), None),  # (int64 times int64)
    (np.int64, np.float32([2.0]), np.float32([1.0])),
    (np.bool_, None, np.bool_([True])),  # (bool plus bool)
])
def test_functional_batch_norm_of_no_values_returns_them_before_any_check_like_torch(
    shape, dtype, weight, bias
):
    """PyTorch returns an empty input (times weight[0], plus bias[0], with their gradients)
    before it looks at the running statistics, even of the wrong size, or at the dtypes, and
    leaves the statistics as they were."""
    for training in (False, True):
        results = []
        for lib in (torch, mg):
            stats = [lib.zeros(5), lib.ones(5)]
            x, w, b = (None if a is None else lib.tensor(a, requires_grad=a.dtype.kind == "f")
                       for a in (np.zeros(shape, dtype), weight, bias))
            y = lib.nn.functional.batch_norm(x, *stats, w, b, training=training)
            if y.requires_grad:
                y.sum().backward()
            results.append((y, *(t.grad for t in (x, w, b) if t is not None), *stats))
        for ours, theirs in zip(*results[::-1], strict=True):
            assert (ours is None) == (theirs is None)
            if ours is not None:
                assert ours.shape == theirs.shape
                assert str(ours.dtype)[9:] == str(theirs.dtype)[6:]
                np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


def test_functional_batch_norm_takes_torchs_defaults():
    """Evaluation, momentum 0.1 and eps 1e-5 unless given."""
    x = np.arange(12.0).reshape(4, 3) ** 1.5 / 1e3
    for training in ({}, {"training": True}):
        results = []
        for lib in (torch, mg):
            stats = [lib.tensor([0.5, 1.0, 2.0]), lib.tensor([1.0, 1e-4, 3.0])]
            y = lib.nn.functional.batch_norm(lib.tensor(x.astype(np.float32)), *stats, **training)
            results.append((y, *stats))
        for ours, theirs in zip(*results[::-1], strict=True):
            assert_close(ours, theirs)


def test_functional_batch_norm_takes_eps_0_in_evaluation_like_torch():
    """Only training needs a positive eps (its batch's variance may be 0)."""
    x = np.arange(6.0).reshape(2, 3)
    ours, theirs = (_batch_norm(lib, x, [0.5, 1.0, 2.0], [1.0, 4.0, 0.25], eps=0.0)
                    for lib in (mg, torch))
    assert_close(ours, theirs)


@pytest.mark.parametrize("training, params", [
    (False, np.float16), (False, np.float32), (True, np.float16), (True, np.float32),
    (True, None),  # (no running statistics, weight or bias: the input's dtype decides)
])
def test_float16_batch_norm_works_in_float32_and_rounds_once_like_torch(training, params):
    """A float16 input is normalized in float32 (with float16 or float32 parameters) and the
    result rounded to float16 once; in training, the batch's mean and 1/sqrt(var + eps) are
    first rounded to the parameters' dtype (the input's without any), as PyTorch saves them,
    and the running statistics move in float32 and are rounded once to their dtype."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((5, 64, 2)) * 10).astype(np.float16)
    args = (rng.standard_normal(64), rng.random(64) + 0.5, rng.standard_normal(64),
            rng.standard_normal(64))
    results = []
    for lib in (torch, mg):
        stats = [] if params is None else [lib.tensor(a.astype(params)) for a in args[:2]]
        y = lib.nn.functional.batch_norm(
            lib.tensor(x), *stats or (None, None),
            *(None if params is None else lib.tensor(a.astype(params)) for a in args[2:]),
            training=training)
        results.append((y, *stats))
    for ours, theirs in zip(*results[::-1], strict=True):
        assert str(ours.dtype)[9:] == str(theirs.dtype)[6:]
        if ours.dtype == mg.float16:  # (rounded once from float32: PyTorch's exactly)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        else:
            assert_close(ours, theirs)


# ---------------------------------------------------------------------- Embedding
@given(dtype=float_dtypes(), num=st.integers(1, 6), dim=sizes, batch=batch_shapes(),
       padding=st.booleans(), by_freq=st.booleans(), data=st.data())
def test_embedding_looks_up_rows_and_accumulates_their_gradients_like_torch(
    dtype, num, dim, batch, padding, by_freq, data
):
    """dL/dweight[i] sums the gradients of the outputs that picked row i (divided by how many
    did, with scale_grad_by_freq); the padding row gets none."""
    indices = data.draw(index_arrays(batch, num).map(lambda a: a % num), label="indices")
    padding_idx = data.draw(st.integers(-num, num - 1), label="padding_idx") if padding else None
    check_module_against_torch(lambda nn: nn.Embedding(num, dim, padding_idx=padding_idx,
                                                       scale_grad_by_freq=by_freq),
                               [indices], dtype, data)


def test_embedding_max_norm_renormalizes_the_looked_up_rows_in_place_like_torch():
    @given(dtype=float_dtypes(), max_norm=st.floats(0.1, 3), data=st.data())
    def check(dtype, max_norm, data):
        indices = data.draw(index_arrays((3,), 5).map(lambda a: a % 5), label="indices")
        ours, theirs = check_module_against_torch(
            lambda nn: nn.Embedding(5, 4, max_norm=max_norm), [indices], dtype, data)
        assert_close(ours.weight, theirs.weight)

    check()


def test_embedding_padding_row_starts_at_zero():
    assert not mg.nn.Embedding(4, 3, padding_idx=2).weight[2].detach().numpy().any()


@pytest.mark.parametrize("indices, match, error", [
    (np.array([5]), "index out of range in self", IndexError),
    (np.array([1.0], np.float32), "Expected tensor for argument #1 'indices' to have one of the "
     "following scalar types: Long, Int; but got .*FloatTensor instead", RuntimeError),
])
def test_embedding_bad_indices_raise_like_torch(indices, match, error):
    assert_raises_like_torch(lambda lib, i: lib.nn.Embedding(5, 3)(i), Call((indices,)), match)


def test_embedding_padding_idx_out_of_range_asserts_like_torch():
    assert_raises_like_torch(lambda lib: lib.nn.Embedding(5, 3, padding_idx=5), Call(()),
                             "Padding_idx must be within num_embeddings")


@pytest.mark.parametrize("padding_idx", [None, 1, -1, -5])
@pytest.mark.parametrize("max_norm", [None, 2.0])
def test_functional_embedding_takes_torchs_defaults_and_a_negative_padding_idx(padding_idx,
                                                                             max_norm):
    """F.embedding by default: the 2-norm for max_norm, gradients not scaled by frequency, a
    dense gradient; a negative padding_idx counts from the end."""
    results = []
    for lib in (mg, torch):
        weight = lib.tensor(np.arange(15.0).reshape(5, 3) / 4, requires_grad=True)
        with lib.no_grad():
            renormed = weight * 1  # max_norm rewrites the weight it is given, a leaf's too
        renormed.requires_grad_()
        out = lib.nn.functional.embedding(lib.tensor([[0, 4, 4], [1, 0, 4]]), renormed,
                                          padding_idx, max_norm)
        out.backward(lib.ones_like(out))
        results.append((out, renormed.detach(), renormed.grad))
    for ours, theirs in zip(*results):
        assert_close(ours, theirs)


def test_functional_embedding_leaves_a_row_of_norm_max_norm_as_it_is_like_torch():
    """Only rows whose norm exceeds max_norm are scaled (by max_norm / (norm + 1e-7))."""
    weights = []
    for lib in (mg, torch):
        weight = lib.tensor([[3.0, 4.0], [6.0, 8.0]], dtype=lib.float64)
        lib.nn.functional.embedding(lib.tensor([0, 1]), weight, max_norm=5.0)
        weights.append(weight)
    assert_close(weights[0], weights[1])
    assert weights[0][0].tolist() == [3.0, 4.0]


@pytest.mark.parametrize("call, match", [
    (lambda lib, w: lib.nn.functional.embedding(lib.tensor([1.0]), w),
     r"^Expected tensor for argument #1 'indices' to have one of the following scalar types: "
     r"Long, Int; but got \w+\.FloatTensor instead \(while checking arguments for embedding\)$"),
    (lambda lib, w: lib.nn.functional.embedding(lib.tensor([5]), w),
     "^index out of range in self$"),
    (lambda lib, w: lib.nn.functional.embedding(lib.tensor([-1]), w),
     "^index out of range in self$"),
    # padding_idx is checked first
    (lambda lib, w: lib.nn.functional.embedding(lib.tensor([1.0]), w, padding_idx=-6),
     "^Padding_idx must be within num_embeddings$"),
    (lambda lib, w: lib.nn.functional.embedding(lib.tensor([1]), w, padding_idx=5),
     "^Padding_idx must be within num_embeddings$"),
])
def test_functional_embedding_refuses_like_torch(call, match):
    assert_raises_like_torch(call, Call((np.ones((5, 3)),)), match)


def test_functional_embedding_refuses_sparse_gradients():
    with pytest.raises(NotImplementedError, match=r"^embedding: sparse=True makes a sparse "
                       "gradient in PyTorch, and minigrad has no sparse tensors$"):
        mg.nn.functional.embedding(mg.tensor([1]), mg.ones(5, 3), sparse=True)


# ---------------------------------------------------------------------- Bilinear
@given(dtype=float_dtypes(), features=st.tuples(sizes, sizes, sizes), batch=batch_shapes(),
       bias=st.booleans(), data=st.data())
def test_bilinear_matches_torch(dtype, features, batch, bias, data):
    in1, in2, out = features
    x1 = data.draw(arrays(dtype, (*batch, in1)), label="x1")
    x2 = data.draw(arrays(dtype, (*batch, in2)), label="x2")
    check_module_against_torch(lambda nn: nn.Bilinear(in1, in2, out, bias=bias), [x1, x2], dtype,
                               data, scale=10)


@pytest.mark.parametrize("shapes, match", [
    (((2, 3), (2, 4)), "bilinear\\(\\): input2 size does not match weight size: got 4 but "
     "expected 5"),
    (((2, 4, 2), (2, 4, 5)), "bilinear\\(\\): input1 size does not match weight size: got 2 "
     "but expected 3"),
    (((2, 3), (3, 5)), "bilinear\\(\\): input batch dimensions do not match at dim 0: got 2 and 3"),
    # the batch dims are checked before the weight's
    (((2, 6, 2), (2, 7, 5)), "bilinear\\(\\): input batch dimensions do not match at dim 1: got "
     "6 and 7"),
    # inputs of different ndim do not broadcast
    (((2, 2, 3), (2, 5)), "bilinear\\(\\): input dimensions do not match: got 3 and 2"),
    (((3,), (2, 5)), "bilinear\\(\\): input dimensions do not match: got 1 and 2"),
    # the bias's first dim is checked against the weight's
    (((2, 3), (2, 5), (1,)), "bilinear\\(\\): bias size does not match weight size: got 1 but "
     "expected 2"),
    (((2, 3), (2, 5), (3, 2)), "bilinear\\(\\): bias size does not match weight size: got 3 but "
     "expected 2"),
])
def test_bilinear_bad_shapes_raise_like_torch(shapes, match):
    arrays_ = tuple(np.ones(s, np.float32) for s in shapes)
    assert_raises_like_torch(
        lambda lib, a, b, *bias: lib.nn.functional.bilinear(a, b, lib.ones(2, 3, 5), *bias),
        Call(arrays_), match)


def test_bilinear_with_no_first_features_raises_like_torch():
    assert_raises_like_torch(lambda lib: lib.nn.Bilinear(0, 2, 2), Call(()),
                             r"in1_features must be > 0, but got \(in1_features=0\)")

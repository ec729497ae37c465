"""nn.Module and the feed-forward layers against PyTorch.

The module factory `check_module_against_torch` (also used by test_nn_rnn.py and
test_nn_dropout.py) takes a model written once for both libraries, `build(nn)`, builds it in
PyTorch, copies PyTorch's weights into minigrad through `load_state_dict`, runs both on the
same inputs and compares the outputs and the gradients of every parameter and every input.

The bookkeeping of Module (registration, state_dict keys, repr, train/eval, ...) is compared
on random trees of modules built in both libraries from one recipe.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays, float_dtypes, unary
from support import DTYPES, assert_close, to_numpy

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

Build = Callable[[Any], Any]  # build(nn) -> a module made with torch.nn or minigrad.nn


def _outputs(result: Any) -> tuple[Any, ...]:
    return result if isinstance(result, tuple) else (result,)


def draw_upstream(
    source: st.DataObject | np.random.Generator, dtype: np.dtype, shape: tuple[int, ...],
    label: str,
) -> np.ndarray:
    """A random upstream gradient, drawn by Hypothesis, or by a seeded NumPy generator in a test
    with fixed inputs (some too large for Hypothesis to draw)."""
    if isinstance(source, np.random.Generator):
        return source.uniform(-2, 2, shape).astype(dtype)
    return source.draw(arrays(dtype, shape, low=-2, high=2, ties=False), label=label)


def check_module_against_torch(
    build: Build, inputs: list[np.ndarray | None], dtype: np.dtype,
    upstream: st.DataObject | np.random.Generator, scale: float = 1.0,
) -> tuple[Any, Any]:
    """Compare a module's forward and backward pass with PyTorch's.

    1. `build(torch.nn)` gives the reference, in `dtype`; `build(mg.nn)`, in `dtype` too,
       receives its weights through `load_state_dict` of PyTorch's state_dict as NumPy arrays,
       as a user would port a model.
    2. Both run on the same `inputs` (None stays None, e.g. an optional h0); floating-point
       inputs require grad. Every output is compared.
    3. A random upstream gradient per output (drawn from `upstream`: Hypothesis's `data`, or a
       seeded NumPy generator) is backpropagated in both, and the gradients of every parameter
       (by name) and every floating-point input are compared.

    Returns (minigrad module, PyTorch module), for further checks.
    """
    theirs = build(torch.nn).to(DTYPES[dtype])
    ours = build(mg.nn).to(dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})

    def tensors(lib: Any) -> list[Any]:
        return [None if a is None else lib.tensor(a.copy(), requires_grad=a.dtype.kind == "f")
                for a in inputs]

    our_inputs, their_inputs = tensors(mg), tensors(torch)
    actual, expected = _outputs(ours(*our_inputs)), _outputs(theirs(*their_inputs))
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
        assert_close(a, e, scale=scale, what=f"output {i}")

    grads = [draw_upstream(upstream, dtype, tuple(e.shape), f"upstream gradient of output {i}")
             for i, e in enumerate(expected)]
    torch.autograd.backward(expected, [torch.tensor(g) for g in grads])
    sum((a * mg.tensor(g)).sum() for a, g in zip(actual, grads, strict=True)).backward()

    our_parameters = dict(ours.named_parameters())
    assert list(our_parameters) == [name for name, _ in theirs.named_parameters()]
    for name, p in theirs.named_parameters():
        assert_close(our_parameters[name].grad, p.grad, scale=scale, what=f"grad of {name}")
    for i, (m, t) in enumerate(zip(our_inputs, their_inputs, strict=True)):
        if t is not None and t.requires_grad:
            assert_close(m.grad, t.grad, scale=scale, what=f"grad of input {i}")
    return ours, theirs


sizes = st.integers(1, 5)


@st.composite
def batch_shapes(draw: st.DrawFn, max_dims: int = 2) -> tuple[int, ...]:
    """Leading dims of a layer's input: none (unbatched), (N,), (B, T), ..., sides 0 to 3."""
    return tuple(draw(st.lists(st.integers(0, 3), max_size=max_dims)))


# ---------------------------------------------------------------------- Linear and the classifier
@given(dtype=float_dtypes(), in_features=sizes, out_features=sizes, bias=st.booleans(),
       batch=batch_shapes(), data=st.data())
def test_linear_outputs_and_gradients_match_torch_for_any_leading_dims(
    dtype, in_features, out_features, bias, batch, data
):
    x = data.draw(arrays(dtype, (*batch, in_features)), label="x")
    check_module_against_torch(
        lambda nn: nn.Linear(in_features, out_features, bias=bias), [x], dtype, data
    )


@given(dtype=float_dtypes(), sizes=st.tuples(sizes, sizes, sizes), n=st.integers(1, 4),
       data=st.data())
def test_linear_relu_classifier_matches_torch(dtype, sizes, n, data):
    """The tutorial's classifier: Linear -> ReLU -> Linear, written once for both libraries."""
    d_in, hidden, classes = sizes
    x = data.draw(arrays(dtype, (n, d_in)), label="x")
    check_module_against_torch(
        lambda nn: nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, classes)),
        [x], dtype, data,
    )


@st.composite
def linear_calls(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    batch, d_in, d_out = draw(batch_shapes()), draw(sizes), draw(sizes)
    tensors = [draw(arrays(dtype, (*batch, d_in))), draw(arrays(dtype, (d_out, d_in)))]
    if draw(st.booleans()):
        tensors.append(draw(arrays(dtype, draw(st.sampled_from([(d_out,), (1,)])))))
    return Call(tuple(tensors))


@op_test(linear_calls())
def test_functional_linear_with_and_without_a_broadcast_bias(lib, *tensors):
    return lib.nn.functional.linear(*tensors)


@pytest.mark.parametrize(
    "shape, match",
    [((), r"both arguments to linear need to be at least 1D, but they are 0D and 2D"),
     ((2, 5), r"mat1 and mat2 shapes cannot be multiplied \(2x5 and 3x4\)"),
     ((5,), r"mat1 and mat2 shapes cannot be multiplied \(1x5 and 3x4\)"),
     ((7, 2, 5), r"mat1 and mat2 shapes cannot be multiplied \(14x5 and 3x4\)")],
)
def test_linear_input_of_the_wrong_size_raises_runtime_error_with_the_flattened_shapes(
    shape, match
):
    x = np.zeros(shape, np.float32)
    assert_raises_like_torch(lambda lib, x: lib.nn.Linear(3, 4)(x), Call((x,)), match)


@pytest.mark.parametrize(
    "dtype, bias, match",
    [(np.float64, True, "mat1 and mat2 must have the same dtype, but got Double and Float"),
     (np.int64, True, "mat1 and mat2 must have the same dtype, but got Long and Float"),
     (np.float64, False, "expected m1 and m2 to have the same dtype, but got: double != float")],
)
def test_linear_does_not_promote_an_input_of_another_dtype(dtype, bias, match):
    x = np.zeros((2, 3), dtype)
    assert_raises_like_torch(lambda lib, x: lib.nn.Linear(3, 4, bias=bias)(x), Call((x,)), match)


def test_linear_parameters_are_named_and_shaped_as_torch_and_bias_false_leaves_none():
    for bias in (True, False):
        ours, theirs = mg.nn.Linear(3, 4, bias=bias), torch.nn.Linear(3, 4, bias=bias)
        assert [(n, p.shape, p.dtype, p.requires_grad) for n, p in ours.named_parameters()] == [
            (n, tuple(p.shape), mg.float32, True) for n, p in theirs.named_parameters()
        ]
        assert (ours.bias is None) == (theirs.bias is None)
        assert (ours.in_features, ours.out_features) == (theirs.in_features, theirs.out_features)


@pytest.mark.parametrize("size, match", [(-1, "negative dimension -1"), (3.5, "float")])
def test_linear_with_an_invalid_size_raises_what_torch_empty_raises(size, match):
    assert_raises_like_torch(lambda lib: lib.nn.Linear(size, 4), Call(()), match)


def test_linear_with_zero_inputs_warns_and_outputs_the_bias():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        torch.nn.Linear(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = mg.nn.Linear(0, 3)
    assert_close(layer(mg.zeros(2, 0)), torch.zeros(2, 3))


# ---------------------------------------------------------------------- ReLU
@op_test(unary(special=(0.0,), form=st.sampled_from(("functional", "module"))))
def test_relu_is_max_of_x_and_zero_with_gradient_zero_at_zero(lib, x, form):
    return lib.nn.functional.relu(x) if form == "functional" else lib.nn.ReLU()(x)


@given(dtype=float_dtypes(), data=st.data())
def test_inplace_relu_overwrites_a_non_leaf_and_backpropagates_like_torch(dtype, data):
    x = data.draw(arrays(dtype, (2, 3), special=(0.0,)), label="x")
    g = data.draw(arrays(dtype, (2, 3)), label="upstream")
    results = []
    for lib in (mg, torch):
        leaf = lib.tensor(x.copy(), requires_grad=True)
        hidden = leaf * 2
        out = lib.nn.ReLU(inplace=True)(hidden)
        assert out is hidden
        out.backward(lib.tensor(g))
        results.append((out, leaf.grad))
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][1], results[1][1])


def test_inplace_relu_on_a_leaf_that_requires_grad_raises_like_torch():
    x = np.ones(3, np.float32)
    assert_raises_like_torch(
        lambda lib, x: lib.nn.functional.relu(x.requires_grad_(), inplace=True), Call((x,)),
        "a leaf Variable that requires grad is being used in an in-place operation",
    )


# ---------------------------------------------------------------------- module trees from recipes
def leaf_recipes() -> st.SearchStrategy[tuple[Any, ...]]:
    """(class name, args, kwargs) of one layer, valid in both libraries."""
    flags = st.booleans()
    return st.one_of(
        st.tuples(st.just("Linear"), st.tuples(sizes, sizes),
                  st.fixed_dictionaries({"bias": flags})),
        st.tuples(st.just("ReLU"), st.just(()), st.fixed_dictionaries({"inplace": flags})),
        st.tuples(st.just("Dropout"), st.tuples(st.sampled_from((0.0, 0.2, 0.5, 1))), st.just({})),
        st.tuples(st.just("RNNCell"), st.tuples(sizes, sizes), st.fixed_dictionaries(
            {"bias": flags, "nonlinearity": st.sampled_from(("tanh", "relu"))})),
        st.tuples(st.just("RNN"), st.tuples(sizes, sizes), st.fixed_dictionaries(
            {"num_layers": st.integers(1, 3), "nonlinearity": st.sampled_from(("tanh", "relu")),
             "bias": flags, "batch_first": flags})),
        st.tuples(st.just("BatchNorm1d"), st.tuples(sizes), st.fixed_dictionaries(
            {"affine": flags, "track_running_stats": flags})),
        st.tuples(st.just("MSELoss"), st.just(()), st.just({})),
        st.tuples(st.just("CrossEntropyLoss"), st.just(()), st.just({})),
    )


def module_recipes() -> st.SearchStrategy[tuple[Any, ...]]:
    """Trees of layers: Sequential (numbered or named by an OrderedDict), and the same module
    used twice (shared weights)."""
    names = st.text("abcxyz_", min_size=1, max_size=3)

    def containers(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.tuples(st.just("Sequential"), st.lists(children, max_size=3)),
            st.tuples(st.just("NamedSequential"),
                      st.lists(st.tuples(names, children), max_size=3, unique_by=lambda c: c[0])),
            st.tuples(st.just("Shared"), children),
        )

    return st.recursive(leaf_recipes(), containers, max_leaves=6)


def build(nn: Any, recipe: tuple[Any, ...]) -> Any:
    kind = recipe[0]
    if kind == "Sequential":
        return nn.Sequential(*(build(nn, child) for child in recipe[1]))
    if kind == "NamedSequential":
        return nn.Sequential(OrderedDict((name, build(nn, child)) for name, child in recipe[1]))
    if kind == "Shared":
        shared = build(nn, recipe[1])
        return nn.Sequential(shared, shared)
    _, args, kwargs = recipe
    return getattr(nn, kind)(*args, **kwargs)


def bookkeeping(module: Any) -> dict[str, Any]:
    """Everything about a module tree that does not depend on the random initial values."""
    return {
        "repr": repr(module),
        "state_dict": [(k, tuple(v.shape)) for k, v in module.state_dict().items()],
        "named_parameters": [(k, tuple(p.shape)) for k, p in module.named_parameters()],
        "parameters": len(list(module.parameters())),
        "named_modules": [(k, type(m).__name__) for k, m in module.named_modules()],
        "children": [type(m).__name__ for m in module.children()],
        "named_children": [k for k, _ in module.named_children()],
        "named_buffers": [k for k, _ in module.named_buffers()],
        "named_buffers(prefix)": [k for k, _ in module.named_buffers(prefix="top")],
        "named_parameters(prefix)": [k for k, _ in module.named_parameters(prefix="top")],
        "named_parameters(recurse=False)": [
            k for k, _ in module.named_parameters(prefix="top", recurse=False)],
        "named_modules(remove_duplicate=False)": [
            k for k, _ in module.named_modules(remove_duplicate=False)],
    }


@given(recipe=module_recipes())
def test_repr_state_dict_keys_and_module_walks_match_torch(recipe):
    assert bookkeeping(build(mg.nn, recipe)) == bookkeeping(build(torch.nn, recipe))


def test_a_tied_parameter_or_buffer_is_listed_once_but_saved_under_every_name_like_torch():
    def tied(lib: Any) -> Any:
        model = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Linear(3, 3))
        model[1].weight = model[0].weight
        model[0].register_buffer("scale", lib.ones(1))
        model[1].register_buffer("scale", model[0].scale)
        return model

    assert bookkeeping(tied(mg)) == bookkeeping(tied(torch))
    for walk in ("named_parameters", "named_buffers"):
        assert [n for n, _ in getattr(tied(mg), walk)(remove_duplicate=False)] == \
            [n for n, _ in getattr(tied(torch), walk)(remove_duplicate=False)]


@given(recipe=module_recipes(), dtype=float_dtypes())
def test_a_torch_state_dict_round_trips_through_minigrad_unchanged(recipe, dtype):
    theirs, ours = build(torch.nn, recipe).to(DTYPES[dtype]), build(mg.nn, recipe).to(dtype)
    assert repr(ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})) \
        == "<All keys matched successfully>"
    back = ours.state_dict()
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(to_numpy(back[key]), value.numpy(), strict=True)


@given(recipe=module_recipes())
def test_train_and_eval_set_training_on_every_submodule_and_return_self(recipe):
    for lib in (mg, torch):
        model = build(lib.nn, recipe)
        assert all(m.training for m in model.modules())
        assert model.eval() is model
        assert not any(m.training for m in model.modules())
        assert model.train() is model
        assert all(m.training for m in model.modules())


def test_train_with_a_non_bool_mode_raises_value_error_like_torch():
    assert_raises_like_torch(lambda lib: lib.nn.ReLU().train("yes"), Call(()),
                             "^training mode is expected to be boolean$")


def make_net(nn: Any, lib: Any) -> Any:
    """A hand-written model with every kind of registration: parameter, buffers (persistent and
    not), submodules (assigned and registered), and a plain attribute."""

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(lib.ones(2))
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("scratch", lib.zeros(3), persistent=False)
            self.fc = nn.Linear(2, 3)
            self.rnn = nn.RNN(3, 4, 2)
            self.register_module("act", nn.Tanh())
            self.note = "not registered"

        def forward(self, x):
            return self.fc(x * self.scale)

    return Net()


def test_a_custom_module_registers_parameters_buffers_and_submodules_as_torch():
    ours, theirs = make_net(mg.nn, mg), make_net(torch.nn, torch)
    assert bookkeeping(ours) == bookkeeping(theirs)
    assert "scratch" not in ours.state_dict() and "running" in ours.state_dict()
    assert ours.note == "not registered"


def test_a_buffer_registered_again_takes_its_new_persistence_as_torch():
    keys = []
    for lib in (mg, torch):
        model = lib.nn.Linear(2, 2)
        model.register_buffer("a", lib.ones(1), persistent=False)
        model.register_buffer("a", lib.ones(1))
        model.register_buffer("b", lib.ones(1))
        model.register_buffer("b", lib.ones(1), persistent=False)
        keys.append(list(model.state_dict()))
    assert keys[0] == keys[1]


def test_module_attribute_errors_match_torchs_types():
    layer = mg.nn.Linear(2, 2)
    cases = [
        (lambda m, lib: setattr(m, "weight", lib.zeros(2, 2)), TypeError, "cannot assign"),
        (lambda m, lib: m.register_parameter("a.b", None), KeyError, "name can.+t contain"),
        (lambda m, lib: m.register_parameter("", None), KeyError, "empty string"),
        (lambda m, lib: m.register_parameter("forward", None), KeyError, "already exists"),
        (lambda m, lib: m.register_parameter("w", lib.zeros(2)), TypeError, "cannot assign"),
        (lambda m, lib: m.register_buffer("b", 3), TypeError, "cannot assign"),
        (lambda m, lib: m.register_buffer("weight", lib.zeros(1)), KeyError, "already exists"),
        (lambda m, lib: m.add_module("x", 3), TypeError, "is not a Module subclass"),
        (lambda m, lib: m.add_module("x.y", lib.nn.ReLU()), KeyError, "name can.+t contain"),
        (lambda m, lib: m.missing, AttributeError, "'Linear' object has no attribute 'missing'"),
    ]
    for act, error, match in cases:
        with pytest.raises(error, match=match):
            act(torch.nn.Linear(2, 2), torch)
        with pytest.raises(error, match=match):
            act(layer, mg)


@pytest.mark.parametrize("assign", [
    lambda m, lib: m.register_buffer("c", 3),
    lambda m, lib: m.register_buffer("c", np.zeros(1)),
    lambda m, lib: m.register_parameter("w", lib.ones(1, dtype=lib.float64)),
    lambda m, lib: setattr(m, "p", 3),
    lambda m, lib: setattr(m, "p", lib.ones(1)),
    lambda m, lib: setattr(m, "0", lib.ones(1)),
    lambda m, lib: setattr(m, "b", [1.0]),
    lambda m, lib: m.add_module("x", np.zeros(1)),
], ids=["register_buffer(int)", "register_buffer(ndarray)", "register_parameter(tensor)",
        "parameter=int", "parameter=tensor", "module=tensor", "buffer=list", "add_module"])
def test_a_value_of_the_wrong_kind_is_refused_in_torchs_words(assign):
    """PyTorch's words with its name replaced (and without nn.Buffer, which minigrad lacks)."""
    messages = []
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2))
        model.register_buffer("b", lib.ones(1))
        model.register_parameter("p", None)
        with pytest.raises(TypeError) as error:
            assign(model, lib)
        messages.append(str(error.value))
    assert messages[0] == messages[1].replace("torch.nn.Buffer, ", "").replace("torch", "minigrad")


@pytest.mark.parametrize("register", ["register_buffer", "register_parameter", "add_module"])
@pytest.mark.parametrize("name", [3, "a.b", "", "forward", "weight"])
def test_a_bad_name_is_refused_with_torchs_exception_and_words(register, name):
    """(A parameter may take the place of a parameter: "weight" is accepted there.)"""
    outcomes = []
    for lib in (mg, torch):
        value = lib.ones(1) if register == "register_buffer" else None
        try:
            getattr(lib.nn.Linear(2, 2), register)(name, value)
            outcomes.append("accepted")
        except (TypeError, KeyError) as error:
            outcomes.append((type(error), str(error)))
    assert outcomes[0] == outcomes[1]


def test_a_name_assigned_again_as_another_kind_leaves_its_old_registry_as_torch():
    """A plain attribute, a buffer and a submodule may be replaced by another kind; a parameter
    only by a parameter or None."""
    walks = []
    for lib in (mg, torch):
        model = lib.nn.Module()
        model.x = 3
        model.x = lib.nn.Parameter(lib.ones(1))
        model.register_buffer("y", lib.ones(1))
        model.y = lib.nn.Linear(1, 1)
        model.y = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError) as error:
            model.x = lib.nn.ReLU()
        walks.append([type(model.x).__name__, type(model.y).__name__, list(model.state_dict()),
                      [name for name, _ in model.named_buffers()],
                      str(error.value).replace("torch", "minigrad")])
    assert walks[0] == walks[1]


def test_assigning_none_to_a_parameter_keeps_the_name_registered_as_torch():
    for lib in (mg, torch):
        layer = lib.nn.Linear(2, 2)
        layer.bias = None
        assert [n for n, _ in layer.named_parameters()] == ["weight"]
        assert list(layer.state_dict()) == ["weight"]


def test_positional_and_keyword_arguments_reach_forward_as_in_torch():
    for lib in (mg, torch):
        class Affine(lib.nn.Module):
            def forward(self, x, scale=1.0, shift=0.0):
                return x * scale + shift

        assert Affine()(lib.ones(1), 3.0, shift=2.0).tolist() == [5.0]


def test_a_module_without_forward_raises_not_implemented_error_like_torch():
    assert_raises_like_torch(lambda lib: lib.nn.Module()(1), Call(()),
                             r'Module \[Module\] is missing the required "forward" function')


@pytest.mark.parametrize("register", [
    lambda m, lib: setattr(m, "w", lib.nn.Parameter(lib.ones(1))),
    lambda m, lib: setattr(m, "fc", lib.nn.ReLU()),
    lambda m, lib: m.register_parameter("w", lib.nn.Parameter(lib.ones(1))),
    lambda m, lib: m.register_buffer("b", lib.ones(1)),
    lambda m, lib: m.add_module("fc", lib.nn.ReLU()),
], ids=["parameter", "module", "register_parameter", "register_buffer", "add_module"])
def test_registering_before_module_init_raises_attribute_error_as_torch(register):
    messages = []
    for lib in (mg, torch):
        class Broken(lib.nn.Module):
            def __init__(self, lib: Any = lib) -> None:
                register(self, lib)

        with pytest.raises(AttributeError) as error:
            Broken()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------------- state_dict and loading
def test_state_dict_values_share_memory_are_detached_and_keep_vars_gives_the_parameters():
    layer = mg.nn.Linear(3, 2)
    state = layer.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state["weight"].requires_grad
    state["weight"]._data[0, 0] = 42.0
    assert layer.weight._data[0, 0] == 42.0  # torch: the values alias the parameter too
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight
    model = mg.nn.Sequential(layer)
    assert model.state_dict(keep_vars=True)["0.weight"] is layer.weight  # a child's too
    for lib in (mg, torch):  # a buffer too
        norm = lib.nn.BatchNorm1d(2)
        assert norm.state_dict(keep_vars=True)["running_mean"] is norm.running_mean
        assert norm.state_dict()["running_mean"] is not norm.running_mean
    assert list(layer.state_dict(prefix="model.")) == ["model.weight", "model.bias"]


def _classifier(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def _load_error(lib: Any, drop: tuple[str, ...], replace: dict[str, tuple[int, ...]],
                strict: bool | None) -> str:
    """The message of loading into the classifier its own state_dict without the keys `drop`
    and with the entries `replace` ({key: shape}, zeros of that shape); strict None: the
    default."""
    state = {k: v for k, v in _classifier(lib).state_dict().items() if k not in drop}
    state.update({key: lib.zeros(*shape) for key, shape in replace.items()})
    with pytest.raises(RuntimeError) as error:
        _classifier(lib).load_state_dict(state, **({} if strict is None else {"strict": strict}))
    return str(error.value)


@pytest.mark.parametrize(
    "drop, replace, strict",
    [(("0.bias",), {}, True),
     ((), {"foo": (1,), "bar.x": (1,)}, True),
     (("0.bias", "2.weight"), {"foo": (1,)}, True),
     ((), {"0.weight": (3, 4)}, True),
     ((), {"0.weight": (3, 4)}, False),
     (("0.bias",), {"0.weight": (3, 4), "2.bias": (5,)}, True),
     (("0.bias",), {"foo": (1,)}, None)],
    ids=["missing", "unexpected", "missing-and-unexpected", "size-mismatch",
         "size-mismatch-not-strict", "all-at-once", "strict-by-default"],
)
def test_load_state_dict_errors_list_every_problem_with_torchs_wording(drop, replace, strict):
    assert _load_error(mg, drop, replace, strict) == _load_error(torch, drop, replace, strict)


@pytest.mark.parametrize("kept", ["0.", ""], ids=["missing", "none-missing"])
@pytest.mark.parametrize("extra", [True, False], ids=["unexpected", "none-unexpected"])
def test_load_state_dict_not_strict_reports_missing_and_unexpected_keys_like_torch(kept, extra):
    """The model's own state, keys starting with `kept` only, and "foo" if `extra`."""
    results = []
    for lib in (mg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Linear(4, 2))
        state = {k: v for k, v in model.state_dict().items() if k.startswith(kept)}
        if extra:
            state["foo"] = lib.zeros(1)
        result = model.load_state_dict(state, strict=False)
        results.append((result.missing_keys, result.unexpected_keys, repr(result)))
    assert results[0] == results[1]


def test_load_state_dict_rejects_values_that_are_not_arrays_naming_each_as_torch():
    """In PyTorch's words but for what is expected (minigrad takes NumPy arrays too)."""
    messages = []
    for lib in (mg, torch):
        with pytest.raises(RuntimeError) as error:
            lib.nn.Sequential(lib.nn.Linear(3, 4)).load_state_dict(
                {"0.weight": [[0.0] * 3] * 4, "0.bias": (1.0, 2.0, 3.0, 4.0)})
        messages.append(str(error.value))
    assert messages[0] == messages[1].replace("expected torch.Tensor or Tensor-like object",
                                              "expected a Tensor or np.ndarray")


def _torch_copy_error(value: np.ndarray) -> str:
    """PyTorch's load_state_dict error for a "bias" of Linear(3, 4) that cannot be copied,
    with the reason PyTorch gives for `value`, an array it cannot convert.

    PyTorch refuses every NumPy array in a state dict (it takes tensors only), so its words for
    a failed copy are taken from a copy that fails in PyTorch (out of a tensor with no data)."""
    with pytest.raises(TypeError) as conversion:
        torch.from_numpy(value)
    with pytest.raises(RuntimeError) as error:
        torch.nn.Linear(3, 4).load_state_dict({"weight": torch.ones(4, 3),
                                               "bias": torch.empty(4, device="meta")})
    return str(error.value).replace(repr(("Cannot copy out of meta tensor; no data!",)),
                                    repr(conversion.value.args))


@pytest.mark.parametrize("value", [np.array(["a", "b", "c", "d"]), np.array([b"a"] * 4),
                                   np.zeros(4, dtype=[("x", "f4")]), np.zeros(4, "M8[D]"),
                                   np.zeros(4, "m8[s]"), np.array([1.0] * 4, object)],
                         ids=["str", "bytes", "structured", "datetime", "timedelta", "object"])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_load_state_dict_refuses_values_that_are_not_numbers_and_copies_nothing(value,
                                                                                as_tensor):
    """With PyTorch's words for the failed copy; unlike PyTorch, minigrad checks every entry
    before it copies any, so the good "weight" before the bad "bias" is not copied either."""
    model = mg.nn.Linear(3, 4)
    before = [p.detach().numpy().copy() for p in model.parameters()]
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict({"weight": np.ones((4, 3)),
                               "bias": mg.Tensor._make(np.asarray(value)) if as_tensor else value})
    assert str(error.value) == _torch_copy_error(value)
    for param, old in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(param.detach().numpy(), old)


def test_load_state_dict_goes_on_after_a_value_that_is_not_a_number_as_torch():
    """The bias of the wrong size after a weight that cannot be copied is listed too (PyTorch's
    words for the failed copy taken as in _torch_copy_error)."""
    value = np.full((4, 3), "a")
    with pytest.raises(TypeError) as conversion:
        torch.from_numpy(value)
    with pytest.raises(RuntimeError) as expected:
        torch.nn.Linear(3, 4).load_state_dict({"weight": torch.empty(4, 3, device="meta"),
                                               "bias": torch.ones(5)})
    with pytest.raises(RuntimeError) as actual:
        mg.nn.Linear(3, 4).load_state_dict({"weight": value, "bias": np.ones(5)})
    assert str(actual.value) == str(expected.value).replace(
        repr(("Cannot copy out of meta tensor; no data!",)), repr(conversion.value.args))


def test_load_state_dict_copies_the_real_part_of_complex_values_as_torch():
    values = {"weight": np.full((4, 3), 1 + 2j), "bias": np.arange(4) - 1j}
    loaded = []
    for lib, convert in ((mg, np.asarray), (torch, torch.from_numpy)):
        model = lib.nn.Linear(3, 4)
        with pytest.warns(UserWarning if lib is torch else np.exceptions.ComplexWarning,
                          match="Casting complex values to real discards the imaginary part"):
            model.load_state_dict({k: convert(v) for k, v in values.items()})
        loaded.append([to_numpy(p) for p in model.parameters()])
    for ours, theirs in zip(*loaded, strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


def test_a_failed_load_changes_nothing():
    """minigrad checks everything before copying (PyTorch copies the good entries first)."""
    model = mg.nn.Linear(3, 4)
    before = model.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError):
        model.load_state_dict({"weight": np.ones((4, 3)), "bias": np.ones(5)})
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)


def test_load_state_dict_copies_in_place_casting_to_the_parameter_dtype_like_torch():
    values = np.arange(12.0).reshape(4, 3) / 7  # float64 values into float32 parameters
    results = []
    for lib in (mg, torch):
        model = lib.nn.Linear(3, 4)
        weight = model.weight
        version = weight._version
        model.load_state_dict({"weight": lib.tensor(values), "bias": lib.zeros(4)})
        assert model.weight is weight and model.weight.requires_grad
        assert weight._version == version + 1  # one in-place copy
        results.append(model.weight)
    assert_close(results[0], results[1])


# ---------------------------------------------------------------------- zero_grad and dtype
def _with_gradients(lib: Any) -> Any:
    model = lib.nn.Linear(2, 2)
    model(lib.ones(1, 2)).sum().backward()
    return model


def test_zero_grad_sets_gradients_to_none_by_default_or_zeroes_them_in_place():
    for lib in (mg, torch):
        model = _with_gradients(lib)
        model.zero_grad()
        assert model.weight.grad is None and model.bias.grad is None
        model = _with_gradients(lib)
        grad = model.weight.grad
        model.zero_grad(set_to_none=False)
        assert model.weight.grad is grad
        assert not grad.detach().numpy().any()


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_passes_over_a_parameter_without_a_gradient_to_the_next_as_torch(set_to_none):
    for lib in (mg, torch):
        model = lib.nn.Linear(2, 2)
        model.weight.requires_grad_(False)  # the first parameter gets no gradient
        model(lib.ones(1, 2)).sum().backward()
        model.zero_grad(set_to_none=set_to_none)
        assert model.weight.grad is None
        assert (model.bias.grad is None) is set_to_none


@pytest.mark.parametrize("method", ["double", "half", "to"])
def test_double_and_half_convert_parameters_and_gradients_in_place_as_torch(method):
    results = []
    for lib in (mg, torch):
        model = _with_gradients(lib)
        weight, grad = model.weight, model.weight.grad
        converted = getattr(model, method)(*([lib.float64] if method == "to" else []))
        assert converted is model and model.weight is weight and model.weight.grad is grad
        results.append((str(model.weight.dtype), str(model.weight.grad.dtype),
                        model.weight.grad.numpy().tolist()))
    assert results[0] == tuple(str(r).replace("torch.", "minigrad.") if i < 2 else r
                               for i, r in enumerate(results[1]))
    assert_raises_like_torch(lambda lib: lib.nn.Linear(1, 1).to(lib.int64), Call(()),
                             "only accepts floating point")


@pytest.mark.parametrize("method", ["float", "to"])
def test_a_conversion_to_the_dtype_a_module_has_keeps_its_memory_as_torch(method):
    """A tensor that shares memory with a parameter or its gradient still does afterwards."""
    for lib in (mg, torch):
        model = _with_gradients(lib)
        weight, grad = model.state_dict()["weight"], model.weight.grad.detach()
        getattr(model, method)(*([lib.float32] if method == "to" else []))
        with lib.no_grad():
            model.weight.mul_(0)
            model.weight.grad.mul_(0)
        assert not weight.numpy().any() and not grad.numpy().any()


def test_float_converts_back_and_buffers_follow():
    loss = mg.nn.CrossEntropyLoss(weight=mg.ones(3)).double()
    assert loss.weight.dtype == mg.float64
    assert loss.float().weight.dtype == mg.float32


# ---------------------------------------------------------------------- Sequential and Parameter
def test_sequential_indexing_slicing_len_iteration_and_append_behave_as_torch():
    def views(lib: Any) -> list[str]:
        seq = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        seq[1] = lib.nn.ReLU(inplace=True)
        return [repr(seq[0]), repr(seq[-1]), repr(seq[1:]), repr(seq[::2]), str(len(seq)),
                str([type(m).__name__ for m in seq]), repr(seq.append(lib.nn.Dropout()))]

    assert views(mg) == views(torch)
    for index, error in [(3, IndexError), (-4, IndexError), ("0", TypeError)]:
        assert_raises_like_torch(
            lambda lib, index=index: lib.nn.Sequential(lib.nn.ReLU(), lib.nn.ReLU())[index],
            Call(()), "out of range" if error is IndexError else "cannot be interpreted",
        )


def test_an_empty_sequential_is_the_identity():
    assert mg.nn.Sequential()(3) == torch.nn.Sequential()(3)
    assert repr(mg.nn.Sequential()) == repr(torch.nn.Sequential())


def test_parameter_requires_grad_shares_memory_and_prints_like_torch():
    data = mg.tensor([1.0, 2.0])
    p = mg.nn.Parameter(data)
    assert p.requires_grad and p.is_leaf
    data._data[0] = 5.0
    assert p._data[0] == 5.0
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([5.0, 2.0])))
    assert not mg.nn.Parameter(data, requires_grad=False).requires_grad
    assert type(p * 2) is mg.Tensor  # results of operations are plain tensors, as in torch
    assert mg.nn.Parameter().shape == tuple(torch.nn.Parameter().shape)


def test_a_parameter_of_integers_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        torch.nn.Parameter(torch.ones(2, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="floating point"):
        mg.nn.Parameter(mg.ones(2, dtype=mg.int64))


def test_modules_do_not_warn_on_ordinary_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.ReLU())
        model(mg.ones(2, 3)).sum().backward()
        model.zero_grad()

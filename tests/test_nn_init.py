"""Initialisation by its distribution: minigrad's generator cannot reproduce PyTorch's numbers,
so each test draws a large sample in both libraries and checks that

* both lie within the bound of PyTorch's documented formula and reach it (uniform schemes);
* both samples come from the same distribution: a two-sample Kolmogorov-Smirnov test, which
  notices a bound or a standard deviation off by a few percent.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Call
from support import assert_close

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

seeds = st.integers(0, 2**32 - 1)


def assert_same_distribution(ours: np.ndarray, theirs: np.ndarray) -> None:
    """Two-sample Kolmogorov-Smirnov test, with a false-alarm rate of 1e-6 per call."""
    a = np.sort(np.ravel(ours).astype(np.float64))
    b = np.sort(np.ravel(theirs).astype(np.float64))
    both = np.concatenate([a, b])
    distance = np.max(np.abs(np.searchsorted(a, both, side="right") / a.size
                             - np.searchsorted(b, both, side="right") / b.size))
    critical = math.sqrt(-math.log(1e-6 / 2) / 2) * math.sqrt((a.size + b.size) / (a.size * b.size))
    assert distance < critical, f"KS distance {distance:.4f} >= {critical:.4f}"


def assert_uniform_within(sample: np.ndarray, bound: float) -> None:
    """All of the sample in [-bound, bound], and its extremes close to the bound (a sample of
    a few thousand values reaches within 1% of it, except with negligible probability)."""
    assert np.abs(sample).max() <= bound
    assert sample.max() > 0.99 * bound and sample.min() < -0.99 * bound


def _seed(seed: int) -> None:
    torch.manual_seed(seed)
    mg.manual_seed(seed)


@settings(max_examples=10)
@given(in_features=st.integers(1, 50), seed=seeds)
def test_linear_weight_and_bias_are_uniform_within_one_over_sqrt_in_features_as_torch(
    in_features, seed
):
    _seed(seed)
    ours, theirs = mg.nn.Linear(in_features, 4000), torch.nn.Linear(in_features, 4000)
    bound = 1 / math.sqrt(in_features)
    for name in ("weight", "bias"):
        mine = getattr(ours, name).detach().numpy()
        reference = getattr(theirs, name).detach().numpy()
        assert mine.dtype == reference.dtype == np.float32
        assert_uniform_within(reference, bound)
        assert_uniform_within(mine, bound)
        assert_same_distribution(mine, reference)


@settings(max_examples=10)
@given(hidden_size=st.integers(20, 60), seed=seeds, cell=st.booleans())
def test_rnn_parameters_are_uniform_within_one_over_sqrt_hidden_size_as_torch(
    hidden_size, seed, cell
):
    """The bound depends on hidden_size only, not on input_size."""
    _seed(seed)

    def sample(nn: Any) -> np.ndarray:
        module = nn.RNNCell(50, hidden_size) if cell else nn.RNN(50, hidden_size, num_layers=2)
        return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])

    mine, reference = sample(mg.nn), sample(torch.nn)
    bound = 1 / math.sqrt(hidden_size)
    assert_uniform_within(reference, bound)
    assert_uniform_within(mine, bound)
    assert_same_distribution(mine, reference)


@st.composite
def init_calls(draw: st.DrawFn) -> tuple[str, tuple[int, ...], dict[str, Any]]:
    """An init function, a weight shape of 2000 to 20000 elements, and its keyword arguments."""
    shape = (draw(st.integers(20, 100)), draw(st.integers(50, 100)),
             *draw(st.lists(st.integers(1, 2), max_size=2)))
    gain = st.floats(0.1, 3)
    kaiming = {"a": st.floats(0, 3), "mode": st.sampled_from(("fan_in", "fan_out")),
               "nonlinearity": st.sampled_from(("leaky_relu", "relu", "tanh", "linear"))}
    name, kwargs = draw(st.sampled_from([
        ("uniform_", {"a": st.floats(-3, 0), "b": st.floats(0.1, 3)}),
        ("normal_", {"mean": st.floats(-3, 3), "std": st.floats(0.1, 3)}),
        ("xavier_uniform_", {"gain": gain}),
        ("xavier_normal_", {"gain": gain}),
        ("kaiming_uniform_", kaiming),
        ("kaiming_normal_", kaiming),
    ]))
    return name, shape, draw(st.fixed_dictionaries(kwargs))


@settings(max_examples=30)
@given(call=init_calls(), dtype=st.sampled_from(("float32", "float64")), seed=seeds)
def test_init_functions_fill_in_place_with_torchs_distribution(call, dtype, seed):
    name, shape, kwargs = call
    _seed(seed)
    ours = mg.zeros(*shape, dtype=np.dtype(dtype))
    theirs = torch.zeros(*shape, dtype=getattr(torch, dtype))
    assert getattr(mg.nn.init, name)(ours, **kwargs) is ours
    getattr(torch.nn.init, name)(theirs, **kwargs)
    assert ours.dtype == np.dtype(dtype)
    assert_same_distribution(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name, args", [("constant_", (2.5,)), ("ones_", ()), ("zeros_", ())])
def test_constant_fills_match_torch_exactly(name, args):
    ours, theirs = mg.empty(3, 4), torch.empty(3, 4)
    getattr(mg.nn.init, name)(ours, *args)
    getattr(torch.nn.init, name)(theirs, *args)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), strict=True)


# (The Hypothesis test below draws dirac_ among a dozen functions; the derandomized run of CI
# never drew it.)
@pytest.mark.parametrize("shape, groups", [
    ((4, 2, 3), 1), ((4, 3, 2, 3), 2), ((6, 2, 3, 2, 1), 3), ((2, 4, 5), 1)])
def test_dirac_fills_match_torch_exactly(shape, groups):
    """One input channel per output channel of each group, at the kernel's centre; more
    channels on either side are left zero."""
    ours, theirs = mg.ones(*shape), torch.ones(*shape)
    kwargs = {"groups": groups} if groups > 1 else {}
    mg.nn.init.dirac_(ours, **kwargs)
    torch.nn.init.dirac_(theirs, **kwargs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), strict=True)


def test_initialising_a_parameter_records_no_graph():
    weight = mg.nn.Parameter(mg.empty(3, 4))
    mg.nn.init.kaiming_uniform_(weight)
    assert weight.is_leaf and weight.requires_grad and weight.grad_fn is None


@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("selu", None), ("leaky_relu", None), ("leaky_relu", math.sqrt(5)), ("leaky_relu", 2)],
)
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert mg.nn.init.calculate_gain(nonlinearity, param) == \
        torch.nn.init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize(
    "act, match",
    [(lambda lib: lib.nn.init.calculate_gain("gelu"), "Unsupported nonlinearity gelu"),
     (lambda lib: lib.nn.init.calculate_gain("leaky_relu", True), "negative_slope True not a "
      "valid number"),
     (lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(3)), "Fan in and fan out can not be "
      "computed for tensor with fewer than 2 dimensions"),
     (lambda lib: lib.nn.init.xavier_normal_(lib.zeros(())), "fewer than 2 dimensions"),
     (lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(3, 3), mode="fan"), "Mode fan not "
      "supported, please use one of"),
     (lambda lib: lib.nn.init.uniform_(lib.zeros(3), 1, 0), r"uniform_ expects to return a "
      r"\[from, to\) range, but found from=1 > to=0"),
     (lambda lib: lib.nn.init.normal_(lib.zeros(3), 0, -1), "normal expects std >= 0.0")],
)
def test_init_argument_errors_match_torch(act, match):
    assert_raises_like_torch(act, Call(()), match)


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_kaiming_init_of_an_empty_tensor_warns_and_does_nothing(name, shape):
    """Before the fans are computed: a fan of 0 ((3, 0) in fan_in mode) is never divided by."""
    for lib in (mg, torch):
        with pytest.warns(UserWarning, match="^Initializing zero-element tensors is a no-op$"):
            getattr(lib.nn.init, name)(lib.zeros(*shape))


@st.composite
def every_init(draw: st.DrawFn) -> tuple[str, tuple[int, ...], dict[str, Any]]:
    """Any init function of PyTorch's (the deprecated names too), a shape it takes, arguments."""
    matrix = st.tuples(st.integers(1, 12), st.integers(1, 12))
    weight = st.tuples(st.integers(1, 8), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3))
    low = st.floats(-3, 1)
    name, shape, kwargs = draw(st.sampled_from([
        ("uniform_", weight, {"a": st.floats(-3, 0), "b": st.floats(0.1, 3)}),
        ("normal_", weight, {"mean": st.floats(-3, 3), "std": st.floats(0.1, 3)}),
        ("xavier_uniform_", weight, {"gain": st.floats(0.1, 3)}),
        ("kaiming_normal_", weight, {"a": st.floats(0, 3)}),
        ("trunc_normal_", matrix, {"mean": st.floats(-2, 2), "std": st.floats(0.1, 3),
                                   "a": low, "width": st.floats(0.5, 3)}),
        ("orthogonal_", weight, {"gain": st.floats(0.1, 3)}),
        ("sparse_", matrix, {"sparsity": st.floats(0, 1), "std": st.floats(0.01, 1)}),
        ("dirac_", weight.map(lambda s: (s[0] * 2, *s[1:])), {"groups": st.sampled_from((1, 2))}),
        ("eye_", matrix, {}),
        ("uniform", matrix, {}),
        ("kaiming_uniform", weight, {}),
        ("orthogonal", matrix, {}),
    ]))
    kwargs = draw(st.fixed_dictionaries(kwargs))
    if "width" in kwargs:  # trunc_normal_'s interval [a, b]
        kwargs["b"] = kwargs["a"] + kwargs.pop("width")
    return name, draw(shape), kwargs


@settings(max_examples=60)
@given(call=every_init(), dtype=st.sampled_from(("float32", "float64")),
       seed=st.integers(0, 2**63 - 1))
def test_every_init_function_gives_torchs_numbers_after_the_same_seed(call, dtype, seed):
    """Bit for bit, except orthogonal_, whose QR factorisation is LAPACK's in both libraries
    but not the same build: its numbers agree to the dtype's rounding, and it is orthogonal."""
    name, shape, kwargs = call
    results = []
    for lib in (mg, torch):
        lib.manual_seed(seed)
        t = lib.zeros(*shape, dtype=getattr(lib, dtype))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert getattr(lib.nn.init, name)(t, **kwargs) is t
        results.append((t.numpy().copy(), [(w.category, str(w.message)) for w in caught],
                        lib.rand(1).item()))  # and the generator is where PyTorch's is
    (ours, our_warnings, our_next), (theirs, their_warnings, their_next) = results
    assert our_warnings == their_warnings and our_next == their_next
    if name.startswith("orthogonal"):
        assert_close(ours, theirs, scale=4)
    else:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("kwargs", [
    {"mean": 0.1, "std": 0.3, "a": 0.7, "b": 1.3},  # std 0.3 is no float16 number
    {"a": 1.0, "b": 1.5},
    {"mean": 0.5, "std": 0.25, "a": 1.0, "b": 2.0},  # (a log equal to the bound at the start)
    # one draw whose quotient by std, taken in float64, would round to another float16
    {"std": 1 / 3, "a": 0.7, "b": 1.3},
])
def test_trunc_normal_of_a_float16_tensor_gives_torchs_numbers(kwargs):
    """By rejection of uniform draws (the normal's mass on [a, b] is under 0.3), each step
    rounded to float16, as PyTorch's: its division by std takes std in float32, a draw rounded
    to 0 has the log -inf without a warning, and a log equal to the bound is not rejected."""
    results = []
    for lib in (mg, torch):
        lib.manual_seed(0)
        t = lib.zeros(30, 40, dtype=lib.float16)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.init.trunc_normal_(t, **kwargs)
        results.append((t.numpy().copy(), [str(w.message) for w in caught], lib.rand(1).item()))
    (ours, *our_rest), (theirs, *their_rest) = results
    np.testing.assert_array_equal(ours, theirs, strict=True)
    assert our_rest == their_rest


@pytest.mark.parametrize("name, shape", [
    ("orthogonal_", (3,)), ("sparse_", (3,)), ("sparse_", (2, 3, 4)), ("dirac_", (2, 3)),
    ("dirac_", (3, 2, 2)), ("eye_", (2, 2, 2))])
def test_new_init_functions_refuse_shapes_as_torch(name, shape):
    kwargs = {"sparsity": 0.5} if name == "sparse_" else {"groups": 2} if name == "dirac_" else {}
    outcomes = []
    for lib in (mg, torch):
        with pytest.raises(ValueError) as error:
            getattr(lib.nn.init, name)(lib.zeros(*shape), **kwargs)
        outcomes.append(str(error.value))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
def test_the_empty_tensor_warning_names_the_callers_line(name):
    """(PyTorch's names a line of its own init.py.)"""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(mg.nn.init, name)(mg.zeros(0, 3))
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


@pytest.mark.parametrize("name, kwargs", [
    ("xavier_normal_", {}),
    ("trunc_normal_", {}),                    # its defaults: N(0, 1) on [-2, 2]
    ("trunc_normal_", {"a": 0.0, "b": 0.80}),  # the normal's mass on [a, b] 0.288: uniform draws
    ("trunc_normal_", {"a": 0.0, "b": 0.88}),  # 0.311: normal draws
    ("trunc_normal_", {"mean": -4.0}),        # exactly 2 std below a: no warning
    ("trunc_normal_", {"mean": 4.0}),         # exactly 2 std above b: no warning
    ("trunc_normal_", {"mean": -4.5}),        # 2.5 std below a: a warning
    ("trunc_normal_", {"mean": 4.5}),         # 2.5 std above b: a warning
    ("trunc_normal_", {"a": -1.0, "b": -0.10382212534995557}),  # mass 0.3 exactly: uniform draws
    # [a, b] rounded to float32, where the draws are: a draw of 1e8 is inside either
    ("trunc_normal_", {"mean": 1e8, "std": 8.0, "a": 1e8 + 3, "b": 1e8 + 40}),
    ("trunc_normal_", {"mean": 1e8, "std": 8.0, "a": 1e8 - 40, "b": 1e8 - 3}),
    ("xavier_uniform_", {}),
    ("kaiming_uniform_", {}),
    ("kaiming_normal_", {}),
    ("sparse_", {"sparsity": 0.5}),           # (the rows to clear: the global generator's)
])
def test_init_with_a_generator_of_its_own_gives_torchs_numbers(name, kwargs):
    """The generator passed in is the one drawn from (the global one stays where it was), and
    trunc_normal_ picks its method and warns at PyTorch's bounds."""
    results = []
    for lib in (mg, torch):
        lib.manual_seed(0)
        generator = lib.Generator().manual_seed(7)
        t = lib.zeros(6, 5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(lib.nn.init, name)(t, **kwargs, generator=generator)
        results.append((t.numpy().copy(), [str(w.message) for w in caught], lib.rand(1).item(),
                        lib.rand(1, generator=generator).item()))
        if lib is mg:  # minigrad's warning names the caller's line (PyTorch's, its own)
            assert all(w.filename == __file__ for w in caught)
    (ours, *our_rest), (theirs, *their_rest) = results
    np.testing.assert_array_equal(ours, theirs)
    assert our_rest == their_rest


INIT_CALLS = {"uniform_": {}, "normal_": {}, "constant_": {"val": 0.5}, "ones_": {},
              "zeros_": {}, "eye_": {}, "dirac_": {}, "xavier_uniform_": {},
              "xavier_normal_": {}, "kaiming_uniform_": {}, "kaiming_normal_": {},
              "trunc_normal_": {}, "orthogonal_": {}, "sparse_": {"sparsity": 0.5}}


@pytest.mark.parametrize("name", list(INIT_CALLS))
@pytest.mark.parametrize("dtype", ["float16", "int64", "bool"])
def test_every_init_function_on_other_dtypes_fills_or_refuses_as_torch(name, dtype):
    """The same numbers, or the same exception and message; either way the tensor and the
    generator end where PyTorch's do (a refusal after the draws has advanced the generator)."""
    shape = (4, 3) if name in ("eye_", "sparse_") else (4, 2, 3)
    results = []
    for lib in (torch, mg):
        lib.manual_seed(0)
        t = lib.zeros(*shape, dtype=getattr(lib, dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (kaiming's and trunc_normal_'s: compared above)
            try:
                getattr(lib.nn.init, name)(t, **INIT_CALLS[name])
                outcome = None
            except Exception as error:  # noqa: BLE001 (the exception is what is compared)
                outcome = (type(error), str(error))
        results.append((outcome, t.numpy().copy(), lib.rand(1).item()))
    (theirs, their_values, their_next), (ours, our_values, our_next) = results
    assert ours == theirs and our_next == their_next
    if name == "orthogonal_" and theirs is None:
        assert_close(our_values, their_values, scale=4)
    else:
        np.testing.assert_array_equal(our_values, their_values, strict=True)

"""Losses against PyTorch: MSE, cross-entropy (class indices and class probabilities, per-class
weight, ignore_index, label smoothing, K-dimensional inputs, every reduction) and NLL.

The loss factory `check_loss_against_torch` runs a loss in both libraries, as the functional
form and as the module, and compares the value, the warnings, and the gradients of the input
and of a floating-point target.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch, op_test
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import Call, arrays, broadcastable_shapes, dim, float_dtypes, shapes
from support import assert_close
from test_nn_modules import draw_upstream

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

MODULES = {"mse_loss": "MSELoss", "cross_entropy": "CrossEntropyLoss", "nll_loss": None}
REDUCTIONS = st.sampled_from(("mean", "sum", "none"))


def _run(lib: Any, function: str, form: str, input: np.ndarray, target: np.ndarray,
         kwargs: dict[str, Any]) -> tuple[Any, Any, Any, list[str]]:
    x = lib.tensor(input.copy(), requires_grad=True)
    t = lib.tensor(target.copy(), requires_grad=target.dtype.kind == "f")
    kwargs = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if form == "functional":
            loss = getattr(lib.nn.functional, function)(x, t, **kwargs)
        else:
            loss = getattr(lib.nn, MODULES[function])(**kwargs)(x, t)
    # NumPy's RuntimeWarnings (0/0, ...) are the engine's business, pinned in its own tests.
    return loss, x, t, [f"{w.category.__name__}: {w.message}" for w in caught
                        if not issubclass(w.category, RuntimeWarning)]


def check_loss_against_torch(
    function: str, input: np.ndarray, target: np.ndarray,
    upstream: st.DataObject | np.random.Generator, **kwargs: Any,
) -> None:
    """Compare `F.<function>(input, target, **kwargs)`, and the loss module built with
    `kwargs` when there is one, with PyTorch: the loss (shape, dtype, values), the warnings
    emitted, and, after backpropagating a random upstream gradient (drawn from `upstream`, see
    `draw_upstream`), the gradients of the input and of the target when it is floating point.
    Array kwargs (weight) become tensors."""
    forms = ["functional"] + (["module"] if MODULES[function] else [])
    for form in forms:
        loss, x, t, warned = _run(mg, function, form, input, target, kwargs)
        expected, ex, et, expected_warnings = _run(torch, function, form, input, target, kwargs)
        assert warned == expected_warnings
        assert_close(loss, expected, what=f"{form} loss")
        grad = draw_upstream(upstream, loss.dtype, tuple(expected.shape), f"upstream ({form})")
        expected.backward(torch.tensor(grad))
        loss.backward(mg.tensor(grad))
        assert_close(x.grad, ex.grad, what=f"{form} gradient of the input")
        if et.requires_grad:
            assert_close(t.grad, et.grad, what=f"{form} gradient of the target")


# ---------------------------------------------------------------------- MSE
@given(dtype=float_dtypes(), shapes=broadcastable_shapes(2, allow_empty=True),
       reduction=REDUCTIONS, data=st.data())
def test_mse_loss_broadcasts_warns_on_different_shapes_and_matches_torch(
    dtype, shapes, reduction, data
):
    """Same shapes: no warning. Different shapes: PyTorch's UserWarning, then broadcasting (the
    classic (N, 1) against (N,) bug), and the gradient summed back to each shape. The mean of
    nothing is nan."""
    input = data.draw(arrays(dtype, shapes[0]), label="input")
    target = data.draw(arrays(dtype, shapes[1]), label="target")
    check_loss_against_torch("mse_loss", input, target, data, reduction=reduction)


@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=3, max_side=9),
       reduction=st.sampled_from(("mean", "sum")), data=st.data())
def test_plain_mse_loss_matches_torch(dtype, shape, reduction, data):
    """Input and target of one shape and dtype: one fused node in minigrad."""
    input = data.draw(arrays(dtype, shape), label="input")
    target = data.draw(arrays(dtype, shape), label="target")
    check_loss_against_torch("mse_loss", input, target, data, reduction=reduction)


@given(data=st.data())
def test_mse_loss_of_a_float32_input_and_a_float64_target_is_float64(data):
    input = data.draw(arrays(np.dtype(np.float32), (3,)), label="input")
    check_loss_against_torch("mse_loss", input, np.array([1.0, -2.0, 3.0]), data)


@given(data=st.data())
def test_mse_loss_of_a_float32_input_and_an_integer_target_stays_float32(data):
    input = data.draw(arrays(np.dtype(np.float32), (3,)), label="input")
    check_loss_against_torch("mse_loss", input, np.array([1, -2, 3]), data)


def test_mse_loss_errors_match_torch():
    ints = np.zeros(3, np.int64)
    assert_raises_like_torch(lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
                             Call((ints, ints)), "\"mse_cpu\" not implemented for 'Long'")
    x, y = np.zeros(3, np.float32), np.zeros(2, np.float32)
    with pytest.warns(UserWarning):  # the shape warning comes first, as in PyTorch
        assert_raises_like_torch(
            lambda lib, x, y: lib.nn.functional.mse_loss(x, y, reduction="Mean"), Call((x, y)),
            r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton "
            "dimension 0",
        )
    assert_raises_like_torch(
        lambda lib, x: lib.nn.functional.mse_loss(x, x, reduction="Mean"), Call((x,)),
        "Mean is not a valid value for reduction",
    )


# ---------------------------------------------------------------------- cross-entropy and NLL
@st.composite
def class_index_problems(draw: st.DrawFn, smoothing: bool = True) -> dict[str, Any]:
    """Logits (N, C, d1, ...) or unbatched (C,), int64 class indices with some positions equal
    to ignore_index (which may be -100, another negative value, a class, or >= C), an
    optional per-class weight (zeros included), a label_smoothing (negative means none) and a
    reduction."""
    dtype = draw(float_dtypes())
    classes = draw(st.integers(1, 4))
    batch = draw(st.one_of(st.just(()), hnp.array_shapes(min_dims=1, max_dims=3, min_side=0,
                                                         max_side=3)))
    input_shape = (batch[0], classes, *batch[1:]) if batch else (classes,)
    ignore_index = draw(st.one_of(st.just(-100), st.integers(-3, classes + 1)))
    labels = st.one_of(st.integers(0, classes - 1), st.just(ignore_index))
    problem = dict(
        input=draw(arrays(dtype, input_shape, low=-10, high=10), label="logits"),
        target=draw(hnp.arrays(np.int64, batch, elements=labels), label="target"),
        weight=draw(st.none() | arrays(dtype, (classes,), low=0, high=2), label="weight"),
        ignore_index=ignore_index,
        reduction=draw(REDUCTIONS),
    )
    if smoothing:
        problem["label_smoothing"] = draw(st.sampled_from((0.0, 1.0, -0.5)) | st.floats(0, 1))
    return problem


@given(problem=class_index_problems(), data=st.data())
def test_cross_entropy_with_class_indices_matches_torch(problem, data):
    """'mean' is a weighted average: divided by the total weight of the targets that are not
    ignored (nan when there is none), not by their number."""
    check_loss_against_torch("cross_entropy", upstream=data, **problem)


@given(dtype=float_dtypes(), batch=st.integers(1, 70), classes=st.integers(1, 12),
       reduction=st.sampled_from(("mean", "sum")), data=st.data())
def test_plain_cross_entropy_of_a_batch_matches_torch(dtype, batch, classes, reduction, data):
    """The plain case (logits (N, C), valid int64 labels, no weight, no smoothing) is one fused
    node in minigrad; larger batches than the general problems above."""
    logits = data.draw(arrays(dtype, (batch, classes), low=-30, high=30), label="logits")
    labels = data.draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1)))
    check_loss_against_torch("cross_entropy", logits, labels, data, reduction=reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_with_ignore_index_0_ignores_class_0_like_torch(reduction):
    """0 is a class: the plain case's one node, which ignores nothing, must not be taken."""
    logits = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3], [1.0, 0.0, -1.0]], np.float32)
    check_loss_against_torch("cross_entropy", logits, np.array([0, 2, 1]),
                             np.random.default_rng(0), ignore_index=0, reduction=reduction)


@pytest.mark.parametrize("weight, ignore_index", [(np.array([1.0, 2.0, 0.5]), -100), (None, 1)])
def test_label_smoothing_divides_both_parts_by_the_total_weight_like_torch(weight, ignore_index):
    """'mean' divides the smoothing part too by sum_i w[y_i] over the kept positions (not by
    their count)."""
    logits = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3], [1.0, 0.0, -1.0]])
    check_loss_against_torch("cross_entropy", logits, np.array([0, 2, 1]),
                             np.random.default_rng(0), weight=weight, ignore_index=ignore_index,
                             label_smoothing=0.25)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_label_smoothing_with_a_zero_total_weight_gives_nan_like_torch(reduction):
    """Each part of a smoothed loss is reduced on its own: the mean's 0/0 gives nan."""
    check_loss_against_torch(
        "cross_entropy", np.zeros(3, np.float32), np.array(0), np.random.default_rng(0),
        weight=np.array([0.0, 0.0, 1.0], np.float32), reduction=reduction, label_smoothing=1.0,
    )


@st.composite
def class_probability_problems(draw: st.DrawFn) -> dict[str, Any]:
    """Logits and a floating-point target of the same shape (rows need not sum to 1), with a
    negative ignore_index (the only kind allowed), weight, label_smoothing and reduction."""
    dtype = draw(float_dtypes())
    classes = draw(st.integers(1, 4))
    batch = draw(st.one_of(st.just(()), hnp.array_shapes(min_dims=1, max_dims=3, min_side=0,
                                                         max_side=3)))
    shape = (batch[0], classes, *batch[1:]) if batch else (classes,)
    return dict(
        input=draw(arrays(dtype, shape, low=-10, high=10), label="logits"),
        target=draw(arrays(dtype, shape, low=0, high=1), label="target probabilities"),
        weight=draw(st.none() | arrays(dtype, (classes,), low=0, high=2), label="weight"),
        ignore_index=draw(st.integers(-200, -1)),
        reduction=draw(REDUCTIONS),
        label_smoothing=draw(st.sampled_from((0.0, 1.0)) | st.floats(0, 1)),
    )


@given(problem=class_probability_problems(), data=st.data())
def test_cross_entropy_with_class_probabilities_matches_torch_and_differentiates_the_target(
    problem, data
):
    """'mean' divides by the number of positions N*d1*..., even with a weight."""
    check_loss_against_torch("cross_entropy", upstream=data, **problem)


def test_cross_entropy_over_zero_classes_is_zero_per_position_like_torch():
    logits, target = np.zeros((2, 0), np.float32), np.zeros((2, 0), np.float32)
    check_loss_against_torch("cross_entropy", logits, target, np.random.default_rng(0),
                             reduction="none")


@given(problem=class_index_problems(smoothing=False), data=st.data())
def test_nll_loss_of_log_probabilities_matches_torch(problem, data):
    check_loss_against_torch("nll_loss", upstream=data, **problem)


@pytest.mark.parametrize(
    "logits, target",
    [([[1000.0, 0.0, -1000.0]], [0]),
     ([[1e30, 1e30, 0.0]], [2]),
     ([[-1e4, -1e4, -1e4]], [1]),
     ([[0.0, -np.inf, 1.0]], [0]),
     ([[-np.inf, 0.0, 1.0]], [-100]),
     ([[0.0, np.inf, 1.0]], [0])],
    ids=["huge-spread", "huge-ties", "all-very-negative", "minus-inf-elsewhere",
         "minus-inf-at-an-ignored-position", "plus-inf"],
)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_for_huge_and_infinite_logits_like_torch(
    logits, target, label_smoothing, dtype
):
    input = np.array(logits, dtype)
    results = []
    for lib in (mg, torch):
        x = lib.tensor(input, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor(target), reduction="sum",
                                               label_smoothing=label_smoothing)
        loss.backward()
        results.append((loss, x.grad))
    assert_close(results[0][0], results[1][0], what="loss")
    assert_close(results[0][1], results[1][1], what="gradient")


def _problem(classes: int = 3, batch: tuple[int, ...] = (4,), **target: Any) -> Call:
    return Call((np.zeros((batch[0], classes, *batch[1:]), np.float32),
                 np.asarray(target.get("values", np.zeros(batch, np.int64)),
                            dtype=target.get("dtype", np.int64))))


@pytest.mark.parametrize(
    "call, kwargs, error",
    [(_problem(values=[0, 1, 3, 1]), {}, r"Target 3 is out of bounds."),
     (_problem(values=[0, -1, 2, 1]), {"reduction": "none"}, r"Target -1 is out of bounds."),
     (_problem(values=[0, 1, -100, 1]), {"ignore_index": 5}, r"Target -100 is out of bounds."),
     (_problem(values=[0, 1, 3, 1]), {"reduction": "batchmean"},
      "batchmean is not a valid value for reduction"),
     (_problem(values=[0, 1, 3]), {}, r"Expected input batch_size \(4\) to match target "
      r"batch_size \(3\)."),
     (_problem(values=0), {}, r"^Expected input batch_size \(4\) to match target "
      r"batch_size \(0\).$"),
     (_problem(values=[0, 1, 3, 1]), {"label_smoothing": 1.5},
      "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
     (_problem(values=[0.0, 1, 2, 1], dtype=np.float32), {},
      "expected target dtype to be Long or Byte, but got Float"),
     (_problem(values=[0, 1, 2, 1], dtype=np.int32), {},
      "expected target dtype to be Long or Byte, but got Int"),
     (_problem(values=np.zeros((4, 2))), {}, "^0D or 1D target tensor expected, multi-target "
      "not supported$"),
     (_problem(batch=(2, 4), values=np.zeros((2, 5))), {},
      r"Expected target size \[2, 4\], got \[2, 5\]"),
     (_problem(values=np.zeros((4, 3))), {}, "Expected floating point type for target with "
      "class probabilities, got Long"),
     (_problem(values=np.zeros((4, 3)), dtype=np.float32), {"ignore_index": 0},
      "^ignore_index is not supported for floating point target$")],
)
def test_cross_entropy_rejects_bad_targets_with_torchs_exception_in_torchs_order(
    call, kwargs, error
):
    assert_raises_like_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, **kwargs),
                             call, error)


_INDICES = _problem(values=[0, 1, 2, 1])
_PROBABILITIES = _problem(values=np.full((4, 3), 1 / 3), dtype=np.float32)


@pytest.mark.parametrize(
    "call, weight, error",
    [(_INDICES, np.ones(2, np.float32), r"weight tensor should be defined either for all 3 "
      r"classes or no classes but got weight tensor of shape: \[2\]"),
     (_INDICES, np.ones((1, 3), np.float32), r"but got weight tensor of shape: \[1, 3\]"),
     (_INDICES, np.ones(3, np.float64), "expected scalar type Float but found Double"),
     (_PROBABILITIES, np.ones(2, np.float32), r"^cross_entropy: weight tensor should be defined "
      r"either for all 3 classes or no classes but got weight tensor of shape: \[2\]$"),
     (_PROBABILITIES, np.ones((1, 3), np.float32), r"^cross_entropy: weight tensor should be "
      r"defined either for all 3 classes or no classes but got weight tensor of shape: "
      r"\[1, 3\]$")],
    ids=["indices-2", "indices-1x3", "indices-float64", "probabilities-2",
         "probabilities-1x3"],
)
def test_cross_entropy_rejects_a_weight_that_does_not_fit(call, weight, error):
    assert_raises_like_torch(
        lambda lib, x, t, w: lib.nn.functional.cross_entropy(x, t, weight=w),
        Call((*call.tensors, weight)), error,
    )


def test_cross_entropy_weight_cannot_require_grad_with_class_indices():
    for lib in (mg, torch):
        x, t = lib.zeros(4, 3), lib.tensor([0, 1, 2, 1])
        with pytest.raises(RuntimeError, match="^The function 'nll_loss_forward' is not "
                           "differentiable with respect to argument 'weight'. This input cannot "
                           "have requires_grad True.$"):
            lib.nn.functional.cross_entropy(x, t, weight=lib.ones(3, requires_grad=True))


def test_cross_entropy_of_integer_logits_raises_not_implemented_error():
    assert_raises_like_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
                             Call((np.zeros((2, 3), np.int64), np.zeros(2, np.int64))),
                             "not implemented for 'Long'")


def test_nll_loss_of_integer_input_raises_not_implemented_error():
    assert_raises_like_torch(lambda lib, x, t: lib.nn.functional.nll_loss(x, t),
                             Call((np.zeros((2, 3), np.int64), np.zeros(2, np.int64))),
                             "^\"nll_loss_out_frame\" not implemented for 'Long'$")


def test_nll_loss_of_a_0d_input_raises_value_error():
    assert_raises_like_torch(lambda lib, x, t: lib.nn.functional.nll_loss(x, t),
                             Call((np.zeros((), np.float32), np.zeros((), np.int64))),
                             r"Expected 1 or more dimensions \(got 0\)")


@pytest.mark.parametrize(("target", "smoothing", "error"), [
    (np.float32(0.5), 0.0, "^Dimension specified as 1 but tensor has no dimensions$"),
    (np.float32(0.5), 0.1, "^Dimension specified as 1 but tensor has no dimensions$"),
    (np.int64(0), 0.0, "^Expected floating point type for target with class probabilities, "
                       "got Long$"),
    (np.zeros(1, np.int64), 0.0,
     r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)$"),
])
def test_cross_entropy_of_a_0d_input_is_refused_as_torch(target, smoothing, error):
    """A 0-d input's class dim is 1, as for every input but a 1-d one: it has none."""
    assert_raises_like_torch(
        lambda lib, x, t: lib.nn.functional.cross_entropy(x, t, label_smoothing=smoothing),
        Call((np.float32(1.0), np.asarray(target))), error)


@pytest.mark.parametrize("function", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("weight", [None, [1.0, 0.0]])
def test_an_ignored_positions_loss_is_0_not_minus_0_as_torch(function, weight):
    logp = np.log(np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1], [1.0, 1e-30]], np.float32))
    losses = []
    for lib in (torch, mg):
        w = None if weight is None else lib.tensor(weight)
        losses.append(getattr(lib.nn.functional, function)(
            lib.tensor(logp), lib.tensor([0, -100, 1, 0]), weight=w, reduction="none").numpy())
    np.testing.assert_array_equal(np.signbit(losses[1]), np.signbit(losses[0]))
    assert_close(losses[1], losses[0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 0), (0, 3)])
def test_class_probabilities_that_are_all_0_give_torchs_minus_0_and_nan(shape, reduction):
    """PyTorch negates the whole sum (-0 for a sum of zeros), and its 'mean' over no elements
    is nan, even over positions with no classes."""
    losses = []
    for lib in (torch, mg):
        x = lib.zeros(*shape, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(x, lib.zeros(*shape), reduction=reduction)
        loss.sum().backward()
        losses.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(np.signbit(losses[1][0]), np.signbit(losses[0][0]))
    assert_close(losses[1][0], losses[0][0])
    assert_close(losses[1][1], losses[0][1], what="gradient")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_an_unbatched_input_accepts_a_one_element_target_like_torch(reduction):
    """Forward only: PyTorch's own backward fails for this combination."""
    logits = np.array([0.5, -1.0, 2.0])
    losses = [lib.nn.functional.cross_entropy(lib.tensor(logits), lib.tensor([1]),
                                              reduction=reduction) for lib in (mg, torch)]
    assert_close(losses[0], losses[1])
    assert_raises_like_torch(lambda lib, x, t: lib.nn.functional.cross_entropy(x, t),
                             Call((logits, np.array([1, 2]))),
                             "For 1D input, 1D target must have size 1, but got target size: 2")


@pytest.mark.xfail(strict=True, reason="deliberate difference (README, 'Differences from "
                   "PyTorch'): NumPy's RuntimeWarning for 0/0 in the forward pass is let through")
def test_the_mean_over_only_ignored_targets_is_nan_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = mg.nn.functional.cross_entropy(mg.zeros(2, 3), mg.tensor([-100, -100]))
    assert np.isnan(loss.item())


# ---------------------------------------------------------------------- reductions and modules
@pytest.mark.parametrize("function", ["mse_loss", "cross_entropy"])
@pytest.mark.parametrize(
    "legacy", [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True},
               {"reduce": True}, {"reduction": "elementwise_mean"}],
)
def test_deprecated_reduction_arguments_warn_and_map_like_torch(function, legacy):
    check_loss_against_torch(function, np.linspace(-1, 1, 6).reshape(2, 3),
                             np.array([0, 2]) if function == "cross_entropy" else np.ones((2, 3)),
                             np.random.default_rng(0), **legacy)


def test_loss_modules_accept_a_bad_reduction_until_called_like_torch():
    for name in ("MSELoss", "CrossEntropyLoss"):
        assert_raises_like_torch(
            lambda lib, x, name=name: getattr(lib.nn, name)(reduction="avg")(x, x), Call(
                (np.zeros((2, 3), np.float32),)), "avg is not a valid value for reduction",
        )


def test_cross_entropy_loss_keeps_its_weight_as_a_buffer_and_its_settings_like_torch():
    def describe(lib: Any, weight: Any) -> Any:
        loss = lib.nn.CrossEntropyLoss(weight, ignore_index=3, reduction="sum",
                                       label_smoothing=0.2)
        return (list(loss.state_dict()), len(list(loss.parameters())), loss.ignore_index,
                loss.reduction, loss.label_smoothing, repr(loss))

    assert describe(mg, mg.ones(3)) == describe(torch, torch.ones(3))
    assert describe(mg, None) == describe(torch, None)
    assert mg.nn.MSELoss(None, None, "sum").reduction == torch.nn.MSELoss(None, None,
                                                                          "sum").reduction


# ---------------------------------------------------------------------- softmax
@st.composite
def softmax_calls(draw: st.DrawFn) -> Call:
    dtype = draw(float_dtypes())
    shape = draw(shapes(allow_empty=True))
    x = draw(arrays(dtype, shape, low=-20, high=20))
    return Call((x,), {"dim": draw(dim(len(shape))),
                       "name": draw(st.sampled_from(("softmax", "log_softmax")))})


@op_test(softmax_calls())
def test_softmax_and_log_softmax_along_any_dim(lib, x, dim, name):
    return getattr(lib.nn.functional, name)(x, dim)


@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("form", ["functional", "module"])
def test_softmax_without_dim_warns_and_guesses_the_dim_like_torch(ndim, name, form):
    """The whole message is PyTorch's; minigrad's warning names the caller's line in both forms
    (PyTorch's, for the module, names a line of its own module.py)."""
    x = np.arange(float(2**ndim)).reshape((2,) * ndim) / 3
    outputs, warned, messages = [], [], []
    for lib in (mg, torch):
        function = (getattr(lib.nn.functional, name) if form == "functional"
                    else {"softmax": lib.nn.Softmax, "log_softmax": lib.nn.LogSoftmax}[name]())
        with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}") as record:
            outputs.append(function(lib.tensor(x)))
        warned.append(record[0].filename)
        messages.append(str(record[0].message))
    assert_close(outputs[0], outputs[1])
    assert messages[0] == messages[1]
    assert warned[0] == __file__


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_casts_to_the_requested_dtype_first(name):
    x = np.array([[1, 2, 3]], np.int64)
    outputs = [getattr(lib.nn.functional, name)(lib.tensor(x), 1, dtype=lib.float64)
               for lib in (mg, torch)]
    assert_close(outputs[0], outputs[1])


def test_softmax_of_an_integer_tensor_raises_not_implemented_error():
    assert_raises_like_torch(lambda lib, x: lib.nn.functional.softmax(x, 0),
                             Call((np.arange(3),)), "not implemented for 'Long'")

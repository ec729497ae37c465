"""More losses against PyTorch: L1, smooth L1, Huber, binary cross-entropy (on probabilities and
on logits, with weight and pos_weight), KL divergence, Poisson and Gaussian NLL, soft margin,
margin ranking and hinge embedding; NLLLoss as a module; the CTC loss.

`check_losses_against_torch` runs a loss in both libraries, as the functional form and as the
module, and compares the value, the warnings, and the gradients of every differentiable
argument. Kinks (|d| = beta, |d| = delta, a margin of exactly 0, a logit of 0, a probability of
0 or 1) are drawn on purpose, since PyTorch's one-sided choices there are what is pinned.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays, broadcastable_shapes, float_dtypes, shapes
from support import assert_close
from test_nn_modules import draw_upstream

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

MODULES = {
    "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss",
    "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "kl_div": "KLDivLoss", "poisson_nll_loss": "PoissonNLLLoss",
    "gaussian_nll_loss": "GaussianNLLLoss", "soft_margin_loss": "SoftMarginLoss",
    "margin_ranking_loss": "MarginRankingLoss", "hinge_embedding_loss": "HingeEmbeddingLoss",
    "nll_loss": "NLLLoss", "cosine_embedding_loss": "CosineEmbeddingLoss",
    "multi_margin_loss": "MultiMarginLoss", "triplet_margin_loss": "TripletMarginLoss",
    "ctc_loss": "CTCLoss",
}
REDUCTIONS = st.sampled_from(("mean", "sum", "none"))


def _run(lib: Any, function: str, form: str, inputs: list[np.ndarray], grads: list[bool],
         kwargs: dict[str, Any]) -> tuple[Any, list[Any], list[str]]:
    tensors = [lib.tensor(a.copy(), requires_grad=g) for a, g in zip(inputs, grads)]
    kwargs = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if form == "functional":
            loss = getattr(lib.nn.functional, function)(*tensors, **kwargs)
        else:
            loss = getattr(lib.nn, MODULES[function])(**kwargs)(*tensors)
    return loss, tensors, [f"{w.category.__name__}: {w.message}" for w in caught
                           if not issubclass(w.category, RuntimeWarning)]


def check_losses_against_torch(
    function: str, inputs: list[np.ndarray], grads: list[bool],
    upstream: st.DataObject | np.random.Generator, **kwargs: Any,
) -> None:
    """Compare `F.<function>(*inputs, **kwargs)` and its module built with `kwargs` with
    PyTorch: the loss, the warnings, and after backpropagating a random upstream gradient, the
    gradient of each input whose `grads` entry is True. Array kwargs become tensors."""
    for form in ("functional", "module"):
        loss, tensors, warned = _run(mg, function, form, inputs, grads, kwargs)
        expected, torch_tensors, expected_warnings = _run(torch, function, form, inputs, grads,
                                                          kwargs)
        assert warned == expected_warnings
        assert_close(loss, expected, what=f"{form} loss")
        if not expected.requires_grad:
            continue
        grad = draw_upstream(upstream, loss.dtype, tuple(expected.shape), f"upstream ({form})")
        expected.backward(torch.tensor(grad))
        loss.backward(mg.tensor(grad))
        for i, (ours, theirs) in enumerate(zip(tensors, torch_tensors)):
            if grads[i]:
                assert_close(ours.grad, theirs.grad, what=f"{form} gradient of input {i}")


# ---------------------------------------------------------------------- regression losses
@given(dtype=float_dtypes(), shapes=broadcastable_shapes(2, allow_empty=True),
       reduction=REDUCTIONS, data=st.data())
def test_l1_loss_broadcasts_warns_on_different_shapes_and_matches_torch(
    dtype, shapes, reduction, data
):
    """The gradient of |x - y| is sign(x - y): 0 where they are equal (ties are drawn)."""
    input = data.draw(arrays(dtype, shapes[0], special=(0.0, 1.0)), label="input")
    target = data.draw(arrays(dtype, shapes[1], special=(0.0, 1.0)), label="target")
    check_losses_against_torch("l1_loss", [input, target], [True, True], data,
                               reduction=reduction)


@given(dtype=float_dtypes(), shapes=broadcastable_shapes(2, allow_empty=True),
       reduction=REDUCTIONS, beta=st.sampled_from((0.0, 0.5, 1.0, 2.0)), data=st.data())
def test_smooth_l1_loss_matches_torch_including_at_abs_difference_beta(
    dtype, shapes, reduction, beta, data
):
    """Quadratic below beta, linear above, the gradient continuous at |d| = beta (drawn:
    differences of 0, ±0.5, ±1 and ±2 come from ties of the special values); beta = 0 is L1."""
    input = data.draw(arrays(dtype, shapes[0], special=(0.0, 0.5, 1.0, 2.0)), label="input")
    target = data.draw(arrays(dtype, shapes[1], special=(0.0, -0.5, -1.0)), label="target")
    check_losses_against_torch("smooth_l1_loss", [input, target], [True, True], data,
                               reduction=reduction, beta=beta)


def test_huber_loss_at_abs_difference_delta_has_torchs_gradient_bit_for_bit():
    """At |d| = delta PyTorch takes the linear part's slope, delta. The quadratic part's, d,
    is the same number but for a subnormal delta of an odd count of 2^-1074: the engine's
    0.5 d + 0.5 d rounds each half up, 4 · 2^-1074 for delta = 3 · 2^-1074."""
    delta = 3 * 2.0**-1074
    grads = []
    for lib in (mg, torch):
        x = lib.tensor(np.array([delta]), requires_grad=True)
        lib.nn.functional.huber_loss(x, lib.tensor(np.zeros(1)), reduction="sum",
                                     delta=delta).backward()
        grads.append(x.grad.numpy()[0])
    assert grads[0] == grads[1]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_loss_with_beta_0_reduces_like_torch(reduction):
    check_losses_against_torch("smooth_l1_loss", [np.arange(6.0).reshape(2, 3), np.ones((2, 3))],
                               [True, False], np.random.default_rng(0), reduction=reduction,
                               beta=0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_smooth_l1_loss_at_abs_difference_beta_is_torchs_linear_part_bit_for_bit(dtype):
    """At |d| = beta = 0.1 the two parts differ in the last bit: 0.5 d^2 / beta rounds to
    0.05 + 2^-57 in float64, d - 0.5 beta to 0.05; PyTorch takes the linear part there."""
    losses = [lib.nn.functional.smooth_l1_loss(lib.tensor(np.array([0.1], dtype)),
                                               lib.tensor(np.zeros(1, dtype)), beta=0.1)
              for lib in (mg, torch)]
    assert losses[0].item() == losses[1].item()


@given(dtype=float_dtypes(), shapes=broadcastable_shapes(2, allow_empty=True),
       reduction=REDUCTIONS, delta=st.sampled_from((0.5, 1.0, 2.0)), data=st.data())
def test_huber_loss_matches_torch_including_at_abs_difference_delta(
    dtype, shapes, reduction, delta, data
):
    input = data.draw(arrays(dtype, shapes[0], special=(0.0, 0.5, 1.0, 2.0)), label="input")
    target = data.draw(arrays(dtype, shapes[1], special=(0.0, -0.5, -1.0)), label="target")
    check_losses_against_torch("huber_loss", [input, target], [True, True], data,
                               reduction=reduction, delta=delta)


@pytest.mark.parametrize("function, kwargs", [
    ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("huber_loss", {"delta": 0.5}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regression_losses_at_their_kinks_match_torch(function, kwargs, dtype):
    input = np.array([0.0, 0.5, -0.5, 1.0, 0.25], dtype)
    target = np.array([0.0, 0.0, 0.0, 0.5, 0.75], dtype)
    check_losses_against_torch(function, [input, target], [True, True],
                               np.random.default_rng(0), reduction="none", **kwargs)


# ---------------------------------------------------------------------- binary cross-entropy
@st.composite
def binary_problems(draw: st.DrawFn, logits: bool) -> dict[str, Any]:
    """Probabilities in [0, 1] (exact 0, 0.5 and 1 included) or logits (exact 0 included),
    targets in [0, 1], an optional weight broadcasting to the input (a trailing shape) and,
    for logits, an optional pos_weight along the last dim."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=0, max_dims=3, max_side=4, allow_empty=True))
    if logits:
        input = draw(arrays(dtype, shape, low=-30, high=30, special=(0.0,)), label="logits")
    else:
        input = draw(arrays(dtype, shape, low=0, high=1, special=(0.0, 0.5, 1.0)), label="probs")
    trailing = shape[len(shape) - draw(st.integers(0, len(shape))):]
    problem = dict(
        inputs=[input, draw(arrays(dtype, shape, low=0, high=1, special=(0.0, 1.0)),
                            label="target")],
        weight=draw(st.none() | arrays(dtype, trailing, low=0, high=2), label="weight"),
        reduction=draw(REDUCTIONS),
    )
    if logits:
        problem["pos_weight"] = draw(st.none() | arrays(dtype, shape[-1:], low=0, high=3),
                                     label="pos_weight")
    return problem


@given(problem=binary_problems(logits=False), data=st.data())
def test_binary_cross_entropy_clamps_its_logs_at_minus_100_and_matches_torch(problem, data):
    """A probability of exactly 0 or 1 gives a finite loss (the log is clamped at -100) and
    PyTorch's gradient w (x - y) / max(x (1 - x), 1e-12), huge rather than inf or 0."""
    check_losses_against_torch("binary_cross_entropy", grads=[True, True], upstream=data,
                               **problem)


@given(problem=binary_problems(logits=True), data=st.data())
def test_binary_cross_entropy_with_logits_is_stable_and_matches_torch(problem, data):
    """Logits up to ±30 (exp would overflow float32 near 89, sigmoid saturates long before),
    pos_weight and weight; the gradient at a logit of 0 is sigmoid(0) - y."""
    check_losses_against_torch("binary_cross_entropy_with_logits", grads=[True, True],
                               upstream=data, **problem)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_with_huge_logits_is_finite_like_torch(dtype):
    logits = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype)
    target = np.array([1.0, 0.0, 0.5, 1.0, 0.0], dtype)
    check_losses_against_torch("binary_cross_entropy_with_logits", [logits, target],
                               [True, True], np.random.default_rng(0), reduction="none",
                               pos_weight=np.array([2.0], dtype))


# ---------------------------------------------------------------------- KL divergence
@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=3, allow_empty=True),
       reduction=st.sampled_from(("mean", "sum", "none", "batchmean")),
       log_target=st.booleans(), data=st.data())
def test_kl_div_matches_torch_with_batchmean_and_log_target(
    dtype, shape, reduction, log_target, data
):
    """'mean' warns that it divides by every element; 'batchmean' divides by input.size(0)
    (a 0-d input is not divided). A target probability of 0 gives a 0 loss, and a nan gradient
    for that target, as PyTorch's xlogy."""
    input = data.draw(arrays(dtype, shape, low=-5, high=0), label="log-probabilities")
    low = -5 if log_target else 0
    target = data.draw(arrays(dtype, shape, low=low, high=1, special=(0.0,)), label="target")
    check_losses_against_torch("kl_div", [input, target], [True, True], data,
                               reduction=reduction, log_target=log_target)


# ---------------------------------------------------------------------- likelihoods
@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=3, allow_empty=True),
       reduction=REDUCTIONS, log_input=st.booleans(), full=st.booleans(),
       eps=st.sampled_from((1e-8, 0.5)), data=st.data())
def test_poisson_nll_loss_matches_torch(dtype, shape, reduction, log_input, full, eps, data):
    """`full` adds Stirling's term where the count is above 1 only; `eps` keeps log(input +
    eps) finite when the input is a rate (log_input=False)."""
    low = -3 if log_input else 0
    input = data.draw(arrays(dtype, shape, low=low, high=3), label="input")
    target = data.draw(arrays(dtype, shape, low=0, high=5, special=(0.0, 1.0, 2.0)),
                       label="counts")
    check_losses_against_torch("poisson_nll_loss", [input, target], [True, True], data,
                               reduction=reduction, log_input=log_input, full=full, eps=eps)


@pytest.mark.parametrize("log_input", [True, False])
def test_poisson_nll_loss_adds_stirlings_term_only_above_1_like_torch(log_input):
    """At a count of exactly 1 the term, -1 + log(2 pi) / 2, is left out as below it."""
    check_losses_against_torch(
        "poisson_nll_loss", [np.full(5, 0.5), np.array([0.0, 0.5, 1.0, 1.5, 2.0])],
        [True, True], np.random.default_rng(0), reduction="none", log_input=log_input,
        full=True,
    )


def test_poisson_nll_loss_of_rates_takes_torchs_eps():
    """Without an eps given, log(x + eps) of a rate of 0 is log(1e-8), as PyTorch's."""
    losses = [lib.nn.functional.poisson_nll_loss(lib.tensor([0.0, 0.5]), lib.tensor([1.0, 2.0]),
                                                 log_input=False, reduction="none")
              for lib in (mg, torch)]
    assert_close(losses[0], losses[1])


@st.composite
def gaussian_problems(draw: st.DrawFn) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Mean, target and a variance of the input's shape, of one dim fewer, or with one dim of 1;
    variances near 0 are clamped to eps."""
    dtype = draw(float_dtypes())
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    var_shape = draw(st.sampled_from([shape, shape[:-1], (*shape[:-1], 1)]))
    inputs = [draw(arrays(dtype, shape), label="mean"), draw(arrays(dtype, shape), label="target"),
              draw(arrays(dtype, var_shape, low=0, high=3, special=(0.0, 1e-8)), label="var")]
    return inputs, dict(reduction=draw(REDUCTIONS), full=draw(st.booleans()),
                        eps=draw(st.sampled_from((1e-6, 0.1))))


@given(problem=gaussian_problems(), data=st.data())
def test_gaussian_nll_loss_matches_torch_for_every_variance_shape(problem, data):
    inputs, kwargs = problem
    check_losses_against_torch("gaussian_nll_loss", inputs, [True, True, True], data, **kwargs)


@pytest.mark.parametrize("var", [0.0, 0.5, 2.0])
def test_gaussian_nll_loss_takes_a_float_variance_like_torch(var):
    """A float is the variance of every element, in the input's dtype (0 is clamped to eps)."""
    rng = np.random.default_rng(7)
    x, y = (rng.standard_normal((2, 3)).astype(np.float32) for _ in range(2))
    results = []
    for lib in (mg, torch):
        input = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.gaussian_nll_loss(input, lib.tensor(y), var, reduction="none")
        loss.backward(lib.ones(2, 3))
        results.append((loss, input.grad))
    for ours, theirs in zip(*results, strict=True):
        assert_close(ours, theirs)


def test_gaussian_nll_loss_clamps_the_variance_to_eps_exactly_like_torch():
    """PyTorch clamps a copy of v in place, out of the graph: a float32 v of 0.02 becomes
    eps = 0.1 exactly (v + (eps - v) would round to 0.1 - 2^-27), and the loss and both
    gradients are taken there, bit for bit."""
    results = []
    for lib in (mg, torch):
        x = lib.tensor(np.ones(1, np.float32), requires_grad=True)
        var = lib.tensor(np.array([0.02], np.float32), requires_grad=True)
        loss = lib.nn.functional.gaussian_nll_loss(x, lib.zeros(1), var, eps=0.1,
                                                   reduction="sum")
        loss.backward()
        results.append((loss.item(), x.grad.item(), var.grad.item()))
    assert results[0] == results[1]


# ---------------------------------------------------------------------- margins
def _signs(draw: st.DrawFn, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    return draw(arrays(dtype, shape, low=-1, high=1, special=(-1.0, 1.0)).map(np.sign)
                .filter(lambda a: (a != 0).all()), label="target signs")


@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=2, allow_empty=True),
       reduction=REDUCTIONS, data=st.data())
def test_soft_margin_loss_matches_torch(dtype, shape, reduction, data):
    input = data.draw(arrays(dtype, shape, low=-30, high=30, special=(0.0,)), label="input")
    check_losses_against_torch("soft_margin_loss", [input, _signs(data.draw, dtype, shape)],
                               [True, False], data, reduction=reduction)


@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=2, allow_empty=True),
       reduction=REDUCTIONS, margin=st.sampled_from((0.0, 0.5, 1.0)), data=st.data())
def test_margin_ranking_loss_matches_torch_with_the_gradient_at_the_margin(
    dtype, shape, reduction, margin, data
):
    """At -y (x1 - x2) + margin = 0 exactly (drawn), PyTorch's clamp_min passes the gradient."""
    x1 = data.draw(arrays(dtype, shape, special=(0.0, 0.5, 1.0)), label="input1")
    x2 = data.draw(arrays(dtype, shape, special=(0.0, 0.5, 1.0)), label="input2")
    target = _signs(data.draw, dtype, shape)
    check_losses_against_torch("margin_ranking_loss", [x1, x2, target], [True, True, True],
                               data, reduction=reduction, margin=margin)


@given(dtype=float_dtypes(), shape=shapes(min_dims=0, max_dims=2, allow_empty=True),
       reduction=REDUCTIONS, margin=st.sampled_from((0.0, 1.0, 2.0)), data=st.data())
def test_hinge_embedding_loss_matches_torch_with_the_gradient_at_the_margin(
    dtype, shape, reduction, margin, data
):
    input = data.draw(arrays(dtype, shape, low=0, high=3, special=(0.0, 1.0, 2.0)),
                      label="distances")
    check_losses_against_torch("hinge_embedding_loss", [input, _signs(data.draw, dtype, shape)],
                               [True, False], data, reduction=reduction, margin=margin)


@given(dtype=float_dtypes(), batched=st.booleans(), size=st.integers(1, 4),
       reduction=REDUCTIONS, margin=st.sampled_from((0.0, 0.5, -0.5)), data=st.data())
def test_cosine_embedding_loss_matches_torch(dtype, batched, size, reduction, margin, data):
    """Rows of (N, D) inputs against a (N,) target, or two (D,) vectors against a 0-d one;
    parallel rows (ties) and zero vectors (the ε keeps the cosine finite) are drawn."""
    batch = data.draw(st.integers(0, 4), label="batch") if batched else None
    shape = (size,) if batch is None else (batch, size)
    x1 = data.draw(arrays(dtype, shape, special=(0.0,)), label="input1")
    x2 = data.draw(arrays(dtype, shape, special=(0.0,)), label="input2")
    target = _signs(data.draw, dtype, shape[:-1])
    check_losses_against_torch("cosine_embedding_loss", [x1, x2, target], [True, True, False],
                               data, reduction=reduction, margin=margin)


@given(dtype=float_dtypes(), batch=st.none() | st.integers(1, 4), classes=st.integers(1, 4),
       p=st.sampled_from((1, 2)), margin=st.sampled_from((0.0, 1.0)), reduction=REDUCTIONS,
       weighted=st.booleans(), data=st.data())
def test_multi_margin_loss_matches_torch_without_a_gradient_at_the_hinge(
    dtype, batch, classes, p, margin, reduction, weighted, data
):
    """At z = margin - x[y] + x[j] = 0 exactly (ties are drawn) PyTorch's kernel passes no
    gradient (unlike the clamp of margin_ranking_loss). An unbatched (C,) input takes a 0-d
    or a (1,) target. (No empty batch: PyTorch 2.13's 'sum' of one is uninitialized memory.)"""
    shape = (classes,) if batch is None else (batch, classes)
    target_shape = data.draw(st.sampled_from(((), (1,))), label="target shape") if (
        batch is None) else (batch,)
    input = data.draw(arrays(dtype, shape, special=(0.0, 1.0)), label="scores")
    target = data.draw(arrays(np.dtype(np.int64), target_shape, low=0, high=classes - 1),
                       label="target")
    weight = data.draw(arrays(dtype, (classes,), low=0, high=2), label="weight")
    check_losses_against_torch("multi_margin_loss", [input, target], [True, False], data,
                               p=p, margin=margin, reduction=reduction,
                               weight=weight if weighted else None)


@pytest.mark.parametrize("input_shape", [(3,), (1, 3)])
@pytest.mark.parametrize("target", [np.array(1), np.array([1])], ids=["0-d", "(1,)"])
def test_multi_margin_loss_of_one_sample_has_its_targets_shape_like_torch(input_shape, target):
    """Unreduced, the losses take the target's shape: a 0-d target gives a 0-d loss, for a
    (C,) input and for a batch of one (1, C) too."""
    input = np.array([0.5, 2.0, 1.0]).reshape(input_shape)
    check_losses_against_torch("multi_margin_loss", [input, target], [True, False],
                               np.random.default_rng(0), reduction="none")


@given(dtype=float_dtypes(), shape=shapes(min_dims=1, max_dims=3, max_side=4),
       p=st.sampled_from((1.0, 2.0, 3.0)), swap=st.booleans(), reduction=REDUCTIONS,
       margin=st.sampled_from((0.5, 1.0)), eps=st.sampled_from((1e-6, 0.5)), data=st.data())
def test_triplet_margin_loss_matches_torch(dtype, shape, p, swap, reduction, margin, eps, data):
    inputs = [data.draw(arrays(dtype, shape, special=(0.0, 1.0)), label=name)
              for name in ("anchor", "positive", "negative")]
    check_losses_against_torch("triplet_margin_loss", inputs, [True, True, True], data, p=p,
                               swap=swap, reduction=reduction, margin=margin, eps=eps)


@pytest.mark.parametrize("target, kwargs", [([2, 0, -100], {}), ([2, 0, 1], {"ignore_index": 1})])
def test_nll_loss_module_keeps_its_weight_as_a_buffer_and_matches_torch(target, kwargs):
    logp = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]]))
    check_losses_against_torch("nll_loss", [logp, np.array(target)], [True, False],
                               np.random.default_rng(0), weight=np.array([1.0, 2.0, 3.0]),
                               **kwargs)


# ---------------------------------------------------------------------- modules and reductions
LEGACY_PROBLEMS = [
    ("l1_loss", [np.ones((2, 3)), np.zeros((2, 3))]),
    ("smooth_l1_loss", [np.ones((2, 3)), np.zeros((2, 3))]),
    ("binary_cross_entropy", [np.full((2, 3), 0.25), np.ones((2, 3))]),
    ("binary_cross_entropy_with_logits", [np.ones((2, 3)), np.ones((2, 3))]),
    ("kl_div", [np.full((2, 3), -1.0), np.full((2, 3), 0.25)]),
    ("poisson_nll_loss", [np.ones((2, 3)), np.ones((2, 3))]),
    ("soft_margin_loss", [np.ones((2, 3)), -np.ones((2, 3))]),
    ("hinge_embedding_loss", [np.ones((2, 3)), -np.ones((2, 3))]),
    ("nll_loss", [np.log(np.full((2, 3), 0.25)), np.array([2, 0])]),
    ("multi_margin_loss", [np.ones((2, 3)), np.array([2, 0])]),
    ("margin_ranking_loss", [np.ones(3), np.arange(3.0), np.array([1.0, -1.0, 1.0])]),
    ("cosine_embedding_loss", [np.ones((2, 3)), np.eye(2, 3), np.array([1.0, -1.0])]),
    ("triplet_margin_loss", [np.ones((2, 3)), np.eye(2, 3), np.zeros((2, 3))]),
]


@pytest.mark.parametrize("function, inputs", LEGACY_PROBLEMS)
@pytest.mark.parametrize("legacy", [{"size_average": False}, {"reduce": False},
                                    {"size_average": True, "reduce": True}, {"reduce": True}])
def test_deprecated_reduction_arguments_warn_and_map_like_torch(function, inputs, legacy):
    grads = [True] + [False] * (len(inputs) - 1)
    check_losses_against_torch(function, inputs, grads, np.random.default_rng(0), **legacy)


@pytest.mark.parametrize("legacy", [{"size_average": False}, {"reduce": False},
                                    {"size_average": True, "reduce": True}])
def test_kl_div_batchmean_divides_what_the_deprecated_arguments_reduced_like_torch(legacy):
    """F.kl_div divides by the batch size even the sum (or the losses) that the flags ask for;
    the module's reduction is the flags' alone."""
    check_losses_against_torch("kl_div", [np.full((2, 3), -1.0), np.full((2, 3), 0.25)],
                               [True, True], np.random.default_rng(0), reduction="batchmean",
                               **legacy)


@pytest.mark.parametrize("function, inputs", [
    *LEGACY_PROBLEMS, ("mse_loss", [np.ones((2, 3)), np.zeros((2, 3))]),
    ("cross_entropy", [np.ones((2, 3)), np.array([2, 0])]),
])
def test_the_deprecated_reduction_warning_names_the_callers_line(function, inputs):
    """minigrad's warning names the line that calls the loss or builds its module, whether the
    loss reads the flags itself (kl_div) or through the reduction check (l1_loss), and whether
    the module has an __init__ of its own (SmoothL1Loss) or not (L1Loss). (PyTorch's names a
    line of its own nn/_reduction.py.)"""
    module = {"mse_loss": "MSELoss", "cross_entropy": "CrossEntropyLoss", **MODULES}[function]
    args = [mg.tensor(a) for a in inputs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(mg.nn.functional, function)(*args, size_average=False)
        getattr(mg.nn, module)(size_average=False)
    named = [(w.filename, w.lineno) for w in caught if str(w.message).startswith("size_average")]
    assert named == [(__file__, line), (__file__, line + 1)]


def test_the_kl_div_mean_warning_names_the_callers_line_like_torch():
    for lib in (mg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            line = inspect.currentframe().f_lineno + 1
            lib.nn.functional.kl_div(lib.zeros(2, 3), lib.ones(2, 3))
        assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


@pytest.mark.parametrize("function", ["l1_loss", "smooth_l1_loss", "huber_loss", "mse_loss"])
def test_the_target_size_warning_names_the_callers_line_like_torch(function):
    for lib in (mg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            line = inspect.currentframe().f_lineno + 1
            getattr(lib.nn.functional, function)(lib.ones(2, 3), lib.ones(3))
        assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]


@pytest.mark.parametrize("function, inputs", [
    *[p for p in LEGACY_PROBLEMS if p[0] != "poisson_nll_loss"],
    ("mse_loss", [np.ones((2, 3)), np.zeros((2, 3))]),
    ("cross_entropy", [np.ones((2, 3)), np.array([2, 0])]),
])
def test_the_elementwise_mean_warning_names_the_callers_line(function, inputs):
    """minigrad's warning names the line that calls the loss. (PyTorch's names a line of its own
    nn/_reduction.py.)"""
    args = [mg.tensor(a) for a in inputs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        getattr(mg.nn.functional, function)(*args, reduction="elementwise_mean")
    named = [(w.filename, w.lineno) for w in caught if "elementwise_mean" in str(w.message)]
    assert named == [(__file__, line)]


@pytest.mark.parametrize("function, inputs", [
    *LEGACY_PROBLEMS, ("mse_loss", [np.ones((2, 3)), np.zeros((2, 3))]),
    ("cross_entropy", [np.ones((2, 3)), np.array([2, 0])]),
    ("huber_loss", [np.full((2, 3), 3.0), np.zeros((2, 3))]),
    ("gaussian_nll_loss", [np.ones((2, 3)), np.zeros((2, 3)), np.full((2, 3), 1e-9)]),
    ("poisson_nll_loss", [np.full((2, 3), 0.5), np.full((2, 3), 3.0)]),  # full=False
])
def test_loss_functions_take_torchs_defaults(function, inputs):
    """Every keyword left out: a 'mean' reduction, and each margin, beta, delta, eps and flag
    as PyTorch's (the modules pass their settings on by keyword, so only this reads them)."""
    losses = [getattr(lib.nn.functional, function)(*[lib.tensor(a) for a in inputs])
              for lib in (mg, torch)]
    assert_close(losses[0], losses[1])


@pytest.mark.parametrize("function, inputs", [p for p in LEGACY_PROBLEMS
                                              if p[0] != "poisson_nll_loss"])
def test_reduction_elementwise_mean_warns_and_means_mean_like_torch(function, inputs):
    """Except for poisson_nll_loss, which refuses it (as PyTorch's, tested below)."""
    grads = [True] + [False] * (len(inputs) - 1)
    check_losses_against_torch(function, inputs, grads, np.random.default_rng(0),
                               reduction="elementwise_mean")


def test_loss_modules_keep_their_settings_and_buffers_like_torch():
    def describe(lib: Any) -> list[Any]:
        modules = [
            lib.nn.BCELoss(lib.ones(3)), lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(3)),
            lib.nn.NLLLoss(lib.ones(3), ignore_index=2), lib.nn.SmoothL1Loss(beta=0.5),
            lib.nn.HuberLoss("sum", 2.0), lib.nn.KLDivLoss(reduction="batchmean",
                                                           log_target=True),
            lib.nn.PoissonNLLLoss(False, True, eps=0.1), lib.nn.GaussianNLLLoss(full=True),
            lib.nn.MarginRankingLoss(0.5), lib.nn.HingeEmbeddingLoss(2.0),
            lib.nn.L1Loss(reduction="none"), lib.nn.SoftMarginLoss(),
            lib.nn.CosineEmbeddingLoss(0.5), lib.nn.MultiMarginLoss(2, 0.5, lib.ones(3)),
            lib.nn.TripletMarginLoss(2.0, swap=True),
            # and each with its defaults
            *[getattr(lib.nn, name)() for name in [*MODULES.values(), "MSELoss",
                                                   "CrossEntropyLoss"]],
        ]
        return [(list(m.state_dict()), len(list(m.parameters())), m.reduction,
                 {k: v for k, v in vars(m).items() if isinstance(v, (int, float, bool))})
                for m in modules]

    assert describe(mg) == describe(torch)


# ---------------------------------------------------------------------- errors
F32 = np.zeros(3, np.float32)
HALF = np.full(3, 0.5, np.float32)


@pytest.mark.parametrize("function, call, error", [
    ("l1_loss", Call((F32, F32), {"reduction": "avg"}), "avg is not a valid value for reduction"),
    ("smooth_l1_loss", Call((F32, F32), {"beta": -1.0}),
     "smooth_l1_loss does not support negative values for beta."),
    ("smooth_l1_loss", Call((np.zeros(3, np.int64),) * 2),
     "\"smooth_l1_cpu\" not implemented for 'Long'"),
    ("huber_loss", Call((F32, F32), {"delta": 0.0}),
     "huber_loss does not support non-positive values for delta."),
    ("huber_loss", Call((F32, F32), {"reduction": "avg"}),
     "avg is not a valid value for reduction"),
    ("binary_cross_entropy", Call((HALF * 3, HALF)), "^all elements of input should be between "
     "0 and 1$"),
    ("binary_cross_entropy", Call((HALF, HALF.astype(np.float64))),
     "Found dtype Double but expected Float"),
    ("binary_cross_entropy", Call((HALF, HALF[:2])), r"^Using a target size \(torch.Size\(\[2\]\)"
     r"\) that is different to the input size \(torch.Size\(\[3\]\)\) is deprecated. Please "
     r"ensure they have the same size.$"),
    ("binary_cross_entropy", Call((np.zeros(3, np.int64),) * 2),
     "\"binary_cross_entropy\" not implemented for 'Long'"),
    ("binary_cross_entropy", Call((np.zeros(3, np.int64), HALF)),
     "Found dtype Float but expected Long"),
    ("binary_cross_entropy", Call((HALF, HALF), {"reduction": "avg"}),
     "avg is not a valid value for reduction"),
    ("binary_cross_entropy_with_logits", Call((F32, F32[:2])),
     r"Target size \(torch.Size\(\[2\]\)\) must be the same as input size"),
    ("binary_cross_entropy_with_logits", Call((F32, np.zeros(3, np.int64))),
     "result type Float can't be cast to the desired output type Long"),
    ("binary_cross_entropy_with_logits", Call((np.zeros(3, np.int64), F32)),
     "\"log_sigmoid_cpu\" not implemented for 'Long'"),
    ("binary_cross_entropy_with_logits", Call((np.zeros(3, np.int64),) * 2),
     "^\"log_sigmoid_cpu\" not implemented for 'Long'$"),
    ("binary_cross_entropy_with_logits", Call((np.zeros(3), np.zeros(3, np.int64))),
     "^result type Double can't be cast to the desired output type Long$"),
    ("binary_cross_entropy_with_logits", Call((F32, np.zeros(3, bool))),
     "^Subtraction, the `-` operator, with two bool tensors is not supported."),
    ("kl_div", Call((F32, F32), {"reduction": "avg"}), "avg is not a valid value for reduction"),
    ("kl_div", Call((F32, np.zeros(3, np.int64))), "^kl_div: Integral inputs not supported.$"),
    ("kl_div", Call((np.zeros(3, bool), F32), {"log_target": True}),
     "^kl_div: Integral inputs not supported.$"),
    ("poisson_nll_loss", Call((F32, F32), {"reduction": "avg"}),
     "avg is not a valid value for reduction"),
    ("poisson_nll_loss", Call((F32, F32), {"reduction": "elementwise_mean"}),
     "elementwise_mean is not a valid value for reduction"),
    ("gaussian_nll_loss", Call((F32, F32, -HALF)), "^var has negative entry/entries$"),
    ("gaussian_nll_loss", Call((F32, F32), {"var": -0.5}), "^var has negative entry/entries$"),
    ("gaussian_nll_loss", Call((F32, F32, HALF[:2])), "^var is of incorrect size$"),
    ("gaussian_nll_loss", Call((F32, F32, HALF), {"reduction": "avg"}), "avg is not valid"),
    ("gaussian_nll_loss", Call((F32, F32, np.arange(3))),
     "result type Float can't be cast to the desired output type long int"),
    ("margin_ranking_loss", Call((F32, F32[None], F32)),
     r"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
     r"input1: torch.Size\(\[3\]\), input2: torch.Size\(\[1, 3\]\), target: torch.Size\(\[3\]\)"),
    ("cosine_embedding_loss", Call((F32, F32, F32)), r"^1D target tensor expects 2D input "
     r"tensors, but found inputs with sizes \[3\] and \[3\].$"),
    ("cosine_embedding_loss", Call((F32, F32[None], F32[:1])), r"^1D target tensor expects 2D "
     r"input tensors, but found inputs with sizes \[3\] and \[1, 3\].$"),
    ("cosine_embedding_loss", Call((F32[None], F32, F32[:1])), r"^1D target tensor expects 2D "
     r"input tensors, but found inputs with sizes \[1, 3\] and \[3\].$"),
    ("cosine_embedding_loss", Call((F32, F32, F32[None])), "^0D or 1D target tensor expected, "
     "multi-target not supported$"),
    ("multi_margin_loss", Call((np.zeros((2, 3), np.float32), np.array([0, 3]))),
     "^target out of range$"),
    ("multi_margin_loss", Call((np.zeros((2, 3), np.float32), np.array([0.0, 1.0], np.float32))),
     "^expected scalar type Long but found Float$"),
    ("multi_margin_loss", Call((np.zeros((2, 3), np.float32), np.array([0, 1, 2]))),
     r"^multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
     r"samples \(batch size\). Expected target size \[2\], but got \[3\]. Input has shape "
     r"\[2, 3\].$"),
    ("multi_margin_loss", Call((np.zeros((2, 3), np.float32), np.array([[0], [1]]))),
     r"^multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
     r"samples \(batch size\). Expected target size \[2\], but got \[2, 1\]. Input has shape "
     r"\[2, 3\].$"),
    ("multi_margin_loss", Call((np.zeros((2, 3), np.float32), np.array([0, 1])), {"p": 3}),
     "^only p == 1 and p == 2 supported$"),
    ("multi_margin_loss", Call((np.zeros((1, 2, 3), np.float32), np.array([0, 1]))),
     r"^Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
     r"\[1, 2, 3\]$"),
    ("triplet_margin_loss", Call((F32, F32, F32), {"margin": 0.0}),
     "^margin must be greater than 0, got 0.0$"),
    ("triplet_margin_loss", Call((F32[None], F32[None], F32)),
     "^The anchor, positive, and negative tensors are expected to have the same number of "
     "dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs$"),
    ("soft_margin_loss", Call((F32, F32), {"reduction": "avg"}),
     "avg is not a valid value for reduction"),
    ("hinge_embedding_loss", Call((F32, F32), {"reduction": "avg"}),
     "avg is not a valid value for reduction"),
    ("smooth_l1_loss", Call((F32, F32), {"beta": -1.0}),
     "^smooth_l1_loss does not support negative values for beta.$"),
    ("huber_loss", Call((F32, F32), {"delta": 0.0}),
     "^huber_loss does not support non-positive values for delta.$"),
    ("huber_loss", Call((np.ones(3, np.int64), np.ones(3, np.int64))),
     "^\"huber_cpu\" not implemented for 'Long'$"),
])
def test_losses_reject_bad_arguments_with_torchs_exception(function, call, error):
    assert_raises_like_torch(
        lambda lib, *tensors, **kwargs: getattr(lib.nn.functional, function)(*tensors, **kwargs),
        call, error,
    )


@pytest.mark.parametrize("name", ["pos_weight", "weight"])
def test_binary_cross_entropy_with_logits_rejects_weights_that_do_not_broadcast(name):
    assert_raises_like_torch(
        lambda lib, x, w: lib.nn.functional.binary_cross_entropy_with_logits(x, x, **{name: w}),
        Call((F32, F32[:2])), r"The size of tensor a \(\d\) must match the size of tensor b",
    )


@pytest.mark.parametrize("name, weight, error", [
    ("weight", np.ones((5, 1, 3), np.float32),
     r"^output with shape \[2, 3\] doesn't match the broadcast shape \[5, 2, 3\]$"),
    ("pos_weight", np.ones((4, 1, 1), np.float32),
     r"^output with shape \[2, 3\] doesn't match the broadcast shape \[4, 2, 3\]$"),
    ("weight", np.ones(4, np.float32), r"^The size of tensor a \(3\) must match the size of "
     r"tensor b \(4\) at non-singleton dimension 1$"),
    ("pos_weight", np.ones(2, np.float32), r"^The size of tensor a \(2\) must match the size of "
     r"tensor b \(3\) at non-singleton dimension 1$"),
    ("pos_weight", np.ones(3, bool), "^Subtraction, the `-` operator, with a bool tensor is not "
     "supported."),
])
def test_binary_cross_entropy_with_logits_refuses_weights_as_torch(name, weight, error):
    """PyTorch multiplies log σ(x) by (p - 1) y + 1, and the loss by w, in place: weights
    that do not broadcast, or broadcast past the input, are refused in its words."""
    assert_raises_like_torch(
        lambda lib, x, w: lib.nn.functional.binary_cross_entropy_with_logits(x, x, **{name: w}),
        Call((np.full((2, 3), 0.5, np.float32), weight)), error,
    )


@pytest.mark.parametrize("dtypes, weights", [
    ((np.float64, np.float32), {}), ((np.float32, np.float32), {"weight": np.float64}),
    ((np.float32, np.float32), {"pos_weight": np.int64}),
    ((np.float32, np.float32), {"weight": np.int64, "pos_weight": np.float64}),
])
def test_binary_cross_entropy_with_logits_is_of_the_targets_dtype_like_torch(dtypes, weights):
    """PyTorch's loss is (1 - y) multiplied by x in place, so of y's dtype, whatever the dtypes
    of x and of the weights; the gradients that hooks see are of x's and y's."""
    rng = np.random.default_rng(6)
    values = [(rng.random(6) * 4 - 2).astype(dtypes[0]), rng.random(6).astype(dtypes[1])]
    kwargs = {name: (rng.random(6) * 3).astype(dtype) for name, dtype in weights.items()}
    _assert_loss_and_hooked_grads_like_torch(
        "binary_cross_entropy_with_logits", values, dtypes[1], kwargs)


def _assert_loss_and_hooked_grads_like_torch(function: str, values: list[np.ndarray],
                                             grad_dtype: Any, kwargs: dict[str, Any]) -> None:
    """The loss of `values` (reduction 'none') and the gradients that hooks on the inputs see
    in backward, against PyTorch's: values and dtypes."""
    results = []
    for lib in (mg, torch):
        seen: list[Any] = []
        inputs = [lib.tensor(v, requires_grad=True) * 1 for v in values]
        for t in inputs:
            t.register_hook(lambda g, seen=seen: seen.append(g))
        loss = getattr(lib.nn.functional, function)(
            *inputs, reduction="none", **{k: lib.tensor(v) for k, v in kwargs.items()})
        loss.backward(lib.tensor(np.linspace(0.5, 2, 6).astype(grad_dtype)))
        results.append([loss, *seen])
    for ours, theirs in zip(*results, strict=True):
        assert_close(ours, theirs)


@pytest.mark.parametrize("weight, error", [
    (np.ones((2, 2, 3), np.float32),
     r"^output with shape \[2, 3\] doesn't match the broadcast shape \[2, 2, 3\]$"),
    (np.ones((3, 1, 1), np.float64),
     r"^output with shape \[2, 3\] doesn't match the broadcast shape \[3, 2, 3\]$"),
    (np.ones(4, np.float32), r"^Attempting to broadcast a dimension of length 4 at -1! "
     r"Mismatching argument at index 1 had torch.Size\(\[4\]\); but expected shape should be "
     r"broadcastable to \[2, 3\]$"),
    (np.ones((5, 4, 1), np.float32), r"^Attempting to broadcast a dimension of length 4 at -2! "
     r"Mismatching argument at index 1 had torch.Size\(\[5, 4, 1\]\); but expected shape "
     r"should be broadcastable to \[1, 2, 3\]$"),
])
def test_binary_cross_entropy_refuses_a_weight_that_does_not_broadcast_to_the_target(
    weight, error
):
    """The weight is broadcast with the target (torch.broadcast_shapes' message if it does
    not), then multiplies the loss in place: a weight of more elements is refused too."""
    assert_raises_like_torch(
        lambda lib, x, w: lib.nn.functional.binary_cross_entropy(x, x, weight=w),
        Call((np.full((2, 3), 0.5, np.float32), weight)), error,
    )


@pytest.mark.parametrize("dtype, weight_dtype", [
    (np.float32, np.float64), (np.float32, np.int64), (np.float16, np.float32),
    (np.float64, np.bool_),
])
def test_binary_cross_entropy_takes_a_weight_of_any_dtype_like_torch(dtype, weight_dtype):
    """PyTorch multiplies the loss and each gradient by the weight in place: the weight's dtype
    may be any, and the loss and the gradients that hooks see keep the input's dtype."""
    rng = np.random.default_rng(5)
    values = [rng.random(6).astype(dtype) for _ in range(2)]
    weight = (rng.random(6) * 3).astype(weight_dtype)
    _assert_loss_and_hooked_grads_like_torch("binary_cross_entropy", values, dtype,
                                             {"weight": weight})


@pytest.mark.parametrize("function, name", [
    ("binary_cross_entropy", "weight"), ("binary_cross_entropy_with_logits", "weight"),
    ("binary_cross_entropy_with_logits", "pos_weight"),
])
def test_loss_weights_cannot_require_grad_like_torch(function, name):
    for lib in (mg, torch):
        x = lib.full((3,), 0.5)
        with pytest.raises(RuntimeError, match=f"^The function '{function}' is not "
                           f"differentiable with respect to argument '{name}'. This input "
                           "cannot have requires_grad True.$"):
            getattr(lib.nn.functional, function)(x, x, **{name: lib.ones(3, requires_grad=True)})


def test_soft_margin_loss_is_not_differentiable_in_its_target_like_torch():
    for lib in (mg, torch):
        x, y = lib.zeros(3), lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="^The function 'soft_margin_loss' is not "
                           "differentiable with respect to argument 'target'. This input "
                           "cannot have requires_grad True.$"):
            lib.nn.functional.soft_margin_loss(x, y).backward()


@pytest.mark.parametrize("weight, error", [
    (np.ones(2, np.float32), r"^inconsistent weight size, expected 3 but got \[2\]$"),
    (np.ones((1, 3), np.float32), "^weight must be one-dimensional$"),
])
def test_multi_margin_loss_rejects_a_weight_that_does_not_fit(weight, error):
    assert_raises_like_torch(
        lambda lib, x, t, w: lib.nn.functional.multi_margin_loss(x, t, weight=w),
        Call((np.zeros((2, 3), np.float32), np.array([0, 1]), weight)), error,
    )


@pytest.mark.parametrize("build, error", [
    (lambda lib: lib.nn.MultiMarginLoss(p=3), "only p == 1 and p == 2 supported"),
    (lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(1, 3)),
     "MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead"),
    (lambda lib: lib.nn.TripletMarginLoss(margin=0),
     "TripletMarginLoss: expected margin to be greater than 0, got 0 instead"),
])
def test_margin_loss_modules_check_their_settings_at_construction_like_torch(build, error):
    for lib in (torch, mg):
        with pytest.raises(ValueError, match=f"^{error}$"):
            build(lib)


# ---------------------------------------------------------------------- CTC loss
@st.composite
def ctc_problems(draw: st.DrawFn) -> tuple[list[np.ndarray], dict[str, Any]]:
    """log_probs (T, N, C), or (T, C) for one sequence: log_softmax outputs, or any numbers
    (PyTorch's gradient assumes the former; both must give its numbers). Targets padded or
    concatenated, of drawn lengths: empty ones, repeated labels (which need a blank between
    them, so a target can be too long for its input: an infinite loss), and input lengths
    from 0 to T. A padded target's padding, past its length, is labels, -1 or C (no class):
    PyTorch reads none of it."""
    dtype = draw(float_dtypes())
    steps, classes = draw(st.integers(1, 6)), draw(st.integers(2, 4))
    batched = draw(st.booleans())
    batch = draw(st.integers(1, 3)) if batched else 1
    longest = draw(st.integers(0, 4))
    blank = draw(st.integers(0, classes - 1))
    logits = draw(arrays(np.dtype(np.float64), (steps, batch, classes), ties=False))
    if draw(st.booleans()):
        logits = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    log_probs = logits.astype(dtype)
    labels = draw(arrays(np.dtype(np.int64), (batch, longest), low=0, high=classes - 2))
    labels = labels + (labels >= blank)  # every class but the blank
    target_lengths = np.array([draw(st.integers(0, longest)) for _ in range(batch)])
    padding = draw(st.sampled_from((None, -1, classes)), label="padding")
    if padding is not None:  # past each target's length, where PyTorch reads nothing
        labels[np.arange(longest) >= target_lengths[:, None]] = padding
    input_lengths = np.array([draw(st.integers(0, steps)) for _ in range(batch)])
    if not batched or draw(st.booleans()):  # concatenated
        labels = np.concatenate([row[:n] for row, n in zip(labels, target_lengths)])
    if not batched:
        log_probs, input_lengths, target_lengths = log_probs[:, 0], input_lengths[0], \
            target_lengths[0]
    kwargs = dict(blank=blank, reduction=draw(REDUCTIONS), zero_infinity=draw(st.booleans()))
    return [log_probs, labels, input_lengths, target_lengths], kwargs


@given(problem=ctc_problems(), data=st.data())
def test_ctc_loss_matches_torch(problem, data):
    inputs, kwargs = problem
    check_losses_against_torch("ctc_loss", inputs, [True, False, False, False], data, **kwargs)


@pytest.mark.parametrize("lengths", [
    lambda lib: ((4, 3), (2, 1)), lambda lib: ([4, 3], [2, 1]),
    lambda lib: ((np.int64(4), 3), [np.int32(2), 1]),
    lambda lib: ((lib.tensor(4), lib.tensor([[3]], dtype=lib.uint8)),
                 (lib.tensor(2), lib.tensor(True))),
], ids=["tuples", "lists", "NumPy ints", "tensors of one element"])
def test_ctc_loss_takes_lengths_as_tuples_like_torch(lengths):
    rng = np.random.default_rng(0)
    log_probs = rng.standard_normal((4, 2, 3))
    targets = np.array([[1, 1], [2, 0]])
    losses = [lib.nn.CTCLoss(reduction="none")(lib.tensor(log_probs), lib.tensor(targets),
                                                *lengths(lib)) for lib in (mg, torch)]
    assert_close(*losses)


def test_ctc_loss_through_log_softmax_has_the_true_gradient():
    """PyTorch's gradient adds exp(log_probs) to the derivative; log_softmax's backward removes
    it, so the gradient reaching the logits is the loss's own: finite differences agree."""
    rng = np.random.default_rng(1)
    logits = mg.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    targets, lengths = mg.tensor([[1, 1], [3, 2]]), (mg.tensor([5, 4]), mg.tensor([2, 1]))
    assert mg.autograd.gradcheck(
        lambda x: mg.nn.functional.ctc_loss(x.log_softmax(2), targets, *lengths), (logits,))


CTC_ARGS = (np.zeros((5, 2, 4), np.float32), np.ones((2, 3), np.int64), np.array([5, 5]),
            np.array([3, 2]))


CHECKING = r" \(while checking arguments for ctc_loss_allocate_outputs\)"


@pytest.mark.parametrize("change, error", [
    ({"blank": 4}, "blank must be in label range"),
    ({"blank": -1}, "blank must be in label range"),
    ({0: np.zeros((5, 2, 4), np.float16)}, "\"ctc_loss_cpu\" not implemented for 'Half'"),
    ({0: np.zeros((0, 2, 4), np.float32)}, "log_probs tensor must not be empty"),
    ({0: np.zeros((1, 5, 2, 4), np.float32)},
     r"Expected 3-dimensional tensor, but got 5-dimensional tensor for argument #1 'log_probs'"
     + CHECKING),
    ({1: np.ones((1, 2, 3), np.int64)},
     r"Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 'targets'"
     + CHECKING),
    ({1: np.ones((1, 3), np.int64)},
     r"Expected tensor to have size 2 at dimension 0, but got size 1 for argument #2 'targets'"
     + CHECKING),
    ({1: np.ones(4, np.int64)},
     r"Expected tensor to have size 5 at dimension 0, but got size 4 for argument #2 'targets'"
     + CHECKING),
    ({3: np.array([4, 2])}, r"Expected tensor to have size at least 4 at dimension 1, but got "
                            r"size 3 for argument #2 'targets'" + CHECKING),
    ({3: np.array([-1, 2])}, "Expected target_lengths to have value at least 0, but got value -1"
     + CHECKING),
    ({2: np.array([5, 6])}, "Expected input_lengths to have value at most 5, but got value 6"
     + CHECKING),
    ({2: np.array([-1, 5])}, "Expected input_lengths to have value at least 0, but got value -1"
     + CHECKING),
    ({2: np.array([5, 5, 5])}, "input_lengths must be of size batch_size"),
    ({3: np.array([3])}, "target_lengths must be of size batch_size"),
    ({2: np.array([5.0, 5.0])}, "input_lengths must be integral"),
    ({3: np.array([True, True])}, "target_lengths must be integral"),
    ({"reduction": "bad"}, "bad is not a valid value for reduction"),
])
def test_ctc_loss_refuses_what_does_not_fit_like_torch(change, error):
    """The whole message, as PyTorch's."""
    args = [change.get(i, a) for i, a in enumerate(CTC_ARGS)]
    kwargs = {k: v for k, v in change.items() if isinstance(k, str)}
    assert_raises_like_torch(lambda lib, *t: lib.nn.functional.ctc_loss(*t, **kwargs),
                             Call(tuple(args)), f"^{error}$")


@pytest.mark.parametrize("lengths, wrong", [
    ((3, 1), "int"), (((3,), 1.0), "float"), (("3", (1,)), "str"), (((3.0,), (1,)), "tuple"),
    (((True,), (1,)), "tuple"), (([[3]], (1,)), "list"), ((("3",), (1,)), "tuple"),
], ids=repr)
def test_ctc_loss_lengths_must_be_tensors_or_tuples_of_ints_like_torch(lengths, wrong):
    """A TypeError that names the function and the type of the length that is neither. (Not
    PyTorch's whole message, which lists ctc_loss's two signatures.)"""
    for lib in (mg, torch):
        with pytest.raises(TypeError, match=rf"^ctc_loss\(\)[^!]*\b{wrong}\b"):
            lib.nn.functional.ctc_loss(lib.zeros(3, 2), lib.ones(1, dtype=lib.int64), *lengths)


@pytest.mark.parametrize("length", [lambda lib: lib.tensor(3.0), lambda lib: lib.tensor([3, 3])],
                         ids=["float", "two elements"])
def test_ctc_loss_lengths_hold_tensors_of_one_integral_element_only_like_torch(length):
    for lib in (mg, torch):
        with pytest.raises(TypeError, match=r"^ctc_loss\(\)[^!]*\btuple\b"):
            lib.nn.functional.ctc_loss(lib.zeros(3, 2), lib.ones(1, dtype=lib.int64),
                                       (length(lib),), (1,))


@pytest.mark.parametrize("targets", [[[0, 4], [2, 9]], [0, 4, 2]], ids=["padded", "concatenated"])
def test_ctc_loss_refuses_a_label_that_is_no_class(targets):
    """PyTorch does not check, and reads past the row of log probabilities (its result is
    garbage); minigrad says which label is wrong (the first, and 0 is a class)."""
    with pytest.raises(IndexError, match="^target 4 is out of bounds for 4 classes$"):
        mg.nn.functional.ctc_loss(mg.zeros(5, 2, 4), mg.tensor(targets), (5, 5), (2, 1))

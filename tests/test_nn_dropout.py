"""Dropout by its properties: its random masks cannot match PyTorch's generator, so the tests
pin what both libraries guarantee (the fraction dropped, the exact scale of what is kept, the
gradient, eval mode, p = 0 and p = 1, the errors) and that `mg.manual_seed` makes the masks
reproducible. The deterministic parts are compared with PyTorch directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from factory import assert_raises_like_torch
from hypothesis import given
from hypothesis import strategies as st
from strategies import Call, arrays, float_dtypes
from support import assert_close
from test_nn_modules import check_module_against_torch

import minigrad as mg
import minigrad.nn  # noqa: F401  (mg.nn, until minigrad/__init__ imports it)

probabilities = st.floats(0.05, 0.95)
seeds = st.integers(0, 2**32 - 1)


def _dropout(p: float, seed: int, dtype: np.dtype, n: int = 20_000) -> tuple[np.ndarray, ...]:
    """(x, y, x.grad) for y = F.dropout(x, p) on n values away from 0, upstream gradient 1."""
    mg.manual_seed(seed)
    x = np.linspace(0.5, 2.0, n).astype(dtype)
    t = mg.tensor(x, requires_grad=True)
    y = mg.nn.functional.dropout(t, p)
    y.sum().backward()
    return x, y.detach().numpy(), t.grad.numpy()


@given(p=probabilities, seed=seeds)
def test_each_element_is_dropped_with_probability_p(p, seed):
    _, y, _ = _dropout(p, seed, np.dtype(np.float32))
    dropped = np.mean(y == 0)
    # Six standard deviations of a binomial proportion: a false alarm is practically impossible.
    assert abs(dropped - p) < 6 * np.sqrt(p * (1 - p) / y.size)


@given(p=probabilities, seed=seeds, dtype=float_dtypes())
def test_kept_values_are_scaled_by_one_over_one_minus_p_computed_in_the_dtype_as_torch(
    p, seed, dtype
):
    """PyTorch multiplies by 1 / (1-p) computed in the input's dtype, 1 / dtype(1 - p), which
    can differ from dtype(1 / (1 - p)) by an ulp (checked here on its own output too), so the
    kept values agree bit for bit."""
    x, y, _ = _dropout(p, seed, dtype)
    scale = dtype.type(1) / dtype.type(1 - p)
    kept = y != 0
    np.testing.assert_array_equal(y[kept], x[kept] * scale)
    torch.manual_seed(seed)
    theirs = torch.nn.functional.dropout(torch.tensor(x), p).numpy()
    np.testing.assert_array_equal(theirs[theirs != 0], x[theirs != 0] * scale)


@given(p=probabilities, seed=seeds, dtype=float_dtypes(), data=st.data())
def test_the_gradient_is_the_mask_over_one_minus_p(p, seed, dtype, data):
    x = data.draw(arrays(dtype, (4, 5), low=0.5, high=2), label="x")
    g = data.draw(arrays(dtype, (4, 5)), label="upstream")
    mg.manual_seed(seed)
    t = mg.tensor(x, requires_grad=True)
    y = mg.nn.Dropout(p)(t)
    y.backward(mg.tensor(g))
    mask = (y.detach().numpy() != 0) * (dtype.type(1) / dtype.type(1 - p))
    np.testing.assert_array_equal(t.grad.numpy(), g * mask)


@given(seed=seeds, p=probabilities)
def test_manual_seed_makes_the_masks_reproducible(seed, p):
    first = _dropout(p, seed, np.dtype(np.float32), n=1000)[1]
    again = _dropout(p, seed, np.dtype(np.float32), n=1000)[1]
    other = _dropout(p, seed + 1, np.dtype(np.float32), n=1000)[1]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])
def test_eval_mode_training_false_and_p_zero_return_the_input_itself(lib):
    x = lib.ones(3, 4, requires_grad=True)
    assert lib.nn.Dropout(0.5).eval()(x) is x
    assert lib.nn.functional.dropout(x, 0.5, training=False) is x
    assert lib.nn.functional.dropout(x, 0.0) is x
    assert lib.nn.Dropout(0.0)(x) is x


def test_the_functional_form_defaults_to_training_and_the_module_starts_in_training_mode():
    for lib in (mg, torch):
        x = lib.ones(1000)
        assert (lib.nn.functional.dropout(x) == 0).any()
        assert lib.nn.Dropout().training


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_p_one_multiplies_by_zero_so_nan_and_inf_stay_visible_like_torch(dtype):
    x = np.array([1.0, -2.0, np.inf, np.nan], dtype)
    results = []
    for lib in (mg, torch):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.dropout(t, 1.0)
        assert y.grad_fn is not None
        y.backward(lib.ones(4, dtype=lib.float64 if dtype == np.float64 else lib.float32))
        results.append((y, t.grad))
    assert_close(results[0][0], results[1][0])
    assert_close(results[0][1], results[1][1])


@pytest.mark.parametrize("p", [-0.1, 1.1])
def test_p_outside_zero_one_raises_value_error_even_when_not_training(p):
    x = np.ones(3, np.float32)
    match = f"dropout probability has to be between 0 and 1, but got {p}"
    assert_raises_like_torch(lambda lib: lib.nn.Dropout(p), Call(()), match)
    assert_raises_like_torch(lambda lib, x: lib.nn.functional.dropout(x, p, False), Call((x,)),
                             match)


@pytest.mark.parametrize("kwargs", [{}, {"training": False}, {"inplace": True},
                                    {"training": False, "inplace": True}])
def test_a_nan_p_raises_runtime_error_even_when_not_training_like_torch(kwargs):
    x = np.ones(3, np.float32)
    assert_raises_like_torch(
        lambda lib, x: lib.nn.functional.dropout(x, float("nan"), **kwargs), Call((x,)),
        r"^dropout probability has to be between 0 and 1, but got nan$")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inplace_dropout_with_p_one_zeroes_its_input_itself_like_torch(dtype):
    """x.mul_(0): the input itself returned, its inf and nan made nan."""
    x = np.array([1.0, -2.0, np.inf, np.nan], dtype)
    results = []
    for lib in (mg, torch):
        t = lib.tensor(x)
        assert lib.nn.functional.dropout(t, 1.0, inplace=True) is t
        results.append(t.numpy())
    np.testing.assert_array_equal(*results)
    assert (np.signbit(results[0]) == np.signbit(results[1])).all()


def test_a_non_number_p_raises_type_error():
    assert_raises_like_torch(lambda lib: lib.nn.Dropout("a"), Call(()), "not supported")


@pytest.mark.parametrize("kwargs", [{}, {"inplace": True}, {"training": False},
                                    {"training": False, "inplace": True}])
def test_a_list_raises_torchs_type_error_naming_the_form_called(kwargs):
    """dropout_ when inplace, dropout otherwise, in training or not."""
    name = "dropout_" if kwargs.get("inplace") else "dropout"
    match = rf"^{name}\(\): argument 'input' \(position 1\) must be Tensor, not list$"
    for lib in (torch, mg):
        with pytest.raises(TypeError, match=match):
            lib.nn.functional.dropout([1.0, 2.0], **kwargs)


def test_an_integer_tensor_is_rejected_in_training_but_passes_through_otherwise():
    ints = np.ones(3, np.int64)
    assert_raises_like_torch(lambda lib, x: lib.nn.functional.dropout(x, 0.5), Call((ints,)),
                             "result type Float can't be cast to the desired output type Long")
    for lib in (mg, torch):
        x = lib.tensor(ints)
        assert lib.nn.functional.dropout(x, 0.5, training=False) is x
        assert (lib.nn.functional.dropout(x, 1.0).numpy() == 0).all()


def test_inplace_dropout_overwrites_and_returns_its_input():
    mg.manual_seed(0)
    leaf = mg.ones(1000, requires_grad=True)
    hidden = leaf * 1
    out = mg.nn.Dropout(0.5, inplace=True)(hidden)
    assert out is hidden
    out.sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), out.detach().numpy())
    assert_raises_like_torch(
        lambda lib, x: lib.nn.functional.dropout(x.requires_grad_(), 0.5, inplace=True),
        Call((np.ones(3, np.float32),)), "a leaf Variable that requires grad",
    )


@given(dtype=float_dtypes(), n=st.integers(1, 4), data=st.data())
def test_the_dropout_network_matches_torch_in_eval_mode(dtype, n, data):
    """The tutorial's network; in eval mode Dropout is the identity, so both libraries agree."""

    def build(nn):
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3)).eval()

    x = data.draw(arrays(dtype, (n, 4)), label="x")
    check_module_against_torch(build, [x], dtype, data)


def test_the_repr_shows_p_and_inplace_like_torch():
    for args in [(), (0.2,), (0, True), (1,)]:
        assert repr(mg.nn.Dropout(*args)) == repr(torch.nn.Dropout(*args))

"""minigrad's random numbers are PyTorch's: after the same seed, every draw is bit for bit equal
(minigrad/random.py reproduces PyTorch's MT19937 stream and its recipes)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

seeds = st.integers(-(2**63), 2**64 - 1)
sizes = st.integers(0, 70)  # both normal paths: one at a time (< 16) and blocks of 16
float_dtypes = st.sampled_from(["float32", "float64", "float16"])


def same(a, b):
    return np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


def seeded(seed):
    mg.manual_seed(seed)
    torch.manual_seed(seed)


@settings(max_examples=40, deadline=None)
@given(seeds, sizes, float_dtypes)
def test_rand_and_randn_equal_pytorch_after_manual_seed(seed, n, dtype):
    seeded(seed)
    assert same(mg.rand(n, dtype=getattr(mg, dtype)), torch.rand(n, dtype=getattr(torch, dtype)))
    assert same(mg.randn(n, 2, dtype=getattr(mg, dtype)),
                torch.randn(n, 2, dtype=getattr(torch, dtype)))
    assert same(mg.rand(3), torch.rand(3))  # the generators are still in step
    assert mg.initial_seed() == torch.initial_seed()


@settings(max_examples=40, deadline=None)
@given(seeds, st.lists(st.sampled_from(
    ["rand", "randn", "randn64", "randint", "randint_big", "randperm", "normal", "uniform_",
     "normal_", "bernoulli_", "random_", "exponential_", "multinomial", "multinomial_r"]),
    min_size=1, max_size=8), st.integers(1, 40))
def test_a_sequence_of_mixed_draws_stays_in_step_with_pytorch(seed, ops, n):
    seeded(seed)
    for op in ops:
        results = []
        for lib in (mg, torch):
            if op == "rand":
                results.append(lib.rand(n))
            elif op == "randn":
                results.append(lib.randn(n))
            elif op == "randn64":
                results.append(lib.randn(n, dtype=lib.float64))
            elif op == "randint":
                results.append(lib.randint(-3, 50, (n,)))
            elif op == "randint_big":
                results.append(lib.randint(0, 2**40, (n,)))
            elif op == "randperm":
                results.append(lib.randperm(n))
            elif op == "normal":
                results.append(lib.normal(0.5, 2.0, (n,)))
            elif op == "uniform_":
                results.append(lib.empty(n).uniform_(-2.5, 0.7))
            elif op == "normal_":
                results.append(lib.empty(n, dtype=lib.float64).normal_(1.0, 3.0))
            elif op == "bernoulli_":
                results.append(lib.empty(n).bernoulli_(0.3))
            elif op == "random_":
                results.append(lib.empty(n, dtype=lib.int64).random_())
            elif op == "exponential_":
                results.append(lib.empty(n).exponential_(2.0))
            else:
                weights = lib.arange(1.0, 8.0).repeat(2, 1)
                results.append(lib.multinomial(weights, 5 if op == "multinomial" else 9,
                                               replacement=op == "multinomial_r"))
        assert same(*results), op
    assert np.array_equal(mg.get_rng_state().numpy(), torch.get_rng_state().numpy())


@settings(max_examples=20, deadline=None)
@given(seeds, st.integers(1, 30), st.integers(1, 30))
def test_default_initialisation_and_init_functions_equal_pytorch(seed, fan_in, fan_out):
    seeded(seed)
    for layer, args in [("Linear", (fan_in, fan_out)), ("Bilinear", (fan_in, 2, fan_out))]:
        for a, b in zip(getattr(mg.nn, layer)(*args).parameters(),
                        getattr(torch.nn, layer)(*args).parameters(), strict=True):
            assert same(a, b), layer
    for name in ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                 "kaiming_normal_"]:
        assert same(getattr(mg.nn.init, name)(mg.empty(fan_out, fan_in)),
                    getattr(torch.nn.init, name)(torch.empty(fan_out, fan_in))), name


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (1.0, 1.5)])
def test_a_float16_uniform_draw_rounded_up_to_its_bound_is_the_lower_bound_as_pytorch(low, high):
    """PyTorch draws a float16 in float32 (24 bits) and rounds it; a draw rounded up to `high`
    becomes `low` (3000 draws reach a few of them after seed 0)."""
    seeded(0)
    assert same(mg.empty(3000, dtype=mg.float16).uniform_(low, high),
                torch.empty(3000, dtype=torch.float16).uniform_(low, high))
    assert same(mg.rand(3000, dtype=mg.float16), torch.rand(3000, dtype=torch.float16))


@settings(max_examples=20, deadline=None)
@given(seeds, st.integers(1, 50), st.floats(0.05, 0.95))
def test_dropout_masks_equal_pytorch_on_a_non_intel_cpu(seed, n, p):
    # (on an Intel CPU PyTorch draws bernoulli_(float) with MKL instead: see random_ops.bernoulli_)
    x = np.linspace(-1, 1, n, dtype=np.float32)
    seeded(seed)
    assert same(mg.nn.functional.dropout(mg.tensor(x), p), torch.nn.functional.dropout(
        torch.tensor(x), p))


@settings(max_examples=20, deadline=None)
@given(seeds, st.integers(0, 3000))
def test_generators_are_independent_and_their_state_is_pytorchs(seed, n):
    g, h = mg.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
    assert same(mg.randperm(n, generator=g), torch.randperm(n, generator=h))
    assert np.array_equal(g.get_state().numpy(), h.get_state().numpy())
    torch.randn(5, dtype=torch.float64, generator=h)  # leaves a cached normal in the state
    g.set_state(mg.tensor(h.get_state().numpy()))
    assert same(mg.randn(3, dtype=mg.float64, generator=g),
                torch.randn(3, dtype=torch.float64, generator=h))
    assert g.initial_seed() == h.initial_seed()


def test_a_new_generator_and_bad_states_as_pytorch():
    assert mg.Generator().initial_seed() == torch.Generator().initial_seed()
    for bad in (mg.zeros(10, dtype=mg.uint8), mg.zeros(5056)):
        try:
            torch.set_rng_state(torch.tensor(bad.numpy()))
        except (RuntimeError, TypeError) as e:
            expected = e
        try:
            mg.set_rng_state(bad)
        except (RuntimeError, TypeError) as e:
            assert type(e) is type(expected) and str(e) == str(expected)
        else:
            raise AssertionError("no error")


def test_rand_of_a_million_is_fast():
    import time
    start = time.perf_counter()
    mg.rand(10**6)
    assert time.perf_counter() - start < 0.1


@given(st.data(), st.sampled_from(["float32", "float64", "int64"]),
       st.integers(-1, 5), st.booleans(), st.integers(0, 2**32 - 1))
def test_multinomial_refuses_what_torch_refuses_and_draws_what_it_draws(data, dtype, num_samples,
                                                                        replacement, seed):
    """Bad weights (negative, inf, nan, all zero, empty, 3-D, integer) and sample counts give
    PyTorch's RuntimeError with its message, in its order; good ones its indices (but for
    ties, see below)."""
    shape = data.draw(st.sampled_from([(0,), (1,), (4,), (2, 3), (3, 1), (1, 1, 2)]))
    values = st.sampled_from([0.0, 0.5, 1.0, 2.0, -1.0, float("inf"), float("nan")])
    if dtype == "int64":
        values = st.sampled_from([0, 1, 2])
    weights = np.array(data.draw(st.lists(values, min_size=int(np.prod(shape)),
                                          max_size=int(np.prod(shape))))).reshape(shape)
    outcomes = []
    for lib in (mg, torch):
        lib.manual_seed(seed)
        try:
            drawn = lib.multinomial(lib.tensor(weights, dtype=getattr(lib, dtype)), num_samples,
                                    replacement)
            outcomes.append(drawn.tolist())
        except RuntimeError as error:
            outcomes.append(str(error))
    ours, theirs = outcomes
    if isinstance(theirs, list) and not replacement and num_samples > 1:
        # Past a row's positive weights, the zero ones tie (0 / q = 0) and PyTorch's topk
        # picks among them as its C++ library's partial sort does (README, Differences):
        # those picks are any of the zero-weight categories, each once.
        rows = np.atleast_2d(weights)
        ours, theirs = np.atleast_2d(ours).tolist(), np.atleast_2d(theirs).tolist()
        for row, mine, reference in zip(rows, ours, theirs, strict=True):
            positive = int((row > 0).sum())
            assert mine[:positive] == reference[:positive]
            assert len(set(mine[positive:])) == len(mine[positive:])
            assert set(mine[positive:]) <= set(np.flatnonzero(row == 0).tolist())
        return
    assert ours == theirs

"""`minigrad bench`: every workload's three implementations (minigrad, PyTorch, the hand-written
NumPy floor) compute the same training step, and the command checks, times and reports.

No timing is asserted anywhere: timings belong to the machine, not to the code.
"""

from __future__ import annotations

import dataclasses

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from support import assert_close

from minigrad.bench import WORKLOADS, floor, temperature
from minigrad.bench.harness import first_steps
from minigrad.bench.workload import Config, Workload
from minigrad.cli import main


def assert_same_step(workload: Workload, seed: int = 0, config: Config | None = None) -> None:
    """minigrad and the floor give PyTorch's first-step loss, every gradient (after clipping)
    and the loss of the second step, from the same weights and data."""
    results = first_steps(workload, seed, config)
    expected = results["torch"]
    assert any(name.startswith("grad ") for name in expected)
    for library in ("minigrad", "numpy"):
        assert results[library].keys() == expected.keys(), library
        for name, value in expected.items():
            assert_close(results[library][name], value, what=f"{workload.key} {library} {name}")


# ---------------------------------------------------------------------- the benchmarked steps
@pytest.mark.parametrize("key", list(WORKLOADS))
def test_benchmarked_step_is_the_same_on_minigrad_torch_and_numpy(key):
    assert_same_step(WORKLOADS[key])


RNN_CONFIGS = st.fixed_dictionaries({
    "batch": st.integers(1, 6),
    "length": st.integers(1, 8),
    "input_size": st.integers(1, 5),
    "hidden_size": st.integers(1, 6),
})

MLP_CONFIGS = st.fixed_dictionaries({
    "widths": st.lists(st.integers(1, 12), min_size=2, max_size=4).map(tuple),
    "batch": st.integers(1, 8),
    "dropout": st.one_of(st.just(0.0), st.just(0.5), st.floats(0.05, 0.9)),
    "optimizer": st.sampled_from(["adam", "sgd"]),
    "lr": st.sampled_from([1e-3, 1e-2, 0.1]),
})

CHAIN_CONFIGS = st.fixed_dictionaries({"size": st.integers(1, 20), "cycles": st.integers(1, 20)})


@settings(max_examples=25)
@given(config=RNN_CONFIGS, seed=st.integers(0, 2**32 - 1))
def test_rnn_step_agrees_with_torch_for_any_sizes(config, seed):
    """The hand-written backpropagation through time, clipping and Adam, and minigrad's RNN."""
    assert_same_step(WORKLOADS["W2"], seed, config)


@settings(max_examples=25)
@given(config=RNN_CONFIGS, seed=st.integers(0, 2**32 - 1), key=st.sampled_from(["W6", "W8"]))
def test_lstm_and_gru_steps_agree_with_torch_for_any_sizes(config, seed, key):
    """The hand-written backpropagation through time of the LSTM and GRU floors, and
    minigrad's LSTM and GRU."""
    assert_same_step(WORKLOADS[key], seed, config)


@settings(max_examples=25)
@given(config=MLP_CONFIGS, seed=st.integers(0, 2**32 - 1))
def test_mlp_step_agrees_with_torch_for_any_widths_dropout_and_optimizer(config, seed):
    """The hand-written cross-entropy, ReLU, dropout (the same masks) and Linear backward."""
    assert_same_step(WORKLOADS["W3"], seed, config)


@settings(max_examples=25)
@given(config=CHAIN_CONFIGS, seed=st.integers(0, 2**32 - 1))
def test_elementwise_chain_agrees_with_torch_for_any_length(config, seed):
    assert_same_step(WORKLOADS["OP"], seed, config)


# ---------------------------------------------------------------------- the floor's optimizers
def gradient_steps(shape_min_dims: int = 0):
    """A parameter and the gradients of a few steps, float32, all of one drawn shape."""
    return hnp.array_shapes(min_dims=shape_min_dims, max_dims=3, max_side=5).flatmap(
        lambda shape: st.tuples(
            hnp.arrays(np.float32, shape, elements=st.floats(-2, 2, width=32)),
            st.lists(hnp.arrays(np.float32, shape, elements=st.floats(-10, 10, width=32)),
                     min_size=1, max_size=4),
        )
    )


# Betas as used in practice (the benchmarks use the defaults, 0.9 and 0.999). With β1 near 0,
# PyTorch's lerp rounds its weight in float32, so that 1 - (1 - β1) differs from β1 by 0.1%; a
# zero gradient then gives an update m / eps that magnifies that rounding a thousandfold. The
# floor writes the textbook formula and does not imitate that rounding.
@given(case=gradient_steps(), lr=st.sampled_from([1e-3, 1e-2, 0.1]),
       betas=st.tuples(st.floats(0.5, 0.99), st.floats(0.9, 0.9999)),
       eps=st.sampled_from([1e-8, 1e-6, 1e-3]))
def test_floor_adam_follows_torch_adam_step_for_step(case, lr, betas, eps):
    start, grads = case
    param = torch.tensor(start, requires_grad=True)
    reference = torch.optim.Adam([param], lr=lr, betas=betas, eps=eps)
    params = {"p": start.copy()}
    adam = floor.Adam(params, lr=lr, betas=betas, eps=eps)
    for g in grads:
        param.grad = torch.from_numpy(g.copy())
        reference.step()
        adam.step({"p": g})
        assert_close(params["p"], param)


@given(case=gradient_steps(), lr=st.sampled_from([1e-3, 1e-2, 0.1]))
def test_floor_sgd_follows_torch_sgd(case, lr):
    start, grads = case
    param = torch.tensor(start, requires_grad=True)
    reference = torch.optim.SGD([param], lr=lr)
    params = {"p": start.copy()}
    sgd = floor.SGD(params, lr=lr)
    for g in grads:
        param.grad = torch.from_numpy(g.copy())
        reference.step()
        sgd.step({"p": g})
        assert_close(params["p"], param)


@given(case=gradient_steps(), max_norm=st.sampled_from([0.1, 1.0, 5.0, 100.0]))
def test_floor_clipping_scales_all_gradients_as_clip_grad_norm(case, max_norm):
    _, grads = case
    params = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    clipped = {str(i): g.copy() for i, g in enumerate(grads)}
    floor.clip_grad_norm(clipped, max_norm)
    for i, p in enumerate(params):
        assert_close(clipped[str(i)], p.grad)


# ---------------------------------------------------------------------- the command
def test_bench_checks_times_and_prints_the_table(capsys):
    assert main(["bench", "--quick", "--only", "W1", "--repeat", "3"]) == 0
    out = capsys.readouterr().out
    assert "machine: " in out and "PyTorch 2.13.0" in out
    assert "W1 temperature: same loss and gradients" in out
    header = next(line for line in out.splitlines() if line.startswith("workload"))
    assert header.split() == ["workload", "minigrad", "us", "torch", "us", "numpy", "us",
                              "mg/numpy", "torch/numpy", "mg/torch", "target", "met?"]
    (row,) = [line for line in out.splitlines() if line.startswith("W1 temperature (/epoch)")]
    assert row.split()[-2:] in (["3x", "yes"], ["3x", "no"])


def test_bench_tiny_runs_every_workload_and_reports_peak_memory(capsys):
    assert main(["bench", "--tiny", "--repeat", "1", "--markdown"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert [r.split()[1] for r in rows] == ["workload", *WORKLOADS]
    assert "W5 long-rnn peak memory of one step: minigrad " in out


def test_bench_refuses_to_time_implementations_that_disagree(capsys, monkeypatch):
    class FloorFromOtherWeights(temperature.NumpyTemperatureFit):
        def __init__(self, state, config):
            super().__init__(state, config)
            self.params[1] += 0.5

    broken = dataclasses.replace(WORKLOADS["W1"], numpy=FloorFromOtherWeights)
    monkeypatch.setitem(WORKLOADS, "W1", broken)
    assert main(["bench", "--only", "W1"]) == 1
    out = capsys.readouterr().out
    assert "W1 temperature: DIFFERENT" in out
    assert "numpy loss: differs from torch by up to" in out
    assert "not timed" in out and "workload" not in out.split("not timed")[1]


@pytest.mark.parametrize("argv, message", [
    (["--only", "W10"], "unknown workload W10; choose from W1, W2, W3, W4, W5, W6, W7, W8, W9, OP"),
    (["--only", ","], "unknown workload ','"),
    (["--repeat", "0"], "expected an integer >= 1, got '0'"),
    (["--threads", "-1"], "expected an integer >= 0, got '-1'"),
])
def test_bench_rejects_bad_arguments_with_a_one_line_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err

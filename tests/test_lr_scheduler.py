"""minigrad.optim.lr_scheduler against torch.optim.lr_scheduler.

The heart is one factory, `schedule_runs`: it draws a scheduler with its arguments (any of the
fifteen, SequentialLR and ChainedScheduler with drawn inner schedulers), an optimizer with one
or two parameter groups, and a training script (how many steps, whether the first
scheduler.step() comes before optimizer.step(), deprecated `step(epoch)` calls, a checkpoint
round trip). `script` runs it with either library and writes down everything observable: the
lrs after each step (get_last_lr() and every group's hyperparameters, so momentum and betas
too), the warnings, the state_dict (its keys in order, and as it is after loading it), an
exception if one is raised. The two records must be equal: the lrs as Python floats, bit for
bit.
"""

from __future__ import annotations

import copy
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import given, settings

import minigrad as mg

# Group keys only PyTorch has (implementation switches minigrad does not offer).
TORCH_ONLY_GROUP_KEYS = {
    "foreach", "differentiable", "fused", "capturable", "decoupled_weight_decay",
}


# The functions LambdaLR and MultiplicativeLR are drawn with (plain functions: their
# state_dict entry is None in both libraries).
def exponential_decay(epoch: int) -> float:
    return 0.95**epoch


def inverse_time(epoch: int) -> float:
    return 1.0 / (1.0 + 0.3 * epoch)


def warmup_then_flat(epoch: int) -> float:
    return min(1.0, (epoch + 1) / 5)


def shrink(epoch: int) -> float:
    return 0.9 if epoch % 3 else 1.0


LAMBDAS = [exponential_decay, inverse_time, warmup_then_flat, shrink]


class Scale:
    """A callable object as CyclicLR's scale_fn: its attributes go into the state_dict."""

    def __init__(self, base: float) -> None:
        self.base = base

    def __call__(self, x: float) -> float:
        return self.base**x


@dataclass
class Spec:
    """A scheduler to build: its class name and arguments (inner Specs for the composites)."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def build(lib: Any, spec: Spec, optimizer: Any, **extra: Any) -> Any:
    """`spec` built with `lib` (minigrad or torch) on `optimizer`."""
    cls = getattr(lib.optim.lr_scheduler, spec.name)
    kwargs = dict(spec.kwargs, **extra)
    if spec.name == "SequentialLR":
        kwargs["schedulers"] = [build(lib, s, optimizer) for s in kwargs["schedulers"]]
        return cls(optimizer, **kwargs)
    if spec.name == "ChainedScheduler":
        return cls([build(lib, s, optimizer) for s in kwargs["schedulers"]])
    return cls(optimizer, **kwargs)


# ------------------------------------------------------------------------------- strategies
def one_or_per_group(values: st.SearchStrategy[float], groups: int) -> st.SearchStrategy[Any]:
    """A value for every group, or a list of one per group."""
    return st.one_of(values, st.lists(values, min_size=groups, max_size=groups))


GAMMA = st.floats(0.05, 1.0)
FACTOR = st.floats(0.01, 1.0)
ITERS = st.integers(1, 20)
ETA_MIN = st.one_of(st.just(0.0), st.floats(1e-5, 1e-3))


@st.composite
def specs(draw, groups: int, composite: bool = True) -> Spec:
    """Any scheduler, each about as often; `composite=False` leaves out those that hold
    others and ReduceLROnPlateau (SequentialLR and ChainedScheduler refuse it)."""
    # ReduceLROnPlateau comes first: Hypothesis favours the first entries (at the end of the
    # list it was drawn about 5 times in 300).
    names = [
        "ReduceLROnPlateau" if composite else "StepLR", "StepLR", "MultiStepLR", "ConstantLR",
        "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
        "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR",
        "LambdaLR", "MultiplicativeLR",
    ]
    if composite:
        names += ["SequentialLR", "ChainedScheduler"]
    name = draw(st.sampled_from(names))
    if name == "ReduceLROnPlateau":
        return draw(plateau_specs(groups))
    kwargs: dict[str, Any]
    if name == "StepLR":
        kwargs = dict(step_size=draw(st.integers(1, 10)), gamma=draw(GAMMA))
    elif name == "MultiStepLR":
        kwargs = dict(milestones=sorted(draw(st.lists(st.integers(1, 40), max_size=5))),
                      gamma=draw(GAMMA))
    elif name == "ConstantLR":
        kwargs = dict(factor=draw(FACTOR), total_iters=draw(ITERS))
    elif name == "LinearLR":
        kwargs = dict(start_factor=draw(FACTOR), end_factor=draw(st.floats(0.0, 1.0)),
                      total_iters=draw(ITERS))
    elif name == "ExponentialLR":
        kwargs = dict(gamma=draw(st.floats(0.5, 1.0)))
    elif name == "PolynomialLR":
        kwargs = dict(total_iters=draw(ITERS), power=draw(st.floats(0.1, 3.0)))
    elif name == "CosineAnnealingLR":
        kwargs = dict(T_max=draw(ITERS), eta_min=draw(ETA_MIN))
    elif name == "CosineAnnealingWarmRestarts":
        kwargs = dict(T_0=draw(st.integers(1, 10)), T_mult=draw(st.integers(1, 3)),
                      eta_min=draw(ETA_MIN))
    elif name == "CyclicLR":
        kwargs = dict(
            base_lr=draw(one_or_per_group(st.floats(1e-4, 1e-2), groups)),
            max_lr=draw(one_or_per_group(st.floats(1e-2, 0.5), groups)),
            step_size_up=draw(st.integers(1, 10)),
            step_size_down=draw(st.one_of(st.none(), st.integers(1, 10))),
            mode=draw(st.sampled_from(["triangular", "triangular2", "exp_range"])),
            gamma=draw(st.floats(0.9, 1.0)),
            cycle_momentum=draw(st.booleans()),
            base_momentum=draw(st.floats(0.5, 0.85)),
            max_momentum=draw(st.floats(0.85, 0.99)),
        )
        if draw(st.booleans()):
            kwargs.update(scale_fn=Scale(draw(st.floats(0.8, 1.0))),
                          scale_mode=draw(st.sampled_from(["cycle", "iterations"])))
    elif name == "OneCycleLR":
        kwargs = dict(
            max_lr=draw(one_or_per_group(st.floats(1e-2, 1.0), groups)),
            pct_start=draw(st.floats(0.0, 1.0)),
            anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
            cycle_momentum=draw(st.booleans()),
            base_momentum=draw(st.floats(0.5, 0.85)),
            max_momentum=draw(st.floats(0.85, 0.99)),
            div_factor=draw(st.floats(1.0, 50.0)),
            final_div_factor=draw(st.floats(1.0, 1e4)),
            three_phase=draw(st.booleans()),
        )
        if draw(st.booleans()):
            kwargs["total_steps"] = draw(st.integers(1, 60))
        else:
            kwargs.update(epochs=draw(st.integers(1, 6)), steps_per_epoch=draw(st.integers(1, 10)))
    elif name in ("LambdaLR", "MultiplicativeLR"):
        function = st.sampled_from(LAMBDAS)
        kwargs = dict(lr_lambda=draw(st.one_of(
            function, st.lists(function, min_size=groups, max_size=groups))))
    elif name == "SequentialLR":
        count = draw(st.integers(1, 3))
        inner = [draw(specs(groups, composite=False)) for _ in range(count)]
        milestones = sorted(draw(st.lists(st.integers(1, 25), min_size=count - 1,
                                          max_size=count - 1, unique=True)))
        kwargs = dict(schedulers=inner, milestones=milestones)
    else:  # ChainedScheduler
        count = draw(st.integers(1, 3))
        kwargs = dict(schedulers=[draw(specs(groups, composite=False)) for _ in range(count)])
    return Spec(name, kwargs)


@st.composite
def plateau_specs(draw, groups: int) -> Spec:
    return Spec("ReduceLROnPlateau", dict(
        mode=draw(st.sampled_from(["min", "max"])),
        factor=draw(st.floats(0.0, 0.9)),
        patience=draw(st.integers(0, 5)),
        threshold=draw(st.sampled_from([1e-4, 0.0, 0.05, 0.5])),
        threshold_mode=draw(st.sampled_from(["rel", "abs"])),
        cooldown=draw(st.integers(0, 3)),
        min_lr=draw(one_or_per_group(st.sampled_from([0.0, 1e-4, 1e-3]), groups)),
        eps=draw(st.sampled_from([1e-8, 0.0, 1e-3])),
    ))


@dataclass
class ScheduleRun:
    """One drawn script: what both libraries are asked to do."""

    spec: Spec
    optimizer: str  # "SGD" or "Adam"
    lrs: list[float]  # one per parameter group
    steps: int
    scheduler_first: bool  # the first scheduler.step() comes before optimizer.step()
    epochs: list[int | None]  # per step: None, or the deprecated step(epoch)
    metrics: list[float]  # ReduceLROnPlateau's, one per step
    checkpoint_at: int | None  # rebuild from state_dicts after this step
    resume_with_last_epoch: bool  # ... as Scheduler(..., last_epoch=k), not load_state_dict


CLOSED_FORMS = {"StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
                "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts"}
RESUMABLE = CLOSED_FORMS | {"CyclicLR", "OneCycleLR", "LambdaLR", "MultiplicativeLR"}


@st.composite
def schedule_runs(draw) -> ScheduleRun:
    groups = draw(st.integers(1, 2))
    spec = draw(specs(groups))
    steps = draw(st.integers(0, 60))
    epochs: list[int | None] = [None] * steps
    if spec.name in CLOSED_FORMS and draw(st.booleans()):
        epochs = draw(st.lists(st.one_of(st.none(), st.integers(0, 60)),
                               min_size=steps, max_size=steps))
    checkpoint_at = draw(st.one_of(st.none(), st.integers(0, steps)))
    return ScheduleRun(
        spec=spec,
        optimizer=draw(st.sampled_from(["SGD", "Adam"])),
        lrs=draw(st.lists(st.floats(1e-3, 0.5), min_size=groups, max_size=groups)),
        steps=steps,
        scheduler_first=draw(st.booleans()),
        epochs=epochs,
        metrics=draw(st.lists(st.sampled_from([1.0, 0.99995, 0.9, 0.5, 2.0, 3.0]),
                              min_size=steps, max_size=steps)),
        checkpoint_at=checkpoint_at,
        resume_with_last_epoch=spec.name in RESUMABLE and draw(st.booleans()),
    )


# -------------------------------------------------------------------------- the script
def make_optimizer(lib: Any, run: ScheduleRun, params: list[Any]) -> Any:
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, run.lrs)]
    if run.optimizer == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups)


def groups_of(optimizer: Any) -> list[dict[str, Any]]:
    """Each group's hyperparameters (lr, momentum or betas, initial_lr, max_lr, ...)."""
    return [
        {k: v for k, v in group.items() if k != "params" and k not in TORCH_ONLY_GROUP_KEYS}
        for group in optimizer.param_groups
    ]


def optimizer_state(optimizer: Any) -> dict[str, Any]:
    state = optimizer.state_dict()
    for group in state["param_groups"]:
        for key in TORCH_ONLY_GROUP_KEYS:
            group.pop(key, None)
    return state


def in_order(state: Any) -> Any:
    """A copy of `state` whose dicts are lists of (key, value) pairs, so that comparing two
    copies compares the order of the keys too (== on dicts ignores it)."""
    if isinstance(state, dict):
        return [(key, in_order(value)) for key, value in state.items()]
    if isinstance(state, list):
        return [in_order(value) for value in state]
    return state


def script(lib: Any, run: ScheduleRun) -> list[tuple]:
    """Run `run` with `lib`; the record of everything observable, in order."""
    record: list[tuple] = []
    params = [lib.zeros(2, requires_grad=True) for _ in run.lrs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            optimizer = make_optimizer(lib, run, params)
            scheduler = build(lib, run.spec, optimizer)
            record.append(("start", scheduler.get_last_lr(), groups_of(optimizer)))
            for i in range(run.steps):
                if not (i == 0 and run.scheduler_first):
                    optimizer.step()
                if run.spec.name == "ReduceLROnPlateau":
                    scheduler.step(run.metrics[i])
                elif run.epochs[i] is not None:
                    scheduler.step(run.epochs[i])
                else:
                    scheduler.step()
                record.append((i, scheduler.get_last_lr(), groups_of(optimizer)))
                if i + 1 == run.checkpoint_at:
                    state = scheduler.state_dict()
                    record.append(("state_dict", in_order(state)))
                    optimizer, scheduler = restart(lib, run, params, optimizer, state, i + 1)
                    record.append(("restarted", scheduler.get_last_lr(), groups_of(optimizer)))
                    record.append(("state_dict after loading it", in_order(state)))
            record.append(("state_dict", in_order(scheduler.state_dict())))
        except Exception as error:  # PyTorch's failure is minigrad's failure
            record.append(("raised", type(error).__name__, str(error)))
    record.append(("warnings", [(w.category.__name__, str(w.message)) for w in caught]))
    return record


def restart(lib: Any, run: ScheduleRun, params: list[Any], optimizer: Any,
            state: dict[str, Any], last_epoch: int) -> tuple[Any, Any]:
    """Rebuild the optimizer and the scheduler from their state_dicts, as a checkpoint would."""
    saved = optimizer.state_dict()
    fresh = make_optimizer(lib, run, params)
    if run.resume_with_last_epoch:  # the optimizer's state holds the groups' 'initial_lr'
        fresh.load_state_dict(saved)
        return fresh, build(lib, run.spec, fresh, last_epoch=last_epoch)
    scheduler = build(lib, run.spec, fresh)
    fresh.load_state_dict(saved)
    scheduler.load_state_dict(state)
    return fresh, scheduler


@settings(max_examples=300)
@given(schedule_runs())
def test_schedules_follow_pytorch_step_by_step(run: ScheduleRun) -> None:
    """Lrs, momenta, warnings, state_dicts and failures equal PyTorch's, through a checkpoint."""
    assert script(mg, run) == script(torch, run)


# ------------------------------------------------------------------- single behaviours
def two_group_sgd(lib: Any) -> Any:
    params = [lib.zeros(2, requires_grad=True) for _ in range(2)]
    return lib.optim.SGD([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.01}],
                         lr=0.1, momentum=0.9)


def both(make: Any) -> tuple[Any, Any]:
    """`make(lib)` for minigrad and for PyTorch."""
    return make(mg), make(torch)


def caught_warnings(action: Any) -> list[tuple[str, str, str]]:
    """The warnings `action()` gives: category, message, and the file and line they name."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return [(w.category.__name__, str(w.message), f"{os.path.basename(w.filename)}:{w.lineno}")
            for w in caught]


def test_lr_values_are_python_floats_bit_for_bit() -> None:
    """A long cosine schedule drifts from its closed form by rounding; minigrad drifts the same
    way (it computes the chainable form in PyTorch's order)."""
    def lrs(lib: Any) -> list[float]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=7, eta_min=1e-4)
        out = []
        for _ in range(200):
            optimizer.step()
            scheduler.step()
            out += scheduler.get_last_lr()
        return out

    ours, theirs = both(lrs)
    assert all(type(x) is float for x in ours)
    assert [x.hex() for x in ours] == [x.hex() for x in theirs]


def test_warns_when_scheduler_steps_before_optimizer() -> None:
    def script(lib: Any) -> list[tuple[str, str]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=2)
        return caught_warnings(scheduler.step)

    ours, theirs = both(script)
    assert theirs and ours == theirs
    assert "before `optimizer.step()`" in ours[0][1]


def test_warns_when_optimizer_step_is_replaced_after_the_scheduler() -> None:
    def script(lib: Any) -> list[tuple[str, str]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=2)
        optimizer.step = lambda: None
        return caught_warnings(scheduler.step)

    ours, theirs = both(script)
    assert theirs and ours == theirs


def test_the_optimizer_step_is_wrapped_once_as_in_pytorch() -> None:
    """The first scheduler replaces optimizer.step by a wrapper marked
    `_wrapped_by_lr_sched = True`, which notes that the step ran; a second scheduler on the same
    optimizer keeps that wrapper."""
    def script(lib: Any) -> tuple[bool, Any, bool]:
        optimizer = two_group_sgd(lib)
        lib.optim.lr_scheduler.StepLR(optimizer, step_size=2)
        wrapper = optimizer.step
        lib.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
        wrapper()
        return optimizer.step is wrapper, wrapper._wrapped_by_lr_sched, optimizer._opt_called

    ours, theirs = both(script)
    assert ours == theirs == (True, True, True)


def test_calling_get_lr_directly_warns_to_use_get_last_lr() -> None:
    def script(lib: Any) -> tuple[list, list, int]:
        scheduler = lib.optim.lr_scheduler.ExponentialLR(two_group_sgd(lib), gamma=0.5)
        values: list = []
        read = lambda: values.extend(scheduler.get_lr())  # noqa: E731
        return caught_warnings(read), values, read.__code__.co_firstlineno

    ours, theirs = both(script)
    assert theirs[0] and ours[1] == theirs[1]
    assert [w[:2] for w in ours[0]] == [w[:2] for w in theirs[0]]
    # PyTorch's warning names a line of its own lr_scheduler.py; minigrad's names the caller's.
    assert [w[2] for w in ours[0]] == [f"{os.path.basename(__file__)}:{ours[2]}"]


@pytest.mark.parametrize("last_epoch", [-1, 0, 3])
def test_get_lr_called_right_after_the_constructor_gives_pytorchs_lrs(last_epoch: int) -> None:
    """Outside step(), get_lr() computes the lrs from the state as it is. Right after the
    constructor of a resumed CosineAnnealingLR (last_epoch > 0 then), that is its closed
    form: the branch PyTorch keeps for the first step of a resumed schedule."""
    def lrs(lib: Any) -> list[str]:
        optimizer = two_group_sgd(lib)
        for group in optimizer.param_groups:
            group["initial_lr"] = 2 * group["lr"]
        scheduler = lib.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=5, eta_min=1e-3, last_epoch=last_epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # get_lr's advice to use get_last_lr()
            return [lr.hex() for lr in scheduler.get_lr()]

    ours, theirs = both(lrs)
    assert ours == theirs


def test_step_with_an_epoch_warns_and_uses_the_closed_form() -> None:
    def script(lib: Any) -> tuple[list, list[float]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.MultiStepLR(optimizer, [2, 4, 4], gamma=0.5)
        optimizer.step()
        caught = caught_warnings(lambda: scheduler.step(5))
        return caught, scheduler.get_last_lr()

    ours, theirs = both(script)
    assert ours == theirs
    assert ours[1] == [0.1 * 0.5**3, 0.01 * 0.5**3]


CLOSED_FORM_SPECS = [
    Spec("StepLR", dict(step_size=3, gamma=0.5)),
    Spec("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5)),
    Spec("ConstantLR", dict(factor=0.5, total_iters=4)),
    Spec("LinearLR", dict(start_factor=0.25, end_factor=0.75, total_iters=4)),
    Spec("ExponentialLR", dict(gamma=0.9)),
    Spec("PolynomialLR", dict(total_iters=4, power=2.0)),
    Spec("CosineAnnealingLR", dict(T_max=5, eta_min=1e-4)),
    Spec("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=1e-4)),
    Spec("CosineAnnealingWarmRestarts", dict(T_0=3, eta_min=1e-4)),  # periods of one length
]
# Without a closed form, step(epoch) sets last_epoch and takes the chainable form.
CHAINABLE_ONLY_SPECS = [
    Spec("LambdaLR", dict(lr_lambda=inverse_time)),
    Spec("MultiplicativeLR", dict(lr_lambda=shrink)),
    Spec("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    Spec("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9)),
    Spec("OneCycleLR", dict(max_lr=0.1, total_steps=20)),
]


@pytest.mark.parametrize("spec", CLOSED_FORM_SPECS + CHAINABLE_ONLY_SPECS,
                         ids=lambda spec: spec.name)
def test_steps_with_an_epoch_follow_pytorch(spec: Spec) -> None:
    """`step(epoch)` jumps before, onto and past each schedule's changes, and back, between
    plain steps. (The Hypothesis test draws it only for the closed forms, and, derandomized,
    never for StepLR.)"""
    epochs = [None, 1, 4, 7, 2, None, 10, 0, None, 3]
    run = ScheduleRun(spec=spec, optimizer="SGD", lrs=[0.1, 0.01], steps=len(epochs),
                      scheduler_first=False, epochs=epochs, metrics=[1.0] * len(epochs),
                      checkpoint_at=None, resume_with_last_epoch=False)
    assert script(mg, run) == script(torch, run)


# Every scheduler with only the arguments it requires.
DEFAULT_SPECS = [
    Spec("StepLR", dict(step_size=3)), Spec("MultiStepLR", dict(milestones=[2, 4, 4])),
    Spec("ConstantLR"), Spec("LinearLR"), Spec("ExponentialLR", dict(gamma=0.9)),
    Spec("PolynomialLR"), Spec("CosineAnnealingLR", dict(T_max=4)),
    Spec("CosineAnnealingWarmRestarts", dict(T_0=3)),
    Spec("CyclicLR", dict(base_lr=0.01, max_lr=0.1)),
    Spec("OneCycleLR", dict(max_lr=0.1, total_steps=15)),
    Spec("LambdaLR", dict(lr_lambda=inverse_time)),
    Spec("MultiplicativeLR", dict(lr_lambda=shrink)), Spec("ReduceLROnPlateau"),
]


def plain_run(spec: Spec, checkpoint_at: int | None = None, resume: bool = False) -> ScheduleRun:
    """14 steps of SGD with two groups, optimizer.step() first, no step(epoch)."""
    metrics = [1.0, 0.5] + [0.9] * 12  # for ReduceLROnPlateau: a best value, then no progress
    return ScheduleRun(spec=spec, optimizer="SGD", lrs=[0.1, 0.01], steps=len(metrics),
                       scheduler_first=False, epochs=[None] * len(metrics), metrics=metrics,
                       checkpoint_at=checkpoint_at, resume_with_last_epoch=resume)


@pytest.mark.parametrize("spec", DEFAULT_SPECS, ids=lambda spec: spec.name)
def test_default_arguments_are_pytorchs(spec: Spec) -> None:
    """The defaults show in the lrs and in the state_dict, which holds every setting. (The
    Hypothesis test gives every argument.)"""
    run = plain_run(spec)
    assert script(mg, run) == script(torch, run)


@pytest.mark.parametrize("spec", [s for s in DEFAULT_SPECS if s.name in RESUMABLE],
                         ids=lambda spec: spec.name)
def test_every_scheduler_resumes_with_last_epoch_as_pytorch(spec: Spec) -> None:
    """Rebuilt with `last_epoch=5` after five steps, on the optimizer's saved state."""
    run = plain_run(spec, checkpoint_at=5, resume=True)
    assert script(mg, run) == script(torch, run)


EDGE_SPECS = [
    Spec("ConstantLR", dict(factor=0.0)), Spec("ConstantLR", dict(factor=1.0)),
    Spec("LinearLR", dict(start_factor=1.0, end_factor=0.0)),
    Spec("LinearLR", dict(start_factor=0.0)),
    Spec("LinearLR", dict(start_factor=math.nextafter(1.0, 2.0))),
    Spec("LinearLR", dict(end_factor=math.nextafter(1.0, 2.0))),
    Spec("OneCycleLR", dict(max_lr=0.1, total_steps=15, pct_start=0.0)),
    Spec("OneCycleLR", dict(max_lr=0.1, total_steps=15, pct_start=1.0)),
]


@pytest.mark.parametrize("spec", EDGE_SPECS, ids=lambda spec: f"{spec.name}{spec.kwargs}")
def test_factors_at_the_ends_of_their_range_are_taken_or_refused_as_by_pytorch(spec: Spec) -> None:
    """ConstantLR's factor may be 0 or 1 (0 then fails at total_iters, dividing by it);
    LinearLR's start_factor 1 but neither 0 nor the float just above 1, its end_factor 0 but
    not the float just above 1; OneCycleLR's pct_start 0 (no rise) and 1 (no fall)."""
    run = plain_run(spec)
    assert script(mg, run) == script(torch, run)


def test_verbose_is_gone_as_in_pytorch_2_13() -> None:
    """PyTorch 2.13 removed the deprecated `verbose` argument: it is an unexpected keyword."""
    for name in ("StepLR", "LambdaLR", "ReduceLROnPlateau"):
        messages = []
        for lib in (torch, mg):
            cls = getattr(lib.optim.lr_scheduler, name)
            args = {"StepLR": (1,), "LambdaLR": (exponential_decay,)}.get(name, ())
            with pytest.raises(TypeError) as error:
                cls(two_group_sgd(lib), *args, verbose=True)
            messages.append(str(error.value))
        assert messages[0] == messages[1]


def test_the_old_name_and_the_base_class() -> None:
    scheduler = mg.optim.lr_scheduler.StepLR(two_group_sgd(mg), 3)
    assert isinstance(scheduler, mg.optim.lr_scheduler.LRScheduler)
    assert mg.optim.lr_scheduler._LRScheduler.__name__ == "_LRScheduler"
    assert issubclass(mg.optim.lr_scheduler._LRScheduler, mg.optim.lr_scheduler.LRScheduler)


@pytest.mark.parametrize(("name", "epoch"), [
    ("LambdaLR", None), ("MultiplicativeLR", None), ("StepLR", 4), ("CosineAnnealingLR", None),
    ("CosineAnnealingWarmRestarts", None), ("CyclicLR", None),
])
def test_a_group_added_after_the_scheduler_fails_its_step_as_in_pytorch(
    name: str, epoch: int | None
) -> None:
    """The scheduler knows only the groups it was built with: LambdaLR's lrs (one per lambda),
    a closed form's and CosineAnnealingWarmRestarts' (one per base lr), and MultiplicativeLR's
    and CosineAnnealingLR's at the bottom of its cosine (lambdas or base lrs zipped with the
    groups) are one fewer than the groups, as are CyclicLR's momenta. PyTorch refuses that (a
    zip of unequal lengths, whose message says which is longer) rather than leave the new
    group's lr as it is; the groups' hyperparameters are left as the failed step leaves them."""
    def step(lib: Any) -> list[dict[str, Any]]:
        optimizer = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        schedulers = lib.optim.lr_scheduler
        if name == "CosineAnnealingLR":
            scheduler = schedulers.CosineAnnealingLR(optimizer, T_max=1)
            optimizer.step()
            scheduler.step()  # the next step is the bottom's
        elif name in ("LambdaLR", "MultiplicativeLR"):
            scheduler = getattr(schedulers, name)(optimizer, exponential_decay)
        elif name == "CosineAnnealingWarmRestarts":
            scheduler = schedulers.CosineAnnealingWarmRestarts(optimizer, T_0=2)
        elif name == "CyclicLR":
            scheduler = schedulers.CyclicLR(optimizer, 0.01, 0.1, step_size_up=3)
        else:
            scheduler = schedulers.StepLR(optimizer, 2)
        optimizer.add_param_group({"params": [lib.zeros(2, requires_grad=True)], "lr": 0.01})
        optimizer.step()
        with warnings.catch_warnings(), pytest.raises(ValueError) as error:
            warnings.simplefilter("ignore")  # step(epoch)'s deprecation
            scheduler.step(epoch)
        return [str(error.value), *groups_of(optimizer)]

    assert step(mg) == step(torch)


def test_a_lambda_schedule_loading_the_state_of_more_groups_fails_its_step_as_in_pytorch() -> None:
    """The loaded base lrs (two) outnumber the lambdas (one): PyTorch's zip of the two refuses."""
    def step(lib: Any) -> None:
        state = lib.optim.lr_scheduler.LambdaLR(two_group_sgd(lib), exponential_decay).state_dict()
        optimizer = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        scheduler = lib.optim.lr_scheduler.LambdaLR(optimizer, exponential_decay)
        scheduler.load_state_dict(state)
        optimizer.step()
        scheduler.step()

    with pytest.raises(ValueError) as expected:
        step(torch)
    with pytest.raises(ValueError) as error:
        step(mg)
    assert str(error.value) == str(expected.value)


def test_initial_lr_is_required_to_resume() -> None:
    def make(lib: Any) -> Any:
        return lib.optim.lr_scheduler.StepLR(two_group_sgd(lib), 3, last_epoch=4)

    with pytest.raises(KeyError) as expected:
        make(torch)
    with pytest.raises(KeyError) as error:
        make(mg)
    assert str(error.value) == str(expected.value)


def test_plateau_accepts_a_tensor_metric() -> None:
    def script(lib: Any) -> list[float]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
        for metric in (1.0, 1.0, 2.0):
            scheduler.step(lib.tensor(metric))
        return scheduler.get_last_lr()

    ours, theirs = both(script)
    assert ours == theirs
    assert ours[0] < 0.1


@pytest.mark.parametrize("min_lr", [1e-3, [1e-3, 1e-4]])
def test_plateau_reduces_a_group_added_later_or_refuses_as_pytorch(min_lr: Any) -> None:
    """One min_lr is then every group's; a list of one per group is refused at the first
    reduction, with PyTorch's RuntimeError."""
    def script(lib: Any) -> Any:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=min_lr)
        optimizer.add_param_group({"params": [lib.zeros(2, requires_grad=True)], "lr": 0.5})
        try:
            for metric in (1.0, 2.0, 2.0):
                optimizer.step()
                scheduler.step(metric)
        except RuntimeError as error:
            return str(error)
        return scheduler.get_last_lr(), scheduler.min_lrs

    ours, theirs = both(script)
    assert ours == theirs


def test_plateau_stepped_with_an_epoch_warns_and_jumps_as_in_pytorch() -> None:
    def script(lib: Any) -> tuple[list, list, dict[str, Any]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
        caught = []
        for metric, epoch in ((1.0, 4), (2.0, 7), (2.0, None)):
            optimizer.step()
            caught += caught_warnings(lambda m=metric, e=epoch: scheduler.step(m, e))
        return caught, scheduler.get_last_lr(), scheduler.state_dict()

    ours, theirs = both(script)
    assert ours == theirs
    assert len(ours[0]) == 2 and ours[2]["last_epoch"] == 8


@st.composite
def plateau_runs_far_from_one(draw) -> ScheduleRun:
    """ReduceLROnPlateau fed metrics far from 1, or below 0: there `best * (1 - threshold)` and
    `best - threshold` differ, so a relative threshold and an absolute one count different
    steps as improvements (the main test's metrics are near 1, where the two agree). The
    metrics are a walk: each is the one before times a drawn ratio."""
    groups = draw(st.integers(1, 2))
    steps = draw(st.integers(1, 30))
    ratios = draw(st.lists(st.sampled_from([1.0, 0.9999, 0.99, 0.97, 0.9, 1.01, 1.1]),
                           min_size=steps, max_size=steps))
    metrics = [draw(st.sampled_from([100.0, -100.0, 0.01, -0.01]))]
    for ratio in ratios[1:]:
        metrics.append(metrics[-1] * ratio)
    return ScheduleRun(
        spec=draw(plateau_specs(groups)), optimizer="SGD",
        lrs=draw(st.lists(st.floats(1e-3, 0.5), min_size=groups, max_size=groups)),
        steps=steps, scheduler_first=False, epochs=[None] * steps, metrics=metrics,
        checkpoint_at=None, resume_with_last_epoch=False,
    )


@given(plateau_runs_far_from_one())
def test_plateau_thresholds_follow_pytorch_for_metrics_far_from_one(run: ScheduleRun) -> None:
    assert script(mg, run) == script(torch, run)


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
def test_plateau_improvements_at_their_thresholds_are_pytorchs(
        mode: str, threshold_mode: str) -> None:
    """After a first metric (100 or -100), a second one on each side of every threshold's
    bound, and on the bound itself, is an improvement or a bad step as in PyTorch."""
    def script(lib: Any) -> list[tuple[float, float, int]]:
        record = []
        for first in (100.0, -100.0):
            for threshold in (0.0, 0.5):
                bounds = (first, first - threshold, first + threshold,
                          first * (1 - threshold), first * (1 + threshold))
                for metric in sorted({b + nudge for b in bounds for nudge in (-1, 0, 1)}):
                    optimizer = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
                    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(
                        optimizer, mode, threshold=threshold, threshold_mode=threshold_mode)
                    scheduler.step(first)
                    scheduler.step(metric)
                    record.append((metric, scheduler.best, scheduler.num_bad_epochs))
        return record

    ours, theirs = both(script)
    assert ours == theirs


@pytest.mark.parametrize(("lr", "factor", "eps"), [(1.0, 0.5, 0.5), (1e-3, 0.5, 1e-3)])
def test_plateau_skips_a_reduction_of_no_more_than_eps_as_pytorch(
        lr: float, factor: float, eps: float) -> None:
    """A reduction of exactly eps, or of less than eps from an lr above it, is not applied."""
    def script(lib: Any) -> list[float]:
        optimizer = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=lr)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, factor=factor, patience=0, eps=eps)
        for metric in (1.0, 2.0, 2.0):
            optimizer.step()
            scheduler.step(metric)
        return scheduler.get_last_lr()

    ours, theirs = both(script)
    assert ours == theirs == [lr]


@pytest.mark.parametrize("name", ["CyclicLR", "LambdaLR", "MultiplicativeLR"])
def test_callable_objects_are_saved_in_the_state_dict(name: str) -> None:
    """A callable object's attributes are saved and loaded back; a plain function is saved as
    None (LambdaLR's second group here)."""
    def script(lib: Any) -> dict[str, Any]:
        scale = Scale(0.9)
        schedulers = lib.optim.lr_scheduler
        if name == "CyclicLR":
            scheduler = schedulers.CyclicLR(
                two_group_sgd(lib), 0.01, 0.1, step_size_up=3, scale_fn=scale)
        else:
            scheduler = getattr(schedulers, name)(two_group_sgd(lib), [scale, exponential_decay])
        state = scheduler.state_dict()
        scale.base = 0.5
        scheduler.load_state_dict(copy.deepcopy(state))
        return {"state": state, "restored": scale.base}

    ours, theirs = both(script)
    assert ours == theirs
    assert ours["restored"] == 0.9


# ------------------------------------------------------------------------ bad arguments
def sgd(lib: Any) -> Any:
    return two_group_sgd(lib)


def plain_sgd(lib: Any) -> Any:
    """SGD's momentum exists (0); an optimizer without momentum or betas does not exist here,
    so the momentum check is exercised through a deleted default."""
    optimizer = two_group_sgd(lib)
    del optimizer.defaults["momentum"]
    return optimizer


BAD_ARGUMENTS = {
    "not an optimizer": lambda lib: lib.optim.lr_scheduler.StepLR("sgd", 3),
    "constant factor": lambda lib: lib.optim.lr_scheduler.ConstantLR(sgd(lib), factor=1.5),
    "linear start": lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), start_factor=0),
    "linear end": lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), end_factor=2),
    "lambdas per group": lambda lib: lib.optim.lr_scheduler.LambdaLR(
        sgd(lib), [exponential_decay]),
    "multiplicative callable": lambda lib: lib.optim.lr_scheduler.MultiplicativeLR(
        sgd(lib), [exponential_decay, 3]),
    "lambda not callable": lambda lib: lib.optim.lr_scheduler.LambdaLR(
        sgd(lib), [exponential_decay, 3]),  # unchecked: it fails when called, at the first step
    "warm restarts T_0": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        sgd(lib), 0),
    "warm restarts T_mult": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        sgd(lib), 2, T_mult=1.5),
    "warm restarts eta_min": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        sgd(lib), 2, eta_min="0"),
    "warm restarts negative epoch": lambda lib: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        sgd(lib), 2).step(-1),
    "cyclic mode": lambda lib: lib.optim.lr_scheduler.CyclicLR(sgd(lib), 0.01, 0.1, mode="sin"),
    "cyclic base_lr per group": lambda lib: lib.optim.lr_scheduler.CyclicLR(
        sgd(lib), [0.01, 0.02, 0.03], 0.1),
    "cyclic max_lr per group": lambda lib: lib.optim.lr_scheduler.CyclicLR(
        sgd(lib), 0.01, [0.1, 0.2, 0.3]),
    "cyclic base_momentum per group": lambda lib: lib.optim.lr_scheduler.CyclicLR(
        sgd(lib), 0.01, 0.1, base_momentum=[0.8]),
    "cyclic max_momentum per group": lambda lib: lib.optim.lr_scheduler.CyclicLR(
        sgd(lib), 0.01, 0.1, max_momentum=[0.9, 0.95, 0.99]),
    "cyclic momentum": lambda lib: lib.optim.lr_scheduler.CyclicLR(plain_sgd(lib), 0.01, 0.1),
    # no rise: the first lr is 0 / 0, a ZeroDivisionError, not max_lr
    "cyclic step_size_up 0": lambda lib: lib.optim.lr_scheduler.CyclicLR(
        sgd(lib), 0.01, 0.1, step_size_up=0, step_size_down=2),
    "one cycle steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1),
    "one cycle epochs alone": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, epochs=3),
    "one cycle steps_per_epoch alone": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, steps_per_epoch=3),
    "one cycle total_steps": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=0),
    "one cycle epochs": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, epochs=0, steps_per_epoch=3),
    "one cycle steps_per_epoch": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, epochs=2, steps_per_epoch=1.5),
    "one cycle steps_per_epoch 0": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, epochs=2, steps_per_epoch=0),
    "one cycle pct_start": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=10, pct_start=1),
    "one cycle pct_start above 1": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=10, pct_start=1.5),
    "one cycle momentum": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        plain_sgd(lib), 0.1, total_steps=10),
    "one cycle strategy": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=10, anneal_strategy="cosine"),
    "one cycle max_lr per group": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), [0.1], total_steps=10),
    "one cycle base_momentum per group": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=10, base_momentum=[0.8, 0.85, 0.9]),
    "one cycle max_momentum per group": lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        sgd(lib), 0.1, total_steps=10, max_momentum=(0.95,)),
    "one cycle too many steps": lambda lib: [
        s.step() for s in [lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 0.1, total_steps=2)]
        for _ in range(3)],
    "plateau factor": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), factor=1),
    "plateau mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), mode="low"),
    "plateau threshold mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        sgd(lib), threshold_mode="pct"),
    "plateau min_lr per group": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        sgd(lib), min_lr=[0.0]),
    "sequential empty": lambda lib: lib.optim.lr_scheduler.SequentialLR(sgd(lib), [], []),
    "sequential milestones": lambda lib: (lambda o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.StepLR(o, 2)], [3]))(sgd(lib)),
    "sequential plateau": lambda lib: (lambda o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.ReduceLROnPlateau(o)], []))(sgd(lib)),
    "sequential not a scheduler": lambda lib: lib.optim.lr_scheduler.SequentialLR(
        sgd(lib), [3], []),
    "chained empty": lambda lib: lib.optim.lr_scheduler.ChainedScheduler([]),
    "chained plateau": lambda lib: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib))]),
}


@pytest.mark.parametrize("name", sorted(BAD_ARGUMENTS))
def test_bad_arguments_raise_pytorchs_errors(name: str) -> None:
    make = BAD_ARGUMENTS[name]
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(expected.type) as error:
        make(mg)
    assert str(error.value) == str(expected.value)


def test_sequential_and_chained_schedulers_hold_their_optimizer_as_pytorchs() -> None:
    """Their `optimizer`, which a ChainedScheduler checks each scheduler it is given against
    (a SequentialLR among them)."""
    def script(lib: Any) -> list[Any]:
        schedulers = lib.optim.lr_scheduler
        optimizer = two_group_sgd(lib)
        sequential = schedulers.SequentialLR(
            optimizer, [schedulers.StepLR(optimizer, 2), schedulers.ConstantLR(optimizer)], [3])
        exponential = schedulers.ExponentialLR(optimizer, 0.5)
        chained = schedulers.ChainedScheduler([sequential, exponential])
        held = [sequential.optimizer is optimizer, chained.optimizer is optimizer]
        for _ in range(5):
            optimizer.step()
            chained.step()
            held.append(chained.get_last_lr())
        return held

    ours, theirs = both(script)
    assert ours == theirs
    assert ours[:2] == [True, True]


def test_schedulers_of_another_optimizer_are_refused() -> None:
    """The message names the other optimizer by its repr, which differs between libraries:
    the rest of it is PyTorch's."""
    for lib in (torch, mg):
        first, second = sgd(lib), sgd(lib)
        inner = lib.optim.lr_scheduler.StepLR(second, 2)
        pattern = (r"^SequentialLR expects all schedulers to belong to the same optimizer, but "
                   r"got scheduler StepLR at index 0 has .*, which is different from SGD\.$")
        with pytest.raises(ValueError, match=re.compile(pattern, re.S)):
            lib.optim.lr_scheduler.SequentialLR(first, [inner], [])


@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_steps_onto_the_end_of_each_phase_as_pytorch(
        anneal_strategy: str, three_phase: bool) -> None:
    """With pct_start · total_steps a whole number, a step falls exactly on the end of each
    phase: its lr and momentum are that phase's end, computed as PyTorch computes them (the
    next phase's start is the same number mathematically, but rounds otherwise)."""
    def lrs(lib: Any) -> list[list[str]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=[0.1, 0.7], total_steps=16, pct_start=0.25,
            anneal_strategy=anneal_strategy, three_phase=three_phase)
        seen = []
        for _ in range(16):
            optimizer.step()
            scheduler.step()
            seen.append([lr.hex() for lr in scheduler.get_last_lr()]
                        + [group["momentum"].hex() for group in optimizer.param_groups])
        return seen

    ours, theirs = both(lrs)
    assert ours == theirs


@pytest.mark.parametrize(("epochs", "steps_per_epoch"), [(5, 1), (1, 5)])
def test_one_cycle_of_one_epoch_or_one_step_an_epoch_follows_pytorch(
        epochs: int, steps_per_epoch: int) -> None:
    def lrs(lib: Any) -> list[list[str]]:
        optimizer = two_group_sgd(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=0.1, epochs=epochs, steps_per_epoch=steps_per_epoch)
        seen = []
        for _ in range(5):
            optimizer.step()
            scheduler.step()
            seen.append([lr.hex() for lr in scheduler.get_last_lr()])
        return seen

    ours, theirs = both(lrs)
    assert ours == theirs


FIRST_STEP_FAILS = [
    # no rise: the first lr is 0 / 0
    Spec("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.2], step_size_up=0,
                          step_size_down=2, base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95])),
    # the rise ends at step 0 (pct_start · total_steps = 1): its pct is 0 / 0
    Spec("OneCycleLR", dict(max_lr=[0.1, 0.2], total_steps=10, pct_start=0.1,
                            base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95])),
]


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("spec", FIRST_STEP_FAILS, ids=lambda spec: spec.name)
def test_a_constructor_whose_first_step_fails_leaves_the_groups_as_pytorchs(
        spec: Spec, optimizer: str) -> None:
    """The constructor sets the groups' lrs, momenta (or β1) and bounds before its first step
    divides by zero; the groups keep them, as in PyTorch."""
    run = ScheduleRun(spec=spec, optimizer=optimizer, lrs=[0.1, 0.01], steps=0,
                      scheduler_first=False, epochs=[], metrics=[], checkpoint_at=None,
                      resume_with_last_epoch=False)

    def groups(lib: Any) -> tuple[str, list[dict[str, Any]]]:
        params = [lib.zeros(2, requires_grad=True) for _ in run.lrs]
        optimized = make_optimizer(lib, run, params)
        with pytest.raises(ZeroDivisionError) as error:
            build(lib, spec, optimized)
        return str(error.value), groups_of(optimized)

    ours, theirs = both(groups)
    assert ours == theirs

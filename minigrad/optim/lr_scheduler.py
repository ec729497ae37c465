"""Learning-rate schedules, as `torch.optim.lr_scheduler`.

A scheduler changes `group['lr']` in its optimizer's parameter groups once per call of its
`step()`, which goes after `optimizer.step()`:

    scheduler = lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)            # ... optimizer.step() ...
        scheduler.step()

How a scheduler works (`LRScheduler`): it counts the steps in `last_epoch` (-1 before the
first, so the constructor's own step makes it 0) and remembers each group's starting lr as
`base_lrs` (also stored as `group['initial_lr']`, so that a scheduler rebuilt with
`last_epoch=k` finds it). Each `step()` adds one to `last_epoch` and asks `get_lr()` for the new
lrs. Most schedules come in two forms, and PyTorch uses both, so minigrad does too:

    chainable form  (get_lr)               new lr = current group['lr'] times a factor, so
                                           several schedulers can act on the same lr
    closed form     (_get_closed_form_lr)  new lr = base_lr times f(last_epoch), used only by
                                           the deprecated `step(epoch)`

The two agree in exact arithmetic but not in floating point, so each formula below is written
in PyTorch's order of operations: the lrs equal PyTorch's bit for bit, as Python floats.

`state_dict()` is every attribute except the optimizer (PyTorch's layout, private names
included), so a checkpoint holds what PyTorch's holds. Learning rates are Python floats here
(PyTorch also accepts tensor lrs, for CUDA graphs; minigrad does not).
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Any
from weakref import ref

from minigrad.optim.optimizer import Optimizer

__all__ = [
    "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR",
    "StepLR",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)
_HOW_TO = "See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """`value` for each parameter group: a list or tuple gives one per group, else it is shared."""
    if isinstance(value, list | tuple):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {len(optimizer.param_groups)}."
            )
        return list(value)
    return [value] * len(optimizer.param_groups)


def _group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """`group[key]` of every parameter group (a KeyError if a group lacks it)."""
    return [group[key] for group in optimizer.param_groups]


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    """Set SGD's `momentum`, or Adam's β1 (the first of `betas`), which plays its role."""
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def _wrap_optimizer_step(optimizer: Optimizer) -> None:
    """Make `optimizer.step()` record that it ran (`optimizer._opt_called`), so that the
    scheduler can warn when its own step comes first (github.com/pytorch/pytorch/issues/20124).
    The wrapper holds the optimizer weakly, to create no reference cycle."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    step = type(optimizer).step
    optimizer_ref = ref(optimizer)

    @wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opt = optimizer_ref()
        opt._opt_called = True  # type: ignore[union-attr]
        return step(opt, *args, **kwargs)  # type: ignore[arg-type]

    wrapper._wrapped_by_lr_sched = True  # type: ignore[attr-defined]
    optimizer.step = wrapper  # type: ignore[method-assign]


class LRScheduler:
    """Base class of the schedulers: subclasses write `get_lr()`, the chainable form.

    Args:
        optimizer: the optimizer whose lrs it sets.
        last_epoch: the index of the last step taken; -1 (the default) starts a new schedule
            (storing each group's lr as `group['initial_lr']`). A value k >= 0 resumes one: the
            groups must then hold 'initial_lr' already (from a loaded optimizer state).

    The constructor takes the first step (to `last_epoch + 1`) and so sets the lrs for step 0;
    build the scheduler before loading an optimizer's state_dict, or it overwrites the lrs.
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "scheduler with last_epoch >= 0.\n"
                        "This typically happens when:\n"
                        "1. You're trying to resume training from a checkpoint but haven't "
                        "properly loaded the optimizer state\n"
                        "2. You're using last_epoch >= 0 for a fresh training run (not "
                        "recommended)"
                    )
        self.base_lrs: list[float] = _group_values(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        _wrap_optimizer_step(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step: it sets the lrs of step `last_epoch + 1`."""
        self._step_count = 0
        with self._flag("_is_initial"):
            self.step()

    @contextmanager
    def _flag(self, name: str) -> Iterator[None]:
        """Set the boolean attribute `name` while the block runs (the attribute stays in
        `__dict__`, hence in the state_dict, as in PyTorch)."""
        setattr(self, name, True)
        try:
            yield
        finally:
            setattr(self, name, False)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute of the scheduler except its optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes `state_dict()` saved."""
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list[float]:
        """The lrs of the last step, one per parameter group (what to log)."""
        return self._last_lr

    def get_lr(self) -> list[float]:
        """The lrs of the step being taken; called by `step()` (use get_last_lr() to read them)."""
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Move to the next step of the schedule and set the groups' lrs for it.

        Args:
            epoch: deprecated: jump to this step instead, with the closed form where the
                scheduler has one (a UserWarning says so).

        Warns (UserWarning) at the first call if `optimizer.step()` has not run yet: the order
        must be optimizer.step() then scheduler.step(), or the schedule's first lr is skipped.
        """
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(
                    "Seems like `optimizer.step()` has been overridden after learning rate "
                    "scheduler initialization. Please, make sure to call `optimizer.step()` "
                    f"before `lr_scheduler.step()`. {_HOW_TO}",
                    UserWarning,
                    stacklevel=2,
                )
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(
                    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In "
                    "PyTorch 1.1.0 and later, you should call them in the opposite order: "
                    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
                    "result in PyTorch skipping the first value of the learning rate schedule. "
                    f"{_HOW_TO}",
                    UserWarning,
                    stacklevel=2,
                )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        with self._flag("_get_lr_called_within_step"):
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr: list[float] = _group_values(self.optimizer, "lr")

    def _warn_if_called_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use "
                "`get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    def _current_lrs(self) -> list[float]:
        return _group_values(self.optimizer, "lr")


class _LRScheduler(LRScheduler):
    """The old name of `LRScheduler`, kept (as a subclass, so it keeps its own name)."""


LrLambda = Callable[[int], float]


class _LambdaScheduler(LRScheduler):
    """What LambdaLR and MultiplicativeLR share: one function of the step per group."""

    def _set_lambdas(
        self, optimizer: Optimizer, lr_lambda: LrLambda | Sequence[LrLambda], check: bool
    ) -> None:
        """`lr_lambdas`: the function for every group, or the list given (one per group);
        `check`: require them to be callable (MultiplicativeLR checks, LambdaLR does not)."""
        self.optimizer = optimizer
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(
                    f"Expected {len(optimizer.param_groups)} lr_lambdas, but got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas if check else ():
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")

    def state_dict(self) -> dict[str, Any]:
        """As the base's, but a function is saved only if it is a callable object (its
        attributes), not a plain function or lambda (None in its place)."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes, and those of the callable objects among the functions."""
        saved_lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        state_dict["lr_lambdas"] = saved_lambdas  # the caller's dict is left as it was
        for fn, saved in zip(self.lr_lambdas, saved_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaScheduler):
    """lr = base_lr * lr_lambda(last_epoch), with one function for all groups or one per group.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the step number, or a list of them (one per group).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LrLambda | Sequence[LrLambda],
        last_epoch: int = -1,
    ) -> None:
        self._set_lambdas(optimizer, lr_lambda, check=False)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        return [
            base_lr * lmbda(self.last_epoch)
            for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class MultiplicativeLR(_LambdaScheduler):
    """lr = previous lr * lr_lambda(last_epoch) at each step after the first.

    Args as LambdaLR's; each function must be callable (TypeError otherwise).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LrLambda | Sequence[LrLambda],
        last_epoch: int = -1,
    ) -> None:
        self._set_lambdas(optimizer, lr_lambda, check=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial:
            return self._current_lrs()
        return [
            group["lr"] * lmbda(self.last_epoch)
            for lmbda, group in zip(self.lr_lambdas, self.optimizer.param_groups, strict=True)
        ]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (last_epoch // step_size): decay by gamma every step_size steps.

    Args:
        optimizer: the optimizer.
        step_size: the number of steps between two decays.
        gamma: the decay factor (default 0.1).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            base_lr * self.gamma ** (self.last_epoch // self.step_size)
            for base_lr in self.base_lrs
        ]


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= last_epoch): decay by gamma at each
    milestone (a milestone listed twice decays twice).

    Args:
        optimizer: the optimizer.
        milestones: the steps at which to decay, increasing.
        gamma: the decay factor (default 0.1).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [
            group["lr"] * self.gamma ** self.milestones[self.last_epoch]
            for group in self.optimizer.param_groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [
            base_lr * self.gamma ** bisect_right(milestones, self.last_epoch)
            for base_lr in self.base_lrs
        ]


class ConstantLR(LRScheduler):
    """lr = base_lr * factor for the first total_iters steps, then base_lr.

    Args:
        optimizer: the optimizer.
        factor: the multiplier, in [0, 1] (default 1/3).
        total_iters: the number of steps it lasts (default 5).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + done * (1 - self.factor)) for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) /
    total_iters) at step t: a linear ramp of the multiplier, then constant.

    The chainable form multiplies the previous lr by the ratio of two consecutive multipliers,
    1 + (end - start) / (total_iters * start + (t - 1) * (end - start)).

    Args:
        optimizer: the optimizer.
        start_factor: the multiplier at step 0, in (0, 1] (default 1/3).
        end_factor: the multiplier from step total_iters on, in [0, 1] (default 1).
        total_iters: the length of the ramp (default 5).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or "
                "equal to 1."
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (
            self.total_iters * self.start_factor + (self.last_epoch - 1) * change
        )
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        progress = min(self.total_iters, self.last_epoch)
        return [
            base_lr * (self.start_factor + change * progress / self.total_iters)
            for base_lr in self.base_lrs
        ]


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** last_epoch: decay by gamma every step.

    Args:
        optimizer: the optimizer.
        gamma: the decay factor.
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial:  # a resumed schedule must not move one step ahead of itself
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(t, total_iters) / total_iters) ** power at step t: a
    polynomial decay to 0 at step total_iters.

    The chainable form multiplies the previous lr by
    ((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power.

    Args:
        optimizer: the optimizer.
        total_iters: the step at which the lr reaches 0 (default 5).
        power: the power of the polynomial (default 1, linear).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        decay_factor = (
            (1.0 - self.last_epoch / self.total_iters)
            / (1.0 - (self.last_epoch - 1) / self.total_iters)
        ) ** self.power
        return [group["lr"] * decay_factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        remaining = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base_lr * remaining**self.power for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2 at step t: half a
    cosine from base_lr down to eta_min at step T_max, then back up (no restart).

    The chainable form (SGDR's recursion) is
    lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T_max)) / (1 + cos(pi (t-1) / T_max)),
    except at the bottom of each cosine (where the denominator would be 0), where it adds
    (base_lr - eta_min) * (1 - cos(pi / T_max)) / 2.

    Args:
        optimizer: the optimizer.
        T_max: the number of steps of the half period.
        eta_min: the lowest lr (default 0).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and self.last_epoch > 0:  # resumed: start from the closed form
            return [
                self.eta_min
                + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max))
                / 2
                for base_lr in self.base_lrs
            ]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / (
            1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)
        )
        return [
            ratio * (group["lr"] - self.eta_min) + self.eta_min
            for group in self.optimizer.param_groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class SequentialLR(LRScheduler):
    """Run `schedulers` one after the other: schedulers[i] from step milestones[i-1] on.

    At a milestone the next scheduler restarts from its step 0 (its closed form at 0).

    Args:
        optimizer: the optimizer all the schedulers belong to.
        schedulers: the schedulers (not ReduceLROnPlateau), built on `optimizer`.
        milestones: the steps at which to switch, one fewer than the schedulers.
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{type(self).__name__} expects at least one scheduler, but got no scheduler."
            )
        _check_schedulers(type(self).__name__, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than "
                f"the number of milestone points, but got number of schedulers {len(schedulers)} "
                f"and the number of milestones to be equal to {len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Each scheduler's constructor took a step: undo them, then take the first one's again.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched: LRScheduler | None = None) -> None:
        """Take back one step from every scheduler inside (nested ones included)."""
        scheduler = self if sched is None else sched
        if hasattr(scheduler, "_schedulers"):
            for inner in scheduler._schedulers:
                self.recursive_undo(inner)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler of the current phase (restarting it at its milestone)."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """As the base's, with the inner schedulers' state_dicts in '_schedulers'."""
        return _state_with_inner(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes and the inner schedulers' states."""
        _load_with_inner(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step all `schedulers` at every step, in order, each acting on the lrs the previous one
    set (so chainable schedules multiply).

    Args:
        schedulers: the schedulers (not ReduceLROnPlateau), on one optimizer.
        optimizer: that optimizer (default: the first scheduler's).
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{type(self).__name__} expects at least one scheduler to be chained, but got no "
                "scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(type(self).__name__, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _group_values(self._schedulers[-1].optimizer, "lr")

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _group_values(self._schedulers[-1].optimizer, "lr")

    def state_dict(self) -> dict[str, Any]:
        """As the base's, with the inner schedulers' state_dicts in '_schedulers'."""
        return _state_with_inner(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes and the inner schedulers' states."""
        _load_with_inner(self, state_dict)


def _check_schedulers(
    owner: str, optimizer: Optimizer, schedulers: Sequence[LRScheduler]
) -> None:
    """SequentialLR's and ChainedScheduler's checks of the schedulers they are given."""
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence."
            )
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {i} has {scheduler.optimizer}, "
                f"which is different from {type(optimizer).__name__}."
            )


def _state_with_inner(scheduler: Any) -> dict[str, Any]:
    state = {
        k: v for k, v in scheduler.__dict__.items() if k not in ("optimizer", "_schedulers")
    }
    state["_schedulers"] = [inner.state_dict() for inner in scheduler._schedulers]
    return state


def _load_with_inner(scheduler: Any, state_dict: dict[str, Any]) -> None:
    inner_states = state_dict.pop("_schedulers")
    scheduler.__dict__.update(state_dict)
    state_dict["_schedulers"] = inner_states  # the caller's dict is left as it was
    for inner, state in zip(scheduler._schedulers, inner_states):
        inner.load_state_dict(state)


class ReduceLROnPlateau(LRScheduler):
    """lr = max(lr * factor, min_lr) when a metric has stopped improving for `patience` steps.

    `step(metric)` takes the metric (a validation loss, say). The metric improves when, with
    `best` the best value so far:

        mode='min', threshold_mode='rel':  metric < best * (1 - threshold)
        mode='min', threshold_mode='abs':  metric < best - threshold
        mode='max', threshold_mode='rel':  metric > best * (1 + threshold)
        mode='max', threshold_mode='abs':  metric > best + threshold

    After more than `patience` steps in a row without improvement, every group's lr is
    reduced (unless the reduction is no more than `eps`), then `cooldown` steps pass during
    which bad steps are not counted.

    Args:
        optimizer: the optimizer.
        mode: 'min' (the metric should fall) or 'max' (rise).
        factor: the multiplier of a reduction, < 1 (default 0.1).
        patience: the number of bad steps tolerated (default 10).
        threshold: the least change that counts as an improvement (default 1e-4).
        threshold_mode: 'rel' or 'abs', as above.
        cooldown: the number of steps to wait after a reduction (default 0).
        min_lr: the lowest lr, one for all groups or a list of one per group (default 0).
        eps: the smallest reduction applied (default 1e-8).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        self.default_min_lr: float | None
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(
                    f"expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}"
                )
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this step's metric (a number or a 0-d tensor) and reduce the lrs if needed."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad steps in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self, epoch: int) -> None:
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    "The number of param groups in the `optimizer` "
                    f"({len(self.optimizer.param_groups)}) differs from when `ReduceLROnPlateau` "
                    f"was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match "
                    "the length of the `optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes."""
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


class CyclicLR(LRScheduler):
    """The lr cycles between base_lr and max_lr (Smith, 2017), changed at every batch.

    At step t, with cycle = floor(1 + t / (up + down)) and x the position in the cycle
    (1 + t / (up + down) - cycle, in [0, 1)):

        scale = x / r              while x <= r = up / (up + down)   (rising)
                (x - 1) / (r - 1)  after                             (falling)
        lr = base_lr + (max_lr - base_lr) * scale * scale_fn(cycle or t)
        momentum = max_momentum - (max_momentum - base_momentum) * scale * scale_fn(...)

    scale_fn: 'triangular' 1; 'triangular2' 1 / 2 ** (cycle - 1) (the height halves each
    cycle); 'exp_range' gamma ** t. With cycle_momentum the momentum (SGD's, or Adam's β1)
    moves opposite to the lr.

    Args:
        optimizer: the optimizer.
        base_lr, max_lr: the bounds of the cycle, shared or one per group.
        step_size_up: the number of steps of the rise (default 2000).
        step_size_down: that of the fall (default: step_size_up).
        mode: 'triangular', 'triangular2' or 'exp_range' (ignored if scale_fn is given).
        gamma: exp_range's base (default 1).
        scale_fn: a custom function of the cycle or of the step, in place of mode's.
        scale_mode: what scale_fn takes, 'cycle' or 'iterations' (set by mode otherwise).
        cycle_momentum: cycle the momentum too (default True).
        base_momentum, max_momentum: its bounds (default 0.8 and 0.9).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ["triangular", "triangular2", "exp_range"] and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    "enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for max_m, base_m, group in zip(
                    self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True
                ):
                    _set_momentum(group, max_m, self.use_beta1)
                    group["max_momentum"] = max_m
                    group["base_momentum"] = base_m
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        """The built-in modes fix what their scale function takes."""
        if self._scale_fn_custom is None:
            self.scale_mode = "iterations" if self.mode == "exp_range" else "cycle"

    def scale_fn(self, x: float) -> float:
        """The height of the cycle, as a fraction of max_lr - base_lr (see the class doc)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)

        lrs = [
            base_lr + (max_lr - base_lr) * scale_factor * scale
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs, strict=True)
        ]
        if self.cycle_momentum:
            for group, base_m, max_m in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums, strict=True
            ):
                momentum = max_m - (max_m - base_m) * scale_factor * scale
                _set_momentum(group, momentum, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As the base's; a custom scale_fn is saved only if it is a callable object (its
        attributes), not a plain function or lambda (None)."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        keep = fn is not None and not isinstance(fn, types.FunctionType)
        state["_scale_fn_custom"] = fn.__dict__.copy() if keep else None
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes, and those of a custom scale_fn object."""
        fn = state_dict.pop("_scale_fn_custom")
        super().load_state_dict(state_dict)
        if fn is not None:
            self._scale_fn_custom.__dict__.update(fn)
        self._init_scale_fn()


class CosineAnnealingWarmRestarts(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2 (SGDR, Loshchilov
    & Hutter, 2017): a half cosine over T_i steps, then a restart at base_lr, with T_i = T_0
    for the first period and multiplied by T_mult at each restart. T_cur counts the steps since
    the last restart (a float with `step(epoch)` and a fractional epoch).

    Args:
        optimizer: the optimizer.
        T_0: the length of the first period, a positive int.
        T_mult: the growth factor of the period, an int >= 1 (default 1).
        eta_min: the lowest lr (default 0).
        last_epoch: the index of the last step (-1 starts the schedule).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, float | int):
            raise ValueError(
                f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}"
            )
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        return [
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base_lr in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:
        """Move to the next step, or to `epoch` (which may be fractional: a batch within an
        epoch, as `epoch + i / iters`; no deprecation warning here)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                # the number of whole periods before `epoch`: T_0 (T_mult^n - 1) / (T_mult - 1)
                # steps make n periods
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        with self._flag("_get_lr_called_within_step"):
            for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
                group["lr"] = lr
        self._last_lr = self._current_lrs()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018): over total_steps steps (one per batch) the lr
    rises from max_lr / div_factor to max_lr during the first pct_start of the steps, then
    falls to max_lr / div_factor / final_div_factor; the momentum does the opposite, between
    max_momentum and base_momentum.

    Phases (end steps): [0, pct_start * total - 1] rise, then [.., total - 1] fall. With
    three_phase the fall first returns to the initial lr at 2 * pct_start * total - 2, then
    ends at the minimum. Within a phase, with pct the fraction of it done:

        'cos':    value = end + (start - end) / 2 * (cos(pi * pct) + 1)
        'linear': value = (end - start) * pct + start

    Args:
        optimizer: the optimizer (its lr is replaced by max_lr / div_factor).
        max_lr: the peak lr, shared or one per group.
        total_steps: the number of steps, or give epochs and steps_per_epoch.
        pct_start: the fraction of the steps spent rising, a float in [0, 1] (default 0.3).
        anneal_strategy: 'cos' (default) or 'linear'.
        cycle_momentum: cycle the momentum (SGD's, or Adam's β1) too (default True).
        base_momentum, max_momentum: its bounds (default 0.85 and 0.95).
        div_factor: initial lr = max_lr / div_factor (default 25).
        final_div_factor: min lr = initial lr / final_div_factor (default 1e4).
        three_phase: use the three phases above (default False).
        last_epoch: the index of the last step (-1 starts the schedule).

    Raises ValueError past total_steps steps.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(
                    f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}"
                )
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")

        def phase(end_step: float, lrs: str, momenta: str) -> dict[str, Any]:
            start_lr, end_lr = lrs.split()
            start_momentum, end_momentum = momenta.split()
            return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
                    "start_momentum": start_momentum, "end_momentum": end_momentum}

        # Each phase goes from one group key to another (for the lr and for the momentum).
        rise = phase(float(pct_start * self.total_steps) - 1,
                     "initial_lr max_lr", "max_momentum base_momentum")
        if three_phase:
            self._schedule_phases = [
                rise,
                phase(float(2 * pct_start * self.total_steps) - 2,
                      "max_lr initial_lr", "base_momentum max_momentum"),
                phase(self.total_steps - 1, "initial_lr min_lr", "max_momentum max_momentum"),
            ]
        else:
            self._schedule_phases = [
                rise,
                phase(self.total_steps - 1, "max_lr min_lr", "base_momentum max_momentum"),
            ]

        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                "anneal_strategy must be one of 'cos' or 'linear', instead got "
                f"{anneal_strategy}"
            )
        self._anneal_func_type = anneal_strategy

        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, group_max_lr in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = group_max_lr / div_factor
                group["max_lr"] = group_max_lr
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    "optimizer must support momentum or beta1 with `cycle_momentum` option "
                    "enabled"
                )
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for max_m, base_m, group in zip(
                    max_momentums, base_momentums, optimizer.param_groups, strict=True
                ):
                    _set_momentum(group, max_m, self.use_beta1)
                    group["max_momentum"] = max_m
                    group["base_momentum"] = base_m
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            cos_out = math.cos(math.pi * pct) + 1
            return end + (start - end) / 2.0 * cos_out
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        self._warn_if_called_outside_step()
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(
                f"Tried to step {step_num} times. The specified number of total steps is "
                f"{self.total_steps}"
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                start_step = phase["end_step"]
        return lrs


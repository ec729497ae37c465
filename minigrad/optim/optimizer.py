"""`Optimizer`: the contract every optimizer shares, as `torch.optim.Optimizer`.

An optimizer holds `param_groups`, a list of dicts. Each group has 'params' (the parameter
tensors themselves) and its own hyperparameters (lr, momentum, ...): the constructor's values
unless the group gave its own. `state[p]` holds what the algorithm remembers about parameter p
between steps (a momentum buffer, Adam's moments), as minigrad tensors.

PyTorch's implementation switches are kept as group keys, for PyTorch's state_dict layout:
foreach (True or False: minigrad has one implementation, and PyTorch's CPU default, None, is
its single-tensor loop, which minigrad follows), fused (accepted, as PyTorch's CPU accepts
it; the numbers are those of the single-tensor loop), differentiable and capturable (True
fails at step(), as on PyTorch's CPU: an update is not recorded by autograd, and there is no
device to capture on).

Subclasses (SGD, Adam, ...) write `_update(param, group)`: one step of the algorithm for one
parameter. The update works on the NumPy arrays behind the tensors (`p._data`, `p.grad._data`)
and writes them in place, so the parameter stays the same leaf tensor with the same identity,
as in PyTorch. Where the other parts live:

    optim/_array_ops.py     the tensor operations of an update (lerp_, addcmul_, ...), on
                            arrays, rounded as PyTorch rounds them
    optim/_multi_tensor.py  small parameters updated together (SGD and Adam opt in)
"""

from __future__ import annotations

import copy
import os
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from minigrad.autograd.grad_mode import enable_grad
from minigrad.checks import stacklevel_outside
from minigrad.tensor import Tensor

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]
_OPTIM_DIR = os.path.dirname(__file__) + os.sep  # (warnings name the first line outside)


class Optimizer:
    """Base class of all optimizers.

    (`_capturable_message`: PyTorch's error for capturable=True on the CPU, which names the
    state tensors of the algorithm in some optimizers.)

    Args:
        params: the tensors to optimize, or dicts ("parameter groups") with a 'params' entry and
            hyperparameters that override `defaults` for those tensors.
        defaults: the hyperparameters of every group that does not set its own.
    """

    _capturable_message = "params and state_steps must be on supported devices: " + str(
        ["cuda", "xpu", "hpu", "privateuseone", "xla"])

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_type_name(params)}"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []

        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, e.g. layers unfrozen during fine-tuning.

        Hyperparameters the group does not set are filled in from `defaults`. They are not
        validated here (PyTorch checks only the constructor's values).
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    f"{_type_name(param)}"
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                UserWarning,
                stacklevel=stacklevel_outside(_OPTIM_DIR),
            )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if not taken.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient before the next backward().

        Args:
            set_to_none: True (the default) drops the gradient tensors (`p.grad = None`), which
                also tells step() to skip p until a backward() reaches it again. False fills
                them with zeros in place, so code holding a gradient tensor sees the zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient.

        A parameter whose `.grad` is None is skipped entirely, as PyTorch skips it: no update,
        no weight decay, no state created, momentum not decayed, Adam's step count not advanced.

        Args:
            closure: optional function that clears the gradients, recomputes the loss, calls
                backward() and returns the loss; it runs (with gradients enabled) before the
                update. Some algorithms need it; SGD and Adam accept it for compatibility.

        Returns:
            The closure's return value, or None without a closure.
        """
        for group in self.param_groups:
            if group.get("capturable") or group.get("differentiable"):
                _refuse_unsupported_switches(group, self._capturable_message)
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # As in PyTorch, overflow and 0/0 (a zero gradient with eps=0) give inf and nan silently.
        with np.errstate(all="ignore"):
            self._update_all()
        for group in self.param_groups:  # each in-place write of PyTorch's step is counted
            writes = self._writes_per_step + bool(  # (decay first shrinks θ in place)
                group.get("decoupled_weight_decay") and group["weight_decay"] != 0)
            for param in group["params"]:
                if param.grad is not None:
                    (param._storage or param._shared_storage()).version += writes
        return loss

    # How many in-place writes PyTorch's step makes to a parameter, each one a version of it
    # (a saved parameter's error names the versions): the update, in one write or, for NAdam
    # and ASGD, two; decoupled weight decay (AdamW, NAdam's and RAdam's) adds one.
    _writes_per_step = 1

    def _update_all(self) -> None:
        """`_update` every parameter that has a gradient, one at a time. (SGD and Adam update
        their small parameters together instead: `_multi_tensor.JoinedUpdates`.)"""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    self._update(param, group)

    def _update(self, param: Tensor, group: dict[str, Any]) -> None:
        """Apply one step of the algorithm to `param` (which has a gradient) in place."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state and hyperparameters, with parameters replaced by numbers.

        Layout (PyTorch's): `{'state': {index: {name: tensor}}, 'param_groups': [{hyper...,
        'params': [indices]}]}`, where parameters are numbered 0, 1, 2, ... across the groups
        in order, and only parameters that have taken a step appear in 'state'. The state
        tensors are the live ones, not copies: save the dict (mg.save) or deep-copy it to keep
        a snapshot.
        """
        index: dict[int, int] = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items()}
        return {"state": state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved, onto this optimizer's own parameters.

        Parameters are matched by position, group by group. The groups' hyperparameters are
        taken from the saved dict. Floating-point state tensors are cast to their parameter's
        dtype (the saved tensor itself is used when no cast is needed); a step count is not.
        Shapes are not checked, as in PyTorch.
        """
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        param_of: dict[int, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of optimizer's group"
                )
            param_of.update(zip(saved["params"], group["params"], strict=True))
            saved["params"] = group["params"]

        self.state = defaultdict(dict)
        for index, saved_state in state_dict["state"].items():
            param = param_of[index]
            self.state[param] = {
                name: self._load_state_value(param, name, value)
                for name, value in saved_state.items()
            }
        self.param_groups = saved_groups

    def _load_state_value(self, param: Tensor, name: str, value: Any) -> Any:
        """A saved state value as this optimizer stores it for `param`."""
        if name == "step":
            # A step count stays a 0-d float32 tensor whatever the parameter's dtype; older
            # PyTorch checkpoints store it as a plain number.
            if isinstance(value, Tensor):
                return value
            return Tensor._make(np.array(float(value), dtype=np.float32))
        if (
            isinstance(value, Tensor)
            and value.dtype.kind == "f"
            and param.dtype.kind == "f"
            and value.dtype != param.dtype
        ):
            return Tensor._make(value._data.astype(param._data.dtype))
        return value

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def check_hyperparameters(**values: Any) -> None:
    """PyTorch's checks of an optimizer's hyperparameters, in the order given and in its words
    ("Invalid learning rate: -1.0", "Invalid epsilon value: ...", "Invalid momentum value:
    ..."): each must be at least 0, rho at most 1 as well, and each of `betas` in [0, 1)."""
    for name, value in values.items():
        if name == "betas":
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        elif not 0.0 <= value or (name == "rho" and value > 1.0):
            words = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {words}: {value}")


def _refuse_unsupported_switches(group: dict[str, Any], capturable_message: str) -> None:
    """PyTorch's errors for differentiable=True and capturable=True at a CPU step (raised
    only where a parameter of the group has a gradient to step with)."""
    params = [p for p in group["params"] if p.grad is not None]
    if group.get("capturable") and params:
        raise AssertionError(f"If capturable=True, {capturable_message}.")
    if group.get("differentiable") and any(p.requires_grad for p in params):
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )


def _type_name(value: Any) -> str:
    """'float', 'list', 'minigrad.Tensor': how PyTorch's optimizer errors name a type."""
    if isinstance(value, Tensor):
        return "minigrad.Tensor"
    return type(value).__name__



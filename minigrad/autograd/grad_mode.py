"""Grad mode: whether operations record the graph that backward() walks.

The switch is thread-local, as in PyTorch, so a `no_grad()` block in one thread does not change
what another thread records.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    enabled = True  # whether new operations record: the grad mode, but never in inference mode
    requested = True  # the grad mode itself, as the contexts set it (what is_grad_enabled reads)
    keep_saved = True  # False during a backward pass that frees what the nodes saved
    inference = False  # inside inference_mode(): nothing records, whatever the grad mode


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward(); in inference mode, where nothing
    records, the grad mode that `enable_grad` and the others set, as in PyTorch."""
    return _state.requested if _state.inference else _state.enabled


def _set_mode(mode: bool) -> tuple[bool, bool]:
    """Set the grad mode; returns the state before, for `_restore`."""
    prev = _state.enabled, _state.requested
    _state.enabled, _state.requested = mode and not _state.inference, mode
    return prev


def _restore(prev: tuple[bool, bool]) -> None:
    _state.enabled, _state.requested = prev


class set_grad_enabled:
    """Turn recording on or off; usable as a call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev = _set_mode(self.mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _restore(self.prev)

    def __call__(self, func: F) -> F:
        mode = self.mode
        _restore(self.prev)  # as a decorator it must not change the mode at definition

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradModeContext:
    """Base of no_grad/enable_grad: sets a mode for a `with` block or a decorated function
    (`@no_grad()` or `@no_grad`)."""

    mode: bool

    def __new__(cls, func: Any = None) -> Any:
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used as a bare decorator

    def __enter__(self) -> None:
        self.prev = _set_mode(self.mode)

    def __exit__(self, *exc: object) -> None:
        _restore(self.prev)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Operations inside do not record a graph: results have requires_grad=False.

    This is how parameters are updated in place: `with no_grad(): w -= lr * w.grad`.
    """

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a no_grad block."""

    mode = True


def is_inference_mode_enabled() -> bool:
    """True inside an `inference_mode()` block."""
    return _state.inference


class inference_mode(_GradModeContext):
    """`no_grad` for code that never meets autograd, such as evaluation: nothing records inside,
    not even inside an `enable_grad()` block. `inference_mode(False)` leaves inference mode and
    turns grad mode on. A `with` block or a decorator (`@inference_mode()` or `@inference_mode`).

    PyTorch also marks the tensors made inside as inference tensors, which autograd refuses
    to save later; minigrad does not mark them (so a later graph that PyTorch refuses runs)."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used as a bare decorator
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode: Any = True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self.prev_inference = _state.inference
        _state.inference = self.mode
        self.prev = _set_mode(not self.mode)

    def __exit__(self, *exc: object) -> None:
        _restore(self.prev)
        _state.inference = self.prev_inference

    def __call__(self, func: F) -> F:
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

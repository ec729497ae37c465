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
    enabled = True
    keep_saved = True  # False during a backward pass that frees what the nodes saved


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward()."""
    return _state.enabled


class set_grad_enabled:
    """Turn recording on or off; usable as a call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

    def __call__(self, func: F) -> F:
        mode = self.mode
        _state.enabled = self.prev  # as a decorator it must not change the mode at definition

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
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

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

"""A one-line progress bar on stderr for the long runs of the command line's lessons."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 0.5  # seconds: a run that ends sooner never shows a bar
INTERVAL = 0.1  # seconds between redraws, so drawing costs nothing next to training
WIDTH = 30


class ProgressBar:
    """Redraws one line: a label, the bar, step/total and the latest loss.

    Call it as `progress(step, total, loss)` after each step, the signature the reference
    programs expect. It appears only once the run has lasted `DELAY` seconds, whether the
    program reports 5000 quick steps or 10 slow epochs, and erases itself at the last step so
    that only the results stay on screen.
    """

    def __init__(
        self, label: str, stream: TextIO, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label = label
        self.stream = stream
        self.clock = clock
        self._start = clock()
        self._last_draw = -INTERVAL
        self._shown = 0  # length of the line on screen, to erase it

    def __call__(self, step: int, total: int, loss: float) -> None:
        now = self.clock() - self._start
        if step >= total:
            if self._shown:
                self.stream.write("\r" + " " * self._shown + "\r")
                self.stream.flush()
                self._shown = 0
            return
        if now < DELAY or now - self._last_draw < INTERVAL:
            return
        self._last_draw = now
        filled = WIDTH * step // total
        line = (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] "
                f"{step}/{total} loss {loss:.4g}")
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)


def progress_bar(label: str, stream: TextIO | None = None) -> ProgressBar | None:
    """A bar on `stream` (stderr by default) if it is a terminal, else None.

    A pipe or a log file gets no bar: its carriage returns would pile up as noise.
    """
    stream = sys.stderr if stream is None else stream
    return ProgressBar(label, stream) if stream.isatty() else None

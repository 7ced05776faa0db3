"""A progress display for long broadcasts on stderr: one bar redrawn in place on a terminal, otherwise
(a log file, a pipe) a line every 10 %."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30
REDRAW_INTERVAL = 0.1  # seconds between redraws of the bar (the last one is always drawn)


class ProgressBar:
    """Called with (done, total); `close` ends the bar's line."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.clock = clock
        self._drawn_at = -math.inf
        self._shown = False
        self._decile = -1

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        if self.tty:
            now = self.clock()
            if done < total and now - self._drawn_at < REDRAW_INTERVAL:
                return
            self._drawn_at = now
            filled = WIDTH * done // total
            self.stream.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} done")
        else:
            decile = 10 * done // total
            if decile <= self._decile:
                return
            self._decile = decile
            self.stream.write(f"{self.label}: {done}/{total} done ({100 * done // total} %)\n")
        self._shown = True
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\n")
            self.stream.flush()
        self._shown = False

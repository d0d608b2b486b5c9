"""Terminal output: a rich progress bar on a terminal, quiet plain lines in CI logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["CheckProgress", "warn"]


def warn(message: str, stream: TextIO | None = None) -> None:
    """One clear line on stderr about bad input; the run goes on."""
    print(f"rotwatch: {message}", file=stream or sys.stderr)


class CheckProgress:
    """Counts finished checks; draws a bar on a TTY, else a line every 10 % or 30 s.

    Plain lines are for CI logs of long runs; a run of fewer than
    PLAIN_MINIMUM links prints none.
    """

    PLAIN_INTERVAL = 30.0  # seconds between plain progress lines at most
    PLAIN_MINIMUM = 200  # links

    def __init__(self, total: int, label: str = "checking", stream: TextIO | None = None):
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        self._bar: Progress | None = None
        self._task = None
        self._next_share = 0.1
        self._last_line = time.monotonic()

    def __enter__(self) -> CheckProgress:
        if self.stream.isatty() and self.total:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, *_: object) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            return
        if self.total < self.PLAIN_MINIMUM:
            return
        now = time.monotonic()
        if self.done >= self.total * self._next_share or now - self._last_line >= self.PLAIN_INTERVAL:
            print(f"{self.label}: {self.done}/{self.total}", file=self.stream)
            self._last_line = now
            while self._next_share * self.total <= self.done and self._next_share < 1:
                self._next_share += 0.1

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

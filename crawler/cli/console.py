"""Terminal output: a rich progress bar on a terminal, quiet plain lines in CI logs, log lines on stderr.

Logging: the `crawler` logger gets its own handler, so what the package logs
reaches stderr whatever Scrapy does with the root logger. Scrapy, run through
`AsyncCrawlerRunner` (crawler/fetch/runner.py), installs no root handler
and leaves the root at WARNING, but while a spider is open its LogCount
extension puts a counting handler on the root, which silences Python's
last-resort output: without a handler of ours, a warning logged during a
crawl would be counted and never shown. Our handler prints to whatever
`sys.stderr` is when a line is logged, so lines land above a live progress
bar (rich redirects stderr while it draws) and in pytest's capture.

With -v the `scrapy` logger gets the same handler at WARNING: Scrapy's own
warnings and errors (a spider error, a setting it rejects) are what a user
debugging a run needs, and without a handler of ours the counting handler
above would swallow them too. Never by default: a normal run speaks in
rotwatch's words only, and Scrapy's DEBUG/INFO lines (one per request) would
drown them even with -v.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["CheckProgress", "configure_logging", "warn"]

QUIET_FORMAT = "rotwatch: %(message)s"  # like warn()
VERBOSE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.Handler):
    """Writes each record to the `sys.stderr` of the moment (see the module docstring)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr)
        except Exception:  # logging's contract: a failing handler reports and never raises
            self.handleError(record)


def configure_logging(verbose: bool = False) -> None:
    """The `crawler` logger on stderr: WARNING and up, or everything with -v; with -v, Scrapy's warnings too."""
    crawler = logging.getLogger("crawler")
    _attach(crawler, VERBOSE_FORMAT if verbose else QUIET_FORMAT)
    crawler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    scrapy = logging.getLogger("scrapy")
    _drop_ours(scrapy)
    if verbose:
        _attach(scrapy, VERBOSE_FORMAT, level=logging.WARNING)


def _attach(logger: logging.Logger, format: str, level: int = logging.NOTSET) -> None:
    """Our stderr handler on `logger`, replacing one attached before."""
    _drop_ours(logger)
    handler = _StderrHandler(level)
    handler.setFormatter(logging.Formatter(format, datefmt="%H:%M:%S"))
    logger.addHandler(handler)


def _drop_ours(logger: logging.Logger) -> None:
    for handler in [handler for handler in logger.handlers if isinstance(handler, _StderrHandler)]:
        logger.removeHandler(handler)


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
        self._task: TaskID | None = None
        self._next_share = 0.1
        self._last_line = time.monotonic()

    def __enter__(self) -> CheckProgress:
        self.start(self.total)
        return self

    def start(self, total: int) -> None:
        """Counts against `total` from now on: a crawl knows what is due only once the state is read."""
        self.total = total
        if self._bar is None and self.stream.isatty() and self.total:
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

    def advance(self, *_: object) -> None:
        self.done += 1
        if self._bar is not None and self._task is not None:
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

"""The machine's other cores: when a step may fork workers, and work handed round them in order.

Two steps are Python work per item that one core does at a time: reading a
large archive's issues (crawler.issues.reading) and reading a large
state's links back for the reports (crawler.nightly.stored_reports). Both
fork a worker per other core, under one rule (`spare_cores`):
- only while the process runs no other thread: a fork copies one thread and
  whatever locks the others held;
- not while the machine's load average already fills every core, the test
  `make -l` applies before it starts a job: a worker then gets no core of
  its own, and a second process costs about a fifth more CPU time (forking,
  pickling the results, the pool's thread), so on 2 cores at load 4.5 an
  8.7 MB archive took 0.9-1.8 s in two processes and 0.6 s in one
  (benchmarks/README.md).

`taken_in_order` hands pieces of work to the workers, and takes one itself
whenever each worker has its next pieces waiting; it gives the results back
in the pieces' order. A worker is forked with
what the process holds, so what a piece needs besides itself is there
already; only the pieces and the results cross a pipe. A worker never uses
a database connection the process opened: `prepare` runs first in each
worker to open its own, because a connection carried across a fork can
corrupt the database (https://www.sqlite.org/howtocorrupt.html, section
2.6).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from functools import partial
from typing import Any, Generic, TypeVar

__all__ = ["FORK_FROM_LINKS", "done_aside", "spare_cores", "taken_in_order", "workers_for"]

log = logging.getLogger(__name__)

P = TypeVar("P")
T = TypeVar("T")

FORK_FROM_LINKS = 50_000  # links from which a report step forks workers: below it a fork costs more than it saves
_AHEAD = 4  # pieces given to each worker ahead, so it always has the next (1M links read: 3 -> 12.9 s, 4 -> 12.2)
_HELD = 6  # results of its own this process holds ahead, at most (1M links: 2 -> 60 s, 6 -> 54 s)
_take_here: Callable[[Any], Any] | None = None  # in a worker: what it does with each piece


def spare_cores() -> int:
    """How many workers a step may fork now: one per other core, none when it is unsafe or
    useless (see the module)."""
    cores = os.cpu_count() or 1
    if cores == 1 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on Windows
        return cores - 1
    if load >= cores:
        log.debug("load average %.1f on %d cores: no worker processes", load, cores)
        return 0
    return cores - 1


def workers_for(links: int) -> int:
    """The workers a report step over `links` forks: `spare_cores` from FORK_FROM_LINKS links."""
    return spare_cores() if links >= FORK_FROM_LINKS else 0


def taken_in_order(
    pieces: Iterable[P],
    take: Callable[[P], T],
    *,
    workers: int,
    prepare: Callable[[], None],
    crossing: tuple[Callable[[T], Any], Callable[[Any], T]] | None = None,
) -> Iterator[T]:
    """`take` of each piece, in the pieces' order: with `workers`, by forked workers (each runs
    `prepare` first), and by this process whenever every worker has pieces waiting, so the
    share of each adapts to what else this process does (it also uses the results).
    `crossing`, if given, packs a worker's result for the pipe and unpacks it here (plain
    tuples cross faster than dataclasses)."""
    if workers < 1:
        yield from map(take, pieces)
        return
    pack, unpack = crossing if crossing is not None else (_as_is, _as_is)
    log.debug("%d worker process%s", workers, "" if workers == 1 else "es")
    context, there = multiprocessing.get_context("fork"), partial(_packed, pack, take)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start, initargs=(there, prepare)) as pool:
        waiting: deque[Future[Any] | _Taken[T]] = deque()
        try:
            for piece in pieces:
                while waiting and (_ready(waiting[0]) or len(waiting) >= _AHEAD * workers + _HELD):
                    yield _result(waiting.popleft(), unpack)
                if sum(isinstance(entry, Future) for entry in waiting) < _AHEAD * workers:
                    waiting.append(pool.submit(_take_there, piece))
                else:  # every worker has its next pieces: this process takes this one meanwhile
                    waiting.append(_Taken(take(piece)))
            while waiting:
                yield _result(waiting.popleft(), unpack)
        finally:
            pool.shutdown(cancel_futures=True)


def _packed(pack: Callable[[T], Any], take: Callable[[P], T], piece: P) -> Any:
    return pack(take(piece))


def _as_is(value: T) -> T:
    return value


@contextmanager
def done_aside(task: Callable[[], T], *, prepare: Callable[[], None], worker: bool) -> Iterator[Callable[[], T]]:
    """`task` done by a forked worker (which runs `prepare` first) while the block runs, when
    `worker`; else by this process when the block asks for its result. Yields what gives the
    result (waiting for the worker); leaving the block waits for the worker."""
    if not worker:
        yield task
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=_start, initargs=(partial(_call, task), prepare)
    ) as pool:
        log.debug("1 worker process aside")
        done = pool.submit(_take_there, None)  # the task itself is inherited, not pickled
        try:
            yield done.result
        finally:
            wait([done])


def _call(task: Callable[[], T], _: object) -> T:
    return task()


class _Taken(Generic[T]):
    """A piece this process took: its result, ready."""

    def __init__(self, value: T) -> None:
        self.value = value


def _ready(waiting: Future[Any] | _Taken[T]) -> bool:
    return isinstance(waiting, _Taken) or waiting.done()


def _result(waiting: Future[Any] | _Taken[T], unpack: Callable[[Any], T]) -> T:
    return waiting.value if isinstance(waiting, _Taken) else unpack(waiting.result())


def _start(take: Callable[[Any], Any], prepare: Callable[[], None]) -> None:
    """A worker's first step: what it does with each piece (inherited by the fork, not pickled).
    Ctrl-C reaches every process of the terminal's group; the one that forked decides what it
    means (the crawl stops and reports), so a worker ignores it."""
    global _take_here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare()
    _take_here = take


def _take_there(piece: Any) -> Any:
    if _take_here is None:
        raise RuntimeError("a worker was given a piece before it started")
    return _take_here(piece)

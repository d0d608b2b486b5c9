"""When Python's cycle collector runs, step by step of a run: every setting of `gc` is here.

During a crawl, objects that live through it are kept out of the collector's
full passes, so the reactor does not stall (`long_lived_frozen`,
`FrozenAsKept`). After it, while the reports are built from the state, the
collector is held off (`collector_paused` a chunk at a time,
`collected_once_after` while the reports are written): that work makes
millions of short-lived objects and almost no cycles, and no network waits
on it.

CPython's full collection scans every tracked object, and a crawl holds many
that live to its end or close to it: the issues, link occurrences and plan
built before it, then the start requests waiting in the scheduler's queue
(all 20,000 of the benchmark, with their meta and headers, when they were
scheduled at once; now a window of them and the piles of slow sites,
crawler.fetch.start_window). On the 20,000-link benchmark a dozen full
passes a run stopped the reactor for 33-156 ms each (all scheduled at
once); meanwhile no answer is read, and a server
streaming a large body wrote up to 4 MB before the early stop could reset
it (crawler.fetch.hard_stop). `gc.freeze()` moves the objects that exist
now to a generation the collector skips; done as the crawl starts and again
once every start request is read, the passes during the crawl took
20-39 ms (measured with the same corpus). Frozen objects are still freed by
reference counting, and the crawl ends by unfreezing, so whatever became
cyclic garbage meanwhile is collected as usual.

A run that keeps its results to the end (`rotwatch check` judges each and
keeps what its reports read) grows the heap a full pass scans: on the
20,000-link benchmark the passes grew from 13 to 94 ms of CPU as the results
piled up (measured with gc.callbacks), and the largest PDF body that reached
the socket before its reset grew to 700-960 KB (the simulated web writes at
16 MB/s, so each 20 ms of stall is about 300 KB). `FrozenAsKept` freezes
the kept results as they come, every FREEZE_EVERY of them, after a full
pass: the pass then scans only what was made since the last freeze, so it
stays short, and the garbage it finds is not frozen with the results.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["FrozenAsKept", "collected_once_after", "collector_paused", "freeze_long_lived", "long_lived_frozen"]

FREEZE_EVERY = 1_000  # results kept between two freezes: a pass over 1,000 results' objects takes a few ms


def freeze_long_lived() -> None:
    """Keeps every object that exists now out of full collections (until `long_lived_frozen` ends)."""
    gc.freeze()


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Runs a crawl with the objects that exist as it starts, and any frozen during it, out of full passes."""
    freeze_long_lived()
    try:
        yield
    finally:
        gc.unfreeze()


class FrozenAsKept:
    """Freezes what a run keeps to its end, a batch of results at a time (see the module docstring)."""

    def __init__(self, every: int = FREEZE_EVERY):
        self._every, self._kept = every, 0

    def kept(self) -> None:
        """Counts one result kept; every `every`, collects the garbage and freezes what is left."""
        self._kept += 1
        if self._kept % self._every == 0:
            gc.collect()
            gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector held off for a block: building a chunk of 10,000 reports makes some
    100,000 objects, none in a cycle, which set off several full collections per chunk, each
    going over every object alive (half the time of reading the state back: issue 14)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def collected_once_after() -> Iterator[None]:
    """The cycle collector off for a block, and one full collection after it: writing the reports
    makes millions of short-lived objects and no cycles worth collecting as it goes, so the
    passes found nothing and cost `rotwatch report` 18 % of its time (200,000 links: 24.8 ->
    20.3 s, peak memory the same; issue 14). Reference counting still frees every chunk."""
    try:
        with collector_paused():
            yield
    finally:
        gc.collect()

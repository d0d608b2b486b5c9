"""Objects that live through a crawl are kept out of the garbage collector's full passes.

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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze_long_lived", "long_lived_frozen"]


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

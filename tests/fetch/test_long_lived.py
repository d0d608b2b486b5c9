"""Long-lived objects out of full garbage collections for a crawl's duration, and back after it."""

from __future__ import annotations

import gc

import crawler.fetch.long_lived
from crawler.fetch.long_lived import freeze_long_lived, long_lived_frozen


def test_public_names():
    assert crawler.fetch.long_lived.__all__ == ["freeze_long_lived", "long_lived_frozen"]


def test_what_exists_and_what_is_frozen_meanwhile_is_unfrozen_at_the_end():
    with long_lived_frozen():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        queued = [[n] for n in range(1000)]  # like requests waiting in the scheduler's queue
        freeze_long_lived()
        assert gc.get_freeze_count() >= frozen + len(queued)
    assert gc.get_freeze_count() == 0

"""The cycle collector's settings per step: long-lived objects out of full passes for a crawl's
duration and back after it; held off, or run less often, while reports are built."""

from __future__ import annotations

import gc
import weakref

import pytest

import crawler.collector
from crawler.collector import (
    FrozenAsKept,
    collected_once_after,
    collector_paused,
    freeze_long_lived,
    long_lived_frozen,
)


def test_public_names():
    assert crawler.collector.__all__ == [
        "FrozenAsKept",
        "collected_once_after",
        "collector_paused",
        "freeze_long_lived",
        "long_lived_frozen",
    ]


def test_what_exists_and_what_is_frozen_meanwhile_is_unfrozen_at_the_end():
    with long_lived_frozen():
        frozen = gc.get_freeze_count()
        assert frozen > 0
        queued = [[n] for n in range(1000)]  # like requests waiting in the scheduler's queue
        freeze_long_lived()
        assert gc.get_freeze_count() >= frozen + len(queued)
    assert gc.get_freeze_count() == 0


class _Node:
    """An object in a reference cycle: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_kept_results_are_frozen_a_batch_at_a_time_and_the_garbage_with_them_is_collected_first():
    gc.disable()  # only FrozenAsKept collects here
    try:
        with long_lived_frozen():
            frozen = FrozenAsKept(every=3)
            before = gc.get_freeze_count()
            kept = []
            for n in range(2):
                kept.append([n])
                frozen.kept()
            assert gc.get_freeze_count() == before  # not a batch yet
            garbage = weakref.ref(_Node())
            assert garbage() is not None  # a cycle outlives its last reference until a pass
            kept.append([2])
            frozen.kept()
            assert gc.get_freeze_count() >= before + len(kept)
            assert garbage() is None
    finally:
        gc.enable()


def test_reports_are_written_without_collections_and_their_cycles_are_collected_once_after_even_on_error():
    garbage: list[weakref.ref[_Node]] = []
    with pytest.raises(RuntimeError), collected_once_after():
        assert not gc.isenabled()
        garbage.append(weakref.ref(_Node()))
        [[n] for n in range(10_000)]  # allocations that would set off automatic passes
        assert garbage[0]() is not None
        raise RuntimeError("a report failed")
    assert gc.isenabled()
    assert garbage[0]() is None


def test_a_paused_collector_is_enabled_again_only_if_it_was_before():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()

"""Tests for crawler/wayback/pace.py: the archive's rates and the time pending lookups still need."""

from __future__ import annotations

import pytest

import crawler.wayback.pace
from crawler.wayback.pace import (
    BATCH_SIZE,
    DEFAULT_PLAYBACK_RATE,
    DEFAULT_QUERY_RATE,
    FIRST_PASS,
    LookupCosts,
    minutes_left,
    observed_costs,
)


def test_public_names_are_pinned():
    assert sorted(crawler.wayback.pace.__all__) == [
        "BATCH_SIZE",
        "BUDGET_HELP",
        "DEFAULT_PLAYBACK_RATE",
        "DEFAULT_QUERY_RATE",
        "FIRST_PASS",
        "LookupCosts",
        "PLAYBACK",
        "QUERY",
        "SAVE_HELP",
        "minutes_left",
        "observed_costs",
    ]


def test_defaults_are_80_percent_of_the_real_limits():
    assert (DEFAULT_QUERY_RATE, DEFAULT_PLAYBACK_RATE) == (0.8 * 30, 0.8 * 600)
    assert BATCH_SIZE == 100


def test_nothing_pending_needs_no_time():
    assert minutes_left(0, FIRST_PASS, 24, 480) == 0.0


def test_the_slower_pool_decides():
    # 3,300 dead links: 3,630 verifications at 480/min (7.6 min) against 726 queries at 24/min (30 min).
    assert minutes_left(3300, FIRST_PASS, 24, 480) == pytest.approx(3300 * FIRST_PASS.query / 24)
    assert minutes_left(3300, LookupCosts(query=0.0, playback=2.0), 24, 480) == pytest.approx(3300 * 2 / 480)


def test_a_few_pending_pairs_still_cost_a_whole_batch():
    assert minutes_left(1, LookupCosts(query=0.0, playback=0.0), 24, 480) == pytest.approx(1 / 24)


def test_a_runs_own_costs_are_used_once_it_answered_enough():
    assert observed_costs(5, 100, 100) == FIRST_PASS
    assert observed_costs(200, 10, 220) == LookupCosts(query=0.05, playback=1.1)

"""The nightly crawl's rules, without a database: dead policy, rechecks, archive answers, diffs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest

import crawler.nightly.policy
from crawler.models import LinkHistory, LookupOutcome, RunDiff, Verdict
from crawler.nightly.policy import (
    Policy,
    advance,
    is_dead,
    is_due,
    needs_fresh_capture,
    next_check,
    run_diff,
    trusted_lookup,
    why_due,
)
from tests.nightly.state_helpers import CAPTURE, DAY, T0

POLICY = Policy()


def new_link(url: str = "https://example.com/a") -> LinkHistory:
    return LinkHistory(url, first_seen=T0)


def checked(verdicts: list[tuple[float, Verdict]], url: str = "https://example.com/a") -> LinkHistory:
    """The history after checks on the given days (days after T0)."""
    history = new_link(url)
    for day, verdict in verdicts:
        history = advance(history, verdict, T0 + day * DAY, POLICY)
    return history


# --- the dead policy, without a database ------------------------------------


def test_broken_is_dead_at_once():
    history = checked([(0, Verdict.BROKEN)])
    assert history.dead and history.dead_since == T0 and history.consecutive_failures == 1


def test_unreachable_three_nights_over_two_days_is_not_dead():
    history = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE), (2, Verdict.UNREACHABLE)])
    assert history.consecutive_failures == 3 and history.failing_since == T0
    assert not history.dead


def test_unreachable_three_checks_spanning_seven_days_is_dead():
    history = checked([(0, Verdict.UNREACHABLE), (4, Verdict.UNREACHABLE), (7, Verdict.UNREACHABLE)])
    assert history.dead and history.dead_since == T0 + 7 * DAY


def test_unreachable_every_night_dies_on_the_eighth_night():
    nights = [(day, Verdict.UNREACHABLE) for day in range(8)]
    assert not checked(nights[:7]).dead
    assert checked(nights).dead


@pytest.mark.parametrize(
    ("verdict", "failures", "days", "dead"),
    [
        (Verdict.BROKEN, 1, 0, True),
        (Verdict.UNREACHABLE, 2, 30, False),  # long, but too few checks
        (Verdict.UNREACHABLE, 3, 6.9, False),  # enough checks, too short
        (Verdict.UNREACHABLE, 3, 7, True),
        (Verdict.BLOCKED, 10, 30, False),  # a server that refuses robots is not gone
        (Verdict.OK, 0, 0, False),
    ],
)
def test_a_check_ending_a_streak_makes_the_link_dead(verdict, failures, days, dead):
    """The check is the last of `failures` failing checks in a row, the first at T0."""
    streak = replace(new_link(), consecutive_failures=failures - 1, failing_since=T0) if failures > 1 else new_link()
    assert advance(streak, verdict, T0 + days * DAY, POLICY).dead is dead


def test_is_dead_means_broken_now_or_dead_by_the_history():
    assert is_dead(Verdict.BROKEN, None)  # no history: dead only when broken now
    assert not is_dead(Verdict.UNREACHABLE, None)
    assert not is_dead(Verdict.UNREACHABLE, checked([(0, Verdict.UNREACHABLE), (7, Verdict.UNREACHABLE)]))
    assert is_dead(Verdict.UNREACHABLE, checked([(day, Verdict.UNREACHABLE) for day in range(8)]))
    assert is_dead(Verdict.BLOCKED, checked([(0, Verdict.BROKEN), (7, Verdict.BLOCKED)]))  # sticky


def test_recovery_clears_dead_and_the_streak():
    history = checked([(0, Verdict.BROKEN), (7, Verdict.OK)])
    assert not history.dead and history.dead_since is None
    assert history.consecutive_failures == 0 and history.failing_since is None
    assert history.last_ok == T0 + 7 * DAY


def test_redirected_is_a_recovery_too():
    assert not checked([(0, Verdict.BROKEN), (7, Verdict.REDIRECTED)]).dead


def test_a_dead_link_that_starts_timing_out_stays_dead():
    history = checked([(0, Verdict.BROKEN), (7, Verdict.UNREACHABLE)])
    assert history.dead and history.dead_since == T0


def test_blocked_ends_an_unreachable_streak():
    history = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE), (2, Verdict.BLOCKED)])
    assert history.consecutive_failures == 0 and history.failing_since is None
    history = advance(history, Verdict.UNREACHABLE, T0 + 8 * DAY, POLICY)
    assert history.failing_since == T0 + 8 * DAY and not history.dead


def test_blocked_neither_kills_nor_revives():
    assert not checked([(day, Verdict.BLOCKED) for day in range(30)]).dead
    assert checked([(0, Verdict.BROKEN), (7, Verdict.BLOCKED)]).dead


def test_skipped_changes_only_the_last_verdict():
    before = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE)])
    after = advance(before, Verdict.SKIPPED, T0 + 2 * DAY, POLICY)
    assert after.consecutive_failures == 2 and after.failing_since == T0
    assert (after.last_verdict, after.last_checked) == (Verdict.SKIPPED, T0 + 2 * DAY)


# --- rechecks, without a database -------------------------------------------


def test_new_links_are_due():
    assert is_due(None, T0, POLICY)
    assert is_due(new_link(), T0, POLICY)


@pytest.mark.parametrize("verdict", [Verdict.OK, Verdict.REDIRECTED, Verdict.BLOCKED, Verdict.SKIPPED])
def test_links_that_answered_wait_recheck_after_within_the_jitter(verdict):
    links = [checked([(0, verdict)], f"https://site{n}.example/page") for n in range(200)]
    earliest, latest = T0 + POLICY.recheck_after * 0.75, T0 + POLICY.recheck_after * 1.25
    assert not any(is_due(link, earliest - timedelta(seconds=1), POLICY) for link in links)
    assert all(is_due(link, latest, POLICY) for link in links)
    halfway = sum(is_due(link, T0 + POLICY.recheck_after, POLICY) for link in links)
    assert 60 < halfway < 140


def test_jitter_is_fixed_by_the_url_and_its_last_check():
    link = checked([(0, Verdict.OK)])
    assert next_check(link, POLICY) == next_check(checked([(0, Verdict.OK)]), POLICY)
    later = [next_check(checked([(day, Verdict.OK)]), POLICY) - day * DAY for day in range(20)]
    assert len(set(later)) > 15  # each cycle draws a new offset


def test_jitter_spreads_a_thousand_links_evenly_over_the_nights():
    """All first checked on one night; within two weeks each night does a similar share."""
    links = {url: new_link(url) for url in (f"https://site{n}.example/post/{n}" for n in range(1000))}
    per_night = Counter()
    for night in range(42):
        now = T0 + night * DAY
        for url, history in links.items():
            if is_due(history, now, POLICY):
                links[url] = advance(history, Verdict.OK, now, POLICY)
                per_night[night] += 1
    assert per_night[0] == 1000 and per_night[1] == per_night[2] == 0
    assert 350 < per_night[3] < 650 and per_night[3] + per_night[4] == 1000
    steady = [per_night[night] for night in range(21, 42)]
    mean = sum(steady) / len(steady)  # 1000 links / 3.5 nights on average
    assert all(0.7 * mean < checks < 1.3 * mean for checks in steady), steady


def test_unreachable_links_are_due_every_run():
    history = checked([(0, Verdict.UNREACHABLE)])
    assert is_due(history, T0, POLICY) and is_due(history, T0 + DAY, POLICY)


def test_why_due_names_the_rule_that_made_a_link_due():
    assert why_due(None, POLICY) == why_due(new_link(), POLICY) == "never checked"
    assert why_due(checked([(0, Verdict.UNREACHABLE)]), POLICY).startswith("unreachable: checked every run")
    assert why_due(checked([(0, Verdict.BROKEN)]), POLICY) == (
        "dead: rechecked to notice a return; last checked 2024-03-01 02:00, due from 2024-03-08 02:00"
    )
    assert why_due(checked([(0, Verdict.OK)]), POLICY).startswith("ok: rechecked after recheck_after")


def test_dead_links_are_due_weekly():
    for verdicts in ([(0, Verdict.BROKEN)], [(day, Verdict.UNREACHABLE) for day in range(8)]):
        history = checked(verdicts)
        assert not is_due(history, history.last_checked + 6 * DAY, POLICY)
        assert is_due(history, history.last_checked + 7 * DAY, POLICY)


# --- archive answers and diffs, without a database --------------------------


def test_a_verified_capture_is_trusted_for_good():
    lookup = trusted_lookup("https://example.com/a", CAPTURE, T0, T0 + 3650 * DAY, POLICY)
    assert lookup is not None and lookup.outcome is LookupOutcome.FOUND and lookup.snapshot == CAPTURE


def test_no_capture_is_trusted_for_thirty_days():
    assert trusted_lookup("https://example.com/a", None, T0, T0 + 29 * DAY, POLICY).outcome is LookupOutcome.NONE
    assert trusted_lookup("https://example.com/a", None, T0, T0 + 30 * DAY, POLICY) is None


def test_a_remembered_answer_keeps_the_date_it_was_cited_on():
    lookup = trusted_lookup("https://example.com/a", CAPTURE, T0, T0 + DAY, POLICY, date(2024, 3, 27))
    assert lookup is not None and lookup.cited_on == date(2024, 3, 27)


def test_a_live_link_needs_a_fresh_capture_only_without_a_recent_capture_or_save():
    now = T0 + 1000 * DAY
    assert needs_fresh_capture(None, None, now, POLICY)  # nothing known: ask
    recent = (now - 364 * DAY).strftime("%Y%m%d%H%M%S")
    old = (now - 366 * DAY).strftime("%Y%m%d%H%M%S")
    assert not needs_fresh_capture(recent, None, now, POLICY)
    assert needs_fresh_capture(old, None, now, POLICY)
    assert not needs_fresh_capture(old, now - 364 * DAY, now, POLICY)  # saved by us within the year
    assert needs_fresh_capture(None, now - 366 * DAY, now, POLICY)
    assert not needs_fresh_capture(old, None, now, Policy(save_max_age=400 * DAY))


def test_run_diff_sorts_links_into_newly_dead_fixed_still_dead():
    standings = [("d", False, True), ("c", True, False), ("b", True, True), ("a", False, True), ("e", False, False)]
    assert run_diff(standings) == RunDiff(newly_dead=("a", "d"), fixed=("c",), still_dead=("b",))


def test_public_names_are_pinned():
    assert sorted(crawler.nightly.policy.__all__) == sorted(
        [
            "Policy",
            "advance",
            "instant_text",
            "is_dead",
            "is_due",
            "needs_fresh_capture",
            "next_check",
            "policy_of",
            "run_diff",
            "trusted_lookup",
            "why_due",
        ]
    )

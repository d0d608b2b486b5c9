"""Which "then" a live link is compared with, when the archive is asked, and what a drift mends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import crawler.nightly.drift_rules
from crawler.check.drift import Fingerprint
from crawler.models import Assessment, CheckResult, Drift, DriftKind, Page, Snapshot, Verdict
from crawler.nightly.drift_rules import (
    FIRST_CHECK_WINDOW,
    Baseline,
    BaselineSource,
    DriftRewrite,
    capture_of,
    counts_as_then,
    drift_of,
    earliest_cited,
    mends,
    needs_capture,
    page_fingerprint,
)

URL = "https://editor.example/blog/launch"
ISSUE = date(2023, 5, 1)
NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
THEN = Fingerprint(title="Launch notes | Example Editor", site="Example Editor")
TAKEN = Fingerprint(title="Situs Slot Gacor Online Terpercaya | Daftar Togel Maxwin", takeover_words=("slot gacor",))
CAPTURE_URL = "https://web.archive.org/web/20230420101500/https://editor.example/blog/launch"


def first_check(on: date, kept: Fingerprint | None = THEN) -> Baseline:
    return Baseline(URL, BaselineSource.FIRST_CHECK, kept, on, NOW)


def capture(kept: Fingerprint | None = THEN) -> Baseline:
    return Baseline(URL, BaselineSource.CAPTURE, kept, date(2023, 4, 20) if kept else None, NOW, CAPTURE_URL)


def test_public_names_are_pinned():
    assert sorted(crawler.nightly.drift_rules.__all__) == [
        "Baseline",
        "BaselineSource",
        "DriftRewrite",
        "FIRST_CHECK_WINDOW",
        "LIVE",
        "capture_of",
        "counts_as_then",
        "drift_of",
        "earliest_cited",
        "mends",
        "needs_capture",
        "page_fingerprint",
    ]


def test_only_live_pages_are_fingerprinted():
    page = Page("Launch notes | Example Editor")
    assert page_fingerprint(CheckResult(URL, 200, page=page), Assessment(Verdict.OK, "200")) == Fingerprint(
        "Launch notes | Example Editor", "Example Editor"
    )
    assert page_fingerprint(CheckResult(URL, 200, page=page), Assessment(Verdict.BROKEN, "soft 404")) is None
    assert page_fingerprint(CheckResult(URL, 200), Assessment(Verdict.OK, "200")) is None  # an image: no page


def test_the_earliest_dated_issue_is_the_one_that_counts():
    assert earliest_cited([date(2024, 1, 2), None, date(2023, 5, 1)]) == date(2023, 5, 1)
    assert earliest_cited([None, None]) is None


def test_a_first_check_proves_the_page_only_within_the_window_after_the_issue():
    assert counts_as_then(first_check(ISSUE + FIRST_CHECK_WINDOW), ISSUE)
    assert not counts_as_then(first_check(ISSUE + FIRST_CHECK_WINDOW + (ISSUE - date(2023, 4, 30))), ISSUE)
    assert counts_as_then(first_check(date(2024, 7, 1)), None)  # undated: rotwatch's own memory is all there is
    assert counts_as_then(capture(), ISSUE) and not counts_as_then(capture(None), ISSUE)


def test_the_archive_is_asked_once_for_a_dated_link_whose_first_check_came_too_late():
    assert needs_capture(None, ISSUE)
    assert needs_capture(first_check(date(2024, 7, 1)), ISSUE)
    assert not needs_capture(first_check(date(2023, 5, 2)), ISSUE)
    assert not needs_capture(capture(), ISSUE) and not needs_capture(capture(None), ISSUE)  # kept for good
    assert not needs_capture(None, None)  # no date to look before


def test_drift_is_judged_for_live_links_against_the_then_that_counts():
    drift = drift_of(Verdict.OK, TAKEN, capture(), ISSUE)
    assert drift is not None and drift.kind is DriftKind.TAKEOVER
    assert (drift.then_title, drift.now_title, drift.capture, drift.then_on) == (
        THEN.title,
        TAKEN.title,
        CAPTURE_URL,
        "2023-04-20",
    )
    assert drift_of(Verdict.BROKEN, TAKEN, capture(), ISSUE) is None  # dead, not drifted
    assert drift_of(Verdict.OK, TAKEN, first_check(date(2024, 7, 1)), ISSUE) is None  # proves nothing
    assert drift_of(Verdict.OK, TAKEN, capture(None), ISSUE) is None
    redesign = Fingerprint(title="Launch notes – Example Editor Blog", site="Example Editor Blog")
    assert drift_of(Verdict.REDIRECTED, redesign, capture(), ISSUE) is None


@pytest.mark.parametrize(
    ("kind", "mode", "mended"),
    [
        (DriftKind.TAKEOVER, DriftRewrite.TAKEOVER, True),
        (DriftKind.PARKED, DriftRewrite.TAKEOVER, True),
        (DriftKind.REPLACED, DriftRewrite.TAKEOVER, False),
        (DriftKind.REPLACED, DriftRewrite.ALL, True),
        (DriftKind.TAKEOVER, DriftRewrite.OFF, False),
    ],
)
def test_drift_rewrite_says_which_drifts_the_archival_copy_mends(kind, mode, mended):
    assert mends(Drift(kind, "why", "then", "now", CAPTURE_URL, "2023-04-20"), mode) is mended
    assert not mends(Drift(kind, "why", "then", "now"), DriftRewrite.ALL)  # a first check has no capture


def test_a_mended_link_points_at_the_capture_it_was_compared_with():
    drift = Drift(DriftKind.TAKEOVER, "why", "then", "now", CAPTURE_URL, "2023-04-20")
    assert capture_of(URL, drift) == Snapshot(URL, "20230420101500", 200)
    assert capture_of(URL, Drift(DriftKind.TAKEOVER, "why", "then", "now")) is None

"""Tests for crawler/wayback/lookups.py: which archive request answers which (URL, date) lookup."""

from __future__ import annotations

import logging
from datetime import date

import pytest

import crawler.wayback.lookups
from crawler.models import ArchiveLookup, CaptureCheck, LookupOutcome, RecentCapture, Snapshot
from crawler.wayback.lookups import (
    MAX_TRIES,
    ArchiveLookups,
    AskAvailability,
    AskBatch,
    AskIndex,
    Verify,
)

URL = "https://gone.example/story"
MARCH, JUNE = date(2024, 3, 27), date(2024, 6, 5)


def snap(timestamp: str, url: str = URL) -> Snapshot:
    return Snapshot(url, timestamp, 200)


def good(url: str, timestamp: str) -> CaptureCheck:
    return CaptureCheck(url, timestamp, True, snap(timestamp, url), "captured")


def bad(url: str, timestamp: str, why: str = "the capture is a 'not found' page") -> CaptureCheck:
    return CaptureCheck(url, timestamp, False, None, why)


def only(steps: list, kind: type) -> list:
    return [step for step in steps if isinstance(step, kind)]


def settled(steps: list) -> dict:
    return {(s.url, s.cited_on): (s.outcome, s.snapshot and s.snapshot.timestamp) for s in only(steps, ArchiveLookup)}


def test_public_names_are_pinned():
    assert sorted(crawler.wayback.lookups.__all__) == [
        "ArchiveLookups",
        "AskAvailability",
        "AskBatch",
        "AskIndex",
        "MAX_TRIES",
        "NOTHING_BEFORE",
        "Pair",
        "Step",
        "Verify",
    ]


def test_pairs_go_out_a_hundred_lines_a_batch_before_their_date():
    plan = ArchiveLookups([(f"https://gone.example/{n}", MARCH) for n in range(250)])
    batches = [plan.next_batch(), plan.next_batch(), plan.next_batch()]
    assert [len(batch.lines) for batch in batches] == [100, 100, 50]
    assert {batch.closest for batch in batches} == {"before"}
    assert batches[2].tags == [str(n) for n in range(50)]
    assert plan.next_batch() is None


def test_a_capture_offered_for_two_dates_is_verified_once_and_serves_both():
    plan = ArchiveLookups([(URL, MARCH), (URL, JUNE)])
    batch = plan.next_batch()
    steps = plan.batch_answered(batch.number, {"0": snap("20240301000000"), "1": snap("20240301000000")})
    assert steps == [Verify(URL, snap("20240301000000"))]
    assert settled(plan.verified(good(URL, "20240301000000"))) == {
        (URL, MARCH): (LookupOutcome.FOUND, "20240301000000"),
        (URL, JUNE): (LookupOutcome.FOUND, "20240301000000"),
    }
    assert plan.open == set()


def test_nothing_before_asks_after_in_one_batch_once_the_befores_are_answered():
    plan = ArchiveLookups([("https://a.example/", MARCH), ("https://b.example/", MARCH), ("https://c.example/", None)])
    before = plan.next_batch()
    # undated: the newest was asked for, and there is none: the index confirms
    assert plan.batch_answered(before.number, {"0": None, "1": None, "2": None}) == [AskIndex("https://c.example/")]
    after = plan.next_batch()
    assert (after.closest, after.lines) == ("after", (("https://a.example/", MARCH), ("https://b.example/", MARCH)))
    steps = plan.batch_answered(after.number, {"0": snap("20240401000000", "https://a.example/"), "1": None})
    assert steps == [
        Verify("https://a.example/", snap("20240401000000", "https://a.example/")),
        AskIndex("https://b.example/"),
    ]


def test_no_capture_at_all_is_confirmed_by_the_index_which_may_list_one():
    plan = ArchiveLookups([(URL, MARCH)])
    plan.batch_answered(plan.next_batch().number, {"0": None})
    assert plan.batch_answered(plan.next_batch().number, {"0": None}) == [AskIndex(URL)]
    assert settled(plan.index_answered(URL, [])) == {(URL, MARCH): (LookupOutcome.NONE, None)}
    plan = ArchiveLookups([(URL, MARCH)])
    plan.batch_answered(plan.next_batch().number, {"0": None})
    plan.batch_answered(plan.next_batch().number, {"0": None})
    assert plan.index_answered(URL, [snap("20240301000000")]) == [Verify(URL, snap("20240301000000"))]


def test_after_lines_wait_for_a_full_batch_or_the_last_before_answer():
    plan = ArchiveLookups([(f"https://gone.example/{n}", MARCH) for n in range(150)], batch_size=100)
    first, second = plan.next_batch(), plan.next_batch()
    plan.batch_answered(first.number, dict.fromkeys(first.tags))  # 100 with nothing before
    after = plan.next_batch()
    assert (after.closest, len(after.lines)) == ("after", 100)  # a full batch goes at once
    plan.batch_answered(second.number, {"0": None})  # one with nothing before; 49 unanswered
    assert plan.next_batch().lines == (("https://gone.example/100", MARCH),)


def test_a_rejected_candidate_sends_the_url_to_the_index_which_serves_all_its_dates():
    plan = ArchiveLookups([(URL, MARCH), (URL, JUNE)])
    batch = plan.next_batch()
    plan.batch_answered(batch.number, {"0": snap("20240320000000"), "1": snap("20240601000000")})
    assert plan.verified(bad(URL, "20240320000000"))[1:] == [AskIndex(URL)]
    assert only(plan.verified(bad(URL, "20240601000000")), AskIndex) == []  # asked once per URL
    listing = [snap(ts) for ts in ("20240101000000", "20240310000000", "20240320000000", "20240601000000")]
    steps = plan.index_answered(URL, listing)
    assert steps == [Verify(URL, snap("20240310000000"))]  # both dates' closest untried capture
    assert len(settled(plan.verified(good(URL, "20240310000000")))) == 2


def test_captures_verified_in_earlier_runs_are_not_fetched_again():
    known = [good(URL, "20240320000000"), bad("https://b.example/", "20240320000000")]
    plan = ArchiveLookups([(URL, MARCH), ("https://b.example/", MARCH)], checks=known)
    batch = plan.next_batch()
    steps = plan.batch_answered(
        batch.number, {"0": snap("20240320000000"), "1": snap("20240320000000", "https://b.example/")}
    )
    assert settled(steps) == {(URL, MARCH): (LookupOutcome.FOUND, "20240320000000")}
    assert only(steps, AskIndex) == [AskIndex("https://b.example/")]
    listing = [snap("20240320000000", "https://b.example/"), snap("20240201000000", "https://b.example/")]
    assert plan.index_answered("https://b.example/", listing) == [Verify("https://b.example/", listing[1])]


def test_an_unanswered_line_goes_to_the_index():
    plan = ArchiveLookups([(URL, MARCH), ("https://b.example/", MARCH)])
    batch = plan.next_batch()
    assert plan.batch_answered(batch.number, {"1": None}) == [AskIndex(URL)]


def test_after_max_tries_rejections_the_pair_has_no_capture():
    plan = ArchiveLookups([(URL, MARCH)])
    batch = plan.next_batch()
    plan.batch_answered(batch.number, {"0": snap("20240326000000")})
    plan.verified(bad(URL, "20240326000000"))
    steps = plan.index_answered(URL, [snap(f"202403{day:02d}000000") for day in range(1, 27)])
    for _ in range(MAX_TRIES - 1):
        (verify,) = only(steps, Verify)
        steps = plan.verified(bad(URL, verify.capture.timestamp, "parked"))
    assert settled(steps) == {(URL, MARCH): (LookupOutcome.NONE, None)}
    assert only(steps, ArchiveLookup)[0].detail == "parked"


@pytest.mark.parametrize("why", ["the batch availability API answered HTTP 500", "not JSON"])
def test_a_broken_batch_endpoint_sends_every_pair_to_the_index_for_the_rest_of_the_run(why, caplog):
    pairs = [(URL, MARCH), (URL, JUNE), ("https://b.example/", MARCH)]
    plan = ArchiveLookups(pairs, recent=["https://live.example/"], today=JUNE, batch_size=2)
    first = plan.next_batch()
    with caplog.at_level(logging.WARNING, logger="crawler.wayback.lookups"):
        steps = plan.batch_failed(first.number, why, broken=True)
    assert plan.batch_off == why and plan.next_batch() is None
    assert sorted(step.url for step in steps) == ["https://b.example/", URL]  # one index query per URL
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    steps = plan.index_answered(URL, [])
    assert steps == [AskAvailability(URL, MARCH), AskAvailability(URL, JUNE)]  # the index may be falsely empty
    assert settled(plan.availability_answered((URL, MARCH), None)) == {(URL, MARCH): (LookupOutcome.NONE, None)}


def test_a_batch_refused_with_429_fails_its_pairs_and_keeps_batches_on():
    plan = ArchiveLookups([(URL, MARCH)])
    batch = plan.next_batch()
    assert settled(plan.batch_failed(batch.number, "the archive kept answering 429", broken=False)) == {
        (URL, MARCH): (LookupOutcome.FAILED, None)
    }
    assert plan.batch_off == ""


def test_failures_fail_the_pairs_waiting_on_them():
    plan = ArchiveLookups([(URL, MARCH), ("https://b.example/", MARCH)])
    batch = plan.next_batch()
    plan.batch_answered(batch.number, {"0": snap("20240301000000")})
    assert settled(plan.verification_failed(URL, "20240301000000", "HTTP 503")) == {
        (URL, MARCH): (LookupOutcome.FAILED, None)
    }
    assert settled(plan.index_failed("https://b.example/", "timeout")) == {
        ("https://b.example/", MARCH): (LookupOutcome.FAILED, None)
    }


def test_live_links_are_asked_for_their_newest_capture_after_the_lookups():
    plan = ArchiveLookups([(URL, MARCH)], recent=["https://live.example/", "https://new.example/"], today=JUNE)
    lookups, recent = plan.next_batch(), plan.next_batch()
    assert (lookups.recent, recent.recent, recent.closest) == (False, True, "before")
    assert recent.lines == (("https://live.example/", JUNE), ("https://new.example/", JUNE))
    assert plan.batch_answered(recent.number, {"0": snap("20230101000000", "https://live.example/")}) == [
        RecentCapture("https://live.example/", "20230101000000")  # the unanswered line says nothing
    ]
    assert plan.next_batch() is None and isinstance(lookups, AskBatch)


def test_past_max_tries_a_capture_verified_for_another_date_is_still_taken():
    early, late = date(2018, 9, 19), date(2020, 9, 2)
    listing = [snap(ts) for ts in ("20180712000000", "20190515000000", "20200620000000", "20200830000000")]
    plan = ArchiveLookups([(URL, early), (URL, late)])
    batch = plan.next_batch()
    plan.batch_answered(batch.number, {"0": snap("20180712000000"), "1": snap("20200830000000")})
    plan.verified(good(URL, "20180712000000"))
    plan.verified(bad(URL, "20200830000000", "parked"))
    steps = plan.index_answered(URL, listing)
    for _ in range(MAX_TRIES - 1):  # two more parked captures, each fetched
        (verify,) = only(steps, Verify)
        steps = plan.verified(bad(URL, verify.capture.timestamp, "parked"))
    assert settled(steps) == {(URL, late): (LookupOutcome.FOUND, "20180712000000")}  # no fourth fetch needed


def test_before_only_settles_nothing_before_at_once_and_never_takes_a_later_capture():
    b, c = "https://b.example/", "https://c.example/"
    plan = ArchiveLookups([(URL, MARCH), (b, MARCH), (c, MARCH)], before_only=True)
    batch = plan.next_batch()
    assert batch.closest == "before"
    steps = plan.batch_answered(batch.number, {"0": snap("20240327235900"), "1": None, "2": snap("20240328000000", c)})
    assert steps[0] == Verify(URL, snap("20240327235900"))  # the issue day itself counts
    assert settled(steps[1:]) == {(b, MARCH): (LookupOutcome.NONE, None), (c, MARCH): (LookupOutcome.NONE, None)}
    assert plan.next_batch() is None  # no "after" pass
    assert plan.verified(bad(URL, "20240327235900"))[1:] == [AskIndex(URL)]  # a rejected one: the index
    listing = [snap(ts) for ts in ("20240101000000", "20240327235900", "20240401000000")]
    assert plan.index_answered(URL, listing) == [Verify(URL, snap("20240101000000"))]  # before the date only
    assert settled(plan.verified(bad(URL, "20240101000000"))) == {(URL, MARCH): (LookupOutcome.NONE, None)}

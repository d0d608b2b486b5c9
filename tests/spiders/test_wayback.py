"""Archive lookups through real Scrapy crawls against the simulated Wayback Machine."""

from __future__ import annotations

import ipaddress
import json
from datetime import date, timedelta

import pytest

from crawler.models import LookupOutcome
from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.wayback.pace import PLAYBACK, QUERY
from tests.wayback.scripted_archive import ScriptedArchive

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
ISSUE_DAY = date(2024, 3, 27)
FAST = {"ROTWATCH_ARCHIVE_RATE": 6000, "ROTWATCH_ARCHIVE_PLAYBACK_RATE": 6000}


@pytest.fixture(scope="module")
def archive():
    return ScriptedArchive()


@pytest.fixture(scope="module")
def web(archive):
    with SimWeb(hosts=[HostSpec("news.test")], archive=archive) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def fresh_archive(web, archive):
    web.log.wait_idle()
    archive.reset()
    yield


@pytest.fixture
def lookup(web, reactor_thread):
    """lookup(pairs, **settings) -> ArchiveRun, through a real crawl of the simulated archive."""
    from crawler.fetch.runner import base_settings, lookup_captures

    def run(lookups, budget=None, **overrides):
        settings = base_settings(
            {
                "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
                "ROTWATCH_STATIC_HOSTS": web.resolve_map(),
                **FAST,
                **overrides,
            }
        )
        found = reactor_thread.run(lambda: lookup_captures(lookups, settings, web.archive_endpoint, budget=budget))
        web.log.wait_idle()
        return found

    return run


def asked(archive) -> dict[str, int]:
    return {kind: len(archive.of(kind)) for kind in ("batch", "cdx", "availability", "playback")}


def test_the_capture_just_before_the_issue_date_is_chosen(archive, lookup):
    url = "https://gone.test/story"
    for timestamp in ("20240301000000", "20240326120000", "20240402000000"):
        archive.add_capture(url, timestamp, title="The story")
    run = lookup([(url, ISSUE_DAY)])
    found = run.answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.FOUND and found.cited_on == ISSUE_DAY
    assert found.snapshot.timestamp == "20240326120000"
    assert asked(archive) == {"batch": 1, "cdx": 0, "availability": 0, "playback": 1}
    assert (run.tally.requests[QUERY], run.tally.requests[PLAYBACK]) == (1, 1)


def test_a_url_cited_on_three_dates_gets_the_capture_before_each(archive, lookup):
    url = "https://gone.test/cited-thrice"
    for timestamp in ("20240101000000", "20240301000000", "20240601000000", "20240901000000"):
        archive.add_capture(url, timestamp, title="Thrice")
    dates = [date(2024, 2, 1), date(2024, 6, 30), date(2024, 3, 15)]
    run = lookup([(url, day) for day in dates])
    chosen = {day: run.answers[url, day].snapshot.timestamp for day in dates}
    assert chosen == {
        date(2024, 2, 1): "20240101000000",
        date(2024, 6, 30): "20240601000000",
        date(2024, 3, 15): "20240301000000",
    }
    assert asked(archive) == {"batch": 1, "cdx": 0, "availability": 0, "playback": 3}  # one query for all


def test_a_capture_that_serves_two_dates_is_verified_once(archive, lookup):
    url = "https://gone.test/twice"
    archive.add_capture(url, "20240101000000", title="Twice")
    run = lookup([(url, date(2024, 2, 1)), (url, date(2024, 5, 1))])
    assert {answer.snapshot.timestamp for answer in run.answers.values()} == {"20240101000000"}
    assert asked(archive)["playback"] == 1


def test_without_an_earlier_capture_the_closest_after_is_chosen(archive, lookup):
    url = "https://gone.test/later"
    for timestamp in ("20240601000000", "20240405000000"):
        archive.add_capture(url, timestamp, title="Later")
    assert lookup([(url, ISSUE_DAY)]).answers[url, ISSUE_DAY].snapshot.timestamp == "20240405000000"
    assert [batch.lines[0].count("closest=before") for batch in archive.of("batch")] == [1, 0]


def test_no_capture_is_none_not_failure(archive, lookup):
    url = "https://gone.test/never"
    found = lookup([(url, ISSUE_DAY)]).answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.NONE and found.snapshot is None
    assert asked(archive) == {"batch": 2, "cdx": 1, "availability": 0, "playback": 0}  # the index confirms


def test_a_capture_availability_does_not_know_is_found_in_the_index(archive, lookup):
    url = "https://gone.test/falsely-empty"
    archive.add_capture(url, "20240320000000", title="Indexed")
    archive.hide_from_availability(url)
    found = lookup([(url, ISSUE_DAY)]).answers[url, ISSUE_DAY]
    assert (found.outcome, found.snapshot.timestamp) == (LookupOutcome.FOUND, "20240320000000")
    assert asked(archive) == {"batch": 2, "cdx": 1, "availability": 0, "playback": 1}


WECHAT_DELETED = "<p>该内容已被发布者删除</p><p>微信公众平台运营中心</p>"


@pytest.mark.parametrize("bad_kind", ["soft-404", "parked", "redirect-home", "wechat-deleted"])
def test_an_untrustworthy_batch_candidate_is_rejected_for_the_index_s_next(archive, lookup, bad_kind):
    from crawler.simweb.pages import render

    url = f"https://gone.test/{bad_kind}/article"
    if bad_kind == "wechat-deleted":
        url = "https://mp.weixin.qq.com/s/deleted-article"
        archive.add_capture(url, "20240326000000", body=render("", WECHAT_DELETED))
    else:
        archive.add_capture(url, "20240326000000", kind=bad_kind)
    archive.add_capture(url, "20240310000000", title="The real article")
    run = lookup([(url, ISSUE_DAY)])
    found = run.answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.FOUND
    assert found.snapshot.timestamp == "20240310000000"
    playback = 3 if bad_kind == "redirect-home" else 2  # the redirect is followed to see where it lands
    assert asked(archive) == {"batch": 1, "cdx": 1, "availability": 0, "playback": playback}
    assert [check.trustworthy for check in run.checks] == [False, True]


def test_only_untrustworthy_captures_means_none(archive, lookup):
    url = "https://gone.test/only-404"
    archive.add_capture(url, "20240326000000", kind="soft-404")
    found = lookup([(url, ISSUE_DAY)]).answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.NONE
    assert "not found" in found.detail
    assert asked(archive)["playback"] == 1  # the same capture is not verified twice


def test_a_capture_waiting_to_be_indexed_is_found_through_batch_availability(archive, lookup):
    url = "https://gone.test/unindexed"
    archive.add_capture(url, "20240320000000", title="Fresh capture")
    archive.hide_from_cdx(url)
    found = lookup([(url, ISSUE_DAY)]).answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.FOUND
    assert asked(archive) == {"batch": 1, "cdx": 0, "availability": 0, "playback": 1}


def stock_three(archive) -> list[tuple[str, date]]:
    pairs = []
    for n, timestamp in enumerate(("20240301000000", "20240315000000", "20240320000000")):
        url = f"https://gone.test/fallback/{n}"
        archive.add_capture(url, "20240101000000", title="Older")
        archive.add_capture(url, timestamp, title="Closest")
        pairs.append((url, ISSUE_DAY))
    return pairs


@pytest.mark.parametrize(
    ("status", "body"),
    [(404, b"Not Found"), (500, b"Internal Server Error"), (200, b"<html>Service Unavailable</html>")],
)
def test_a_broken_batch_endpoint_falls_back_to_the_index_with_the_same_captures(archive, lookup, status, body, caplog):
    pairs = stock_three(archive)
    expected = {pair: answer.snapshot for pair, answer in lookup(pairs).answers.items()}
    archive.reset()
    pairs = stock_three(archive)
    archive.answer("batch", status, body, times=None)
    run = lookup(pairs, ROTWATCH_RETRY_BACKOFF=0.01, ROTWATCH_BACKOFF_CAP=0.02)
    assert {pair: answer.snapshot for pair, answer in run.answers.items()} == expected
    assert run.tally.batch_off and asked(archive)["cdx"] == 3
    assert len(archive.of("batch")) == (5 if status == 500 else 1)  # a 500 is retried, then given up
    warnings = [r.getMessage() for r in caplog.records if "batch availability does not work" in r.getMessage()]
    assert len(warnings) == 1


def test_a_batch_line_left_unanswered_goes_to_the_index(archive, lookup):
    pairs = stock_three(archive)
    answered = {"results": [{"tag": "0", "archived_snapshots": {}}, {"tag": "1", "error": "timeout"}]}
    archive.answer("batch", 200, json.dumps(answered).encode())
    run = lookup(pairs)
    assert run.answers[pairs[0]].snapshot.timestamp == "20240301000000"  # nothing before nor after: the index
    assert run.answers[pairs[1]].snapshot.timestamp == "20240315000000"  # unanswered: the index
    assert run.answers[pairs[2]].snapshot.timestamp == "20240320000000"  # missing: the index
    assert asked(archive)["cdx"] == 3


def test_a_429_pauses_only_the_query_pool(archive, lookup):
    urls = [f"https://gone.test/pools/{n}" for n in range(150)]  # two batches
    for url in urls:
        archive.add_capture(url, "20240320000000", title="Pools")
    archive.answer("batch", 429, skip=1)  # the second batch is refused once
    run = lookup(
        [(url, ISSUE_DAY) for url in urls],
        ROTWATCH_ARCHIVE_429_PAUSE=1.5,
        ROTWATCH_ARCHIVE_RATE=600,
        ROTWATCH_ARCHIVE_PLAYBACK_RATE=3000,
    )
    assert {answer.outcome for answer in run.answers.values()} == {LookupOutcome.FOUND}
    refused = archive.of("batch", status=429)[0].at
    retried = archive.of("batch")[-1].at
    assert retried - refused >= 1.4
    assert [a for a in archive.of("batch", "cdx") if refused < a.at < retried] == []  # the query pool rests
    assert len([a for a in archive.of("playback") if refused < a.at < retried]) >= 20  # playback goes on
    assert (run.tally.refused[QUERY], run.tally.refused[PLAYBACK]) == (1, 0)


def test_a_429_pauses_only_the_playback_pool(archive, lookup):
    urls = [f"https://gone.test/playback-pool/{n}" for n in range(12)]
    for url in urls:
        archive.add_capture(url, "20240320000000", title="Pools")
    only_first = {"results": [{"tag": "0", "archived_snapshots": {}}]}  # 11 lines unanswered: 11 CDX queries, then 12
    archive.answer("batch", 200, json.dumps(only_first).encode())
    archive.answer("playback", 429)
    run = lookup([(url, ISSUE_DAY) for url in urls], ROTWATCH_ARCHIVE_429_PAUSE=1.5, ROTWATCH_ARCHIVE_RATE=1200)
    refused = archive.of("playback", status=429)[0].at
    resumed = min(a.at for a in archive.of("playback") if a.at > refused)
    assert resumed - refused >= 1.4
    assert len([a for a in archive.of("cdx") if refused < a.at < resumed]) >= 5  # the query pool goes on
    assert (run.tally.refused[QUERY], run.tally.refused[PLAYBACK]) == (0, 1)
    assert {a.outcome for a in run.answers.values()} == {LookupOutcome.FOUND}


def test_rate_limited_archive_still_completes_and_loses_nothing(reactor_thread):
    from crawler.fetch.runner import base_settings, lookup_captures

    strict = SimWayback(host="strict-archive.test", rate_limit=4.0, burst=1.0, playback_rate=4.0, playback_burst=1.0)
    urls = [f"https://gone.test/many/{n}" for n in range(6)]
    for url in urls:
        strict.add_capture(url, "20240320000000", title="Many")
    with SimWeb(hosts=[HostSpec("news.test")], archive=strict) as limited:
        settings = base_settings(
            {
                "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
                "ROTWATCH_STATIC_HOSTS": limited.resolve_map(),
                "ROTWATCH_ARCHIVE_429_PAUSE": 0.5,
                **FAST,  # far above the archive's 4/s
            }
        )
        lookups = [(url, ISSUE_DAY) for url in urls]
        endpoint = limited.archive_endpoint
        found = reactor_thread.run(lambda: lookup_captures(lookups, settings, endpoint))
        limited.log.wait_idle()
    assert strict.count(status=429) > 0
    assert {lookup.outcome for lookup in found.answers.values()} == {LookupOutcome.FOUND}
    assert {url for url, _ in found.answers} == set(urls)


def test_an_archive_that_fails_is_reported_as_failed_not_none(archive, lookup):
    url = "https://gone.test/overloaded"
    archive.add_capture(url, "20240320000000", title="x")
    archive.fail_next(10, status=503)
    run = lookup([(url, ISSUE_DAY)], ROTWATCH_RETRY_BACKOFF=0.01, ROTWATCH_BACKOFF_CAP=0.02)
    found = run.answers[url, ISSUE_DAY]
    assert found.outcome == LookupOutcome.FAILED
    assert "503" in found.detail


@pytest.mark.parametrize("status", [429, 503])
def test_a_verification_the_archive_did_not_answer_is_no_verdict_on_the_capture(archive, lookup, status):
    url = "https://gone.test/verify-later"
    archive.add_capture(url, "20240320000000", title="x")
    archive.answer("playback", status, times=None)
    run = lookup([(url, ISSUE_DAY)], ROTWATCH_ARCHIVE_429_PAUSE=0.01, ROTWATCH_RETRY_BACKOFF=0.01)
    assert run.answers[url, ISSUE_DAY].outcome == LookupOutcome.FAILED
    assert run.checks == []  # nothing to remember about the capture itself


def test_the_budget_stops_asking_and_leaves_the_rest_pending(archive, lookup):
    urls = [f"https://gone.test/budget/{n}" for n in range(40)]
    for url in urls:
        archive.add_capture(url, "20240320000000", title="Budget")
    run = lookup([(url, ISSUE_DAY) for url in urls], budget=timedelta(seconds=1), ROTWATCH_ARCHIVE_PLAYBACK_RATE=600)
    assert run.tally.stopped == "budget"
    assert 0 < len(run.answers) < len(urls) and run.pending == len(urls) - len(run.answers)

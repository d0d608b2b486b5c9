"""The simulated Wayback Machine as a whole: mounting, latency, captures it refuses, failures, counts.

Its rate limits (two pools) are tested in test_wayback_limits.py.
"""

from __future__ import annotations

import time

import pytest

from crawler.errors import ArchiveAnswerError
from crawler.models import Snapshot
from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.simweb.wayback import GARBAGE, WAYBACK_HOST
from crawler.wayback.protocol import availability_url, parse_availability_batch
from tests.simweb.clients import ARTICLE, DAY, HOST, TS, batch, cdx, fetch, play

HOSTS = [HostSpec(HOST)]  # served to this module by the `web` fixture, with `wayback` as its archive
pytestmark = pytest.mark.usefixtures("fresh_wayback")


# Mounting.


def test_the_archive_is_one_more_host_of_the_simulated_web(web):
    assert web.archive_endpoint == f"http://{WAYBACK_HOST}:{web.port}"
    assert web.resolve_map()[WAYBACK_HOST] == "127.0.0.1"
    assert fetch(web.url("site001.test")).status == 200
    assert fetch(f"{web.archive_endpoint}/no/such/endpoint").status == 404
    with pytest.raises(RuntimeError, match="no archive"):
        _ = SimWeb().archive_endpoint


def test_the_archive_answers_after_its_latency():
    with SimWeb(archive=SimWayback("slow-archive.test", latency=0.2)) as web:
        began = time.monotonic()
        assert cdx(web, "url=a.example&output=json").status == 200
        assert time.monotonic() - began >= 0.2


# What it holds.


def test_add_capture_refuses_what_it_cannot_serve(wayback):
    with pytest.raises(ValueError, match="kind"):
        wayback.add_capture(ARTICLE, kind="video")
    with pytest.raises(ValueError, match="14 digits"):
        wayback.add_capture(ARTICLE, "20240320")
    with pytest.raises(ValueError, match="redirect_to"):
        wayback.add_capture(ARTICLE, kind="redirect")
    with pytest.raises(ValueError, match="redirect_to"):
        wayback.add_capture(ARTICLE, redirect_to="https://news.example/")


# Failures and counts.


def test_fail_next_injects_server_errors_then_answers_again(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.fail_next(2)
    assert [cdx(web, f"url={ARTICLE}").status for _ in range(3)] == [503, 503, 200]
    wayback.fail_next(1, status=502)
    assert play(web, TS, ARTICLE).status == 502


def test_counts_are_by_endpoint_and_status_and_reset_forgets_them(web, wayback):
    wayback.add_capture(ARTICLE, "20240318000000")
    cdx(web, f"url={ARTICLE}&output=json")
    fetch(availability_url(web.archive_endpoint, ARTICLE, DAY))
    play(web, TS, ARTICLE)
    play(web, "20240318000000", ARTICLE)
    web.log.wait_idle()
    assert [wayback.count(e) for e in ("cdx", "availability", "playback")] == [1, 1, 2]
    assert (wayback.count(), wayback.count("playback", 302), wayback.count(status=200)) == (4, 1, 3)
    assert web.log.records(host=WAYBACK_HOST)[0].path.startswith("/cdx/search/cdx?url=")
    wayback.reset()
    assert wayback.count() == 0 and wayback.captures(ARTICLE) == []


def test_answers_are_logged_with_their_pool_and_times(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    cdx(web, f"url={ARTICLE}&output=json")
    batch(web, [ARTICLE])
    play(web, TS, ARTICLE)
    fetch(f"{web.archive_endpoint}/web/timemap/link/{ARTICLE}")
    web.log.wait_idle()
    answers = wayback.answers()
    assert [(a.endpoint, a.pool, a.status) for a in answers] == [
        ("cdx", "query", 200),
        ("batch", "query", 200),
        ("playback", "playback", 200),
        ("timemap", "query", 404),  # not served, but it spends the query pool as the real one
    ]
    assert all(a.started <= a.finished for a in answers)
    assert answers == sorted(answers, key=lambda a: a.finished)
    assert (wayback.count(pool="query"), wayback.count(pool="playback")) == (3, 1)
    assert (wayback.count("batch"), wayback.count("availability"), wayback.count(pool="query", status=404)) == (1, 0, 1)
    assert [a.endpoint for a in wayback.answers("playback")] == ["playback"]


# The batch endpoint, broken.


@pytest.mark.parametrize("status", [404, 500])
def test_a_broken_batch_endpoint_answers_its_status_until_mended(web, wayback, status):
    wayback.add_capture(ARTICLE, TS)
    wayback.break_batch(status)
    assert [batch(web, [ARTICLE]).status for _ in range(3)] == [status] * 3, "for the rest of the run"
    assert fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)).status == 200, "the single GET still answers"
    assert cdx(web, f"url={ARTICLE}&output=json").status == 200
    assert play(web, TS, ARTICLE).status == 200
    wayback.break_batch(None)
    assert batch(web, [ARTICLE]).status == 200


def test_a_batch_endpoint_answering_garbage_gives_200_that_no_parser_reads(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.break_batch(GARBAGE)
    reply = batch(web, [ARTICLE])
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    with pytest.raises(ArchiveAnswerError):
        parse_availability_batch(reply.body)
    wayback.reset()
    wayback.add_capture(ARTICLE, TS)
    assert parse_availability_batch(batch(web, [ARTICLE]).body) == {ARTICLE: Snapshot(ARTICLE, TS, 200)}, "reset mends"


def test_break_batch_refuses_what_is_no_fault(wayback):
    for bad in (42, 600, "nonsense"):
        with pytest.raises(ValueError, match="batch fault"):
            wayback.break_batch(bad)

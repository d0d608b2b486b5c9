"""The simulated Wayback Machine as a whole: mounting, latency, captures it refuses, rate limit, failures, counts."""

from __future__ import annotations

import time

import pytest

from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.simweb.wayback import WAYBACK_HOST, TokenBucket
from crawler.wayback.protocol import availability_url
from tests.simweb.clients import ARTICLE, DAY, HOST, TS, cdx, fetch, play

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


# Load: rate limit, failures, counts.


def test_the_token_bucket_allows_a_burst_then_the_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60
    assert sum(bucket.take() for _ in range(5)) == 3


def test_over_the_rate_limit_every_endpoint_answers_429_without_retry_after():
    wayback = SimWayback(rate_limit=0.01, burst=2)
    with SimWeb(archive=wayback) as web:
        wayback.add_capture(ARTICLE, TS)
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200
        assert play(web, TS, ARTICLE).status == 200
        refused = [
            fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)),
            play(web, TS, ARTICLE),
            cdx(web, f"url={ARTICLE}&output=json"),
        ]
        assert [reply.status for reply in refused] == [429, 429, 429]
        assert not any("retry-after" in reply.headers for reply in refused)
        web.log.wait_idle()
        assert wayback.count(status=429) == 3 and wayback.count("playback", 429) == 1
        wayback.reset()
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200, "reset refills the bucket"


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

"""Retries: Retry-After read as seconds or a date, backoff per URL, capped, through real crawls."""

from __future__ import annotations

from datetime import UTC, datetime

import crawler.fetch.retry_after
from crawler.check.classify import assess
from crawler.fetch.retry_after import RetryPacing, retry_after_seconds
from crawler.models import Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl

HOSTS = [HostSpec("news.test", latency=0.1)]


def test_public_names():
    assert crawler.fetch.retry_after.__all__ == ["RetryAfterMiddleware", "RetryPacing", "retry_after_seconds"]


def test_retry_after_in_seconds():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(b" 3 ") == 3.0


def test_retry_after_as_http_date():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:30 GMT", now=now) == 30.0


def test_retry_after_in_the_past_or_garbage():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sat, 28 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_doubles_per_attempt_up_to_its_cap():
    pacing = RetryPacing(backoff=1.0, backoff_cap=8.0)
    assert [pacing.backoff_after(attempt) for attempt in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_a_site_pause_is_asked_by_429_or_503_with_retry_after_and_capped():
    pacing = RetryPacing(retry_after_cap=60.0)
    assert pacing.site_pause(429, b"5", 60.0) == 5.0
    assert pacing.site_pause(503, b"5", 60.0) == 5.0
    assert pacing.site_pause(429, b"3600", 60.0) == 60.0
    assert pacing.site_pause(429, None, 30.0) == 30.0  # a bare 429 rests the given pause
    assert pacing.site_pause(503, None, 30.0) is None  # a bare 503 is about the URL: a backoff
    assert pacing.site_pause(500, b"5", 30.0) is None


def test_a_site_that_keeps_failing_does_not_stall_the_run(web, run_crawl):
    web.log.clear()
    failing = [web.scenario_url("server-error", "news.test")] + [
        web.url("news.test", f"/gen/server-error/{n}") for n in range(3)
    ]
    results = crawl(run_crawl, web, failing, ROTWATCH_RETRY_BACKOFF=0.2, ROTWATCH_BACKOFF_CAP=0.4)
    assert all(assess(result).verdict == Verdict.UNREACHABLE for result in results.values())
    web.log.wait_idle()
    records = web.log.records(host="news.test")
    assert len(records) == 12  # 4 URLs x (1 + 2 retries)
    assert records[-1].started - records[0].started < 6  # capped pauses, not 2**n growth


def test_a_failing_url_waits_for_its_retry_without_slowing_its_site(web, run_crawl):
    web.log.clear()
    failing = web.url("news.test", "/gen/server-error/alone")
    others = [web.url("news.test", f"/fine/{n}") for n in range(8)]
    results = crawl(
        run_crawl, web, [failing, *others], CONCURRENT_REQUESTS_PER_DOMAIN=2, RETRY_TIMES=1, ROTWATCH_RETRY_BACKOFF=0.6
    )
    assert assess(results[failing]).verdict == Verdict.UNREACHABLE
    web.log.wait_idle()
    first, retry = web.log.records(path="/gen/server-error/alone")
    assert retry.started - first.finished >= 0.55  # the backoff, for this URL
    fine = [r for r in web.log.records(host="news.test") if r.path.startswith("/fine/")]
    assert max(r.finished for r in fine) < retry.started  # the rest went on at full pace meanwhile

"""Timeouts through real crawls: a retry budget by mode and by how far the answer got, and a site that
keeps timing out gets a shorter timeout for its other links."""

from __future__ import annotations

import time

import crawler.fetch.site_timeouts
from crawler.check.classify import assess
from crawler.models import ErrorKind, Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl

HOSTS = [HostSpec("drip.test"), HostSpec("dead.test"), HostSpec("news.test", latency=0.05)]
QUICK = {"ROTWATCH_RETRY_BACKOFF": 0.1}


def test_public_names():
    assert crawler.fetch.site_timeouts.__all__ == ["SiteTimeoutMiddleware"]


def test_a_slow_drip_page_costs_one_timeout(web, run_crawl):
    """Headers, then a byte a second: the server answers this way, so asking again costs a timeout for nothing."""
    web.log.clear()
    url = web.scenario_url("slow-drip", "drip.test")
    started = time.monotonic()
    result = crawl(run_crawl, web, [url], DOWNLOAD_TIMEOUT=1.5, **QUICK)[url]
    elapsed = time.monotonic() - started
    assert result.error == ErrorKind.TIMEOUT
    assert web.log.count(url) == 1
    assert elapsed < 2 * 1.5  # was 3 timeouts and 2 backoffs


def test_a_hang_is_retried_once_by_check_and_not_by_the_nightly_crawl(web, run_crawl):
    web.log.clear()
    checked, crawled = web.url("news.test", "/gen/hang/check"), web.url("news.test", "/gen/hang/crawl")
    crawl(run_crawl, web, [checked], DOWNLOAD_TIMEOUT=0.5, **QUICK)
    crawl(run_crawl, web, [crawled], DOWNLOAD_TIMEOUT=0.5, ROTWATCH_MODE="crawl", **QUICK)
    assert web.log.count(checked) == 2
    assert web.log.count(crawled) == 1


def test_other_failures_keep_their_retries_in_either_mode(web, run_crawl):
    web.log.clear()
    url = web.url("news.test", "/gen/server-error/nightly")
    result = crawl(run_crawl, web, [url], ROTWATCH_MODE="crawl", **QUICK)[url]
    assert assess(result).verdict == Verdict.UNREACHABLE
    assert web.log.count(url) == 3


def test_a_site_that_keeps_timing_out_gets_a_shorter_timeout_and_the_result_says_so(web, run_crawl):
    """One at a time, 0.6 s each: after 3 timeouts the site's next link waits 0.3 s, then the floor, 0.2 s."""
    web.log.clear()
    urls = [web.url("dead.test", f"/gen/hang/{n}") for n in range(6)]
    started = time.monotonic()
    results = crawl(
        run_crawl,
        web,
        urls,
        DOWNLOAD_TIMEOUT=0.6,
        CONCURRENT_REQUESTS_PER_DOMAIN=1,
        ROTWATCH_MODE="crawl",
        ROTWATCH_TIMEOUT_FLOOR=0.2,
    )
    elapsed = time.monotonic() - started
    assert all(results[url].error == ErrorKind.TIMEOUT for url in urls)
    assert [results[url].error_detail.split(":")[0] for url in urls] == [
        "DownloadTimeoutError",
        "DownloadTimeoutError",
        "DownloadTimeoutError",
        "timeout shortened to 0.3 s after 3 timeouts on this site",
        "timeout shortened to 0.2 s after 4 timeouts on this site",
        "timeout shortened to 0.2 s after 5 timeouts on this site",
    ]
    assert elapsed < 3 * 0.6 + 0.3 + 2 * 0.2 + 0.6  # not 6 full timeouts (3.6 s)


def test_an_answer_gives_the_site_its_full_timeout_back(web, run_crawl):
    web.log.clear()
    urls = [web.url("news.test", f"/gen/hang/again-{n}") for n in range(3)]
    urls += [web.url("news.test", "/fine"), web.url("news.test", "/gen/hang/after")]
    results = crawl(run_crawl, web, urls, DOWNLOAD_TIMEOUT=0.4, CONCURRENT_REQUESTS_PER_DOMAIN=1, ROTWATCH_MODE="crawl")
    assert results[urls[3]].error is None
    assert results[urls[4]].error_detail.startswith("DownloadTimeoutError")

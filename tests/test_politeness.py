"""Politeness through real crawls: per-site limits, Retry-After, capped backoff."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.classify import assess
from crawler.models import Verdict
from crawler.simweb import HostSpec, SimWeb

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
HOSTS = [
    HostSpec("news.test", latency=0.1),
    HostSpec("slow.test", latency=0.05),
    HostSpec("a.example.co.uk", latency=0.1),
    HostSpec("b.example.co.uk", latency=0.1),
    HostSpec("alice.github.io", latency=0.1),
    HostSpec("bob.github.io", latency=0.1),
]


@pytest.fixture(scope="module")
def web():
    with SimWeb(hosts=HOSTS) as simulated:
        yield simulated


def crawl(run_crawl, web, urls, **overrides):
    settings = {"ROTWATCH_ALLOWED_PRIVATE": LOOPBACK, "ROTWATCH_STATIC_HOSTS": web.resolve_map(), **overrides}
    return run_crawl(urls, **settings)


def peak_overlap(records):
    """The most requests in flight at once among `records`."""
    events = sorted([(r.started, 1) for r in records] + [(r.finished, -1) for r in records])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def test_one_site_gets_at_most_per_host_requests_at_once(web, run_crawl):
    web.log.clear()
    urls = [web.url("news.test", f"/article/{n}") for n in range(24)]
    results = crawl(run_crawl, web, urls, CONCURRENT_REQUESTS_PER_DOMAIN=4)
    assert all(assess(result).verdict == Verdict.OK for result in results.values())
    web.log.wait_idle()
    assert web.log.max_concurrency("news.test") == 4


def test_subdomains_of_one_registered_domain_share_a_slot(web, run_crawl):
    web.log.clear()
    urls = [web.url(host, f"/p/{n}") for host in ("a.example.co.uk", "b.example.co.uk") for n in range(12)]
    crawl(run_crawl, web, urls, CONCURRENT_REQUESTS_PER_DOMAIN=3)
    web.log.wait_idle()
    shared = web.log.records(host="a.example.co.uk") + web.log.records(host="b.example.co.uk")
    assert peak_overlap(shared) == 3


def test_blogs_on_a_public_suffix_host_are_separate_sites(web, run_crawl):
    web.log.clear()
    urls = [web.url(host, f"/post/{n}") for host in ("alice.github.io", "bob.github.io") for n in range(12)]
    crawl(run_crawl, web, urls, CONCURRENT_REQUESTS_PER_DOMAIN=3)
    web.log.wait_idle()
    both = web.log.records(host="alice.github.io") + web.log.records(host="bob.github.io")
    assert peak_overlap(both) > 3


def test_retry_after_pauses_only_the_site_that_asked(web, run_crawl):
    web.log.clear()
    web.reset_state()
    limited = web.scenario_url("rate-limited-429", "news.test")
    others = [web.url("slow.test", f"/other/{n}") for n in range(8)]
    results = crawl(run_crawl, web, [limited, *others])
    assert assess(results[limited]).verdict == Verdict.OK
    web.log.wait_idle()
    first, retry = web.log.records(host="news.test")
    assert retry.started - first.finished >= 0.9  # Retry-After: 1
    assert max(record.finished for record in web.log.records(host="slow.test")) < retry.started


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

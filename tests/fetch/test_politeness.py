"""Politeness through real crawls: per-site limits, Retry-After, capped backoff, busiest site first."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.check.classify import assess
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
    HostSpec("busy.test", latency=0.1),
    *(HostSpec(f"small{n}.test", latency=0.1) for n in range(12)),
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


def test_the_busiest_site_never_waits_behind_small_ones(web, run_crawl):
    web.log.clear()
    busy = [web.url("busy.test", f"/post/{n}") for n in range(16)]
    small = [web.url(f"small{n}.test", f"/post/{k}") for n in range(12) for k in range(2)]
    crawl(run_crawl, web, small + busy, CONCURRENT_REQUESTS=6, CONCURRENT_REQUESTS_PER_DOMAIN=2)
    web.log.wait_idle()
    records = web.log.records()
    on_busy = web.log.records(host="busy.test")
    start = min(r.started for r in records)
    assert min(r.started for r in on_busy) - start < 0.05  # in the first wave, though listed last
    # 16 URLs, 2 at a time, 0.1 s each: 0.8 s if the busy site never idles.
    assert max(r.finished for r in on_busy) - start < 1.1
    assert peak_overlap(on_busy) == 2
    assert peak_overlap(records) <= 6


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


def test_a_site_returns_to_full_pace_once_its_retry_after_is_over(web, run_crawl):
    web.log.clear()
    web.reset_state()
    limited = web.scenario_url("rate-limited-429", "news.test")
    others = [web.url("news.test", f"/later/{n}") for n in range(12)]
    crawl(run_crawl, web, [limited, *others], CONCURRENT_REQUESTS_PER_DOMAIN=4)
    web.log.wait_idle()
    refused = web.log.records(host="news.test")[0]
    after = [r for r in web.log.records(host="news.test") if r.started > refused.finished]
    assert min(r.started for r in after) - refused.finished >= 0.9  # Retry-After: 1, for the whole site
    # What is left (at most 9 requests with the retry, 4 at a time) takes about 0.3 s, not 1 s each.
    assert max(r.finished for r in after) - refused.finished < 1.9

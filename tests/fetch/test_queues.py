"""The scheduler's queue through a real crawl: the busiest site first, never idle."""

from __future__ import annotations

import itertools
from collections import Counter
from types import SimpleNamespace

from scrapy import Request

import crawler.fetch.queues
from crawler.fetch.meta import DOWNLOAD_SLOT, RETRY_DUE
from crawler.fetch.queues import BusiestSiteFirstQueue
from crawler.fetch.start_window import StartWindow
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl, peak_overlap
from tests.fetch.probes import PROBE, DownloaderProbe

HOSTS = [
    HostSpec("busy.test", latency=0.1),
    HostSpec("paused.test", latency=0.1),
    *(HostSpec(f"small{n}.test", latency=0.1) for n in range(12)),
]


def test_public_names():
    assert crawler.fetch.queues.__all__ == ["BusiestSiteFirstQueue"]


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


def test_a_paused_site_waits_in_the_queue_and_the_others_keep_every_connection(web, run_crawl):
    """Retry-After pauses news.test for 1 s; 4 connections in all, 4 per site.

    Handed out during the pause, news.test's requests would wait inside the
    downloader holding the 4 connections, and busy.test would get none.
    """
    web.log.clear()
    web.reset_state()
    DownloaderProbe.reached.clear()
    limited = web.scenario_url("rate-limited-429", "paused.test")
    paused = [
        limited,
        *(web.url("paused.test", f"/later/{n}") for n in range(12)),
    ]
    others = [web.url("busy.test", f"/other/{n}") for n in range(8)]
    crawl(run_crawl, web, paused + others, CONCURRENT_REQUESTS=4, EXTENSIONS={PROBE: 0})
    web.log.wait_idle()
    refused = web.log.records(path=web.log.records(host="paused.test")[0].path)[0]
    pause = (refused.finished, refused.finished + 0.95)  # Retry-After: 1
    reached = [site for when, site, _ in DownloaderProbe.reached if pause[0] < when < pause[1]]
    assert "busy.test" in reached
    assert "paused.test" not in reached
    during = [r for r in web.log.records(host="busy.test") if r.started < pause[1]]
    assert peak_overlap(during) == 4


class _CountingCounter(Counter):
    """A Counter that counts how often a site's count is read."""

    reads = 0

    def __getitem__(self, key: str) -> int:
        _CountingCounter.reads += 1
        return super().__getitem__(key)

    def get(self, key: str, default: int | None = None) -> int | None:
        _CountingCounter.reads += 1
        return super().get(key, default)


class _SiteQueue:
    def __init__(self, due: float = 0.0):
        self.request = Request("http://example.test/", meta={RETRY_DUE: due})

    def peek(self) -> Request:
        return self.request


def _queue_over(waiting: dict[str, int], due: dict[str, float] | None = None, active: list[Request] = ()):
    """The queue's choice alone, over `waiting` requests per site (no crawler, no downloader)."""
    queue = object.__new__(BusiestSiteFirstQueue)
    queue._downloader = SimpleNamespace(active=list(active), slots={}, per_slot_settings={}, domain_concurrency=1)
    queue._waiting, queue._by_waiting, queue._pauses, queue._wake_at = _CountingCounter(), [], None, None
    queue._placed, queue._arrivals, queue.start_window = {}, itertools.count(), StartWindow()
    queue.pqueues = {site: _SiteQueue((due or {}).get(site, 0.0)) for site in waiting}
    queue._wake_engine_at = lambda moment: None
    for site, count in waiting.items():
        for _ in range(count):
            queue._count(site, +1)
    return queue


def test_the_busiest_ready_site_is_found_without_looking_at_every_site():
    waiting = {f"site{n:05d}.test": 1 + n % 3 for n in range(5000)}
    queue = _queue_over(waiting)
    _CountingCounter.reads = 0
    chosen = []
    for _ in range(200):
        site = queue._busiest_ready_site()
        chosen.append(site)
        queue._count(site, -1)
    assert chosen[:3] == ["site00002.test", "site00005.test", "site00008.test"]  # most waiting, then the earliest
    assert _CountingCounter.reads < 20 * 200  # a scan would read all 5,000 counts per request


def test_full_sites_and_retries_not_due_are_passed_over_and_stay_queued():
    busy = Request("http://busy.test/", meta={DOWNLOAD_SLOT: "busy.test"})
    queue = _queue_over({"busy.test": 5, "later.test": 4, "small.test": 1}, {"later.test": 1e12}, [busy])
    assert queue._busiest_ready_site() == "small.test"
    queue._downloader.active = []
    assert queue._busiest_ready_site() == "busy.test"

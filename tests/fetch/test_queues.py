"""The scheduler's queue through a real crawl: the busiest site first, never idle."""

from __future__ import annotations

import crawler.fetch.queues
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

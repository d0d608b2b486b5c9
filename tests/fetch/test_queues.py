"""The scheduler's queue through a real crawl: the busiest site first, never idle."""

from __future__ import annotations

import crawler.fetch.queues
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl, peak_overlap

HOSTS = [HostSpec("busy.test", latency=0.1), *(HostSpec(f"small{n}.test", latency=0.1) for n in range(12))]


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

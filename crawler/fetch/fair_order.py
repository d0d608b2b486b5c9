"""The order links are checked in: every site spread through the crawl in proportion to its share.

A crawl over hundreds of sites lasts as long as its busiest site, which
takes only a few requests at a time (crawler.fetch.queues), and start
requests are read only as the downloader drains (crawler.spiders.links), so
the order they come in decides which sites have work when. Grouped by site,
a small site's links would wait behind all of a big site's, or the busiest
site would run dry while the small ones go. In stride order URL number
`rank` (from 0) of a site with `count` URLs stands at (rank + 0.5) / count
of the way through the crawl: any stretch of the sequence holds each site's
URLs in proportion to its share, so the busiest site has its share from the
first requests to the last and is never starved, and a slow site's requests
piling up for its connections pace the reading no more than its share asks.
Sites with few URLs bunch where their keys meet (all sites with one URL
stand at 0.5), so a prefix can be off by a few URLs: on the benchmark's
20,000 URLs over 400 Zipf-cited sites (benchmarks/corpus.py) the busiest,
2,984 URLs, is never more than 14 URLs off its share of any prefix.

Equal keys go to the bigger site first (its place is the tighter), then by
site name and the URLs' given order, so the order is the same on every run.

The same key orders the nightly crawl's due URLs in the state (registered
with SQLite as a function of two integers): `fair_key` is the one decision,
`fair_order` applies it to a list held in memory (`rotwatch check`,
`scrapy crawl links`). The site of a URL is `site_key(host_of(url))`
(crawler.check.urls), the registered domain the download slot uses; for a
normalized URL, as the plan and the state keep them, `site_of(url)` is the
same and cheaper.
"""

from __future__ import annotations

from collections.abc import Iterable

from crawler.check.urls import host_of, site_key

__all__ = ["fair_key", "fair_order"]


def fair_key(rank: int, count: int) -> float:
    """Where URL number `rank` (from 0) of a site with `count` URLs goes, from 0 (first) to 1 (last)."""
    return (rank + 0.5) / count


def fair_order(urls: Iterable[str]) -> list[str]:
    """The URLs in the crawl's order: each site's spread through the sequence in proportion to its share."""
    by_site: dict[str, list[str]] = {}
    for url in urls:
        by_site.setdefault(site_key(host_of(url)), []).append(url)
    placed = [
        (fair_key(rank, len(site_urls)), -len(site_urls), site, rank, url)
        for site, site_urls in by_site.items()
        for rank, url in enumerate(site_urls)
    ]
    placed.sort()
    return [url for *_, url in placed]

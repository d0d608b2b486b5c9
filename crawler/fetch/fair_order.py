"""Where each due URL goes in the night's order: every site spread by its share.

A link's place is its rank among its site's links over the site's count
(`fair_key`), so any stretch of the order holds each site in proportion to
its share, the busiest site included: the spider can read the order as the
downloader drains and the site that bounds the run is never starved.
"""

from __future__ import annotations

from crawler.check.urls import host_of, site_key

__all__ = ["fair_key", "site_of"]


def fair_key(rank: int, count: int) -> float:
    """The place of a site's link number `rank` (from 0) of `count`: stride order."""
    return (rank + 0.5) / count


def site_of(url: str) -> str:
    """The site a URL is fetched from: its host's registered domain (crawler.check.urls.site_key)."""
    return site_key(host_of(url))

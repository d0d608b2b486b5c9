"""The download slot of a request is its site, the registered domain.

Scrapy's default slot is the host name, which would let one blog platform
with many sub-domains take many slots of one server. The slot is set on
every hop, so a redirect to another site waits in that site's slot.

Each request asks for its host's site, and finding it (an IP address test
that raises for every name, then the Public Suffix List) took about 2 % of
the crawl's CPU on the 50,000-link benchmark, asked again for every link
and hop on the host. The answers are kept for the most recently asked
SITES_KEPT hosts (a few MB at most), so memory stays bounded however many
hosts a crawl meets.
"""

from __future__ import annotations

from functools import lru_cache

from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.check.urls import site_key
from crawler.fetch.meta import DOWNLOAD_SLOT, OWN_SLOT

__all__ = ["SiteSlotMiddleware"]

SITES_KEPT = 2**16  # hosts whose site is remembered

_site_of_host = lru_cache(maxsize=SITES_KEPT)(site_key)


class SiteSlotMiddleware:
    """Puts each request in the download slot of its site (registered domain).

    A request whose spider chose its slot (meta OWN_SLOT: the archive's
    paced slot) keeps it. No settings, so no `from_crawler`: Scrapy builds
    it with `SiteSlotMiddleware()`.
    """

    def process_request(self, request: Request) -> None:
        if not request.meta.get(OWN_SLOT):
            request.meta[DOWNLOAD_SLOT] = _site_of_host(urlparse_cached(request).hostname or "")

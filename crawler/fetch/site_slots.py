"""The download slot of a request is its site, the registered domain.

Scrapy's default slot is the host name, which would let one blog platform
with many sub-domains take many slots of one server. The slot is set on
every hop, so a redirect to another site waits in that site's slot.
"""

from __future__ import annotations

from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.check.urls import site_key
from crawler.fetch.meta import DOWNLOAD_SLOT, OWN_SLOT

__all__ = ["SiteSlotMiddleware"]


class SiteSlotMiddleware:
    """Puts each request in the download slot of its site (registered domain).

    A request whose spider chose its slot (meta OWN_SLOT: the archive's
    paced slot) keeps it. No settings, so no `from_crawler`: Scrapy builds
    it with `SiteSlotMiddleware()`.
    """

    def process_request(self, request: Request) -> None:
        if not request.meta.get(OWN_SLOT):
            request.meta[DOWNLOAD_SLOT] = site_key(urlparse_cached(request).hostname or "")

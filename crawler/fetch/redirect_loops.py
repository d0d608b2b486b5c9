"""A redirect chain that loops or runs too long is stopped before another hop is sent.

Scrapy would follow a loop until REDIRECT_MAX_TIMES, requesting the same
URLs again and again, and then report only "max redirections reached". This
middleware sits after Scrapy's RedirectMiddleware in the request order, so a
response reaches it first: it sees each redirect before Scrapy follows it.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from w3lib.url import safe_url_string

from crawler.errors import RedirectLoopError, TooManyRedirectsError
from crawler.fetch.meta import LAST_REDIRECT_STATUS, REDIRECT_URLS

__all__ = ["RedirectLoopMiddleware"]


class RedirectLoopMiddleware:
    """Stops a redirect chain that loops or runs too long, before another hop is sent.

    Raises RedirectLoopError or TooManyRedirectsError to the spider's
    errback, with the stopped hop's status in meta LAST_REDIRECT_STATUS.
    """

    def __init__(self, max_hops: int = 10):
        self.max_hops = max_hops

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400) or not location:
            return response
        target = safe_url_string(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get(REDIRECT_URLS, []), request.url]
        request.meta[LAST_REDIRECT_STATUS] = response.status
        if target in chain:
            raise RedirectLoopError(f"redirect loop: {response.url} -> {target}")
        if len(chain) > self.max_hops:
            raise TooManyRedirectsError(f"more than {self.max_hops} redirects")
        return response

"""A redirect chain that loops or runs too long is stopped before another hop is sent.

Scrapy would follow a loop until REDIRECT_MAX_TIMES, requesting the same
URLs again and again, and then report only "max redirections reached".

A loop is a hop that would repeat an earlier request of its chain exactly:
the same URL with the same cookies. A URL alone is not enough: a site that
sets a cookie and redirects to itself (or bounces through a login host and
back, as forums.aws.amazon.com did, EFForg/https-everywhere#1128) serves
the page once the cookie comes back, and HTTrack re-fetches such a
"self-redirect cookie wall" when the Cookie header the URL would send has
changed (xroche/httrack#537). The same request again gets the same answer,
so that is a loop for a browser too; a server minting a new cookie on every
hop ends at the hop limit instead.

So the check runs twice:
- on each answer, before Scrapy's RedirectMiddleware follows it (this
  middleware comes after it in the request order, so a response reaches it
  first): a chain already REDIRECT_MAX_TIMES long stops here, and the
  request just answered, with the Cookie header it carried, is added to
  meta SENT_IN_CHAIN, which the next hop inherits;
- on each hop about to be sent, after the cookie middleware has set its
  Cookie header: a hop found in SENT_IN_CHAIN is the loop. Nothing is sent.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from crawler.errors import RedirectLoopError, TooManyRedirectsError
from crawler.fetch.meta import LAST_REDIRECT_STATUS, REDIRECT_URLS, SENT_IN_CHAIN

__all__ = ["RedirectLoopMiddleware"]

Sent = tuple[str, bytes | None]  # a request as a loop is judged: its URL and its Cookie header


class RedirectLoopMiddleware:
    """Stops a redirect chain that loops or runs too long, before another hop is sent.

    Raises RedirectLoopError (from the repeated hop, with the chain in its
    meta) or TooManyRedirectsError (from the last answer, whose status is in
    meta LAST_REDIRECT_STATUS) to the spider's errback.
    """

    def __init__(self, max_hops: int = 10):
        self.max_hops = max_hops

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectLoopMiddleware:
        return cls(crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_request(self, request: Request) -> None:
        sent_before: tuple[Sent, ...] = request.meta.get(SENT_IN_CHAIN, ())
        if _as_sent(request) in sent_before:
            previous = request.meta.get(REDIRECT_URLS, [request.url])[-1]
            raise RedirectLoopError(f"redirect loop: {previous} -> {request.url}")

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400) or not location:
            return response
        chain = [*request.meta.get(REDIRECT_URLS, []), request.url]
        request.meta[LAST_REDIRECT_STATUS] = response.status
        if len(chain) > self.max_hops:
            raise TooManyRedirectsError(f"more than {self.max_hops} redirects")
        request.meta[SENT_IN_CHAIN] = (*request.meta.get(SENT_IN_CHAIN, ()), _as_sent(request))
        return response


def _as_sent(request: Request) -> Sent:
    return request.url, request.headers.get(b"Cookie")

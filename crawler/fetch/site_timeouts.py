"""Timeouts per site: a shorter wait for a site that keeps timing out, and a retry budget per timeout.

The decisions are `TimeoutPolicy`'s (crawler.fetch.timeout_policy); this
middleware keeps the count they need, timeouts in a row per site, and
applies them to each request:

- before a request is sent, its `download_timeout` (Scrapy's meta key, read
  by the download handler) is the site's current timeout, and a shortened
  one is recorded in meta SHORTENED_TIMEOUT for the link's result;
- when a request times out, the site's count grows, and meta TIMEOUT_RETRIES
  tells the retry middleware (crawler.fetch.retry_after, next in line for
  exceptions) how many retries this timeout may still get. Whether the
  server had begun to answer is read from Scrapy's `download_latency`, which
  the download handler sets when the response headers arrive; it is cleared
  before each try, since a retry or a redirect hop copies its meta;
- any answer from the site, whatever its status, ends the count.

Requests in a slot the spider chose (meta OWN_SLOT: the archive's) keep the
plain timeout and retries: the archive is not a site of the links.
"""

from __future__ import annotations

import logging
from collections import Counter

from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadTimeoutError
from scrapy.http import Request, Response
from twisted.internet.error import TimeoutError as ConnectTimeoutError

from crawler.fetch.meta import (
    DOWNLOAD_LATENCY,
    DOWNLOAD_SLOT,
    DOWNLOAD_TIMEOUT,
    FULL_TIMEOUT,
    OWN_SLOT,
    SHORTENED_TIMEOUT,
    TIMEOUT_RETRIES,
)
from crawler.fetch.timeout_policy import TimeoutPolicy

__all__ = ["SiteTimeoutMiddleware"]

log = logging.getLogger(__name__)

TIMEOUTS = (DownloadTimeoutError, ConnectTimeoutError)


class SiteTimeoutMiddleware:
    """Shortens the timeout of a site that keeps timing out; budgets the retries of a timeout."""

    def __init__(self, policy: TimeoutPolicy | None = None, timeout: float = 20.0):
        self.policy = policy or TimeoutPolicy()
        self.timeout = timeout  # seconds: DOWNLOAD_TIMEOUT, for a request that carries none
        self._in_a_row: Counter[str] = Counter()  # site -> timeouts since its last answer

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteTimeoutMiddleware:
        settings = crawler.settings
        policy = TimeoutPolicy.for_mode(
            settings.get("ROTWATCH_MODE"),
            settings.getdict("ROTWATCH_TIMEOUT_RETRIES"),
            shorten_after=settings.getint("ROTWATCH_SHORTEN_TIMEOUT_AFTER"),
            floor=settings.getfloat("ROTWATCH_TIMEOUT_FLOOR"),
        )
        return cls(policy, settings.getfloat("DOWNLOAD_TIMEOUT"))

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if meta.get(OWN_SLOT):
            return
        meta.pop(DOWNLOAD_LATENCY, None)  # this try's headers have not come yet
        full: float = meta.setdefault(FULL_TIMEOUT, meta.get(DOWNLOAD_TIMEOUT, self.timeout))
        in_a_row = self._in_a_row[_site(request)]
        timeout = self.policy.timeout_for(full, in_a_row)
        meta[DOWNLOAD_TIMEOUT] = timeout
        if timeout < full:
            meta[SHORTENED_TIMEOUT] = (timeout, in_a_row)
        else:
            meta.pop(SHORTENED_TIMEOUT, None)

    def process_response(self, request: Request, response: Response) -> Response:
        site = _site(request)
        if self._in_a_row.pop(site, 0) >= self.policy.shorten_after > 0:
            log.debug("site %s answered again: its full timeout is back", site)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, TIMEOUTS) or request.meta.get(OWN_SLOT):
            return
        site = _site(request)
        self._in_a_row[site] += 1
        if self._in_a_row[site] == self.policy.shorten_after:
            log.debug("site %s timed out %d times in a row: its next links wait less", site, self._in_a_row[site])
        answered = DOWNLOAD_LATENCY in request.meta
        request.meta[TIMEOUT_RETRIES] = self.policy.retries_after_timeout(answered)


def _site(request: Request) -> str:
    site: str = request.meta.get(DOWNLOAD_SLOT, "")
    return site

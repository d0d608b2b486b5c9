"""Retries that wait: as long as the server asked, else an exponential backoff, capped.

Scrapy 2.19's RetryMiddleware retries at once and ignores Retry-After; this
middleware replaces it (settings.py turns Scrapy's off). When the server
asks us to slow down (a 429, or a 503 with Retry-After: seconds or an HTTP
date) the whole site pauses for that long (`SitePauses`), capped at
ROTWATCH_RETRY_AFTER_CAP so one site cannot stall the run; when it is over
the site goes on at its usual pace at once. Any other failure (a 500, a
timeout, a reset) is about one URL: only its retry waits, by a due time in
meta RETRY_DUE that the scheduler's queue honours, and the site's other
links go on at full pace. The backoff doubles with each attempt from
ROTWATCH_RETRY_BACKOFF up to ROTWATCH_BACKOFF_CAP.

A timeout gets fewer retries than RETRY_TIMES: the budget for the timeout
just met comes in meta TIMEOUT_RETRIES from crawler.fetch.site_timeouts,
which sees exceptions first (see crawler.fetch.timeout_policy for why).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.misc import load_object

from crawler.fetch.meta import (
    DONT_RETRY,
    DOWNLOAD_SLOT,
    MAX_RETRY_TIMES,
    PAUSE_AFTER_BARE_429,
    RETRY_DUE,
    RETRY_TIMES,
    TIMEOUT_RETRIES,
)
from crawler.fetch.site_pauses import SitePauses

__all__ = ["RetryAfterMiddleware", "RetryPacing", "retry_after_seconds"]

log = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPacing:
    """How long a retry waits, from the answer and the attempt (pure: no Scrapy objects)."""

    backoff: float = 1.0  # seconds before the first retry, doubled each time
    backoff_cap: float = 8.0  # seconds: a failing URL must not stall the run
    retry_after_cap: float = 60.0  # seconds: never wait longer for one site

    def backoff_after(self, attempt: int) -> float:
        """Exponential backoff by attempt (retries made so far), capped."""
        return min(self.backoff * 2.0**attempt, self.backoff_cap)

    def site_pause(self, status: int, retry_after: bytes | None, bare_429_pause: float | None) -> float | None:
        """How long the server asked the whole site to wait, if it asked.

        A 429 without Retry-After still asks: it rests `bare_429_pause` (the
        Wayback Machine answers 429 bare and wants a minute's rest).
        """
        if status not in (429, 503):
            return None
        asked = retry_after_seconds(retry_after)
        if asked is None and status == 429:
            asked = bare_429_pause
        return None if asked is None else min(asked, self.retry_after_cap)


class RetryAfterMiddleware:
    """Retries with a pause: Retry-After when the server gives one, else exponential backoff."""

    def __init__(
        self,
        crawler: Crawler,
        pauses: SitePauses,
        pacing: RetryPacing = RetryPacing(),
        *,
        max_retry_times: int = 2,
        retry_http_codes: Collection[int] = (500, 502, 503, 504, 522, 524, 408, 429),
        exceptions_to_retry: tuple[type[BaseException], ...] = (),
    ):
        self.crawler = crawler  # its spider is what Scrapy's get_retry_request counts retries for
        self.pauses = pauses
        self.pacing = pacing
        self.max_retry_times = max_retry_times
        self.retry_http_codes = frozenset(retry_http_codes)
        self.exceptions_to_retry = exceptions_to_retry

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        pacing = RetryPacing(
            backoff=settings.getfloat("ROTWATCH_RETRY_BACKOFF"),
            backoff_cap=settings.getfloat("ROTWATCH_BACKOFF_CAP"),
            retry_after_cap=settings.getfloat("ROTWATCH_RETRY_AFTER_CAP"),
        )
        return cls(
            crawler,
            SitePauses(crawler),
            pacing,
            max_retry_times=settings.getint("RETRY_TIMES"),
            retry_http_codes={int(code) for code in settings.getlist("RETRY_HTTP_CODES")},
            exceptions_to_retry=tuple(load_object(name) for name in settings.getlist("RETRY_EXCEPTIONS")),
        )

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get(DONT_RETRY) or response.status not in self.retry_http_codes:
            return response
        retry = get_retry_request(
            request, reason=f"HTTP {response.status}", spider=self._spider(), max_retry_times=self._tries(request)
        )
        if retry is None:
            return response
        return self._delayed(request, retry, self._asked_pause(request, response))

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(DONT_RETRY):
            return None
        tries = self._tries(request)
        timeout_retries: int | None = request.meta.pop(TIMEOUT_RETRIES, None)  # crawler.fetch.site_timeouts
        if timeout_retries is not None:
            tries = min(tries, timeout_retries)
        retry = get_retry_request(
            request, reason=type(exception).__name__, spider=self._spider(), max_retry_times=tries
        )
        return None if retry is None else self._delayed(request, retry, None)

    def _asked_pause(self, request: Request, response: Response) -> float | None:
        """The site's pause the answer asks for; a request may set the pause for a bare 429 in meta."""
        bare_429_pause = request.meta.get(PAUSE_AFTER_BARE_429, self._backoff_for(request))
        return self.pacing.site_pause(response.status, response.headers.get(b"Retry-After"), bare_429_pause)

    def _delayed(self, request: Request, retry: Request, asked: float | None) -> Request:
        """The retry, due after the site's pause if the server asked for one, else after a backoff."""
        site: str | None = request.meta.get(DOWNLOAD_SLOT)
        if asked is not None:
            log.debug(
                "retry %d of %s waits while its site %s rests %.1f s", retry.meta[RETRY_TIMES], retry, site, asked
            )
            if site is not None:
                self.pauses.pause(site, asked)
        else:
            backoff = self._backoff_for(request)
            log.debug("retry %d of %s waits a backoff of %.1f s", retry.meta[RETRY_TIMES], retry, backoff)
            retry.meta[RETRY_DUE] = monotonic() + backoff
        return retry

    def _backoff_for(self, request: Request) -> float:
        return self.pacing.backoff_after(request.meta.get(RETRY_TIMES, 0))

    def _tries(self, request: Request) -> int:
        tries: int = request.meta.get(MAX_RETRY_TIMES, self.max_retry_times)
        return tries

    def _spider(self) -> Spider:
        spider = self.crawler.spider
        assert spider is not None  # a response or a failure comes only while the spider runs
        return spider

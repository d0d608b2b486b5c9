"""Downloader middlewares: one concern each.

Order matters. Requests pass SiteSlot -> AddressGuard -> GitHubToken ->
(Scrapy's) -> RetryAfter -> Redirect; responses come back the other way,
so RedirectLoopError sees a redirect before Scrapy follows it and RetryAfter sees
the final answer of a chain.

Exceptions raised here reach the link spider's errback:
    AddressRefusedError      the host resolves to an address the policy refuses
    NameNotFoundError        the host name does not exist (from crawler.fetch.resolver)
    NameLookupFailedError    the lookup timed out or failed temporarily
    RedirectLoopError        a redirect points back into its own chain
    TooManyRedirectsError    the chain is longer than REDIRECT_MAX_TIMES
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import StopDownload
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from w3lib.url import safe_url_string

from crawler.check.page import may_be_html
from crawler.check.urls import site_key
from crawler.errors import (
    AddressRefusedError,
    RedirectLoopError,
    TooManyRedirectsError,
)
from crawler.fetch.addresses import AddressPolicy
from crawler.fetch.queues import RETRY_DUE_META
from crawler.fetch.resolver import HostLookup, PinnedResolver, installed_resolver

__all__ = [
    "AddressGuardMiddleware",
    "BodyBudgetMiddleware",
    "BoundedDecompressionMiddleware",
    "GitHubTokenMiddleware",
    "RedirectLoopMiddleware",
    "RetryAfterMiddleware",
    "SiteSlotMiddleware",
    "retry_after_seconds",
]


class SiteSlotMiddleware:
    """Puts each request in the download slot of its site (registered domain).

    Scrapy's default slot is the host name, which would let one blog platform
    with many sub-domains take many slots of one server. The slot is set on
    every hop, so a redirect to another site waits in that site's slot.
    """

    def process_request(self, request: Request) -> None:
        if not request.meta.get("rotwatch_own_slot"):
            request.meta["download_slot"] = site_key(urlparse_cached(request).hostname or "")


class AddressGuardMiddleware:
    """Resolves each request's host, refuses non-public addresses, pins the rest."""

    def __init__(self, lookup: HostLookup, policy: AddressPolicy, resolver: PinnedResolver):
        self.lookup = lookup
        self.policy = policy
        self.resolver = resolver

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        from twisted.internet import reactor

        settings = crawler.settings
        lookup = HostLookup(reactor, settings.getdict("ROTWATCH_STATIC_HOSTS"), settings.getfloat("DNS_TIMEOUT"))
        policy = AddressPolicy(settings.get("ROTWATCH_ALLOWED_PRIVATE"))
        return cls(lookup, policy, installed_resolver(reactor))

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname or ""
        addresses = await maybe_deferred_to_future(self.lookup.addresses(host))
        refusal = self.policy.first_refusal(addresses)
        if refusal:
            raise AddressRefusedError(refusal)
        self.resolver.pin(host, addresses[0])


class GitHubTokenMiddleware:
    """Sends GITHUB_TOKEN to github.com links only (anonymous clients are rate-limited).

    Scrapy drops Authorization on a redirect to another host, so the token
    does not follow a link off GitHub.
    """

    GITHUB_HOSTS = frozenset({"github.com", "api.github.com", "gist.github.com"})

    def __init__(self, token: str | None):
        self.token = token

    @classmethod
    def from_crawler(cls, crawler: Any) -> GitHubTokenMiddleware:
        return cls(crawler.settings.get("ROTWATCH_GITHUB_TOKEN"))

    def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        if self.token and parsed.scheme == "https" and parsed.hostname in self.GITHUB_HOSTS:
            request.headers.setdefault("Authorization", f"Bearer {self.token}")


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


class RetryAfterMiddleware(RetryMiddleware):
    """Retries with a pause: Retry-After when the server gives one, else exponential backoff.

    Scrapy's RetryMiddleware retries at once and ignores Retry-After. When the
    server asks us to slow down (a 429, or a 503 with Retry-After) the pause
    is applied as the delay of the site's download slot, so only that site
    waits, capped so a site cannot stall the run; when it is over the site
    goes on at its usual pace at once. Any other failure (a 500, a timeout, a reset) is
    about one URL: only its retry waits, by a due time in meta
    RETRY_DUE_META that the scheduler's queue honours, and the site's other
    links go on at full pace.
    """

    def __init__(self, settings: Any, crawler: Any = None):
        super().__init__(settings)
        self.crawler = crawler
        self.backoff = settings.getfloat("ROTWATCH_RETRY_BACKOFF")
        self.retry_after_cap = settings.getfloat("ROTWATCH_RETRY_AFTER_CAP")
        self.backoff_cap = settings.getfloat("ROTWATCH_BACKOFF_CAP")
        self._normal_pace: dict[str, tuple[float, float]] = {}  # slot -> (delay, jitter) before a pause
        self._pause_ends: dict[str, float] = {}  # slot -> monotonic() when its pause is over

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        return cls(crawler.settings, crawler)

    def asked_pause(self, request: Request, response: Response | None) -> float | None:
        """How long the server asked the whole site to wait, if it asked.

        A request may carry meta "rotwatch_429_pause": the pause for a 429
        without Retry-After (the Wayback Machine answers 429 bare and wants
        a minute's rest).
        """
        if response is None or response.status not in (429, 503):
            return None
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is None and response.status == 429:
            asked = request.meta.get("rotwatch_429_pause", self.backoff_for(request))
        return None if asked is None else min(asked, self.retry_after_cap)

    def backoff_for(self, request: Request) -> float:
        """Exponential backoff by attempt, capped."""
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff * 2**attempt, self.backoff_cap)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = get_retry_request(
            request, reason=f"HTTP {response.status}", spider=self.crawler.spider, max_retry_times=self._tries(request)
        )
        if retry is None:
            return response
        return self._delayed(request, retry, self.asked_pause(request, response))

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = get_retry_request(
            request, reason=type(exception).__name__, spider=self.crawler.spider, max_retry_times=self._tries(request)
        )
        return None if retry is None else self._delayed(request, retry, None)

    def _delayed(self, request: Request, retry: Request, asked: float | None) -> Request:
        """The retry, due after the site's pause if the server asked for one, else after a backoff."""
        if asked is not None:
            self._slow_down(request, asked)
        else:
            retry.meta[RETRY_DUE_META] = monotonic() + self.backoff_for(request)
        return retry

    def _tries(self, request: Request) -> int:
        return request.meta.get("max_retry_times", self.max_retry_times)

    def _slot(self, request: Request) -> Any:
        engine = self.crawler.engine if self.crawler else None
        return engine.downloader.slots.get(request.meta.get("download_slot")) if engine else None

    def _slow_down(self, request: Request, pause: float) -> None:
        """Make the request's site wait `pause` seconds, then go on at its usual pace."""
        slot = self._slot(request)
        if slot is None:
            return
        site = request.meta.get("download_slot")
        self._normal_pace.setdefault(site, (slot.delay, slot.jitter))
        slot.delay = max(slot.delay, pause)
        slot.jitter = 0.0  # a Retry-After is a minimum, not an average
        slot.lastseen = monotonic()  # the pause counts from this answer, not from the request
        self._pause_ends[site] = max(self._pause_ends.get(site, 0.0), slot.lastseen + pause)
        call_later(pause, self._end_pause, site, slot)

    def _end_pause(self, site: str, slot: Any) -> None:
        """The site's pause is over (unless a later answer extended it): back to its pace, at once.

        The downloader may have scheduled its next send under the long delay;
        `resume` sends now instead.
        """
        if site not in self._pause_ends or monotonic() < self._pause_ends[site]:
            return
        del self._pause_ends[site]
        slot.delay, slot.jitter = self._normal_pace.pop(site)
        resume = getattr(self.crawler.engine.downloader, "resume", None)
        if resume is not None:
            resume(slot)


class RedirectLoopMiddleware:
    """Stops a redirect chain that loops or runs too long, before another hop is sent.

    Scrapy would follow a loop until REDIRECT_MAX_TIMES, requesting the same
    URLs again and again, and then report only "max redirections reached".
    """

    def __init__(self, max_hops: int = 10):
        self.max_hops = max_hops

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectLoopMiddleware:
        return cls(crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        location = response.headers.get(b"Location")
        if not (300 <= response.status < 400) or not location:
            return response
        target = safe_url_string(urljoin(request.url, location.decode("latin-1")))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        request.meta["rotwatch_last_status"] = response.status
        if target in chain:
            raise RedirectLoopError(f"redirect loop: {response.url} -> {target}")
        if len(chain) > self.max_hops:
            raise TooManyRedirectsError(f"more than {self.max_hops} redirects")
        return response


class BodyBudgetMiddleware:
    """Stops each download early: after the headers for non-HTML, after a budget for HTML.

    A PDF or a video is judged by its status; an HTML page by its status and
    its first kilobytes (title, heading). Stopping a download this way gives
    a truncated response flagged "download_stopped", not an error. Requests
    whose answer must be read whole (archive index queries) carry meta
    "rotwatch_whole_body".
    """

    SMALL_BODY = 4 * 1024  # bytes: non-HTML bodies up to this size are read whole

    def __init__(self, html_bytes: int = 64 * 1024):
        self.html_bytes = html_bytes

    @classmethod
    def from_crawler(cls, crawler: Any) -> BodyBudgetMiddleware:
        middleware = cls(crawler.settings.getint("ROTWATCH_HTML_BYTES"))
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def headers_received(self, headers: Any, body_length: Any, request: Request, spider: Any) -> None:
        if request.meta.get("rotwatch_whole_body"):
            return
        content_type = headers.get(b"Content-Type")
        if may_be_html(content_type.decode("latin-1") if content_type else None):
            return
        # A tiny body (an error message) is read: stopping would close a
        # connection the pool may already have taken back for the next request.
        if not (isinstance(body_length, int) and 0 <= body_length <= self.SMALL_BODY):
            raise StopDownload(fail=False)

    def bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        if request.meta.get("rotwatch_whole_body"):
            return
        received = request.meta.get("rotwatch_body_bytes", 0) + len(data)
        request.meta["rotwatch_body_bytes"] = received
        if received >= self.html_bytes:
            raise StopDownload(fail=False)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if len(response.body) > self.html_bytes and not request.meta.get("rotwatch_whole_body"):
            return response.replace(body=response.body[: self.html_bytes])
        return response


class BoundedDecompressionMiddleware:
    """Decompresses gzip/deflate bodies up to a size, truncating instead of failing.

    Scrapy's HttpCompressionMiddleware fails a response that inflates past
    DOWNLOAD_MAXSIZE; a link checker only needs the start of the page, so a
    decompression bomb is cut short and the page still gets its title.
    """

    def __init__(self, max_bytes: int = 512 * 1024):
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Any) -> BoundedDecompressionMiddleware:
        return cls(crawler.settings.getint("ROTWATCH_DECOMPRESSED_BYTES"))

    def process_request(self, request: Request) -> None:
        request.headers.setdefault("Accept-Encoding", "gzip, deflate")

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        encoding = response.headers.get(b"Content-Encoding", b"").strip().lower()
        if encoding not in (b"gzip", b"x-gzip", b"deflate") or not response.body:
            return response
        body = inflate_prefix(response.body, encoding, self.max_bytes)
        headers = response.headers.copy()
        del headers[b"Content-Encoding"]
        return response.replace(body=body, headers=headers)


def inflate_prefix(data: bytes, encoding: bytes, max_bytes: int) -> bytes:
    """The first `max_bytes` of a gzip/deflate stream, tolerating a cut-off end."""
    # deflate: zlib-wrapped, then raw; gzip: its own header
    attempts = (zlib.MAX_WBITS, -zlib.MAX_WBITS) if encoding == b"deflate" else (16 + zlib.MAX_WBITS,)
    for wbits in attempts:
        try:
            return zlib.decompressobj(wbits).decompress(data, max_bytes)
        except zlib.error:
            continue
    return b""

"""The link spider: requests each unique URL once and records what happened.

It makes no decisions: a response or a failure becomes a `CheckResult`
item, and `crawler.check.classify` decides the verdict. Requests bypass Scrapy's
duplicate filter because rotwatch de-duplicates before crawling (Scrapy
2.19's filter would silently drop redirects that meet; see crawler/settings.py).

Start requests are read lazily, as the downloader drains (crawler.fetch.start_window),
in the order given: `rotwatch check` and `scrapy crawl` pass their URLs in the
fair order (crawler.fetch.fair_order), the nightly crawl reads its due URLs
from the state in that order.

Run it on its own with the project's settings:
    scrapy crawl links -a paths=issues/ -O results.jsonl
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Headers, Request, Response
from twisted.internet import error as tx_error
from twisted.python.failure import Failure

from crawler.check.page import may_be_html, read_page
from crawler.check.urls import site_of
from crawler.collector import freeze_long_lived
from crawler.errors import (
    AddressRefusedError,
    NameLookupFailedError,
    NameNotFoundError,
    RedirectLoopError,
    TooManyRedirectsError,
)
from crawler.fetch.fair_order import fair_order
from crawler.fetch.meta import (
    CHECKED_URL,
    COOKIE_JAR,
    DOWNLOAD_SLOT,
    LAST_REDIRECT_STATUS,
    REDIRECT_REASONS,
    REDIRECT_URLS,
    SHORTENED_TIMEOUT,
)
from crawler.fetch.queues import BusiestSiteFirstQueue
from crawler.fetch.start_window import StartWindow
from crawler.fetch.timeout_policy import shortened_timeout_detail
from crawler.models import CheckResult, ErrorKind, Hop
from crawler.spiders.failures import exception_of, request_of

START_BATCH = 50  # start requests scheduled between two turns of the reactor

# Headers the verdict and the reports read; names lower-case.
KEPT_HEADERS = (
    "content-type",
    "location",
    "retry-after",
    "server",
    "memento-datetime",
    "cf-mitigated",
    "x-vercel-mitigated",
    "x-amzn-waf-action",
    "x-adblock-key",
)

_KEPT_KEYS = tuple((name, name.encode("latin-1")) for name in KEPT_HEADERS)

# Exception types (and what they mean) in the order they are recognised.
ERROR_KINDS: tuple[tuple[type[BaseException], ErrorKind], ...] = (
    (AddressRefusedError, ErrorKind.ADDRESS_REFUSED),
    (NameNotFoundError, ErrorKind.NXDOMAIN),
    (NameLookupFailedError, ErrorKind.DNS_FAILURE),
    (CannotResolveHostError, ErrorKind.DNS_FAILURE),
    (RedirectLoopError, ErrorKind.REDIRECT_LOOP),
    (TooManyRedirectsError, ErrorKind.TOO_MANY_REDIRECTS),
    (DownloadConnectionRefusedError, ErrorKind.CONNECTION_REFUSED),
    (tx_error.ConnectionRefusedError, ErrorKind.CONNECTION_REFUSED),
    (DownloadTimeoutError, ErrorKind.TIMEOUT),
    (tx_error.TimeoutError, ErrorKind.TIMEOUT),
    (tx_error.ConnectionLost, ErrorKind.CONNECTION_RESET),
    (tx_error.ConnectionDone, ErrorKind.CONNECTION_RESET),
)


class LinkSpider(scrapy.Spider):
    """Checks the given URLs, read as the downloader drains; yields one CheckResult per URL.

    `urls` is read lazily and in the order given: callers pass the fair order
    (crawler.fetch.fair_order), the nightly crawl straight from its state.
    """

    name = "links"

    def __init__(self, urls: Iterable[str] = (), paths: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.urls: Iterable[str] = fair_order(_urls_in(paths)) if paths else urls

    async def start(self) -> AsyncIterator[Request]:
        """One request per URL, read while the scheduler's start window has room (crawler.fetch.start_window),
        handing the reactor a turn every START_BATCH of them.

        Once the downloader is full, Scrapy 2.19's engine reads start requests
        in a loop that never yields while this generator does not: 20,000
        links were scheduled in one 0.5 s stretch before the first answer was
        read, and servers streaming large bodies wrote 4 MB before the early
        stop could reset them. With a turn every 50, on the benchmark's 20,000
        links 370 answers were handled while they were scheduled, the first
        70 ms after the first request. (A millisecond's pause instead of a bare
        turn let answers through sooner on a small crawl, but cost the large
        one 1-2 s and a 764 KB body in two runs of each.) The window now stops
        the reading itself until requests leave the scheduler; the turns still
        matter while it fills. Reading stops when the crawl is being stopped (an
        interruption, crawler.fetch.runner): the rest of `urls` is never read.
        """
        window = self._start_window()
        urls = iter(self.urls)
        for count in itertools.count(1):
            if window is not None and not window.has_room():
                await _room_in(window)
            url = None if self._stopping() else next(urls, None)
            if url is None:
                break
            yield self._request(url)
            if count % START_BATCH == 0:
                await asyncio.sleep(0)
        freeze_long_lived()  # those waiting in the scheduler's queue wait long (crawler.collector)

    def _request(self, url: str) -> Request:
        meta = {CHECKED_URL: url, COOKIE_JAR: url}  # the link's own cookie jar
        request = Request(url, callback=self.parse, errback=self.failed, dont_filter=True, meta=meta)
        # The slot is set before scheduling: the scheduler balances sites by it (as crawler.fetch.site_slots).
        request.meta[DOWNLOAD_SLOT] = site_of(request.url)
        return request

    def _start_window(self) -> StartWindow | None:
        """The scheduler queue's start window; None outside a crawl (a test) or with another queue."""
        crawler = getattr(self, "crawler", None)
        scheduler = crawler.engine.scheduler if crawler is not None and crawler.engine is not None else None
        queue = getattr(scheduler, "mqs", None)  # Scrapy's Scheduler keeps its memory queue there
        return queue.start_window if isinstance(queue, BusiestSiteFirstQueue) else None

    def _stopping(self) -> bool:
        """Whether the crawl is being stopped (Crawler.stop_async: an interruption, a close)."""
        crawler = getattr(self, "crawler", None)
        return crawler is not None and not crawler.crawling

    def parse(self, response: Response) -> Iterable[CheckResult]:
        yield result_from_response(response)

    def failed(self, failure: Failure) -> Iterable[CheckResult]:
        yield result_from_failure(failure)


async def _room_in(window: StartWindow) -> None:
    """Returns once a request has left the scheduler and the window has room."""
    made: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def room() -> None:
        if not made.done():
            made.set_result(None)

    window.call_when_room(room)
    await made


def _urls_in(paths: str) -> list[str]:
    """Unique http(s) URLs of the issues under `paths` (comma-separated), for `scrapy crawl`."""
    from crawler.check.plan import plan_checks
    from crawler.issues.reading import collect_links

    occurrences, _issues, _problems = collect_links([p for p in paths.split(",") if p])
    return list(plan_checks(occurrences).to_fetch)


def _hops(request: Request | None, last: tuple[str, int] | None = None) -> tuple[Hop, ...]:
    meta = request.meta if request is not None else {}
    urls, reasons = meta.get(REDIRECT_URLS, []), meta.get(REDIRECT_REASONS, [])
    hops = [Hop(url, reason) for url, reason in zip(urls, reasons, strict=False) if isinstance(reason, int)]
    if last:
        hops.append(Hop(*last))
    return tuple(hops)


def _kept_headers(headers: Headers) -> dict[str, str]:
    """The KEPT_HEADERS the response has, in that order, each with its last value.

    The response's few headers are read once: asking for each kept name
    (`Headers.get` normalises the name, then raises inside for every absent
    one) cost four times as much, for every response.
    """
    present = {name.lower(): values for name, values in headers.items()}
    kept = {}
    for name, key in _KEPT_KEYS:
        values = present.get(key)
        if values:
            kept[name] = values[-1].decode("latin-1")
    return kept


def result_from_response(response: Response) -> CheckResult:
    """What a response tells: status, where it ended, the chain, the page."""
    headers = _kept_headers(response.headers)
    content_type = headers.get("content-type")
    page = read_page(response.body, content_type) if response.body and may_be_html(content_type) else None
    return CheckResult(
        url=response.meta[CHECKED_URL],
        http_status=response.status,
        final_url=response.url,
        redirects=_hops(response.request),
        page=page,
        headers=headers,
    )


def result_from_failure(failure: Failure) -> CheckResult:
    """What a failure tells: the kind of error and how far the chain got."""
    request, exception = request_of(failure), exception_of(failure)
    kind = error_kind(exception)
    hops, final_url = _hops(request), request.url
    if kind is ErrorKind.REDIRECT_LOOP and hops:  # stopped before the repeated hop was sent
        final_url = hops[-1].url
    elif kind is ErrorKind.TOO_MANY_REDIRECTS:  # stopped on the last hop's answer
        hops = _hops(request, (request.url, request.meta.get(LAST_REDIRECT_STATUS, 0)))
    detail = _detail(exception)
    if kind is ErrorKind.TIMEOUT and SHORTENED_TIMEOUT in request.meta:
        detail = shortened_timeout_detail(*request.meta[SHORTENED_TIMEOUT])
    return CheckResult(
        url=request.meta[CHECKED_URL],
        final_url=final_url,
        redirects=hops,
        error=kind,
        error_detail=detail,
    )


def _causes(exception: BaseException) -> Iterable[BaseException]:
    """The exception, what it wraps, and the reasons of a Twisted ResponseFailed."""
    seen: BaseException | None = exception
    while seen is not None:
        yield seen
        for reason in getattr(seen, "reasons", []) or []:
            yield from _causes(getattr(reason, "value", reason))
        seen = seen.__cause__ or seen.__context__


def error_kind(exception: BaseException) -> ErrorKind:
    """Maps a download failure to an ErrorKind, looking through wrapped causes."""
    causes = list(_causes(exception))
    for cause in causes:
        for exception_type, kind in ERROR_KINDS:
            if isinstance(cause, exception_type):
                return kind
    for cause in causes:
        tls_kind = _tls_kind(cause)
        if tls_kind:
            return tls_kind
    if isinstance(exception, IgnoreRequest) and "robots.txt" in str(exception):
        return ErrorKind.EXCLUDED
    if isinstance(exception, IgnoreRequest) and "redirections" in str(exception):
        return ErrorKind.TOO_MANY_REDIRECTS
    if isinstance(exception, DownloadFailedError):
        return ErrorKind.CONNECTION_RESET
    return ErrorKind.OTHER


def _tls_kind(cause: BaseException) -> ErrorKind | None:
    module = type(cause).__module__
    if not (module.startswith(("OpenSSL", "service_identity")) or "SSL" in type(cause).__name__):
        return None
    text = str(cause).lower()
    if "hostname" in text or "mismatch" in text or module.startswith("service_identity"):
        return ErrorKind.TLS_WRONG_HOST
    return ErrorKind.TLS


def _detail(exception: BaseException) -> str:
    text = str(exception).strip()
    return f"{type(exception).__name__}: {text}" if text else type(exception).__name__

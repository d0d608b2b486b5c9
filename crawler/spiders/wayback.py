"""The Wayback spider: finds a trustworthy capture for each dead URL.

For each URL it asks the CDX index for captures near the issue's date
(`crawler.wayback.protocol` builds the query and ranks the answer), then fetches the
best candidate in identity mode (`id_`) and keeps it only if the archive
really served the cited page (Memento-Datetime present, not a "not found",
parked or home-page capture); otherwise it tries the next candidate. When
the index has nothing, the availability API is asked as a fallback (it can
answer falsely empty, so it never comes first).

All requests share one download slot, "wayback", whose pace the runner sets
from the archive's rate limit; a 429 pauses that slot for
ROTWATCH_ARCHIVE_429_PAUSE (a minute: the real archive answers 429 bare).
Scrapy does not follow the archive's redirects (meta DONT_REDIRECT): a
playback redirect is followed here, at most MAX_PLAYBACK_HOPS, so the
verification knows where the capture landed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.check.page import may_be_html, read_page
from crawler.errors import ArchiveAnswerError
from crawler.fetch.meta import DONT_REDIRECT, DOWNLOAD_SLOT, MAX_RETRY_TIMES, OWN_SLOT, PAUSE_AFTER_BARE_429, WHOLE_BODY
from crawler.models import ArchiveLookup, LookupOutcome, Snapshot
from crawler.spiders.failures import request_of
from crawler.wayback.protocol import (
    availability_url,
    capture_is_trustworthy,
    capture_timestamp_of,
    cdx_query_url,
    parse_availability,
    parse_cdx,
    playback_url,
    rank_captures,
)

ARCHIVE_SLOT = "wayback"
MAX_CANDIDATES = 3  # captures verified per URL at most
MAX_PLAYBACK_HOPS = 3  # redirects followed inside the archive
ARCHIVE_RETRIES = 4  # the archive answers 429/5xx under load; be patient

log = logging.getLogger(__name__)


@dataclass
class _Lookup:
    """Where one URL's lookup stands, carried from request to request."""

    url: str
    issue_date: date | None
    candidates: list[Snapshot] = field(default_factory=list)
    tried: set[str] = field(default_factory=set)  # timestamps already verified
    requests: int = 0
    hops: int = 0
    may_ask_availability: bool = True  # only when the index had no candidate at all

    def done(self, outcome: LookupOutcome, detail: str, snapshot: Snapshot | None = None) -> ArchiveLookup:
        log.debug("archive lookup of %s: %s (%s)", self.url, outcome.value, detail)
        return ArchiveLookup(self.url, outcome, snapshot, detail, self.requests)


Step = Iterator[Request | ArchiveLookup]  # what a callback yields: the next request, or the lookup's end
Callback = Callable[[Response, _Lookup], Step]


class WaybackSpider(scrapy.Spider):
    """Looks up (url, issue date) pairs; yields one ArchiveLookup per URL."""

    name = "wayback"

    def __init__(self, lookups: Iterable[tuple[str, date | None]] = (), endpoint: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.lookups = list(lookups)
        self.endpoint = endpoint.rstrip("/")

    @property
    def pause_after_429(self) -> float:
        return self.settings.getfloat("ROTWATCH_ARCHIVE_429_PAUSE")

    async def start(self) -> AsyncIterator[Request]:
        for url, issue_date in self.lookups:
            lookup = _Lookup(url, issue_date)
            yield self._request(cdx_query_url(self.endpoint, url, issue_date), lookup, self.parse_index, whole=True)

    def _request(self, url: str, lookup: _Lookup, callback: Callback, *, whole: bool = False) -> Request:
        lookup.requests += 1
        meta = {
            DOWNLOAD_SLOT: ARCHIVE_SLOT,
            OWN_SLOT: True,
            WHOLE_BODY: whole,
            PAUSE_AFTER_BARE_429: self.pause_after_429,
            MAX_RETRY_TIMES: ARCHIVE_RETRIES,
            DONT_REDIRECT: True,
        }
        return Request(
            url, callback=callback, errback=self.failed, dont_filter=True, meta=meta, cb_kwargs={"lookup": lookup}
        )

    def parse_index(self, response: Response, lookup: _Lookup) -> Step:
        if response.status != 200:
            yield lookup.done(LookupOutcome.FAILED, f"the archive index answered HTTP {response.status}")
            return
        try:
            lookup.candidates = rank_captures(parse_cdx(response.body), lookup.issue_date)[:MAX_CANDIDATES]
        except ArchiveAnswerError as exc:
            yield lookup.done(LookupOutcome.FAILED, str(exc))
            return
        lookup.may_ask_availability = not lookup.candidates
        log.debug("archive index has %d candidate(s) for %s", len(lookup.candidates), lookup.url)
        yield from self._verify_next(lookup, "the archive has no capture")

    def parse_availability(self, response: Response, lookup: _Lookup) -> Step:
        try:
            snapshot = parse_availability(response.body) if response.status == 200 else None
        except ArchiveAnswerError:
            snapshot = None
        lookup.candidates = [snapshot] if snapshot and snapshot.timestamp not in lookup.tried else []
        yield from self._verify_next(lookup, "the archive has no capture")

    def _verify_next(self, lookup: _Lookup, why_none: str) -> Step:
        """Fetch the next candidate, or ask availability once, or give up."""
        if lookup.candidates:
            candidate = lookup.candidates.pop(0)
            lookup.tried.add(candidate.timestamp)
            lookup.hops = 0
            log.debug("verifying the capture of %s from %s", lookup.url, candidate.timestamp)
            url = playback_url(self.endpoint, candidate, identity=True)
            yield self._request(url, lookup, self.parse_capture)
        elif lookup.may_ask_availability:
            lookup.may_ask_availability = False
            log.debug("archive index has nothing for %s: asking the availability API", lookup.url)
            url = availability_url(self.endpoint, lookup.url, lookup.issue_date)
            yield self._request(url, lookup, self.parse_availability, whole=True)
        else:
            yield lookup.done(LookupOutcome.NONE, why_none)

    def parse_capture(self, response: Response, lookup: _Lookup) -> Step:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location and lookup.hops < MAX_PLAYBACK_HOPS:
            lookup.hops += 1
            yield self._request(response.urljoin(location.decode("latin-1")), lookup, self.parse_capture)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in _header_items(response)}
        content_type = headers.get("content-type")
        page = read_page(response.body, content_type) if response.body and may_be_html(content_type) else None
        landed = response.url if lookup.hops else None
        trustworthy, reason = capture_is_trustworthy(response.status, headers, page, lookup.url, landed)
        if trustworthy:
            log.debug("capture %s of %s accepted: %s", response.url, lookup.url, reason)
            yield lookup.done(LookupOutcome.FOUND, reason, _served_capture(lookup.url, headers))
        else:
            log.debug("capture %s of %s rejected: %s", response.url, lookup.url, reason)
            yield from self._verify_next(lookup, reason)

    def failed(self, failure: Failure) -> Iterator[ArchiveLookup]:
        lookup: _Lookup = request_of(failure).cb_kwargs["lookup"]
        yield lookup.done(LookupOutcome.FAILED, f"the archive did not answer: {failure.getErrorMessage()}")


def _header_items(response: Response) -> Sequence[tuple[bytes, bytes]]:
    return [(name, values[-1]) for name, values in response.headers.items() if values]


def _served_capture(url: str, headers: dict[str, str]) -> Snapshot:
    """The capture the archive really served (its Memento-Datetime, not the one asked for)."""
    return Snapshot(original=url, timestamp=capture_timestamp_of(headers["memento-datetime"]), status=200)

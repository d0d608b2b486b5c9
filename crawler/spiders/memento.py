"""The Memento spider: finds a trustworthy capture of each dead URL in further web archives.

For each URL it asks the archives in their configured order (see
crawler.wayback.archives): the archive's TimeMap of the URL, following at
most MAX_TIMEMAP_PAGES pages of a paged one; the mementos closest to the
issue date (crawler.wayback.memento chooses them, by the Wayback stage's
ranking); then it fetches the best one's raw bytes and keeps it only if the
Wayback stage's rule (`protocol.capture_is_trustworthy`) accepts it: a 2xx
with Memento-Datetime that is not a "not found", parked or home-page
capture. Otherwise the next memento, then the next archive. The first
archive with a trustworthy memento ends the lookup.

An archive that refuses (429, a CAPTCHA page), fails (5xx after retries, a
network error) or answers what is no TimeMap is "unavailable, ask again
later": the lookup goes on with the next archive and, if none has a
capture, ends FAILED rather than NONE, so the next run asks again. A
refusal also closes the archive for the rest of this run: archive.today's
CAPTCHA wall does not lift for the next URL. For that to spare the archive,
at most LOOKUPS_PER_ARCHIVE lookups are under way in one archive at a time
and the others wait in the spider, not in Scrapy's queues, where a request
once yielded would be sent whatever its archive said meanwhile.

Every archive's requests go to a download slot of its own
(`MementoArchive.slot`), paced to its rate by `memento_settings`; a bare
429 rests the slot ROTWATCH_ARCHIVE_429_PAUSE, as the Wayback stage's does.
Archive redirects are followed here, at most MAX_HOPS, so the verification
knows where the memento landed. `lookup_mementos` runs the spider the way
crawler.fetch.runner runs the Wayback spider.

Each (URL, date cited) pair is one lookup, whose answer carries its date,
so every issue gets the memento of its own date. The requests sent and the
429s received are counted per archive (an `ArchiveTally` keyed by archive
name); `budget` (seconds, 0 for none) closes the spider when spent, as the
Wayback spider's does: what was not settled by then stays pending.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scrapy.http import Request, Response
from scrapy.settings import Settings
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler.check.page import may_be_html, read_page
from crawler.errors import ArchiveAnswerError
from crawler.fetch.meta import DONT_REDIRECT, DOWNLOAD_SLOT, MAX_RETRY_TIMES, OWN_SLOT, PAUSE_AFTER_BARE_429, WHOLE_BODY
from crawler.fetch.runner import Interruption, _collect
from crawler.models import ArchiveLookup, LookupOutcome, Page, Snapshot
from crawler.spiders.failures import request_of
from crawler.spiders.wayback import ArchiveSpider, ArchiveTally
from crawler.wayback.archives import MementoArchive
from crawler.wayback.memento import (
    Memento,
    choose_mementos,
    next_pages,
    original_in,
    parse_timemap,
    raw_memento_url,
    reader_url,
    refusal_of,
)
from crawler.wayback.protocol import capture_is_trustworthy, capture_timestamp_of

__all__ = [
    "LOOKUPS_PER_ARCHIVE",
    "MAX_CANDIDATES",
    "MAX_HOPS",
    "MAX_TIMEMAP_PAGES",
    "MementoSpider",
    "lookup_mementos",
    "memento_settings",
]

MAX_CANDIDATES = 3  # mementos verified per archive and URL at most
MAX_TIMEMAP_PAGES = 3  # pages of a paged TimeMap read per archive and URL at most
MAX_HOPS = 3  # redirects followed inside an archive
LOOKUPS_PER_ARCHIVE = 2  # URLs being looked up in one archive at once; the others wait their turn
SLOT_CONCURRENCY = LOOKUPS_PER_ARCHIVE  # requests in flight per archive: its pace is set by its delay

log = logging.getLogger(__name__)


@dataclass
class _Lookup:
    """Where one URL's lookup stands, carried from request to request."""

    url: str
    issue_date: date | None
    archives: list[MementoArchive]  # still to ask, in order
    archive: MementoArchive | None = None  # being asked
    mementos: list[Memento] = field(default_factory=list)  # from the pages read so far
    pages_read: list[str] = field(default_factory=list)
    candidates: list[Memento] = field(default_factory=list)
    verifying: Memento | None = None  # the memento being fetched
    hops: int = 0
    requests: int = 0
    asked: list[str] = field(default_factory=list)  # archive names
    unavailable: list[str] = field(default_factory=list)  # "name: why it could not answer"
    nothing: list[str] = field(default_factory=list)  # "name: why it had no trustworthy capture"

    @property
    def current(self) -> MementoArchive:
        assert self.archive is not None, "a request is only sent while an archive is asked"
        return self.archive

    def found(self, snapshot: Snapshot, detail: str) -> ArchiveLookup:
        log.debug("memento lookup of %s: found in %s (%s)", self.url, snapshot.archive, detail)
        return ArchiveLookup(
            self.url, LookupOutcome.FOUND, snapshot, detail, self.requests, snapshot.archive, self.issue_date
        )

    def ended(self) -> ArchiveLookup:
        """FAILED if an archive could not answer (ask again later), else NONE."""
        if self.unavailable:
            names = ", ".join(reason.partition(":")[0] for reason in self.unavailable)
            detail = "; ".join(self.unavailable + self.nothing)
            log.debug("memento lookup of %s: failed (%s)", self.url, detail)
            return ArchiveLookup(self.url, LookupOutcome.FAILED, None, detail, self.requests, names, self.issue_date)
        detail = "; ".join(self.nothing) or "no archive is configured"
        log.debug("memento lookup of %s: none (%s)", self.url, detail)
        asked = ", ".join(self.asked)
        return ArchiveLookup(self.url, LookupOutcome.NONE, None, detail, self.requests, asked, self.issue_date)


Step = Iterator[Request | ArchiveLookup]  # what a callback yields: the next request, or the lookup's end
Callback = Callable[[Response, _Lookup], Step]


class MementoSpider(ArchiveSpider):
    """Looks up (url, issue date) pairs in Memento archives; yields one ArchiveLookup per URL."""

    name = "memento"

    def __init__(
        self,
        lookups: Iterable[tuple[str, date | None]] = (),
        archives: Sequence[MementoArchive] = (),
        *,
        budget: float = 0.0,
        tally: ArchiveTally | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.lookups = list(lookups)
        self.archives = list(archives)
        self.budget = budget
        self.tally = tally if tally is not None else ArchiveTally()
        self.counted_slots = {archive.slot: archive.name for archive in self.archives}  # counted by archive
        self.closed_archives: dict[str, str] = {}  # name -> why it refused, for the rest of the run
        self._active: Counter[str] = Counter()  # archive name -> lookups under way there
        self._waiting: defaultdict[str, deque[_Lookup]] = defaultdict(deque)  # archive name -> lookups waiting

    def _budget_spent(self) -> None:
        if self.crawler.crawling:
            log.warning("archive budget spent: no new Memento requests; what is not answered stays pending")
            self.tally.stopped = "budget"
            deferred_from_coro(self.crawler.stop_async())

    async def start(self) -> AsyncIterator[Request | ArchiveLookup]:
        if self.budget > 0:
            call_later(self.budget, self._budget_spent)
        for url, issue_date in self.lookups:
            for step in self._next_archive(_Lookup(url, issue_date, list(self.archives))):
                yield step

    def _request(self, url: str, lookup: _Lookup, callback: Callback, *, whole: bool = False) -> Request:
        lookup.requests += 1
        meta = {
            DOWNLOAD_SLOT: lookup.current.slot,
            OWN_SLOT: True,
            WHOLE_BODY: whole,
            PAUSE_AFTER_BARE_429: self.pause_after_429,
            MAX_RETRY_TIMES: lookup.current.retries,
            DONT_REDIRECT: True,
        }
        return Request(
            url, callback=callback, errback=self.failed, dont_filter=True, meta=meta, cb_kwargs={"lookup": lookup}
        )

    def _next_archive(self, lookup: _Lookup) -> Step:
        """Leave the archive being asked; ask the next one not closed for this run, or end the lookup.

        When the next archive has LOOKUPS_PER_ARCHIVE lookups under way, the
        lookup waits its turn there.
        """
        yield from self._leave(lookup)
        while lookup.archives:
            archive = lookup.archives.pop(0)
            if archive.name in self.closed_archives:
                lookup.unavailable.append(f"{archive.name}: {self.closed_archives[archive.name]}")
                continue
            if self._active[archive.name] >= LOOKUPS_PER_ARCHIVE:
                lookup.archives.insert(0, archive)
                self._waiting[archive.name].append(lookup)
                return
            self._active[archive.name] += 1
            lookup.archive, lookup.mementos, lookup.pages_read, lookup.hops = archive, [], [], 0
            lookup.asked.append(archive.name)
            log.debug("asking %s for the TimeMap of %s", archive.name, lookup.url)
            yield self._timemap_request(archive.timemap_url(lookup.url), lookup)
            return
        yield lookup.ended()

    def _leave(self, lookup: _Lookup) -> Step:
        """The lookup is done with its archive: a lookup waiting for that archive takes its turn."""
        if lookup.archive is None:
            return
        name, lookup.archive = lookup.archive.name, None
        self._active[name] -= 1
        while self._waiting[name] and self._active[name] < LOOKUPS_PER_ARCHIVE:
            yield from self._next_archive(self._waiting[name].popleft())

    def _timemap_request(self, url: str, lookup: _Lookup) -> Request:
        lookup.pages_read.append(url)
        return self._request(url, lookup, self.parse_timemap, whole=True)

    def _unavailable(self, lookup: _Lookup, why: str, *, close: bool = False) -> Step:
        """The archive being asked cannot answer now: note it, and go on with the next one."""
        name = lookup.current.name
        log.debug("%s unavailable for %s: %s", name, lookup.url, why)
        lookup.unavailable.append(f"{name}: {why}")
        if close:
            self.closed_archives.setdefault(name, why)
        yield from self._next_archive(lookup)

    def parse_timemap(self, response: Response, lookup: _Lookup) -> Step:
        headers, page = _headers_of(response), _page_of(response)
        location = response.headers.get(b"Location")
        if refusal := refusal_of(response.status, headers, page):
            yield from self._unavailable(lookup, refusal, close=True)
        elif 300 <= response.status < 400 and location and lookup.hops < MAX_HOPS:
            lookup.hops += 1  # archive.today sends its TimeMaps to another mirror
            yield self._timemap_request(response.urljoin(location.decode("latin-1")), lookup)
        elif response.status == 404:  # the archive holds no memento of the URL
            yield from self._verify_chosen(lookup)
        elif response.status != 200:
            yield from self._unavailable(lookup, f"its TimeMap answered HTTP {response.status}")
        else:
            yield from self._read_timemap(response, lookup)

    def _read_timemap(self, response: Response, lookup: _Lookup) -> Step:
        try:
            timemap = parse_timemap(response.body, response.url)
        except ArchiveAnswerError as exc:
            yield from self._unavailable(lookup, f"its TimeMap is not link-format: {exc}")
            return
        lookup.mementos += timemap.mementos
        pages = next_pages(timemap, lookup.issue_date, lookup.pages_read, lookup.mementos)
        if pages and len(lookup.pages_read) < MAX_TIMEMAP_PAGES:
            log.debug("%s: reading TimeMap page %s of %s", lookup.current.name, pages[0].url, lookup.url)
            yield self._timemap_request(pages[0].url, lookup)
        else:
            yield from self._verify_chosen(lookup)

    def _verify_chosen(self, lookup: _Lookup) -> Step:
        lookup.candidates = choose_mementos(lookup.mementos, lookup.issue_date, MAX_CANDIDATES)
        log.debug("%s has %d memento(s) of %s", lookup.current.name, len(lookup.mementos), lookup.url)
        yield from self._verify_next(lookup, "it has no memento")

    def _verify_next(self, lookup: _Lookup, why_none: str) -> Step:
        """Fetch the next chosen memento's raw bytes, or go on with the next archive."""
        if not lookup.candidates:
            lookup.nothing.append(f"{lookup.current.name}: {why_none}")
            yield from self._next_archive(lookup)
            return
        memento = lookup.verifying = lookup.candidates.pop(0)
        lookup.hops = 0
        url = raw_memento_url(memento.url, lookup.current.raw)
        log.debug("verifying %s's memento of %s from %s: %s", lookup.current.name, lookup.url, memento.timestamp, url)
        yield self._request(url, lookup, self.parse_memento)

    def parse_memento(self, response: Response, lookup: _Lookup) -> Step:
        location = response.headers.get(b"Location")
        headers, page = _headers_of(response), _page_of(response)
        if refusal := refusal_of(response.status, headers, page):
            yield from self._unavailable(lookup, refusal, close=True)
            return
        if 300 <= response.status < 400 and location and lookup.hops < MAX_HOPS:
            lookup.hops += 1
            yield self._request(response.urljoin(location.decode("latin-1")), lookup, self.parse_memento)
            return
        if response.status >= 500:
            yield from self._unavailable(lookup, f"its memento answered HTTP {response.status}")
            return
        landed = original_in(response.url) if lookup.hops else None
        trustworthy, reason = capture_is_trustworthy(response.status, headers, page, lookup.url, landed)
        if trustworthy:
            found = lookup.found(_served_capture(lookup, response.url, headers), f"{lookup.current.name}: {reason}")
            yield from self._leave(lookup)
            yield found
        else:
            log.debug("memento %s of %s rejected: %s", response.url, lookup.url, reason)
            yield from self._verify_next(lookup, reason)

    def failed(self, failure: Failure) -> Step:
        lookup: _Lookup = request_of(failure).cb_kwargs["lookup"]
        yield from self._unavailable(lookup, f"it did not answer: {failure.getErrorMessage()}")


def _headers_of(response: Response) -> dict[str, str]:
    """The answer's headers, lower-case names, the last value of a repeated one."""
    return {key.decode("latin-1").lower(): vals[-1].decode("latin-1") for key, vals in response.headers.items() if vals}


def _page_of(response: Response) -> Page | None:
    content_type = response.headers.get(b"Content-Type")
    declared = content_type.decode("latin-1") if content_type else None
    return read_page(response.body, declared) if response.body and may_be_html(declared) else None


def _served_capture(lookup: _Lookup, fetched_url: str, headers: dict[str, str]) -> Snapshot:
    """The capture the archive really served (its Memento-Datetime) and where readers see it:
    the memento the TimeMap listed, or, when the archive redirected, the one it landed on."""
    listed = lookup.verifying.url if lookup.verifying is not None and not lookup.hops else None
    return Snapshot(
        original=lookup.url,
        timestamp=capture_timestamp_of(headers["memento-datetime"]),
        status=200,
        archive=lookup.current.name,
        memento_url=listed or reader_url(fetched_url),
    )


def memento_settings(settings: Settings, archives: Iterable[MementoArchive]) -> Settings:
    """The settings with each archive's slot paced to its rate (requests a minute)."""
    paced = settings.copy()
    slots = dict(paced.getdict("DOWNLOAD_SLOTS"))
    for archive in archives:
        slots[archive.slot] = {"concurrency": SLOT_CONCURRENCY, "delay": archive.delay, "jitter": 0.0}
    paced.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    return paced


async def lookup_mementos(
    wanted: Iterable[tuple[str, date | None]],
    settings: Settings,
    archives: Sequence[MementoArchive],
    on_result: Callable[[ArchiveLookup], None] | None = None,
    *,
    budget: float = 0.0,
    tally: ArchiveTally | None = None,
    interruption: Interruption | None = None,
) -> dict[str, ArchiveLookup]:
    """Finds a verified memento for each (URL, issue date) in `archives`, in order; keyed by URL
    (`on_result` gets every answer, with its date). `budget` (seconds, 0 for none) bounds the time
    spent; `tally` counts the requests and 429s per archive."""
    paced = memento_settings(settings, archives)
    found: list[ArchiveLookup] = await _collect(
        MementoSpider,
        paced,
        ArchiveLookup,
        on_result,
        interruption=interruption,
        lookups=list(wanted),
        archives=archives,
        budget=budget,
        tally=tally,
    )
    return {lookup.url: lookup for lookup in found}

"""The Wayback spider: sends the archive requests `crawler.wayback.lookups` asks for.

Every decision (what to ask, which capture to keep) is the lookups plan's;
this spider turns its steps into requests, its answers into the plan's
events, and yields what is settled (`ArchiveLookup` per (URL, date) pair,
`CaptureCheck` per verified capture, `RecentCapture` per live link asked
about, and with `baseline` a `CapturePage` per accepted capture) as items,
so the crawl stores each as it comes.

Two pools, two download slots (`ARCHIVE_SLOTS`), paced apart by the runner
from `--archive-rate` and `--archive-playback-rate` (crawler.wayback.pace
records the real limits): batch availability, CDX and single availability
queries in one, playback fetches in the other. A 429 pauses only the slot
that got it, for its Retry-After or ROTWATCH_ARCHIVE_429_PAUSE (a minute: the
real archive answers 429 bare). Scrapy does not follow the archive's
redirects (meta DONT_REDIRECT): a playback redirect is followed here, at
most MAX_PLAYBACK_HOPS, so the verification knows where the capture landed.

A playback answer is a verdict on the capture only when the archive
answered for it: a 429 or 5xx that outlived its retries, or no answer, is a
failure (asked again next run), never "this capture is bad". The requests
sent and the 429s received are counted per pool (`ArchiveTally`), retries
included. `budget` (seconds, 0 for none) closes the spider when spent; what
was not settled by then stays pending.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from crawler.check.page import may_be_html, read_page
from crawler.errors import ArchiveAnswerError
from crawler.fetch.meta import DONT_REDIRECT, DOWNLOAD_SLOT, MAX_RETRY_TIMES, OWN_SLOT, PAUSE_AFTER_BARE_429, WHOLE_BODY
from crawler.models import ArchiveLookup, CaptureCheck, Page, RecentCapture, Snapshot
from crawler.spiders.failures import request_of
from crawler.wayback.lookups import ArchiveLookups, AskAvailability, AskBatch, AskIndex, Pair, Step, Verify
from crawler.wayback.pace import PLAYBACK, QUERY
from crawler.wayback.protocol import (
    availability_batch_body,
    availability_url,
    capture_is_trustworthy,
    capture_timestamp_of,
    cdx_captures_url,
    parse_availability,
    parse_availability_batch,
    parse_cdx,
    playback_url,
)

__all__ = ["ARCHIVE_SLOTS", "ArchiveTally", "CapturePage", "WaybackSpider"]

ARCHIVE_SLOTS = {QUERY: "wayback-query", PLAYBACK: "wayback-playback"}  # pool -> download slot
BATCHES_IN_FLIGHT = 2  # batch requests sent ahead, so the query pool never waits on one answer
MAX_PLAYBACK_HOPS = 3  # redirects followed inside the archive
ARCHIVE_RETRIES = 4  # the archive answers 429/5xx under load; be patient
_NOT_A_VERDICT = 429  # and every 5xx: the archive did not answer for the capture

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CapturePage:
    """What an accepted capture shows (`baseline` lookups): the page a live link showed then."""

    url: str  # as cited
    capture: Snapshot  # the capture the archive served
    page: Page | None  # None when the capture is no HTML


Yielded = Iterator[Request | ArchiveLookup | CaptureCheck | RecentCapture | CapturePage]


@dataclass
class ArchiveTally:
    """What the lookups cost, by pool (`QUERY`, `PLAYBACK`), and why they stopped early, if they did."""

    requests: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # 429s, retried ones included
    stopped: str = ""
    batch_off: str = ""  # why batch availability was given up, if it was


class ArchiveSpider(scrapy.Spider):
    """What every archive spider shares: its requests and 429s counted per download slot
    (`counted_slots` names each slot's count: a pool, an archive), as Scrapy's downloader
    sees them, retries included; and the pause after a bare 429."""

    tally: ArchiveTally
    counted_slots: dict[str, str]  # download slot -> the name it is counted under

    @property
    def pause_after_429(self) -> float:
        return self.settings.getfloat("ROTWATCH_ARCHIVE_429_PAUSE")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider: Self = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._sent, signal=signals.request_left_downloader)
        crawler.signals.connect(spider._answered, signal=signals.response_downloaded)
        return spider

    def _sent(self, request: Request, **_: object) -> None:
        if (name := self.counted_slots.get(request.meta.get(DOWNLOAD_SLOT, ""))) is not None:
            self.tally.requests[name] += 1

    def _answered(self, response: Response, request: Request, **_: object) -> None:
        if response.status == 429 and (name := self.counted_slots.get(request.meta.get(DOWNLOAD_SLOT, ""))):
            self.tally.refused[name] += 1


class WaybackSpider(ArchiveSpider):
    """Looks up (URL, date) pairs and live links' newest captures (see the module docstring)."""

    name = "wayback"

    def __init__(
        self,
        lookups: Iterable[Pair] = (),
        endpoint: str = "",
        *,
        checks: Iterable[CaptureCheck] = (),
        recent: Iterable[str] = (),
        today: date | None = None,
        budget: float = 0.0,
        tally: ArchiveTally | None = None,
        baseline: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.baseline = baseline  # drift baselines: captures before the date only, each accepted one's page
        self.plan = ArchiveLookups(lookups, checks=checks, recent=recent, today=today, before_only=baseline)
        self.endpoint = endpoint.rstrip("/")
        self.budget = budget
        self.tally = tally if tally is not None else ArchiveTally()
        self.counted_slots = {slot: pool for pool, slot in ARCHIVE_SLOTS.items()}  # counted by pool
        self._batches_out = 0

    async def start(self) -> AsyncIterator[Request]:
        if self.budget > 0:
            call_later(self.budget, self._budget_spent)
        for request in self._more_batches():
            yield request

    def closed(self, reason: str) -> None:
        self.tally.batch_off = self.plan.batch_off

    def _budget_spent(self) -> None:
        if self.crawler.crawling and self.plan.open:
            log.warning("archive budget spent: no new archive requests; what is not answered stays pending")
            self.tally.stopped = "budget"
            deferred_from_coro(self.crawler.stop_async())

    # Steps -> requests.

    def _steps(self, steps: Iterable[Step]) -> Yielded:
        for step in steps:
            if isinstance(step, Verify):
                url = playback_url(self.endpoint, step.capture, identity=True)
                yield self._request(url, PLAYBACK, self.parse_capture, verify=step, hops=0)
            elif isinstance(step, AskIndex):
                url = cdx_captures_url(self.endpoint, step.url)
                yield self._request(url, QUERY, self.parse_index, whole=True, asked=step)
            elif isinstance(step, AskAvailability):
                url = availability_url(self.endpoint, step.url, step.cited_on)
                yield self._request(url, QUERY, self.parse_availability, whole=True, asked=step)
            else:
                yield step

    def _more_batches(self) -> Iterator[Request]:
        while self._batches_out < BATCHES_IN_FLIGHT and (batch := self.plan.next_batch()) is not None:
            self._batches_out += 1
            body, headers = availability_batch_body(batch.lines, closest=batch.closest, tags=batch.tags)
            url = f"{self.endpoint}/wayback/available"
            request = self._request(url, QUERY, self.parse_batch, whole=True, batch=batch)
            yield request.replace(method="POST", body=body, headers=headers)

    def _request(
        self, url: str, pool: str, callback: Callable[..., Yielded], *, whole: bool = False, **cb_kwargs: object
    ) -> Request:
        meta = {
            DOWNLOAD_SLOT: ARCHIVE_SLOTS[pool],
            OWN_SLOT: True,
            WHOLE_BODY: whole,
            PAUSE_AFTER_BARE_429: self.pause_after_429,
            MAX_RETRY_TIMES: ARCHIVE_RETRIES,
            DONT_REDIRECT: True,
        }
        return Request(url, callback=callback, errback=self.failed, dont_filter=True, meta=meta, cb_kwargs=cb_kwargs)

    # Answers -> the plan.

    def parse_batch(self, response: Response, batch: AskBatch) -> Yielded:
        self._batches_out -= 1
        if response.status == 429:
            steps = self.plan.batch_failed(batch.number, "the archive kept answering 429", broken=False)
        elif response.status != 200:
            why = f"the batch availability API answered HTTP {response.status}"
            steps = self.plan.batch_failed(batch.number, why, broken=True)
        else:
            try:
                steps = self.plan.batch_answered(batch.number, parse_availability_batch(response.body))
            except ArchiveAnswerError as exc:
                steps = self.plan.batch_failed(batch.number, str(exc), broken=True)
        yield from self._steps(steps)
        yield from self._more_batches()

    def parse_index(self, response: Response, asked: AskIndex) -> Yielded:
        try:
            if response.status != 200:
                raise ArchiveAnswerError(f"the archive index answered HTTP {response.status}")
            steps = self.plan.index_answered(asked.url, parse_cdx(response.body))
        except ArchiveAnswerError as exc:
            steps = self.plan.index_failed(asked.url, str(exc))
        yield from self._steps(steps)

    def parse_availability(self, response: Response, asked: AskAvailability) -> Yielded:
        pair = (asked.url, asked.cited_on)
        try:
            if response.status != 200:
                raise ArchiveAnswerError(f"the availability API answered HTTP {response.status}")
            steps = self.plan.availability_answered(pair, parse_availability(response.body))
        except ArchiveAnswerError as exc:
            steps = self.plan.availability_failed(pair, str(exc))
        yield from self._steps(steps)

    def parse_capture(self, response: Response, verify: Verify, hops: int) -> Yielded:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location and hops < MAX_PLAYBACK_HOPS:
            target = response.urljoin(location.decode("latin-1"))
            yield self._request(target, PLAYBACK, self.parse_capture, verify=verify, hops=hops + 1)
            return
        if response.status == _NOT_A_VERDICT or response.status >= 500:
            why = f"the archive answered HTTP {response.status} for the capture"
            yield from self._steps(self.plan.verification_failed(verify.url, verify.capture.timestamp, why))
            return
        page = _page(response)
        check = _judge(response, verify, hops, page)
        if self.baseline and check.served is not None:
            yield CapturePage(verify.url, check.served, page)  # before the lookup it settles
        yield from self._steps(self.plan.verified(check))

    def failed(self, failure: Failure) -> Yielded:
        request = request_of(failure)
        why = f"the archive did not answer: {failure.getErrorMessage()}"
        asked = request.cb_kwargs
        if "batch" in asked:
            self._batches_out -= 1
            yield from self._steps(self.plan.batch_failed(asked["batch"].number, why, broken=True))
            yield from self._more_batches()
        elif "verify" in asked:
            verify: Verify = asked["verify"]
            yield from self._steps(self.plan.verification_failed(verify.url, verify.capture.timestamp, why))
        elif isinstance(step := asked.get("asked"), AskIndex):
            yield from self._steps(self.plan.index_failed(step.url, why))
        elif isinstance(step, AskAvailability):
            yield from self._steps(self.plan.availability_failed((step.url, step.cited_on), why))


def _headers(response: Response) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in _header_items(response)}


def _page(response: Response) -> Page | None:
    """The page a capture shows, None when it is no HTML."""
    content_type = _headers(response).get("content-type")
    return read_page(response.body, content_type) if response.body and may_be_html(content_type) else None


def _judge(response: Response, verify: Verify, hops: int, page: Page | None) -> CaptureCheck:
    """The verdict on one verification fetch (crawler.wayback.protocol decides)."""
    headers = _headers(response)
    landed = response.url if hops else None
    trustworthy, reason = capture_is_trustworthy(response.status, headers, page, verify.url, landed)
    log.debug("capture %s of %s %s: %s", response.url, verify.url, "accepted" if trustworthy else "rejected", reason)
    served = _served_capture(verify.url, headers) if trustworthy else None
    return CaptureCheck(verify.url, verify.capture.timestamp, trustworthy, served, reason)


def _header_items(response: Response) -> Sequence[tuple[bytes, bytes]]:
    return [(name, values[-1]) for name, values in response.headers.items() if values]


def _served_capture(url: str, headers: dict[str, str]) -> Snapshot:
    """The capture the archive really served (its Memento-Datetime, not the one asked for),
    replayed under the URL as cited."""
    return Snapshot(original=url, timestamp=capture_timestamp_of(headers["memento-datetime"]), status=200)

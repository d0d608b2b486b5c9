"""Runs the spiders, all stages in one reactor run, and stops them gracefully.

Twisted's reactor cannot be restarted, so a command starts it once and runs
its stages (link checks, archive lookups) in sequence inside it with
`AsyncCrawlerRunner`. Results arrive through the `item_scraped` signal one
at a time, so a progress display can follow along and the crawl can store
them as they come.

Decisions:
- The archive's two pools (crawler.wayback.pace) are two download slots,
  each paced by its own delay: `ROTWATCH_ARCHIVE_RATE` query requests and
  `ROTWATCH_ARCHIVE_PLAYBACK_RATE` playback fetches a minute. A slot's delay
  spaces the starts of its requests, so a few may be in flight at once
  (a batch of 100 lines can take the server seconds; a playback fetch
  takes longer than 1/8 s) without exceeding the rate.
- SIGINT and SIGTERM (`Interruption`): the first stops the running spider
  gracefully (Scrapy finishes what is in flight; what it yields is stored)
  and the command goes on to write its reports with what is known; the
  second stops the reactor at once, as Ctrl-C always did.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import FrameType
from typing import TypeVar

from scrapy import Spider, signals
from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor
from twisted.python.failure import Failure

from crawler.collector import FrozenAsKept, long_lived_frozen
from crawler.fetch.fair_order import fair_order
from crawler.fetch.resolver import installed_reactor, installed_resolver
from crawler.fetch.timeout_policy import Mode
from crawler.models import ArchiveLookup, CaptureCheck, CheckResult, RecentCapture
from crawler.spiders.links import LinkSpider
from crawler.spiders.wayback import ARCHIVE_SLOTS, ArchiveTally, CapturePage, WaybackSpider
from crawler.wayback.pace import PLAYBACK, QUERY

__all__ = [
    "ArchiveRun",
    "Interruption",
    "archive_settings",
    "base_settings",
    "check_urls",
    "lookup_baselines",
    "lookup_captures",
    "nightly_settings",
    "run_in_reactor",
    "stream_checks",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
ArchiveItem = ArchiveLookup | CaptureCheck | RecentCapture
BaselineItem = ArchiveLookup | CaptureCheck | CapturePage

# Requests in flight per archive pool; the delay, not these, keeps the rate.
POOL_CONCURRENCY = {QUERY: 2, PLAYBACK: 8}


def base_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    """The project's Scrapy settings with command-line priority overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


def nightly_settings(settings: Settings) -> Settings:
    """The settings for the nightly crawl's checks: ROTWATCH_MODE "crawl" (see crawler.fetch.timeout_policy).

    `check` is the default mode; the nightly job checks with these instead,
    so a timeout waits for the next night rather than for a retry.
    """
    nightly = settings.copy()
    nightly.set("ROTWATCH_MODE", Mode.CRAWL.value, priority="cmdline")
    return nightly


class Interruption:
    """SIGINT/SIGTERM during a command: the first stops the running spider gracefully and
    marks the run interrupted (later stages are skipped); the second stops everything at once."""

    def __init__(self) -> None:
        self.requested = False
        self._crawlers: set[Crawler] = set()

    def request(self, signum: int = signal.SIGINT, frame: FrameType | None = None) -> None:
        """A signal handler; also callable from any thread (tests)."""
        reactor = installed_reactor()
        if self.requested:
            reactor.callFromThread(reactor.stop)
            return
        self.requested = True
        log.warning("stopping: storing what is known and writing the reports (press Ctrl-C again to quit at once)")
        for crawler in list(self._crawlers):
            reactor.callFromThread(deferred_from_coro, crawler.stop_async())

    def watch(self, crawler: Crawler) -> None:
        self._crawlers.add(crawler)

    def forget(self, crawler: Crawler) -> None:
        self._crawlers.discard(crawler)


async def _collect(
    spider: type[Spider],
    settings: Settings,
    item_types: type | tuple[type, ...],
    on_item: Callable[[T], None] | None,
    *,
    interruption: Interruption | None = None,
    keep: bool = True,
    **kwargs: object,
) -> list[T]:
    """Runs one spider to its end (or a requested stop); returns the items of `item_types` it
    produced, or none with `keep` false (each still goes to `on_item`)."""
    items: list[T] = []
    if interruption is not None and interruption.requested:
        return items
    frozen = FrozenAsKept()

    def collect(item: T, **_: object) -> None:
        if isinstance(item, item_types):
            if keep:
                items.append(item)
                frozen.kept()
            if on_item:
                on_item(item)

    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(spider)
    crawler.signals.connect(collect, signal=signals.item_scraped)
    if interruption is not None:
        interruption.watch(crawler)
    try:
        await runner.crawl(crawler, **kwargs)
    finally:
        if interruption is not None:
            interruption.forget(crawler)
    return items


async def check_urls(
    urls: Iterable[str],
    settings: Settings,
    on_result: Callable[[CheckResult], None] | None = None,
    interruption: Interruption | None = None,
) -> dict[str, CheckResult]:
    """Checks every URL once, in the fair order (crawler.fetch.fair_order); returns results keyed by the URL
    as requested."""
    with long_lived_frozen():
        results: list[CheckResult] = await _collect(
            LinkSpider, settings, CheckResult, on_result, interruption=interruption, urls=fair_order(urls)
        )
    return {result.url: result for result in results}


async def stream_checks(
    urls: Iterable[str],
    settings: Settings,
    on_result: Callable[[CheckResult], None],
    interruption: Interruption | None = None,
) -> None:
    """Checks every URL once, handing each result to `on_result` as it arrives and keeping none.

    The nightly crawl stores results as they come and reads them back from
    the state in chunks: a million results held until the end (a page's
    text excerpt, headers and redirects each) would be gigabytes. `urls` is
    read lazily, in the order given (pass the fair order, crawler.fetch.fair_order),
    as the downloader drains (crawler.fetch.start_window), and not beyond an
    interruption: a generator over the state's rows never holds them all.
    """
    with long_lived_frozen():
        await _collect(LinkSpider, settings, CheckResult, on_result, interruption=interruption, keep=False, urls=urls)


def archive_settings(settings: Settings) -> Settings:
    """The settings with the archive's two slots, each paced to its pool's rate (requests a minute)."""
    paced = settings.copy()
    slots = dict(paced.getdict("DOWNLOAD_SLOTS"))
    rates = {QUERY: "ROTWATCH_ARCHIVE_RATE", PLAYBACK: "ROTWATCH_ARCHIVE_PLAYBACK_RATE"}
    for pool, setting in rates.items():
        delay = 60.0 / settings.getfloat(setting)
        slots[ARCHIVE_SLOTS[pool]] = {"concurrency": POOL_CONCURRENCY[pool], "delay": delay, "jitter": 0.0}
    paced.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    return paced


@dataclass
class ArchiveRun:
    """What one run of archive lookups settled, and what it cost."""

    answers: dict[tuple[str, date | None], ArchiveLookup] = field(default_factory=dict)
    checks: list[CaptureCheck] = field(default_factory=list)
    recent: dict[str, RecentCapture] = field(default_factory=dict)
    tally: ArchiveTally = field(default_factory=ArchiveTally)  # requests and 429s by pool, early stop, fallback
    pending: int = 0  # (URL, date) pairs left unsettled (budget spent, stopped)
    pages: dict[str, CapturePage] = field(default_factory=dict)  # baseline lookups: what each capture shows


async def lookup_captures(
    lookups: Iterable[tuple[str, date | None]],
    settings: Settings,
    endpoint: str,
    on_result: Callable[[ArchiveItem], None] | None = None,
    *,
    checks: Iterable[CaptureCheck] = (),
    recent: Iterable[str] = (),
    today: date | None = None,
    budget: timedelta | None = None,
    interruption: Interruption | None = None,
) -> ArchiveRun:
    """Finds a verified capture for each (URL, issue date) pair (crawler.wayback.lookups says how),
    and the newest capture of each `recent` URL as of `today`. `checks` are captures verified
    before (not fetched again); `budget` bounds the time spent asking."""
    return await _run_wayback(
        lookups,
        settings,
        endpoint,
        on_result,
        budget,
        interruption,
        checks=list(checks),
        recent=list(recent),
        today=today,
    )


async def lookup_baselines(
    lookups: Iterable[tuple[str, date | None]],
    settings: Settings,
    endpoint: str,
    on_result: Callable[[BaselineItem], None] | None = None,
    *,
    budget: timedelta | None = None,
    interruption: Interruption | None = None,
) -> ArchiveRun:
    """What each live URL showed before the date of the issue citing it: the capture closest
    before that day, verified as dead links' captures are, with its page (`ArchiveRun.pages`)."""
    return await _run_wayback(lookups, settings, endpoint, on_result, budget, interruption, baseline=True)


async def _run_wayback(
    lookups: Iterable[tuple[str, date | None]],
    settings: Settings,
    endpoint: str,
    on_result: Callable[[T], None] | None,
    budget: timedelta | None,
    interruption: Interruption | None,
    *,
    checks: Sequence[CaptureCheck] = (),
    recent: Sequence[str] = (),
    today: date | None = None,
    baseline: bool = False,
) -> ArchiveRun:
    """One run of the Wayback spider over `lookups`, its items sorted into an ArchiveRun."""
    wanted = list(dict.fromkeys(lookups))
    run = ArchiveRun()
    seconds = budget.total_seconds() if budget else 0.0
    items: list[T] = await _collect(
        WaybackSpider,
        archive_settings(settings),
        (ArchiveLookup, CaptureCheck, RecentCapture, CapturePage),
        on_result,
        interruption=interruption,
        lookups=wanted,
        endpoint=endpoint,
        budget=seconds,
        tally=run.tally,
        checks=checks,
        recent=recent,
        today=today,
        baseline=baseline,
    )
    for item in items:
        if isinstance(item, ArchiveLookup):
            run.answers[item.url, item.cited_on] = item
        elif isinstance(item, CaptureCheck):
            run.checks.append(item)
        elif isinstance(item, CapturePage):
            run.pages[item.url] = item
        elif isinstance(item, RecentCapture):
            run.recent[item.url] = item
    run.pending = sum(pair not in run.answers for pair in wanted)
    if interruption is not None and interruption.requested and not run.tally.stopped:
        run.tally.stopped = "interrupted"
    return run


def run_in_reactor(main: Callable[[], Awaitable[T]], settings: Settings, interruption: Interruption | None = None) -> T:
    """Starts the reactor, runs `main` to completion, stops, and returns its value.

    With an `interruption`, SIGINT and SIGTERM go to it (a graceful stop first);
    without one, Twisted's handlers stop the reactor at once.
    """
    install_reactor(settings["TWISTED_REACTOR"])
    reactor = installed_reactor()
    installed_resolver(reactor)
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    outcome: list[T | Failure] = []

    def finish(value: T | Failure) -> None:
        outcome.append(value)
        reactor.stop()

    reactor.callWhenRunning(lambda: deferred_from_coro(_as_coroutine(main)).addBoth(finish))
    if interruption is None:
        reactor.run()
    else:
        handlers = {stop: signal.signal(stop, interruption.request) for stop in (signal.SIGINT, signal.SIGTERM)}
        try:
            reactor.run(installSignalHandlers=False)
        finally:
            for stop, handler in handlers.items():
                signal.signal(stop, handler)
    if not outcome:  # the reactor stopped first: Ctrl-C or SIGTERM (twice, with an interruption)
        raise KeyboardInterrupt
    value = outcome[0]
    if isinstance(value, Failure):
        value.raiseException()
    return value


async def _as_coroutine(main: Callable[[], Awaitable[T]]) -> T:
    return await main()

"""Runs the spiders, all stages in one reactor run.

Twisted's reactor cannot be restarted, so a command starts it once and runs
its stages (link checks, archive lookups) in sequence inside it with
`AsyncCrawlerRunner`. Results arrive through the `item_scraped` signal one
at a time, so a progress display can follow along.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date
from typing import TypeVar

from scrapy import Spider, signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor
from twisted.python.failure import Failure

from crawler.fetch.long_lived import long_lived_frozen
from crawler.fetch.resolver import installed_reactor, installed_resolver
from crawler.fetch.timeout_policy import Mode
from crawler.models import ArchiveLookup, CheckResult
from crawler.spiders.links import LinkSpider
from crawler.spiders.wayback import ARCHIVE_SLOT, WaybackSpider

__all__ = ["base_settings", "check_urls", "lookup_captures", "nightly_settings", "run_in_reactor"]

T = TypeVar("T")


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


async def _collect(
    spider: type[Spider], settings: Settings, item_type: type[T], on_item: Callable[[T], None] | None, **kwargs: object
) -> list[T]:
    """Runs one spider to the end; returns the items of `item_type` it produced."""
    items: list[T] = []

    def collect(item: object, **_: object) -> None:
        if isinstance(item, item_type):
            items.append(item)
            if on_item:
                on_item(item)

    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(spider)
    crawler.signals.connect(collect, signal=signals.item_scraped)
    await runner.crawl(crawler, **kwargs)
    return items


async def check_urls(
    urls: Iterable[str], settings: Settings, on_result: Callable[[CheckResult], None] | None = None
) -> dict[str, CheckResult]:
    """Checks every URL once; returns results keyed by the URL as requested."""
    with long_lived_frozen():
        results = await _collect(LinkSpider, settings, CheckResult, on_result, urls=list(urls))
    return {result.url: result for result in results}


def archive_settings(settings: Settings) -> Settings:
    """The settings with the archive's slot paced to ROTWATCH_ARCHIVE_RATE (requests a minute)."""
    paced = settings.copy()
    slots = dict(paced.getdict("DOWNLOAD_SLOTS"))
    delay = 60.0 / settings.getfloat("ROTWATCH_ARCHIVE_RATE")
    slots[ARCHIVE_SLOT] = {"concurrency": 4, "delay": delay, "jitter": 0.0}
    paced.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    return paced


async def lookup_captures(
    lookups: Iterable[tuple[str, date | None]],
    settings: Settings,
    endpoint: str,
    on_result: Callable[[ArchiveLookup], None] | None = None,
) -> dict[str, ArchiveLookup]:
    """Finds a verified capture for each (URL, issue date); keyed by URL."""
    paced = archive_settings(settings)
    found = await _collect(WaybackSpider, paced, ArchiveLookup, on_result, lookups=list(lookups), endpoint=endpoint)
    return {lookup.url: lookup for lookup in found}


def run_in_reactor(main: Callable[[], Awaitable[T]], settings: Settings) -> T:
    """Starts the reactor, runs `main` to completion, stops, and returns its value."""
    install_reactor(settings["TWISTED_REACTOR"])
    reactor = installed_reactor()
    installed_resolver(reactor)
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    outcome: list[T | Failure] = []

    def finish(value: T | Failure) -> None:
        outcome.append(value)
        reactor.stop()

    reactor.callWhenRunning(lambda: deferred_from_coro(_as_coroutine(main)).addBoth(finish))
    reactor.run()
    if not outcome:  # the reactor stopped first: Ctrl-C or SIGTERM
        raise KeyboardInterrupt
    value = outcome[0]
    if isinstance(value, Failure):
        value.raiseException()
    return value


async def _as_coroutine(main: Callable[[], Awaitable[T]]) -> T:
    return await main()

"""Runs the spiders, all stages in one reactor run.

Twisted's reactor cannot be restarted, so a command starts it once and runs
its stages (link checks, archive lookups) in sequence inside it with
`AsyncCrawlerRunner`. Results arrive through the `item_scraped` signal, one
`CheckResult` at a time, so a progress display can follow along.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.reactor import install_reactor

from crawler.models import CheckResult
from crawler.spiders.links import LinkSpider

__all__ = ["base_settings", "check_urls", "run_in_reactor"]

T = TypeVar("T")


def base_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """The project's Scrapy settings with command-line priority overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(overrides or {}, priority="cmdline")
    return settings


async def check_urls(
    urls: Iterable[str], settings: Settings, on_result: Callable[[CheckResult], None] | None = None
) -> dict[str, CheckResult]:
    """Checks every URL once; returns results keyed by the URL as requested."""
    results: dict[str, CheckResult] = {}

    def collect(item: Any, **_: Any) -> None:
        if isinstance(item, CheckResult):
            results[item.url] = item
            if on_result:
                on_result(item)

    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(LinkSpider)
    crawler.signals.connect(collect, signal=signals.item_scraped)
    await runner.crawl(crawler, urls=list(urls))
    return results


def run_in_reactor(main: Callable[[], Awaitable[T]], settings: Settings) -> T:
    """Starts the reactor, runs `main` to completion, stops, and returns its value."""
    install_reactor(settings["TWISTED_REACTOR"])
    from twisted.internet import reactor
    from twisted.python.failure import Failure

    from crawler.resolver import installed_resolver

    installed_resolver(reactor)
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    outcome: dict[str, Any] = {}

    def finish(value: Any) -> None:
        outcome["value"] = value
        reactor.stop()

    reactor.callWhenRunning(lambda: deferred_from_coro(_as_coroutine(main)).addBoth(finish))
    reactor.run()
    value = outcome.get("value")
    if isinstance(value, Failure):
        value.raiseException()
    return value


async def _as_coroutine(main: Callable[[], Awaitable[T]]) -> T:
    return await main()

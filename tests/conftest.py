"""Shared test fixtures: one Twisted reactor for the whole session, and the simulated web.

The reactor cannot be restarted, so it runs in a background thread for the
session and every crawl is handed to it; each test still runs a real
Scrapy crawl against the simulated web on loopback.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from scrapy.utils.reactor import install_reactor

if TYPE_CHECKING:
    from crawler.simweb import SimWayback, SimWeb

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

T = TypeVar("T")


class ReactorThread:
    """Runs coroutines on the session's reactor from the test thread."""

    def __init__(self) -> None:
        from twisted.internet import reactor

        from crawler.fetch.resolver import installed_resolver

        self.reactor = reactor
        installed_resolver(reactor)
        self.thread = threading.Thread(target=reactor.run, kwargs={"installSignalHandlers": False}, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet.threads import blockingCallFromThread

        async def as_coroutine() -> T:
            return await main()

        return blockingCallFromThread(self.reactor, lambda: deferred_from_coro(as_coroutine()))

    def stop(self) -> None:
        self.reactor.callFromThread(self.reactor.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def reactor_thread() -> Iterator[ReactorThread]:
    runner = ReactorThread()
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture
def run_crawl(reactor_thread: ReactorThread) -> Callable[..., Any]:
    """Checks URLs through a real Scrapy crawl: run_crawl(urls, **setting_overrides)."""
    from crawler.fetch.runner import base_settings, check_urls

    def run(urls: list[str], **overrides: Any) -> dict[str, Any]:
        settings = base_settings(overrides)
        return reactor_thread.run(lambda: check_urls(urls, settings))

    return run


@pytest.fixture(scope="module")
def wayback() -> SimWayback:
    """The simulated Wayback Machine behind `web`; tests add captures to it."""
    from crawler.simweb import SimWayback

    return SimWayback()


@pytest.fixture(scope="module")
def web(request: pytest.FixtureRequest, wayback: SimWayback) -> Iterator[SimWeb]:
    """The simulated web serving the requesting module's HOSTS, with `wayback` as its archive.

    One per module: starting the servers per test would be slow. Modules that need another
    kind of simulated web define their own `web` fixture, which overrides this one.
    """
    from crawler.simweb import SimWeb

    with SimWeb(hosts=request.module.HOSTS, archive=wayback) as simulated:
        yield simulated

"""The start window: a site's pile counts only up to its connections, a hard cap, and real crawls read lazily."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import ClassVar

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.settings import Settings

import crawler.fetch.start_window
from crawler.fetch.fair_order import fair_order
from crawler.fetch.runner import Interruption, base_settings, stream_checks
from crawler.fetch.start_window import StartWindow
from crawler.models import CheckResult
from crawler.simweb import HostSpec, SimWeb
from tests.fetch.crawls import LOOPBACK


def test_public_names():
    assert crawler.fetch.start_window.__all__ == ["StartWindow"]


def waiting(window: StartWindow, site_counts: dict[str, int], connections: int = 4) -> None:
    for count in site_counts.values():
        for before in range(count):
            window.changed(before, before + 1, connections)


def test_a_sites_pile_beyond_its_connections_does_not_fill_the_window():
    window = StartWindow(sendable_limit=10, waiting_limit=1000)
    waiting(window, {"busy.test": 500})
    assert (window.sendable, window.waiting) == (4, 500)
    assert window.has_room()  # other sites still get requests
    waiting(window, {"a.test": 3, "b.test": 2})
    assert (window.sendable, window.waiting) == (9, 505)
    assert window.has_room()
    waiting(window, {"c.test": 1})
    assert not window.has_room()


def test_the_cap_bounds_all_waiting_requests():
    window = StartWindow(sendable_limit=100, waiting_limit=50)
    waiting(window, {"busy.test": 49})
    assert window.has_room()
    waiting(window, {"slow.test": 1})
    assert not window.has_room()


def test_room_is_announced_once_when_a_request_leaves():
    window = StartWindow(sendable_limit=2, waiting_limit=100)
    waiting(window, {"a.test": 1, "b.test": 1})
    calls: list[str] = []
    window.call_when_room(lambda: calls.append("room"))
    assert calls == []
    window.changed(1, 2, 4)  # another request arrives: no room made
    assert calls == []
    window.changed(2, 1, 4)
    window.changed(1, 0, 4)
    assert calls == ["room"]
    window.changed(1, 0, 4)
    assert calls == ["room"]  # once


def test_with_room_the_callback_runs_at_once():
    calls: list[str] = []
    StartWindow().call_when_room(lambda: calls.append("room"))
    assert calls == ["room"]


# Through real crawls: the scheduler holds a window, however many URLs are read.

HOSTS = [HostSpec("busy.test", latency=0.12), *(HostSpec(f"small{n}.test", latency=0.005) for n in range(30))]
WINDOW, CAP = 20, 50
WINDOW_PROBE = "tests.fetch.test_start_window.WindowProbe"


class WindowProbe:
    """Records the scheduler's start window each time a request is scheduled."""

    sendable: ClassVar[list[int]] = []
    waiting: ClassVar[list[int]] = []

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WindowProbe:
        probe = cls(crawler)
        crawler.signals.connect(probe.scheduled, signal=signals.request_scheduled)
        return probe

    def scheduled(self, request: Request) -> None:
        assert self.crawler.engine is not None
        window = self.crawler.engine.scheduler.mqs.start_window  # type: ignore[union-attr]  # Scrapy's Scheduler
        WindowProbe.sendable.append(window.sendable)
        WindowProbe.waiting.append(window.waiting)


def window_settings(web: SimWeb, **overrides: object) -> Settings:
    return base_settings(
        {
            "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
            "ROTWATCH_STATIC_HOSTS": web.resolve_map(),
            "CONCURRENT_REQUESTS": 16,
            "ROTWATCH_START_WINDOW": WINDOW,
            "ROTWATCH_START_CAP": CAP,
            "EXTENSIONS": {WINDOW_PROBE: 0},
            **overrides,
        }
    )


def test_the_scheduler_holds_a_window_while_many_more_urls_are_checked_each_once(web, reactor_thread):
    """700 URLs read lazily; the slow busy site's pile grows past the window to the cap, the others still flow."""
    web.log.clear()
    WindowProbe.sendable.clear()
    WindowProbe.waiting.clear()
    busy = [web.url("busy.test", f"/post/{n}") for n in range(100)]
    small = [web.url(f"small{n % 30}.test", f"/page/{n}") for n in range(600)]
    urls = fair_order(busy + small)
    read: list[str] = []

    def lazily() -> Iterator[str]:
        for url in urls:
            read.append(url)
            yield url

    results: Counter[str] = Counter()
    settings = window_settings(web)
    reactor_thread.run(lambda: stream_checks(lazily(), settings, lambda result: results.update([result.url])))
    assert results == Counter(urls)  # every URL exactly one result
    assert read == urls
    assert max(WindowProbe.sendable) <= WINDOW
    assert max(WindowProbe.waiting) <= CAP
    assert max(WindowProbe.waiting) > WINDOW  # the busy site's pile, beyond what the window counts
    web.log.wait_idle()
    assert web.log.max_concurrency("busy.test") == 4
    assert all(web.log.max_concurrency(f"small{n}.test") <= 4 for n in range(30))


def test_reading_stops_at_an_interruption(web, reactor_thread):
    urls = [web.url(f"small{n % 30}.test", f"/stop/{n}") for n in range(3000)]
    read = 0

    def lazily() -> Iterator[str]:
        nonlocal read
        for url in urls:
            read += 1
            yield url

    interruption = Interruption()
    checked: list[str] = []

    def on_result(result: CheckResult) -> None:
        checked.append(result.url)
        if len(checked) == 100:
            interruption.request()

    settings = window_settings(web)
    reactor_thread.run(lambda: stream_checks(lazily(), settings, on_result, interruption))
    assert interruption.requested
    assert 100 <= len(checked) <= read <= len(checked) + CAP + 16  # what was read was checked, in flight or waiting
    assert read < len(urls)

"""A Scrapy extension the crawl tests load to see inside the downloader.

The simulated web's request log shows what reached the server; some rules
are about what waits inside the crawler (a request handed to the downloader
holds one of the total connections even while its site is paused), so this
records when each request reaches a download slot, through Scrapy's own
`request_reached_downloader` signal, the flags of each response the
downloader hands back (`response_received`), and keeps the crawl's stats
collector. Load it with `EXTENSIONS={PROBE: 0}` and read
`DownloaderProbe.reached`, `.flags` and `.stats`.
"""

from __future__ import annotations

import gc
from time import monotonic
from typing import ClassVar

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

from crawler.fetch.meta import DOWNLOAD_SLOT

PROBE = "tests.fetch.probes.DownloaderProbe"


class DownloaderProbe:
    """Records (time.monotonic(), site, URL) for every request that reaches a download slot."""

    reached: ClassVar[list[tuple[float, str, str]]] = []  # one crawl at a time: tests clear it first
    flags: ClassVar[dict[str, list[str]]] = {}  # response URL -> its flags
    stats: ClassVar[StatsCollector | None] = None  # the last crawl's, still readable once it is over
    frozen: ClassVar[int] = 0  # objects the garbage collector's full passes skipped as the crawl began

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloaderProbe:
        probe = cls()
        DownloaderProbe.stats = crawler.stats
        crawler.signals.connect(probe.request_reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(probe.response_received, signal=signals.response_received)
        crawler.signals.connect(probe.engine_started, signal=signals.engine_started)
        return probe

    def request_reached(self, request: Request) -> None:
        self.reached.append((monotonic(), request.meta.get(DOWNLOAD_SLOT, ""), request.url))

    def response_received(self, response: Response) -> None:
        self.flags[response.url] = list(response.flags)

    def engine_started(self) -> None:
        DownloaderProbe.frozen = gc.get_freeze_count()

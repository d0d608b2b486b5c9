"""The scheduler's queue: the site with the most requests waiting goes first.

A crawl over hundreds of sites lasts as long as its busiest site, which can
only take a few requests at a time: in a newsletter archive one site (often
GitHub) holds a sixth of the links. Scrapy's DownloaderAwarePriorityQueue
hands out the site with the fewest downloads in flight, so a busy site with
3 of its 4 connections working waits behind every idle small site, and the
run ends with the busy site crawling alone. It also hands requests to sites
already at their limit, where they wait inside the downloader and count
against the total concurrency.

`BusiestSiteFirstQueue` hands out only requests whose site has a free
connection, and of those the site with the most requests waiting, so the
busiest site never idles and the others fill the remaining connections.

The queue no longer holds every start request: the link spider reads them
as the downloader drains, in a fair order that spreads each site's links
through the crawl in proportion to its share (crawler.fetch.fair_order),
and this queue keeps the count the spider reads by (`start_window`,
crawler.fetch.start_window). "Most requests waiting" is now a site's pile in
that window: the site that falls behind its share, the one that bounds the
run, piles up and goes first. Sites with as many waiting go in the order
their count last changed (first come, first served): by name, as the scan
had it, a site late in the alphabet with one request waiting would be
passed over for every newer one, and its request would stay in the window
to the end.

It also holds back a retry until the time in its meta RETRY_DUE (set by
the retry middleware), so a URL that failed waits out its backoff without
holding a connection or slowing its site. Retries have a lower priority, so
they come last in their site's queue and are only looked at once the site
has nothing else to send. Returning None while requests wait is fine: the
engine asks again whenever a download finishes, and at the next due time.

A site paused by Retry-After (crawler.fetch.site_pauses) gets nothing until
its pause is over. Handed out during the pause, up to the per-site limit of
its requests would wait inside the downloader, where each counts against
the total concurrency: with 4 connections in all and one site paused, the
other sites would get none for the whole pause.

Finding the busiest ready site must not cost a look at every site: with
20,000 sites the scan took 5 ms per request and half the crawl's CPU
(py-spy, benchmarks/README.md). Sites are kept in a heap by (requests
waiting, arrival); a change of a site's count pushes a new entry and the
outdated one is skipped when it comes up (the heap is rebuilt when
outdated entries outnumber the sites). A request then
looks only at the sites ahead of the one it takes: the full ones (at most
one per connection in flight) and those whose next request is not due.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections import Counter
from collections.abc import Iterable
from time import monotonic

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.pqueues import DownloaderAwarePriorityQueue, QueueProtocol, ScrapyPriorityQueue
from scrapy.utils.asyncio import call_later

from crawler.fetch.meta import DOWNLOAD_SLOT, RETRY_DUE
from crawler.fetch.retry_after import RetryAfterMiddleware
from crawler.fetch.site_pauses import SitePauses
from crawler.fetch.start_window import StartWindow

__all__ = ["BusiestSiteFirstQueue"]

log = logging.getLogger(__name__)


class BusiestSiteFirstQueue(DownloaderAwarePriorityQueue):
    """Requests of the site with a free connection and the most requests waiting."""

    def __init__(
        self,
        crawler: Crawler,
        downstream_queue_cls: type[QueueProtocol],
        key: str,
        slot_startprios: dict[str, Iterable[int]] | None = None,
        *,
        start_queue_cls: type[QueueProtocol] | None = None,
    ):
        super().__init__(crawler, downstream_queue_cls, key, slot_startprios, start_queue_cls=start_queue_cls)
        self._downloader = self._downloader_interface.downloader
        self._wake_at: float | None = None
        self._waiting: Counter[str] = Counter()  # site -> requests queued (len() of a queue is slow)
        self._by_waiting: list[tuple[int, int, str]] = []  # heap of (-requests waiting, arrival, site)
        self._placed: dict[str, int] = {}  # site -> arrival of its current heap entry (others are outdated)
        self._arrivals = itertools.count()
        settings = crawler.settings
        self.start_window = StartWindow(settings.getint("ROTWATCH_START_WINDOW"), settings.getint("ROTWATCH_START_CAP"))
        retries = crawler.get_downloader_middleware(RetryAfterMiddleware)
        self._pauses: SitePauses | None = retries.pauses if retries is not None else None

    def _in_downloader(self) -> Counter[str | None]:
        """Requests per site anywhere in the downloader, middlewares included.

        A slot's own `active` misses requests still in a middleware (waiting
        for a name lookup, say), so counting it alone would let a busy site's
        requests pile up in its slot queue, each holding one of the total slots.
        """
        return Counter(request.meta.get(DOWNLOAD_SLOT) for request in self._downloader.active)

    def _limit(self, site: str) -> int:
        slot = self._downloader.slots.get(site)
        if slot is not None:
            return slot.concurrency
        limit: int = self._downloader.per_slot_settings.get(site, {}).get(
            "concurrency", self._downloader.domain_concurrency
        )
        return limit

    def _busiest_ready_site(self) -> str | None:
        """The site to send next: the most waiting, a free connection, not paused, its next request due."""
        in_downloader = self._in_downloader()
        full = {site for site, count in in_downloader.items() if site is not None and count >= self._limit(site)}
        now, next_due, passed, chosen = monotonic(), None, [], None
        while self._by_waiting:
            entry = heapq.heappop(self._by_waiting)
            site = entry[2]
            if self._placed.get(site) != entry[1]:
                continue  # outdated: the site's count changed since
            passed.append(entry)
            if site in full:
                continue
            due = max(_due_time(self.pqueues[site]), self._pause_end(site))
            if due <= now:
                chosen = site
                break
            next_due = due if next_due is None else min(next_due, due)
        for entry in passed:
            heapq.heappush(self._by_waiting, entry)
        if chosen is None and next_due is not None:
            self._wake_engine_at(next_due)
        return chosen

    def _count(self, site: str, change: int) -> None:
        """Changes the site's count of waiting requests, its place in the heap (behind the sites with as
        many waiting), and the start window's count."""
        before = self._waiting[site]
        after = before + change
        self.start_window.changed(before, after, self._limit(site))
        if after:
            self._waiting[site] = after
            self._placed[site] = arrival = next(self._arrivals)
            heapq.heappush(self._by_waiting, (-after, arrival, site))
        else:
            del self._waiting[site], self._placed[site]
        if len(self._by_waiting) > 2 * len(self._waiting) + 64:  # mostly outdated entries: rebuild
            self._by_waiting = [(-self._waiting[site], arrival, site) for site, arrival in self._placed.items()]
            heapq.heapify(self._by_waiting)

    def _pause_end(self, site: str) -> float:
        """When the site's Retry-After pause is over (0.0 when it is not paused)."""
        until = self._pauses.resting_until(site) if self._pauses is not None else None
        return until or 0.0

    def _wake_engine_at(self, due: float) -> None:
        """Makes the engine ask for a request again at `due`, when only waiting retries are left."""
        if self._wake_at is not None and self._wake_at <= due:
            return
        self._wake_at = due
        call_later(max(0.0, due - monotonic()), self._wake)

    def _wake(self) -> None:
        self._wake_at = None
        engine = self.crawler.engine
        if engine._slot is not None:  # no public "ask the scheduler again"
            engine._slot.nextcall.schedule()

    def pop(self) -> Request | None:
        site = self._busiest_ready_site()
        if site is None:
            return None
        queue = self.pqueues[site]
        request = queue.pop()
        if log.isEnabledFor(logging.DEBUG):  # once per request: counting costs nothing unless asked for
            log.debug("sending %s to %s (%d in flight there)", request, site, self._in_downloader()[site])
        self._count(site, -1)
        if site not in self._waiting:
            del self.pqueues[site]
            queue.close()
        return request

    def __len__(self) -> int:
        return self.start_window.waiting  # every push and pop is counted there

    def push(self, request: Request) -> None:
        super().push(request)
        self._count(self._downloader_interface.get_slot_key(request), +1)

    def peek(self) -> Request | None:
        site = self._busiest_ready_site()
        return None if site is None else _next_request(self.pqueues[site])


def _next_request(queue: ScrapyPriorityQueue) -> Request | None:
    """The request `queue.pop()` would return, or None if Scrapy cannot say.

    ScrapyPriorityQueue.peek raises KeyError when its current priority is
    held only by its start-request queue; its pop copes with that.
    """
    try:
        return queue.peek()
    except KeyError:
        return None


def _due_time(queue: ScrapyPriorityQueue) -> float:
    request = _next_request(queue)
    due: float = 0.0 if request is None else request.meta.get(RETRY_DUE, 0.0)
    return due

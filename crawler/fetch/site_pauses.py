"""A site that asked us to slow down waits as a whole, for as long as it asked.

A 429, or a 503 with Retry-After, speaks for the whole site (its rate limit,
its maintenance), so the pause is applied as the delay of the site's
download slot: only that site waits, every other site goes on. When the
pause is over the slot goes back to its usual delay and jitter at once, not
at the next normal answer: the downloader may have scheduled its next send
under the long delay, and `PoliteDownloader.resume` sends now instead.

The scheduler's queue (crawler.fetch.queues) asks `resting_until` and keeps
a paused site's requests until the pause is over: handed to the downloader
they would wait in the site's slot, each counted against the total
concurrency, and the other sites would lose those connections for as long
as the pause lasts.
"""

from __future__ import annotations

import logging
from time import monotonic

from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import call_later

from crawler.fetch.downloader import PoliteDownloader

__all__ = ["SitePauses"]

log = logging.getLogger(__name__)


class SitePauses:
    """Pauses the download slots of sites, each until its own time is up."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler  # its engine (and downloader) exist only once the crawl runs
        self._normal_pace: dict[str, tuple[float, float]] = {}  # slot -> (delay, jitter) before a pause
        self._pause_ends: dict[str, float] = {}  # slot -> monotonic() when its pause is over

    def resting_until(self, site: str) -> float | None:
        """When `site`'s pause is over (a time.monotonic() value), or None when it is not paused.

        The scheduler's queue holds the site's requests until then, so they
        do not wait inside the downloader holding connections of the total.
        """
        return self._pause_ends.get(site)

    def pause(self, site: str, seconds: float) -> None:
        """Make `site` wait `seconds` from now, then go on at its usual pace."""
        slot = self.crawler.engine.downloader.slots.get(site)
        if slot is None:
            return
        self._normal_pace.setdefault(site, (slot.delay, slot.jitter))
        slot.delay = max(slot.delay, seconds)
        slot.jitter = 0.0  # a Retry-After is a minimum, not an average
        slot.lastseen = monotonic()  # the pause counts from this answer, not from the request
        self._pause_ends[site] = max(self._pause_ends.get(site, 0.0), slot.lastseen + seconds)
        log.debug("site %s paused for %.1f s", site, seconds)
        call_later(seconds, self._end_pause, site, slot)

    def _end_pause(self, site: str, slot: Slot) -> None:
        """The site's pause is over (unless a later answer extended it): back to its pace, at once."""
        if site not in self._pause_ends or monotonic() < self._pause_ends[site]:
            return
        del self._pause_ends[site]
        slot.delay, slot.jitter = self._normal_pace.pop(site)
        log.debug("site %s resumed (delay %.1f s)", site, slot.delay)
        downloader = self.crawler.engine.downloader
        if isinstance(downloader, PoliteDownloader):
            downloader.resume(slot)

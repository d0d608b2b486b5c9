"""Scrapy's downloader with the per-site concurrency limit kept under bursts.

In Scrapy 2.19 a slot's queue is drained by scheduling each download as an
asyncio task, and a request counts as "transferring" only once its task
runs. When several requests are queued at once (after a Retry-After pause,
say), the loop sees the same free capacity for each and starts them all: a
site limited to 4 connections gets 7 (measured on the simulated web). This
subclass counts a request as transferring the moment it leaves the queue.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

__all__ = ["PoliteDownloader"]


class PoliteDownloader(Downloader):
    """A Downloader whose slots never exceed their concurrency."""

    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the fix: count it before its task runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

    def resume(self, slot: Slot) -> None:
        """Sends `slot`'s queue now: its delay was shortened after a send was scheduled under the old one."""
        if slot.latercall:
            slot.latercall.cancel()
            slot.latercall = None
        self._process_queue(slot)

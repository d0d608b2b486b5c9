"""How many start requests may wait in the scheduler: the window the link spider reads its URLs into.

Scheduling every start request at once held about 590 bytes a URL in
`Request` objects and the scheduler's queues (1.1 GB of the crawl at a
million links, benchmarks/README.md) although the downloader takes 64 at a
time. The spider now reads the next URL only while the window has room, so
what waits is bounded whatever the number of URLs.

A plain count of waiting requests would let one site starve the rest: the
busiest site's requests pile up while they wait for its 4 connections, and
with the window full of them no other site would get any. So the window
counts each site's waiting requests only up to its connections (what it
could send at once); beyond that they wait for the site, not for the
downloader, and the site's pile does not hold up the reading. In the fair
order (crawler.fetch.fair_order) such a pile grows only while its site is
slower than its share of the crawl, and then it keeps that site busy. A
hard cap on all the waiting requests bounds memory when piles grow anyway
(a slow busiest site, a paused one, URLs not in the fair order): reading
then follows the piles as they drain.

Requests waiting for a retry's backoff or a site's Retry-After pause count
like the others: they are few, and the window is several times the
downloader's concurrency.

Pure bookkeeping: the scheduler's queue (crawler.fetch.queues) reports
every change of a site's waiting requests, the spider asks for room.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["StartWindow"]


class StartWindow:
    """Room for start requests: fewer than `sendable_limit` that their sites could send at once,
    and fewer than `waiting_limit` waiting in all."""

    def __init__(self, sendable_limit: int = 256, waiting_limit: int = 10_000):
        self.sendable_limit = sendable_limit
        self.waiting_limit = waiting_limit
        self.sendable = 0  # waiting requests, each site's counted up to its connections
        self.waiting = 0  # waiting requests, all
        self._on_room: Callable[[], None] | None = None

    def changed(self, before: int, after: int, connections: int) -> None:
        """A site with `connections` went from `before` requests waiting to `after`."""
        self.waiting += after - before
        self.sendable += min(after, connections) - min(before, connections)
        if after < before and self._on_room is not None and self.has_room():
            on_room, self._on_room = self._on_room, None
            on_room()

    def has_room(self) -> bool:
        return self.sendable < self.sendable_limit and self.waiting < self.waiting_limit

    def call_when_room(self, callback: Callable[[], None]) -> None:
        """Calls `callback` once, as soon as a request leaves and there is room (now, if there is)."""
        if self.has_room():
            callback()
        else:
            self._on_room = callback

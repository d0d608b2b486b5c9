"""The simulated web's request log: what the server received and what it sent.

Every request goes into a `RequestLog` with the bytes that actually reached
the socket, so a test can prove that the crawler stopped reading a large
body, kept to its per-host concurrency or retried exactly once.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

__all__ = ["RequestLog", "RequestRecord", "request_key"]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it.

    `path` is the request target as sent (path and query, percent-encoded);
    header names are lower-case; times come from `time.monotonic()`, and
    `finished` is None while the request is in flight. `bytes_sent` counts
    status line, headers and body that reached the socket.
    """

    host: str
    method: str
    path: str
    headers: dict[str, str]
    bytes_sent: int
    started: float
    finished: float | None


def request_key(url: str) -> tuple[str, str]:
    """(host, request target) for a URL, encoded the way a client sends it."""
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return (parts.hostname or "", f"{target}?{parts.query}" if parts.query else target)


class RequestLog:
    """Every request the server received, safe to read from any thread.

    A client can read a whole answer a moment before the server logs its
    request as finished, so `bytes_sent` and `finished` are only final after
    `wait_idle()`. `clear()` forgets what was logged but not what is in
    flight, so a peak concurrency measured after it still counts requests
    that were already running.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._tickets = itertools.count()
        self._records: dict[int, RequestRecord] = {}
        self._open: dict[int, RequestRecord] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._bytes: Counter[tuple[str, str]] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    def begin(self, host: str, method: str, target: str, headers: Mapping[str, str]) -> int:
        """Logs a request as it arrives; the ticket is for `end`."""
        lowered = {name.lower(): value for name, value in headers.items()}
        record = RequestRecord(host, method, target, lowered, 0, time.monotonic(), None)
        with self._lock:
            ticket = next(self._tickets)
            self._records[ticket] = self._open[ticket] = record
            self._counts[host, target] += 1
            self._in_flight[host] += 1
            self._peak[host] = max(self._peak[host], self._in_flight[host])
        return ticket

    def end(self, ticket: int, bytes_sent: int) -> None:
        """Logs how a request ended, however it ended (answered, reset, cancelled)."""
        with self._lock:
            record = self._open.pop(ticket)
            self._in_flight[record.host] -= 1
            if ticket in self._records:
                done = replace(record, bytes_sent=bytes_sent, finished=time.monotonic())
                self._records[ticket] = done
                self._bytes[record.host, record.path] += bytes_sent
            if not self._open:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Waits until no request is in flight; False if some still are after `timeout` s."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._open, timeout)

    def records(self, host: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Requests in arrival order, optionally only those for this host and/or target."""
        with self._lock:
            records = list(self._records.values())
        return [r for r in records if host in (None, r.host) and path in (None, r.path)]

    def count(self, url: str) -> int:
        """Requests received for exactly this URL (host, path and query)."""
        with self._lock:
            return self._counts[request_key(url)]

    def bytes_sent(self, url: str) -> int:
        """Bytes written for this URL, summed over its finished requests."""
        with self._lock:
            return self._bytes[request_key(url)]

    def max_concurrency(self, host: str) -> int:
        """The most requests this host had in flight at once."""
        with self._lock:
            return self._peak[host]

    def clear(self) -> None:
        """Forgets the log; the peaks restart from what is in flight now."""
        with self._lock:
            self._records.clear()
            self._counts.clear()
            self._bytes.clear()
            self._peak = Counter(self._in_flight)

"""A Wayback-compatible archive inside the simulated web: the simulated Wayback Machine.

The Wayback spider is tested against this instead of web.archive.org: the
same endpoints in the same formats (crawler.simweb.wayback_endpoints
records them and their sources), captures a test adds one by one, and the
real archive's bad habits (rate limiting with a bare 429, falsely empty
availability answers, captures of "not found" and parking pages, captures
of redirects to the home page, a batch endpoint that breaks) on demand.
`SimWeb(archive=...)` serves it under its own host name, so
`SimWeb.archive_endpoint` is what `--archive-endpoint` takes.

Requests draw from one of two pools, as on web.archive.org: queries (the
CDX index, the timemap, the availability API single and batch) and
playback, whose limit is 20 times the query pool's by default
(crawler.simweb.wayback_limits has the real limits and their sources). An
exhausted pool answers 429 with no Retry-After, as the real archive does,
while the other pool goes on answering. Every answer is logged with its
endpoint, pool, status and times (`answers`, `count`), so a test or a
benchmark can tell how a client spent each pool.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Literal

from crawler.simweb.exchange import PLAIN, Exchange
from crawler.simweb.pages import HOME_TITLE
from crawler.simweb.wayback_captures import (
    CAPTURE_KINDS,
    TIMESTAMP_DIGITS,
    BadQueryError,
    Capture,
    CaptureStore,
    ascii_url,
    capture_body,
    site_root,
)
from crawler.simweb.wayback_endpoints import ANSWERS, broken_batch
from crawler.simweb.wayback_limits import (
    PLAYBACK_LIMIT,
    POOL_OF_ENDPOINT,
    QUERY_LIMIT,
    REAL_BURST_SECONDS,
    PoolLimits,
)
from crawler.simweb.wayback_queries import endpoint_of

__all__ = ["GARBAGE", "WAYBACK_HOST", "ArchiveAnswer", "BatchFault", "SimWayback"]

log = logging.getLogger(__name__)

WAYBACK_HOST = "archive.test"
DEFAULT_BURST = 2.0  # requests: absorbs a client paced at exactly the rate, whose arrivals jitter
GARBAGE = "garbage"  # a batch fault: 200 with a body that is no JSON
BatchFault = int | Literal["garbage"]  # an HTTP status the batch endpoint answers, or GARBAGE


@dataclass(frozen=True, slots=True)
class ArchiveAnswer:
    """One request the archive answered: its endpoint and pool, the status it got,
    and when the archive began and finished answering (`time.monotonic()`, after
    the archive's latency)."""

    endpoint: str
    pool: str
    status: int
    started: float
    finished: float


class SimWayback:
    """A Wayback-compatible archive for `SimWeb(archive=...)` (see the module docstring).

    Captures are added with `add_capture`. `rate_limit` is the query pool's
    rate (requests a second, None for no limit) and `burst` its bucket;
    `playback_rate` and `playback_burst` default to 20 times those (see
    crawler.simweb.wayback_limits); `at_real_limits` gives web.archive.org's.
    `latency` (s) is added to every answer. Safe to configure from the test
    thread while the server answers from its own.
    """

    def __init__(
        self,
        host: str = WAYBACK_HOST,
        *,
        rate_limit: float | None = None,
        burst: float = DEFAULT_BURST,
        playback_rate: float | None = None,
        playback_burst: float | None = None,
        latency: float = 0.0,
    ):
        self.host = host.lower()
        self.latency = latency
        self._limits = PoolLimits(rate_limit, burst, playback_rate, playback_burst)
        self._store = CaptureStore()
        self._lock = threading.Lock()
        self._faults: list[int] = []
        self._batch_fault: BatchFault | None = None
        self._answers: list[ArchiveAnswer] = []

    @classmethod
    def at_real_limits(cls, speedup: float = 1.0, host: str = WAYBACK_HOST, *, latency: float = 0.0) -> SimWayback:
        """An archive with web.archive.org's hard limits (30 queries and 600 playbacks a
        minute), `speedup` times faster, so a benchmark can run the real proportions
        quickly; each pool holds REAL_BURST_SECONDS of the real rate (5 and 100 requests)."""
        query, playback = QUERY_LIMIT / 60, PLAYBACK_LIMIT / 60
        return cls(
            host,
            rate_limit=query * speedup,
            burst=query * REAL_BURST_SECONDS,
            playback_rate=playback * speedup,
            playback_burst=playback * REAL_BURST_SECONDS,
            latency=latency,
        )

    def rate(self, pool: str) -> float | None:
        """The pool's limit in requests a second (`query` or `playback`), None when unlimited."""
        return self._limits.rate(pool)

    # What the archive holds.

    def add_capture(
        self,
        url: str,
        timestamp: str = "20240320120000",
        *,
        kind: str = "page",
        status: int | None = 200,
        title: str | None = None,
        body: bytes | None = None,
        mimetype: str | None = None,
        redirect_to: str | None = None,
    ) -> Capture:
        """Archives one capture of `url` at `timestamp` (14 digits) and returns it.

        `kind` is one of `CAPTURE_KINDS`: a `page` titled `title` (default:
        the live site's `fallback_title`), a `soft-404` ("Page Not Found",
        served 200), a `parked` domain page, an `image` (a tiny JPEG), a
        `redirect` to `redirect_to`, or a `redirect-home` to the site's root;
        a root with no capture yet gets a home page capture at the same
        timestamp, so the redirect lands on a capture. `status` (None for
        `-`) and `mimetype` (default the kind's; `-` allowed) are what the
        index says, see `Capture`; `body` replaces the kind's bytes. Adding
        the same timestamp twice makes the index repeat the row, as the
        real one does for a capture indexed twice.
        """
        spec = CAPTURE_KINDS.get(kind)
        if spec is None:
            raise ValueError(f"kind must be one of {sorted(CAPTURE_KINDS)}, not {kind!r}")
        if len(timestamp) != TIMESTAMP_DIGITS:
            raise ValueError(f"a capture's timestamp has 14 digits, not {timestamp!r}")
        if kind == "redirect-home":
            redirect_to = site_root(url)
        elif (kind == "redirect") != (redirect_to is not None):
            raise ValueError("redirect_to is for kind='redirect', which needs it")
        payload = capture_body(kind, url, title) if body is None else body
        target = None if redirect_to is None else ascii_url(redirect_to)
        capture = Capture(ascii_url(url), timestamp, kind, status, mimetype or spec.mimetype, payload, target)
        self._store.add(capture)
        if kind == "redirect-home" and redirect_to is not None and not self._store.holds(redirect_to):
            self.add_capture(redirect_to, timestamp, title=HOME_TITLE)
        return capture

    def captures(self, url: str) -> list[Capture]:
        """Every capture of `url` (after canonicalisation), oldest first."""
        return self._store.captures(url)

    def hide_from_availability(self, url: str) -> None:
        """Makes the availability API answer "nothing archived" for `url` although
        captures exist, as the real one sometimes does; CDX and playback still have them."""
        self._store.hide_from_availability(url)

    def hide_from_cdx(self, url: str) -> None:
        """Makes the CDX index answer `[]` for `url` although captures exist, as
        the real one does while a capture waits to be indexed; availability
        and playback still have them."""
        self._store.hide_from_cdx(url)

    # Faults.

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next `count` requests that get past the rate limit are answered `status`."""
        with self._lock:
            self._faults += [status] * count

    def break_batch(self, fault: BatchFault | None) -> None:
        """From now on (until `reset` or `break_batch(None)`) every batch availability
        POST that gets past the rate limit is answered `fault`: an HTTP status (404, as
        when the endpoint is gone; 500...) or `GARBAGE`, a 200 whose body is no JSON.
        The single availability GET, the index and playback go on answering."""
        if fault is not None and fault != GARBAGE and not (isinstance(fault, int) and 100 <= fault <= 599):
            raise ValueError(f"a batch fault is an HTTP status or {GARBAGE!r}, not {fault!r}")
        with self._lock:
            self._batch_fault = fault

    def reset(self) -> None:
        """Forgets captures, hidden URLs, faults and answers; refills both pools."""
        self._store.clear()
        with self._lock:
            self._faults.clear()
            self._batch_fault = None
            self._answers.clear()
        self._limits.refill()

    # What it answered.

    def answers(self, pool: str | None = None) -> list[ArchiveAnswer]:
        """Every answer given since the last `reset`, in the order they were finished,
        optionally only those of one pool (`query` or `playback`)."""
        with self._lock:
            return [answer for answer in self._answers if pool in (None, answer.pool)]

    def count(self, endpoint: str | None = None, status: int | None = None, *, pool: str | None = None) -> int:
        """Requests answered, optionally only for one endpoint (`cdx`, `timemap`,
        `availability`, `batch`, `playback`, `other`), one pool (`query`, `playback`)
        and/or with one status (429 counts those refused by the pool's limit).

        An answer is counted once written, which a client can read a moment
        earlier: like the request log, counts are final after `web.log.wait_idle()`.
        """
        return sum(
            1
            for answer in self.answers(pool)
            if endpoint in (None, answer.endpoint) and status in (None, answer.status)
        )

    # Serving.

    async def handle(self, exchange: Exchange) -> None:
        """Answers one request and logs the answer: its pool's limit, an injected
        failure, a broken batch endpoint, then the endpoint itself."""
        endpoint = endpoint_of(exchange.request.raw_path, exchange.method)
        pool = POOL_OF_ENDPOINT[endpoint]
        started = time.monotonic()
        try:
            await self._answer(exchange, endpoint, pool)
        except BadQueryError as exc:
            log.debug("bad query: 400 for %s (%s)", exchange.request.raw_path, exc)
            await exchange.reply(400, f"{exc}\n".encode(), content_type=PLAIN)
        finally:
            status = exchange.response.status if exchange.response is not None else 0
            answer = ArchiveAnswer(endpoint, pool, status, started, time.monotonic())
            with self._lock:
                self._answers.append(answer)

    async def _answer(self, exchange: Exchange, endpoint: str, pool: str) -> None:
        path = exchange.request.raw_path
        if not self._limits.admit(pool):
            log.debug("%s pool over its limit: 429 for %s", pool, path)
            await exchange.reply(429, b"Too Many Requests\n", content_type=PLAIN)
        elif (fault := self._next_fault()) is not None:
            log.debug("injected failure: %d for %s", fault, path)
            await exchange.reply(fault, f"{fault} simulated failure\n".encode(), content_type=PLAIN)
        elif endpoint == "batch" and (broken := self._batch_fault) is not None:
            log.debug("batch endpoint broken: %s for %s", broken, path)
            await broken_batch(exchange, broken)
        else:
            await ANSWERS[endpoint](self._store, exchange)

    def _next_fault(self) -> int | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

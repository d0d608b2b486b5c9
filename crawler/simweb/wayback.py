"""A Wayback-compatible archive inside the simulated web: the simulated Wayback Machine.

The Wayback spider is tested against this instead of web.archive.org: the
same three endpoints in the same formats (crawler.simweb.wayback_endpoints
records them and their sources), captures a test adds one by one, and the
real archive's bad habits (rate limiting with a bare 429, falsely empty
availability answers, captures of "not found" and parking pages, captures
of redirects to the home page) on demand. `SimWeb(archive=...)` serves it
under its own host name, so `SimWeb.archive_endpoint` is what
`--archive-endpoint` takes.

Every request, whatever the endpoint, draws from one token bucket; an empty
bucket answers 429 with no Retry-After, as the real archive does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

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
from crawler.simweb.wayback_endpoints import ANSWERS
from crawler.simweb.wayback_queries import endpoint_of

__all__ = ["WAYBACK_HOST", "SimWayback", "TokenBucket"]

log = logging.getLogger(__name__)

WAYBACK_HOST = "archive.test"
DEFAULT_BURST = 2.0  # requests: absorbs a client paced at exactly the rate, whose arrivals jitter


class TokenBucket:
    """`rate` requests a second on average, `burst` at once; thread-safe."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, not {rate} and {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = burst
        self._last = clock()

    def take(self) -> bool:
        """Spends a token if there is one; False means the request is over the limit."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def refill(self) -> None:
        with self._lock:
            self._tokens, self._last = self.burst, self._clock()


class SimWayback:
    """A Wayback-compatible archive for `SimWeb(archive=...)` (see the module docstring).

    Captures are added with `add_capture`; `rate_limit` (requests a second,
    None for no limit) and `burst` shape the token bucket; `latency` (s) is
    added to every answer. Safe to configure from the test thread while the
    server answers from its own.
    """

    def __init__(
        self,
        host: str = WAYBACK_HOST,
        *,
        rate_limit: float | None = None,
        burst: float = DEFAULT_BURST,
        latency: float = 0.0,
    ):
        self.host = host.lower()
        self.latency = latency
        self._bucket = None if rate_limit is None else TokenBucket(rate_limit, burst)
        self._store = CaptureStore()
        self._lock = threading.Lock()
        self._faults: list[int] = []
        self._answers: Counter[tuple[str, int]] = Counter()

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

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next `count` requests that get past the rate limit are answered `status`."""
        with self._lock:
            self._faults += [status] * count

    def reset(self) -> None:
        """Forgets captures, hidden URLs, pending failures and counts; refills the bucket."""
        self._store.clear()
        with self._lock:
            self._faults.clear()
            self._answers.clear()
        if self._bucket is not None:
            self._bucket.refill()

    # What it answered.

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """Requests answered, optionally only for one endpoint (`cdx`, `availability`,
        `playback`, `other`) and/or with one status (429 counts rate-limited ones).

        An answer is counted once written, which a client can read a moment
        earlier: like the request log, counts are final after `web.log.wait_idle()`.
        """
        with self._lock:
            return sum(
                n
                for (where, answer), n in self._answers.items()
                if endpoint in (None, where) and status in (None, answer)
            )

    # Serving.

    async def handle(self, exchange: Exchange) -> None:
        """Answers one request: rate limit, injected failure, then the endpoint."""
        endpoint = endpoint_of(exchange.request.raw_path)
        try:
            if self._bucket is not None and not self._bucket.take():
                log.debug("over the rate limit: 429 for %s", exchange.request.raw_path)
                await exchange.reply(429, b"Too Many Requests\n", content_type=PLAIN)
            elif (fault := self._next_fault()) is not None:
                log.debug("injected failure: %d for %s", fault, exchange.request.raw_path)
                await exchange.reply(fault, f"{fault} simulated failure\n".encode(), content_type=PLAIN)
            else:
                await ANSWERS[endpoint](self._store, exchange)
        except BadQueryError as exc:
            log.debug("bad query: 400 for %s (%s)", exchange.request.raw_path, exc)
            await exchange.reply(400, f"{exc}\n".encode(), content_type=PLAIN)
        finally:
            status = exchange.response.status if exchange.response is not None else 0
            with self._lock:
                self._answers[endpoint, status] += 1

    def _next_fault(self) -> int | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

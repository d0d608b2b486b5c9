"""The simulated Wayback Machine's rate limits: two pools, as web.archive.org has them.

What the real archive does, and where that is written down:

- The CDX index (`/cdx/search/cdx`) and the timemap (`/web/timemap/...`)
  are one service with one pool of 30 requests a minute per client:
  edgi-govdata-archiving/wayback issue #206 and pull request #208
  (2026-06-19). That client's `src/wayback/_client.py` sets its defaults
  "at 80% of the hard limits", as Internet Archive staff asked:
  `DEFAULT_CDX_RATE_LIMIT = 0.8 * 30 / 60` a second (24 a minute).
- Playback (`/web/<timestamp><flag>/<url>`) is served by other machines with
  a limit of its own: the same file sets `DEFAULT_MEMENTO_RATE_LIMIT =
  0.8 * 600 / 60` (480 a minute of 600) for it and notes that "the memento
  limit is actually a generic Wayback limit", the one for every path that
  is not the index or the timemap. Issue #12 of the same repository quotes
  Internet Archive staff (2019): playback and the CDX run on distinct
  backend servers with different rate limits, and the limit is "on
  CDXServerAPI and other API endpoints". The availability API, single GET
  and batch POST, is such an API endpoint: here it draws from the query
  pool.
- An exceeded pool answers 429 with no Retry-After; the edgi client then
  waits `DEFAULT_RATE_LIMIT_DELAY = 60` seconds. Limits are per client
  address (issue #153, 2023, where the CDX limit was "averaged over a
  5-minute window"); a client that ignores 429s for more than a minute is
  blocked at the firewall for an hour, doubled on each repeat (Internet
  Archive staff quoted in issue #137). The block is not simulated: a client
  that meets a 429 here has already failed its test.
- How the real archive counts a batch POST of many lines is not written
  anywhere found; here one POST is one request.

Each pool is a token bucket: `rate` requests a second on average, `burst`
at once. That is stricter than an average over minutes (a client that
stays under the rate never sees a 429, one that bursts sees it sooner than
it would there), which is the safe side for testing a client. By default
playback gets `PLAYBACK_RATIO` times the query pool's rate and burst, the
real ratio (600 : 30). At the real limits (`SimWayback.at_real_limits`)
each bucket holds `REAL_BURST_SECONDS` of its rate: 5 queries, 100
playbacks. Much less than the real archive's minutes of averaging, yet
enough that a client paced below the limit is not refused for the jitter
of its arrivals: with a bucket of 2, one query in 3,300 paced at 80 % of
the limit was, in benchmarks/bench_archive.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import MappingProxyType

__all__ = [
    "PLAYBACK",
    "PLAYBACK_LIMIT",
    "PLAYBACK_RATIO",
    "POOLS",
    "POOL_OF_ENDPOINT",
    "QUERY",
    "QUERY_LIMIT",
    "REAL_BURST_SECONDS",
    "PoolLimits",
    "TokenBucket",
]

QUERY = "query"  # the index, the timemap and the availability API
PLAYBACK = "playback"  # captures replayed, and any other path (the "generic" limit)
POOLS = (QUERY, PLAYBACK)
QUERY_LIMIT = 30.0  # requests a minute web.archive.org allows the index and timemap (hard limit)
PLAYBACK_LIMIT = 600.0  # requests a minute it allows playback (hard limit)
PLAYBACK_RATIO = PLAYBACK_LIMIT / QUERY_LIMIT  # 20
REAL_BURST_SECONDS = 10.0  # of its rate a pool holds at the real limits

# endpoint (as crawler.simweb.wayback_queries.endpoint_of names it) -> its pool
POOL_OF_ENDPOINT = MappingProxyType(
    {
        "cdx": QUERY,
        "timemap": QUERY,
        "availability": QUERY,
        "batch": QUERY,
        "playback": PLAYBACK,
        "other": PLAYBACK,
    }
)


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


class PoolLimits:
    """The query pool and the playback pool, each a token bucket or unlimited (None).

    `query_rate` and `playback_rate` are requests a second. Playback
    defaults to `PLAYBACK_RATIO` times the query pool (unlimited when the
    query pool is), and its burst to as many times the query burst.
    """

    def __init__(
        self,
        query_rate: float | None,
        query_burst: float,
        playback_rate: float | None = None,
        playback_burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        if playback_rate is None and query_rate is not None:
            playback_rate = query_rate * PLAYBACK_RATIO
        if playback_burst is None:
            playback_burst = query_burst * PLAYBACK_RATIO
        self._buckets = {
            QUERY: None if query_rate is None else TokenBucket(query_rate, query_burst, clock),
            PLAYBACK: None if playback_rate is None else TokenBucket(playback_rate, playback_burst, clock),
        }

    def admit(self, pool: str) -> bool:
        """Whether a request drawing from `pool` is within its limit (it spends a token if so)."""
        bucket = self._buckets[pool]
        return bucket is None or bucket.take()

    def rate(self, pool: str) -> float | None:
        """The pool's rate in requests a second, None when it has no limit."""
        bucket = self._buckets[pool]
        return None if bucket is None else bucket.rate

    def refill(self) -> None:
        for bucket in self._buckets.values():
            if bucket is not None:
                bucket.refill()

"""How fast the Wayback Machine may be asked, what the lookups still owed will cost, and the settings' words.

Pure: the rates, the batch size and the estimate of the time left; the
runner (crawler.fetch.runner) turns the rates into two Scrapy download
slots, and the Wayback spider sends each request through its pool's slot.

Facts about the real archive that the numbers rest on:

- Two rate pools per client. The CDX index (`/cdx/search/cdx`) and the
  timemap (`/web/timemap/...`) are one service with one pool of about 30
  requests a minute; playback (`/web/<timestamp>id_/...`) allows about 600 a
  minute. Internet Archive asked client authors to default to 80 % of the
  hard limits. Source: edgi-govdata-archiving/wayback `src/wayback/_client.py`,
  `DEFAULT_CDX_RATE_LIMIT = _utils.RateLimit(0.8 * 30 / 60)` and
  `DEFAULT_MEMENTO_RATE_LIMIT = _utils.RateLimit(0.8 * 600 / 60)` (commit
  5097301, "Update search/timemap rate limits (#208)": the two endpoints
  "are now one service with one shared rate limiting pool").
- A 429 without Retry-After means: rest a minute (same file,
  `DEFAULT_RATE_LIMIT_DELAY = 60`).
- The availability API, single or batch, answers from the same index: it
  counts here as a query, in the small pool, so a crawl never spends the
  CDX pool by surprise. (EDGI's client meters `/wayback/available` with the
  playback pool, as every path but the CDX and timemap; counting it in the
  small pool is the cautious reading.)
- Batch availability: InternetArchiveBot's availability worker posts at most
  100 queries in one request (`$batchLimit = 100` in
  internetarchive/internetarchivebot `app/src/availability.php`), and that is
  the size used here: a known-good size for the server, and at 24 queries a
  minute 2,400 lines a minute, far more than playback can verify (480), so
  larger batches would only make each unanswered or failed batch costlier.

Decisions:
- Defaults are the 80 % figures: 24 query and 480 playback requests a minute
  (`--archive-rate`, `--archive-playback-rate`).
- The time a lookup still costs is estimated per (URL, date) pair from this
  run's own requests when it answered enough pairs (`MIN_OBSERVED`), else
  from what a first pass costs: 2 batch lines (before, then after), a CDX
  query for 1 pair in 5 (a first candidate that fails, or no capture at all
  to confirm), 1.1 verifications. The slower pool decides.
- The help of the settings that bound the archive's work (`BUDGET_HELP`,
  `SAVE_HELP`) is written here, beside the facts it rests on;
  crawler.config shows it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = [
    "BATCH_SIZE",
    "BUDGET_HELP",
    "DEFAULT_PLAYBACK_RATE",
    "DEFAULT_QUERY_RATE",
    "FIRST_PASS",
    "PLAYBACK",
    "QUERY",
    "SAVE_HELP",
    "LookupCosts",
    "minutes_left",
    "observed_costs",
]

QUERY = "query"  # the pool of CDX, timemap and availability requests
PLAYBACK = "playback"  # the pool of /web/<timestamp>id_/ fetches
DEFAULT_QUERY_RATE = 24.0  # requests a minute: 80 % of the CDX pool's 30
DEFAULT_PLAYBACK_RATE = 480.0  # requests a minute: 80 % of playback's 600
BATCH_SIZE = 100  # lines per batch availability request (InternetArchiveBot's)
MIN_OBSERVED = 20  # answered pairs before this run's own costs are trusted
BUDGET_HELP = "minutes a crawl may spend on archive lookups; the rest stay pending until the next crawl (0: no limit)"
SAVE_HELP = "crawl --save-live saves a live link only when its newest capture is older than this (days)"


class LookupCosts(NamedTuple):
    """Requests per (URL, date) pair, by pool."""

    query: float
    playback: float


FIRST_PASS = LookupCosts(query=2 / BATCH_SIZE + 0.2, playback=1.1)


def observed_costs(answered: int, query_requests: int, playback_requests: int) -> LookupCosts:
    """What a pair cost in this run, or the first-pass costs when too few were answered to tell."""
    if answered < MIN_OBSERVED:
        return FIRST_PASS
    return LookupCosts(query_requests / answered, playback_requests / answered)


def minutes_left(pending: int, costs: LookupCosts, query_rate: float, playback_rate: float) -> float:
    """Roughly how many minutes of lookups `pending` pairs still need at these rates
    (requests a minute); whole batches, the slower pool decides."""
    if pending <= 0:
        return 0.0
    queries = max(math.ceil(pending / BATCH_SIZE), pending * costs.query)
    return max(queries / query_rate, pending * costs.playback / playback_rate)

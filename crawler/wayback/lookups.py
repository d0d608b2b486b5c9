"""Which archive requests answer which lookups: the archive stage's plan, pure.

A lookup is a dead URL and the date of an issue that cites it: each issue's
archival copy points the link at the capture closest before its own date
(what the editor saw), else the closest after; an undated issue gets the
newest. `ArchiveLookups` is told every answer the Wayback spider gets and
says what to ask next (`AskBatch`, `Verify`, `AskIndex`, `AskAvailability`)
and what is settled (`ArchiveLookup`, `CaptureCheck`, `RecentCapture`); the
spider only sends requests and reads answers.

Decisions, per (URL, date) pair:
1. Batch availability first (InternetArchiveBot's way, `pace.BATCH_SIZE`
   lines a request): `closest=before` the end of the issue day, then
   `closest=after` for the pairs with nothing before. One query answers a
   hundred pairs, where the CDX index needs one per URL.
2. The capture offered is verified by one playback fetch, once per distinct
   capture however many pairs it serves; a capture verified in an earlier
   run (good or bad, `CaptureCheck`s from the state) is not fetched again.
3. A pair whose candidate is rejected, that its batch left unanswered, or
   for which availability has nothing at all (before or after) goes to the
   CDX index: one query per URL lists every good capture, and each of the
   URL's pairs takes its closest untried one, up to `MAX_TRIES` fetched
   verifications per pair (past them, only a capture already verified good,
   or being verified for another date, which costs no request). "Nothing at all" is confirmed there because the
   availability API answers falsely empty at times (a capture waiting to be
   indexed, or a flaky lookup), and "no capture" is remembered for 30 days:
   one index query per URL the archive may never have captured is cheap
   insurance against leaving a link dead that has a copy.
4. A batch answered with an error status, something unparseable or no
   answer at all means the endpoint does not work here: batches stop for
   the rest of the run and every open pair goes to the CDX index (logged
   once as a warning; `batch_off` says why). A 429 that outlived its
   retries is the pool's limit, not a broken endpoint: its pairs fail.
5. With batches off, when the index lists nothing for a URL, a single
   availability query per pair: the index can be falsely empty while a
   capture waits to be indexed (with batches on, availability was asked).
Failed means the archive did not answer usefully (429, 5xx, timeout,
unparseable): asked again next run, never remembered as "no capture".

Live links before Save Page Now (`recent`): one `closest=before` line for
today each, batched after the lookups; an unanswered line says nothing.

`before_only` is for what a live page showed before its issue (the drift
baseline, crawler.nightly.drift_rules): only captures up to the end of the
issue day count, so there is no `closest=after` pass, a pair availability
has nothing before for is settled "none" (no index query: the baseline is
asked again months later, and a CDX query per link would cost the query
pool more than the whole batch pass), and a rejected candidate's next one
comes from the index's captures before the date only.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, TypeVar

from crawler.models import ArchiveLookup, CaptureCheck, LookupOutcome, RecentCapture, Snapshot
from crawler.wayback.pace import BATCH_SIZE
from crawler.wayback.protocol import rank_captures, timestamp_of

__all__ = [
    "MAX_TRIES",
    "NOTHING_BEFORE",
    "ArchiveLookups",
    "AskAvailability",
    "AskBatch",
    "AskIndex",
    "Pair",
    "Step",
    "Verify",
]

log = logging.getLogger(__name__)

MAX_TRIES = 3  # fetched verifications per pair before it counts as "no capture"
NO_CAPTURE = "the archive has no capture"
NOTHING_BEFORE = "the archive has no capture before that date"

Pair = tuple[str, date | None]  # a dead URL and the date of an issue citing it (None: undated)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AskBatch:
    """One batch availability request; line i is tagged `str(i)`. `recent` batches
    ask for live links' newest captures, the others for lookups."""

    number: int
    closest: str
    lines: tuple[Pair, ...]
    recent: bool = False

    @property
    def tags(self) -> list[str]:
        return [str(index) for index in range(len(self.lines))]


class Verify(NamedTuple):
    """Fetch `capture` in identity mode and judge whether it shows `url` as cited."""

    url: str
    capture: Snapshot


class AskIndex(NamedTuple):
    """List every good capture of `url` in the CDX index."""

    url: str


class AskAvailability(NamedTuple):
    """Ask the single availability API for the capture of `url` closest to `cited_on`."""

    url: str
    cited_on: date | None


# What an answer leads to: a request to send, or something settled. (Batches come from `next_batch`.)
Step = Verify | AskIndex | AskAvailability | ArchiveLookup | CaptureCheck | RecentCapture


class ArchiveLookups:
    """Where every lookup stands; each method takes one answer and returns the steps it leads to."""

    def __init__(
        self,
        pairs: Iterable[Pair],
        *,
        checks: Iterable[CaptureCheck] = (),
        recent: Iterable[str] = (),
        today: date | None = None,
        batch_size: int = BATCH_SIZE,
        before_only: bool = False,
    ):
        self.before_only = before_only  # captures after the date do not count (see the module docstring)
        self._before: deque[Pair] = deque(dict.fromkeys(pairs))
        self._after: deque[Pair] = deque()
        self._recent: deque[str] = deque(dict.fromkeys(recent))
        self._today = today
        self._size = batch_size
        self._numbers = itertools.count(1)
        self._batches: dict[int, AskBatch] = {}
        self._checks = {(check.url, check.timestamp): check for check in checks}
        self._verifying: dict[tuple[str, str], list[Pair]] = {}
        self._tried: defaultdict[Pair, set[str]] = defaultdict(set)
        self._fetched: defaultdict[Pair, int] = defaultdict(int)
        self._why_not: dict[Pair, str] = {}
        self._index: dict[str, list[Snapshot]] = {}
        self._index_waiting: dict[str, list[Pair]] = {}
        self._asked_availability: set[Pair] = set()
        self.open: set[Pair] = set(self._before)
        self.batch_off = ""  # why batches were given up for this run, if they were

    # Batches.

    def next_batch(self) -> AskBatch | None:
        """The next batch to send, or None while there is none (yet)."""
        if self.batch_off:
            return None
        before_out = any(not b.recent and b.closest == "before" for b in self._batches.values())
        if self._after and (len(self._after) >= self._size or not (self._before or before_out)):
            batch = AskBatch(next(self._numbers), "after", _take(self._after, self._size))
        elif self._before:
            batch = AskBatch(next(self._numbers), "before", _take(self._before, self._size))
        elif self._recent:
            lines = tuple((url, self._today) for url in _take(self._recent, self._size))
            batch = AskBatch(next(self._numbers), "before", lines, recent=True)
        else:
            return None
        self._batches[batch.number] = batch
        return batch

    def batch_answered(self, number: int, answers: Mapping[str, Snapshot | None]) -> list[Step]:
        """A batch's answer, by tag: a capture, None for nothing archived, no tag for unanswered."""
        batch = self._batches.pop(number)
        if batch.recent:
            return [RecentCapture(url, _timestamp(answers[tag])) for tag, (url, _) in _tagged(batch) if tag in answers]
        steps: list[Step] = []
        for tag, pair in _tagged(batch):
            if tag not in answers:
                steps += self._to_index(pair)
            elif (offered := answers[tag]) is not None and not self._too_late(pair, offered):
                steps += self._consider(pair, offered)
            elif self.before_only:
                steps.append(self._done(pair, LookupOutcome.NONE, NOTHING_BEFORE))
            elif batch.closest == "before" and pair[1] is not None:
                self._after.append(pair)
            else:
                steps += self._to_index(pair)  # nothing before nor after: the index confirms
        return steps

    def batch_failed(self, number: int, why: str, *, broken: bool) -> list[Step]:
        """A batch got no usable answer; `broken`: the endpoint does not work, use the index."""
        batch = self._batches.pop(number)
        if batch.recent:
            return []
        if not broken:
            return [self._done(pair, LookupOutcome.FAILED, why) for pair in batch.lines]
        steps = self._give_up_batches(why)
        for pair in batch.lines:
            steps += self._to_index(pair)
        return steps

    def _give_up_batches(self, why: str) -> list[Step]:
        if self.batch_off:
            return []
        self.batch_off = why
        log.warning("batch availability does not work (%s): asking the CDX index for every link instead", why)
        queued = [*self._before, *self._after]
        self._before.clear()
        self._after.clear()
        self._recent.clear()
        return [step for pair in queued for step in self._to_index(pair)]

    # Verifications.

    def verified(self, check: CaptureCheck) -> list[Step]:
        """A verification fetch's verdict, for every pair waiting on that capture."""
        self._checks[check.url, check.timestamp] = check
        if check.served is not None:
            self._checks.setdefault((check.url, check.served.timestamp), check)
        steps: list[Step] = [check]
        for pair in self._verifying.pop((check.url, check.timestamp), []):
            steps += self._judged(pair, check, fetched=True)
        return steps

    def verification_failed(self, url: str, timestamp: str, why: str) -> list[Step]:
        return [self._done(pair, LookupOutcome.FAILED, why) for pair in self._verifying.pop((url, timestamp), [])]

    def _consider(self, pair: Pair, offered: Snapshot) -> list[Step]:
        """A candidate for `pair`: judged at once if known, else verified (once for all who wait)."""
        key = (pair[0], offered.timestamp)
        self._tried[pair].add(offered.timestamp)
        if (check := self._checks.get(key)) is not None:
            return self._judged(pair, check, fetched=False)
        waiting = key in self._verifying
        self._verifying.setdefault(key, []).append(pair)
        return [] if waiting else [Verify(pair[0], offered)]

    def _judged(self, pair: Pair, check: CaptureCheck, *, fetched: bool) -> list[Step]:
        if check.trustworthy:
            return [self._done(pair, LookupOutcome.FOUND, check.reason, check.served)]
        if fetched:
            self._fetched[pair] += 1
        self._why_not[pair] = check.reason
        return self._next_candidate(pair)

    # The CDX index.

    def _to_index(self, pair: Pair) -> list[Step]:
        url = pair[0]
        if url in self._index:
            return self._next_candidate(pair)
        asked = url in self._index_waiting
        self._index_waiting.setdefault(url, []).append(pair)
        return [] if asked else [AskIndex(url)]

    def index_answered(self, url: str, captures: list[Snapshot]) -> list[Step]:
        self._index[url] = captures
        return [step for pair in self._index_waiting.pop(url, []) for step in self._next_candidate(pair)]

    def index_failed(self, url: str, why: str) -> list[Step]:
        return [self._done(pair, LookupOutcome.FAILED, why) for pair in self._index_waiting.pop(url, [])]

    def _next_candidate(self, pair: Pair) -> list[Step]:
        """The pair's next capture from its URL's index listing (asked for first if needed)."""
        url, cited_on = pair
        if url not in self._index:
            return self._to_index(pair)
        for capture in rank_captures(self._index[url], cited_on):
            if self._too_late(pair, capture):
                continue
            key = (url, capture.timestamp)
            if capture.timestamp in self._tried[pair]:
                continue
            if (check := self._checks.get(key)) is not None and not check.trustworthy:
                self._tried[pair].add(capture.timestamp)
                continue
            if check is None and key not in self._verifying and self._fetched[pair] >= MAX_TRIES:
                break  # one more fetch is not worth it; a capture known or being verified costs none
            return self._consider(pair, capture)
        if self.batch_off and not self._index[url] and pair not in self._asked_availability:
            self._asked_availability.add(pair)
            return [AskAvailability(url, cited_on)]
        return [self._done(pair, LookupOutcome.NONE, self._why_not.get(pair, NO_CAPTURE))]

    # The single availability API (fallback mode only).

    def availability_answered(self, pair: Pair, offered: Snapshot | None) -> list[Step]:
        if offered is None or self._too_late(pair, offered):
            return [self._done(pair, LookupOutcome.NONE, NO_CAPTURE)]
        return self._consider(pair, offered)

    def availability_failed(self, pair: Pair, why: str) -> list[Step]:
        return [self._done(pair, LookupOutcome.FAILED, why)]

    def _too_late(self, pair: Pair, capture: Snapshot) -> bool:
        """With `before_only`: a capture made after the day the pair's issue was published."""
        cited_on = pair[1]
        return self.before_only and cited_on is not None and capture.timestamp[:8] > timestamp_of(cited_on)

    def _done(self, pair: Pair, outcome: LookupOutcome, detail: str, snapshot: Snapshot | None = None) -> ArchiveLookup:
        url, cited_on = pair
        self.open.discard(pair)
        log.debug("archive lookup of %s cited on %s: %s (%s)", url, cited_on or "no date", outcome.value, detail)
        return ArchiveLookup(url, outcome, snapshot, detail, cited_on=cited_on)


def _take(queue: deque[T], count: int) -> tuple[T, ...]:
    return tuple(queue.popleft() for _ in range(min(count, len(queue))))


def _tagged(batch: AskBatch) -> zip[tuple[str, Pair]]:
    return zip(batch.tags, batch.lines, strict=True)


def _timestamp(capture: Snapshot | None) -> str | None:
    return None if capture is None else capture.timestamp

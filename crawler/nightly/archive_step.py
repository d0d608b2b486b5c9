"""The nightly crawl's archive step: ask the archive only what is not known, and keep every answer.

Step 4 of `crawler.nightly.crawl`. For every dead link and every date it is
cited on, the state's trusted answer is used (crawler.nightly.answers);
the other (URL, date) pairs are looked up (crawler.fetch.runner, by the plan
of crawler.wayback.lookups), with the captures verified in earlier runs so
none is fetched twice. Answers are stored as they arrive, `ANSWER_BATCH` to
a transaction: a crawl killed or stopped during the lookups keeps them, and
the next one asks only the rest. `--archive-budget` bounds the time spent;
what it leaves is "capture pending" in the reports, with an estimate of the
time it still needs (crawler.wayback.pace).

With `--save-live`, the live links that may lack a recent capture (by the
state: policy.needs_fresh_capture) are asked about in the same run, and
those the archive has nothing recent of are handed back to be saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from scrapy.settings import Settings

from crawler.check.plan import archive_requests
from crawler.config import Config
from crawler.fetch.runner import ArchiveRun, Interruption, lookup_captures
from crawler.models import ArchiveLookup, CaptureCheck, LinkReport, LookupOutcome, RecentCapture, Verdict
from crawler.nightly.policy import needs_fresh_capture
from crawler.nightly.store import StateStore
from crawler.wayback.pace import PLAYBACK, QUERY, minutes_left, observed_costs

__all__ = ["ANSWER_BATCH", "ArchiveStep", "archive_step"]

log = logging.getLogger(__name__)  # archive choices: how many answers are known, asked, pending

ANSWER_BATCH = 10  # archive answers per state transaction: each one cost requests at a slow rate

Item = ArchiveLookup | CaptureCheck | RecentCapture


@dataclass(frozen=True)
class ArchiveStep:
    """What the archive step knows and did: the answers per (URL, date cited), known or new."""

    answers: dict[tuple[str, date | None], ArchiveLookup] = field(default_factory=dict)
    asked: int = 0  # pairs looked up in this run
    pending: int = 0  # pairs whose answer is still unknown
    minutes_left: float = 0.0  # roughly, at the configured rates
    counts: dict[str, int] = field(default_factory=dict)  # requests by pool, 429s, fallback (run counts)
    to_save: list[str] = field(default_factory=list)  # live links with no recent capture
    stopped: str = ""  # why lookups stopped early or never ran: "budget", "interrupted", "off" (--no-archive)


class _AnswerBatches:
    """Stores archive answers in batches as they arrive, one transaction each."""

    def __init__(self, store: StateStore, on_item: Callable[[Item], None] | None) -> None:
        self.store, self.on_item = store, on_item
        self.pending: list[Item] = []

    def add(self, item: Item) -> None:
        self.pending.append(item)
        if len(self.pending) >= ANSWER_BATCH:
            self.flush()
        if self.on_item is not None:
            self.on_item(item)

    def flush(self) -> None:
        if self.pending:
            self.store.archive.record(self.pending)
            self.pending = []


async def archive_step(
    store: StateStore,
    dead: Sequence[LinkReport],
    issue_dates: dict[str, date | None],
    live: Sequence[str],
    settings: Settings,
    config: Config,
    *,
    interruption: Interruption | None = None,
    on_item: Callable[[Item], None] | None = None,
) -> ArchiveStep:
    """Answers for every (dead URL, date cited) pair: known ones from the state, the others
    asked (unless archive lookups are off or the crawl is being stopped); `live` are the
    links to consider for Save Page Now (empty without --save-live)."""
    pairs = archive_requests(dead, frozenset(Verdict), issue_dates)
    known = store.archive.cached(pairs)
    wanted = [pair for pair in pairs if pair not in known]
    recent = store.archive.needing_fresh_capture(live)
    log.debug(
        "%d (link, date) pairs: %d answers known, %d to ask the archive about", len(pairs), len(known), len(wanted)
    )
    if not config.archive or not (wanted or recent) or (interruption is not None and interruption.requested):
        stopped = "" if config.archive else "off"
        return ArchiveStep(
            known, pending=len(wanted), minutes_left=_minutes(len(wanted), config, ArchiveRun()), stopped=stopped
        )
    batches = _AnswerBatches(store, on_item)
    try:
        run = await lookup_captures(
            wanted,
            settings,
            config.archive_endpoint,
            batches.add,
            checks=store.archive.checks(url for url, _ in wanted),
            recent=recent,
            today=store.now().date(),
            budget=timedelta(minutes=config.archive_budget) if config.archive_budget else None,
            interruption=interruption,
        )
    finally:
        batches.flush()
    answers = {**known, **{pair: a for pair, a in run.answers.items() if a.outcome is not LookupOutcome.FAILED}}
    pending = sum(pair not in answers for pair in pairs)
    return ArchiveStep(
        answers,
        asked=len(wanted),
        pending=pending,
        minutes_left=_minutes(pending, config, run),
        counts=_counts(run),
        to_save=_to_save(store, recent, run),
        stopped=run.tally.stopped,
    )


def _counts(run: ArchiveRun) -> dict[str, int]:
    """The run's archive counts, in the run-count words the reports translate."""
    tally = run.tally
    counts = {f"archive_{pool}_requests": tally.requests[pool] for pool in (QUERY, PLAYBACK)}
    counts |= {f"archive_{pool}_429s": tally.refused[pool] for pool in (QUERY, PLAYBACK) if tally.refused[pool]}
    if tally.batch_off:
        counts["archive_batch_fallback"] = 1
    return counts


def _minutes(pending: int, config: Config, run: ArchiveRun) -> float:
    answered = len(run.answers)
    costs = observed_costs(answered, run.tally.requests[QUERY], run.tally.requests[PLAYBACK])
    return minutes_left(pending, costs, config.archive_rate, config.archive_playback_rate)


def _to_save(store: StateStore, asked: Sequence[str], run: ArchiveRun) -> list[str]:
    """The live links the archive named no recent capture of, in the order asked
    (unanswered ones are left for next time)."""
    now = store.now()
    newest = {url: recent.timestamp for url, recent in run.recent.items()}
    return [url for url in asked if url in newest and needs_fresh_capture(newest[url], None, now, store.policy)]

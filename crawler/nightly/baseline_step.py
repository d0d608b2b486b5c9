"""The nightly crawl's drift steps: what old links showed before their issue, and which pages drifted.

After the dead links' archive step (crawler.nightly.archive_step), the crawl
looks up the "then" of live links older than rotwatch's memory
(`baseline_step`), then judges every live link's page against its "then"
(`drifts`) and notes in the state when a link turns drifted or stops
(`record_drifts`); the view asks `drifts` again, so the reports, the diff
and the archival copies read one judgement (crawler.nightly.drift_rules).

Capture lookups (`baseline_step`):
- Which links: live ones with a page now whose first check proves nothing
  about their issue (`drift_rules.needs_capture`); one lookup per link, for the earliest
  issue citing it, oldest issues first, so a budget that runs out leaves
  the newest links, whose first check is nearest their issue, for later.
- How: the dead links' machinery in `before_only` mode
  (crawler.wayback.lookups): batch availability with `closest=before`, an
  `id_` playback fetch verified by the same rules (no error, parked,
  bot-challenge or home-page capture), and the page of the capture kept
  (`crawler.fetch.runner.lookup_baselines`, through Scrapy). Every answer
  is stored as it arrives, `ANSWER_BATCH` to a transaction, so a stopped
  or killed crawl keeps what it learned.
- Budget: `--archive-budget` bounds the dead links' lookups and these
  together: this step gets what step 4 left (`remaining_budget`), and with
  nothing left it waits for the next night. A night asks for at most
  `BASELINES_PER_NIGHT` links (the oldest, `WantedBaselines`): the first
  crawl of a million-link archive would otherwise hold a million pairs and
  ask the archive for days (1.1 playbacks a link at 480 a minute is 38
  hours); the rest are counted pending and asked on the nights after. The requests it sends are added
  to the run's archive counts; `drift_baselines` counts the links asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from scrapy.settings import Settings

from crawler.check.drift import fingerprint
from crawler.check.urls import is_http_url
from crawler.config import Config
from crawler.fetch.runner import BaselineItem, Interruption, lookup_baselines
from crawler.models import ArchiveLookup, CaptureCheck, Drift, LinkReport, LookupOutcome
from crawler.nightly.archive_step import ANSWER_BATCH
from crawler.nightly.drift_rules import LIVE, Baseline, BaselineSource, drift_of, earliest_cited, needs_capture
from crawler.nightly.store import StateStore
from crawler.spiders.wayback import CapturePage
from crawler.wayback.pace import PLAYBACK, QUERY
from crawler.wayback.protocol import playback_url

__all__ = [
    "BASELINES_PER_NIGHT",
    "BaselineStep",
    "WantedBaselines",
    "baseline_step",
    "drifts",
    "live_cited",
    "record_drifts",
    "remaining_budget",
]

log = logging.getLogger(__name__)  # archive choices: how many baselines are known, asked, pending

Pair = tuple[str, date | None]

BASELINES_PER_NIGHT = 20_000  # links a night asks the "then" of: about 46 minutes of playbacks at 480 a minute


@dataclass(frozen=True)
class BaselineStep:
    """What the baseline lookups did: links asked, settled, still pending, and their requests."""

    asked: int = 0
    settled: int = 0
    pending: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # requests by pool (run counts)
    stopped: str = ""  # "budget", "interrupted", "off" (--no-archive), or ""


def remaining_budget(config: Config, spent: timedelta) -> timedelta | None:
    """What `--archive-budget` leaves after `spent` (never below zero); None: no limit."""
    if not config.archive_budget:
        return None
    return max(timedelta(minutes=config.archive_budget) - spent, timedelta(0))


class _Baselines:
    """Turns the lookups' items into baselines and stores them in batches, one transaction each."""

    def __init__(self, store: StateStore, endpoint: str) -> None:
        self.store, self.endpoint = store, endpoint
        self.pending: list[Baseline | CaptureCheck] = []
        self.settled = 0

    def add(self, item: BaselineItem) -> None:
        now = self.store.now()
        if isinstance(item, CapturePage):
            self.pending.append(self._found(item, now))
        elif isinstance(item, CaptureCheck):
            self.pending.append(item)
        elif isinstance(item, ArchiveLookup) and item.outcome is LookupOutcome.NONE:
            self.pending.append(Baseline(item.url, BaselineSource.CAPTURE, None, None, now))
        if len(self.pending) >= ANSWER_BATCH:
            self.flush()

    def _found(self, item: CapturePage, now: datetime) -> Baseline:
        kept = None if item.page is None else fingerprint(item.page)
        capture = playback_url(self.endpoint, item.capture)
        day = date.fromisoformat(item.capture.captured_on)
        log.debug("drift baseline of %s: capture %s titled %r", item.url, capture, kept.title if kept else None)
        return Baseline(item.url, BaselineSource.CAPTURE, kept, day, now, capture)

    def flush(self) -> None:
        if not self.pending:
            return
        baselines = [item for item in self.pending if isinstance(item, Baseline)]
        self.settled += len(baselines)
        self.store.baselines.record(baselines)
        self.store.archive.record(item for item in self.pending if isinstance(item, CaptureCheck))
        self.pending = []


def live_cited(reports: Sequence[LinkReport], issue_dates: Mapping[str, date | None]) -> dict[str, date | None]:
    """The live links among `reports`, each with the earliest date an issue cites it on."""
    return {report.url: _earliest(report, issue_dates) for report in reports if _live(report)}


class WantedBaselines:
    """The oldest `limit` live links whose "then" must come from the archive, gathered a chunk of
    reports at a time with at most twice `limit` held; `total` counts every one found."""

    def __init__(self, store: StateStore, limit: int = BASELINES_PER_NIGHT) -> None:
        self.store, self.limit, self.total = store, limit, 0
        self._oldest: list[Pair] = []

    def add(self, cited: Mapping[str, date | None]) -> None:
        """The live links of a chunk (`live_cited`): those needing a capture are kept, oldest first."""
        with_page = self.store.baselines.fingerprints(cited)
        known = self.store.baselines.known(with_page)
        wanted = [(url, cited[url]) for url in with_page if needs_capture(known.get(url), cited[url])]
        self.total += len(wanted)
        self._oldest += wanted
        if len(self._oldest) > 2 * self.limit:
            self._oldest = self.oldest()

    def oldest(self) -> list[Pair]:
        """Tonight's share, oldest issues first."""
        return sorted(self._oldest, key=lambda pair: (pair[1] or date.max, pair[0]))[: self.limit]


async def baseline_step(
    store: StateStore,
    needed: WantedBaselines,
    settings: Settings,
    config: Config,
    *,
    budget: timedelta | None = None,
    interruption: Interruption | None = None,
) -> BaselineStep:
    """Looks up and stores the capture baselines the live links need (see the module);
    `budget` is what the archive budget leaves (None: no limit)."""
    wanted = needed.oldest()
    log.debug("%d live links need the archive's capture before their issue, %d asked", needed.total, len(wanted))
    stopped = _why_not(config, budget, interruption) if wanted else ""
    if not wanted or stopped:
        return BaselineStep(pending=needed.total, stopped=stopped)
    batches = _Baselines(store, config.archive_endpoint)
    try:
        run = await lookup_baselines(
            wanted, settings, config.archive_endpoint, batches.add, budget=budget, interruption=interruption
        )
    finally:
        batches.flush()
    settled = sum(answer.outcome is not LookupOutcome.FAILED for answer in run.answers.values())
    counts = {f"archive_{pool}_requests": run.tally.requests[pool] for pool in (QUERY, PLAYBACK)}
    counts["drift_baselines"] = len(wanted)
    return BaselineStep(len(wanted), settled, needed.total - settled, counts, run.tally.stopped)


def _why_not(config: Config, budget: timedelta | None, interruption: Interruption | None) -> str:
    """Why no lookup is sent tonight, "" when they are."""
    if not config.archive:
        return "off"
    if interruption is not None and interruption.requested:
        return "interrupted"
    if budget is not None and budget <= timedelta(0):
        log.debug("archive budget spent by the dead links: drift baselines wait for the next night")
        return "budget"
    return ""


def drifts(
    store: StateStore, reports: Sequence[LinkReport], issue_dates: Mapping[str, date | None]
) -> dict[str, Drift | None]:
    """Each link's drift (None: not drifted, or not judged), by `drift_rules.drift_of`.

    Only the links whose page differs from their baseline are judged: `drift_of` finds no
    drift without a page now or a "then" to compare it with, nor between a page and itself.
    """
    changed = store.baselines.changed(report.url for report in reports)
    return {
        report.url: (
            drift_of(report.assessment.verdict, *changed[report.url], _earliest(report, issue_dates))
            if report.url in changed
            else None
        )
        for report in reports
    }


def record_drifts(store: StateStore, judged: Mapping[str, Drift | None]) -> None:
    """Notes tonight's judgement in the state (`drifted_since`), for the run's diff."""
    store.baselines.judged({url: drift is not None for url, drift in judged.items()})


def _live(report: LinkReport) -> bool:
    return report.assessment.verdict in LIVE and is_http_url(report.url)


def _earliest(report: LinkReport, issue_dates: Mapping[str, date | None]) -> date | None:
    return earliest_cited(issue_dates.get(occurrence.issue) for occurrence in report.occurrences)

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

Then the further archives (`Config.further_archives`, through Memento:
crawler.spiders.memento): every pair whose Wayback answer is "none", fresh
or remembered, and that the stored answer says they were not asked about
(crawler.wayback.archives.still_to_ask), in the same budget and with the
same stopping. Their answers are stored as they come: a capture with its
archive's name and memento URL; a "none" naming every archive that said
it (trusted as long as the Wayback Machine's, crawler.nightly.answers);
a failure (429, CAPTCHA, no answer) not at all. Until the further archives
have answered, the pair is "capture pending", not "none". Their requests
and 429s are counted per archive in the run counts (`memento_<name>_requests`,
`memento_<name>_429s`, and `memento_lookups` pairs asked).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from scrapy.settings import Settings

from crawler.check.plan import archive_requests
from crawler.config import Config
from crawler.fetch.runner import ArchiveRun, Interruption, lookup_captures
from crawler.models import ArchiveLookup, CaptureCheck, LinkReport, LookupOutcome, RecentCapture, Verdict
from crawler.nightly.policy import needs_fresh_capture
from crawler.nightly.store import StateStore
from crawler.spiders.memento import lookup_mementos
from crawler.spiders.wayback import ArchiveTally
from crawler.wayback.archives import MementoArchive, asked_text, further_lookups, minutes_to_ask, still_to_ask
from crawler.wayback.pace import PLAYBACK, QUERY, minutes_left, observed_costs

__all__ = ["ANSWER_BATCH", "ArchiveStep", "archive_step", "settled_answers"]

log = logging.getLogger(__name__)  # archive choices: how many answers are known, asked, pending

ANSWER_BATCH = 10  # archive answers per state transaction: each one cost requests at a slow rate

Item = ArchiveLookup | CaptureCheck | RecentCapture
Pair = tuple[str, date | None]


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
    asked_further: int = 0  # pairs looked up in the further archives in this run


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
    further = config.memento_archives
    log.debug(
        "%d (link, date) pairs: %d answers known, %d to ask the archive about", len(pairs), len(known), len(wanted)
    )
    if not config.archive or (interruption is not None and interruption.requested):
        settled = settled_answers(known, further)
        stopped = "" if config.archive else "off"
        pending = len(pairs) - len(settled)
        return ArchiveStep(
            settled, pending=pending, minutes_left=_minutes(len(wanted), config, ArchiveRun()), stopped=stopped
        )
    batches = _AnswerBatches(store, on_item)
    started = time.monotonic()
    budget = timedelta(minutes=config.archive_budget) if config.archive_budget else None
    try:
        run = ArchiveRun()
        if wanted or recent:
            run = await lookup_captures(
                wanted,
                settings,
                config.archive_endpoint,
                batches.add,
                checks=store.archive.checks(url for url, _ in wanted),
                recent=recent,
                today=store.now().date(),
                budget=budget,
                interruption=interruption,
            )
        answers = {**known, **{pair: a for pair, a in run.answers.items() if a.outcome is not LookupOutcome.FAILED}}
        left = None if budget is None else budget.total_seconds() - (time.monotonic() - started)
        memento = await _ask_further(answers, further, settings, batches, left, run.tally, interruption)
    finally:
        batches.flush()
    answers |= memento.answers
    settled = settled_answers(answers, further)
    pending = sum(pair not in settled for pair in pairs)
    waiting = sum(pair in answers and pair not in settled for pair in pairs)
    return ArchiveStep(
        settled,
        asked=len(wanted),
        pending=pending,
        minutes_left=_minutes(pending - waiting, config, run) + minutes_to_ask(waiting, further),
        counts=_counts(run) | _memento_counts(memento),
        to_save=_to_save(store, recent, run),
        stopped=run.tally.stopped or memento.tally.stopped,
        asked_further=memento.asked,
    )


def settled_answers(
    answers: Mapping[Pair, ArchiveLookup], further: Sequence[MementoArchive]
) -> dict[Pair, ArchiveLookup]:
    """The answers the reports may show: all but a "none" that a further archive was not asked about
    (that capture is pending)."""
    return {
        pair: answer
        for pair, answer in answers.items()
        if answer.outcome is not LookupOutcome.NONE or not still_to_ask(answer.archive, further)
    }


@dataclass
class _FurtherRun:
    """What the further archives answered in this run (failures left out), and what it cost."""

    answers: dict[Pair, ArchiveLookup] = field(default_factory=dict)
    tally: ArchiveTally = field(default_factory=ArchiveTally)
    asked: int = 0


async def _ask_further(
    answers: Mapping[Pair, ArchiveLookup],
    further: Sequence[MementoArchive],
    settings: Settings,
    batches: _AnswerBatches,
    seconds_left: float | None,
    wayback: ArchiveTally,
    interruption: Interruption | None,
) -> _FurtherRun:
    """Asks the further archives about each "none" they were not asked about, grouped by the
    archives still to ask (the same for all unless the configuration changed), within the budget."""
    done = _FurtherRun()
    started = time.monotonic()
    for archives, pairs in further_lookups(answers, further).items():
        left = None if seconds_left is None else seconds_left - (time.monotonic() - started)
        if wayback.stopped or (left is not None and left <= 0) or (interruption and interruption.requested):
            done.tally.stopped = done.tally.stopped or wayback.stopped or "budget"
            break
        log.debug("asking %s about %d (link, date) pairs", ", ".join(a.name for a in archives), len(pairs))

        def store(lookup: ArchiveLookup, asked_before: Mapping[Pair, ArchiveLookup] = answers) -> None:
            if lookup.outcome is LookupOutcome.NONE:  # it says which archives have nothing, Wayback's included
                before = asked_before[lookup.url, lookup.cited_on].archive
                lookup = replace(lookup, archive=asked_text([*before.split(", "), *lookup.archive.split(", ")]))
            if lookup.outcome is not LookupOutcome.FAILED:
                done.answers[lookup.url, lookup.cited_on] = lookup
            batches.add(lookup)

        done.asked += len(pairs)
        await lookup_mementos(
            pairs, settings, archives, store, budget=max(left or 0.0, 0.0), tally=done.tally, interruption=interruption
        )
    return done


def _counts(run: ArchiveRun) -> dict[str, int]:
    """The run's archive counts, in the run-count words the reports translate."""
    tally = run.tally
    counts = {f"archive_{pool}_requests": tally.requests[pool] for pool in (QUERY, PLAYBACK)}
    counts |= {f"archive_{pool}_429s": tally.refused[pool] for pool in (QUERY, PLAYBACK) if tally.refused[pool]}
    if tally.batch_off:
        counts["archive_batch_fallback"] = 1
    return counts


def _memento_counts(further: _FurtherRun) -> dict[str, int]:
    """The further archives' counts: pairs asked, requests and 429s per archive."""
    counts = {"memento_lookups": further.asked} if further.asked else {}
    counts |= {f"memento_{name}_requests": n for name, n in further.tally.requests.items()}
    return counts | {f"memento_{name}_429s": n for name, n in further.tally.refused.items() if n}


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

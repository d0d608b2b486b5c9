"""The nightly crawl: check what is due, remember it, mend what is dead, report.

One crawl, in order:
  1. extract links from the issues, one request per unique URL (crawler.check.plan);
  2. ask the state database which URLs are due tonight (crawler.nightly.store,
     by the rules of crawler.nightly.policy);
  3. check those with the link spider, storing results in batches as they
     arrive, so a crawl killed at any moment leaves a consistent database;
  4. look the dead links up in the archive, one capture per date each is
     cited on, unless the state already knows the answer (a verified capture
     is kept for good), storing answers as they arrive
     (crawler.nightly.archive_step);
  4b. look up, within what the archive budget left, what old live links
     showed before their issue, and judge every live link's page against
     its "then" (content drift: crawler.nightly.baseline_step);
  5. write the archival copy of every issue (crawler.wayback.rewrite) and the
     reports (crawler.report), then mark the run finished; drifted links
     that `drift_rewrite` mends are pointed at their capture too.
`rebuild_reports` does steps 1 and 5 from the state alone, with no network.

A crawl stopped by SIGINT or SIGTERM (`Interruption`) stops its spider at the
next result, stores what it got, skips the lookups it did not reach, and
still writes every report with what is known (dead links whose capture is
not known yet read "capture pending"); the run is left without an end, as a
killed one, so the next finished run reports its news (crawler.nightly.store).

Which links are dead is decided in one place, `crawler.nightly.policy.is_dead`:
step 4 asks it of the links' histories, and the view that step 5's copies
and reports read asks it again of the same facts. Scheduling is traced at
DEBUG: here how many links are due and how many dead ones need the archive;
in crawler.nightly.store why each link is due and when one turns dead.

An offline machine must leave the state as it was: the command line asks
the canary host (crawler.fetch.canary) before it opens the state, and
`crawl` asks it again when no result of the night got past DNS, recording
nothing and raising OfflineError if it still does not resolve.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from scrapy.settings import Settings

from crawler.config import Config
from crawler.errors import OfflineError
from crawler.fetch.canary import names_resolve, offline_message
from crawler.fetch.runner import Interruption, nightly_settings, stream_checks
from crawler.issues.reading import Issue
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CheckResult,
    Drift,
)
from crawler.nightly.archive_step import Item, archive_step
from crawler.nightly.baseline_step import BaselineStep, baseline_step, remaining_budget
from crawler.nightly.drift_rules import DriftRewrite
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.results import ResultBatches
from crawler.nightly.store import StateStore
from crawler.nightly.stored_reports import ReportedLinks, StoredReports
from crawler.nightly.view import CrawlView
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.sorted_rows import SortedLines, SortFile
from crawler.wayback.copies import write_archive_copies
from crawler.wayback.pace import FIRST_PASS, minutes_left

__all__ = ["CrawlOutcome", "crawl", "rebuild_reports"]

log = logging.getLogger(__name__)  # scheduling: how many links are due, how many dead ones need the archive


@dataclass(frozen=True)
class CrawlOutcome:
    """What a crawl did and wrote."""

    view: CrawlView
    written: list[Path]
    checked: int
    looked_up: int  # (link, date) pairs asked of the archive
    pending: int = 0  # (link, date) pairs whose capture is not known yet
    minutes_left: float = 0.0  # roughly, what the pending lookups need at the configured rates
    to_save: list[str] = field(default_factory=list)  # live links for Save Page Now (--save-live)
    stopped: str = ""  # "interrupted" (SIGINT/SIGTERM), "budget" (--archive-budget spent), "off" (--no-archive)


async def crawl(
    store: StateStore,
    plan: PlanSpool,
    issues: Sequence[Issue],
    settings: Settings,
    config: Config,
    reports_dir: Path,
    *,
    full: bool = False,
    lang: str = "en",
    on_result: Callable[[CheckResult], None] | None = None,
    on_lookup: Callable[[Item], None] | None = None,
    on_due: Callable[[int], None] | None = None,
    save_live: bool = False,
    interruption: Interruption | None = None,
) -> CrawlOutcome:
    """One nightly crawl over `plan` (runs inside the reactor), in the module's steps;
    `on_due` is told how many URLs it checks."""
    # 1. One request per unique URL: `plan`, spooled as the issues were read.
    # 2. What is due tonight.
    run = store.begin_run({"config": config.__dict__, "full": full})
    due = 0
    for urls in plan.urls():
        store.record_sightings(run.id, urls)
        tonight = store.due_urls(urls, full=full)
        plan.mark_due(tonight)
        due += len(tonight)
    log.debug("run %d: %d of %d links due%s", run.id, due, len(plan), " (full)" if full else "")
    if on_due:
        on_due(due)

    # 3. Check them, storing results in batches as they arrive (the state keeps them, not the crawl).
    batches = ResultBatches(store, run.id, on_result, config.site_rules)
    if due:
        await stream_checks(plan.due_in_order(), nightly_settings(settings), batches.add, interruption)
    if batches.look_offline() and not await names_resolve(config.canary, settings):
        raise OfflineError(offline_message(config.canary, "nothing was recorded; run again later"))
    batches.flush()

    # 4. Look the dead links up in the archive, unless their answer is known.
    issue_dates = _issue_dates(issues)
    stored = StoredReports(store, plan, batches.kept, config.site_rules)
    first = stored.first_pass(save_live, issue_dates, archive=config.archive)
    started = time.monotonic()
    step = await archive_step(
        store, first.dead, issue_dates, first.live, settings, config, interruption=interruption, on_item=on_lookup
    )
    # 4b. Drift: the "then" of old live links (within what the archive budget left), tonight's judgement.
    budget = remaining_budget(config, timedelta(seconds=time.monotonic() - started))
    baselines = (
        await baseline_step(store, first.baselines, settings, config, budget=budget, interruption=interruption)
        if first.baselines is not None
        else BaselineStep(stopped="off")
    )
    verdicts = first.verdicts
    del first  # its dead links' reports: the view holds its own, and at a million links they are 100 MB
    drifted = stored.judge_drifts(issue_dates)

    # 5. Archival copies and reports, then the run is finished (unless it was stopped).
    stopped = "interrupted" if interruption is not None and interruption.requested else step.stopped
    run_counts = {
        "issues": len(issues),
        "checked": batches.count,
        "reused": len(plan) - batches.count,
        "archive_lookups": step.asked,
        **_added(step.counts, baselines.counts),
        **({"captures_pending": step.pending} if step.pending else {}),
        **({"drift_baselines_pending": baselines.pending} if baselines.pending and config.archive else {}),
    }
    view = _view(store, plan, batches.kept, step.answers, issues, run.id, config, store.now(), run_counts, drifted)
    written = _write_outputs(view, issues, config, reports_dir, lang)
    if stopped != "interrupted":
        store.finish_run(run.id, {verdict.value: n for verdict, n in verdicts.items()})
    checked = batches.count
    return CrawlOutcome(view, written, checked, step.asked, step.pending, step.minutes_left, step.to_save, stopped)


def rebuild_reports(
    store: StateStore,
    plan: PlanSpool,
    issues: Sequence[Issue],
    config: Config,
    reports_dir: Path,
    *,
    lang: str = "en",
) -> CrawlOutcome:
    """All reports and archival copies again, from the state alone (no network)."""
    last = store.latest_run()
    view = _view(store, plan, {}, None, issues, last.id if last else 0, config, store.now(), {})
    written = _write_outputs(view, issues, config, reports_dir, lang)  # first: its reading builds the view
    pending = view.figures.captures_pending
    minutes = minutes_left(pending, FIRST_PASS, config.archive_rate, config.archive_playback_rate)
    return CrawlOutcome(view, written, 0, 0, pending, minutes)


# Step 5.


def _view(
    store: StateStore,
    plan: PlanSpool,
    kept: Mapping[str, tuple[CheckResult, Assessment]],
    answers: Mapping[tuple[str, date | None], ArchiveLookup] | None,
    issues: Sequence[Issue],
    run_id: int,
    config: Config,
    generated_at: datetime,
    run_counts: Mapping[str, int],
    drifted: Mapping[str, Drift | None] | None = None,
) -> CrawlView:
    """The view of every cited URL from its last check stored (or `kept`); each dead
    link with its capture per date cited (`answers`, else the state's); each live link
    with its drift (`drifted`, else judged from the state): `ReportedLinks`, which the
    view reads once and the outputs over every link read again."""
    issue_dates = _issue_dates(issues)
    stored = StoredReports(store, plan, kept, config.site_rules)
    links = ReportedLinks(stored, issue_dates, config.archive_endpoint, config.memento_archives, answers, drifted)
    with ThreadPoolExecutor(1) as pool:  # both in SQLite, which lets go of the GIL: side by side
        grouped = pool.submit(plan.link_count)  # a plan is grouped once, when first asked (crawler.nightly.plan_spool)
        diff = store.diff(run_id)
        grouped.result()
    spool = SortFile()  # the held links' sorts share its file and page cache; gone with the view
    titles = _issue_titles(issues)
    return CrawlView(links, {}, issue_dates, diff, generated_at, run_counts, titles, lambda: SortedLines(spool))


def _write_outputs(
    view: CrawlView, issues: Sequence[Issue], config: Config, reports_dir: Path, lang: str
) -> list[Path]:
    """The reports and the archival copies (the view's dead links pointed at captures); their
    paths, copies first. The copies are written while index.html is (by a worker at scale):
    report.json's reading of every link, first, builds the view they read."""
    copies: list[Path] = []

    def write_copies() -> None:
        rewritten = view.rewritten_reports(DriftRewrite(config.drift_rewrite))
        copies.extend(write_archive_copies(issues, rewritten, config.archive_endpoint, reports_dir / "archive"))

    reports = write_crawl_reports(view, reports_dir, lang=lang, meanwhile=write_copies)
    return copies + reports


def _added(counts: Mapping[str, int], more: Mapping[str, int]) -> dict[str, int]:
    """Two steps' run counts, summed key by key (the first step's keys first)."""
    return {key: counts.get(key, 0) + more.get(key, 0) for key in [*counts, *(k for k in more if k not in counts)]}


def _issue_dates(issues: Sequence[Issue]) -> dict[str, date | None]:
    return {issue.name: issue.published for issue in issues}


def _issue_titles(issues: Sequence[Issue]) -> dict[str, str]:
    """Each issue's first top-level heading, the name an editor knows it by."""
    return {issue.name: issue.title for issue in issues if issue.title}

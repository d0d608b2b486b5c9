"""The nightly crawl: check what is due, remember it, mend what is dead, report.

One crawl, in order:
  1. extract links from the issues, one request per unique URL (crawler.check.plan);
  2. ask the state database which URLs are due tonight (crawler.nightly.store,
     by the rules of crawler.nightly.policy);
  3. check those with the link spider, storing results in batches as they
     arrive, so a crawl killed at any moment leaves a consistent database;
  4. look the dead links up in the archive, unless the state already knows
     the answer (a verified capture is kept for good);
  5. write the archival copy of every issue (crawler.wayback.rewrite) and the
     reports (crawler.report), then mark the run finished.
`rebuild_reports` does steps 1 and 5 from the state alone, with no network.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from scrapy.settings import Settings

from crawler.check.classify import assess
from crawler.check.plan import (
    CheckPlan,
    archive_requests,
    build_reports,
    looks_offline,
    plan_checks,
    resolved_a_name,
    with_captures,
)
from crawler.check.site_rules import SiteRule
from crawler.config import Config
from crawler.errors import OfflineError
from crawler.fetch.canary import names_resolve, offline_message
from crawler.fetch.runner import check_urls, lookup_captures
from crawler.issues.reading import Issue
from crawler.models import ArchiveLookup, Assessment, CheckResult, LinkOccurrence, LinkReport, Verdict
from crawler.nightly.policy import is_dead
from crawler.nightly.store import StateStore
from crawler.nightly.view import CrawlView, as_reported
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.summary import count_by_verdict
from crawler.wayback.copies import write_archive_copies

__all__ = ["CrawlOutcome", "crawl", "rebuild_reports"]

log = logging.getLogger(__name__)  # scheduling: how many links are due, how many dead ones need the archive

RESULT_BATCH = 50  # results per state transaction


@dataclass(frozen=True)
class CrawlOutcome:
    """What a crawl did and wrote."""

    view: CrawlView
    written: list[Path]
    checked: int
    looked_up: int


async def crawl(
    store: StateStore,
    occurrences: Sequence[LinkOccurrence],
    issues: Sequence[Issue],
    settings: Settings,
    config: Config,
    reports_dir: Path,
    *,
    full: bool = False,
    lang: str = "en",
    on_result: Callable[[CheckResult], None] | None = None,
    on_lookup: Callable[[ArchiveLookup], None] | None = None,
    on_due: Callable[[int], None] | None = None,
) -> CrawlOutcome:
    """One nightly crawl over `occurrences` (runs inside the reactor), in the module's steps;
    `on_due` is told how many URLs it checks."""
    # 1. One request per unique URL.
    plan = plan_checks(occurrences, config.exclude_patterns)

    # 2. What is due tonight.
    run = store.begin_run({"config": config.__dict__, "full": full})
    store.record_sightings(run.id, plan.to_fetch)
    due = store.due_urls(plan.to_fetch, full=full)
    log.debug("run %d: %d of %d links due%s", run.id, len(due), len(plan.to_fetch), " (full)" if full else "")
    if on_due:
        on_due(len(due))

    # 3. Check them, storing results in batches as they arrive.
    batches = _ResultBatches(store, run.id, on_result, config.site_rules)
    results = await check_urls(due, settings, batches.add) if due else {}
    if batches.look_offline() and not await names_resolve(config.canary, settings):
        raise OfflineError(offline_message(config.canary, "nothing was recorded; run again later"))
    batches.flush()

    # 4. Look the dead links up in the archive, unless their answer is known.
    earlier = store.last_results(u for u in plan.to_fetch if u not in results)
    first_pass = build_reports(plan, results, earlier, rules=config.site_rules)
    wanted, lookups = _dead_wanting_lookup(store, first_pass, issues)
    if wanted and config.archive:
        found = await lookup_captures(wanted, settings, config.archive_endpoint, on_lookup)
        store.record_lookups(found.values())
        lookups = {**lookups, **found}

    # 5. Archival copies and reports, then the run is finished.
    looked_up = len(wanted) if config.archive else 0
    run_counts = {
        "issues": len(issues),
        "checked": len(results),
        "reused": len(plan.to_fetch) - len(results),
        "archive_lookups": looked_up,
    }
    view = _view(store, plan, results, lookups, issues, run.id, config, store.now(), run_counts)
    written = _write_outputs(view, issues, config, reports_dir, lang)
    store.finish_run(run.id, {verdict.value: n for verdict, n in count_by_verdict(first_pass).items()})
    return CrawlOutcome(view, written, len(results), looked_up)


def rebuild_reports(
    store: StateStore,
    occurrences: Sequence[LinkOccurrence],
    issues: Sequence[Issue],
    config: Config,
    reports_dir: Path,
    *,
    lang: str = "en",
) -> CrawlOutcome:
    """All reports and archival copies again, from the state alone (no network)."""
    plan = plan_checks(occurrences, config.exclude_patterns)
    last = store.latest_run()
    lookups = store.cached_lookups(plan.to_fetch)
    view = _view(store, plan, {}, lookups, issues, last.id if last else 0, config, store.now(), {})
    return CrawlOutcome(view, _write_outputs(view, issues, config, reports_dir, lang), 0, 0)


# Step 3.


class _ResultBatches:
    """Collects check results and stores them in batches, one transaction each.

    Nothing is stored until some result shows that names resolve: on a night
    the machine has no DNS, every link would otherwise turn dead at once.
    """

    def __init__(
        self,
        store: StateStore,
        run_id: int,
        on_result: Callable[[CheckResult], None] | None,
        rules: Sequence[SiteRule] | None = None,
    ):
        self.store, self.run_id, self.on_result, self.rules = store, run_id, on_result, rules
        self.pending: list[tuple[CheckResult, Assessment]] = []
        self.online = False

    def add(self, result: CheckResult) -> None:
        self.pending.append((result, assess(result, self.rules)))
        self.online = self.online or resolved_a_name(result)
        if self.online and len(self.pending) >= RESULT_BATCH:
            self.flush()
        if self.on_result:
            self.on_result(result)

    def look_offline(self) -> bool:
        """No result so far got past DNS, and there are enough to say so (`looks_offline`)."""
        return not self.online and looks_offline([result for result, _ in self.pending])

    def flush(self) -> None:
        if self.pending:
            self.store.record_results(self.run_id, self.pending)
            self.pending = []


# Step 4.


def _dead_wanting_lookup(
    store: StateStore, reports: Sequence[LinkReport], issues: Sequence[Issue]
) -> tuple[list[tuple[str, date | None]], dict[str, ArchiveLookup]]:
    """(URL, date) pairs the archive must be asked about, and the answers already known."""
    histories = store.histories(report.url for report in reports)
    dead = [report for report in reports if is_dead(report.assessment.verdict, histories.get(report.url))]
    known = store.cached_lookups(report.url for report in dead)
    wanted = archive_requests([r for r in dead if r.url not in known], frozenset(Verdict), _issue_dates(issues))
    log.debug("%d dead links: %d answers known, %d to ask the archive about", len(dead), len(known), len(wanted))
    return wanted, known


# Step 5.


def _view(
    store: StateStore,
    plan: CheckPlan,
    results: Mapping[str, CheckResult],
    lookups: Mapping[str, ArchiveLookup],
    issues: Sequence[Issue],
    run_id: int,
    config: Config,
    generated_at: datetime,
    run_counts: Mapping[str, int],
) -> CrawlView:
    """Reports for every cited URL: fresh results, else the last ones stored."""
    urls = list(plan.to_fetch)
    earlier = store.last_results([url for url in urls if url not in results])
    histories = store.histories(urls)
    reports = build_reports(plan, results, earlier, rules=config.site_rules)
    reports = [as_reported(report, histories.get(report.url)) for report in reports]
    return CrawlView(
        reports=with_captures(reports, lookups, config.archive_endpoint),
        histories=histories,
        issue_dates=_issue_dates(issues),
        diff=store.diff(run_id),
        generated_at=generated_at,
        run_counts=dict(run_counts),
        issue_titles=_issue_titles(issues),
    )


def _write_outputs(
    view: CrawlView, issues: Sequence[Issue], config: Config, reports_dir: Path, lang: str
) -> list[Path]:
    """The archival copies (the view's dead links pointed at captures), then the reports."""
    written = write_archive_copies(issues, view.dead_reports(), config.archive_endpoint, reports_dir / "archive")
    return written + write_crawl_reports(view, reports_dir, lang=lang)


def _issue_dates(issues: Sequence[Issue]) -> dict[str, date | None]:
    return {issue.name: issue.published for issue in issues}


def _issue_titles(issues: Sequence[Issue]) -> dict[str, str]:
    """Each issue's first top-level heading, the name an editor knows it by."""
    titles = {}
    for issue in issues:
        heading = next((line[2:].strip() for line in issue.text.splitlines() if line.startswith("# ")), "")
        if heading:
            titles[issue.name] = heading
    return titles

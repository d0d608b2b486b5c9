"""`rotwatch crawl`, `report`, `history` and `demo`: the nightly job and its state database.

The terminal summary leads with what changed overnight (newly dead, fixed,
still dead), then the counts (the archive's requests by pool and its 429s),
the captures still pending with roughly how long they need at the configured
rates, and where the reports are. A crawl first looks up the canary host
(crawler.fetch.canary), before the state database is even opened: on a
machine that is offline it records nothing, creates no file, and says so
(OfflineError, exit 3, mapped in `crawler.cli.main`). The progress counts
the URLs due tonight, the ones actually checked. Ctrl-C (or SIGTERM) stops a
crawl at the next result, stores what is known, writes every report and
exits 130; a second Ctrl-C quits at once. `report` and `history` read a
state database that a crawl made; without one they say so instead of
creating an empty one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.console import CheckProgress, warn
from crawler.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from crawler.cli.inputs import spool_links_or_fail
from crawler.cli.parser import DEFAULT_ISSUES
from crawler.config import Config, scrapy_overrides
from crawler.errors import ConfigError, OfflineError

if TYPE_CHECKING:
    from crawler.issues.reading import Issue
    from crawler.models import LinkOccurrence, Snapshot
    from crawler.nightly.crawl import CrawlOutcome
    from crawler.nightly.plan_spool import PlanSpool
    from crawler.nightly.store import StateStore

__all__ = [
    "CrawlArguments",
    "DemoArguments",
    "HistoryArguments",
    "ReportArguments",
    "print_crawl_summary",
    "run_crawl",
    "run_demo",
    "run_history",
    "run_report",
]


@dataclass(frozen=True)
class CrawlArguments:
    paths: list[str]
    state: Path
    reports: Path
    lang: str
    full: bool
    save_live: bool
    shard: str | None
    config: Config


@dataclass(frozen=True)
class ReportArguments:
    paths: list[str]
    state: Path
    reports: Path
    lang: str
    config: Config


@dataclass(frozen=True)
class HistoryArguments:
    url: str
    state: Path
    config: Config


@dataclass(frozen=True)
class DemoArguments:
    lang: str


def _read_issues(paths: list[str], command: str, take: Callable[[list[LinkOccurrence]], None]) -> list[Issue]:
    """The issues under `paths`, their links handed to `take`; without PATH and without an issues/
    folder here, say how to name one."""
    if paths == [DEFAULT_ISSUES] and not Path(DEFAULT_ISSUES).exists():
        raise ConfigError(f"no {DEFAULT_ISSUES}/ folder here: give the folder of your issues (rotwatch {command} PATH)")
    return spool_links_or_fail(paths, take)


def _spooled(plan: PlanSpool, shard_text: str | None) -> Callable[[list[LinkOccurrence]], None]:
    """What takes the links read: the plan, or with --shard only this machine's share of the sites."""
    if not shard_text:
        return plan.add
    from crawler.check.shards import Shard

    shard = Shard.parse(shard_text)
    return lambda links: plan.add(o for o in links if shard.takes(o.url))


def _sharded(config: Config, shard_text: str | None) -> Config:
    """A shard never asks the archive: it is asked once, after `merge`, because its
    rate limit is per client and would be multiplied by scaling out."""
    return replace(config, archive=False) if shard_text else config


def _open_state(path: Path, config: Config, *, read_only: bool = False) -> StateStore:
    """The crawl locks (and creates) the state; `report` and `history` only read an existing one."""
    from crawler.nightly.policy import policy_of
    from crawler.nightly.store import StateStore

    open_store = StateStore.open_read_only if read_only else StateStore.open
    return open_store(path, policy=policy_of(config))


def run_crawl(args: CrawlArguments) -> int:
    from crawler.cli.save import save_live
    from crawler.fetch.canary import names_resolve, offline_message
    from crawler.fetch.runner import Interruption, base_settings, run_in_reactor
    from crawler.nightly.crawl import crawl
    from crawler.nightly.plan_spool import PlanSpool

    config = _sharded(args.config, args.shard)
    with PlanSpool.create(config.exclude_patterns) as plan:
        issues = _read_issues(args.paths, "crawl", _spooled(plan, args.shard))
        settings = base_settings(scrapy_overrides(config))
        interruption = Interruption()  # Ctrl-C once: stop, store, report; twice: quit at once

        async def night() -> CrawlOutcome:
            if len(plan) and not await names_resolve(config.canary, settings):
                raise OfflineError(offline_message(config.canary, "nothing was checked or recorded; run again later"))
            with _open_state(args.state, config) as store, CheckProgress(0) as progress:
                return await crawl(
                    store,
                    plan,
                    issues,
                    settings,
                    config,
                    args.reports,
                    full=args.full,
                    lang=args.lang,
                    on_result=progress.advance,
                    on_due=progress.start,
                    save_live=args.save_live,
                    interruption=interruption,
                )

        outcome = run_in_reactor(night, settings, interruption)
    print_crawl_summary(outcome)
    if outcome.stopped == "interrupted":
        return EXIT_INTERRUPTED
    if args.save_live and outcome.to_save:
        with _open_state(args.state, config) as store:
            save_live(outcome, settings.get("USER_AGENT"), config.archive_endpoint, store.archive.record_saved)
    return EXIT_OK


def print_crawl_summary(outcome: CrawlOutcome) -> None:
    """The diff first (what changed overnight), then the counts, the captures still
    pending and roughly how long they need, and where the reports are."""
    diff = outcome.view.diff
    print(f"newly dead: {len(diff.newly_dead)}, fixed: {len(diff.fixed)}, still dead: {len(diff.still_dead)}")
    for label, urls in (("newly dead", diff.newly_dead), ("fixed", diff.fixed)):
        for url in urls:
            print(f"  {label}: {url}")
    print(f"checked {outcome.checked} links, {outcome.looked_up} archive lookups{_archive_costs(outcome)}")
    print(outcome.view.figures.summary_line())
    if outcome.pending:
        why = {
            "interrupted": "the crawl was stopped",
            "budget": "the archive budget was spent",
            "off": "archive lookups are off",
        }.get(outcome.stopped)
        print(
            f"captures pending: {outcome.pending} (links x dates cited{'; ' + why if why else ''});"
            f" {_duration(outcome.minutes_left)} more at the configured archive rates"
        )
    if waiting := outcome.view.run_counts.get("drift_baselines_pending", 0):
        print(f"not yet compared for drift: {waiting} links (their capture before the issue is asked next run)")
    index = next((path for path in outcome.written if path.name == "index.html"), None)
    if index:
        print(f"report: {index}")


def _archive_costs(outcome: CrawlOutcome) -> str:
    counts = outcome.view.run_counts
    if "archive_query_requests" not in counts:
        return ""
    refused = counts.get("archive_query_429s", 0) + counts.get("archive_playback_429s", 0)
    costs = (
        f" ({counts['archive_query_requests']} query + {counts['archive_playback_requests']} playback requests,"
        f" {refused} answered 429"
    )
    return costs + ("; batch availability failed, CDX used instead)" if counts.get("archive_batch_fallback") else ")")


def _duration(minutes: float) -> str:
    """Roughly, in words: an estimate, not a promise."""
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"about {minutes:.0f} minutes"
    return f"about {minutes / 60:.1f} hours"


def run_report(args: ReportArguments) -> int:
    from crawler.nightly.crawl import rebuild_reports
    from crawler.nightly.plan_spool import PlanSpool

    with PlanSpool.create(args.config.exclude_patterns) as plan:
        issues = _read_issues(args.paths, "report", plan.add)
        with _open_state(args.state, args.config, read_only=True) as store:
            outcome = rebuild_reports(store, plan, issues, args.config, args.reports, lang=args.lang)
    print_crawl_summary(outcome)
    return EXIT_OK


def run_history(args: HistoryArguments) -> int:
    with _open_state(args.state, args.config, read_only=True) as store:
        history = store.history(args.url)
        if history is None:
            warn(f"{args.url} is not in {args.state} (give the URL as the issue writes it)")
            return EXIT_USAGE
        state = "dead" if history.dead else (history.last_verdict.value if history.last_verdict else "unchecked")
        print(args.url)
        print(f"  first seen {history.first_seen:%Y-%m-%d}; now {state}")
        for event in store.events(args.url):
            status = "-" if event.http_status is None else str(event.http_status)
            print(f"  {event.checked_at:%Y-%m-%d %H:%M}  {event.verdict.value:<11} {status:>4}  {event.reason}")
        for lookup in store.archive.cached_for(args.url):
            cited = f"cited {lookup.cited_on:%Y-%m-%d}" if lookup.cited_on else "cited undated"
            found = _capture_line(lookup.snapshot)
            print(f"  {found} ({cited}; {lookup.detail})")
    return EXIT_OK


def _capture_line(snapshot: Snapshot | None) -> str:
    """A stored answer as `history` shows it, naming an archive other than the Wayback Machine."""
    if snapshot is None:
        return "no archive capture"
    elsewhere = f" in {snapshot.archive}" if snapshot.archive != "wayback" else ""
    return f"archive capture {snapshot.timestamp}{elsewhere}"


def run_demo(args: DemoArguments) -> int:
    from crawler.demo import run_demo as demo

    print(demo(lang=args.lang))
    return EXIT_OK

"""`rotwatch crawl`, `report`, `history` and `demo`: the nightly job and its state database.

The terminal summary leads with what changed overnight (newly dead, fixed,
still dead), then the counts and where the reports are. A crawl first looks
up the canary host (crawler.fetch.canary), before the state database is
even opened: on a machine that is offline it records nothing, creates no
file, and says so (OfflineError, exit 3, mapped in `crawler.cli.main`).
The progress counts the URLs due tonight, the ones actually checked.
`report` and `history` read a state database that a crawl made; without
one they say so instead of creating an empty one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.console import CheckProgress, warn
from crawler.cli.exit_codes import EXIT_OK, EXIT_USAGE
from crawler.cli.inputs import read_links_or_fail
from crawler.cli.parser import DEFAULT_ISSUES
from crawler.config import Config, scrapy_overrides
from crawler.errors import ConfigError, OfflineError

if TYPE_CHECKING:
    from crawler.issues.reading import Issue
    from crawler.models import LinkOccurrence
    from crawler.nightly.crawl import CrawlOutcome
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


def _read_issues(paths: list[str], command: str) -> tuple[list[LinkOccurrence], list[Issue]]:
    """The issues under `paths`; without PATH and without an issues/ folder here, say how to name one."""
    if paths == [DEFAULT_ISSUES] and not Path(DEFAULT_ISSUES).exists():
        raise ConfigError(f"no {DEFAULT_ISSUES}/ folder here: give the folder of your issues (rotwatch {command} PATH)")
    return read_links_or_fail(paths)


def _one_shard(
    occurrences: list[LinkOccurrence], config: Config, shard_text: str
) -> tuple[list[LinkOccurrence], Config]:
    """This machine's share of a crawl split by site; the archive is asked once, after `merge`,
    because its rate limit is per client and would be multiplied by scaling out."""
    from crawler.check.shards import Shard

    shard = Shard.parse(shard_text)
    return [o for o in occurrences if shard.takes(o.url)], replace(config, archive=False)


def _open_state(path: Path, config: Config, *, read_only: bool = False) -> StateStore:
    """The crawl locks (and creates) the state; `report` and `history` only read an existing one."""
    from crawler.nightly.policy import policy_of
    from crawler.nightly.store import StateStore

    open_store = StateStore.open_read_only if read_only else StateStore.open
    return open_store(path, policy=policy_of(config))


def run_crawl(args: CrawlArguments) -> int:
    from crawler.cli.save import save_live
    from crawler.fetch.canary import names_resolve, offline_message
    from crawler.fetch.runner import base_settings, run_in_reactor
    from crawler.nightly.crawl import crawl

    config = args.config
    occurrences, issues = _read_issues(args.paths, "crawl" if isinstance(args, CrawlArguments) else "report")
    if args.shard:
        occurrences, config = _one_shard(occurrences, config, args.shard)
    settings = base_settings(scrapy_overrides(config))

    async def night() -> CrawlOutcome:
        if occurrences and not await names_resolve(config.canary, settings):
            raise OfflineError(offline_message(config.canary, "nothing was checked or recorded; run again later"))
        with _open_state(args.state, config) as store, CheckProgress(0) as progress:
            return await crawl(
                store,
                occurrences,
                issues,
                settings,
                config,
                args.reports,
                full=args.full,
                lang=args.lang,
                on_result=progress.advance,
                on_due=progress.start,
            )

    outcome = run_in_reactor(night, settings)
    print_crawl_summary(outcome)
    if args.save_live:
        save_live(outcome, settings.get("USER_AGENT"))
    return EXIT_OK


def print_crawl_summary(outcome: CrawlOutcome) -> None:
    """The diff first (what changed overnight), then the counts and where the reports are."""
    from crawler.report.summary import count_by_verdict, summary_line

    diff = outcome.view.diff
    print(f"newly dead: {len(diff.newly_dead)}, fixed: {len(diff.fixed)}, still dead: {len(diff.still_dead)}")
    for label, urls in (("newly dead", diff.newly_dead), ("fixed", diff.fixed)):
        for url in urls:
            print(f"  {label}: {url}")
    print(f"checked {outcome.checked} links, {outcome.looked_up} archive lookups")
    print(summary_line(count_by_verdict(outcome.view.reports)))
    index = next((path for path in outcome.written if path.name == "index.html"), None)
    if index:
        print(f"report: {index}")


def run_report(args: ReportArguments) -> int:
    from crawler.nightly.crawl import rebuild_reports

    occurrences, issues = _read_issues(args.paths, "crawl" if isinstance(args, CrawlArguments) else "report")
    with _open_state(args.state, args.config, read_only=True) as store:
        outcome = rebuild_reports(store, occurrences, issues, args.config, args.reports, lang=args.lang)
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
        lookup = store.cached_lookups([args.url]).get(args.url)
        if lookup and lookup.snapshot:
            print(f"  archive capture {lookup.snapshot.timestamp}")
    return EXIT_OK


def run_demo(args: DemoArguments) -> int:
    from crawler.demo import run_demo as demo

    print(demo(lang=args.lang))
    return EXIT_OK

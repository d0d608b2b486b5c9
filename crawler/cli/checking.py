"""`rotwatch links` and `rotwatch check`: the issues read, their links listed or checked once, for CI.

`check` checks each unique URL once however many issues cite it, and exits
1 when a link has a failing verdict (`broken` unless --fail-on widens it).
A table goes to a terminal as rich renders it; anything else (another
format, --output, a pipe) is the chosen renderer's text, and the one-line
summary then goes to stderr so it never mixes with the report.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from crawler.cli.console import CheckProgress, warn
from crawler.cli.exit_codes import EXIT_FAILING, EXIT_OK, EXIT_USAGE
from crawler.cli.inputs import read_links, read_links_or_fail
from crawler.config import Config, scrapy_overrides
from crawler.errors import ChangesError, ConfigError
from crawler.models import ArchiveLookup, LinkOccurrence, LinkReport

if TYPE_CHECKING:
    from crawler.check.plan import CheckPlan

__all__ = ["OFFLINE_HINT", "CheckArguments", "LinksArguments", "run_check", "run_links"]

log = logging.getLogger(__name__)

OFFLINE_HINT = "no host name resolved: is this machine offline? (every link is reported as it was seen)"


@dataclass(frozen=True)
class LinksArguments:
    paths: list[str]
    format: str
    all: bool


@dataclass(frozen=True)
class CheckArguments:
    paths: list[str]
    format: str
    output: Path | None
    changed_since: str | None
    suggest: bool
    config: Config


def run_links(args: LinksArguments) -> int:
    from crawler.report.json_report import occurrence_fields

    occurrences, issues = read_links(args.paths, include_all=args.all)
    if args.format == "table":
        table = Table("issue", "line", "kind", "text", "url")
        for occurrence in occurrences:
            table.add_row(
                occurrence.issue, str(occurrence.line), occurrence.kind.value, occurrence.text, occurrence.url
            )
        Console().print(table)
    else:
        for occurrence in occurrences:
            row = {"url": occurrence.url, **occurrence_fields(occurrence)}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return EXIT_OK if issues else EXIT_USAGE


def run_check(args: CheckArguments) -> int:
    from crawler.check.plan import failing, looks_offline, plan_checks

    occurrences, issues = read_links_or_fail(args.paths)
    if args.changed_since:
        occurrences = _only_changed(occurrences, args.changed_since)
    plan = plan_checks(occurrences, args.config.exclude_patterns)
    issue_dates = {issue.name: issue.published for issue in issues}
    reports = _check(plan, args, issue_dates)
    results = {report.url: report.result for report in reports}
    if looks_offline(list(results.values())):
        warn(OFFLINE_HINT)
    _print_reports(reports, args)
    return EXIT_FAILING if failing(reports, args.config.failing_verdicts) else EXIT_OK


def _check(plan: CheckPlan, args: CheckArguments, issue_dates: dict[str, date | None]) -> list[LinkReport]:
    """The plan's URLs checked in one reactor run, with archive captures for failing links if --suggest."""
    from crawler.check.plan import archive_requests, build_reports, with_captures
    from crawler.fetch.runner import base_settings, check_urls, lookup_captures, run_in_reactor

    config = args.config
    settings = base_settings(scrapy_overrides(config))

    async def check_then_suggest() -> list[LinkReport]:
        with CheckProgress(len(plan.to_fetch)) as progress:
            results = await check_urls(plan.to_fetch, settings, progress.advance)
        reports = build_reports(plan, results)
        if not (args.suggest and config.archive):
            return reports
        wanted = archive_requests(reports, config.failing_verdicts, issue_dates)
        log.debug("--suggest: archive lookups for %d (failing link, date cited) pairs", len(wanted))
        budget = timedelta(minutes=config.archive_budget) if config.archive_budget else None
        with CheckProgress(len(wanted), label="archive") as progress:

            def advance(item: object) -> None:
                if isinstance(item, ArchiveLookup):
                    progress.advance()

            found = await lookup_captures(wanted, settings, config.archive_endpoint, advance, budget=budget)
        failing_urls = {url for url, _ in wanted}
        return with_captures(reports, found.answers, config.archive_endpoint, issue_dates, failing_urls)

    return run_in_reactor(check_then_suggest, settings)


def _print_reports(reports: list[LinkReport], args: CheckArguments) -> None:
    """The report in the chosen format, and the summary line on stderr unless a terminal table shows it."""
    from crawler.report import render
    from crawler.report.summary import count_by_verdict, summary_line

    fail_on = args.config.failing_verdicts
    terminal = sys.stdout.isatty()
    if args.format == "table" and args.output is None and terminal:
        from crawler.report.table import render_table

        Console().print(render_table(reports, fail_on))
    else:
        text = render(args.format, reports, failing=fail_on, generated_at=datetime.now(UTC))
        _write_output(text, args.output)
    if args.format != "table" or args.output is not None or terminal:
        print(summary_line(count_by_verdict(reports)), file=sys.stderr)


def _only_changed(occurrences: list[LinkOccurrence], ref: str) -> list[LinkOccurrence]:
    """The occurrences on lines added since `ref`; a git failure names the flag (ChangesError, exit 2)."""
    from crawler.issues.changes import added_lines, only_added

    try:
        added = added_lines(ref, Path.cwd())
    except ChangesError as exc:
        raise ChangesError(f"--changed-since {ref}: {exc}") from exc
    changed = only_added(occurrences, added)
    log.debug("--changed-since %s: %d of %d link occurrences are on added lines", ref, len(changed), len(occurrences))
    return changed


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--output {output}: cannot write ({exc.strerror or exc})") from exc

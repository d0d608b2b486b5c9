"""`rotwatch links` and `rotwatch check`: the issues read, their links listed or checked once, for CI.

`check` checks each unique URL once however many issues cite it, and exits
1 when a link has a failing verdict (`broken` unless --fail-on widens it).
A table goes to a terminal as rich renders it; anything else (another
format, --output, a pipe) is the chosen renderer's text, and the one-line
summary then goes to stderr so it never mixes with the report, unless the
text already ends with it (table, markdown, github) and goes to stdout.

Before any link is fetched, the canary host is looked up
(`crawler.fetch.canary`), and again if every result says "name does not
resolve": when it does not resolve, the machine is offline, no link is
judged, and every format says so in one message (`render_offline` of each
renderer) with exit code 3, rather than failing CI with a broken link per
line. With --suggest, a failing link the Wayback Machine has no capture of
is asked of the further archives (`further_archives`, through Memento), in
the same `--archive-budget`; one of them refusing leaves it "pending".
A piped `links --format table` is written at full width: a file or
`less` has no columns to fit, and a cut URL is useless.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from crawler.cli.console import CheckProgress, warn
from crawler.cli.exit_codes import EXIT_FAILING, EXIT_OFFLINE, EXIT_OK
from crawler.cli.inputs import read_links_or_fail
from crawler.config import Config, scrapy_overrides
from crawler.errors import ChangesError, ConfigError
from crawler.models import ArchiveLookup, Assessment, CheckResult, LinkOccurrence, LinkReport

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from crawler.check.plan import CheckPlan

Pair = tuple[str, date | None]

__all__ = ["CheckArguments", "LinksArguments", "run_check", "run_links"]

log = logging.getLogger(__name__)

PIPED_WIDTH = 100_000  # columns for a table that is not drawn on a terminal: never cut a URL
_SUMMARY_INCLUDED = frozenset({"table", "markdown", "github"})  # formats whose text ends with the summary


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

    occurrences, _ = read_links_or_fail(args.paths, include_all=args.all)
    if args.format == "table":
        table = Table("issue", "line", "kind", "text", "url")
        table.columns[-1].overflow = "fold"
        for occurrence in occurrences:
            table.add_row(
                occurrence.issue, str(occurrence.line), occurrence.kind.value, occurrence.text, occurrence.url
            )
        if sys.stdout.isatty():
            Console().print(table)
        else:  # rendered here, so a closed pipe is rotwatch's to handle (rich would exit 1 on its own)
            text = io.StringIO()
            Console(file=text, width=PIPED_WIDTH, color_system=None).print(table)
            sys.stdout.write(text.getvalue())
    else:
        for occurrence in occurrences:
            row = {"url": occurrence.url, **occurrence_fields(occurrence)}
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return EXIT_OK


def run_check(args: CheckArguments) -> int:
    from crawler.check.plan import failing, plan_checks

    occurrences, issues = read_links_or_fail(args.paths)
    if args.changed_since:
        occurrences = _only_changed(occurrences, args.changed_since)
    plan = plan_checks(occurrences, args.config.exclude_patterns)
    issue_dates = {issue.name: issue.published for issue in issues}
    reports = _check(plan, args, issue_dates)
    if reports is None:
        from crawler.fetch.canary import offline_message

        _print_offline(offline_message(args.config.canary, "no link was checked"), args)
        return EXIT_OFFLINE
    _print_reports(reports, args)
    return EXIT_FAILING if failing(reports, args.config.failing_verdicts) else EXIT_OK


def _check(plan: CheckPlan, args: CheckArguments, issue_dates: dict[str, date | None]) -> list[LinkReport] | None:
    """The plan's URLs checked in one reactor run, with archive captures for failing links if --suggest.

    None when the machine is offline: the canary does not resolve before the
    checks, or after checks whose results all failed to resolve a name.
    """
    from crawler.check.classify import assess
    from crawler.check.plan import archive_requests, as_reported_result, build_reports, looks_offline, with_captures
    from crawler.collector import FrozenAsKept
    from crawler.fetch.canary import names_resolve
    from crawler.fetch.fair_order import fair_order
    from crawler.fetch.runner import base_settings, lookup_captures, run_in_reactor, stream_checks

    config = args.config
    settings = base_settings(scrapy_overrides(config))

    async def check_then_suggest() -> list[LinkReport] | None:
        if plan.to_fetch and not await names_resolve(config.canary, settings):
            return None
        judged: dict[str, tuple[CheckResult, Assessment]] = {}  # each result judged as it comes, its page dropped
        frozen = FrozenAsKept()  # kept to the end: out of the collector's full passes (crawler.collector)
        with CheckProgress(len(plan.to_fetch)) as progress:

            def judge(result: CheckResult) -> None:
                judged[result.url] = (as_reported_result(result), assess(result, config.site_rules))
                frozen.kept()
                progress.advance(result)

            await stream_checks(fair_order(plan.to_fetch), settings, judge)
        if looks_offline([result for result, _ in judged.values()]) and not await names_resolve(
            config.canary, settings
        ):
            return None
        reports = build_reports(plan, {}, judged, rules=config.site_rules)
        if not (args.suggest and config.archive):
            return reports
        wanted = archive_requests(reports, config.failing_verdicts, issue_dates)
        log.debug("--suggest: archive lookups for %d (failing link, date cited) pairs", len(wanted))
        budget = timedelta(minutes=config.archive_budget) if config.archive_budget else None
        started = time.monotonic()
        with CheckProgress(len(wanted), label="archive") as progress:

            def advance(item: object) -> None:
                if isinstance(item, ArchiveLookup):
                    progress.advance()

            found = await lookup_captures(wanted, settings, config.archive_endpoint, advance, budget=budget)
        left = None if budget is None else budget.total_seconds() - (time.monotonic() - started)
        answers = found.answers | await _further_answers(found.answers, config, settings, left, found.tally.stopped)
        failing_urls = {url for url, _ in wanted}
        return with_captures(reports, answers, config.archive_endpoint, issue_dates, failing_urls)

    return run_in_reactor(check_then_suggest, settings)


async def _further_answers(
    answers: Mapping[Pair, ArchiveLookup], config: Config, settings: Settings, seconds_left: float | None, stopped: str
) -> dict[Pair, ArchiveLookup]:
    """--suggest: the further archives' answers for the failing links the Wayback Machine has no
    capture of, each archive in its own pool; nothing once the budget is spent. A failure is kept:
    the link's capture is then "pending", not "none"."""
    from crawler.spiders.memento import lookup_mementos
    from crawler.wayback.archives import further_lookups

    found: dict[Pair, ArchiveLookup] = {}
    for archives, pairs in further_lookups(answers, config.memento_archives).items():
        if stopped or (seconds_left is not None and seconds_left <= 0):
            break
        log.debug("--suggest: asking %s about %d pairs", ", ".join(a.name for a in archives), len(pairs))
        with CheckProgress(len(pairs), label="archives") as progress:

            def keep(lookup: ArchiveLookup) -> None:
                found[lookup.url, lookup.cited_on] = lookup
                progress.advance()

            await lookup_mementos(pairs, settings, archives, keep, budget=max(seconds_left or 0.0, 0.0))
    return found


def _print_reports(reports: list[LinkReport], args: CheckArguments) -> None:
    """The report in the chosen format, and the summary line on stderr unless the report already shows it."""
    from crawler.report import render
    from crawler.report.summary import summary_of

    fail_on = args.config.failing_verdicts
    if _on_terminal(args):
        from crawler.report.table import render_table

        Console().print(render_table(reports, fail_on))
    else:
        text = render(args.format, reports, failing=fail_on, generated_at=datetime.now(UTC))
        _write_output(text, args.output)
    if _summary_on_stderr(args):
        print(summary_of(reports), file=sys.stderr)


def _print_offline(message: str, args: CheckArguments) -> None:
    """Nothing was checked: the chosen format's one notice, and the message on stderr unless stdout shows it."""
    from crawler.report import github, json_report, junit, markdown, sarif, table

    renderers: Mapping[str, Callable[..., str]] = {
        "table": table.render_offline,
        "json": json_report.render_offline,
        "markdown": markdown.render_offline,
        "github": github.render_offline,
        "junit": junit.render_offline,
        "sarif": sarif.render_offline,
    }
    if not _on_terminal(args):
        _write_output(renderers[args.format](message, generated_at=datetime.now(UTC)), args.output)
    if _on_terminal(args) or args.output is not None or args.format not in ("table", "markdown"):
        warn(message)


def _on_terminal(args: CheckArguments) -> bool:
    """Whether the report is the rich table drawn on a terminal."""
    return args.format == "table" and args.output is None and sys.stdout.isatty()


def _summary_on_stderr(args: CheckArguments) -> bool:
    return _on_terminal(args) or args.output is not None or args.format not in _SUMMARY_INCLUDED


def _only_changed(occurrences: list[LinkOccurrence], ref: str) -> list[LinkOccurrence]:
    """The occurrences on lines added since `ref`; a git failure names the flag (ChangesError, exit 2)."""
    from crawler.issues.changes import added_lines, only_added

    try:
        added = added_lines(ref, Path.cwd())
    except ChangesError as exc:
        raise ChangesError(f"--changed-since {ref}: {str(exc).removeprefix('fatal: ')}") from exc
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

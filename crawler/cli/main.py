"""The command line: parse flags, call a stage, print, exit.

Exit codes: 0 nothing failing, 1 a link fails (`broken` unless --fail-on
widens it), 2 usage or configuration error, or no input could be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from crawler import __version__
from crawler.cli.console import CheckProgress, warn
from crawler.config import Config, load_config, scrapy_overrides
from crawler.errors import ConfigError
from crawler.models import LinkOccurrence, LinkReport, Problem

EXIT_OK, EXIT_FAILING, EXIT_USAGE = 0, 1, 2
OFFLINE_HINT = "no host name resolved: is this machine offline? (every link is reported as it was seen)"
CHECK_FORMATS = ("table", "json", "markdown", "github", "junit", "sarif")


def _add_shared_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("checking")
    group.add_argument("--concurrency", type=int, metavar="N", help="requests in flight in total (default 32)")
    group.add_argument("--per-host", type=int, metavar="N", help="requests in flight per site (default 4)")
    group.add_argument("--per-host-delay", type=float, metavar="S", help="seconds between requests to one site")
    group.add_argument("--timeout", type=float, metavar="S", help="seconds for one response (default 20)")
    group.add_argument("--retries", type=int, metavar="N", help="retries of timeouts, resets and 5xx (default 2)")
    group.add_argument("--user-agent", metavar="UA", help="User-Agent header (default names rotwatch)")
    group.add_argument("--robots", action="store_true", default=None, help="obey robots.txt (off: see README)")
    group.add_argument(
        "--allow-private",
        nargs="?",
        const="",
        metavar="CIDR[,CIDR]",
        help="allow private, loopback and link-local addresses (all, or only these ranges)",
    )
    group.add_argument("--resolve", action="append", metavar="HOST=ADDRESS", help="fixed address for a host name")
    group.add_argument("--exclude", action="append", metavar="REGEX", help="skip URLs matching REGEX (repeatable)")
    group.add_argument("--archive-endpoint", metavar="URL", help="Wayback-compatible server (default web.archive.org)")
    group.add_argument("--no-archive", dest="archive", action="store_false", default=None, help="no archive lookups")
    group.add_argument("--archive-rate", type=float, metavar="N", help="archive requests per minute (default 24)")
    group.add_argument(
        "--config", type=Path, metavar="FILE", help="settings file (default: rotwatch.toml, pyproject.toml)"
    )


def _add_state_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        type=Path,
        default=Path("reports/state.sqlite"),
        metavar="DB",
        help="state database (default reports/state.sqlite)",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="where reports and archival copies go (default reports/)",
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of index.html")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rotwatch", description="Keeps a newsletter archive's links alive.")
    parser.add_argument("--version", action="version", version=f"rotwatch {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    links = commands.add_parser("links", help="list every link occurrence in the issues")
    links.add_argument("paths", nargs="+", metavar="PATH", help="issue files or folders")
    links.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    links.add_argument("--all", action="store_true", help="include links that are not http(s)")

    check = commands.add_parser("check", help="check links once (for CI); exit 1 when one is broken")
    check.add_argument("paths", nargs="+", metavar="PATH", help="issue files or folders")
    check.add_argument("--format", choices=CHECK_FORMATS, default="table")
    check.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    check.add_argument("--fail-on", metavar="VERDICT[,VERDICT]", help="verdicts that fail the run (default broken)")
    check.add_argument("--changed-since", metavar="GIT_REF", help="only links on lines added since GIT_REF")
    check.add_argument("--suggest", action="store_true", help="look up archive captures for failing links")
    _add_shared_flags(check)

    crawl = commands.add_parser("crawl", help="the nightly crawl: check what is due, mend dead links, write reports")
    crawl.add_argument("paths", nargs="*", metavar="PATH", help="issue files or folders (default: issues/)")
    _add_state_flags(crawl)
    crawl.add_argument("--full", action="store_true", help="recheck every link, whatever its schedule")
    crawl.add_argument("--save-live", action="store_true", help="ask Save Page Now to capture live links (slow)")
    _add_shared_flags(crawl)

    report = commands.add_parser("report", help="rebuild every report from the state database (no network)")
    report.add_argument("paths", nargs="*", metavar="PATH", help="issue files or folders (default: issues/)")
    _add_state_flags(report)
    report.add_argument("--config", type=Path, metavar="FILE", help="settings file")

    history = commands.add_parser("history", help="print the story of one link from the state database")
    history.add_argument("url", metavar="URL")
    history.add_argument("--state", type=Path, default=Path("reports/state.sqlite"), metavar="DB")

    demo = commands.add_parser("demo", help="a crawl of a small simulated archive, no network needed")
    demo.add_argument("--lang", choices=("en", "zh"), default="en")

    save = commands.add_parser("save", help="ask the Wayback Machine to capture pages now (Save Page Now)")
    save.add_argument("urls", nargs="+", metavar="URL")
    save.add_argument("--interval", type=float, default=None, metavar="S", help="seconds between captures (default 20)")
    save.add_argument("--user-agent", metavar="UA", help="User-Agent header (default names rotwatch)")
    return parser


def _report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        warn(f"{problem.path}: {problem.message}")


def _collect(paths: list[str], include_all: bool = False) -> tuple[list[LinkOccurrence], dict[str, date | None]]:
    """Occurrences and each readable issue's date, with problems reported."""
    from crawler.issues.reading import collect_links

    occurrences, issues, problems = collect_links(paths, include_all=include_all)
    _report_problems(problems)
    return occurrences, {issue.name: issue.published for issue in issues}


def run_links(args: argparse.Namespace) -> int:
    from crawler.report.json_report import occurrence_fields

    occurrences, readable = _collect(args.paths, include_all=args.all)
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
    return EXIT_OK if readable else EXIT_USAGE  # readable: the issues that could be read


def _config_from(args: argparse.Namespace) -> Config:
    flags: dict[str, Any] = {
        name: getattr(args, name, None)
        for name in (
            "concurrency",
            "per_host",
            "per_host_delay",
            "timeout",
            "retries",
            "user_agent",
            "robots",
            "allow_private",
            "resolve",
            "exclude",
            "archive_endpoint",
            "archive",
            "archive_rate",
            "fail_on",
        )
    }
    return load_config(flags, getattr(args, "config", None))


def run_check(args: argparse.Namespace) -> int:
    from crawler.check.plan import archive_requests, build_reports, failing, looks_offline, plan_checks, with_captures
    from crawler.fetch.runner import base_settings, check_urls, lookup_captures, run_in_reactor
    from crawler.report import render
    from crawler.report.summary import count_by_verdict, summary_line

    config = _config_from(args)
    occurrences, issue_dates = _collect(args.paths)
    if not issue_dates:
        warn("no issue could be read")
        return EXIT_USAGE
    if args.changed_since:
        occurrences = _only_changed(occurrences, args.changed_since)
    plan = plan_checks(occurrences, config.exclude_patterns)
    settings = base_settings(scrapy_overrides(config))
    fail_on = config.failing_verdicts

    async def check_then_suggest() -> list[LinkReport]:
        with CheckProgress(len(plan.to_fetch)) as progress:
            results = await check_urls(plan.to_fetch, settings, progress.advance)
        reports = build_reports(plan, results)
        if not (args.suggest and config.archive):
            return reports
        wanted = archive_requests(reports, fail_on, issue_dates)
        with CheckProgress(len(wanted), label="archive") as progress:
            found = await lookup_captures(wanted, settings, config.archive_endpoint, progress.advance)
        return with_captures(reports, found, config.archive_endpoint)

    reports = run_in_reactor(check_then_suggest, settings)
    results = {report.url: report.result for report in reports}
    if looks_offline(list(results.values())):
        warn(OFFLINE_HINT)
    if args.format == "table" and args.output is None and sys.stdout.isatty():
        from crawler.report.table import render_table

        Console().print(render_table(reports, fail_on))
    else:
        text = render(args.format, reports, failing=fail_on, generated_at=datetime.now(UTC))
        _write_output(text, args.output)
    if args.format != "table" or args.output is not None or sys.stdout.isatty():
        print(summary_line(count_by_verdict(reports)), file=sys.stderr)
    return EXIT_FAILING if failing(reports, fail_on) else EXIT_OK


def _only_changed(occurrences: list[LinkOccurrence], ref: str) -> list[LinkOccurrence]:
    from crawler.issues.changes import ChangesError, added_lines, only_added

    try:
        return only_added(occurrences, added_lines(ref, Path.cwd()))
    except ChangesError as exc:
        raise ConfigError(f"--changed-since {ref}: {exc}") from exc


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--output {output}: cannot write ({exc.strerror or exc})") from exc


def run_save(args: argparse.Namespace) -> int:
    from crawler.check.urls import is_http_url
    from crawler.settings import USER_AGENT
    from crawler.wayback.save import SAVE_INTERVAL, save_all

    urls = [url for url in args.urls if is_http_url(url)]
    for url in sorted(set(args.urls) - set(urls)):
        warn(f"{url}: not an http(s) URL, not saved")
    if not urls:
        return EXIT_USAGE

    def report(result: Any) -> None:
        if result.archive_url:
            print(f"saved {result.url} -> {result.archive_url}")
        else:
            warn(f"cannot save {result.url}: {result.error}")

    interval = SAVE_INTERVAL if args.interval is None else args.interval
    results = save_all(urls, args.user_agent or USER_AGENT, interval=interval, on_result=report)
    return EXIT_OK if all(result.archive_url for result in results) else EXIT_FAILING


def _issues_and_links(paths: list[str]) -> tuple[list[LinkOccurrence], list[Any]]:
    from crawler.issues.reading import collect_links

    occurrences, issues, problems = collect_links(paths or ["issues"])
    _report_problems(problems)
    if not issues:
        raise ConfigError("no issue could be read")
    return occurrences, issues


def _open_state(path: Path, config: Config) -> Any:
    from crawler.errors import StateError
    from crawler.nightly.policy import policy_of
    from crawler.nightly.store import StateStore

    try:
        return StateStore.open(path, policy=policy_of(config))
    except StateError as exc:
        raise ConfigError(str(exc)) from exc


def run_crawl(args: argparse.Namespace) -> int:
    from crawler.fetch.runner import base_settings, run_in_reactor
    from crawler.nightly.crawl import OfflineError, crawl

    config = _config_from(args)
    occurrences, issues = _issues_and_links(args.paths)
    settings = base_settings(scrapy_overrides(config))
    with _open_state(args.state, config) as store, CheckProgress(len({o.url for o in occurrences})) as progress:
        try:
            outcome = run_in_reactor(
                lambda: crawl(
                    store,
                    occurrences,
                    issues,
                    settings,
                    config,
                    args.reports,
                    full=args.full,
                    lang=args.lang,
                    on_result=progress.advance,
                ),
                settings,
            )
        except OfflineError as exc:
            warn(str(exc))
            return EXIT_FAILING
    print_crawl_summary(outcome)
    if args.save_live:
        _save_live(outcome, settings)
    return EXIT_OK


def print_crawl_summary(outcome: Any) -> None:
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


def _save_live(outcome: Any, settings: Any) -> None:
    from crawler.wayback.save import save_all

    live = [r.url for r in outcome.view.reports if r.assessment.verdict.value in ("ok", "redirected") and not r.archive]
    for result in save_all(live, settings.get("USER_AGENT")):
        if not result.archive_url:
            warn(f"cannot save {result.url}: {result.error}")


def run_report(args: argparse.Namespace) -> int:
    from crawler.nightly.crawl import rebuild_reports

    config = _config_from(args)
    occurrences, issues = _issues_and_links(args.paths)
    with _open_state(args.state, config) as store:
        outcome = rebuild_reports(store, occurrences, issues, config, args.reports, lang=args.lang)
    print_crawl_summary(outcome)
    return EXIT_OK


def run_history(args: argparse.Namespace) -> int:
    with _open_state(args.state, load_config({})) as store:
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


def run_demo(args: argparse.Namespace) -> int:
    from crawler.demo import run_demo as demo

    print(demo(lang=args.lang))
    return EXIT_OK


COMMANDS = {
    "links": run_links,
    "check": run_check,
    "crawl": run_crawl,
    "report": run_report,
    "history": run_history,
    "demo": run_demo,
    "save": run_save,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        warn(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        warn("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

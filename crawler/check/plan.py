"""The check stage's pure core: which URLs to fetch, and the reports they make.

`plan_checks` turns link occurrences into one request per unique URL (the
same page written two ways is fetched once) plus the links that are not
fetched at all; `build_reports` joins the spider's results back to every
place each URL is cited, with the verdict decided by `assess` with the
run's site rules (the user's `rules` files first, then the shipped ones).
For dead links, `archive_requests` names the (URL, date cited) pairs to look
up and `with_captures` attaches the answers: one capture per date, so each
issue's copy points at the capture of its own date.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from operator import attrgetter

from crawler.check.classify import assess
from crawler.check.site_rules import SiteRule
from crawler.check.urls import normalize_url
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CaptureStatus,
    CheckResult,
    CitedCapture,
    ErrorKind,
    LinkOccurrence,
    LinkReport,
    LookupOutcome,
    Page,
    Verdict,
)
from crawler.wayback.rewrite import capture_link

__all__ = [
    "NO_ANSWER",
    "CheckPlan",
    "archive_requests",
    "as_reported_result",
    "build_reports",
    "cited_dates",
    "excluded_result",
    "failing",
    "is_excluded",
    "looks_offline",
    "plan_checks",
    "resolved_a_name",
    "with_captures",
]

# The error detail of a link the run has no result for, in this run or an
# earlier one (a crawl stopped early): the reports count it as not checked.
NO_ANSWER = "no answer recorded"


@dataclass
class CheckPlan:
    """URLs to request (each with every occurrence it stands for) and links not requested."""

    to_fetch: dict[str, list[LinkOccurrence]] = field(default_factory=dict)
    not_fetched: dict[str, tuple[CheckResult, list[LinkOccurrence]]] = field(default_factory=dict)


def plan_checks(occurrences: Sequence[LinkOccurrence], exclude: Sequence[re.Pattern[str]] = ()) -> CheckPlan:
    """Groups occurrences by normalized URL; the first spelling seen is the one requested
    (crawler.nightly.plan_spool groups them the same way on disk, for the nightly crawl)."""
    plan = CheckPlan()
    requested_as: dict[str, str] = {}
    for occurrence in occurrences:
        key = normalize_url(occurrence.url)
        if is_excluded(occurrence.url, exclude):
            plan.not_fetched.setdefault(key, (excluded_result(occurrence.url), []))[1].append(occurrence)
            continue
        url = requested_as.setdefault(key, occurrence.url)
        plan.to_fetch.setdefault(url, []).append(occurrence)
    return plan


def is_excluded(url: str, exclude: Sequence[re.Pattern[str]]) -> bool:
    """Whether the user's --exclude patterns keep `url` from being requested."""
    return any(pattern.search(url) for pattern in exclude)


def excluded_result(url: str) -> CheckResult:
    """What an excluded link's report says instead of a check."""
    return CheckResult(url=url, error=ErrorKind.EXCLUDED, error_detail="matches --exclude")


def as_reported_result(result: CheckResult) -> CheckResult:
    """The result with what the reports read only (page text, headers and hops dropped): what a
    run keeps of a result once it is judged, for its reports."""
    page = Page(title=result.title) if result.title is not None else None
    return replace(result, page=page, headers={}, redirects=())


def build_reports(
    plan: CheckPlan,
    results: Mapping[str, CheckResult],
    earlier: Mapping[str, tuple[CheckResult, Assessment]] | None = None,
    *,
    rules: Sequence[SiteRule] | None = None,
) -> list[LinkReport]:
    """One LinkReport per unique URL, sorted by URL.

    `earlier` holds the last check of URLs this run did not recheck (the
    nightly crawl's state), with the verdict decided back then. `rules` are
    the site rules `assess` applies (`Config.site_rules`); None: the shipped ones.
    """
    reports = []
    for url, occurrences in plan.to_fetch.items():
        if url in results:
            reports.append(_report(results[url], assess(results[url], rules), occurrences))
        elif earlier and (kept := earlier.get(url)) is not None:
            reports.append(_report(*kept, occurrences))
        else:
            missing = CheckResult(url=url, error=ErrorKind.OTHER, error_detail=NO_ANSWER)
            reports.append(_report(missing, assess(missing, rules), occurrences))
    for result, occurrences in plan.not_fetched.values():
        reports.append(_report(result, assess(result, rules), occurrences))
    return sorted(reports, key=_URL)


_URL = attrgetter("url")
_PLACE = attrgetter("issue", "line", "column")  # where an occurrence stands: the order a report lists them in


def _report(result: CheckResult, assessment: Assessment, occurrences: Sequence[LinkOccurrence]) -> LinkReport:
    ordered = tuple(occurrences) if len(occurrences) < 2 else tuple(sorted(occurrences, key=_PLACE))
    return LinkReport(result.url, assessment, result, ordered)


def failing(reports: Sequence[LinkReport], fail_on: frozenset[Verdict]) -> list[LinkReport]:
    """The reports whose verdict fails the run."""
    return [report for report in reports if report.assessment.verdict in fail_on]


def cited_dates(occurrences: Sequence[LinkOccurrence], issue_dates: Mapping[str, date | None]) -> list[date | None]:
    """The dates of the issues citing a URL, oldest first, None (an undated issue) last:
    each gets the capture closest before it, what the editor saw then."""
    days = {issue_dates.get(occurrence.issue) for occurrence in occurrences}
    return sorted(days, key=lambda day: (day is None, day or date.min))


def archive_requests(
    reports: Sequence[LinkReport], verdicts: frozenset[Verdict], issue_dates: Mapping[str, date | None]
) -> list[tuple[str, date | None]]:
    """(URL, date cited) for each date each report whose verdict is in `verdicts` is cited on."""
    return [
        (report.url, day)
        for report in reports
        if report.assessment.verdict in verdicts
        for day in cited_dates(report.occurrences, issue_dates)
    ]


def with_captures(
    reports: Sequence[LinkReport],
    answers: Mapping[tuple[str, date | None], ArchiveLookup],
    endpoint: str,
    issue_dates: Mapping[str, date | None],
    wanting: Collection[str],
) -> list[LinkReport]:
    """The reports of the URLs in `wanting` (the dead ones) with a capture per date cited:
    found (with the playback URL readers follow), none, or pending when the archive's
    answer is not known (not asked yet, or it failed). The link as a whole shows the
    capture of its latest citing issue (an undated one only when none is dated)."""
    attached = []
    for report in reports:
        if report.url not in wanting:
            attached.append(report)
            continue
        days = cited_dates(report.occurrences, issue_dates)
        captures = tuple(
            _cited_capture(report, day, answers.get((report.url, day)), endpoint, issue_dates) for day in days
        )
        latest = max(captures, key=lambda capture: (capture.cited_on is not None, capture.cited_on or date.min))
        attached.append(
            replace(
                report,
                archive=latest.snapshot,
                archive_url=latest.url,
                capture_status=latest.status,
                captures=captures,
            )
        )
    return attached


def _cited_capture(
    report: LinkReport,
    day: date | None,
    answer: ArchiveLookup | None,
    endpoint: str,
    issue_dates: Mapping[str, date | None],
) -> CitedCapture:
    if answer is None or answer.outcome is LookupOutcome.FAILED:
        return CitedCapture(day, CaptureStatus.PENDING)
    if answer.outcome is LookupOutcome.NONE or answer.snapshot is None:
        return CitedCapture(day, CaptureStatus.NONE)
    first = next(o for o in report.occurrences if issue_dates.get(o.issue) == day)
    return CitedCapture(day, CaptureStatus.FOUND, answer.snapshot, capture_link(endpoint, answer.snapshot, first.kind))


DNS_ERRORS = frozenset({ErrorKind.NXDOMAIN, ErrorKind.DNS_FAILURE})


def resolved_a_name(result: CheckResult) -> bool:
    """Whether this check shows the machine can resolve names (it got past DNS)."""
    return result.error not in DNS_ERRORS


def looks_offline(results: Sequence[CheckResult]) -> bool:
    """No host name resolved at all: the machine is offline, not the links dead."""
    return len(results) >= 3 and not any(resolved_a_name(result) for result in results)

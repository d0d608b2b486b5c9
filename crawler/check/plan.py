"""The check stage's pure core: which URLs to fetch, and the reports they make.

`plan_checks` turns link occurrences into one request per unique URL (the
same page written two ways is fetched once) plus the links that are not
fetched at all; `build_reports` joins the spider's results back to every
place each URL is cited, with the verdict decided by `assess` with the
run's site rules (the user's `rules` files first, then the shipped ones).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from crawler.check.classify import assess
from crawler.check.site_rules import SiteRule
from crawler.check.urls import normalize_url
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CheckResult,
    ErrorKind,
    LinkOccurrence,
    LinkReport,
    LookupOutcome,
    Verdict,
)
from crawler.wayback.rewrite import capture_link

__all__ = [
    "NO_ANSWER",
    "CheckPlan",
    "archive_requests",
    "build_reports",
    "failing",
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
    """Groups occurrences by normalized URL; the first spelling seen is the one requested."""
    plan = CheckPlan()
    requested_as: dict[str, str] = {}
    for occurrence in occurrences:
        key = normalize_url(occurrence.url)
        if any(pattern.search(occurrence.url) for pattern in exclude):
            result = CheckResult(url=occurrence.url, error=ErrorKind.EXCLUDED, error_detail="matches --exclude")
            plan.not_fetched.setdefault(key, (result, []))[1].append(occurrence)
            continue
        url = requested_as.setdefault(key, occurrence.url)
        plan.to_fetch.setdefault(url, []).append(occurrence)
    return plan


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
        elif earlier and url in earlier:
            reports.append(_report(*earlier[url], occurrences))
        else:
            missing = CheckResult(url=url, error=ErrorKind.OTHER, error_detail=NO_ANSWER)
            reports.append(_report(missing, assess(missing, rules), occurrences))
    for result, occurrences in plan.not_fetched.values():
        reports.append(_report(result, assess(result, rules), occurrences))
    return sorted(reports, key=lambda report: report.url)


def _report(result: CheckResult, assessment: Assessment, occurrences: Sequence[LinkOccurrence]) -> LinkReport:
    ordered = tuple(sorted(occurrences, key=lambda o: (o.issue, o.line, o.column)))
    return LinkReport(url=result.url, assessment=assessment, result=result, occurrences=ordered)


def failing(reports: Sequence[LinkReport], fail_on: frozenset[Verdict]) -> list[LinkReport]:
    """The reports whose verdict fails the run."""
    return [report for report in reports if report.assessment.verdict in fail_on]


def _first_cited(occurrences: Sequence[LinkOccurrence], issue_dates: Mapping[str, date | None]) -> date | None:
    """The publication date of the earliest issue citing a URL: what the editor saw then."""
    dates = [published for o in occurrences if (published := issue_dates.get(o.issue)) is not None]
    return min(dates) if dates else None


def archive_requests(
    reports: Sequence[LinkReport], verdicts: frozenset[Verdict], issue_dates: Mapping[str, date | None]
) -> list[tuple[str, date | None]]:
    """(URL, date to look near) for each report whose verdict is in `verdicts`."""
    return [
        (report.url, _first_cited(report.occurrences, issue_dates))
        for report in reports
        if report.assessment.verdict in verdicts
    ]


def with_captures(
    reports: Sequence[LinkReport], lookups: Mapping[str, ArchiveLookup], endpoint: str
) -> list[LinkReport]:
    """The reports with each found capture attached, as the playback URL readers follow."""
    attached = []
    for report in reports:
        lookup = lookups.get(report.url)
        if lookup is None or lookup.outcome is not LookupOutcome.FOUND or lookup.snapshot is None:
            attached.append(report)
            continue
        link = capture_link(endpoint, lookup.snapshot, report.occurrences[0].kind)
        attached.append(replace(report, archive=lookup.snapshot, archive_url=link))
    return attached


DNS_ERRORS = frozenset({ErrorKind.NXDOMAIN, ErrorKind.DNS_FAILURE})


def resolved_a_name(result: CheckResult) -> bool:
    """Whether this check shows the machine can resolve names (it got past DNS)."""
    return result.error not in DNS_ERRORS


def looks_offline(results: Sequence[CheckResult]) -> bool:
    """No host name resolved at all: the machine is offline, not the links dead."""
    return len(results) >= 3 and not any(resolved_a_name(result) for result in results)

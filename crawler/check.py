"""The check stage's pure core: which URLs to fetch, and the reports they make.

`plan_checks` turns link occurrences into one request per unique URL (the
same page written two ways is fetched once) plus the links that are not
fetched at all; `build_reports` joins the spider's results back to every
place each URL is cited, with the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crawler.classify import assess
from crawler.models import CheckResult, ErrorKind, LinkOccurrence, LinkReport, Verdict
from crawler.urls import normalize_url

__all__ = ["CheckPlan", "build_reports", "failing", "plan_checks"]


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


def build_reports(plan: CheckPlan, results: Mapping[str, CheckResult]) -> list[LinkReport]:
    """One LinkReport per unique URL, sorted by URL."""
    reports = []
    for url, occurrences in plan.to_fetch.items():
        result = results.get(url) or CheckResult(url=url, error=ErrorKind.OTHER, error_detail="no answer recorded")
        reports.append(_report(result, occurrences))
    for result, occurrences in plan.not_fetched.values():
        reports.append(_report(result, occurrences))
    return sorted(reports, key=lambda report: report.url)


def _report(result: CheckResult, occurrences: Sequence[LinkOccurrence]) -> LinkReport:
    ordered = tuple(sorted(occurrences, key=lambda o: (o.issue, o.line, o.column)))
    return LinkReport(url=result.url, assessment=assess(result), result=result, occurrences=ordered)


def failing(reports: Sequence[LinkReport], fail_on: frozenset[Verdict]) -> list[LinkReport]:
    """The reports whose verdict fails the run."""
    return [report for report in reports if report.assessment.verdict in fail_on]

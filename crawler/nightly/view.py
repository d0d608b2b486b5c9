"""One nightly crawl as the reports see it: every link, its history, the run's diff.

The crawl builds a `CrawlView` once; every report (index.html, dead-links.md,
the CSVs, report.json) and the archival copies read the same view, so they
never disagree about which links are dead. Which links those are is
`crawler.nightly.policy.is_dead`, asked by `CrawlView.is_dead`.

A live link whose page is now another page carries its `drift`
(`with_drifts`); the archival copies point the drifted links that
`drift_rewrite` mends at the capture they were compared with, like dead
ones (`rewritten_reports`), while every report lists them as drifted, not dead.

A link dead by its history but not broken tonight (unreachable night after
night) reads as broken in the crawl's reports, with the streak as its reason
(`as_reported`): an editor acts on one word for every dead link.

A dead link has a capture per date it is cited on. Every occurrence is
shown with its own issue's capture: `mentions` hands each occurrence a
report whose `archive`, `archive_url` and `capture_status` are those of its
issue's date, so the tables of dead links by issue, the CSV files and the
archival copies agree occurrence by occurrence; what speaks of a link as a
whole (report.json's links, the counts) shows its latest issue's capture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from crawler.check.reasons import assessment
from crawler.models import CaptureStatus, Drift, LinkHistory, LinkReport, RunDiff, Verdict
from crawler.nightly import policy
from crawler.nightly.drift_rules import DriftRewrite, capture_of, mends
from crawler.report.summary import Mention, mentions, not_checked

__all__ = ["CrawlView", "as_reported", "with_drifts"]


@dataclass(frozen=True, slots=True)
class CrawlView:
    """One nightly crawl as the reports see it.

    `reports` holds every unique URL; `histories` the state database's story
    of each (a URL without one counts as dead only when broken now);
    `issue_dates` the publication date of each issue path (None when
    unknown); `diff` how the dead links changed since the previous crawl;
    `run_counts` what the run did, in the runner's words (for example
    `{"issues": 52, "checked": 130, "reused": 870, "archive_lookups": 9}`),
    shown as given with known keys translated; `issue_titles` an optional
    human title per issue path (the path is shown when there is none).
    """

    reports: Sequence[LinkReport]
    histories: Mapping[str, LinkHistory]
    issue_dates: Mapping[str, date | None]
    diff: RunDiff
    generated_at: datetime
    run_counts: Mapping[str, int] = field(default_factory=dict)
    issue_titles: Mapping[str, str] = field(default_factory=dict)

    def is_dead(self, report: LinkReport) -> bool:
        """Broken now, or dead under the N-of-D policy (README, "When a link is dead"): `policy.is_dead`."""
        return policy.is_dead(report.assessment.verdict, self.histories.get(report.url))

    def since(self, url: str) -> datetime | None:
        """When the link started failing (or was declared dead), if known."""
        history = self.histories.get(url)
        if history is None:
            return None
        return history.failing_since or history.dead_since

    def issue_date(self, issue: str) -> date | None:
        return self.issue_dates.get(issue)

    def issue_title(self, issue: str) -> str:
        return self.issue_titles.get(issue) or issue

    def dead_reports(self) -> list[LinkReport]:
        """The links the reports list as dead and the archival copies point at captures."""
        return [report for report in self.reports if self.is_dead(report)]

    def rewritten_reports(self, drift_rewrite: DriftRewrite) -> list[LinkReport]:
        """The links the archival copies point at captures: the dead ones, then the drifted
        ones that `drift_rewrite` mends, each pointed at the capture it was compared with."""
        drifted = [report for report in self.reports if not self.is_dead(report) and mends(report.drift, drift_rewrite)]
        return self.dead_reports() + [mended for report in drifted if (mended := _at_capture(report)) is not None]

    def not_checked_reports(self) -> list[LinkReport]:
        """Links with no recorded answer (the crawl stopped before them):
        every report says how many, and none says all is well while any is."""
        return [report for report in self.reports if not_checked(report)]

    def mentions(self) -> list[Mention]:
        """Every occurrence, newest issue first (undated last), each issue
        top to bottom: the order editors read the archive in; each with the
        capture of its own issue's date."""
        ordered = sorted(mentions(self.reports), key=lambda mention: self._issue_order(mention.occurrence.issue))
        return [Mention(self._as_cited(report, occurrence.issue), occurrence) for report, occurrence in ordered]

    def _as_cited(self, report: LinkReport, issue: str) -> LinkReport:
        """The report with the capture of `issue`'s date as the link's own."""
        if not report.captures:
            return report
        capture = report.capture_for(self.issue_date(issue))
        if capture is None:
            return report
        return replace(report, archive=capture.snapshot, archive_url=capture.url, capture_status=capture.status)

    def _issue_order(self, issue: str) -> tuple[bool, int, str]:
        published = self.issue_date(issue)
        return (published is None, -published.toordinal() if published else 0, issue)


def as_reported(report: LinkReport, history: LinkHistory | None) -> LinkReport:
    """The report as the crawl's reports show it: dead by its history reads as broken."""
    verdict = report.assessment.verdict
    if verdict is Verdict.BROKEN or history is None or not policy.is_dead(verdict, history):
        return report
    runs, earlier = history.consecutive_failures, report.assessment
    if history.failing_since is None:
        dead = assessment(Verdict.BROKEN, "dead_after_crawls_undated", runs=runs, reason=earlier)
    else:
        since = history.failing_since.date().isoformat()
        dead = assessment(Verdict.BROKEN, "dead_after_crawls", runs=runs, since=since, reason=earlier)
    return replace(report, assessment=dead)


def with_drifts(reports: Sequence[LinkReport], drifts: Mapping[str, Drift | None]) -> list[LinkReport]:
    """The reports with each live link's drift (crawler.nightly.drift_rules judged it)."""
    return [report if (drift := drifts.get(report.url)) is None else replace(report, drift=drift) for report in reports]


def _at_capture(report: LinkReport) -> LinkReport | None:
    """A drifted report as the archival copy mends it: every date cited gets its "then" capture."""
    snapshot = None if report.drift is None else capture_of(report.url, report.drift)
    if snapshot is None or report.drift is None:
        return None
    return replace(
        report, archive=snapshot, archive_url=report.drift.capture, capture_status=CaptureStatus.FOUND, captures=()
    )

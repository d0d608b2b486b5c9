"""One nightly crawl as the reports see it: every link, its history, the run's diff.

The crawl builds a `CrawlView` once; every report (index.html, dead-links.md,
the CSVs, report.json) reads the same view, so they never disagree about
which links are dead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.models import LinkHistory, LinkReport, RunDiff, Verdict
from crawler.report.summary import Mention, mentions, not_checked

__all__ = ["CrawlView"]


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
        """Broken now, or dead under the N-of-D policy (DESIGN.md)."""
        history = self.histories.get(report.url)
        return report.assessment.verdict is Verdict.BROKEN or (history is not None and history.dead)

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
        return [report for report in self.reports if self.is_dead(report)]

    def not_checked_reports(self) -> list[LinkReport]:
        """Links with no recorded answer (the crawl stopped before them):
        every report says how many, and none says all is well while any is."""
        return [report for report in self.reports if not_checked(report)]

    def mentions(self) -> list[Mention]:
        """Every occurrence, newest issue first (undated last), each issue
        top to bottom: the order editors read the archive in."""
        return sorted(mentions(self.reports), key=lambda mention: self._issue_order(mention.occurrence.issue))

    def _issue_order(self, issue: str) -> tuple[bool, int, str]:
        published = self.issue_date(issue)
        return (published is None, -published.toordinal() if published else 0, issue)

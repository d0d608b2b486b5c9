"""What the summaries count over every link of a crawl, gathered while its view reads them.

Split from crawler.nightly.view, which fills it (`CrawlView.figures`): the
counts over every link as each is read (`LinkFigures.add`), and those of the
links the view lists one by one as it spools them (the dead links' captures,
the occurrences each table lists), so no report counts them from a list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from crawler.models import CaptureStatus, DriftKind, LinkReport, Verdict
from crawler.nightly.held_links import DEAD, FAILING
from crawler.report.summary import count_by_drift, count_by_verdict, not_checked, summary_line

if TYPE_CHECKING:  # the view fills the figures
    from crawler.nightly.view import CrawlView

__all__ = ["LinkFigures", "MonthFact"]

MonthFact = tuple[str, Verdict, bool, bool]  # publication month ("" undated), verdict, dead, captured


@dataclass
class LinkFigures:
    """What the summaries count over every link, gathered while the view reads them."""

    links: int = 0
    occurrences: int = 0
    verdicts: dict[Verdict, int] = field(default_factory=lambda: count_by_verdict(()))
    drifted: dict[DriftKind, int] = field(default_factory=lambda: count_by_drift(()))
    not_checked: int = 0
    issues: set[str] = field(default_factory=set)  # the issues citing any link
    months: Counter[MonthFact] = field(default_factory=Counter)  # links per (month, verdict, dead, captured)
    # Of the held links (`CrawlView.reports`), counted as they are spooled:
    dead: int = 0
    dead_captured: int = 0  # with an archive capture
    dead_pending: int = 0  # capture status pending
    dead_pending_uncaptured: int = 0  # pending and no capture at all
    captures_pending: int = 0  # the held links' captures pending, per date
    dead_occurrences: int = 0
    new_dead_occurrences: int = 0  # of links the diff names newly dead
    failing_occurrences: int = 0  # of links not quiet and not dead
    every_link_held: bool = True  # at most EVERY_LINK_LISTED_UP_TO links
    # Each issue's publication month ("" undated) and reading order, worked out once (a million links:
    # a million occurrences over a few thousand issues); its keys are `issues`.
    _issue_places: dict[str, tuple[str, tuple[bool, int, str]]] = field(default_factory=dict, repr=False, compare=False)

    def summary_line(self, *, unchecked: int = 0) -> str:
        """`summary.summary_line` of every link: their verdicts and their drift."""
        return summary_line(self.verdicts, unchecked=unchecked, drifted=self.drifted)

    def add(self, report: LinkReport, view: CrawlView) -> None:
        """Counts one link. Per publication month it is cited in, it counts once, with the
        capture its last occurrence in reading order shows (`CrawlView.mentions`)."""
        self.links += 1
        self.occurrences += len(report.occurrences)
        verdict = report.assessment.verdict
        self.verdicts[verdict] += 1
        if report.drift is not None:
            self.drifted[report.drift.kind] += 1
        self.not_checked += not_checked(report)
        last: dict[str, tuple[tuple[bool, int, str], str]] = {}  # month -> the last issue in reading order
        for occurrence in report.occurrences:
            issue = occurrence.issue
            known = self._issue_places.get(issue)
            if known is None:
                self.issues.add(issue)
                published = view.issue_date(issue)
                known = self._issue_places[issue] = (
                    published.strftime("%Y-%m") if published else "",
                    view.issue_order(issue),
                )
            month, order = known
            if month not in last or order >= last[month][0]:
                last[month] = (order, issue)
        dead = view.is_dead(report)
        for month, (_, issue) in last.items():
            self.months[(month, verdict, dead, view.as_cited(report, issue).archive is not None)] += 1

    def absorb(self, other: LinkFigures) -> None:
        """Adds the counts of other links (another chunk's, maybe counted in another process):
        numbers and counters add up, sets join, and every link is held only if both say so."""
        for name in (item.name for item in fields(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, bool):
                setattr(self, name, mine and theirs)
            elif isinstance(mine, int):
                setattr(self, name, mine + theirs)
            elif isinstance(mine, set):
                mine |= theirs
            elif isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, dict):
                _add_values(mine, theirs)

    def add_held(self, report: LinkReport, marks: int, occurrences: int, *, newly_dead: bool) -> None:
        """Counts a link the view lists one by one, with its `marks` (crawler.nightly.held_links)
        and its `occurrences`; `newly_dead` when the run's diff names it so."""
        self.captures_pending += sum(capture.status is CaptureStatus.PENDING for capture in report.captures)
        if marks & FAILING:
            self.failing_occurrences += occurrences
        if marks & DEAD:
            pending = report.capture_status is CaptureStatus.PENDING
            self.dead += 1
            self.dead_captured += report.archive is not None
            self.dead_pending += pending
            self.dead_pending_uncaptured += pending and report.archive is None
            self.dead_occurrences += occurrences
            self.new_dead_occurrences += occurrences if newly_dead else 0


def _add_values(mine: dict[object, object], theirs: dict[object, object]) -> None:
    """Counts per key add up; a value worked out once per key (an issue's place) is kept."""
    for key, value in theirs.items():
        known = mine.get(key)
        mine[key] = known + value if isinstance(known, int) and isinstance(value, int) else value

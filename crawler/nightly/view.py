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

A view holds no report per link: at a million links that was most of three
gigabytes (issue 14; a report is about 1.1 KB). It reads every link once from
its source (`LinkSource`: a list in memory for `rotwatch check` and the tests,
the state a chunk at a time for the crawl, crawler.nightly.stored_reports) and
keeps
- `figures`, every count the summaries show, gathered while reading
  (`LinkFigures`);
- `reports`, the links a report lists one by one: dead, failing (any verdict
  but the `QUIET` ones), drifted, not checked, and those the run's diff names;
  every link while there are at most `EVERY_LINK_LISTED_UP_TO` (index.html
  lists them all then). Redirected links are a large share of a real archive
  (7 % of benchmarks/corpus.py's mix: moved-301, moved-308, chain-301-302),
  so they are quiet: at scale the page leaves them to links.csv.
The outputs over every link (report.json's links, links.csv) read the links a
chunk at a time (`read`) and write as they go. The first of them to read
them builds the view on the way (its figures and held links are ready once
that reading is done): at a million links each reading of the state takes
about half a minute, so the view does not read it on its own beforehand.
Asking for the figures or the held links first reads the source whole.

The crawl's source reads its chunks in several processes at scale
(crawler.nightly.stored_reports, crawler.cores), so each chunk is made into
what the view and the outputs need where it was read (`ChunkShare`: its
counts, its listed links pickled, its histories; and the output's text),
and the view adds the shares up in the source's order. Whether every link
is listed is known before reading (the source's length), so a chunk never
waits on the others.

The held links are not kept in memory but spooled as they are read
(crawler.nightly.held_links: on disk for the crawl, `spool`), and every list
the reports make of them (the dead links by issue, the drifted ones, the
change lists) is read back from there in its order a chunk at a time, so no
output holds a list that grows with the dead links. What stays in memory is
bounded by the diff or the sites: the counts (`figures`, the dead links'
captures among them) and the histories the source handed over.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from crawler.check.reasons import assessment
from crawler.models import CaptureStatus, Drift, LinkHistory, LinkReport, RunDiff, Verdict
from crawler.nightly import policy
from crawler.nightly.drift_rules import DriftRewrite, capture_of, mends
from crawler.nightly.figures import LinkFigures
from crawler.nightly.held_links import (
    CHANGE_LISTS,
    DEAD,
    DRIFTED,
    FAILING,
    ChangeLists,
    HeldLinks,
    HeldRow,
    SortedInMemory,
    Spool,
)
from crawler.nightly.link_source import Chunk, ChunkShare, InMemory, LinkSource
from crawler.report.summary import (
    Mention,
    mentions,
    not_checked,
    sorted_reports,
)

__all__ = [
    "EVERY_LINK_LISTED_UP_TO",
    "QUIET",
    "CrawlView",
    "LinkFigures",
    "ReadingOrder",
    "as_reported",
    "with_drifts",
]

EVERY_LINK_LISTED_UP_TO = 1_000  # links up to which index.html lists every one, so the view holds them all
QUIET = frozenset({Verdict.OK, Verdict.REDIRECTED, Verdict.SKIPPED})  # above that, listed in links.csv only

ReadingOrder = tuple[bool, int, str, int, int, str]  # `CrawlView.reading_order`
T = TypeVar("T")


class CrawlView:
    """One nightly crawl as the reports see it.

    `reports` is every unique URL's report, as a list or as a `LinkSource`;
    the view reads it once and holds the links listed one by one (`reports`,
    see the module) and the `figures`. `histories` the state database's story
    of each (a URL without one counts as dead only when broken now; a source's
    chunks add theirs); `issue_dates` the publication date of each issue path
    (None when unknown); `diff` how the dead links changed since the previous
    crawl; `run_counts` what the run did, in the runner's words (for example
    `{"issues": 52, "checked": 130, "reused": 870, "archive_lookups": 9}`),
    shown as given with known keys translated; `issue_titles` an optional
    human title per issue path (the path is shown when there is none).
    """

    __slots__ = (
        "_change_lists",
        "_figures",
        "_held",
        "_issue_orders",
        "_reading",
        "_spool",
        "diff",
        "generated_at",
        "histories",
        "issue_dates",
        "issue_titles",
        "run_counts",
        "source",
    )

    def __init__(
        self,
        reports: Sequence[LinkReport] | LinkSource,
        histories: Mapping[str, LinkHistory],
        issue_dates: Mapping[str, date | None],
        diff: RunDiff,
        generated_at: datetime,
        run_counts: Mapping[str, int] | None = None,
        issue_titles: Mapping[str, str] | None = None,
        spool: Callable[[], Spool] = SortedInMemory,
    ) -> None:
        self.source: LinkSource = InMemory(reports) if isinstance(reports, Sequence) else reports
        self.histories = dict(histories)
        self.issue_dates = issue_dates
        self.diff = diff
        self.generated_at = generated_at
        self.run_counts: Mapping[str, int] = run_counts if run_counts is not None else {}
        self.issue_titles: Mapping[str, str] = issue_titles if issue_titles is not None else {}
        self._figures = LinkFigures()
        self._held: HeldLinks | None = None  # until the source has been read whole once
        self._reading = False
        self._spool = spool  # where the held links go (crawler.nightly.held_links)
        self._issue_orders: dict[str, tuple[bool, int, str]] = {}  # `issue_order`'s answers, one per issue
        self._change_lists = ChangeLists(diff)

    @property
    def reports(self) -> list[LinkReport]:
        """The links listed one by one (see the module), in the source's order, as one list
        (for `rotwatch demo` and the tests; the reports read them in chunks: `held_reports`)."""
        return list(self.held_reports())

    def held_reports(self, mask: int | None = None) -> Iterator[LinkReport]:
        """The links listed one by one in the source's order, only the DEAD or DRIFTED
        ones when `mask` says so (crawler.nightly.held_links)."""
        return self._read_whole().reports(mask)

    def listed_mentions(self, mask: int | None = None) -> Iterator[Mention]:
        """`mentions()` a chunk at a time, only the DEAD, DRIFTED or FAILING ones when `mask` says so."""
        return self._read_whole().mentions(mask)

    def changes(self, name: str) -> Iterator[tuple[str, LinkReport | None]]:
        """A list of the diff (`RunDiff`'s name for it) with each URL's link (None when no longer
        cited): by the URL's first occurrence in reading order, then the URLs no longer cited."""
        return self._read_whole().changes(CHANGE_LISTS.index(name))

    def spool(self) -> Spool:
        """A new sort where the held links are spooled (for the crawl, in their temporary
        database, so its page cache serves both): links.csv sorts its rows there."""
        return self._spool()

    def change_count(self, name: str) -> int:
        """How many entries `changes(name)` has."""
        return self._read_whole().change_count(CHANGE_LISTS.index(name))

    @property
    def figures(self) -> LinkFigures:
        """The counts over every link."""
        self._read_whole()
        return self._figures

    def _read_whole(self) -> HeldLinks:
        if self._held is None:
            for _ in self.read(_nothing):
                pass
        if self._held is None:
            raise RuntimeError("the view's first reading did not finish")
        return self._held

    def links(self) -> Iterator[list[LinkReport]]:
        """Every link, a chunk at a time, by URL (the order of report.json): `read` as reports."""
        return self.read(_reports)

    def read(self, render: Callable[[CrawlView, list[LinkReport]], T]) -> Iterator[T]:
        """Every link a chunk at a time by URL, each chunk as `render` makes it of the view and
        the chunk's reports, in the process that read the chunk (the source may read them in
        several: what `render` returns travels back, so text and rows, not reports, are cheap).
        The first whole reading is also the view's own: what an output over every link reads
        before the others (report.json and links.csv, crawler.report.crawl_reports) builds the
        view on the way, so the links are read once for all; later readings read the source again."""
        if self._held is not None:
            yield from self.source.taken(lambda chunk: render(self, sorted_reports(chunk[0])))
            return
        if self._reading:
            raise RuntimeError("the view's figures were asked for while its first reading was under way")
        self._reading = True
        try:
            figures, held = yield from self._gather(render)
        finally:
            self._reading = False
        self._figures, self._held = figures, held

    def _gather(
        self, render: Callable[[CrawlView, list[LinkReport]], T]
    ) -> Generator[T, None, tuple[LinkFigures, HeldLinks]]:
        """Reads the source: the figures of every link, and the links listed one by one
        (every one while there are at most EVERY_LINK_LISTED_UP_TO), spooled in the source's order."""
        figures = LinkFigures(every_link_held=len(self.source) <= EVERY_LINK_LISTED_UP_TO)
        held = HeldLinks(self._spool, self.diff)
        take = partial(self._share, render, figures.every_link_held)
        for share, rendered in self.source.taken(take):
            self.histories.update(share.histories)
            figures.absorb(share.figures)
            for row in share.held:
                held.add(row)
            yield rendered
        held.not_cited()
        return figures, held

    def _share(
        self, render: Callable[[CrawlView, list[LinkReport]], T], every_link_held: bool, chunk: Chunk
    ) -> tuple[ChunkShare, T]:
        """One chunk's share of the view (its counts, its listed links packed, its histories)
        and `render`'s of it: made in the process that read the chunk."""
        reports, histories = chunk
        self.histories.update(histories)
        figures = LinkFigures()
        for report in reports:
            figures.add(report, self)
        listed = reports if every_link_held else [report for report in reports if self._listed(report)]
        held = [self._held_row(report, figures) for report in listed]
        return ChunkShare(figures, held, histories), render(self, sorted_reports(reports))

    def _held_row(self, report: LinkReport, figures: LinkFigures) -> HeldRow:
        """A listed link with its occurrences as cited, packed for the spool; the figures count
        what the summaries say of it."""
        dead = self.is_dead(report)
        marks = (DEAD if dead else 0) | (DRIFTED if report.drift is not None else 0)
        if not dead and report.assessment.verdict not in QUIET:
            marks |= FAILING
        cited = [Mention(self.as_cited(report, place.issue), place) for place in report.occurrences]
        keyed = [(self.reading_order(mention), marks, mention) for mention in cited]
        row = self._change_lists.held_row(report, marks, keyed)
        figures.add_held(report, marks, len(cited), newly_dead="newly_dead" in row.list_names)
        return row

    def _listed(self, report: LinkReport) -> bool:
        """Whether some report lists the link one by one whatever the number of links."""
        return (
            report.assessment.verdict not in QUIET
            or self.is_dead(report)
            or report.drift is not None
            or not_checked(report)
            or report.url in self._change_lists
        )

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
        return list(self.held_reports(DEAD))

    def rewritten_reports(self, drift_rewrite: DriftRewrite) -> Iterator[LinkReport]:
        """The links the archival copies point at captures: the dead ones, then the drifted
        ones that `drift_rewrite` mends, each pointed at the capture it was compared with."""
        yield from self.held_reports(DEAD)
        for report in self.held_reports(DRIFTED):
            mended = _at_capture(report) if not self.is_dead(report) and mends(report.drift, drift_rewrite) else None
            if mended is not None:
                yield mended

    def not_checked_reports(self) -> list[LinkReport]:
        """Links with no recorded answer (the crawl stopped before them):
        every report says how many (`figures.not_checked`), and none says all is well while any is."""
        return [report for report in self.held_reports() if not_checked(report)]

    def mentions(self, reports: Iterable[LinkReport] | None = None) -> list[Mention]:
        """Every occurrence of the held links (or of `reports`), newest issue first (undated
        last), each issue top to bottom: the order editors read the archive in; each with the
        capture of its own issue's date."""
        if reports is None:
            return list(self.listed_mentions())
        every = mentions(reports)
        ordered = sorted(every, key=lambda mention: self.issue_order(mention.occurrence.issue))
        return [
            mention
            if (cited := self.as_cited(mention.report, mention.occurrence.issue)) is mention.report
            else Mention(cited, mention.occurrence)
            for mention in ordered
        ]

    def reading_order(self, mention: Mention) -> ReadingOrder:
        """Where `mentions` puts an occurrence, as one key: its issue's order, then its place."""
        occurrence = mention.occurrence
        return (*self.issue_order(occurrence.issue), occurrence.line, occurrence.column, mention.report.url)

    def as_cited(self, report: LinkReport, issue: str) -> LinkReport:
        """The report with the capture of `issue`'s date as the link's own."""
        if not report.captures:
            return report
        capture = report.capture_for(self.issue_date(issue))
        if capture is None:
            return report
        return replace(report, archive=capture.snapshot, archive_url=capture.url, capture_status=capture.status)

    def issue_order(self, issue: str) -> tuple[bool, int, str]:
        """Newest issue first, undated last (worked out once an issue: it is asked per occurrence)."""
        order = self._issue_orders.get(issue)
        if order is None:
            published = self.issue_date(issue)
            order = self._issue_orders[issue] = (published is None, -published.toordinal() if published else 0, issue)
        return order


def _reports(view: CrawlView, reports: list[LinkReport]) -> list[LinkReport]:
    return reports


def _nothing(view: CrawlView, reports: list[LinkReport]) -> None:
    return None


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

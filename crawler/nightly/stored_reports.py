"""The nightly crawl's reports, read back from the state a chunk of links at a time.

Results are not held once stored (crawler.nightly.results), so every step
after the checks reads each link's last check from the state: `REPORT_CHUNK`
links at a time, each chunk with its histories, so no step holds every
report twice. `StoredReports` is that reading for one crawl's plan; the
first pass (what the archive, Save Page Now and drift need), tonight's drift
judgement and the view all go through it.

`ReportedLinks` is the crawl view's source (crawler.nightly.view.LinkSource):
each chunk as the reports show it, through the view's steps in their order
(a link dead by its history reads as broken, `as_reported`; each live link
with its drift; each dead link with its capture per date cited). The
reports read it once (report.json's reading builds the view and sorts
links.csv); a later reading (any output asking again) repeats neither the
drift judgement nor the archive's cached answers: the first whole reading
remembers them, for the drifted and dead links only.

The crawl still reads the state three times: the first pass (before the
archive step, which needs the dead links), tonight's drift judgement (after
the baseline step, which it needs) and the reports'. The judgement cannot
join the reports' reading: the run's diff names the newly drifted links it
records, and the view needs the diff before it reads (it holds the links the
diff names).

The reports' reading (`ReportedLinks.taken`) is most of `rotwatch report`'s
time at scale, Python work per link on one core, so from
`crawler.cores.FORK_FROM_LINKS` links it is shared with a worker per spare
core: each is handed a chunk of the plan's rows and reads the state through
a connection of its own. What a worker judges or finds is not remembered for a later
reading, which then asks the state again and gets the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TypeVar

from crawler.check.plan import archive_requests, build_reports, with_captures
from crawler.check.site_rules import SiteRule
from crawler.check.urls import is_http_url
from crawler.collector import collector_paused
from crawler.cores import taken_in_order, workers_for
from crawler.models import ArchiveLookup, Assessment, CheckResult, Drift, LinkHistory, LinkReport, Verdict
from crawler.nightly.archive_step import settled_answers
from crawler.nightly.baseline_step import WantedBaselines, drifts, live_cited, record_drifts
from crawler.nightly.link_source import Chunk
from crawler.nightly.plan_spool import PlanRow, PlanSpool, plan_of, rows_requesting
from crawler.nightly.policy import is_dead
from crawler.nightly.store import StateStore
from crawler.nightly.view import as_reported, with_drifts
from crawler.report.summary import count_by_verdict
from crawler.wayback.archives import MementoArchive

__all__ = ["REPORT_CHUNK", "FirstPass", "ReportedLinks", "StoredReports"]

REPORT_CHUNK = 5_000  # links read back from the state at a time (two processes at a million: 10,000 held 507 MB)

Pair = tuple[str, date | None]  # a link and a date it is cited on
T = TypeVar("T")


@dataclass
class FirstPass:
    """What steps 4 and 4b need of every link, gathered a chunk of reports at a time."""

    dead: list[LinkReport] = field(default_factory=list)  # for the archive
    live: list[str] = field(default_factory=list)  # for Save Page Now, if asked
    baselines: WantedBaselines | None = None  # the live links whose "then" the archive must give (drift)
    verdicts: dict[Verdict, int] = field(default_factory=lambda: count_by_verdict(()))


class StoredReports:
    """Every cited link's report from its last check stored (or as `kept`, for the few the
    state would give back otherwise), a chunk at a time."""

    def __init__(
        self,
        store: StateStore,
        plan: PlanSpool,
        kept: Mapping[str, tuple[CheckResult, Assessment]],
        rules: Sequence[SiteRule] | None,
    ) -> None:
        self.store, self.plan, self.kept, self.rules = store, plan, kept, rules

    def chunks(self, only: Container[str] | None = None) -> Iterator[tuple[list[LinkReport], dict[str, LinkHistory]]]:
        """`build_reports` over the plan, REPORT_CHUNK links at a time in URL order, with their
        histories; with `only`, of the links requesting one of those URLs (no empty chunk)."""
        for rows in self.plan.row_chunks(REPORT_CHUNK):
            wanted = rows if only is None else rows_requesting(rows, only)
            if wanted:
                yield self.reports_of(wanted)

    def reports_of(self, rows: Sequence[PlanRow]) -> tuple[list[LinkReport], dict[str, LinkHistory]]:
        """One chunk of the plan's rows (`PlanSpool.row_chunks`) as reports, with their histories."""
        with collector_paused():
            part = plan_of(rows)
            stored, histories = self.store.stories(part.to_fetch)
            stored.update((url, self.kept[url]) for url in part.to_fetch if url in self.kept)
            return build_reports(part, {}, stored, rules=self.rules), histories

    def first_pass(self, save_live: bool, issue_dates: Mapping[str, date | None], *, archive: bool) -> FirstPass:
        """The dead links, the live ones (with `save_live`, for Save Page Now), those whose "then"
        the archive must give for drift (unless the `archive` is off) and the links by verdict."""
        first = FirstPass(baselines=WantedBaselines(self.store) if archive else None)
        for reports, histories in self.chunks():
            first.dead += [r for r in reports if is_dead(r.assessment.verdict, histories.get(r.url))]
            first.live += _live_links(reports) if save_live else []
            if first.baselines is not None:
                first.baselines.add(live_cited(reports, issue_dates))
            for verdict, count in count_by_verdict(reports).items():
                first.verdicts[verdict] += count
        first.dead.sort(key=lambda report: report.url)
        first.live.sort()
        return first

    def judge_drifts(self, issue_dates: Mapping[str, date | None]) -> dict[str, Drift]:
        """Tonight's drift of every link, noted in the state a chunk at a time
        (`drifted_since`); only the drifted ones are returned. Only the links whose judgement
        can change are read back (`BaselineMemory.to_judge`): at a million links reading every
        link's report took 23 s, and nearly every page is still its baseline."""
        drifted: dict[str, Drift] = {}
        for reports, _ in self.chunks(only=self.store.baselines.to_judge()):
            judged = drifts(self.store, reports, issue_dates)
            record_drifts(self.store, judged)
            drifted.update((url, drift) for url, drift in judged.items() if drift is not None)
        return drifted


class ReportedLinks:
    """Every link's report as the crawl's reports show it, a chunk at a time (see the module):
    with the crawl's `answers` and `drifted` when it has them, else the state's."""

    def __init__(
        self,
        stored: StoredReports,
        issue_dates: Mapping[str, date | None],
        endpoint: str,
        further: Sequence[MementoArchive],
        answers: Mapping[Pair, ArchiveLookup] | None = None,
        drifted: Mapping[str, Drift | None] | None = None,
    ) -> None:
        self.stored, self.issue_dates, self.endpoint, self.further = stored, issue_dates, endpoint, further
        self.answers, self.drifted = answers, drifted

    def chunks(self) -> Iterator[Chunk]:
        """Each chunk's reports by URL, with the histories that say more than "never failed":
        every report reads a link with none as one the state knows nothing of (dead only if
        broken now, no dates)."""
        answers: dict[Pair, ArchiveLookup] = {}
        drifted: dict[str, Drift | None] = {}
        for rows in self.stored.plan.row_chunks(REPORT_CHUNK):
            chunk, found, judged = self._reported(rows)
            answers.update(found)
            drifted.update((url, drift) for url, drift in judged.items() if drift is not None)
            yield chunk
        self.answers = self.answers if self.answers is not None else answers
        self.drifted = self.drifted if self.drifted is not None else drifted

    def taken(self, take: Callable[[Chunk], T]) -> Iterator[T]:
        """`take` of each chunk, in order; at scale by this process and a worker per spare core
        (crawler.cores), each reading the state itself: the reports' one reading of a million
        links is Python work per link on one core otherwise."""
        workers = workers_for(len(self))
        pieces = self.stored.plan.row_chunks(REPORT_CHUNK)
        return taken_in_order(pieces, partial(self._taken, take), workers=workers, prepare=self._own_connection)

    def __len__(self) -> int:
        return self.stored.plan.link_count()

    def _taken(self, take: Callable[[Chunk], T], rows: Sequence[PlanRow]) -> T:
        return take(self._reported(rows)[0])

    def _own_connection(self) -> None:
        """In a forked worker: the state read through a connection of its own."""
        self.stored.store = self.stored.store.reopened_read_only()

    def _reported(
        self, rows: Sequence[PlanRow]
    ) -> tuple[Chunk, Mapping[Pair, ArchiveLookup], Mapping[str, Drift | None]]:
        """One chunk as the reports show it, with the archive's answers it found and the drift it judged."""
        chunk, known = self.stored.reports_of(rows)
        news = {url: history for url, history in known.items() if _has_news(history)}
        reports = [as_reported(report, known.get(report.url)) for report in chunk]
        dead = [report for report in reports if is_dead(report.assessment.verdict, news.get(report.url))]
        judged = self._drifts(reports)
        found = self._answers(dead)
        reports = with_drifts(reports, judged)
        reports = with_captures(reports, found, self.endpoint, self.issue_dates, {report.url for report in dead})
        reports.sort(key=lambda report: report.url)
        return (reports, news), found, judged

    def _drifts(self, reports: Sequence[LinkReport]) -> Mapping[str, Drift | None]:
        if self.drifted is not None:
            return self.drifted
        return drifts(self.stored.store, reports, self.issue_dates)

    def _answers(self, dead: Sequence[LinkReport]) -> Mapping[Pair, ArchiveLookup]:
        """The archive's answers the dead links show: a "none" the further archives owe is pending."""
        if self.answers is not None:
            return self.answers
        cached = self.stored.store.archive.cached(archive_requests(dead, frozenset(Verdict), self.issue_dates))
        return settled_answers(cached, self.further)


def _has_news(history: LinkHistory) -> bool:
    """Whether a link's history says more than "never failed": it is failing, or dead, or was."""
    return history.dead or history.failing_since is not None or history.dead_since is not None


def _live_links(reports: Sequence[LinkReport]) -> list[str]:
    """The working http(s) links: what Save Page Now may capture."""
    working = (Verdict.OK, Verdict.REDIRECTED)
    return [report.url for report in reports if report.assessment.verdict in working and is_http_url(report.url)]

"""The nightly crawl's reports, read back from the state a chunk of links at a time.

Results are not held once stored (crawler.nightly.results), so every step
after the checks reads each link's last check from the state: `REPORT_CHUNK`
links at a time, each chunk with its histories, so no step holds every
report twice. `StoredReports` is that reading for one crawl's plan; the
first pass (what the archive, Save Page Now and drift need), tonight's drift
judgement and the view all go through it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from crawler.check.plan import build_reports
from crawler.check.site_rules import SiteRule
from crawler.check.urls import is_http_url
from crawler.models import Assessment, CheckResult, Drift, LinkHistory, LinkReport, Verdict
from crawler.nightly.baseline_step import drifts, live_cited, record_drifts
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import is_dead
from crawler.nightly.store import StateStore
from crawler.report.summary import count_by_verdict

__all__ = ["REPORT_CHUNK", "FirstPass", "StoredReports"]

REPORT_CHUNK = 10_000  # links read back from the state at a time


@dataclass
class FirstPass:
    """What steps 4 and 4b need of every link, gathered a chunk of reports at a time."""

    dead: list[LinkReport] = field(default_factory=list)  # for the archive
    live: list[str] = field(default_factory=list)  # for Save Page Now, if asked
    cited: dict[str, date | None] = field(default_factory=dict)  # live links by earliest date cited (drift)
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

    def chunks(self) -> Iterator[tuple[list[LinkReport], dict[str, LinkHistory]]]:
        """`build_reports` over the plan, REPORT_CHUNK links at a time in URL order, with their histories."""
        for part in self.plan.chunks(REPORT_CHUNK):
            stored = self.store.last_results(part.to_fetch)
            stored.update((url, self.kept[url]) for url in part.to_fetch if url in self.kept)
            yield build_reports(part, {}, stored, rules=self.rules), self.store.histories(part.to_fetch)

    def first_pass(self, save_live: bool, issue_dates: Mapping[str, date | None]) -> FirstPass:
        """The dead links, the live ones (with `save_live`, for Save Page Now; and by the
        earliest date cited, for drift) and the links by verdict."""
        first = FirstPass()
        for reports, histories in self.chunks():
            first.dead += [r for r in reports if is_dead(r.assessment.verdict, histories.get(r.url))]
            first.live += _live_links(reports) if save_live else []
            first.cited.update(live_cited(reports, issue_dates))
            for verdict, count in count_by_verdict(reports).items():
                first.verdicts[verdict] += count
        first.dead.sort(key=lambda report: report.url)
        first.live.sort()
        return first

    def judge_drifts(self, issue_dates: Mapping[str, date | None]) -> dict[str, Drift]:
        """Tonight's drift of every link, noted in the state a chunk at a time
        (`drifted_since`); only the drifted ones are returned."""
        drifted: dict[str, Drift] = {}
        for reports, _ in self.chunks():
            judged = drifts(self.store, reports, issue_dates)
            record_drifts(self.store, judged)
            drifted.update((url, drift) for url, drift in judged.items() if drift is not None)
        return drifted


def _live_links(reports: Sequence[LinkReport]) -> list[str]:
    """The working http(s) links: what Save Page Now may capture."""
    working = (Verdict.OK, Verdict.REDIRECTED)
    return [report.url for report in reports if report.assessment.verdict in working and is_http_url(report.url)]

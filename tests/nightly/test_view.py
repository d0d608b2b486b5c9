"""The crawl as its reports see it: which links are dead, and how a link dead by its history reads."""

from __future__ import annotations

from datetime import UTC, datetime

import crawler.nightly.view
from crawler.models import Assessment, CheckResult, LinkHistory, LinkKind, LinkOccurrence, LinkReport, RunDiff, Verdict
from crawler.nightly.view import CrawlView, as_reported

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
URL = "https://flaky.example/story"


def report(verdict: Verdict, reason: str, url: str = URL) -> LinkReport:
    occurrence = LinkOccurrence(url, "issues/a.md", 1, 3, "story", LinkKind.LINK, url)
    return LinkReport(url, Assessment(verdict, reason), CheckResult(url), (occurrence,))


def history(*, dead: bool, failures: int = 3) -> LinkHistory:
    return LinkHistory(
        URL, T0, last_verdict=Verdict.UNREACHABLE, failing_since=T0, consecutive_failures=failures, dead=dead
    )


def test_a_link_dead_by_its_history_reads_as_broken_with_the_streak_as_reason():
    reported = as_reported(report(Verdict.UNREACHABLE, "503 Service Unavailable"), history(dead=True, failures=4))
    assert reported.assessment == Assessment(
        Verdict.BROKEN, "unreachable in 4 crawls since 2024-03-01: 503 Service Unavailable"
    )


def test_other_reports_read_as_they_are():
    unreachable, broken = report(Verdict.UNREACHABLE, "timeout"), report(Verdict.BROKEN, "404 Not Found")
    assert as_reported(unreachable, history(dead=False)) is unreachable
    assert as_reported(unreachable, None) is unreachable
    assert as_reported(broken, history(dead=True)) is broken


def test_dead_reports_are_the_links_the_policy_counts_as_dead():
    gone = report(Verdict.BROKEN, "404 Not Found", "https://gone.example/")
    flaky = report(Verdict.UNREACHABLE, "timeout")
    fine = report(Verdict.OK, "200 OK", "https://fine.example/")
    view = CrawlView([gone, flaky, fine], {URL: history(dead=True)}, {}, RunDiff(), T0)
    assert view.dead_reports() == [gone, flaky]
    assert [view.is_dead(r) for r in (gone, flaky, fine)] == [True, True, False]


def test_public_names_are_pinned():
    assert sorted(crawler.nightly.view.__all__) == [
        "CrawlView",
        "EVERY_LINK_LISTED_UP_TO",
        "LinkFigures",
        "QUIET",
        "ReadingOrder",
        "as_reported",
        "with_drifts",
    ]

"""Crawl views built by hand for the index.html tests, and helpers to read the page.

`sample_view`: four issues over three months plus one undated, every
verdict, dead links with and without an archive capture, Chinese text, an
issue title and a page title holding `<script>alert(1)</script>`, and a
`javascript:` URL written in an issue. `drift_view` adds drifted links (a
takeover judged against a Wayback capture, a parked domain and a replaced page
judged against rotwatch's first check) and a dead link mended from
archive.today, a Memento archive. `real_issue_view` turns the real
Chinese issue into a view as well; the browser test renders both, and the
crawl report tests write files from `sample_view`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html

from crawler.issues.extract import extract_links
from crawler.models import (
    Assessment,
    CheckResult,
    Drift,
    DriftKind,
    ErrorKind,
    LinkHistory,
    LinkKind,
    LinkOccurrence,
    LinkReport,
    Page,
    RunDiff,
    Snapshot,
    Verdict,
)
from crawler.nightly.view import CrawlView
from crawler.report.html import render

ROOT = Path(__file__).parents[2]
REAL_ISSUE = "issues/2024-03-27-ai-deca-show.md"

WHEN = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
MARCH = "issues/2024-03-27-ai-deca-show.md"
APRIL = "issues/2024-04-03-weekly.md"
FEBRUARY = "issues/2024-02-14-valentine.md"
UNDATED = "issues/notes.md"
HOSTILE = "<script>alert(1)</script>"
JAVASCRIPT_URL = "javascript:alert(document.cookie)"
PLAYBACK = "https://web.archive.org/web/20240301120000/https://example.com/gone-404"


def link(
    url: str,
    verdict: Verdict,
    reason: str,
    places: tuple[tuple[str, int], ...],
    *,
    text: str = "链接",
    kind: LinkKind = LinkKind.LINK,
    result: CheckResult | None = None,
    archive: Snapshot | None = None,
    archive_url: str | None = None,
    drift: Drift | None = None,
) -> LinkReport:
    occurrences = tuple(LinkOccurrence(url, issue, line, 3, text, kind, url) for issue, line in places)
    return LinkReport(
        url, Assessment(verdict, reason), result or CheckResult(url), occurrences, archive, archive_url, drift=drift
    )


def dead_history(url: str, since: datetime, *, dead: bool = True) -> LinkHistory:
    return LinkHistory(
        url,
        first_seen=datetime(2024, 1, 1, tzinfo=UTC),
        failing_since=since,
        dead=dead,
        dead_since=since if dead else None,
        consecutive_failures=3,
    )


GONE_404 = link(
    "https://example.com/gone-404",
    Verdict.BROKEN,
    "HTTP 404",
    ((MARCH, 12), (APRIL, 5)),
    text="苹果 MM1 论文",
    result=CheckResult("https://example.com/gone-404", http_status=404),
    archive=Snapshot("https://example.com/gone-404", "20240301120000", 200),
    archive_url=PLAYBACK,
)
NXDOMAIN = link(
    "https://vanished.example.org/post",
    Verdict.BROKEN,
    "domain does not exist",
    ((MARCH, 20),),
    result=CheckResult("https://vanished.example.org/post", error=ErrorKind.NXDOMAIN),
)
IMAGE = link(
    "https://img2.imgtp.com/2024/03/27/4hLUr1Cb.jpeg",
    Verdict.BROKEN,
    "HTTP 410",
    ((MARCH, 7),),
    text="示意图",
    kind=LinkKind.IMAGE,
    result=CheckResult("https://img2.imgtp.com/2024/03/27/4hLUr1Cb.jpeg", http_status=410),
)
SCRIPTED = link(
    "https://hostile.example.net/page",
    Verdict.BROKEN,
    f"soft-404: page says {HOSTILE}",
    ((APRIL, 9),),
    text=f"see {HOSTILE}",
    result=CheckResult("https://hostile.example.net/page", http_status=200, page=Page(title=HOSTILE)),
)
FLAKY_DEAD = link(
    "https://slow.example.com/a",
    Verdict.UNREACHABLE,
    "timed out after 3 tries",
    ((FEBRUARY, 4),),
    result=CheckResult("https://slow.example.com/a", error=ErrorKind.TIMEOUT),
)
FLAKY = link(
    "https://slow.example.com/b",
    Verdict.UNREACHABLE,
    "HTTP 503 after retries",
    ((APRIL, 11),),
    result=CheckResult("https://slow.example.com/b", http_status=503),
)
BLOCKED = link("https://x.com/status/1", Verdict.BLOCKED, "HTTP 403", ((MARCH, 30),))
MOVED = link(
    "http://moved.example/old",
    Verdict.REDIRECTED,
    "moved permanently",
    ((FEBRUARY, 8),),
    result=CheckResult("http://moved.example/old", http_status=200, final_url="https://moved.example/new"),
)
FINE = [
    link(f"https://ok{n}.example.com/", Verdict.OK, "HTTP 200", ((issue, 40 + n),))
    for n, issue in enumerate([MARCH, MARCH, APRIL, FEBRUARY, FEBRUARY, UNDATED])
]
SCRIPT_URL = link(JAVASCRIPT_URL, Verdict.SKIPPED, "not http(s)", ((APRIL, 15),), text="click me")
MAIL = link("mailto:editor@example.com", Verdict.SKIPPED, "not http(s)", ((UNDATED, 2),), text="写信")

REPORTS = [GONE_404, NXDOMAIN, IMAGE, SCRIPTED, FLAKY_DEAD, FLAKY, BLOCKED, MOVED, *FINE, SCRIPT_URL, MAIL]
DEAD = [GONE_404, NXDOMAIN, IMAGE, SCRIPTED, FLAKY_DEAD]


def sample_view(**changes) -> CrawlView:
    fields = {
        "reports": REPORTS,
        "histories": {
            GONE_404.url: dead_history(GONE_404.url, datetime(2024, 5, 1, tzinfo=UTC)),
            NXDOMAIN.url: dead_history(NXDOMAIN.url, datetime(2024, 5, 1, tzinfo=UTC)),
            FLAKY_DEAD.url: dead_history(FLAKY_DEAD.url, datetime(2024, 4, 20, tzinfo=UTC)),
            FLAKY.url: dead_history(FLAKY.url, datetime(2024, 5, 1, tzinfo=UTC), dead=False),
        },
        "issue_dates": {MARCH: date(2024, 3, 27), APRIL: date(2024, 4, 3), FEBRUARY: date(2024, 2, 14), UNDATED: None},
        "diff": RunDiff(
            newly_dead=(GONE_404.url, NXDOMAIN.url),
            fixed=("https://fixed.example.com/back",),
            still_dead=(IMAGE.url, SCRIPTED.url, FLAKY_DEAD.url),
        ),
        "generated_at": WHEN,
        "run_counts": {"issues": 4, "checked": 12, "reused": 5, "archive_lookups": 2},
        "issue_titles": {MARCH: "AI 十项全能秀 2024-03-27", APRIL: f"Weekly {HOSTILE}"},
    }
    return CrawlView(**(fields | changes))


TAKEOVER_CAPTURE = "https://web.archive.org/web/20240320000000/https://deca-show.example.com/"
TAKEOVER = link(
    "https://deca-show.example.com/",
    Verdict.OK,
    "HTTP 200",
    ((MARCH, 25),),
    text="十项全能秀官网",
    result=CheckResult("https://deca-show.example.com/", 200, page=Page(title="Slot Gacor Hari Ini | Situs Judi")),
    drift=Drift(
        DriftKind.TAKEOVER,
        'now a gambling page: title has "slot gacor"',
        "AI 十项全能秀 | Deca Show",
        "Slot Gacor Hari Ini | Situs Judi",
        TAKEOVER_CAPTURE,
        "2024-03-20",
    ),
)
PARKED = link(
    "https://tinytools.example.net/",
    Verdict.OK,
    "HTTP 200",
    ((APRIL, 22),),
    text="TinyTools",
    result=CheckResult("https://tinytools.example.net/", 200, page=Page(title="tinytools.example.net is for sale")),
    drift=Drift(
        DriftKind.PARKED,
        'now a parked or expired domain: "tinytools.example.net is for sale"',
        "TinyTools - small tools for the command line",
        "tinytools.example.net is for sale",
        None,
        "2024-04-03",
    ),
)
REPLACED = link(
    "https://press.example.org/2024/launch",
    Verdict.OK,
    "HTTP 200",
    ((FEBRUARY, 12),),
    text="发布会报道",
    result=CheckResult("https://press.example.org/2024/launch", 200, page=Page(title="Subscribe | Press")),
    drift=Drift(
        DriftKind.REPLACED,
        "now another page",
        f"Launch day {HOSTILE} | Press",
        "Subscribe | Press",
        "https://web.archive.org/web/20240210000000/https://press.example.org/2024/launch",
        "2024-02-10",
    ),
)
MEMENTO_PLAYBACK = "https://archive.ph/20240301000000/https://lost.example.com/post"
MENDED = link(
    "https://lost.example.com/post",
    Verdict.BROKEN,
    "HTTP 404",
    ((APRIL, 14),),
    text="旧文章",
    result=CheckResult("https://lost.example.com/post", http_status=404),
    archive=Snapshot(
        "https://lost.example.com/post", "20240301000000", 200, archive="archive.today", memento_url=MEMENTO_PLAYBACK
    ),
    archive_url=MEMENTO_PLAYBACK,
)
DRIFTED = [TAKEOVER, PARKED, REPLACED]


def drift_view(**changes) -> CrawlView:
    """`sample_view` with drifted links (two of them new tonight) and a dead link mended from archive.today."""
    base = sample_view()
    fields = {
        "reports": [*REPORTS, *DRIFTED, MENDED],
        "diff": RunDiff(
            newly_dead=(*base.diff.newly_dead, MENDED.url),
            fixed=base.diff.fixed,
            still_dead=base.diff.still_dead,
            newly_drifted=(TAKEOVER.url, PARKED.url),
        ),
    }
    return sample_view(**(fields | changes))


def real_issue_view() -> CrawlView:
    """The real Chinese issue's links with a spread of invented verdicts:
    every fifth link broken (alternately with a capture), every seventh
    redirected, the image host blocked."""
    text = (ROOT / REAL_ISSUE).read_text(encoding="utf-8")
    by_url: dict[str, list[LinkOccurrence]] = {}
    for occurrence in extract_links(text, REAL_ISSUE):
        by_url.setdefault(occurrence.url, []).append(occurrence)
    reports = [_invented_report(index, url, tuple(places)) for index, (url, places) in enumerate(by_url.items())]
    dead = [report.url for report in reports if report.assessment.verdict is Verdict.BROKEN]
    return CrawlView(
        reports=reports,
        histories={url: dead_history(url, datetime(2024, 4, 28, tzinfo=UTC)) for url in dead},
        issue_dates={REAL_ISSUE: date(2024, 3, 27)},
        diff=RunDiff(newly_dead=tuple(dead[:2]), fixed=("https://fixed.example.com/",), still_dead=tuple(dead[2:])),
        generated_at=WHEN,
        run_counts={"issues": 1, "checked": len(reports), "archive_lookups": len(dead)},
        issue_titles={REAL_ISSUE: "AI 十项全能秀 · 2024 年 3 月 27 日"},
    )


def _invented_report(index: int, url: str, places: tuple[LinkOccurrence, ...]) -> LinkReport:
    if "imgtp.com" in url:
        return LinkReport(
            url, Assessment(Verdict.BLOCKED, "HTTP 403: refuses automated clients"), CheckResult(url, 403), places
        )
    if index % 5 == 0:
        capture = Snapshot(url, "20240327093000", 200) if index % 10 == 0 else None
        playback = f"https://web.archive.org/web/20240327093000/{url}" if capture else None
        return LinkReport(url, Assessment(Verdict.BROKEN, "HTTP 404"), CheckResult(url, 404), places, capture, playback)
    if index % 7 == 0:
        final = url.replace("http://", "https://") + "?moved=1"
        result = CheckResult(url, 200, final_url=final)
        return LinkReport(url, Assessment(Verdict.REDIRECTED, f"moved permanently to {final}"), result, places)
    return LinkReport(url, Assessment(Verdict.OK, "HTTP 200"), CheckResult(url, 200), places)


def page(view: CrawlView | None = None, lang: str = "en") -> str:
    return render(view or sample_view(), lang=lang)


def tree(text: str):
    return lxml.html.fromstring(text)


def texts(elements) -> list[str]:
    """Each element's text as read: pieces from separate elements separated, whitespace collapsed."""
    return [" ".join(" ".join(element.itertext()).split()) for element in elements]


def dead_rows(document) -> list:
    return document.xpath('//section[@id="dead"]//tr[@data-verdict]')

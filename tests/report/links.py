"""Link reports built by hand for the tests of `rotwatch check`'s formats.

A few of each verdict, Chinese link text, a page title holding `<script>`
and `|`, URLs holding `,` `:` `%`, so every escape rule of every format is
exercised on the text that would break it. `WITH_DRIFT` adds a link whose
domain was taken over (its evidence holding `|` and `<script>` too), a
replaced page judged against rotwatch's first check, and a dead link mended
from archive.today, a Memento archive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from crawler.models import (
    Assessment,
    CheckResult,
    Drift,
    DriftKind,
    ErrorKind,
    LinkKind,
    LinkOccurrence,
    LinkReport,
    Page,
    Snapshot,
    Verdict,
)
from crawler.report import render
from crawler.report.summary import DEFAULT_FAILING

DATA = Path(__file__).parents[1] / "data"

WHEN = datetime(2024, 3, 28, 6, 0, 0, tzinfo=UTC)
ISSUE = "issues/2024-03-27-ai-deca-show.md"
LATER_ISSUE = "issues/2024-04-03-weekly.md"
WIDENED = frozenset({Verdict.BROKEN, Verdict.UNREACHABLE, Verdict.SKIPPED})

COMMA_URL = "https://example.com/a,b:c%20d"
PLAYBACK = f"https://web.archive.org/web/20240301120000/{COMMA_URL}"
HOSTILE_TITLE = "Not | Found <script>alert(1)</script>"


def link(
    url: str,
    verdict: Verdict,
    reason: str,
    places: tuple[tuple[str, int, int], ...] = ((ISSUE, 1, 1),),
    *,
    result: CheckResult | None = None,
    written: str | None = None,
    text: str = "链接",
    kind: LinkKind = LinkKind.LINK,
    archive: Snapshot | None = None,
    archive_url: str | None = None,
    drift: Drift | None = None,
) -> LinkReport:
    occurrences = tuple(
        LinkOccurrence(url, issue, line, column, text, kind, written or url) for issue, line, column in places
    )
    return LinkReport(
        url=url,
        assessment=Assessment(verdict, reason),
        result=result or CheckResult(url),
        occurrences=occurrences,
        archive=archive,
        archive_url=archive_url,
        drift=drift,
    )


BROKEN = link(
    COMMA_URL,
    Verdict.BROKEN,
    f"HTTP 404: page says {HOSTILE_TITLE}",
    ((LATER_ISSUE, 3, 1), (ISSUE, 12, 20)),
    result=CheckResult(COMMA_URL, http_status=404, page=Page(title=HOSTILE_TITLE)),
    archive=Snapshot(COMMA_URL, "20240301120000", 200, "text/html"),
    archive_url=PLAYBACK,
)
GONE = link(
    "https://gone.example/post",
    Verdict.BROKEN,
    "domain does not exist",
    ((ISSUE, 5, 3),),
    result=CheckResult("https://gone.example/post", error=ErrorKind.NXDOMAIN, error_detail="DNS: no such domain"),
)
IMAGE = link(
    "https://img.example/a_b.png",
    Verdict.BROKEN,
    "HTTP 410",
    ((ISSUE, 7, 3),),
    result=CheckResult("https://img.example/a_b.png", http_status=410),
    written=r"https://img.example/a\_b.png",
    text="示意图",
    kind=LinkKind.IMAGE,
)
MOVED = link(
    "http://moved.example/old",
    Verdict.REDIRECTED,
    "moved permanently to https://moved.example/new",
    ((ISSUE, 9, 5),),
    result=CheckResult("http://moved.example/old", http_status=200, final_url="https://moved.example/new"),
)
REFUSED = link(
    "https://x.com/status/1",
    Verdict.BLOCKED,
    "HTTP 403: refuses automated clients",
    ((ISSUE, 14, 2),),
    result=CheckResult("https://x.com/status/1", http_status=403),
)
SLOW = link(
    "https://slow.example/",
    Verdict.UNREACHABLE,
    "timed out after 3 tries",
    ((LATER_ISSUE, 8, 1),),
    result=CheckResult("https://slow.example/", error=ErrorKind.TIMEOUT),
)
FINE = link(
    "https://ok.example/",
    Verdict.OK,
    "HTTP 200",
    ((ISSUE, 2, 10), (ISSUE, 2, 40)),
    result=CheckResult("https://ok.example/", http_status=200, page=Page(title="中文标题")),
)
MAIL = link(
    "mailto:editor@example.com",
    Verdict.SKIPPED,
    "not http(s)",
    ((LATER_ISSUE, 20, 1),),
    result=CheckResult("mailto:editor@example.com", error=ErrorKind.UNSUPPORTED_SCHEME),
)
ALL = [MAIL, FINE, SLOW, REFUSED, MOVED, IMAGE, GONE, BROKEN]  # deliberately unsorted

TAKEN_OVER_URL = "https://tools.example/guide"
DRIFT_CAPTURE = f"https://web.archive.org/web/20230105000000/{TAKEN_OVER_URL}"
CASINO_TITLE = "Slot Gacor | Situs <script>alert(1)</script>"
TAKEN_OVER = link(
    TAKEN_OVER_URL,
    Verdict.OK,
    "HTTP 200",
    ((ISSUE, 16, 4),),
    result=CheckResult(TAKEN_OVER_URL, http_status=200, page=Page(title=CASINO_TITLE)),
    drift=Drift(
        DriftKind.TAKEOVER,
        'now a gambling page: title has "slot gacor"',
        "工具指南 | Tools",
        CASINO_TITLE,
        DRIFT_CAPTURE,
        "2023-01-05",
    ),
)
REPLACED = link(
    "https://news.example/story",
    Verdict.OK,
    "HTTP 200",
    ((LATER_ISSUE, 11, 2),),
    result=CheckResult("https://news.example/story", http_status=200, page=Page(title="Login")),
    drift=Drift(DriftKind.REPLACED, "now another page", "The story | News", "Login | News", None, "2024-04-03"),
)
MEMENTO_URL = "https://archive.ph/20190304000000/https://lost.example/post"
MENDED = link(
    "https://lost.example/post",
    Verdict.BROKEN,
    "HTTP 404",
    ((ISSUE, 18, 3),),
    result=CheckResult("https://lost.example/post", http_status=404),
    archive=Snapshot(
        "https://lost.example/post",
        "20190304000000",
        200,
        "text/html",
        archive="archive.today",
        memento_url=MEMENTO_URL,
    ),
)
WITH_DRIFT = [*ALL, TAKEN_OVER, REPLACED, MENDED]


def rendered(fmt: str, reports=ALL, failing=DEFAULT_FAILING) -> str:
    return render(fmt, reports, failing=failing, generated_at=WHEN)

"""index.html (crawler/report/html.py): escaping, self-containment, content.

The view is built by hand: four issues over three months plus one undated,
every verdict, dead links with and without an archive capture, Chinese
text, an issue title and a page title holding `<script>alert(1)</script>`,
and a `javascript:` URL written in an issue. `real_issue_view` turns the
real Chinese issue into a view as well; the browser test renders both.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html
import pytest

from crawler.issues.extract import extract_links
from crawler.models import (
    Assessment,
    CheckResult,
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
from crawler.report import html as html_report
from crawler.report.html import LABELS, Band, render

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
) -> LinkReport:
    occurrences = tuple(LinkOccurrence(url, issue, line, 3, text, kind, url) for issue, line in places)
    return LinkReport(url, Assessment(verdict, reason), result or CheckResult(url), occurrences, archive, archive_url)


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


# --- public surface ------------------------------------------------------------


def test_public_names_are_pinned():
    assert html_report.__all__ == ["LABELS", "Band", "render"]


def test_every_language_labels_every_string():
    assert set(LABELS["zh"]) == set(LABELS["en"])


def test_unknown_language_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match="en, zh"):
        page(lang="fr")


# --- what counts as dead ------------------------------------------------------


def test_broken_now_is_dead_even_without_history():
    assert sample_view().is_dead(IMAGE)


def test_unreachable_is_dead_only_when_the_history_says_so():
    view = sample_view()
    assert view.is_dead(FLAKY_DEAD)
    assert not view.is_dead(FLAKY)


def test_since_is_when_the_link_started_failing():
    view = sample_view()
    assert view.since(FLAKY_DEAD.url) == datetime(2024, 4, 20, tzinfo=UTC)
    assert view.since(IMAGE.url) is None


def test_mentions_list_newest_issue_first_and_undated_last():
    issues = [mention.occurrence.issue for mention in sample_view().mentions()]
    assert list(dict.fromkeys(issues)) == [APRIL, MARCH, FEBRUARY, UNDATED]


# --- self-contained and safe ----------------------------------------------------


def test_page_fetches_nothing():
    document = tree(page())
    assert not document.xpath("//link | //iframe | //img | //object | //embed")
    assert not document.xpath("//script[@src] | //*[@src] | //*[@srcset] | //*[@background]")
    assert not document.xpath('//*[@style[contains(., "url(")]]')
    assert "@import" not in page() and "url(" not in "".join(document.xpath("//style/text()"))


def test_http_urls_appear_only_as_link_targets():
    document = tree(page())
    for element in document.iter():
        for name, value in element.attrib.items():
            if re.match(r"\s*https?:", value):
                assert (element.tag, name) == ("a", "href"), (element.tag, name, value)


def test_content_security_policy_forbids_fetching_and_allows_only_the_page_script():
    document = tree(page())
    policy = document.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    assert "default-src 'none'" in policy
    inline = [script for script in document.xpath("//script") if not script.get("type")]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].text.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_script_from_titles_and_reasons_is_text_only():
    text = page()
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    document = tree(text)
    assert len(document.xpath("//script")) == 2  # the JSON block and the page's own script
    assert f"Weekly {HOSTILE}" in texts(document.xpath("//h3"))


def test_javascript_url_is_shown_but_not_linked():
    document = tree(page())
    assert not [href for href in document.xpath("//a/@href") if not href.startswith(("http://", "https://"))]
    assert document.xpath(f'//span[normalize-space()="{JAVASCRIPT_URL}"]')


def test_control_characters_from_the_web_become_spaces():
    hostile = link("https://bell.example/", Verdict.BROKEN, "title says \x1b[31mred\x07", ((MARCH, 2),))
    text = page(sample_view(reports=[hostile]))
    assert "\x1b" not in text and "\x07" not in text
    assert "title says  [31mred " in text


def test_script_data_is_json_that_cannot_close_its_block():
    document = tree(page())
    block = document.xpath('//script[@type="application/json"]')[0].text
    assert "<" not in block
    assert json.loads(block) == {"shown": LABELS["en"]["shown"]}


# --- content ----------------------------------------------------------------------


def test_summary_leads_with_dead_and_change_counts():
    document = tree(page())
    cards = texts(document.xpath('//ul[@class="cards"]/li'))
    assert cards[:5] == [
        "5 Dead links 1 with an archive capture · 4 without",
        "2 Newly dead",
        "1 Fixed",
        "3 Still dead",
        "16 Links checked in 4 issues",
    ]
    facts = texts(document.xpath('//div[@class="facts"]'))
    assert facts == [
        "Verdicts ok 6 redirected 1 broken 4 blocked 1 unreachable 2 skipped 2",
        "This run 4 issues 12 checked 5 reused from earlier runs 2 archive lookups",
    ]


def test_changes_list_newly_dead_fixed_and_still_dead():
    document = tree(page())
    changes = document.xpath('//div[@class="changes"]/details')
    assert [change.get("class") for change in changes] == [
        "change change-new",
        "change change-fixed",
        "change change-still",
    ]
    assert changes[0].get("open") is not None and changes[2].get("open") is None
    assert changes[0].xpath(".//li/a/@href") == [GONE_404.url, NXDOMAIN.url]
    assert "domain does not exist" in texts(changes[0].xpath(".//li"))[1]
    assert changes[1].xpath(".//li/a/@href") == ["https://fixed.example.com/back"]
    assert len(changes[2].xpath(".//li")) == 3


def test_no_change_says_so():
    document = tree(page(sample_view(diff=RunDiff())))
    assert texts(document.xpath('//div[@class="changes"]')) == ["No change since the last run."]


def test_one_row_per_dead_occurrence_grouped_by_issue_newest_first():
    document = tree(page())
    blocks = document.xpath('//section[@id="dead"]/article')
    assert texts(block.xpath("h3")[0] for block in blocks) == [
        f"Weekly {HOSTILE}",
        "AI 十项全能秀 2024-03-27",
        FEBRUARY,
    ]
    assert [len(block.xpath(".//tbody/tr")) for block in blocks] == [2, 3, 1]
    assert "Published 2024-04-03" in texts(blocks[0].xpath("p"))[0]
    assert len(dead_rows(document)) == sum(len(report.occurrences) for report in DEAD)


def test_dead_row_has_text_url_verdict_reason_since_and_capture():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[@data-issue="{MARCH}"][.//a[@href="{GONE_404.url}"]]')[0]
    cells = {cell.get("class"): cell for cell in row.xpath("td")}
    assert texts([cells["col-line"], cells["col-text"], cells["col-verdict"], cells["col-reason"]]) == [
        "12",
        "苹果 MM1 论文",
        "broken new",
        "HTTP 404",
    ]
    assert texts([cells["col-since"]]) == ["2024-05-01"]
    assert cells["col-capture"].xpath("a/@href") == [PLAYBACK]
    assert texts(cells["col-capture"].xpath("a")) == ["2024-03-01"]
    assert row.get("class") == "is-new"
    assert row.get("data-site") == "example.com"


def test_dead_row_without_capture_says_no_capture():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[.//a[@href="{NXDOMAIN.url}"]]')[0]
    assert texts(row.xpath('td[@class="col-capture"]')) == ["no capture"]


def test_image_links_are_marked():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[.//a[@href="{IMAGE.url}"]]')[0]
    assert texts(row.xpath('td[@class="col-text"]')) == ["image 示意图"]


def test_no_dead_links_says_so():
    document = tree(page(sample_view(reports=FINE, histories={}, diff=RunDiff())))
    assert not dead_rows(document)
    assert "No dead links." in texts(document.xpath('//section[@id="dead"]/p'))[0]


def test_all_links_table_has_every_occurrence_and_starts_collapsed():
    document = tree(page())
    section = document.xpath('//details[@id="all-links"]')[0]
    assert section.get("open") is None
    assert len(section.xpath(".//tbody/tr")) == sum(len(report.occurrences) for report in REPORTS)


def test_redirected_link_shows_where_it_now_points():
    document = tree(page())
    cell = document.xpath(f'//tr[.//a[@href="{MOVED.url}"]]/td[@class="col-url"]')[0]
    assert cell.xpath('span[@class="moved"]/a/@href') == ["https://moved.example/new"]


def test_filters_offer_present_verdicts_issues_newest_first_and_sites():
    document = tree(page())

    def options(name: str) -> list[str]:
        return document.xpath(f'//select[@data-filter="{name}"]/option/@value')

    assert options("verdict") == ["", "ok", "redirected", "broken", "blocked", "unreachable", "skipped"]
    assert options("issue") == ["", APRIL, MARCH, FEBRUARY, UNDATED]
    assert "example.com" in options("site") and "imgtp.com" in options("site")
    assert document.xpath('//input[@id="filter-search"][@type="search"]')


def test_every_table_column_is_sortable():
    document = tree(page())
    for table in document.xpath("//table[contains(@class, 'links')]"):
        assert len(table.xpath(".//th")) == len(table.xpath('.//th/button[@class="sort"]'))


# --- figures ------------------------------------------------------------------------


def test_chart_has_one_stacked_bar_per_month_oldest_first_undated_last():
    document = tree(page())
    svg = document.xpath('//svg[@class="chart"]')[0]
    assert svg.get("role") == "img" and svg.xpath("title") and svg.xpath("desc")
    bars = svg.xpath('g[@class="bar"]')
    assert [bar.get("data-month") for bar in bars] == ["2024-02", "2024-03", "2024-04", "undated"]
    for bar in bars:
        assert sum(float(rect.get("height")) for rect in bar.xpath("rect")) == pytest.approx(204, abs=0.5)


def test_chart_bar_counts_each_url_once_per_month_dead_at_the_bottom():
    document = tree(page())
    march = document.xpath('//g[@data-month="2024-03"]')[0]
    assert march.xpath("title/text()") == [
        "2024-03: 6 links: dead, no capture 2 (33%), dead, capture found 1 (17%), "
        "blocked, unreachable or skipped 1 (17%), ok 2 (33%)"
    ]
    bands = [rect.get("class") for rect in march.xpath("rect")]
    assert bands == ["band-dead-uncaptured", "band-dead-captured", "band-other", "band-ok"]
    heights = [float(rect.get("y")) for rect in march.xpath("rect")]
    assert heights == sorted(heights, reverse=True)


def test_chart_has_a_legend_and_its_numbers_as_a_table():
    document = tree(page())
    assert texts(document.xpath('//ul[@class="legend"]/li')) == [LABELS["en"][f"band.{band}"] for band in Band]
    rows = document.xpath('//table[@class="numbers"]/tbody/tr')
    assert texts(rows[0].xpath("th | td")) == ["2024-02", "4", "1", "0", "0", "1", "2"]


def test_worst_sites_list_sites_by_dead_links():
    document = tree(page())
    sites = document.xpath('//ol[@class="sites"]/li')
    assert sites[0].xpath("button/@data-site") == ["example.com"]
    assert texts(sites[0].xpath('span[@class="site-count"]')) == ["2"]
    assert len(sites) == 4


def test_chart_labels_every_nth_month_when_there_are_many():
    issues = {f"issues/{2020 + n // 12}-{n % 12 + 1:02d}-01.md": date(2020 + n // 12, n % 12 + 1, 1) for n in range(30)}
    reports = [
        link(f"https://m{n}.example.com/", Verdict.OK, "HTTP 200", ((issue, 1),)) for n, issue in enumerate(issues)
    ]
    document = tree(page(sample_view(reports=reports, issue_dates=issues, histories={}, diff=RunDiff())))
    bars = document.xpath('//g[@class="bar"]')
    assert len(bars) == 30
    assert [bar.get("data-month") for bar in bars if bar.xpath("text")] == [
        "2020-01",
        "2020-04",
        "2020-07",
        "2020-10",
        "2021-01",
        "2021-04",
        "2021-07",
        "2021-10",
        "2022-01",
        "2022-04",
    ]


def test_run_counts_without_a_label_are_shown_by_name():
    document = tree(page(sample_view(run_counts={"retries": 7})))
    assert texts(document.xpath('//div[@class="facts"]'))[1] == "This run 7 retries"


def test_empty_crawl_renders():
    document = tree(page(sample_view(reports=[], histories={}, diff=RunDiff(), run_counts={})))
    assert not document.xpath('//g[@class="bar"]')
    assert texts(document.xpath('//ol[@class="sites"] | //section[@class="sites-section"]/p')) == [
        "No site has a dead link."
    ]


# --- Chinese ---------------------------------------------------------------------------


def test_chinese_page_has_chinese_labels():
    text = page(lang="zh")
    document = tree(text)
    assert document.get("lang") == "zh-Hans"
    assert texts(document.xpath("//h1")) == ["链接检查报告"]
    assert "按期列出的死链" in texts(document.xpath("//h2"))
    assert (
        texts(document.xpath('//section[@id="dead"]//tr[@data-verdict]//span[contains(@class, "verdict")]'))[0]
        == "失效"
    )
    for english in ("Dead links by issue", "Since the last run", "no capture", "Link text", "All verdicts"):
        assert english not in text


def test_real_issue_renders_every_link():
    view = real_issue_view()
    document = tree(render(view, lang="zh"))
    rows = document.xpath('//details[@id="all-links"]//tbody/tr')
    assert len(rows) == sum(len(report.occurrences) for report in view.reports) > 30
    assert texts(document.xpath('//section[@id="dead"]//h3')) == ["AI 十项全能秀 · 2024 年 3 月 27 日"]

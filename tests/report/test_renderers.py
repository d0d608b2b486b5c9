"""The output formats of `rotwatch check` (crawler/report/), one section per module.

Reports are built by hand: a few of each verdict, Chinese link text, a page
title holding `<script>` and `|`, URLs holding `,` `:` `%`, so every escape
rule of every format is exercised on the text that would break it.
"""

from __future__ import annotations

import json
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.text import Text

import crawler.report
from crawler import __version__
from crawler.models import (
    Assessment,
    CheckResult,
    ErrorKind,
    LinkKind,
    LinkOccurrence,
    LinkReport,
    Page,
    Snapshot,
    Verdict,
)
from crawler.report import FORMATS, github, json_report, junit, markdown, render, sarif, summary, table
from crawler.report.summary import (
    DEFAULT_FAILING,
    Severity,
    count_by_verdict,
    mentions,
    one_line,
    severity,
    summary_line,
)

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


def rendered(fmt: str, reports=ALL, failing=DEFAULT_FAILING) -> str:
    return render(fmt, reports, failing=failing, generated_at=WHEN)


# --- crawler/report/__init__.py ------------------------------------------------


def test_public_names_are_pinned():
    assert crawler.report.__all__ == [
        "DEFAULT_FAILING",
        "FORMATS",
        "Renderer",
        "count_by_verdict",
        "render",
        "summary_line",
    ]


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (github, ["escape_message", "escape_property", "render"]),
        (json_report, ["link_fields", "occurrence_fields", "render"]),
        (junit, ["render"]),
        (
            markdown,
            [
                "OCCURRENCE_HEADER",
                "archive_link",
                "code_span",
                "escape_text",
                "markdown_table",
                "occurrence_cells",
                "render",
            ],
        ),
        (sarif, ["INFORMATION_URI", "SCHEMA_URI", "artifact_uri", "render", "rule_id"]),
        (table, ["TEXT_WIDTH", "VERDICT_STYLE", "render", "render_table"]),
        (
            summary,
            [
                "DEFAULT_FAILING",
                "NOTEWORTHY",
                "Mention",
                "Severity",
                "by_issue",
                "count_by_verdict",
                "is_control",
                "mentions",
                "occurrence_order",
                "one_line",
                "severity",
                "sorted_reports",
                "summary_line",
                "without_controls",
            ],
        ),
    ],
)
def test_renderer_public_names_are_pinned(module, names):
    assert module.__all__ == names


def test_formats_are_the_command_line_choices_with_table_first():
    assert list(FORMATS) == ["table", "json", "markdown", "github", "junit", "sarif"]


def test_render_dispatches_to_the_named_renderer():
    assert rendered("junit", failing=WIDENED) == junit.render(ALL, failing=WIDENED, generated_at=WHEN)


def test_render_rejects_unknown_format_naming_the_choices():
    with pytest.raises(ValueError, match=r"unknown report format 'html'.*table, json, markdown"):
        rendered("html")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_renders_an_empty_run(fmt):
    assert rendered(fmt, reports=[]).endswith("\n")


@pytest.mark.parametrize("fmt", ["table", "markdown", "github"])
def test_text_formats_close_with_the_shared_summary_line(fmt):
    line = "8 links: 1 ok, 1 redirected, 3 broken, 1 blocked, 1 unreachable, 1 skipped"
    assert line in rendered(fmt).splitlines()


# --- crawler/report/summary.py -------------------------------------------------


def test_count_by_verdict_lists_every_verdict_in_order_with_zeros():
    counts = count_by_verdict([BROKEN, GONE, MOVED])
    assert list(counts) == list(Verdict)
    assert counts == {
        Verdict.OK: 0,
        Verdict.REDIRECTED: 1,
        Verdict.BROKEN: 2,
        Verdict.BLOCKED: 0,
        Verdict.UNREACHABLE: 0,
        Verdict.SKIPPED: 0,
    }


def test_summary_line_reads_like_the_design():
    counts = dict(zip(Verdict, [20, 3, 5, 2, 4, 0], strict=True))
    assert summary_line(counts) == "34 links: 20 ok, 3 redirected, 5 broken, 2 blocked, 4 unreachable, 0 skipped"


def test_summary_line_says_link_for_one():
    assert summary_line(count_by_verdict([FINE])).startswith("1 link: 1 ok,")


@pytest.mark.parametrize(
    ("verdict", "failing", "expected"),
    [
        (Verdict.BROKEN, DEFAULT_FAILING, Severity.ERROR),
        (Verdict.REDIRECTED, DEFAULT_FAILING, Severity.WARNING),
        (Verdict.BLOCKED, DEFAULT_FAILING, Severity.NOTE),
        (Verdict.UNREACHABLE, DEFAULT_FAILING, Severity.NOTE),
        (Verdict.UNREACHABLE, WIDENED, Severity.ERROR),
        (Verdict.OK, DEFAULT_FAILING, None),
        (Verdict.SKIPPED, DEFAULT_FAILING, None),
        (Verdict.SKIPPED, WIDENED, Severity.ERROR),
    ],
)
def test_severity_follows_failing_first(verdict, failing, expected):
    assert severity(verdict, failing) is expected


def test_mentions_are_in_source_order_across_links():
    places = [(m.occurrence.issue, m.occurrence.line, m.occurrence.column, m.report.url) for m in mentions(ALL)]
    assert places == sorted(places)
    assert len(places) == sum(len(report.occurrences) for report in ALL)


def test_one_line_removes_line_breaks_and_terminal_escapes():
    assert one_line("Not\r\nFound\x1b]8;;http://evil\x07 \t here") == "Not Found ]8;;http://evil here"


def test_without_controls_makes_each_control_character_a_space_and_keeps_the_rest():
    assert summary.without_controls("a\x00b\x1b[31m\x7f\x85\x9fc\u2028d 中") == "a b [31m   c\u2028d 中"


@given(st.characters())
def test_control_characters_are_unicode_category_cc(char):
    assert summary.is_control(char) is (unicodedata.category(char) == "Cc")


# --- crawler/report/json_report.py ---------------------------------------------


def json_document(reports=ALL) -> dict:
    return json.loads(rendered("json", reports))


def test_json_has_the_design_keys_plus_reason_and_column():
    document = json_document()
    assert set(document) == {"generated_at", "links", "summary"}
    design_keys = {"url", "verdict", "http_status", "final_url", "title", "error", "archive", "occurrences"}
    for entry in document["links"]:
        assert set(entry) == design_keys | {"reason"}
        for occurrence in entry["occurrences"]:
            assert set(occurrence) == {"issue", "line", "column", "text", "kind"}


def test_json_link_fields_lead_each_link_entry():
    entry = next(entry for entry in json_document()["links"] if entry["url"] == COMMA_URL)
    assert json_report.link_fields(BROKEN) == {
        "url": COMMA_URL,
        "verdict": "broken",
        "reason": f"HTTP 404: page says {HOSTILE_TITLE}",
        "http_status": 404,
        "final_url": None,
        "title": HOSTILE_TITLE,
    }
    assert list(entry)[:6] == list(json_report.link_fields(BROKEN))


def test_json_generated_at_is_iso8601():
    assert datetime.fromisoformat(json_document()["generated_at"]) == WHEN


def test_json_links_sorted_by_url_and_occurrences_by_place():
    document = json_document()
    urls = [entry["url"] for entry in document["links"]]
    assert urls == sorted(report.url for report in ALL)
    broken = next(entry for entry in document["links"] if entry["url"] == COMMA_URL)
    assert [(o["issue"], o["line"], o["column"]) for o in broken["occurrences"]] == [
        (ISSUE, 12, 20),
        (LATER_ISSUE, 3, 1),
    ]


def test_json_broken_link_entry_is_complete():
    broken = next(entry for entry in json_document()["links"] if entry["url"] == COMMA_URL)
    assert broken == {
        "url": COMMA_URL,
        "verdict": "broken",
        "reason": f"HTTP 404: page says {HOSTILE_TITLE}",
        "http_status": 404,
        "final_url": None,
        "title": HOSTILE_TITLE,
        "error": None,
        "archive": {"url": PLAYBACK, "timestamp": "20240301120000"},
        "occurrences": [
            {"issue": ISSUE, "line": 12, "column": 20, "text": "链接", "kind": "link"},
            {"issue": LATER_ISSUE, "line": 3, "column": 1, "text": "链接", "kind": "link"},
        ],
    }


@pytest.mark.parametrize(
    ("report", "error"),
    [(GONE, "DNS: no such domain"), (SLOW, "timeout"), (MAIL, "unsupported-scheme"), (BROKEN, None), (FINE, None)],
)
def test_json_error_is_the_detail_else_the_kind_else_null(report, error):
    (entry,) = json_document([report])["links"]
    assert entry["error"] == error


def test_json_archive_is_null_without_a_capture():
    (entry,) = json_document([MOVED])["links"]
    assert entry["archive"] is None
    assert entry["final_url"] == "https://moved.example/new"


def test_json_summary_has_every_verdict_including_zeros():
    assert json_document([BROKEN, FINE])["summary"] == {
        "ok": 1,
        "redirected": 0,
        "broken": 1,
        "blocked": 0,
        "unreachable": 0,
        "skipped": 0,
    }


def test_json_keeps_chinese_readable():
    text = rendered("json")
    assert "中文标题" in text and "链接" in text
    assert "\\u" not in text


# --- crawler/report/github.py --------------------------------------------------


def test_github_message_escaping_is_exact():
    assert github.escape_message("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"


def test_github_property_escaping_is_exact():
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def unescape_github(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


@given(st.text())
def test_github_property_escaping_round_trips_and_leaves_no_separators(text):
    escaped = github.escape_property(text)
    assert not set(escaped) & set(",:\r\n")
    assert unescape_github(escaped) == text


def test_github_error_line_for_a_broken_link_is_exact():
    lines = rendered("github", [BROKEN]).splitlines()
    assert lines[0] == (
        f"::error file={ISSUE},line=12,col=20,title=broken link::"
        "https://example.com/a,b:c%2520d: HTTP 404: page says Not | Found <script>alert(1)</script>"
        "%0Aarchived copy: https://web.archive.org/web/20240301120000/https://example.com/a,b:c%2520d"
    )
    assert lines[1].startswith(f"::error file={LATER_ISSUE},line=3,col=1,")


def test_github_properties_escape_commas_and_colons_in_file_names():
    report = link("https://gone.example/", Verdict.BROKEN, "HTTP 404", (("issues/a,b:c.md", 1, 2),))
    assert rendered("github", [report]).startswith("::error file=issues/a%2Cb%3Ac.md,line=1,col=2,")


def test_github_command_per_verdict():
    commands = [line.split(" ", 1)[0] for line in rendered("github").splitlines()[:-1]]
    assert commands == [
        "::error",  # BROKEN in ISSUE 5:3 (gone)
        "::error",  # IMAGE 7:3
        "::warning",  # MOVED 9:5
        "::error",  # BROKEN 12:20
        "::notice",  # REFUSED 14:2
        "::error",  # BROKEN in LATER_ISSUE 3:1
        "::notice",  # SLOW 8:1
    ]


def test_github_fail_on_turns_notices_into_errors():
    lines = rendered("github", [SLOW, MAIL], failing=WIDENED).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error", "::error"]


def test_github_web_text_cannot_start_a_command_of_its_own():
    report = link("https://evil.example/", Verdict.BROKEN, "gone\n::error file=x.md::injected\r\n")
    output = rendered("github", [report])
    assert len(output.splitlines()) == 2
    assert "::injected" in output.splitlines()[0]


def test_github_ends_with_the_plain_summary_line():
    assert rendered("github").splitlines()[-1] == summary_line(count_by_verdict(ALL))


# --- crawler/report/junit.py ---------------------------------------------------


def junit_root(reports=ALL, failing=DEFAULT_FAILING) -> ET.Element:
    return ET.fromstring(rendered("junit", reports, failing).encode())


def counts(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(name)) for name in ("tests", "failures", "errors", "skipped"))


def test_junit_one_suite_per_issue_with_correct_counts():
    root = junit_root()
    assert root.tag == "testsuites"
    suites = {suite.get("name"): counts(suite) for suite in root.findall("testsuite")}
    # ISSUE: FINE x2, GONE, IMAGE, MOVED, BROKEN, REFUSED; LATER_ISSUE: BROKEN, SLOW, MAIL
    assert suites == {ISSUE: (7, 3, 0, 0), LATER_ISSUE: (3, 1, 0, 1)}
    assert counts(root) == (10, 4, 0, 1)


def test_junit_counts_match_the_cases_in_each_suite():
    for suite in junit_root(failing=WIDENED).findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(case.find("failure") is not None for case in cases)
        assert int(suite.get("skipped")) == sum(case.find("skipped") is not None for case in cases)


def test_junit_failure_carries_reason_and_verdict():
    root = junit_root([BROKEN])
    case = root.find(f"testsuite[@name='{ISSUE}']/testcase")
    assert case.get("classname") == ISSUE
    assert case.get("name") == f"line 12: {COMMA_URL}"
    failure = case.find("failure")
    assert failure.get("type") == "broken"
    assert failure.get("message") == f"HTTP 404: page says {HOSTILE_TITLE}"
    assert failure.text.splitlines() == [
        f"url: {COMMA_URL}",
        "http status: 404",
        f"title: {HOSTILE_TITLE}",
        f"archived copy: {PLAYBACK}",
    ]


def test_junit_skipped_link_is_skipped_and_others_pass():
    root = junit_root([MAIL, MOVED])
    skipped = root.find(".//testcase[@name='line 20: mailto:editor@example.com']/skipped")
    assert skipped.get("message") == "not http(s)"
    passing = root.find(".//testcase[@name='line 9: http://moved.example/old']")
    assert list(passing) == []


def test_junit_fail_on_skipped_makes_it_a_failure_not_a_skip():
    root = junit_root([MAIL], failing=WIDENED)
    assert counts(root) == (1, 1, 0, 0)


def test_junit_stays_well_formed_with_control_characters_from_the_web():
    report = link(
        "https://evil.example/",
        Verdict.BROKEN,
        "bad\x00\x07\x1b title \ufffe",
        result=CheckResult("https://evil.example/", http_status=404, page=Page(title="t\x0b\x0c]]>")),
    )
    failure = junit_root([report]).find(".//failure")
    assert failure.get("message") == "bad title \ufffd"
    assert "title: t ]]>" in failure.text


# --- crawler/report/sarif.py ---------------------------------------------------


def sarif_log(reports=ALL, failing=DEFAULT_FAILING) -> dict:
    return json.loads(rendered("sarif", reports, failing))


def test_sarif_validates_against_the_official_2_1_0_schema():
    # The OASIS SARIF 2.1.0 (errata01) schema, kept in tests/data (see its README).
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif_log(failing=WIDENED))


def test_sarif_log_and_driver_properties():
    log = sarif_log()
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "rotwatch"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_one_rule_per_verdict_with_descriptions():
    rules = sarif_log()["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [f"rotwatch/{verdict}" for verdict in Verdict]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]


def test_sarif_results_per_flagged_occurrence_with_levels():
    (run,) = sarif_log()["runs"]
    flagged = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert flagged == [
        ("rotwatch/broken", "error"),  # GONE
        ("rotwatch/broken", "error"),  # IMAGE
        ("rotwatch/redirected", "warning"),
        ("rotwatch/broken", "error"),  # BROKEN in ISSUE
        ("rotwatch/blocked", "note"),
        ("rotwatch/broken", "error"),  # BROKEN in LATER_ISSUE
        ("rotwatch/unreachable", "note"),
    ]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_sarif_region_spans_the_url_as_written():
    (result,) = sarif_log([IMAGE])["runs"][0]["results"]
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == ISSUE
    written = r"https://img.example/a\_b.png"
    assert physical["region"] == {"startLine": 7, "startColumn": 3, "endColumn": 3 + len(written)}


def test_sarif_message_names_url_reason_and_capture():
    results = sarif_log([BROKEN])["runs"][0]["results"]
    assert results[0]["message"]["text"] == (
        f"broken link {COMMA_URL}: HTTP 404: page says {HOSTILE_TITLE} Archived copy: {PLAYBACK}"
    )


def test_sarif_fail_on_raises_levels_and_includes_skipped():
    results = sarif_log([SLOW, MAIL, FINE], failing=WIDENED)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("rotwatch/unreachable", "error"),
        ("rotwatch/skipped", "error"),
    ]


def test_sarif_ok_and_skipped_links_are_not_results():
    assert sarif_log([FINE, MAIL])["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("issue", "uri"),
    [
        ("issues/2024 周报.md", "issues/2024%20%E5%91%A8%E6%8A%A5.md"),
        ("issues/a#b.md", "issues/a%23b.md"),
        ("/srv/archive/issues/a.md", "file:///srv/archive/issues/a.md"),
    ],
)
def test_sarif_artifact_uri_is_a_relative_posix_uri(issue, uri):
    assert sarif.artifact_uri(issue) == uri


# --- crawler/report/markdown.py ------------------------------------------------

GFM = MarkdownIt("gfm-like")


def test_markdown_renderer_used_here_does_make_links_from_raw_text():
    # The escaping tests below mean nothing unless raw text would be live.
    html = GFM.render("see [x](http://evil.example) ![i](http://evil.example/i.png) https://evil.example <b>b</b>")
    assert html.count("<a href") == 2 and "<img" in html and "<b>" in html


def test_markdown_web_text_renders_literally():
    reason = (
        "[click](http://evil.example) ![img](http://evil.example/i.png) <script>x</script> https://evil.example *em*"
    )
    report = link("https://gone.example/", Verdict.BROKEN, reason)
    html = GFM.render(rendered("markdown", [report]))
    assert "<a href" not in html and "<img" not in html and "<script" not in html and "<em>" not in html
    assert "[click](http://evil.example)" in html


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@given(st.text(min_size=1).filter(lambda text: one_line(text)))
def test_markdown_any_reason_renders_as_exactly_its_text_in_one_cell(reason):
    report = link("https://gone.example/", Verdict.BROKEN, reason)
    body = GFM.render(rendered("markdown", [report])).split("<tbody>")[1]
    cells = [cell.split("</td>")[0] for cell in body.split("<td>")[1:]]
    assert len(cells) == 6
    assert cells[4] == html_text(one_line(reason))


def test_markdown_pipes_and_newlines_stay_in_their_cell():
    report = link("https://gone.example/a|b", Verdict.BROKEN, "a | b\nc", text="x|y")
    html = GFM.render(rendered("markdown", [report]))
    body = html.split("<tbody>")[1]
    cells = [cell.split("</td>")[0] for cell in body.split("<td>")[1:]]
    assert cells == ["1", "x|y", "<code>https://gone.example/a|b</code>", "broken", "a | b c", ""]


def test_markdown_failing_links_grouped_by_issue_with_capture_link():
    text = rendered("markdown")
    assert text.startswith("## rotwatch: 3 failing links\n")
    assert text.index(f"#### `{ISSUE}`") < text.index(f"#### `{LATER_ISSUE}`")
    html = GFM.render(text)
    assert f'<a href="{PLAYBACK}">2024-03-01</a>' in html


def test_markdown_noteworthy_section_lists_redirected_blocked_unreachable_only():
    section = rendered("markdown").split("### Worth a look")[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0] for row in rows] == ["| redirected", "| unreachable", "| blocked"]
    assert "`http://moved.example/old`" in rows[0]
    assert f"`{ISSUE}:9`" in rows[0]


def test_markdown_without_failures_says_so_and_omits_the_section():
    text = rendered("markdown", [FINE, MOVED])
    assert text.startswith("## rotwatch: no failing links\n")
    assert "### Failing links" not in text
    assert "### Worth a look" in text


def test_markdown_occurrence_cells_match_the_header():
    mention = mentions([BROKEN])[0]
    cells = markdown.occurrence_cells(mention)
    assert len(cells) == len(markdown.OCCURRENCE_HEADER)
    assert cells == (
        "12",
        "链接",
        f"`{COMMA_URL}`",
        "broken",
        "HTTP 404\\: page says Not | Found \\<script\\>alert\\(1\\)\\<\\/script\\>",
    )


def test_markdown_code_span_survives_backticks():
    assert markdown.code_span("a`b") == "``a`b``"
    assert markdown.code_span("`x`") == "`` `x` ``"
    assert GFM.render(markdown.code_span("`x``y`")).strip() == "<p><code>`x``y`</code></p>"


def test_markdown_capture_destination_cannot_end_early():
    report = link(
        "https://gone.example/",
        Verdict.BROKEN,
        "HTTP 404",
        archive=Snapshot("https://gone.example/", "20200101000000"),
        archive_url="https://web.archive.org/web/20200101000000/https://gone.example/a b>)<x",
    )
    html = GFM.render(rendered("markdown", [report]))
    assert (
        '<a href="https://web.archive.org/web/20200101000000/https://gone.example/a%20b%3E)%3Cx">2020-01-01</a>' in html
    )


# --- crawler/report/table.py ---------------------------------------------------


def listed_urls(failing=DEFAULT_FAILING) -> list[str]:
    grid = table.render_table(ALL, failing)
    return [cell.plain for cell in grid.columns[1].cells]


def test_table_lists_non_ok_links_failing_first():
    assert listed_urls() == [
        COMMA_URL,
        "https://gone.example/post",
        "https://img.example/a_b.png",
        "http://moved.example/old",
        "https://x.com/status/1",
        "https://slow.example/",
        "mailto:editor@example.com",
    ]


def test_table_fail_on_moves_those_rows_up():
    assert listed_urls(WIDENED)[3:5] == ["https://slow.example/", "mailto:editor@example.com"]


def test_table_verdict_cells_are_coloured():
    grid = table.render_table([BROKEN, MOVED], DEFAULT_FAILING)
    styles = [(cell.plain, cell.style) for cell in grid.columns[0].cells]
    assert styles == [("broken", table.VERDICT_STYLE[Verdict.BROKEN]), ("redirected", "cyan")]
    assert "red" in table.VERDICT_STYLE[Verdict.BROKEN]


def test_table_cells_are_text_so_web_markup_is_not_interpreted():
    report = link("https://gone.example/", Verdict.BROKEN, "[bold]404[/bold] [link=http://evil]x[/link] \x1b[2J")
    grid = table.render_table([report], DEFAULT_FAILING)
    assert all(isinstance(cell, Text) for column in grid.columns for cell in column.cells)
    text = rendered("table", [report])
    assert "[bold]404[/bold]" in text and "[link=http://evil]x[/link]" in text
    assert "\x1b" not in text


def test_table_plain_text_has_no_colour_codes_and_ok_only_counted():
    text = rendered("table")
    assert "\x1b[" not in text
    assert "https://ok.example/" not in text
    assert text.splitlines()[-1] == summary_line(count_by_verdict(ALL))


def test_table_all_ok_prints_only_the_summary_line():
    assert rendered("table", [FINE]) == "1 link: 1 ok, 0 redirected, 0 broken, 0 blocked, 0 unreachable, 0 skipped\n"

"""The Markdown summary (crawler/report/markdown.py): web text renders literally, a table per issue.

The reports are tests.report.links'.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from crawler.check.plan import NO_ANSWER
from crawler.models import CheckResult, ErrorKind, Snapshot, Verdict
from crawler.report import markdown
from crawler.report.summary import (
    mentions,
    one_line,
)
from tests.report.links import (
    BROKEN,
    COMMA_URL,
    DRIFT_CAPTURE,
    FINE,
    ISSUE,
    LATER_ISSUE,
    MEMENTO_URL,
    MENDED,
    MOVED,
    PLAYBACK,
    REPLACED,
    TAKEN_OVER,
    link,
    rendered,
)

# GitHub's parse-time autolinks (GFM spec 6.9): scheme://, www. and e-mail
# addresses, never a bare domain ("news.com") or "//host" as linkify-it's
# defaults would; so escaping is tested against what GitHub links.
GFM = MarkdownIt("gfm-like")
GFM.linkify.set({"fuzzy_link": False})
GFM.linkify.add("//", None)
GFM.linkify.add("www.", {"validate": r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+[^\s<]*"})


def test_markdown_renderer_used_here_does_make_links_from_raw_text():
    # The escaping tests below mean nothing unless raw text would be live.
    html = GFM.render("see [x](http://evil.example) ![i](http://evil.example/i.png) https://evil.example <b>b</b>")
    assert html.count("<a href") == 2 and "<img" in html and "<b>" in html


HOSTILE = [
    "[click](http://evil.example)",
    "![img](http://evil.example/i.png)",
    "[ref][1] [^1]",
    "<b>bold</b> <!-- x --> <?php ?> <![CDATA[x]]>",
    "<http://evil.example> <a@evil.example>",
    "https://evil.example/x ftp://evil.example",
    "see www.evil.com/page",
    "mail editor@evil.com or mailto:editor@evil.com",
    "*em* **strong** _em_ __strong__ ~~gone~~",
    "`code` ``code``",
    "&lt;b&gt; &#60;b&#62; &#x3C;",
    "a\\*b a\\_b a\\`b",
]


def test_markdown_renderer_links_what_github_links_at_parse_time():
    for text, links in [("https://x.example", 1), ("www.x.example", 1), ("a@x.com", 1), ("x.com", 0)]:
        assert GFM.render(text).count("<a href") == links, text


def test_markdown_hostile_text_renders_as_exactly_its_text():
    for text in HOSTILE:
        report = link("https://gone.example/", Verdict.BROKEN, text, text=text)
        body = GFM.render(rendered("markdown", [report])).split("<tbody>")[1]
        cells = [cell.split("</td>")[0] for cell in body.split("<td>")[1:]]
        assert cells[1] == cells[4] == html_text(text), text


def test_markdown_escapes_only_what_would_be_misread():
    readable = "soft 404: page says (NXDOMAIN) on 2024-03-27, 50% off! a < b > c; snake_case & co. #1 rust-lang"
    assert markdown.escape_text(readable) == readable
    assert markdown.escape_text("<b>x</b> [x](y) *x* _x_ `x`") == "\\<b>x\\</b> \\[x](y) \\*x\\* \\_x\\_ \\`x\\`"


def test_markdown_heading_keeps_a_trailing_hash():
    assert GFM.render("## " + markdown.escape_text("C #")).strip() == "<h2>C #</h2>"
    assert GFM.render("## " + markdown.escape_text("###")).strip() == "<h2>###</h2>"


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
        "HTTP 404: page says Not | Found \\<script>alert(1)\\</script>",
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


def test_markdown_never_says_no_failing_links_alone_while_links_were_not_checked():
    unanswered = link(
        "https://a.example/",
        Verdict.UNREACHABLE,
        "request failed",
        result=CheckResult("https://a.example/", error=ErrorKind.OTHER, error_detail=NO_ANSWER),
    )
    text = rendered("markdown", [FINE, unanswered])
    assert text.startswith("## rotwatch: no failing links among those checked, 1 not checked\n")
    assert "; 1 not checked (no answer recorded)" in text


# --- drift and captures from other archives ------------------------------------------


def test_markdown_lists_drifted_links_with_the_evidence_side_by_side():
    text = rendered("markdown", [FINE, TAKEN_OVER, REPLACED])
    assert text.startswith("## rotwatch: no failing links, 2 drifted\n")
    assert "; 2 drifted (now another page: 1 takeover, 1 replaced)" in text
    section = text.split("### Drifted links", 1)[1]
    assert "| URL | drift | then | now | written at |" in section
    html = GFM.render(section)
    assert f'<a href="{DRIFT_CAPTURE}">capture of 2023-01-05</a>' in html  # the capture compared against
    assert "first checked 2024-04-03" in html and "Login \\| News" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # the casino's title stays text
    assert html.count("<a href") == 1  # nothing else is a link, the URLs are code


def test_markdown_drifted_links_are_not_repeated_as_worth_a_look():
    drifted_move = link(MOVED.url, Verdict.REDIRECTED, MOVED.assessment.reason, ((ISSUE, 9, 5),), drift=REPLACED.drift)
    text = rendered("markdown", [drifted_move])
    assert "### Drifted links" in text and "### Worth a look" not in text


def test_markdown_names_the_archive_of_a_memento_capture():
    text = rendered("markdown", [MENDED])
    assert f"[archive.today, 2019-03-04](<{MEMENTO_URL}>)" in text

"""The terminal table (crawler/report/table.py): non-ok links, failing first, cells as plain text.

The reports are tests.report.links'.
"""

from __future__ import annotations

from rich.text import Text

from crawler.models import Verdict
from crawler.report import table
from crawler.report.summary import (
    DEFAULT_FAILING,
    count_by_verdict,
    summary_line,
)
from tests.report.links import (
    ALL,
    BROKEN,
    CASINO_TITLE,
    COMMA_URL,
    DRIFT_CAPTURE,
    FINE,
    MOVED,
    REPLACED,
    TAKEN_OVER,
    WIDENED,
    link,
    rendered,
)


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


# --- drift ---------------------------------------------------------------------------


def test_table_lists_drifted_links_after_the_failing_ones_with_their_evidence():
    grid = table.render_table([FINE, MOVED, REPLACED, TAKEN_OVER, BROKEN], DEFAULT_FAILING)
    urls = [cell.plain for cell in grid.columns[1].cells]
    assert urls == [COMMA_URL, REPLACED.url, TAKEN_OVER.url, MOVED.url]  # FINE, ok and not drifted, is only counted
    verdicts, reasons = list(grid.columns[0].cells), list(grid.columns[2].cells)
    verdict, reason = verdicts[2], reasons[2]
    assert verdict.plain == "ok\ndrifted"
    assert reason.plain.splitlines() == [
        "HTTP 200",
        f'takeover: now a gambling page: title has "slot gacor"; then "工具指南 | Tools" '
        f'(capture of 2023-01-05: {DRIFT_CAPTURE}); now "{CASINO_TITLE}"',
    ]
    first_check = reasons[1].plain
    assert 'then "The story | News" (first checked 2024-04-03); now "Login | News"' in first_check


def test_table_never_reads_as_all_well_with_drifted_links():
    text = rendered("table", [FINE, TAKEN_OVER, REPLACED])
    assert text.splitlines()[-1] == (
        "3 links: 3 ok, 0 redirected, 0 broken, 0 blocked, 0 unreachable, 0 skipped; "
        "2 drifted (now another page: 1 takeover, 1 replaced)"
    )

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
from tests.report.links import ALL, BROKEN, COMMA_URL, FINE, MOVED, WIDENED, link, rendered


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

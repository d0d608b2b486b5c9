"""The format registry of `rotwatch check` (crawler/report/__init__.py): names, dispatch, what every format shares.

The reports are tests.report.links'.
"""

from __future__ import annotations

import pytest

import crawler.report
from crawler.report import FORMATS, github, json_report, junit, markdown, sarif, summary, table
from tests.report.links import ALL, WHEN, WIDENED, rendered


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
        (github, ["escape_message", "escape_property", "render", "render_offline"]),
        (
            json_report,
            [
                "archive_counts",
                "crawl_pieces",
                "drift_fields",
                "link_fields",
                "link_items",
                "occurrence_fields",
                "render",
                "render_crawl",
                "render_offline",
            ],
        ),
        (junit, ["render", "render_offline"]),
        (
            markdown,
            [
                "DRIFT_HEADER",
                "OCCURRENCE_HEADER",
                "archive_link",
                "code_span",
                "drift_cells",
                "escape_text",
                "markdown_table",
                "occurrence_cells",
                "render",
                "render_offline",
            ],
        ),
        (
            sarif,
            ["DRIFTED_RULE", "INFORMATION_URI", "SCHEMA_URI", "artifact_uri", "render", "render_offline", "rule_id"],
        ),
        (table, ["DRIFT_STYLE", "TEXT_WIDTH", "VERDICT_STYLE", "render", "render_offline", "render_table"]),
        (
            summary,
            [
                "ARCHIVE_NAMES",
                "DEFAULT_FAILING",
                "NOTEWORTHY",
                "WAYBACK",
                "Mention",
                "Severity",
                "archive_name",
                "by_issue",
                "capture_reference",
                "capture_text",
                "capture_url",
                "count_by_drift",
                "count_by_verdict",
                "drift_evidence",
                "drift_then",
                "drifted_reports",
                "is_control",
                "link_severity",
                "mentions",
                "not_checked",
                "occurrence_order",
                "one_line",
                "severity",
                "sorted_reports",
                "summary_line",
                "summary_of",
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

"""The crawl's report files (crawler/report/crawl_reports.py): dead-links.md,
the CSV files read back with pandas, and atomic writing.

The view is test_report_html's: four issues, every verdict, Chinese text, a
title holding `<script>`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from crawler.models import RunDiff, Verdict
from crawler.report import crawl_reports
from crawler.report.crawl_reports import (
    CSV_COLUMNS,
    CSV_ENCODING,
    links_frame,
    render_dead_links,
    write_crawl_reports,
)
from tests.report.test_html import (
    APRIL,
    DEAD,
    FEBRUARY,
    GONE_404,
    MARCH,
    NXDOMAIN,
    PLAYBACK,
    REPORTS,
    link,
    sample_view,
)

FILES = ["index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json"]
OCCURRENCES = sum(len(report.occurrences) for report in REPORTS)
DEAD_OCCURRENCES = sum(len(report.occurrences) for report in DEAD)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding=CSV_ENCODING, dtype={"capture_timestamp": str})


@pytest.fixture
def written(tmp_path: Path) -> Path:
    write_crawl_reports(sample_view(), tmp_path / "reports")
    return tmp_path / "reports"


def test_public_names_are_pinned():
    assert crawl_reports.__all__ == [
        "CSV_COLUMNS",
        "CSV_ENCODING",
        "links_frame",
        "render_dead_links",
        "write_crawl_reports",
    ]


# --- the file set ----------------------------------------------------------------


def test_writes_all_five_reports_and_returns_their_paths(tmp_path: Path):
    paths = write_crawl_reports(sample_view(), tmp_path / "new" / "reports")
    assert paths == [tmp_path / "new" / "reports" / name for name in FILES]
    assert sorted(path.name for path in (tmp_path / "new" / "reports").iterdir()) == sorted(FILES)


def test_report_json_is_the_json_renderers(written: Path):
    document = json.loads((written / "report.json").read_text(encoding="utf-8"))
    assert document["generated_at"] == "2024-05-02T06:00:00+00:00"
    assert len(document["links"]) == len(REPORTS)


def test_index_html_is_in_the_language_asked_for(tmp_path: Path):
    write_crawl_reports(sample_view(), tmp_path, lang="zh")
    assert '<html lang="zh-Hans">' in (tmp_path / "index.html").read_text(encoding="utf-8")


# --- CSV ----------------------------------------------------------------------------


def test_links_csv_has_one_row_per_occurrence_with_the_documented_columns(written: Path):
    frame = read_csv(written / "links.csv")
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == OCCURRENCES
    assert frame["dead"].sum() == DEAD_OCCURRENCES


def test_dead_links_csv_has_the_dead_occurrences_only(written: Path):
    frame = read_csv(written / "dead-links.csv")
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == DEAD_OCCURRENCES
    assert frame["dead"].all()
    assert set(frame["verdict"]) == {"broken", "unreachable"}


def test_csv_starts_with_a_byte_order_mark_for_excel(written: Path):
    assert (written / "links.csv").read_bytes().startswith(b"\xef\xbb\xbfissue,issue_date,line,")


def test_csv_round_trips_chinese_text(written: Path):
    frame = read_csv(written / "links.csv")
    row = frame[(frame["url"] == GONE_404.url) & (frame["issue"] == MARCH)].iloc[0]
    assert row["text"] == "苹果 MM1 论文"


def test_csv_row_carries_status_capture_and_dates(written: Path):
    frame = read_csv(written / "dead-links.csv")
    row = frame[(frame["url"] == GONE_404.url) & (frame["issue"] == MARCH)].iloc[0]
    assert row[["issue_date", "line", "verdict", "reason", "http_status", "since"]].tolist() == [
        "2024-03-27",
        12,
        "broken",
        "HTTP 404",
        404,
        "2024-05-01T00:00:00+00:00",
    ]
    assert row["capture_url"] == PLAYBACK
    assert row["capture_timestamp"] == "20240301120000"


def test_csv_writes_statuses_as_integers_and_missing_values_empty(written: Path):
    text = (written / "links.csv").read_text(encoding=CSV_ENCODING)
    nxdomain = next(line for line in text.splitlines() if NXDOMAIN.url in line)
    assert "404.0" not in text and ",404," in text
    assert nxdomain.split(",")[CSV_COLUMNS.index("http_status")] == ""


def test_csv_rows_list_newest_issue_first(written: Path):
    issues = read_csv(written / "links.csv")["issue"].tolist()
    assert list(dict.fromkeys(issues))[:3] == [APRIL, MARCH, FEBRUARY]


def test_csv_text_cannot_run_as_a_spreadsheet_formula(tmp_path: Path):
    formula = link("https://sheet.example/", Verdict.BROKEN, "@SUM(A1)", ((MARCH, 3),), text='=HYPERLINK("x")')
    write_crawl_reports(sample_view(reports=[formula]), tmp_path)
    row = read_csv(tmp_path / "dead-links.csv").iloc[0]
    assert row["text"] == '\'=HYPERLINK("x")'
    assert row["reason"] == "'@SUM(A1)"


def test_csv_text_is_one_line(tmp_path: Path):
    multiline = link("https://lines.example/", Verdict.BROKEN, "first\nsecond", ((MARCH, 3),))
    write_crawl_reports(sample_view(reports=[multiline]), tmp_path)
    assert read_csv(tmp_path / "links.csv").iloc[0]["reason"] == "first second"


def test_links_frame_types():
    frame = links_frame(sample_view())
    assert str(frame["line"].dtype) == "int64"
    assert str(frame["http_status"].dtype) == "Int64"
    assert frame["dead"].dtype == bool


def test_empty_crawl_writes_headers_only(tmp_path: Path):
    write_crawl_reports(sample_view(reports=[], histories={}, diff=RunDiff()), tmp_path)
    assert list(read_csv(tmp_path / "dead-links.csv").columns) == list(CSV_COLUMNS)
    assert read_csv(tmp_path / "links.csv").empty
    assert "No dead links." in (tmp_path / "dead-links.md").read_text(encoding="utf-8")


# --- dead-links.md ---------------------------------------------------------------------


def test_markdown_leads_with_summary_and_changes():
    text = render_dead_links(sample_view())
    assert text.startswith("# Dead links\n\nGenerated 2024-05-02T06:00:00+00:00 by rotwatch ")
    assert "**5 dead** (1 with an archive capture, 4 without). 16 links: 6 ok," in text
    assert (
        "- Newly dead: 2\n  - `https://example.com/gone-404`\n  - `https://vanished.example.org/post`\n"
        "- Fixed: 1\n  - `https://fixed.example.com/back`\n- Still dead: 3"
    ) in text


def test_markdown_has_a_table_per_issue_newest_first():
    text = render_dead_links(sample_view())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Since the last run",
        "## Weekly \\<script\\>alert\\(1\\)\\<\\/script\\>",
        "## AI 十项全能秀 2024\\-03\\-27",
        f"## `{FEBRUARY}`",
    ]
    assert text.count("| line | link text | URL | verdict | reason | since | archived copy |") == 3
    assert "`issues/2024-03-27-ai-deca-show.md` · published 2024-03-27 · 3 dead" in text


def test_markdown_dead_rows_carry_since_and_capture():
    text = render_dead_links(sample_view())
    assert (
        "| 12 | 苹果 MM1 论文 | `https://example.com/gone-404` | broken | HTTP 404 | 2024-05-01 | "
        f"[2024-03-01](<{PLAYBACK}>) |"
    ) in text
    assert (
        "| 20 | 链接 | `https://vanished.example.org/post` | broken | domain does not exist | 2024-05-01 | no capture |"
        in text
    )


def test_markdown_renders_web_text_literally():
    rendered = MarkdownIt("gfm-like").render(render_dead_links(sample_view()))
    assert "<script>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


# --- atomic writes -----------------------------------------------------------------------


def test_writing_leaves_no_temporary_files(written: Path):
    write_crawl_reports(sample_view(), written)
    assert sorted(os.listdir(written)) == sorted(FILES)


def test_reports_are_readable_by_others(written: Path):
    assert all((written / name).stat().st_mode & 0o777 == 0o644 for name in FILES)


def test_a_rendering_error_leaves_the_previous_reports_untouched(written: Path, monkeypatch):
    before = {name: (written / name).read_bytes() for name in FILES}

    def broken_renderer(*args, **kwargs):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(crawl_reports.json_report, "render", broken_renderer)
    with pytest.raises(RuntimeError):
        write_crawl_reports(sample_view(reports=REPORTS[:2]), written)
    assert {name: (written / name).read_bytes() for name in FILES} == before
    assert sorted(os.listdir(written)) == sorted(FILES)


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(written: Path, monkeypatch):
    before = (written / "index.html").read_bytes()

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(crawl_reports.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_crawl_reports(sample_view(reports=REPORTS[:2]), written)
    assert (written / "index.html").read_bytes() == before
    assert sorted(os.listdir(written)) == sorted(FILES)

"""dead-links.csv and links.csv (crawler/report/csv_tables.py), read back with pandas.

The view is tests.report.views' sample: four issues, every verdict, Chinese
text, a title holding `<script>`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.models import Page, RunDiff, Verdict
from crawler.report import csv_tables
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.csv_tables import CSV_COLUMNS, CSV_ENCODING, csv_bytes, links_frame
from crawler.report.json_report import drift_fields, link_fields
from crawler.report.summary import capture_url
from tests.report.views import (
    APRIL,
    DEAD,
    FEBRUARY,
    GONE_404,
    MARCH,
    MEMENTO_PLAYBACK,
    MENDED,
    NXDOMAIN,
    PARKED,
    PLAYBACK,
    REPORTS,
    TAKEOVER,
    TAKEOVER_CAPTURE,
    drift_view,
    link,
    sample_view,
)

OCCURRENCES = sum(len(report.occurrences) for report in REPORTS)
DEAD_OCCURRENCES = sum(len(report.occurrences) for report in DEAD)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding=CSV_ENCODING, dtype={"capture_timestamp": str})


@pytest.fixture
def written(tmp_path: Path) -> Path:
    write_crawl_reports(sample_view(), tmp_path / "reports")
    return tmp_path / "reports"


def test_public_names_are_pinned():
    assert csv_tables.__all__ == [
        "CSV_COLUMNS",
        "CSV_ENCODING",
        "csv_bytes",
        "csv_pieces",
        "links_csv_pieces",
        "links_csv_rows",
        "links_frame",
    ]


def test_csv_bytes_of_a_frame_are_the_written_file(written: Path):
    assert csv_bytes(links_frame(sample_view())) == (written / "links.csv").read_bytes()


def test_files_written_a_row_at_a_time_are_the_same_bytes(tmp_path: Path):
    view = sample_view()
    frame = links_frame(view)
    write_crawl_reports(view, tmp_path)
    assert (tmp_path / "links.csv").read_bytes() == csv_bytes(frame)
    assert (tmp_path / "dead-links.csv").read_bytes() == csv_bytes(frame[frame["dead"]])


def test_pieces_of_no_occurrence_are_the_header_alone():
    view = sample_view(reports=[])
    assert b"".join(csv_tables.csv_pieces(view, view.mentions())) == csv_bytes(links_frame(view))


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


# --- drift and captures from other archives ------------------------------------------


def test_csv_columns_are_only_added_at_the_end():
    assert CSV_COLUMNS[15:] == (
        "capture_archive",
        "drift_kind",
        "drift_reason",
        "drift_then",
        "drift_then_on",
        "drift_now",
        "drift_capture",
    )
    assert CSV_COLUMNS.index("capture_status") == 14


def test_links_csv_has_the_drift_evidence_and_the_archive_of_each_capture(tmp_path: Path):
    write_crawl_reports(drift_view(), tmp_path)
    frame = read_csv(tmp_path / "links.csv").set_index("url")
    takeover = frame.loc[TAKEOVER.url]
    assert (takeover["verdict"], takeover["drift_kind"], takeover["drift_then_on"]) == ("ok", "takeover", "2024-03-20")
    assert (takeover["drift_then"], takeover["drift_now"]) == ("AI 十项全能秀 | Deca Show", TAKEOVER.drift.now_title)
    assert takeover["drift_capture"] == TAKEOVER_CAPTURE and takeover["drift_reason"].startswith("now a gambling page")
    assert pd.isna(frame.loc[PARKED.url]["drift_capture"])  # "then" is rotwatch's own first check
    assert frame.loc[GONE_404.url].iloc[0][["drift_kind", "drift_now"]].isna().all()
    mended = frame.loc[MENDED.url]
    assert (mended["capture_archive"], mended["capture_url"]) == ("archive.today", MEMENTO_PLAYBACK)
    assert set(frame.loc[GONE_404.url]["capture_archive"]) == {"wayback"}
    dead = read_csv(tmp_path / "dead-links.csv")
    assert MENDED.url in set(dead["url"]) and TAKEOVER.url not in set(dead["url"])


def test_drift_text_is_made_inert_for_spreadsheets():
    formula = replace(TAKEOVER, drift=replace(TAKEOVER.drift, now_title="=HYPERLINK(evil)"))
    frame = links_frame(sample_view(reports=[formula]))
    assert csv_bytes(frame).decode(CSV_ENCODING).count("'=HYPERLINK(evil)") == 1


def test_a_row_s_cells_come_in_the_order_of_the_columns():
    for view in (sample_view(), drift_view()):
        for mention in view.mentions():
            report, occurrence = mention
            values = csv_tables._Rows(view).values(mention)
            assert len(values) == len(CSV_COLUMNS)
            row = dict(zip(CSV_COLUMNS, values, strict=True))
            assert (row["issue"], row["line"], row["text"]) == (occurrence.issue, occurrence.line, occurrence.text)
            assert {name: row[name] for name in link_fields(report)} == link_fields(report)
            assert (row["dead"], row["capture_url"]) == (view.is_dead(report), capture_url(report))
            drift = drift_fields(report.drift) if report.drift else dict.fromkeys(("kind", "then_on", "capture"))
            assert (row["drift_kind"], row["drift_then_on"], row["drift_capture"]) == (
                drift["kind"],
                drift["then_on"] or None,
                drift["capture"],
            )


def test_text_from_issues_and_the_web_is_made_inert_in_its_columns_only():
    formula = "=1+1"
    drift = replace(TAKEOVER.drift, reason=formula, then_title=formula, now_title=formula, capture=formula)
    result = replace(TAKEOVER.result, final_url=formula, page=Page(title=formula))
    report = link(formula, Verdict.BROKEN, formula, ((formula, 3),), text=formula)
    report = replace(report, result=result, archive_url=formula, drift=drift)
    view = sample_view(reports=[report])
    (mention,) = view.mentions()
    row = dict(zip(CSV_COLUMNS, csv_tables._Rows(view).values(mention), strict=True))
    inert = {name for name, value in row.items() if value == "'" + formula}
    assert inert == {
        "issue",
        "text",
        "url",
        "reason",
        "final_url",
        "title",
        "capture_url",
        "drift_reason",
        "drift_then",
        "drift_now",
        "drift_capture",
    }


@given(st.text())
def test_text_returned_as_it_is_is_what_the_general_rule_gives(text: str):
    assert csv_tables._spreadsheet_text(text) == csv_tables._inert_line(text)


@given(st.text(alphabet=st.sampled_from(" \t\n\x00\x85\xa0\u2028=+-@'a"), max_size=6))
def test_text_of_spaces_controls_and_formula_starts_reads_as_the_general_rule(text: str):
    assert csv_tables._spreadsheet_text(text) == csv_tables._inert_line(text)

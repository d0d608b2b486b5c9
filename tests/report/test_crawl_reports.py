"""The crawl's report files (crawler/report/crawl_reports.py): the file set and atomic writing.

The view is tests.report.views' sample: four issues, every verdict, Chinese
text, a title holding `<script>`. The files' contents are tested with their
modules (test_html, test_dead_links, test_csv_tables, test_renderers).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crawler.report import crawl_reports
from crawler.report.crawl_reports import write_crawl_reports
from tests.report.views import REPORTS, sample_view

FILES = ["index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json"]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    write_crawl_reports(sample_view(), tmp_path / "reports")
    return tmp_path / "reports"


def test_public_names_are_pinned():
    assert crawl_reports.__all__ == ["write_crawl_reports"]


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

    monkeypatch.setattr(crawl_reports.json_report, "crawl_pieces", broken_renderer)
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

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

from crawler.nightly.view import QUIET, CrawlView
from crawler.report import crawl_reports
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.summary import count_by_verdict
from tests.report.scale import scale_view
from tests.report.views import REPORTS, sample_view

FILES = ["index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json"]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    write_crawl_reports(sample_view(), tmp_path / "reports")
    return tmp_path / "reports"


def test_public_names_are_pinned():
    assert crawl_reports.__all__ == ["REPORT_FILES", "write_crawl_reports"]


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


# --- every link read again, a chunk at a time ------------------------------------------


class Chunked:
    """Links by URL in chunks of `size`, each with its histories: the crawl's source, in memory."""

    def __init__(self, view, size: int) -> None:
        self.reports = sorted((report for chunk in view.links() for report in chunk), key=lambda r: r.url)
        self.histories, self.size = view.histories, size
        self.readings = 0

    def chunks(self):
        self.readings += 1
        for start in range(0, len(self.reports), self.size):
            chunk = self.reports[start : start + self.size]
            yield chunk, {r.url: self.histories[r.url] for r in chunk if r.url in self.histories}

    def taken(self, take):
        return map(take, self.chunks())

    def __len__(self):
        return len(self.reports)


def same_view(view, reports):
    return CrawlView(reports, {}, view.issue_dates, view.diff, view.generated_at, view.run_counts, view.issue_titles)


@pytest.mark.parametrize("links", [40, 2_500])
def test_a_view_read_a_chunk_at_a_time_writes_the_files_of_one_list(tmp_path: Path, links: int):
    view = scale_view(links, newly_dead=links // 20, still_dead=links // 40, fixed=3, unchecked=links // 100)
    chunked = Chunked(view, 700 if links > 1_000 else 7)
    whole = CrawlView(
        chunked.reports,
        view.histories,
        view.issue_dates,
        view.diff,
        view.generated_at,
        view.run_counts,
        view.issue_titles,
    )
    write_crawl_reports(whole, tmp_path / "list")
    write_crawl_reports(same_view(view, chunked), tmp_path / "chunks")
    for name in FILES:
        assert (tmp_path / "list" / name).read_bytes() == (tmp_path / "chunks" / name).read_bytes(), name


def test_above_the_full_table_the_view_holds_only_the_links_listed_one_by_one():
    view = scale_view(2_500, newly_dead=30, fixed=2, unchecked=4)
    held = {report.url for report in view.reports}
    every = [report for chunk in view.links() for report in chunk]
    assert view.figures.links == len(every) == 2_500
    assert all((r.url in held) == (r.assessment.verdict not in QUIET or view.is_dead(r)) for r in every)
    assert view.figures.verdicts == count_by_verdict(every)


def test_the_five_files_read_every_link_once(tmp_path: Path):
    view = scale_view(2_500, newly_dead=30, fixed=2, unchecked=4)
    chunked = Chunked(view, 700)
    chunked_view = same_view(view, chunked)
    write_crawl_reports(chunked_view, tmp_path)
    assert chunked.readings == 1

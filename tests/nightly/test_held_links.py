"""The listed links' spool (crawler/nightly/held_links.py): in memory or on disk, the same files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.nightly import held_links
from crawler.nightly.held_links import DEAD, SortedInMemory
from crawler.nightly.view import CrawlView
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.sorted_rows import SortedLines, SortFile
from tests.report.scale import scale_view

FILES = ("index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json")


def test_public_names_are_pinned():
    assert held_links.__all__ == [
        "CHANGE_LISTS",
        "DEAD",
        "DRIFTED",
        "FAILING",
        "ChangeLists",
        "HeldLinks",
        "HeldRow",
        "SortedInMemory",
        "Spool",
    ]


def test_the_list_and_the_sqlite_sort_give_the_rows_in_the_same_order():
    rows = [
        ((True, 3, "b"), DEAD, b"1"),
        ((False, 3, "b"), 0, b"2"),
        ((True, 3, "b"), DEAD, b"3"),
        ((True, 1, ""), 0, b"4"),
    ]
    memory, disk = SortedInMemory(), SortedLines(SortFile())
    memory.add_marked(rows)
    disk.add_marked(rows)
    assert list(memory.marked(None)) == list(disk.marked(None)) == [b"2", b"4", b"1", b"3"]
    assert list(memory.marked(DEAD)) == list(disk.marked(DEAD)) == [b"1", b"3"]


@pytest.mark.parametrize("links", [40, 2_500])
def test_a_view_spooled_on_disk_writes_the_files_of_one_in_memory(tmp_path: Path, links: int):
    view = scale_view(links, newly_dead=links // 20, still_dead=links // 40, fixed=3, unchecked=links // 100)
    every = [report for chunk in view.links() for report in chunk]  # not only the links the view lists
    fields = (view.histories, view.issue_dates, view.diff, view.generated_at, view.run_counts, view.issue_titles)
    db = SortFile()
    in_memory, on_disk = CrawlView(every, *fields), CrawlView(every, *fields, lambda: SortedLines(db))
    write_crawl_reports(in_memory, tmp_path / "memory")
    write_crawl_reports(on_disk, tmp_path / "disk")
    for name in FILES:
        assert (tmp_path / "memory" / name).read_bytes() == (tmp_path / "disk" / name).read_bytes(), name
    assert on_disk.dead_reports() == in_memory.dead_reports()


def test_a_change_list_counts_the_rows_it_reads():
    view = scale_view(2_500, newly_dead=60, still_dead=30, fixed=3, unchecked=10)
    for name in ("newly_dead", "fixed", "still_dead", "newly_drifted"):
        assert view.change_count(name) == len(list(view.changes(name))) == len(getattr(view.diff, name))

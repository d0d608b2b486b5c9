"""The external sort under links.csv (crawler/report/sorted_rows.py)."""

from __future__ import annotations

import random

from crawler.report import sorted_rows
from crawler.report.sorted_rows import SortedLines, SortFile


def test_public_names_are_pinned():
    assert sorted_rows.__all__ == ["SORT_CACHE_KIB", "SortFile", "SortedLines"]


def test_lines_come_back_in_key_order_as_python_sorts_them_ties_as_given():
    rng = random.Random(7)
    words = ["a", "B", "é", "中文", "z", "ä", "😀", ""]
    keyed = [((rng.random() < 0.5, rng.randint(-5, 5), rng.choice(words)), f"line {n}\n") for n in range(2_000)]
    with SortedLines() as lines:
        lines.add(keyed[:700])
        lines.add(keyed[700:])
        assert list(lines) == [line for _, line in sorted(keyed, key=lambda pair: pair[0])]


def test_nothing_in_nothing_out():
    with SortedLines() as lines:
        lines.add([])
        assert list(lines) == []


def test_a_copy_gives_the_other_sorts_rows_in_the_same_order_and_leaves_out_what_was_dropped():
    file = SortFile()
    kept, dropped, asking = SortedLines(file), SortedLines(file), SortedLines(file)
    kept.add_marked([((2, "b"), 1, b"x"), ((1, "a"), 2, b"y"), ((2, "b"), 1, b"z")])
    dropped.add([((1,), "gone")])
    dropped.close()
    asking.add([((1,), "stays with this process")])
    before = list(kept.marked(None))
    with asking.copied() as read_copy:
        read_copy()  # as a forked worker does: the sorts now read the copy
        assert file.connection.execute("SELECT name FROM sqlite_master").fetchall() == [(kept._table,)]
        assert list(kept.marked(None)) == before == [b"y", b"x", b"z"]
        assert list(kept.marked(1)) == [b"x", b"z"]
    file.close()

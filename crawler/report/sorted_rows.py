"""Lines sorted by a key without holding them: an external sort through a temporary SQLite file.

links.csv lists every occurrence in the editors' reading order (newest issue
first, each issue top to bottom: `CrawlView.mentions`), but the links arrive
a chunk at a time by URL (`CrawlView.links`). At a million links the rows are
hundreds of megabytes, so they are not sorted in memory: each row goes into a
private temporary SQLite database (`sqlite3.connect("")`: a file the library
deletes when the connection closes) and comes back with `ORDER BY`, which
SQLite sorts in pieces of its page cache, spilling to temporary files
(https://www.sqlite.org/tempfiles.html, "Transient Indices"). Memory stays at
the cache's size, `SORT_CACHE_KIB`, whatever the number of rows.

Keys are tuples of int, bool and str of one shape. SQLite compares integers
as numbers and text with the BINARY collation, byte by byte, which for UTF-8
is code point order, as Python compares str; rows with equal keys come back
in the order they went in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from itertools import chain

__all__ = ["SORT_CACHE_KIB", "sorted_lines"]

SORT_CACHE_KIB = 32_768  # page cache of the temporary database (and so of its sorter), KiB
_BATCH = 10_000  # rows fetched at a time

Key = tuple[int | bool | str, ...]


def sorted_lines(keyed: Iterable[tuple[Key, str]]) -> Iterator[str]:
    """The lines of `keyed` (key, line) in key order, ties in their given order."""
    rows = iter(keyed)
    first = next(rows, None)
    if first is None:
        return
    width = len(first[0])
    columns = [f"k{index}" for index in range(width)]
    with closing(sqlite3.connect("")) as db:
        db.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        db.execute(f"CREATE TABLE rows ({', '.join(columns)}, line TEXT)")
        insert = f"INSERT INTO rows VALUES ({', '.join('?' * (width + 1))})"
        db.executemany(insert, ((*key, line) for key, line in chain([first], rows)))  # streamed, not listed
        cursor = db.execute(f"SELECT line FROM rows ORDER BY {', '.join(columns)}, rowid")
        while fetched := cursor.fetchmany(_BATCH):
            for (line,) in fetched:
                yield line

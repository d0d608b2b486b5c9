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
from itertools import chain

__all__ = ["SORT_CACHE_KIB", "SortedLines"]

SORT_CACHE_KIB = 32_768  # page cache of the temporary database (and so of its sorter), KiB
_BATCH = 10_000  # rows fetched at a time

Key = tuple[int | bool | str, ...]


class SortedLines:
    """Lines added with their keys, then read back in key order (ties in the order added);
    the temporary file goes when `close` is called (or the block of `with` ends)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # a private temporary file, deleted on close
        self._db.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")
        self._width: int | None = None

    def add(self, keyed: Iterable[tuple[Key, str]]) -> None:
        rows = iter(keyed)
        first = next(rows, None)
        if first is None:
            return
        if self._width is None:
            self._width = len(first[0])
            self._db.execute(f"CREATE TABLE rows ({', '.join(self._columns())}, line TEXT)")
        insert = f"INSERT INTO rows VALUES ({', '.join('?' * (self._width + 1))})"
        self._db.executemany(insert, ((*key, line) for key, line in chain([first], rows)))  # streamed, not listed

    def __iter__(self) -> Iterator[str]:
        if self._width is None:
            return
        cursor = self._db.execute(f"SELECT line FROM rows ORDER BY {', '.join(self._columns())}, rowid")
        while fetched := cursor.fetchmany(_BATCH):
            for (line,) in fetched:
                yield line

    def _columns(self) -> list[str]:
        return [f"k{index}" for index in range(self._width or 0)]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SortedLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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

The crawl's view spools the links it lists one by one the same way
(`crawler.nightly.view`: at a million links, about 95,000 dead ones, 1.1 KB
each as a report): each row may carry `marks`, bits its reader selects by
(`marked`: the dead links' rows, the drifted ones'), and its line may be
bytes (a pickled occurrence). Several sorts share one temporary database,
and so one page cache, when given their file (`SortedLines(file)`, `SortFile`).

Keys are tuples of int, bool and str of one shape. SQLite compares integers
as numbers and text with the BINARY collation, byte by byte, which for UTF-8
is code point order, as Python compares str; rows with equal keys come back
in the order they went in.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from itertools import chain, count
from pathlib import Path

__all__ = ["SORT_CACHE_KIB", "SortFile", "SortedLines"]

SORT_CACHE_KIB = 32_768  # page cache of the temporary database (and so of its sorter), KiB
_BATCH = 1_000  # rows fetched at a time (a held link's row is its pickled report, 1-2 KB)

Key = tuple[int | bool | str, ...]
Line = str | bytes
_tables = count()  # each sort's table in a shared database


class SortFile:
    """A private temporary SQLite file (deleted when closed) that several sorts share, so one
    page cache, of SORT_CACHE_KIB, serves them.
    A crawl's view is built in the reactor's thread and may be read after in the caller's, one at
    a time. A forked worker reads a copy (`copied`): a connection is never carried across a fork
    (crawler.cores), and a private file has no name to open again."""

    def __init__(self) -> None:
        self.connection = sqlite3.connect("", check_same_thread=False)  # a private temporary file
        self.connection.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")

    @contextmanager
    def copied(self, leaving: str = "") -> Iterator[Callable[[], None]]:
        """A copy of the file's sorts for the block, but the table `leaving`, in a folder of its
        own; yields what a forked worker calls first to read every sort through the copy. Each
        table is copied in rowid order (SQLite's `CREATE TABLE ... AS SELECT`), so rows with
        equal keys keep their order, and what was dropped is not copied."""
        self.connection.commit()
        with tempfile.TemporaryDirectory(prefix="rotwatch-sorts-") as folder:
            path = Path(folder) / "sorts.sqlite"
            self.connection.execute("ATTACH DATABASE ? AS copy", (str(path),))
            try:
                tables = self.connection.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
                for (table,) in tables.fetchall():
                    if table != leaving:
                        self.connection.execute(
                            f"CREATE TABLE copy.{table} AS SELECT * FROM main.{table} ORDER BY rowid"
                        )
                self.connection.commit()
            finally:
                self.connection.execute("DETACH DATABASE copy")
            yield partial(self._read_copy, path)

    def _read_copy(self, path: Path) -> None:
        self.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.connection.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB}")

    def close(self) -> None:
        self.connection.close()


class SortedLines:
    """Lines added with their keys, then read back in key order (ties in the order added);
    the temporary file goes when `close` is called (or the block of `with` ends), or with
    `file`, the file it shares with other sorts, when that is closed."""

    def __init__(self, file: SortFile | None = None) -> None:
        self._file = SortFile() if file is None else file
        self._owned = file is None
        self._table = f"rows{next(_tables)}"
        self._width: int | None = None

    def add(self, keyed: Iterable[tuple[Key, Line]]) -> None:
        self.add_marked((key, 0, line) for key, line in keyed)

    def add_marked(self, keyed: Iterable[tuple[Key, int, Line]]) -> None:
        """Lines with their keys and marks (bits `marked` selects by)."""
        rows = iter(keyed)
        first = next(rows, None)
        if first is None:
            return
        if self._width is None:
            self._width = len(first[0])
            self._file.connection.execute(
                f"CREATE TABLE {self._table} ({', '.join(self._columns())}, marks INTEGER, line)"
            )
        insert = f"INSERT INTO {self._table} VALUES ({', '.join('?' * (self._width + 2))})"
        self._file.connection.executemany(
            insert, ((*key, marks, line) for key, marks, line in chain([first], rows))
        )  # streamed

    def __iter__(self) -> Iterator[Line]:
        return self.marked(None)

    def marked(self, mask: int | None) -> Iterator[Line]:
        """The lines in key order, only those with a mark of `mask` unless it is None."""
        if self._width is None:
            return
        where = "" if mask is None else f"WHERE marks & {int(mask)} != 0 "
        order = ", ".join(self._columns())
        cursor = self._file.connection.execute(f"SELECT line FROM {self._table} {where}ORDER BY {order}, rowid")
        while fetched := cursor.fetchmany(_BATCH):
            for (line,) in fetched:
                yield line

    def copied(self) -> AbstractContextManager[Callable[[], None]]:
        """`SortFile.copied` of the file this sort is in: the other sorts in it, not this one."""
        return self._file.copied(leaving=self._table)

    def _columns(self) -> list[str]:
        return [f"k{index}" for index in range(self._width or 0)]

    def close(self) -> None:
        """Its rows gone: the temporary file when it owns it, else its table in the shared one."""
        if self._owned:
            self._file.connection.close()
        elif self._width is not None:
            self._file.connection.execute(f"DROP TABLE {self._table}")
            self._width = None

    def __enter__(self) -> SortedLines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

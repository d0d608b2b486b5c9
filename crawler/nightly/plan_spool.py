"""The nightly crawl's plan on disk: every link read, grouped by URL, and tonight's due links.

`crawler.check.plan.plan_checks` groups a run's occurrences in memory, which
the one-shot `check` can afford. A nightly crawl of a million links cannot:
the occurrences take 600 bytes a link and the grouped plan 235 more, held
for the hours the crawl lasts (benchmarks/README.md). So the crawl spools
them into a temporary SQLite file as each issue is read (`add`), groups
them there the way `plan_checks` does (by normalized URL, the first
spelling seen is the one requested, links matching --exclude apart), and
reads them back a chunk at a time in URL order (`row_chunks`, `plan_of`), as
the reports need them.

Tonight's due links go to the spool too (`mark_due`), each with its site,
and come back in the crawl's order (`due_in_order`): every site's links
spread through the night in proportion to its share
(`crawler.fetch.fair_order.fair_key`, registered as an SQL function so the
order is decided in one place), so the spider can read them as the
downloader drains without holding them.

The file is scratch: no journal, no fsync, in the temporary folder (set
TMPDIR where /tmp is a RAM disk: at a million links it is about 700 MB),
and gone when the crawl ends, or is killed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from re import Pattern
from typing import Any, Self

from crawler.check.plan import CheckPlan, excluded_result, is_excluded
from crawler.check.urls import normalize_url, site_of
from crawler.fetch.fair_order import fair_key
from crawler.models import LinkKind, LinkOccurrence

__all__ = ["PlanRow", "PlanSpool", "plan_of", "rows_requesting"]

_BATCH = 10_000  # URLs a query reads or writes at a time
_KINDS = {kind.value: kind for kind in LinkKind}

# An occurrence beside its link: key, excluded, URL requested, URL, issue, line, column, text, kind, as written.
PlanRow = tuple[str, int, str, str, str, int, int, str, str, str]

_SCHEMA = """
CREATE TABLE occurrence (  -- rowid: the order read
    key TEXT NOT NULL, excluded INTEGER NOT NULL, url TEXT NOT NULL, issue TEXT NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL, text TEXT NOT NULL, kind TEXT NOT NULL, written TEXT NOT NULL
);
CREATE TABLE link (key TEXT NOT NULL, excluded INTEGER NOT NULL, url TEXT NOT NULL, PRIMARY KEY (key, excluded))
    WITHOUT ROWID;
CREATE TABLE due (url TEXT NOT NULL, site TEXT NOT NULL);
"""
_GROUP = (
    # Each link's first spelling: the row of min(rowid) gives the bare column `url`
    # (https://www.sqlite.org/lang_select.html#bare_columns_in_an_aggregate_query). One sort, then the
    # links in key order: a million took 1.5 s, against 8.1 s inserted in reading order (OR IGNORE).
    "INSERT INTO link SELECT key, excluded, url FROM (SELECT key, excluded, url, min(rowid) FROM occurrence"
    " GROUP BY key, excluded)",
    # Every occurrence beside the URL requested for it, in the order the reports read them:
    # a chunk is then a stretch of one scan, not a look-up per link.
    """CREATE TABLE cited AS SELECT link.key, link.excluded, link.url AS requested, occurrence.url, issue, line, col,
       text, kind, written FROM link JOIN occurrence USING (key, excluded) ORDER BY link.url, link.excluded,
       occurrence.rowid""",
    "DROP TABLE occurrence",
)
_ADD = "INSERT INTO occurrence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
# Pages by key order, so no cursor stays open while the crawl writes between them.
_URLS_AFTER = "SELECT key, url FROM link WHERE NOT excluded AND key > ? ORDER BY key LIMIT ?"
_CITED = "SELECT key, excluded, requested, url, issue, line, col, text, kind, written FROM cited ORDER BY rowid"
_DUE_IN_ORDER = """
SELECT url FROM (
    SELECT url, site, ROW_NUMBER() OVER (PARTITION BY site ORDER BY rowid) - 1 AS rank,
           COUNT(*) OVER (PARTITION BY site) AS count
    FROM due
) ORDER BY fair_key(rank, count), -count, site
"""


class PlanSpool:
    """A crawl's plan in a scratch SQLite file; `create` makes one and deletes it after."""

    def __init__(self, db: sqlite3.Connection, exclude: Sequence[Pattern[str]]) -> None:
        self._db, self._exclude, self._grouped = db, exclude, False

    @classmethod
    @contextmanager
    def create(cls, exclude: Sequence[Pattern[str]] = ()) -> Iterator[Self]:
        # "": SQLite's private temporary database, a file in the temporary folder (SQLITE_TMPDIR, else
        # TMPDIR, else /var/tmp or /tmp) that it removes at once, so not even a killed crawl leaves it behind.
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)  # scratch
            # Grouping sorts every occurrence once; SQLite's sorter may use the other cores
            # (https://www.sqlite.org/pragma.html#pragma_threads): a million links 6.6 -> 5.4 s.
            db.execute(f"PRAGMA threads = {(os.cpu_count() or 1) - 1}")
            db.create_function("fair_key", 2, fair_key, deterministic=True)
            yield cls(db, exclude)
        finally:
            db.close()

    @classmethod
    @contextmanager
    def of(cls, occurrences: Iterable[LinkOccurrence], exclude: Sequence[Pattern[str]] = ()) -> Iterator[Self]:
        """A spool of `occurrences` already read (tests, and callers holding a list)."""
        with cls.create(exclude) as spool:
            spool.add(occurrences)
            yield spool

    def add(self, occurrences: Iterable[LinkOccurrence]) -> None:
        """Spools links as they are read (before the first question asked of the plan)."""
        assert not self._grouped, "links are added before the plan is read"
        rows = (_row(o, normalize_url(o.url), is_excluded(o.url, self._exclude)) for o in occurrences)
        with self._transaction():
            self._db.executemany(_ADD, rows)

    def __len__(self) -> int:
        """How many URLs the plan requests."""
        return int(self._query("SELECT COUNT(*) FROM link WHERE NOT excluded").fetchone()[0])

    def urls(self) -> Iterator[list[str]]:
        """The URLs to request, `_BATCH` at a time."""
        after = ""
        while batch := self._query(_URLS_AFTER, (after, _BATCH)).fetchall():
            yield [url for _, url in batch]
            after = batch[-1][0]

    def row_chunks(self, size: int) -> Iterator[list[PlanRow]]:
        """The plan `size` links at a time in URL order (excluded links among them), each chunk
        with every occurrence of its links, as the spool's rows: plain tuples, which another
        process reading the reports can be handed at the cost of a copy (`plan_of` reads them)."""
        rows: list[PlanRow] = []
        links, current = 0, ("", -1)
        for row in self._rows(_CITED):
            if (row[0], row[1]) != current:
                if links == size:
                    yield rows
                    rows, links = [], 0
                current, links = (row[0], row[1]), links + 1
            rows.append(row)
        if links:
            yield rows

    def link_count(self) -> int:
        """How many links the plan has, those --exclude leaves out among them (one per chunk's link)."""
        return int(self._query("SELECT COUNT(*) FROM link").fetchone()[0])

    def mark_due(self, due: Sequence[str]) -> None:
        """Notes some of tonight's due URLs, each with its site."""
        with self._transaction():
            self._db.executemany("INSERT INTO due VALUES (?, ?)", ((url, site_of(url)) for url in due))

    def due_in_order(self) -> Iterator[str]:
        """Tonight's due URLs in the crawl's order (the module's docstring says which)."""
        rows = self._db.execute(_DUE_IN_ORDER)
        while batch := rows.fetchmany(_BATCH):
            yield from (url for (url,) in batch)

    # Plumbing

    def _rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        rows = self._query(sql)
        while batch := rows.fetchmany(_BATCH):
            yield from batch

    def _query(self, sql: str, parameters: tuple[object, ...] = ()) -> sqlite3.Cursor:
        if not self._grouped:
            with self._transaction():
                for statement in _GROUP:
                    self._db.execute(statement)
            self._grouped = True
        return self._db.execute(sql, parameters)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def plan_of(rows: Sequence[PlanRow]) -> CheckPlan:
    """A chunk of the plan from its rows (`PlanSpool.row_chunks`): each link's occurrences as read."""
    plan, current = CheckPlan(), ("", -1)
    found: list[LinkOccurrence] = []
    for key, excluded, requested, url, issue, line, col, text, kind, written in rows:
        if (key, excluded) != current:
            current, found = (key, excluded), []
            if excluded:
                plan.not_fetched[key] = (excluded_result(requested), found)
            else:
                plan.to_fetch[requested] = found
        found.append(LinkOccurrence(url, issue, line, col, text, _KINDS[kind], written))
    return plan


def rows_requesting(rows: Sequence[PlanRow], urls: Container[str]) -> list[PlanRow]:
    """The rows (`PlanSpool.row_chunks`) of the links that request one of `urls`: a part of a chunk."""
    return [row for row in rows if not row[1] and row[2] in urls]  # not excluded, requested URL


def _row(o: LinkOccurrence, key: str, excluded: bool) -> tuple[object, ...]:
    return key, excluded, o.url, o.issue, o.line, o.column, o.text, o.kind.value, o.written

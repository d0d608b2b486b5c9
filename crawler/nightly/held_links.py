"""The links a crawl's reports list one by one, spooled in the orders the reports read them.

At a million links the links listed one by one (dead, failing, drifted, not
checked, named by the diff: about 95,000 dead ones in benchmarks/corpus.py's
mix) were most of the memory the reports took (issue 14): 1.1 KB each as a
`LinkReport`, then again as every renderer's list of their occurrences (the
dead links by issue in index.html, dead-links.md, dead-links.csv). So the
view hands each listed link, as it reads it, to three sorts (`Spool`, on
disk for the crawl: crawler.report.sorted_rows; a list for `rotwatch check`
and the tests) and every output reads them back a chunk at a time:
- `reports`: each link once, in the source's order (the archival copies, the
  sites with the most dead links, the tests' `CrawlView.reports`);
- `mentions`: each occurrence, as cited (its issue's capture), in reading
  order (`CrawlView.reading_order`), marked DEAD, DRIFTED or FAILING (not
  quiet, not dead: the "All links" table at scale) so a reader takes only its
  own rows;
- `changes`: each link the run's diff names, per list of the diff, by its
  first occurrence in reading order (the page's change lists).
Each row is the pickled value: the sorts keep bytes, whatever their storage.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol, TypeVar

from crawler.models import LinkReport, RunDiff
from crawler.report.summary import Mention

__all__ = [
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

DEAD, DRIFTED, FAILING = 1, 2, 4  # marks of a listed occurrence (FAILING: not quiet and not dead)
CHANGE_LISTS = ("newly_dead", "fixed", "still_dead", "newly_drifted")  # `RunDiff`'s lists, by index

Key = tuple[int | bool | str, ...]
T = TypeVar("T")


Line = str | bytes


class Spool(Protocol):
    """Rows added with a key and marks, read back in key order (ties in the order added);
    `close` drops them."""

    def add_marked(self, keyed: Iterable[tuple[Key, int, Line]]) -> None: ...

    def marked(self, mask: int | None) -> Iterator[Line]: ...

    def copied(self) -> AbstractContextManager[Callable[[], None]]:
        """For the block, what a forked worker calls first to read the other sorts beside this
        one (crawler.cores); this one's rows stay with this process."""
        ...

    def close(self) -> None: ...


class SortedInMemory:
    """`Spool` as a list, sorted when read: for a view built from a list of reports."""

    def __init__(self) -> None:
        self._rows: list[tuple[Key, int, Line]] = []

    def add_marked(self, keyed: Iterable[tuple[Key, int, Line]]) -> None:
        self._rows.extend(keyed)

    def marked(self, mask: int | None) -> Iterator[Line]:
        for _, marks, line in sorted(self._rows, key=lambda row: row[0]):
            if mask is None or marks & mask:
                yield line

    def copied(self) -> AbstractContextManager[Callable[[], None]]:
        """Nothing to copy: a forked worker has the list as it was."""
        return nullcontext(_nothing)

    def close(self) -> None:
        self._rows = []


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class HeldRow:
    """One listed link as its sorts take it (`ChangeLists.held_row`): pickled, so it may be made
    in the process that read the link and spooled in the view's."""

    url: str
    marks: int
    report: bytes
    mentions: list[tuple[Key, int, bytes]]  # each occurrence: its key in reading order, its marks
    lists: tuple[int, ...]  # the change lists that name it, by index

    @property
    def list_names(self) -> list[str]:
        return [CHANGE_LISTS[index] for index in self.lists]


class ChangeLists:
    """The run diff's lists, to tell whether (`in`) and which (`held_row`) name a link."""

    def __init__(self, diff: RunDiff) -> None:
        self._named = [frozenset(getattr(diff, name)) for name in CHANGE_LISTS]  # each change list's URLs
        self._any = frozenset().union(*self._named)

    def __contains__(self, url: object) -> bool:
        """Whether some list of the diff names `url`."""
        return url in self._any

    def held_row(self, report: LinkReport, marks: int, mentions: Sequence[tuple[Key, int, Mention]]) -> HeldRow:
        """One link: its report with `marks`, its occurrences with their keys and marks, and the
        change lists it is named in."""
        lists = tuple(index for index, urls in enumerate(self._named) if report.url in urls)
        packed = [(key, mark, _pickled(mention)) for key, mark, mention in mentions]
        return HeldRow(report.url, marks, _pickled(report), packed, lists)


class HeldLinks:
    """The listed links of one view, in the three sorts the module describes."""

    def __init__(self, spool: Callable[[], Spool], diff: RunDiff) -> None:
        self._reports, self._mentions, self._changes = spool(), spool(), spool()
        self._count = 0
        self._diff = diff
        self._held_named: set[str] = set()  # the URLs the diff names that some held link has
        self._change_counts = [0] * len(CHANGE_LISTS)  # rows per change list, for its tally before its rows

    def add(self, row: HeldRow) -> None:
        """One link, after those added before it: in each change list it is named in, placed by
        its first occurrence."""
        self._reports.add_marked([((self._count,), row.marks, row.report)])
        self._count += 1
        self._mentions.add_marked(row.mentions)
        if row.lists:
            self._held_named.add(row.url)
            first = min(key for key, _, _ in row.mentions) if row.mentions else (True, 0, "", 0, 0, row.url)
            self._changes.add_marked(((index, not row.mentions, *first), 1 << index, row.report) for index in row.lists)
            for index in row.lists:
                self._change_counts[index] += 1

    def not_cited(self) -> None:
        """The diff's URLs no link held has: no longer cited, after the others by URL."""
        for index, name in enumerate(CHANGE_LISTS):
            urls = sorted(url for url in getattr(self._diff, name) if url not in self._held_named)
            self._change_counts[index] += len(urls)
            self._changes.add_marked(((index, True, True, 0, "", 0, 0, url), 1 << index, _pickled(url)) for url in urls)

    def reports(self, mask: int | None = None) -> Iterator[LinkReport]:
        """The links in the source's order, those with a mark of `mask` unless it is None."""
        for line in self._reports.marked(mask):
            yield _unpickled(line, LinkReport)

    def mentions(self, mask: int | None = None) -> Iterator[Mention]:
        """The occurrences in reading order, those with a mark of `mask` unless it is None."""
        for line in self._mentions.marked(mask):
            yield _unpickled(line, Mention)

    def change_count(self, index: int) -> int:
        """How many rows `changes(index)` reads."""
        return self._change_counts[index]

    def changes(self, index: int) -> Iterator[tuple[str, LinkReport | None]]:
        """A change list's URLs with their links (None: no longer cited), in the page's order."""
        for line in self._changes.marked(1 << index):
            value = _unpickled(line, object)
            if isinstance(value, LinkReport):
                yield value.url, value
            elif isinstance(value, str):
                yield value, None


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickled(line: str | bytes, kind: type[T]) -> T:
    """A row back as the value it was; the rows are this process's own pickles, in its private sort."""
    value = pickle.loads(line.encode() if isinstance(line, str) else line)
    if not isinstance(value, kind):
        raise TypeError(f"a held link's row is not a {kind.__name__}")
    return value

"""Where a crawl view reads its links from, and what each chunk of them adds to it.

A `CrawlView` (crawler.nightly.view) reads every link once from a source, a
chunk at a time: a list in memory (`InMemory`: `rotwatch check`, the tests)
or the crawl's state (crawler.nightly.stored_reports). The crawl's source
may read its chunks in several processes (crawler.cores), so a chunk is made
into the view's `ChunkShare` where it was read, and only the share travels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from crawler.models import LinkHistory, LinkReport
from crawler.nightly.figures import LinkFigures
from crawler.nightly.held_links import HeldRow

__all__ = ["Chunk", "ChunkShare", "InMemory", "LinkSource"]

# One chunk of a source: reports, and the histories of those that say more than "never failed".
Chunk = tuple[Sequence[LinkReport], Mapping[str, LinkHistory]]
T = TypeVar("T")


class LinkSource(Protocol):
    """Every link's report as the crawl's reports show it, a chunk at a time, in ascending URL
    order from chunk to chunk; read again by each output that goes over every link."""

    def chunks(self) -> Iterable[Chunk]: ...

    def taken(self, take: Callable[[Chunk], T]) -> Iterator[T]:
        """`take` of each chunk, in order; `take` may run in another process (the crawl's
        state is read by several: crawler.nightly.stored_reports), so what it returns is copied back."""
        ...

    def __len__(self) -> int:
        """How many links the chunks hold."""
        ...


@dataclass(frozen=True)
class ChunkShare:
    """What one chunk adds to the view (`CrawlView.read`): its counts, its listed links
    (crawler.nightly.held_links) and the histories it brought."""

    figures: LinkFigures
    held: list[HeldRow]
    histories: Mapping[str, LinkHistory]


@dataclass(frozen=True)
class InMemory:
    """A list of reports as one chunk (the histories are the view's own): `rotwatch check`'s, the tests'."""

    reports: Sequence[LinkReport]

    def chunks(self) -> Iterator[Chunk]:
        yield self.reports, {}

    def taken(self, take: Callable[[Chunk], T]) -> Iterator[T]:
        return map(take, self.chunks())

    def __len__(self) -> int:
        return len(self.reports)

"""The nightly crawl's report files, written together into `reports/`.

| file | for | built by |
|---|---|---|
| index.html | editors, in a browser | `crawler.report.html` |
| dead-links.md | editors, on the Git host | `crawler.report.dead_links` |
| dead-links.csv, links.csv | editors' spreadsheets, scripts | `crawler.report.csv_tables` |
| report.json | machines (docs/report.schema.json) | `crawler.report.json_report` |

All five are written to temporary files beside them (fsync) before any
is replaced, then each is replaced atomically (`os.replace`): a crash or a
rendering error leaves the previous night's files, never half a file.
report.json and the CSV files are written in pieces as they are rendered
(`json_report.crawl_pieces`, `csv_tables.csv_pieces`,
`csv_tables.links_csv_pieces`): at a million links each would be hundreds of
megabytes held whole. index.html, dead-links.md and dead-links.csv list the
links the view holds, read back in chunks from its spool in their order
(`CrawlView.listed_mentions`, crawler.nightly.held_links), and are written as
they are rendered too (`html.render_pieces`, `dead_links.dead_links_pieces`);
report.json's links and links.csv
go over every link in one reading, report.json's, written first: that reading
builds the view (`CrawlView.read`) and sorts the rows of links.csv into
reading order on the way, beside the held links (`CrawlView.spool`: for the
crawl one temporary SQLite database, so one page cache serves every sort);
links.csv follows, then the files that read the held links. Each chunk's
items of report.json and rows of links.csv are made as text where the chunk
was read (`_rendered`): at scale that is in several processes
(crawler.cores). At scale index.html, the longest of the files that read
the held links, and dead-links.csv are written by a forked worker while the
others and the archival copies are written here (at a million links, about
11 s each side), through a copy of the held links' sorts (`Spool.copied`,
which leaves out links.csv's rows: they stay here).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path

from crawler.collector import collected_once_after
from crawler.cores import done_aside, workers_for
from crawler.models import LinkReport
from crawler.nightly.held_links import DEAD, Spool
from crawler.nightly.view import CrawlView, ReadingOrder
from crawler.report import html, json_report
from crawler.report.csv_tables import csv_pieces, links_csv_pieces, links_csv_rows
from crawler.report.dead_links import dead_links_pieces

__all__ = ["REPORT_FILES", "write_crawl_reports"]

REPORT_FILES = ("index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json")


def write_crawl_reports(
    view: CrawlView, reports_dir: Path, *, lang: str = "en", meanwhile: Callable[[], None] | None = None
) -> list[Path]:
    """Write index.html (in `lang`), dead-links.md, dead-links.csv,
    links.csv and report.json into `reports_dir` (created if missing);
    returns their paths in that order. `meanwhile` is more work for this
    process while index.html and dead-links.csv are written (the archival copies)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: reports_dir / name for name in REPORT_FILES}
    rows = view.spool()  # beside the held links: one page cache for every sort
    written: dict[Path, str] = {}
    try:
        with collected_once_after():
            written[paths["report.json"]] = _temporary_file(paths["report.json"], _json_pieces(view, rows))
            aside = partial(_written_aside, view, paths, lang)
            worker = workers_for(view.figures.links) > 0
            with rows.copied() as read_copy, done_aside(aside, prepare=read_copy, worker=worker) as written_aside:
                try:
                    links_csv = links_csv_pieces(view, rows.marked(None))
                    written[paths["links.csv"]] = _temporary_file(paths["links.csv"], links_csv)
                    rows.close()
                    written[paths["dead-links.md"]] = _temporary_file(paths["dead-links.md"], _dead_links_pieces(view))
                    if meanwhile is not None:
                        meanwhile()
                finally:  # the worker's files too, even when another failed, so none is left
                    written.update(written_aside())
        for path, temporary in list(written.items()):
            os.replace(temporary, path)
            del written[path]
    finally:
        rows.close()
        for temporary in written.values():
            os.unlink(temporary)
    return list(paths.values())


def _written_aside(view: CrawlView, paths: Mapping[str, Path], lang: str) -> dict[Path, str]:
    """index.html and dead-links.csv to temporary files (by a worker at scale: about as long as
    the other files and the archival copies together); each path with its temporary file."""
    written = {paths["index.html"]: _temporary_file(paths["index.html"], _html_pieces(view, lang))}
    try:
        dead_csv = csv_pieces(view, view.listed_mentions(DEAD))
        written[paths["dead-links.csv"]] = _temporary_file(paths["dead-links.csv"], dead_csv)
    except BaseException:
        os.unlink(written[paths["index.html"]])
        raise
    return written


def _json_pieces(view: CrawlView, rows: Spool) -> Iterator[bytes]:
    return (piece.encode() for piece in json_report.crawl_pieces(view, _feeding(view, rows)))


def _html_pieces(view: CrawlView, lang: str) -> Iterator[bytes]:
    return (piece.encode() for piece in html.render_pieces(view, lang=lang))


def _dead_links_pieces(view: CrawlView) -> Iterator[bytes]:
    return (piece.encode() for piece in dead_links_pieces(view))


def _feeding(view: CrawlView, rows: Spool) -> Iterator[str]:
    """Every link's item of report.json a chunk at a time, its rows of links.csv added to
    `rows` on the way: one reading of every link serves both files (and builds the view,
    `CrawlView.read`)."""
    for items, lines in view.read(_rendered):
        rows.add_marked((key, 0, line) for key, line in lines)
        yield items


def _rendered(view: CrawlView, reports: Sequence[LinkReport]) -> tuple[str, list[tuple[ReadingOrder, str]]]:
    """A chunk's items of report.json and rows of links.csv, as text: made in the process that
    read the chunk, and cheap to hand back from another."""
    return json_report.link_items(view, reports), list(links_csv_rows(view, reports))


def _temporary_file(path: Path, pieces: Iterable[bytes]) -> str:
    """Writes `pieces` to a temporary file beside `path`, flushed to disk, readable by others;
    returns its name, for `os.replace` over `path` once every report is written."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            for piece in pieces:
                file.write(piece)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the reports from a web server
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary

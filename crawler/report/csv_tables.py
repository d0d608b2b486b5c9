"""dead-links.csv and links.csv: every link occurrence for editors' spreadsheets and scripts.

Decisions:
- The CSV files are UTF-8 with a byte order mark: Excel, which editors open
  them with, reads Chinese text correctly only then; pandas
  (`encoding="utf-8-sig"`) and most tools skip the mark. One row per
  occurrence, newest issue first, with the columns of `CSV_COLUMNS`;
  dead-links.csv holds the rows whose `dead` is true (`CrawlView.is_dead`).
  A dead link's row has the capture of its own issue's date and its
  `capture_status`: found, none, or pending (the archive has not answered yet),
  the archive holding the capture (`capture_archive`: `wayback`, or a Memento
  archive's name such as `archive.today`) and its playback URL (another
  archive's own memento URL).
- A link that works but now shows another page (drift) has its evidence in
  the `drift_*` columns: kind (takeover, parked, replaced), reason, the
  title then and the day of that version, the title now, and the capture
  compared against (empty when "then" is rotwatch's own first check); the
  columns are empty for a link that did not drift.
- Columns are only ever added, at the end, so a script reading them by
  position keeps working.
- Text in the CSV files is one line, and a cell that would start with `=`,
  `+`, `-` or `@` gets a leading `'`: titles and link text come from the web
  and the issues, and a spreadsheet would run such a cell as a formula.
- links.csv goes over every link, read again from the view's source a chunk
  at a time (`CrawlView.links`, by URL), and lists them in the editors'
  reading order (`CrawlView.reading_order`): its rows are rendered as they
  come (`links_csv_rows`, in the same reading of the links as report.json's)
  and sorted through a temporary file (`crawler.report.sorted_rows`), so no
  step holds every row. dead-links.csv lists the view's dead links, read
  back in reading order from its spool (`CrawlView.listed_mentions`).
- The files are written a row at a time by the csv module in the dialect
  pandas writes `links_frame` with (`csv_bytes`: the same bytes, which the
  tests compare): a frame per chunk of rows took most of the time the files
  took at scale.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from crawler.models import Drift, LinkReport
from crawler.nightly.view import CrawlView, ReadingOrder
from crawler.report.json_report import drift_fields, link_fields
from crawler.report.summary import Mention, capture_url, one_line

if TYPE_CHECKING:  # imported where a frame is made: importing pandas was 0.65 s of every report
    import pandas as pd

__all__ = [
    "CSV_COLUMNS",
    "CSV_ENCODING",
    "csv_bytes",
    "csv_pieces",
    "links_csv_pieces",
    "links_csv_rows",
    "links_frame",
]

CSV_COLUMNS = (
    "issue",
    "issue_date",
    "line",
    "text",
    "url",
    "verdict",
    "reason",
    "http_status",
    "final_url",
    "title",
    "dead",
    "since",
    "capture_url",
    "capture_timestamp",
    "capture_status",
    "capture_archive",
    "drift_kind",
    "drift_reason",
    "drift_then",
    "drift_then_on",
    "drift_now",
    "drift_capture",
)
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark, for Excel

# Cells starting so are not returned as they are by `_spreadsheet_text`: a formula, or a space to drop.
_FORMULA_STARTS = ("=", "+", "-", "@")
_SPECIAL_STARTS = frozenset((" ", *_FORMULA_STARTS))

# report.json's drift fields, in the CSV files' order, and those holding text from the web.
_DRIFT_FIELDS = ("kind", "reason", "then", "then_on", "now", "capture")
_DRIFT_TEXT = frozenset(("reason", "then", "now", "capture"))
_NO_DRIFT = (None,) * len(_DRIFT_FIELDS)


def links_frame(view: CrawlView) -> pd.DataFrame:
    """One row per occurrence, newest issue first, columns `CSV_COLUMNS`, its text made inert
    as the files have it.

    `http_status` is a nullable integer (no `404.0`); dates are ISO 8601
    text, empty when unknown; `dead` follows `CrawlView.is_dead`.
    """
    import pandas as pd

    rows = _Rows(view)
    frame = pd.DataFrame([rows.values(mention) for mention in view.mentions()], columns=list(CSV_COLUMNS))
    return frame.astype({"line": "int64", "http_status": "Int64", "dead": "bool"})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows of a `links_frame` as a CSV file."""
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text.encode(CSV_ENCODING)


def csv_pieces(view: CrawlView, mentions: Iterable[Mention], *, dead_only: bool = False) -> Iterator[bytes]:
    """`csv_bytes` of the `links_frame` of `mentions` (`view.mentions()`), or of its dead rows,
    a row at a time: the same bytes, without a frame of every occurrence at once."""
    yield _csv_line(CSV_COLUMNS).encode(CSV_ENCODING)  # the header, after the byte order mark
    rows = _Rows(view)
    for mention in mentions:
        if not dead_only or view.is_dead(mention.report):
            yield _csv_line(rows.values(mention)).encode()


def links_csv_pieces(view: CrawlView, rows: Iterable[str | bytes]) -> Iterator[bytes]:
    """links.csv: `csv_bytes` of the `links_frame` of every link, not only the view's, from
    `rows`, the rows of `links_csv_rows` of every link in key order (`sorted_rows`)."""
    yield _csv_line(CSV_COLUMNS).encode(CSV_ENCODING)  # the header, after the byte order mark
    for row in rows:
        yield row.encode() if isinstance(row, str) else row


def links_csv_rows(view: CrawlView, reports: Sequence[LinkReport]) -> Iterator[tuple[ReadingOrder, str]]:
    """Each occurrence's row of links.csv as CSV text, with its place in reading order, each
    with the capture of its own issue's date (`CrawlView.as_cited`). The rows come in the
    links' order: `sorted_rows` puts them in reading order by that place, so the chunk is not
    sorted first (`CrawlView.mentions` took 0.75 s of 200,000 links' 20 s)."""
    rows = _Rows(view)
    for report in reports:
        for occurrence in report.occurrences:
            mention = Mention(view.as_cited(report, occurrence.issue), occurrence)
            yield view.reading_order(mention), _csv_line(rows.values(mention))


class _LastWritten:
    """A file for `csv.writer` that keeps what it was last given: one row's text."""

    text = ""

    def write(self, text: str) -> int:
        self.text = text
        return len(text)


_written = _LastWritten()
_writer = csv.writer(_written, lineterminator="\n")  # the dialect `DataFrame.to_csv` writes with


def _csv_line(values: Iterable[object]) -> str:
    """One row as `DataFrame.to_csv` writes it (None empty, True as `True`), in the csv module's C."""
    _writer.writerow(values)
    return _written.text


class _Rows:
    """The rows of one view's occurrences. An issue's cells (its name made inert, its date)
    are worked out once per issue rather than once per row."""

    def __init__(self, view: CrawlView) -> None:
        self.view = view
        self._issues: dict[str, tuple[str, str | None]] = {}

    def values(self, mention: Mention) -> list[object]:
        """A row's cells in CSV_COLUMNS order, the text from issues and the web made inert."""
        report, occurrence = mention
        view = self.view
        issue = self._issues.get(occurrence.issue)
        if issue is None:
            issue = self._issues[occurrence.issue] = self._issue_cells(occurrence.issue)
        url, verdict, reason, http_status, final_url, title = link_fields(report).values()
        archive, status = report.archive, report.capture_status
        capture = capture_url(report)
        return [
            issue[0],
            issue[1],
            occurrence.line,
            _spreadsheet_text(occurrence.text),
            _spreadsheet_text(url),
            verdict,
            _spreadsheet_text(reason),
            http_status,
            None if final_url is None else _spreadsheet_text(final_url),
            None if title is None else _spreadsheet_text(title),
            view.is_dead(report),
            _iso(view.since(url)),
            None if capture is None else _spreadsheet_text(capture),
            archive.timestamp if archive else None,
            status.value if status else None,
            archive.archive if archive else None,
            *(_NO_DRIFT if report.drift is None else _drift_values(report.drift)),
        ]

    def _issue_cells(self, issue: str) -> tuple[str, str | None]:
        return _spreadsheet_text(issue), _iso(self.view.issue_date(issue))


def _drift_values(drift: Drift) -> list[str | None]:
    """The drift's evidence in the `drift_*` columns (as report.json names it), its text made inert."""
    fields = drift_fields(drift)
    return [_text_cell(fields[name]) if name in _DRIFT_TEXT else fields[name] or None for name in _DRIFT_FIELDS]


def _text_cell(value: str | None) -> str | None:
    return _spreadsheet_text(value) if value else None


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _spreadsheet_text(value: str) -> str:
    """One line, and never read as a formula by a spreadsheet (`_inert_line`). Text already on
    one line with no formula start is most of it and is returned as it is: printable (no control
    character, no whitespace but the ASCII space) with no space to collapse, `one_line` leaves it
    as it is."""
    if value.isprintable() and "  " not in value and value[:1] not in _SPECIAL_STARTS and value[-1:] != " ":
        return value
    return _inert_line(value)


def _inert_line(value: str) -> str:
    text = one_line(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text

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
from typing import Any

import pandas as pd

from crawler.models import LinkReport
from crawler.nightly.view import CrawlView, ReadingOrder
from crawler.report.json_report import drift_fields, link_fields
from crawler.report.summary import Mention, capture_url, one_line

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

# Columns holding text from issues or the web, made inert for spreadsheets.
_TEXT_COLUMNS = (
    "issue",
    "text",
    "url",
    "reason",
    "final_url",
    "title",
    "capture_url",
    "drift_reason",
    "drift_then",
    "drift_now",
    "drift_capture",
)
_TEXT_INDEXES = tuple(CSV_COLUMNS.index(column) for column in _TEXT_COLUMNS)
_FORMULA_STARTS = ("=", "+", "-", "@")

# report.json's drift fields, in the CSV files' order, and their columns.
_DRIFT_FIELDS = ("kind", "reason", "then", "then_on", "now", "capture")
_DRIFT_COLUMNS = tuple(f"drift_{name}" for name in _DRIFT_FIELDS)


def links_frame(view: CrawlView) -> pd.DataFrame:
    """One row per occurrence, newest issue first, columns `CSV_COLUMNS`.

    `http_status` is a nullable integer (no `404.0`); dates are ISO 8601
    text, empty when unknown; `dead` follows `CrawlView.is_dead`.
    """
    return _frame(view, view.mentions())


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows of a `links_frame` as a CSV file, its text made inert."""
    return _csv_text(frame).encode(CSV_ENCODING)


def csv_pieces(view: CrawlView, mentions: Iterable[Mention], *, dead_only: bool = False) -> Iterator[bytes]:
    """`csv_bytes` of the `links_frame` of `mentions` (`view.mentions()`), or of its dead rows,
    a row at a time: the same bytes, without a frame of every occurrence at once."""
    yield _csv_line(CSV_COLUMNS).encode(CSV_ENCODING)  # the header, after the byte order mark
    for mention in mentions:
        if not dead_only or view.is_dead(mention.report):
            yield _csv_line(_row_values(view, mention)).encode()


def links_csv_pieces(view: CrawlView, rows: Iterable[str | bytes]) -> Iterator[bytes]:
    """links.csv: `csv_bytes` of the `links_frame` of every link, not only the view's, from
    `rows`, the rows of `links_csv_rows` of every link in key order (`sorted_rows`)."""
    yield _csv_line(CSV_COLUMNS).encode(CSV_ENCODING)  # the header, after the byte order mark
    for row in rows:
        yield row.encode() if isinstance(row, str) else row


def links_csv_rows(view: CrawlView, reports: Sequence[LinkReport]) -> Iterator[tuple[ReadingOrder, str]]:
    """Each occurrence's row of links.csv as CSV text, with its place in reading order."""
    for mention in view.mentions(reports):
        yield view.reading_order(mention), _csv_line(_row_values(view, mention))


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


def _row_values(view: CrawlView, mention: Mention) -> list[object]:
    """A row's cells in CSV_COLUMNS order (`_row`'s), its text made inert."""
    values = list(_row(view, mention).values())
    for index in _TEXT_INDEXES:
        if (value := values[index]) is not None:
            values[index] = _spreadsheet_text(value)
    return values


def _frame(view: CrawlView, mentions: Sequence[Mention]) -> pd.DataFrame:
    rows = [_row(view, mention) for mention in mentions]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    return frame.astype({"line": "int64", "http_status": "Int64", "dead": "bool"})


def _csv_text(frame: pd.DataFrame, *, header: bool = True) -> str:
    inert = frame.assign(
        **{column: frame[column].map(_spreadsheet_text, na_action="ignore") for column in _TEXT_COLUMNS}
    )
    text: str = inert.to_csv(index=False, header=header, lineterminator="\n")
    return text


def _row(view: CrawlView, mention: Mention) -> dict[str, Any]:
    """A row's cells by column, in CSV_COLUMNS order."""
    report, occurrence = mention
    return {
        "issue": occurrence.issue,
        "issue_date": _iso(view.issue_date(occurrence.issue)),
        "line": occurrence.line,
        "text": occurrence.text,
        **link_fields(report),
        "dead": view.is_dead(report),
        "since": _iso(view.since(report.url)),
        "capture_url": capture_url(report),
        "capture_timestamp": report.archive.timestamp if report.archive else None,
        "capture_status": report.capture_status.value if report.capture_status else None,
        "capture_archive": report.archive.archive if report.archive else None,
        **_drift_columns(report),
    }


def _drift_columns(report: LinkReport) -> dict[str, str | None]:
    """The drift's evidence under `drift_*` (as report.json names it), all empty without one."""
    if report.drift is None:
        return dict.fromkeys(_DRIFT_COLUMNS)
    fields = drift_fields(report.drift)
    return {f"drift_{name}": fields[name] or None for name in _DRIFT_FIELDS}


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _spreadsheet_text(value: str) -> str:
    """One line, and never read as a formula by a spreadsheet. Text already on one line is
    most of it: printable (no control character, no whitespace but the ASCII space) with no
    space to collapse, `one_line` leaves it as it is."""
    if value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " ":
        text = value
    else:
        text = one_line(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text

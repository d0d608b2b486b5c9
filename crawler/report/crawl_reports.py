"""The nightly crawl's report files, written together into `reports/`.

| file | for | built by |
|---|---|---|
| index.html | editors, in a browser | `crawler.report.html` |
| dead-links.md | editors, on the Git host | `render_dead_links` |
| dead-links.csv, links.csv | editors' spreadsheets, scripts | `links_frame` (pandas) |
| report.json | machines (schema in DESIGN.md) | `crawler.report.json_report` |

Decisions:
- All five are rendered before any is written, then each is replaced
  atomically (temporary file beside it, fsync, `os.replace`): a crash or a
  rendering error leaves the previous night's file, never half a file.
- The CSV files are UTF-8 with a byte order mark: Excel, which editors open
  them with, reads Chinese text correctly only then; pandas
  (`encoding="utf-8-sig"`) and most tools skip the mark. One row per
  occurrence, newest issue first, with the columns of `CSV_COLUMNS`.
- Text in the CSV files is one line, and a cell that would start with `=`,
  `+`, `-` or `@` gets a leading `'`: titles and link text come from the web
  and the issues, and a spreadsheet would run such a cell as a formula.
- dead-links.md is English whatever the page's language, like the other
  Markdown output; it reuses `crawler.report.markdown`'s escaping, so text
  from the web renders literally.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crawler import __version__
from crawler.nightly.view import CrawlView
from crawler.report import html, json_report
from crawler.report.markdown import archive_link, code_span, escape_text, markdown_table
from crawler.report.summary import DEFAULT_FAILING, Mention, by_issue, count_by_verdict, one_line, summary_line

__all__ = ["CSV_COLUMNS", "CSV_ENCODING", "links_frame", "render_dead_links", "write_crawl_reports"]

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
)
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark, for Excel

# Columns holding text from issues or the web, made inert for spreadsheets.
_TEXT_COLUMNS = ("issue", "text", "url", "reason", "final_url", "title", "capture_url")
_FORMULA_STARTS = ("=", "+", "-", "@")

_DEAD_HEADER = ("line", "link text", "URL", "verdict", "reason", "since", "archived copy")


def write_crawl_reports(view: CrawlView, reports_dir: Path, *, lang: str = "en") -> list[Path]:
    """Write index.html (in `lang`), dead-links.md, dead-links.csv,
    links.csv and report.json into `reports_dir` (created if missing);
    returns their paths in that order."""
    frame = links_frame(view)
    contents = {
        "index.html": html.render(view, lang=lang).encode(),
        "dead-links.md": render_dead_links(view).encode(),
        "dead-links.csv": _csv(frame[frame["dead"]]),
        "links.csv": _csv(frame),
        "report.json": json_report.render(
            view.reports, failing=DEFAULT_FAILING, generated_at=view.generated_at
        ).encode(),
    }
    reports_dir.mkdir(parents=True, exist_ok=True)
    return [_replace_atomically(reports_dir / name, data) for name, data in contents.items()]


def links_frame(view: CrawlView) -> pd.DataFrame:
    """One row per occurrence, newest issue first, columns `CSV_COLUMNS`.

    `http_status` is a nullable integer (no `404.0`); dates are ISO 8601
    text, empty when unknown; `dead` follows `CrawlView.is_dead`.
    """
    rows = [_row(view, mention) for mention in view.mentions()]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    return frame.astype({"line": "int64", "http_status": "Int64", "dead": "bool"})


def render_dead_links(view: CrawlView) -> str:
    """dead-links.md: summary and changes since the last run, then one
    table of dead links per issue, newest issue first."""
    dead_mentions = [mention for mention in view.mentions() if view.is_dead(mention.report)]
    generated = f"Generated {view.generated_at.isoformat()} by rotwatch {__version__}."
    blocks = ["# Dead links", generated, _md_summary(view), _md_changes(view)]
    blocks += [_md_issue(view, issue, group) for issue, group in by_issue(dead_mentions).items()]
    if not dead_mentions:
        blocks.append("No dead links.")
    return "\n\n".join(blocks) + "\n"


def _row(view: CrawlView, mention: Mention) -> dict[str, Any]:
    report, occurrence = mention
    result = report.result
    return {
        "issue": occurrence.issue,
        "issue_date": _iso(view.issue_date(occurrence.issue)),
        "line": occurrence.line,
        "text": occurrence.text,
        "url": report.url,
        "verdict": report.assessment.verdict.value,
        "reason": report.assessment.reason,
        "http_status": result.http_status,
        "final_url": result.final_url,
        "title": result.title,
        "dead": view.is_dead(report),
        "since": _iso(view.since(report.url)),
        "capture_url": report.archive_url,
        "capture_timestamp": report.archive.timestamp if report.archive else None,
    }


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _csv(frame: pd.DataFrame) -> bytes:
    inert = frame.assign(
        **{column: frame[column].map(_spreadsheet_text, na_action="ignore") for column in _TEXT_COLUMNS}
    )
    return inert.to_csv(index=False, lineterminator="\n").encode(CSV_ENCODING)


def _spreadsheet_text(value: str) -> str:
    """One line, and never read as a formula by a spreadsheet."""
    text = one_line(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _md_summary(view: CrawlView) -> str:
    dead = view.dead_reports()
    captured = sum(report.archive is not None for report in dead)
    return (
        f"**{len(dead)} dead** ({captured} with an archive capture, {len(dead) - captured} without). "
        f"{summary_line(count_by_verdict(view.reports))}."
    )


def _md_changes(view: CrawlView) -> str:
    diff = view.diff
    lines = ["## Since the last run", ""]
    lines += _md_url_list("Newly dead", diff.newly_dead)
    lines += _md_url_list("Fixed", diff.fixed)
    lines.append(f"- Still dead: {len(diff.still_dead)}")
    return "\n".join(lines)


def _md_url_list(name: str, urls: tuple[str, ...]) -> list[str]:
    """`- Newly dead: 2` and the URLs beneath it, each in a code span."""
    return [f"- {name}: {len(urls)}", *(f"  - {code_span(url)}" for url in sorted(urls))]


def _md_issue(view: CrawlView, issue: str, group: list[Mention]) -> str:
    published = view.issue_date(issue)
    title = view.issue_title(issue)
    heading = f"## {escape_text(title)}" if title != issue else f"## {code_span(issue)}"
    facts = [code_span(issue)] if title != issue else []
    facts.append(f"published {published.isoformat()}" if published else "publication date unknown")
    facts.append(f"{len(group)} dead")
    rows = [_md_dead_row(view, mention) for mention in group]
    return f"{heading}\n\n{' · '.join(facts)}\n\n{markdown_table(_DEAD_HEADER, rows)}"


def _md_dead_row(view: CrawlView, mention: Mention) -> tuple[str, ...]:
    report, occurrence = mention
    since = view.since(report.url)
    return (
        str(occurrence.line),
        escape_text(occurrence.text),
        code_span(report.url),
        report.assessment.verdict.value,
        escape_text(report.assessment.reason),
        since.date().isoformat() if since else "",
        archive_link(report) or "no capture",
    )


def _replace_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, flush it to disk,
    then rename it over `path`: readers see the old file or the new one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the reports from a web server
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path

"""The nightly crawl's report files, written together into `reports/`.

| file | for | built by |
|---|---|---|
| index.html | editors, in a browser | `crawler.report.html` |
| dead-links.md | editors, on the Git host | `crawler.report.dead_links` |
| dead-links.csv, links.csv | editors' spreadsheets, scripts | `crawler.report.csv_tables` (pandas) |
| report.json | machines (docs/report.schema.json) | `crawler.report.json_report` |

All five are rendered before any is written, then each is replaced
atomically (temporary file beside it, fsync, `os.replace`): a crash or a
rendering error leaves the previous night's file, never half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crawler.nightly.view import CrawlView
from crawler.report import html, json_report
from crawler.report.csv_tables import csv_bytes, links_frame
from crawler.report.dead_links import render_dead_links

__all__ = ["write_crawl_reports"]


def write_crawl_reports(view: CrawlView, reports_dir: Path, *, lang: str = "en") -> list[Path]:
    """Write index.html (in `lang`), dead-links.md, dead-links.csv,
    links.csv and report.json into `reports_dir` (created if missing);
    returns their paths in that order."""
    frame = links_frame(view)
    contents = {
        "index.html": html.render(view, lang=lang).encode(),
        "dead-links.md": render_dead_links(view).encode(),
        "dead-links.csv": csv_bytes(frame[frame["dead"]]),
        "links.csv": csv_bytes(frame),
        "report.json": json_report.render_crawl(view).encode(),
    }
    reports_dir.mkdir(parents=True, exist_ok=True)
    return [_replace_atomically(reports_dir / name, data) for name, data in contents.items()]


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

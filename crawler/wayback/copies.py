"""The archival copy of each issue: the issue byte for byte, its dead links pointing at captures.

Copies go under `reports/archive/`, at the issue's path below the folder all
issues share. An original issue is never written to, even when the reports
folder overlaps the issues.
"""

from __future__ import annotations

import logging
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from crawler.issues.reading import Issue, encode_like, issue_text
from crawler.models import LinkReport
from crawler.wayback.rewrite import Edit, edit_for, rewrite_issue

__all__ = ["archive_names", "write_archive_copies"]

log = logging.getLogger(__name__)  # issues edited while the crawl ran


def write_archive_copies(
    issues: Sequence[Issue], dead: Iterable[LinkReport], endpoint: str, folder: Path
) -> list[Path]:
    """Each issue with its dead links pointing at their captures, under `folder`.

    `dead` are the reports of the links the crawl counts as dead, and of
    the drifted links `drift_rewrite` mends, each with the capture it was
    compared with (its view decides: `CrawlView.rewritten_reports`); each
    occurrence with a capture for
    its issue's date (`LinkReport.capture_for`) is rewritten to it, so a link
    cited in three issues points at three captures, each the one closest
    before its own issue. Only the URL characters change; the file keeps its
    encoding, byte-order mark and line endings. An original issue is never
    written to.
    """
    originals = {issue.path.resolve() for issue in issues}
    names = archive_names(issues)
    published = {issue.name: issue.published for issue in issues}
    edits: dict[str, list[Edit]] = defaultdict(list)  # by issue: one pass over the dead links, not one per issue
    for report in dead:
        for occurrence in report.occurrences:
            capture = report.capture_for(published.get(occurrence.issue))
            if capture is not None and capture.snapshot is not None:
                edits[occurrence.issue].append(edit_for(occurrence, endpoint, capture.snapshot))
    written = []
    for issue in issues:
        target = folder / names[issue.name]
        if target.resolve() in originals:
            continue  # the reports folder overlaps the issues: never overwrite a source
        text = issue_text(issue)
        if text is None:
            log.warning("%s changed while the crawl ran: its archival copy is written by the next run", issue.name)
            continue
        written.append(_write_copy(issue, rewrite_issue(text, edits[issue.name]).text, target))
    return written


def archive_names(issues: Sequence[Issue]) -> dict[str, str]:
    """Issue name -> path of its copy under reports/archive/: the issue's path
    below the folder all issues share (issues/2024/a.md -> 2024/a.md)."""
    names = [PurePosixPath(issue.name) for issue in issues]
    if not names:
        return {}
    common = PurePosixPath(posixpath.commonpath([name.parent.as_posix() for name in names]))
    return {issue.name: name.relative_to(common).as_posix() for issue, name in zip(issues, names, strict=False)}


def _write_copy(issue: Issue, text: str, target: Path) -> Path:
    """Writes `text` encoded as the original issue file is (crawler.issues.reading decides how)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(encode_like(issue.path.read_bytes(), text))
    return target

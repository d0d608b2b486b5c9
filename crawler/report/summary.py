"""What every output format agrees on: counts, order, severity, safe text.

Six formats say the same facts in six syntaxes. Keeping the facts here (how
many links per verdict, the order links and occurrences are listed in, which
verdicts deserve attention and how loudly, how web-supplied text is tamed)
means a reader comparing the JSON with the SARIF never finds them disagreeing,
and a change of policy is made once.

A link with no recorded answer (a crawl stopped before it got there, a state
that never checked it: `crawler.check.plan.NO_ANSWER`) is *not checked*, and
every report says how many there are: a report must never read as "all is
well" about links nobody looked at. They still carry the verdict the
classifier gave a failed request, so counts by verdict keep adding up.

A link that works but now shows another page than the one the issue cited
is *drifted* (`LinkReport.drift`: a takeover, a parked domain, a replaced
page). Drift is a fact beside the verdict, not a verdict: counts by verdict
stay as they were, `count_by_drift` counts drifted links by kind, and the
summary line names them, so no report reads as "all is well" while a link
leads readers to a casino. In the CI formats a drifted link is a warning
(`link_severity`): it is worth a person's look, but it never fails a run on
its own. Drift is judged on evidence yet is still a judgement about a page
that answers 200, the fix is an editor's call (point it at the capture,
drop it, or keep it), and a check on a pull request that failed on pages
changing elsewhere would fail on lines nobody touched.

Captures come from the Wayback Machine or another web archive
(`Snapshot.archive`). Wherever a capture is shown, one that is not the
Wayback Machine's carries its archive's name (`capture_text`: "archive.today,
2019-03-04"), and its playback URL is the archive's own (`capture_url`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from itertools import groupby
from typing import NamedTuple

from crawler.check.plan import NO_ANSWER
from crawler.models import Drift, DriftKind, ErrorKind, LinkOccurrence, LinkReport, Snapshot, Verdict

__all__ = [
    "ARCHIVE_NAMES",
    "DEFAULT_FAILING",
    "NOTEWORTHY",
    "WAYBACK",
    "Mention",
    "Severity",
    "archive_name",
    "by_issue",
    "capture_reference",
    "capture_text",
    "capture_url",
    "count_by_drift",
    "count_by_verdict",
    "drift_evidence",
    "drift_then",
    "drifted_reports",
    "is_control",
    "link_severity",
    "mentions",
    "not_checked",
    "occurrence_order",
    "one_line",
    "severity",
    "sorted_reports",
    "summary_line",
    "summary_of",
    "without_controls",
]

DEFAULT_FAILING = frozenset({Verdict.BROKEN})  # what fails CI without --fail-on

# Verdicts that do not fail CI by default yet tell an editor something to do:
# update a moved link, check a refused or flaky one by hand.
NOTEWORTHY = frozenset({Verdict.REDIRECTED, Verdict.BLOCKED, Verdict.UNREACHABLE})

WAYBACK = "wayback"  # `Snapshot.archive` of the Wayback Machine's captures

# How the reports name an archive whose stored name (`Snapshot.archive`, the
# configuration's) would not tell a reader which archive it is; any other
# archive is shown by its own name, which is its web address (arquivo.pt,
# archive.today).
ARCHIVE_NAMES = {WAYBACK: "Wayback Machine", "loc": "Library of Congress"}

# Control characters: Unicode category Cc, C0 and C1 and DEL, exactly these code points.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Severity(StrEnum):
    """How loudly a format flags a link; names follow SARIF's `level`."""

    ERROR = "error"  # fails the run
    WARNING = "warning"  # works, but the source should change
    NOTE = "note"  # worth a look, nothing certain


class Mention(NamedTuple):
    """One occurrence of a checked link: the unit of annotations and test cases."""

    report: LinkReport
    occurrence: LinkOccurrence


def count_by_verdict(reports: Iterable[LinkReport]) -> dict[Verdict, int]:
    """Unique links per verdict, every verdict present (zeros included) in
    Verdict order, so consumers never need a missing-key default."""
    counts = Counter(report.assessment.verdict for report in reports)
    return {verdict: counts[verdict] for verdict in Verdict}


def not_checked(report: LinkReport) -> bool:
    """Whether the link has no recorded answer: nobody knows if it works."""
    return report.result.error is ErrorKind.OTHER and report.result.error_detail == NO_ANSWER


def count_by_drift(reports: Iterable[LinkReport]) -> dict[DriftKind, int]:
    """Drifted links per kind, every kind present (zeros included) in DriftKind order."""
    counts = Counter(report.drift.kind for report in reports if report.drift is not None)
    return {kind: counts[kind] for kind in DriftKind}


def drifted_reports(reports: Iterable[LinkReport]) -> list[LinkReport]:
    """The links whose page is now another page, by URL."""
    return sorted_reports(report for report in reports if report.drift is not None)


def summary_line(
    counts: Mapping[Verdict, int], *, unchecked: int = 0, drifted: Mapping[DriftKind, int] | None = None
) -> str:
    """`34 links: 20 ok, 3 redirected, 5 broken, ...`: the closing line of
    every format and of the command line, always listing every verdict so
    lines from two runs compare at a glance; `; 2 drifted (now another page:
    1 takeover, 1 replaced)` follows when links drifted, and `; 3 not
    checked (no answer recorded)` when `unchecked` links have no answer."""
    total = sum(counts.values())
    noun = "link" if total == 1 else "links"
    parts = ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in Verdict)
    drift = _drift_part(drifted or {})
    missing = f"; {unchecked} not checked (no answer recorded)" if unchecked else ""
    return f"{total} {noun}: {parts}{drift}{missing}"


def summary_of(reports: Sequence[LinkReport], *, unchecked: int = 0) -> str:
    """`summary_line` of these reports: their verdicts and their drift."""
    return summary_line(count_by_verdict(reports), unchecked=unchecked, drifted=count_by_drift(reports))


def _drift_part(drifted: Mapping[DriftKind, int]) -> str:
    total = sum(drifted.values())
    if not total:
        return ""
    kinds = ", ".join(f"{count} {kind}" for kind, count in drifted.items() if count)
    return f"; {total} drifted (now another page: {kinds})"


def severity(verdict: Verdict, failing: frozenset[Verdict]) -> Severity | None:
    """How loudly to flag a verdict, or None for links no one needs to see.

    Failing verdicts are errors whatever they are (`--fail-on unreachable`
    turns timeouts into errors); a permanent redirect is a warning because the
    fix is known (use the final URL); blocked and unreachable are notes
    because a person must look. `ok` and `skipped` (mailto:, excluded URLs)
    are silent unless failing, or every mailto: would raise an annotation.
    """
    if verdict in failing:
        return Severity.ERROR
    if verdict is Verdict.REDIRECTED:
        return Severity.WARNING
    if verdict in NOTEWORTHY:
        return Severity.NOTE
    return None


def link_severity(report: LinkReport, failing: frozenset[Verdict]) -> Severity | None:
    """How loudly to flag a link: its verdict's `severity`, raised to a
    warning when the page drifted (a person should look; it fails nothing)."""
    level = severity(report.assessment.verdict, failing)
    if report.drift is not None and level in (None, Severity.NOTE):
        return Severity.WARNING
    return level


def archive_name(archive: str) -> str:
    """An archive as readers know it: "Wayback Machine", "Library of Congress", "arquivo.pt"."""
    return ARCHIVE_NAMES.get(archive, archive)


def capture_text(snapshot: Snapshot) -> str:
    """A capture as the reports show it: its day, after its archive's name
    when it is not the Wayback Machine's ("archive.today, 2019-03-04")."""
    if snapshot.archive == WAYBACK:
        return snapshot.captured_on
    return f"{archive_name(snapshot.archive)}, {snapshot.captured_on}"


def capture_url(report: LinkReport) -> str | None:
    """Where readers see the link's capture: the playback URL built for it,
    else the archive's own address of the memento (another archive's)."""
    if report.archive_url or report.archive is None:
        return report.archive_url
    return report.archive.memento_url


def capture_reference(report: LinkReport) -> str | None:
    """The capture's URL as logs and CI show it, followed by `(archive.today,
    2019-03-04)` when the archive is not the Wayback Machine; None without one."""
    url = capture_url(report)
    if url is None or report.archive is None or report.archive.archive == WAYBACK:
        return url
    return f"{url} ({capture_text(report.archive)})"


def drift_then(drift: Drift) -> str:
    """Where the "then" of a drift comes from: `capture of 2019-03-04` (with
    the archive's name when it is not the Wayback Machine), or `first checked
    2019-03-04` when it is rotwatch's own first check."""
    day = drift.then_on or "date unknown"
    if drift.capture is None:
        return f"first checked {day}"
    named = "" if drift.capture_archive == WAYBACK else f"{archive_name(drift.capture_archive)} "
    return f"{named}capture of {day}"


def drift_evidence(drift: Drift) -> str:
    """The drift on one line, in English, for logs and CI:
    `takeover: <reason>; then "<title>" (capture of 2019-03-04: <url>); now "<title>"`."""
    source = drift_then(drift) + (f": {drift.capture}" if drift.capture else "")
    return one_line(
        f"{drift.kind}: {drift.reason}; then {_quoted(drift.then_title)} ({source}); now {_quoted(drift.now_title)}"
    )


def _quoted(title: str) -> str:
    return f'"{title}"' if title else "(no title)"


def sorted_reports(reports: Iterable[LinkReport]) -> list[LinkReport]:
    """Links by URL: the order of report.json, stable from run to run."""
    return sorted(reports, key=lambda report: report.url)


def occurrence_order(occurrence: LinkOccurrence) -> tuple[str, int, int]:
    """Sort key for occurrences: where they stand in the archive, top to bottom."""
    return (occurrence.issue, occurrence.line, occurrence.column)


def mentions(reports: Iterable[LinkReport]) -> list[Mention]:
    """Every occurrence of every link, in source order (issue, line, column,
    then URL), so annotations read like the files they point into."""
    pairs = (Mention(report, occurrence) for report in reports for occurrence in report.occurrences)
    return sorted(pairs, key=lambda mention: (*occurrence_order(mention.occurrence), mention.report.url))


def by_issue(ordered: Sequence[Mention]) -> dict[str, list[Mention]]:
    """Mentions grouped by issue file; `ordered` must come from `mentions`."""
    return {issue: list(group) for issue, group in groupby(ordered, key=lambda m: m.occurrence.issue)}


def one_line(text: str) -> str:
    """Text on one line with no control characters.

    Titles and reasons come from pages anyone can write: a newline in them
    must not break a table row or a log line, and an escape sequence must not
    drive the reader's terminal. Control characters become spaces and runs of
    whitespace collapse to one.
    """
    return " ".join(without_controls(text).split())


def without_controls(text: str) -> str:
    """Text with every control character (category Cc) made a space.

    The one notion of "control character" for every format: HTML forbids
    them, XML 1.0 cannot carry most of them, and a terminal obeys them.
    """
    return _CONTROLS.sub(" ", text)


def is_control(char: str) -> bool:
    """Whether one character is a control character (category Cc)."""
    return _CONTROLS.fullmatch(char) is not None

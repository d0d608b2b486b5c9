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
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from itertools import groupby
from typing import NamedTuple

from crawler.check.plan import NO_ANSWER
from crawler.models import ErrorKind, LinkOccurrence, LinkReport, Verdict

__all__ = [
    "DEFAULT_FAILING",
    "NOTEWORTHY",
    "Mention",
    "Severity",
    "by_issue",
    "count_by_verdict",
    "is_control",
    "mentions",
    "not_checked",
    "occurrence_order",
    "one_line",
    "severity",
    "sorted_reports",
    "summary_line",
    "without_controls",
]

DEFAULT_FAILING = frozenset({Verdict.BROKEN})  # what fails CI without --fail-on

# Verdicts that do not fail CI by default yet tell an editor something to do:
# update a moved link, check a refused or flaky one by hand.
NOTEWORTHY = frozenset({Verdict.REDIRECTED, Verdict.BLOCKED, Verdict.UNREACHABLE})

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


def summary_line(counts: Mapping[Verdict, int], *, unchecked: int = 0) -> str:
    """`34 links: 20 ok, 3 redirected, 5 broken, ...`: the closing line of
    every format and of the command line, always listing every verdict so
    lines from two runs compare at a glance; `; 3 not checked (no answer
    recorded)` follows when `unchecked` links have no answer."""
    total = sum(counts.values())
    noun = "link" if total == 1 else "links"
    parts = ", ".join(f"{counts.get(verdict, 0)} {verdict}" for verdict in Verdict)
    missing = f"; {unchecked} not checked (no answer recorded)" if unchecked else ""
    return f"{total} {noun}: {parts}{missing}"


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

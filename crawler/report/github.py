"""GitHub Actions workflow commands: annotations on the pull request's diff.

One command per occurrence, so each line that holds a bad link is marked:

    ::error file=issues/a.md,line=12,col=5,title=broken link::https://... : HTTP 404

Which command a link gets follows `summary.link_severity`: failing verdicts
(broken, and whatever --fail-on adds) are `::error`; redirected is
`::warning` (it works, and the fix is known: use the final URL); blocked and
unreachable are `::notice` (a person should look, nothing is certain). ok
and skipped links raise nothing, unless the page drifted (it answers, but
is now another page: a takeover, a parked domain, a replaced page): that is
a `::warning` titled `drifted link (takeover)`, with the evidence in the
message, and never fails the run (see `crawler.report.summary`). A capture
from another archive than the Wayback Machine is named with its archive.
The output ends with the plain summary line (drifted links counted), which
the runner prints as ordinary log text.

Escaping follows the runner's rules: in the message `%` `\\r` `\\n` become
`%25` `%0D` `%0A`; in properties `:` and `,` become `%3A` `%2C` as well, or a
comma in a file name would end the property and a `::` the command.

When the machine looks offline nothing was checked, and `render_offline`
says so in one `::warning` (no file, so the runner shows it on the run):
an offline runner must not annotate every line of the diff as broken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crawler.models import LinkReport, Verdict
from crawler.report.summary import (
    Mention,
    Severity,
    capture_reference,
    drift_evidence,
    link_severity,
    mentions,
    one_line,
    summary_of,
)

__all__ = ["escape_message", "escape_property", "render", "render_offline"]

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}

_MESSAGE_ESCAPES = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY_ESCAPES = _MESSAGE_ESCAPES | str.maketrans({":": "%3A", ",": "%2C"})


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """One workflow command per flagged occurrence, then the summary line."""
    commands = [_command(mention, failing) for mention in mentions(reports)]
    flagged = [command for command in commands if command is not None]
    return "\n".join([*flagged, summary_of(reports)]) + "\n"


def render_offline(message: str, *, generated_at: datetime) -> str:
    """One warning saying nothing was checked, and why."""
    return f"::warning title={escape_property('rotwatch: nothing checked')}::{escape_message(message)}\n"


def escape_message(text: str) -> str:
    """A command's message, escaped so the runner reads it back unchanged."""
    return text.translate(_MESSAGE_ESCAPES)


def escape_property(text: str) -> str:
    """A property value (file, title...), escaped so it cannot end the property."""
    return text.translate(_PROPERTY_ESCAPES)


def _command(mention: Mention, failing: frozenset[Verdict]) -> str | None:
    report = mention.report
    level = link_severity(report, failing)
    if level is None:
        return None
    occurrence = mention.occurrence
    properties = {
        "file": occurrence.issue,
        "line": str(occurrence.line),
        "col": str(occurrence.column),
        "title": _title(report, failing),
    }
    joined = ",".join(f"{name}={escape_property(value)}" for name, value in properties.items())
    return f"::{_COMMAND[level]} {joined}::{escape_message(_message(mention.report))}"


def _title(report: LinkReport, failing: frozenset[Verdict]) -> str:
    """`broken link`; `drifted link (takeover)` for a drifted link that does not fail."""
    verdict = report.assessment.verdict
    if report.drift is not None and verdict not in failing:
        return f"drifted link ({report.drift.kind})"
    return f"{verdict} link"


def _message(report: LinkReport) -> str:
    """URL and reason on the first line, then the drift's evidence and the archive capture."""
    lines = [f"{report.url}: {one_line(report.assessment.reason)}"]
    if report.drift is not None:
        lines.append(f"drifted: {drift_evidence(report.drift)}")
    if reference := capture_reference(report):
        lines.append(f"archived copy: {reference}")
    return "\n".join(lines)

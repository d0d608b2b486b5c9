"""The terminal table: what a person running `rotwatch check` reads first.

Only links that are not ok, or whose page drifted, are listed: failing
ones first, then drifted ones, then by verdict and URL; other ok links are
only counted in the summary line beneath, since a run over an archive has
hundreds of them and they need nothing. Each row is one link with the
places it is written; a drifted link's verdict cell says `drifted` and its
reason cell carries the evidence (then and now, the capture compared against).

`render_table` returns the rich Table itself so the command line can print
it to the real console with colour and the terminal's width; `render` gives
plain text at a fixed width for --output files and logs. Every cell is a
`rich.text.Text`, never a markup string, so a page title such as
`[link=...]` shows as written instead of being read as rich markup.
When the machine looks offline, `render_offline` is the one line saying so.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from crawler.models import LinkReport, Verdict
from crawler.report.summary import drift_evidence, occurrence_order, one_line, summary_of

__all__ = ["DRIFT_STYLE", "TEXT_WIDTH", "VERDICT_STYLE", "render", "render_offline", "render_table"]

TEXT_WIDTH = 120  # columns of the plain-text form

VERDICT_STYLE = {
    Verdict.OK: "green",
    Verdict.REDIRECTED: "cyan",
    Verdict.BROKEN: "bold red",
    Verdict.BLOCKED: "magenta",
    Verdict.UNREACHABLE: "yellow",
    Verdict.SKIPPED: "dim",
}
DRIFT_STYLE = "bold yellow"  # a link that works but now shows another page


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """Plain text: the table (when anything is listed) and the summary line."""
    text = io.StringIO()
    console = Console(file=text, width=TEXT_WIDTH, color_system=None, force_terminal=False)
    table = render_table(reports, failing)
    if table.row_count:
        console.print(table)
    console.print(Text(summary_of(reports)), soft_wrap=True)  # one line, however long, for logs and grep
    return text.getvalue()


def render_offline(message: str, *, generated_at: datetime) -> str:
    """Nothing was checked: the one line saying why."""
    return one_line(message) + "\n"


def render_table(reports: Sequence[LinkReport], failing: frozenset[Verdict]) -> Table:
    """One row per link that is not ok or drifted: failing first, then drifted, then by verdict, then URL."""
    table = Table(show_lines=False)
    table.add_column("verdict", no_wrap=True)
    table.add_column("URL", overflow="fold")
    table.add_column("reason")
    table.add_column("written at", overflow="fold", min_width=24)
    for report in sorted(_listed(reports), key=lambda report: _row_order(report, failing)):
        table.add_row(*_cells(report))
    return table


def _listed(reports: Sequence[LinkReport]) -> list[LinkReport]:
    return [report for report in reports if report.assessment.verdict is not Verdict.OK or report.drift is not None]


def _row_order(report: LinkReport, failing: frozenset[Verdict]) -> tuple[bool, bool, int, str]:
    verdict = report.assessment.verdict
    return (verdict not in failing, report.drift is None, list(Verdict).index(verdict), report.url)


def _cells(report: LinkReport) -> tuple[Text, ...]:
    verdict = report.assessment.verdict
    places = sorted(report.occurrences, key=occurrence_order)
    written_at = "\n".join(one_line(f"{occ.issue}:{occ.line}:{occ.column}") for occ in places)
    verdict_cell = Text(verdict.value, style=VERDICT_STYLE[verdict])
    reason = Text(one_line(report.assessment.reason))
    if report.drift is not None:
        verdict_cell.append("\ndrifted", style=DRIFT_STYLE)
        reason.append("\n" + drift_evidence(report.drift))
    return (verdict_cell, Text(one_line(report.url)), reason, Text(written_at))

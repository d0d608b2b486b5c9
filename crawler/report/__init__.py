"""The output formats of `rotwatch check`: pure renderers from reports to text.

Every renderer has the same shape,
`(reports, *, failing, generated_at) -> str`, and writes nothing: the
command line sends the text to stdout or to --output. `failing` is the set
of verdicts that fail the run ({broken} unless --fail-on widens it); formats
that flag links (table, markdown, github, junit, sarif) mark exactly those
as errors, so what CI fails on and what it annotates agree. Counting,
ordering and severity live in `summary`, shared by all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from crawler.models import LinkReport, Verdict
from crawler.report import github, json_report, junit, markdown, sarif, table
from crawler.report.summary import DEFAULT_FAILING, count_by_verdict, summary_line

__all__ = [
    "DEFAULT_FAILING",
    "FORMATS",
    "Renderer",
    "count_by_verdict",
    "render",
    "summary_line",
]


class Renderer(Protocol):
    """Turns the reports of one run into the text of one format."""

    def __call__(
        self, reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime
    ) -> str: ...


# Format name (the --format value) -> renderer; `table` first, the default.
FORMATS: Mapping[str, Renderer] = {
    "table": table.render,
    "json": json_report.render,
    "markdown": markdown.render,
    "github": github.render,
    "junit": junit.render,
    "sarif": sarif.render,
}


def render(
    format: str,
    reports: Sequence[LinkReport],
    *,
    failing: frozenset[Verdict] = DEFAULT_FAILING,
    generated_at: datetime,
) -> str:
    """The reports in the named format.

    Raises ValueError naming the known formats when `format` is not one of
    them; the command line normally rejects it earlier, from FORMATS' keys.
    """
    try:
        renderer = FORMATS[format]
    except KeyError:
        raise ValueError(f"unknown report format {format!r}; choose from {', '.join(FORMATS)}") from None
    return renderer(reports, failing=failing, generated_at=generated_at)

"""A Markdown summary for people: a pull-request comment or a job summary.

Layout: a heading that says how many links fail (and how many drifted), the
summary line, then the failing links grouped by issue (line, link text, URL,
verdict, reason, archived copy), then the drifted links (they work, but now
show another page: the evidence side by side, then and now, with the
capture compared against), then a shorter table of links that pass but
deserve a look (redirected, blocked, unreachable: `summary.severity` below
error), one row per link with the places it is written. An archived copy
from another archive than the Wayback Machine is named with its archive
(`[archive.today, 2019-03-04](...)`).

Text in cells and headings is escaped for GitHub-flavoured Markdown, only
where Markdown would misread it, so the raw file stays readable (`soft 404:`,
`(NXDOMAIN)`, `2024-03-27` as written) while text from the web (link text,
reasons quoting a page title) renders literally and cannot make links,
images or HTML. Cells and headings are inline content (CommonMark 0.31,
section 6; GFM tables, section 4.10), so only what opens inline markup where
it stands gets a backslash:
- `\\` before ASCII punctuation (it would escape it), `` ` `` (code spans),
  `*` and `~` (emphasis, GFM strikethrough), `$` (GitHub's math), `[` (links,
  images, footnotes; a `]` with no `[` is text);
- `_` unless between two letters or digits: an intraword `_` can neither
  open nor close emphasis (CommonMark 6.2, left- and right-flanking runs);
- `<` before a letter, `/`, `!` or `?` (raw HTML, autolinks: 6.5, 6.6), `&`
  before what reads as an entity or character reference (`&lt;`, `&#60;`);
- the parse-time autolinks of GFM's extension (6.9): the `:` of `scheme://`,
  the `.` of `www.`, the `@` of an e-mail address. (GitHub also links bare
  URLs in a later pass over the text; such a link shows its own address, which
  `[text](url)`, the deceptive kind, never does here);
- a trailing run of `#` after a space, which would close an ATX heading.
`|` is escaped by `_row` in every cell, code spans included, and line breaks
are folded to spaces. URLs are shown in code spans; only the archive capture
is a live link, with its destination percent-encoded where it could end the
link.
When the machine looks offline, `render_offline` is one line saying that
nothing was checked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from crawler import __version__
from crawler.models import LinkReport, Verdict
from crawler.report.summary import (
    Mention,
    Severity,
    by_issue,
    capture_text,
    capture_url,
    drift_then,
    drifted_reports,
    is_control,
    mentions,
    not_checked,
    occurrence_order,
    one_line,
    severity,
    sorted_reports,
    summary_of,
)

__all__ = [
    "DRIFT_HEADER",
    "OCCURRENCE_HEADER",
    "archive_link",
    "code_span",
    "drift_cells",
    "escape_text",
    "markdown_table",
    "occurrence_cells",
    "render",
    "render_offline",
]

# What opens inline markup where it stands (see the module docstring); `|` is
# left to `_row`, which escapes it in every cell, code spans included.
_MARKUP = re.compile(
    r"""
    \\(?=[!-/:-@\[-`{-~])       # a backslash that would escape the next character
    | [`*~$\[]                  # code spans, emphasis, strikethrough, math, links and images
    | _(?!(?<=[^\W_]_)[^\W_])     # `_`, unless between two letters or digits
    | <(?=[A-Za-z/!?])          # raw HTML, autolinks
    | &(?=\#?[0-9A-Za-z]+;)      # entity and character references
    | (?<=[A-Za-z]):(?=//)      # scheme://, a GFM autolink
    | (?<=(?<![\w.-])[wW]{3})\.  # www., a GFM autolink
    | (?<=[\w.+-])@(?=[\w-])     # an e-mail address, a GFM autolink
    | (?:(?<=\s)|^)\#(?=\#*$)    # a closing sequence of an ATX heading
    """,
    re.VERBOSE,
)
_BACKTICK_RUNS = re.compile("`+")

# Severities of links that pass but belong in the second section.
_BELOW_ERROR = frozenset({Severity.WARNING, Severity.NOTE})

# The first columns of every table of occurrences (`occurrence_cells`).
OCCURRENCE_HEADER = ("line", "link text", "URL", "verdict", "reason")

_FAILING_HEADER = (*OCCURRENCE_HEADER, "archived copy")
_NOTEWORTHY_HEADER = ("verdict", "URL", "reason", "written at")

# The drift columns of every table of drifted links (`drift_cells`).
DRIFT_HEADER = ("drift", "then", "now")
_DRIFTED_HEADER = ("URL", *DRIFT_HEADER, "written at")


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """The whole summary; sections with nothing to list are left out."""
    failing_mentions = [m for m in mentions(reports) if m.report.assessment.verdict in failing]
    drifted = [report for report in drifted_reports(reports) if report.assessment.verdict not in failing]
    noteworthy = [
        r
        for r in sorted_reports(reports)
        if severity(r.assessment.verdict, failing) in _BELOW_ERROR and r.drift is None
    ]
    unchecked = sum(not_checked(report) for report in reports)
    blocks = [_heading(reports, failing, unchecked), summary_of(reports, unchecked=unchecked)]
    if failing_mentions:
        blocks.append(_failing_section(failing_mentions))
    if drifted:
        blocks.append(_drifted_section(drifted))
    if noteworthy:
        blocks.append(_noteworthy_section(noteworthy))
    blocks.append(f"Checked by rotwatch {__version__} at {generated_at.isoformat()}.")
    return "\n\n".join(blocks) + "\n"


def render_offline(message: str, *, generated_at: datetime) -> str:
    """Nothing was checked: one line saying why, instead of a report."""
    return f"**rotwatch: nothing checked.** {escape_text(message)}\n"


def escape_text(text: str) -> str:
    """Free text made inert and kept readable: one line, a backslash before
    only what would open inline markup where it stands."""
    return _MARKUP.sub(lambda match: "\\" + match.group(), one_line(text))


def code_span(text: str) -> str:
    """`text` shown literally: the fence is longer than any backtick run
    inside, and padded when the text starts or ends with a backtick."""
    text = one_line(text)
    fence = "`" * (1 + max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _heading(reports: Sequence[LinkReport], failing: frozenset[Verdict], unchecked: int) -> str:
    """How many links fail, and how many drifted; never "no failing links" alone
    while some were not checked or now show another page."""
    count = sum(report.assessment.verdict in failing for report in reports)
    drifted = sum(report.drift is not None for report in reports)
    also = f", {drifted} drifted" if drifted else ""
    if count == 0 and unchecked:
        return f"## rotwatch: no failing links among those checked{also}, {unchecked} not checked"
    if count == 0:
        return f"## rotwatch: no failing links{also}"
    return f"## rotwatch: {count} failing link{'' if count == 1 else 's'}{also}"


def _failing_section(failing_mentions: list[Mention]) -> str:
    parts = ["### Failing links"]
    for issue, issue_mentions in by_issue(failing_mentions).items():
        rows = [_failing_row(mention) for mention in issue_mentions]
        parts.append(f"#### {code_span(issue)}\n\n{markdown_table(_FAILING_HEADER, rows)}")
    return "\n\n".join(parts)


def _failing_row(mention: Mention) -> tuple[str, ...]:
    return (*occurrence_cells(mention), archive_link(mention.report))


def occurrence_cells(mention: Mention) -> tuple[str, ...]:
    """The cells under OCCURRENCE_HEADER: where the link is written and what
    its check found, text escaped and the URL in a code span."""
    report, occurrence = mention
    return (
        str(occurrence.line),
        escape_text(occurrence.text),
        code_span(report.url),
        report.assessment.verdict.value,
        escape_text(report.assessment.reason),
    )


def _drifted_section(reports: list[LinkReport]) -> str:
    rows: list[tuple[str, ...]] = [
        (code_span(report.url), *drift_cells(report), _written_at(report)) for report in reports
    ]
    intro = "These links work, but now show another page than the one the issue cited."
    return f"### Drifted links\n\n{intro}\n\n{markdown_table(_DRIFTED_HEADER, rows)}"


def drift_cells(report: LinkReport) -> tuple[str, str, str]:
    """The cells under DRIFT_HEADER, empty for a link that did not drift: the
    kind and reason; the title then with its day, linked to the capture compared
    against (or "first checked" when it is rotwatch's own first check); the title now."""
    drift = report.drift
    if drift is None:
        return ("", "", "")
    source = escape_text(drift_then(drift))
    if drift.capture:
        source = f"[{source}](<{_destination(drift.capture)}>)"
    return (
        f"**{drift.kind}**: {escape_text(drift.reason)}",
        f"{_title_text(drift.then_title)} ({source})",
        _title_text(drift.now_title),
    )


def _title_text(title: str) -> str:
    return escape_text(title) if title else "*(no title)*"


def _written_at(report: LinkReport) -> str:
    places = sorted(report.occurrences, key=occurrence_order)
    return ", ".join(code_span(f"{occ.issue}:{occ.line}") for occ in places)


def _noteworthy_section(reports: list[LinkReport]) -> str:
    rows = [_noteworthy_row(report) for report in reports]
    return f"### Worth a look\n\n{markdown_table(_NOTEWORTHY_HEADER, rows)}"


def _noteworthy_row(report: LinkReport) -> tuple[str, ...]:
    verdict = report.assessment.verdict.value
    return (verdict, code_span(report.url), escape_text(report.assessment.reason), _written_at(report))


def archive_link(report: LinkReport) -> str:
    """`[2024-03-01](<playback URL>)`, the capture date as the link text, after
    the archive's name when it is not the Wayback Machine (`archive.today, 2019-03-04`)."""
    if report.archive is None:
        return ""
    text = escape_text(capture_text(report.archive))
    url = capture_url(report)
    if not url:
        return text
    return f"[{text}](<{_destination(url)}>)"


def _destination(url: str) -> str:
    """A link destination that cannot end early: `<`, `>`, `\\`, spaces and
    control characters percent-encoded (`|` is left to `_row`)."""
    return "".join(quote(char) if char in "<>\\ " or is_control(char) else char for char in url)


def markdown_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = [_row(header), _row(tuple("---" for _ in header)), *(_row(row) for row in rows)]
    return "\n".join(lines)


def _row(cells: tuple[str, ...]) -> str:
    """A table row; `|` in any cell becomes `\\|`, which GFM reads as a
    literal pipe even inside code spans."""
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

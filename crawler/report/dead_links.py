"""dead-links.md: the nightly crawl's dead links for editors, on the Git host.

Summary and changes since the last run first (the newly drifted links
among them), then one table of dead links per issue, newest issue first,
then the links that work but now show another page (drift), with the
evidence side by side. Which links are dead is the view's call
(`CrawlView.is_dead`). An archived copy from another archive than the
Wayback Machine is named with its archive.

dead-links.md is English whatever the page's language, like the other
Markdown output; it reuses `crawler.report.markdown`'s escaping and cells,
so text from the web renders literally.

Links not checked (no recorded answer, `summary.not_checked`) are counted
in the summary, and "No dead links." is never written while there are any;
drifted links are counted in the summary line too.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby

from crawler import __version__
from crawler.models import CaptureStatus, LinkReport
from crawler.nightly.held_links import DEAD, DRIFTED
from crawler.nightly.view import CrawlView
from crawler.report.markdown import (
    DRIFT_HEADER,
    OCCURRENCE_HEADER,
    archive_link,
    code_span,
    drift_cells,
    escape_text,
    markdown_table,
    occurrence_cells,
)
from crawler.report.summary import Mention

__all__ = ["dead_links_pieces", "render_dead_links"]

_DEAD_HEADER = (*OCCURRENCE_HEADER, "since", "archived copy")
_DRIFTED_HEADER = ("issue", "line", "link text", "URL", *DRIFT_HEADER)


def render_dead_links(view: CrawlView) -> str:
    """dead-links.md: summary and changes since the last run, then one
    table of dead links per issue, newest issue first."""
    return "".join(dead_links_pieces(view))


def dead_links_pieces(view: CrawlView) -> Iterator[str]:
    """`render_dead_links`'s text a block at a time, an issue's dead links at a time, read from
    the view's spool (`CrawlView.listed_mentions`): the same text, never held whole."""
    unchecked = view.figures.not_checked
    generated = f"Generated {view.generated_at.isoformat()} by rotwatch {__version__}."
    yield "\n\n".join(["# Dead links", generated, _summary(view, unchecked), "## Since the last run\n"])
    yield from _changes(view)  # a line at a time: a first crawl of a million links has ~95,000 newly dead
    empty = True
    for issue, group in groupby(view.listed_mentions(DEAD), key=lambda mention: mention.occurrence.issue):
        empty = False
        yield "\n\n" + _issue(view, issue, list(group))
    if empty:
        yield "\n\n" + (
            f"No dead links among the links checked, but {_were(unchecked)} not checked."
            if unchecked
            else "No dead links."
        )
    drifted = list(view.listed_mentions(DRIFTED))
    if drifted:
        yield "\n\n" + _drifted(drifted)
    yield "\n"


def _were(count: int) -> str:
    """`1 link was`, `3 links were`."""
    return "1 link was" if count == 1 else f"{count} links were"


def _summary(view: CrawlView, unchecked: int) -> str:
    figures = view.figures
    dead, captured, pending = figures.dead, figures.dead_captured, figures.dead_pending
    of_them = f", {pending} of them with the capture pending" if pending else ""
    line = (
        f"**{dead} dead** ({captured} with an archive capture, {dead - captured} without{of_them}). "
        f"{view.figures.summary_line(unchecked=unchecked)}."
    )
    if not unchecked:
        return line
    works = "it works" if unchecked == 1 else "they work"
    return (
        f"{line}\n\n**{_were(unchecked)} not checked**: no answer is recorded (the crawl stopped early, or "
        f"recorded nothing), so this report cannot say whether {works}."
    )


def _changes(view: CrawlView) -> Iterator[str]:
    """The lines under "Since the last run", each after its newline."""
    diff = view.diff
    yield from _url_list("Newly dead", diff.newly_dead)
    yield from _url_list("Fixed", diff.fixed)
    yield f"\n- Still dead: {len(diff.still_dead)}"
    yield from _url_list("Newly drifted", diff.newly_drifted)


def _url_list(name: str, urls: tuple[str, ...]) -> Iterator[str]:
    """`- Newly dead: 2` and the URLs beneath it, each in a code span, each line after its newline."""
    yield f"\n- {name}: {len(urls)}"
    for url in sorted(urls):
        yield f"\n  - {code_span(url)}"


def _issue(view: CrawlView, issue: str, group: list[Mention]) -> str:
    published = view.issue_date(issue)
    title = view.issue_title(issue)
    heading = f"## {escape_text(title)}" if title != issue else f"## {code_span(issue)}"
    facts = [code_span(issue)] if title != issue else []
    facts.append(f"published {published.isoformat()}" if published else "publication date unknown")
    facts.append(f"{len(group)} dead")
    rows = [_dead_row(view, mention) for mention in group]
    return f"{heading}\n\n{' · '.join(facts)}\n\n{markdown_table(_DEAD_HEADER, rows)}"


def _drifted(mentions: list[Mention]) -> str:
    """Every occurrence of a drifted link, newest issue first, with the evidence."""
    rows: list[tuple[str, ...]] = [
        (
            code_span(occurrence.issue),
            str(occurrence.line),
            escape_text(occurrence.text),
            code_span(report.url),
            *drift_cells(report),
        )
        for report, occurrence in mentions
    ]
    intro = (
        f"{len({mention.report.url for mention in mentions})} drifted: these links work, but now show another "
        "page than the one the issue cited (a takeover, a parked domain, a replaced page). Compare with the "
        "capture, then point the link at it or remove it."
    )
    return f"## Drifted links\n\n{intro}\n\n{markdown_table(_DRIFTED_HEADER, rows)}"


def _dead_row(view: CrawlView, mention: Mention) -> tuple[str, ...]:
    since = view.since(mention.report.url)
    return (
        *occurrence_cells(mention),
        since.date().isoformat() if since else "",
        archive_link(mention.report) or _no_capture(mention.report),
    )


def _no_capture(report: LinkReport) -> str:
    """What a dead link without a capture shows: pending until the archive has answered."""
    return "capture pending" if report.capture_status is CaptureStatus.PENDING else "no capture"

"""The link tables of index.html: dead links by issue, drifted links, and every link.

Each table is built from one list of columns (LABELS keys), so its headers
and its rows' cells cannot disagree; every row carries what the page's
filters match on (verdict, issue, site) and every cell the value its column
sorts by.

Decisions:
- Dead, as README counts it in the crawl: broken now, or the history's
  N-of-D flag (unreachable long enough). The tables never decide it: they
  ask `CrawlView.is_dead`. A dead link's "since" is when it started failing.
- The site shown for a link (a row's `data-site`, the site filter, the
  sites with the most dead links) is the registered domain of the host the
  link is fetched from (`site_key(host_of(url))`, so IDNA-encoded), and no
  site at all for a URL that is not http(s) or whose host cannot be
  requested: `mailto:` and `ftp:` links belong to no site on this page.
  (`crawler.check.urls.site_of` answers for any scheme and takes the host as
  written, which the page does not want.)
- A reason is shown in the page's language (`LinkTables.reason`, the one
  place the page renders one, through `crawler.check.reasons.reason_in`);
  an English page shows `Assessment.reason` as it is.
- "All links" lists every occurrence up to FULL_TABLE_LIMIT unique links.
  Above it the page would grow by about 0.7 KB a link for rows nobody
  scrolls through (a million links: most of a gigabyte), so it lists only
  the links that need a look and are not already listed as dead (failing,
  blocked, redirected) and points to links.csv, which always holds every
  link. The dead links above are listed whole at any size: they are the
  page's purpose.
- "No dead links" is said only when every link has an answer: with links
  not checked, the page says how many instead; with drifted links, it
  points to them rather than saying that every link works.
- A drifted link (it works, but now shows another page) carries a flag
  beside its verdict wherever it is listed, and has a row per occurrence in
  the drifted links' table: what changed (taken over, parked, another
  page, and the reason), the title then with its day, linked to the capture
  compared against (or "as rotwatch first saw it" when "then" is rotwatch's
  own first check), and the title now, side by side.
- A capture is shown by its day, after its archive's name when it is not
  the Wayback Machine ("archive.today, 2019-03-04"), so an editor knows where
  a link leads before following it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import cache
from itertools import chain, groupby

from crawler.check.reasons import reason_in, translate
from crawler.check.urls import host_of, is_http_url, site_key
from crawler.models import CaptureStatus, Drift, DriftKind, LinkKind, LinkReport, Snapshot, Verdict
from crawler.nightly.view import EVERY_LINK_LISTED_UP_TO, QUIET, CrawlView
from crawler.report.html.labels import Labels
from crawler.report.html.markup import CONTENT, Child, Markup, around, children, escape, link, tag
from crawler.report.summary import WAYBACK, Mention, archive_name, capture_url

__all__ = ["FULL_TABLE_LIMIT", "LinkTables", "day_text", "listed_in_all_links", "shown_site", "verdict_badge"]

FULL_TABLE_LIMIT = EVERY_LINK_LISTED_UP_TO  # unique links up to which "All links" lists every one

# The columns of the two tables, as LABELS keys, left to right.
_DEAD_COLUMNS = ("col.line", "col.text", "col.url", "col.verdict", "col.reason", "col.since", "col.capture")
_ALL_COLUMNS = ("col.issue", "col.line", "col.text", "col.url", "col.verdict", "col.reason", "col.capture")
_DRIFTED_COLUMNS = ("col.issue", "col.line", "col.text", "col.url", "col.drift", "col.then", "col.now")


@cache
def shown_site(url: str) -> str:
    """The site a link is shown under ('' for mailto:, relative or malformed
    URLs, which belong to no site)."""
    if not is_http_url(url):
        return ""
    try:
        return site_key(host_of(url))  # remembered per host (an archive cites far fewer hosts than URLs)
    except ValueError:
        return ""


def day_text(moment: date | None) -> str:
    """A day as the page shows it, YYYY-MM-DD ('' when unknown)."""
    return moment.strftime("%Y-%m-%d") if moment else ""


def listed_in_all_links(view: CrawlView, mentions: Sequence[Mention]) -> list[Mention]:
    """The occurrences the "All links" table lists: all of them up to
    FULL_TABLE_LIMIT unique links, else those of failing links that are not
    dead (the dead and the drifted have their own tables; working links,
    redirected ones included, are in links.csv): an archive of a million
    links has hundreds of thousands of redirects, too many for one page."""
    if view.figures.links <= FULL_TABLE_LIMIT:
        return list(mentions)
    return [m for m in mentions if m.report.assessment.verdict not in QUIET and not view.is_dead(m.report)]


def verdict_badge(labels: Labels, verdict: Verdict) -> Markup:
    """A verdict's name, styled by verdict."""
    return tag("span", labels[f"verdict.{verdict}"], class_=f"verdict verdict-{verdict}")


class LinkTables:
    """The link tables for one view in one language."""

    def __init__(self, view: CrawlView, labels: Labels) -> None:
        self.view = view
        self.labels = labels
        self.newly_dead = frozenset(view.diff.newly_dead)
        self._cell_openings: dict[str, str] = {}  # `cell`'s opening tag per column, up to its sort value
        # The badges beside a verdict, made once per verdict or drift kind rather than once per row.
        self._verdict_badges: dict[Verdict, Markup] = {}
        self._drift_flags: dict[DriftKind, Markup] = {}
        self._new_badge = Markup(" " + tag("span", labels["new"], class_="new"))

    def dead_section(self, dead_mentions: Sequence[Mention]) -> Markup:
        """The dead links, one table per issue, in the order of `dead_mentions`;
        newly dead rows are tinted unless every row is (a first crawl), when
        the tint would tell nothing."""
        every_one_new = bool(dead_mentions) and all(m.report.url in self.newly_dead for m in dead_mentions)
        return children(self.dead_section_pieces(dead_mentions, every_one_new=every_one_new))

    def dead_section_pieces(self, dead_mentions: Iterable[Mention], *, every_one_new: bool) -> Iterator[Markup]:
        """`dead_section` in pieces, an issue's table at a time, read as they come: the dead
        links are listed whole at any size, so the section is most of the page."""
        shell = tag(
            "section",
            self.section_head("dead", self.labels["dead_by_issue"]),
            CONTENT,
            tag("p", self.labels["no_match"], class_="quiet no-match", hidden=True),
            id="dead",
            class_="all-new" if every_one_new else None,
            aria_labelledby="dead-heading",
        )
        yield from around(shell, self.issue_blocks(dead_mentions))

    def issue_blocks(self, dead_mentions: Iterable[Mention]) -> Iterator[Markup]:
        """An issue's table at a time, or the sentence saying there is none."""
        empty = True
        for issue, group in groupby(dead_mentions, key=lambda mention: mention.occurrence.issue):
            empty = False
            yield self.issue_block(issue, list(group))
        if empty:
            yield tag("p", self.nothing_dead(), class_="quiet")

    def section_head(self, section: str, heading: str) -> Markup:
        """A section's heading and the count of its rows the filters show."""
        return tag(
            "div",
            tag("h2", heading, id=f"{section}-heading"),
            tag("output", class_="shown", data_counts=section, aria_live="polite"),
            class_="section-head",
        )

    def nothing_dead(self) -> str:
        """What the dead links' section says when there are none: never that every
        link works while some were not checked or now show another page."""
        unchecked = self.view.figures.not_checked
        if unchecked:
            return self.labels.fill("no_dead_unchecked", count=unchecked)
        drifted = sum(self.view.figures.drifted.values())
        if drifted:
            return self.labels.fill("no_dead_drifted", count=drifted)
        return self.labels["no_dead"]

    def drifted_section(self, drifted_mentions: Iterable[Mention]) -> Markup | None:
        """Every occurrence of a drifted link, in page order, with the evidence
        side by side; nothing when no link drifted."""
        return children(self.drifted_section_pieces(drifted_mentions)) or None

    def drifted_section_pieces(self, drifted_mentions: Iterable[Mention]) -> Iterator[Markup]:
        """`drifted_section` a row at a time, read as they come; nothing when no link drifted."""
        mentions = iter(drifted_mentions)
        first = next(mentions, None)
        if first is None:
            return
        shell = tag(
            "section",
            self.section_head("drifted", self.labels["drifted_heading"]),
            tag("p", self.labels["drifted_intro"], class_="section-intro"),
            CONTENT,
            id="drifted",
            aria_labelledby="drifted-heading",
        )
        rows = self.links_table_pieces(_DRIFTED_COLUMNS, chain([first], mentions), class_="links drifted-links")
        yield from around(shell, rows)

    def issue_block(self, issue: str, group: list[Mention]) -> Markup:
        """One issue's title, publication date and tally, then its table."""
        published = self.view.issue_date(issue)
        title = self.view.issue_title(issue)
        when = self.labels.fill("published", date=day_text(published)) if published else self.labels["undated"]
        meta = [
            tag("code", issue) if title != issue else None,
            tag("span", when),
            tag("span", self.labels.fill("issue_dead", count=len(group)), class_="issue-tally"),
        ]
        return tag(
            "article",
            tag("h3", title),
            tag("p", meta, class_="issue-meta"),
            self.links_table(_DEAD_COLUMNS, group, class_="links dead-links", mark_new=True),
            class_="issue",
            data_issue_block=True,
        )

    def all_links_section(self, listed: Iterable[Mention]) -> Markup:
        """Every occurrence in one table, collapsed; at scale only those of
        links that are not ok, under a pointer to links.csv. `listed` are the
        view's occurrences `listed_in_all_links` keeps, in page order."""
        return children(self.all_links_pieces(listed))

    def all_links_pieces(self, listed: Iterable[Mention]) -> Iterator[Markup]:
        """`all_links_section` a row at a time, read as they come."""
        figures = self.view.figures
        total = figures.occurrences
        count = total if figures.every_link_held else figures.failing_occurrences
        shell = tag(
            "details",
            tag(
                "summary",
                tag("h2", self.labels["all_links"], " ", tag("span", f"{total:,}", class_="tally")),
                tag("output", class_="shown", data_counts="all-links", aria_live="polite"),
            ),
            self.csv_pointer(count, total) if count < total else None,
            CONTENT,
            id="all-links",
            class_="all-links-section",
        )
        yield from around(shell, self.links_table_pieces(_ALL_COLUMNS, listed, class_="links all-links"))

    def csv_pointer(self, listed: int, total: int) -> Markup:
        """Where every link is when the page lists only some: links.csv (one
        row per occurrence, like this table), linked relative to the page."""
        text = self.labels.fill_markup(
            self.labels.form("all_links_at_scale", listed),
            total=Markup(f"{total:,}"),
            count=Markup(f"{listed:,}"),
            csv=tag("a", tag("code", "links.csv"), href="links.csv"),
        )
        return tag("p", text, class_="csv-pointer")

    def links_table(
        self, columns: Sequence[str], mentions: Iterable[Mention], *, class_: str, mark_new: bool = False
    ) -> Markup:
        """One row per occurrence, sortable by every column; `mark_new`
        badges newly dead links beside their verdict."""
        return children(self.links_table_pieces(columns, mentions, class_=class_, mark_new=mark_new))

    def links_table_pieces(
        self, columns: Sequence[str], mentions: Iterable[Mention], *, class_: str, mark_new: bool = False
    ) -> Iterator[Markup]:
        """`links_table` a row at a time, read as they come."""
        headers = [
            tag(
                "th",
                tag("button", self.labels[column], type="button", class_="sort"),
                scope="col",
                class_=column.replace(".", "-"),
            )
            for column in columns
        ]
        shell = tag(
            "div",
            tag("table", tag("thead", tag("tr", headers)), tag("tbody", CONTENT), class_=class_),
            class_="table-wrap",
        )
        yield from around(shell, (self.row(mention, columns, mark_new=mark_new) for mention in mentions))

    def row(self, mention: Mention, columns: Sequence[str], *, mark_new: bool) -> Markup:
        """A row carrying what the filters match on: verdict, issue, site."""
        report, occurrence = mention
        return tag(
            "tr",
            [self.cell(column, mention, mark_new=mark_new) for column in columns],
            class_="is-new" if report.url in self.newly_dead else None,
            data_drift=report.drift.kind.value if report.drift else None,
            data_verdict=report.assessment.verdict.value,
            data_issue=occurrence.issue,
            data_site=shown_site(report.url),
        )

    def cell(self, column: str, mention: Mention, *, mark_new: bool) -> Markup:
        """A cell labelled with its column, which narrow screens show inline: `tag`'s text, its
        opening tag up to the sort value made once per column (a million links: millions of cells)."""
        content, sort = self.cell_content(column, mention, mark_new=mark_new)
        opening = self._cell_openings.get(column)
        if opening is None:
            opening = tag("td", CONTENT, class_=column.replace(".", "-"), data_label=self.labels[column])
            opening = self._cell_openings[column] = opening.split(CONTENT)[0][:-1]  # without its ">"
        sorted_by = "" if sort is None else f' data-sort="{escape(str(sort))}"'
        return Markup(f"{opening}{sorted_by}>{children((content,))}</td>")

    def cell_content(self, column: str, mention: Mention, *, mark_new: bool) -> tuple[Child, str | int | None]:
        """What a column shows for one occurrence, and the value it sorts by
        (None: by the text shown)."""
        report, occurrence = mention
        match column:
            case "col.issue":
                published = self.view.issue_date(occurrence.issue)
                return self.view.issue_title(occurrence.issue), f"{day_text(published) or '0000'} {occurrence.issue}"
            case "col.line":
                return occurrence.line, occurrence.line
            case "col.text":
                return self.link_text(mention), None
            case "col.url":
                return self.url_content(report), None
            case "col.verdict":
                verdict = report.assessment.verdict
                badge = self._verdict_badges.get(verdict) or self._verdict_badges.setdefault(
                    verdict, verdict_badge(self.labels, verdict)
                )
                return (badge, self.new_badge(report) if mark_new else None, self.drift_flag(report)), None
            case "col.reason":
                return self.reason(report), None
            case "col.since":
                since = self.view.since(report.url)
                return day_text(since) or "—", since.isoformat() if since else ""
            case "col.capture":
                return self.capture(report)
            case "col.drift" | "col.then" | "col.now" if report.drift is not None:
                return self.drift_cell(column, report.drift)
        raise ValueError(f"no column {column!r} in the link tables")

    def reason(self, report: LinkReport) -> str:
        """Why the link got its verdict, in the page's language; a reason
        read back from the state database is shown as stored when the
        catalogue does not know it (`crawler.check.reasons.reason_in`)."""
        return reason_in(report.assessment, self.labels.lang)

    def link_text(self, mention: Mention) -> Markup:
        occurrence = mention.occurrence
        badge = tag("span", self.labels["image"], class_="kind") if occurrence.kind is LinkKind.IMAGE else None
        return children([badge, " " if badge else None, occurrence.text or "—"])

    def url_content(self, report: LinkReport) -> Markup:
        """The URL, and where a permanent redirect now leads (the fix)."""
        final = report.result.final_url
        moved = report.assessment.verdict is Verdict.REDIRECTED and final and final != report.url
        return children(
            [
                link(report.url, report.url),
                tag("span", self.labels["moved_to"], " ", link(final, final), class_="moved") if moved else None,
            ]
        )

    def new_badge(self, report: LinkReport) -> Markup | None:
        return self._new_badge if report.url in self.newly_dead else None

    def drift_flag(self, report: LinkReport) -> Markup | None:
        """`Drifted` beside the verdict of a link that now shows another page, its kind on hover."""
        if report.drift is None:
            return None
        flag = self._drift_flags.get(kind := report.drift.kind)
        if flag is None:
            title = self.labels[f"drift.{kind}"]
            flag = self._drift_flags[kind] = Markup(
                " " + tag("span", self.labels["drifted"], class_="drift-flag", title=title)
            )
        return flag

    def drift_cell(self, column: str, drift: Drift) -> tuple[Child, str | int | None]:
        """What changed (kind and reason), the title then with its source, the title now."""
        if column == "col.drift":
            kind = tag("span", self.labels[f"drift.{drift.kind}"], class_=f"drift-kind drift-{drift.kind}")
            return (kind, tag("span", translate(drift.reason, self.labels.lang), class_="drift-reason")), drift.kind
        if column == "col.now":
            return self.page_title(drift.now_title), None
        day = drift.then_on or self.labels["date_unknown"]
        if drift.capture is None:
            source: Child = self.labels.fill("then_first_check", date=day)
        else:
            archive = drift.capture_archive
            text = self.labels.fill("then_capture", date=day)
            named = (
                text if archive == WAYBACK else self.labels.fill("capture_in", archive=self.archive(archive), date=text)
            )
            source = link(drift.capture, named)
        return (self.page_title(drift.then_title), tag("span", source, class_="then-source")), drift.then_on

    def page_title(self, title: str) -> Markup:
        if not title:
            return tag("q", self.labels["no_title"], class_="page-title untitled")
        return tag("q", title, class_="page-title")

    def archive(self, name: str) -> str:
        """An archive's name as the page shows it, in its language where it has one."""
        key = f"archive.{name}"
        return self.labels[key] if key in self.labels else archive_name(name)

    def capture_text(self, snapshot: Snapshot) -> str:
        """A capture's day, after its archive's name when not the Wayback Machine's."""
        if snapshot.archive == WAYBACK:
            return snapshot.captured_on
        return self.labels.fill("capture_in", archive=self.archive(snapshot.archive), date=snapshot.captured_on)

    def capture(self, report: LinkReport) -> tuple[Child, str]:
        """The capture's date, linked to its playback; "capture pending" for a dead
        link whose capture is not known yet, "no capture" for one the archive has
        nothing for; nothing for links that are not dead. Sorted by the capture's
        timestamp."""
        if report.archive is not None:
            return link(capture_url(report), self.capture_text(report.archive)), report.archive.timestamp
        if self.view.is_dead(report) and report.capture_status is CaptureStatus.PENDING:
            return tag("span", self.labels["capture_pending"], class_="no-capture capture-pending"), ""
        if self.view.is_dead(report):
            return tag("span", self.labels["no_capture"], class_="no-capture"), ""
        return None, ""

"""The sections of index.html, top to bottom, for one crawl in one language.

What changed since the last run comes first (summary cards, the changes
lists), then the filters, the dead links grouped by issue (newest issue
first), the drifted links (working links that now show another page), the
month chart beside the sites with the most dead links, and every link in a
collapsed table (the link tables are `tables`' and the chart
`chart`'s). The page never decides which links are dead: it asks
`CrawlView.is_dead`.

Decisions:
- The first screen shows the summary and the start of the dead links, at
  any size: a list of changes longer than CHANGES_SHOWN_WHOLE shows its
  count and its first CHANGES_PREVIEW entries, the rest behind a disclosure.
  Entries come in the page's order (newest issue first), so the preview is
  what readers are reading now; URLs no longer cited (fixed by an edit)
  follow, by URL.
- Links not checked (no recorded answer) get a card and a warning beneath
  the cards saying how many, so a stopped crawl never reads as a clean one.
- The filters offer only the verdicts, issues and sites of rows on the page.
- Every list that grows with the links (the changes, the dead links by
  issue, the drifted links, "All links") is written an entry at a time as
  it is read from the view's spool (`markup.around`): a first crawl of a
  million links lists about 95,000 newly dead, and writing the page built
  whole rose 209 MB above where it began, read in pieces about 40 MB
  (issue 14).
- Drifted links get a card (how many, of which kinds, how many new) and a
  list of the newly drifted among the changes, so a night that took over a
  domain is seen on the first screen; the card shows only when a link
  drifted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, islice

from crawler import __version__
from crawler.models import LinkReport, Verdict
from crawler.nightly.held_links import DEAD, DRIFTED, FAILING
from crawler.nightly.view import CrawlView
from crawler.report.html.chart import chart_section, month_bands
from crawler.report.html.labels import Labels
from crawler.report.html.markup import CONTENT, Markup, around, children, link, tag, void
from crawler.report.html.tables import LinkTables, day_text, shown_site, verdict_badge

__all__ = ["CHANGES_PREVIEW", "CHANGES_SHOWN_WHOLE", "Page"]

_WORST_SITES = 10  # how many sites the list of the most dead links shows
CHANGES_SHOWN_WHOLE = 10  # a list of changes up to this long is shown whole
CHANGES_PREVIEW = 3  # entries a longer list shows before its disclosure


_FURTHER_ARCHIVE_COUNT = re.compile(r"memento_(.+)_(requests|429s)")


@dataclass
class _ListedLinks:
    """Of the links the page lists (`CrawlView.held_reports`): the filters' choices, and the dead links per site."""

    verdicts: set[Verdict] = field(default_factory=set)
    issues: set[str] = field(default_factory=set)
    sites: set[str] = field(default_factory=set)
    dead: Counter[str] = field(default_factory=Counter)


class Page:
    """The page's sections for one view in one language."""

    def __init__(self, view: CrawlView, labels: Labels) -> None:
        self.view = view
        self.labels = labels
        self.tables = LinkTables(view, labels)
        self.figures = view.figures
        self.unchecked = self.figures.not_checked

    def body(self) -> Markup:
        return children(self.body_pieces())

    def body_pieces(self) -> Iterator[Markup | None]:
        """The body a section at a time, the dead links an issue at a time: at scale the page is
        hundreds of megabytes, written as it is made (`crawler.report.html.render_pieces`)."""
        yield self.masthead()
        yield self.summary()
        yield from self.changes_pieces()
        yield self.filters()
        every_one_new = 0 < self.figures.dead_occurrences == self.figures.new_dead_occurrences
        yield from self.tables.dead_section_pieces(self.view.listed_mentions(DEAD), every_one_new=every_one_new)
        yield from self.tables.drifted_section_pieces(self.view.listed_mentions(DRIFTED))
        yield tag(
            "div",
            chart_section(month_bands(self.view), self.labels),
            self.sites_section(),
            class_="figures",
        )
        yield from self.tables.all_links_pieces(self.view.listed_mentions(self.all_links_mask()))
        yield self.footer()

    # --- top of the page -------------------------------------------------

    def masthead(self) -> Markup:
        moment = self.view.generated_at
        shown = f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip()
        generated = self.labels.fill_markup(
            self.labels["generated"], time=tag("time", shown, datetime=moment.isoformat())
        )
        return tag(
            "header",
            tag("p", "rotwatch", class_="eyebrow"),
            tag("h1", self.labels["page_title"]),
            tag("p", generated, class_="meta"),
            class_="masthead",
        )

    def dead_split(self, captured: int) -> str:
        """How many dead links have a capture, how many have none, and how many are not known
        yet (pending is not "without": the archive was not asked, or did not answer)."""
        pending = self.figures.dead_pending_uncaptured
        uncaptured = self.figures.dead - captured - pending
        if pending:
            return self.labels.fill("dead_split_pending", captured=captured, uncaptured=uncaptured, pending=pending)
        return self.labels.fill("dead_split", captured=captured, uncaptured=uncaptured)

    def summary(self) -> Markup:
        dead, captured = self.figures.dead, self.figures.dead_captured
        issues = len(self.view.figures.issues)
        checked = self.view.figures.links - self.unchecked
        diff = self.view.diff
        cards = [
            self.card(
                "dead",
                self.labels.form("dead_links", dead),
                dead,
                self.dead_split(captured) if dead else None,
            ),
            self.card("new", self.labels["newly_dead"], len(diff.newly_dead)),
            self.card("fixed", self.labels["fixed"], len(diff.fixed)),
            self.card("still", self.labels["still_dead"], len(diff.still_dead)),
            self.drifted_card(),
            self.card(
                "links",
                self.labels.form("links", checked),
                checked,
                self.labels.fill("links_in_issues", count=issues, issues=issues),
            ),
        ]
        if self.unchecked:
            detail = self.labels["not_checked_detail"]
            cards.append(self.card("unchecked", self.labels["not_checked"], self.unchecked, detail))
        warning = self.labels.fill("not_checked_warning", count=self.unchecked) if self.unchecked else None
        return tag(
            "section",
            tag("ul", cards, class_="cards"),
            tag("p", warning, class_="warning", role="status") if warning else None,
            self.verdict_counts(),
            self.run_counts(),
            class_="summary",
            aria_label=self.labels["summary"],
        )

    def drifted_card(self) -> Markup | None:
        """How many links now show another page, of which kinds, and how many are new; none when none did."""
        kinds = self.view.figures.drifted
        total = sum(kinds.values())
        if not total:
            return None
        split = " · ".join(f"{count} {self.labels[f'drift.{kind}']}" for kind, count in kinds.items() if count)
        new = len(self.view.diff.newly_drifted)
        detail = f"{split} · {self.labels.fill('drifted_new', count=new)}" if new else split
        return self.card("drifted", self.labels["drifted"], total, detail)

    def card(self, kind: str, name: str, count: int, detail: str | None = None) -> Markup:
        return tag(
            "li",
            tag("span", f"{count:,}", class_="count"),
            " ",
            tag("span", name, class_="name"),
            (" ", tag("span", detail, class_="detail")) if detail else None,
            class_=f"card card-{kind}",
        )

    def verdict_counts(self) -> Markup:
        chips = [
            tag("li", verdict_badge(self.labels, verdict), " ", tag("span", f"{count:,}", class_="chip-count"))
            for verdict, count in self.view.figures.verdicts.items()
            if count
        ]
        return self.facts(self.labels["verdicts"], chips)

    def run_counts(self) -> Markup | None:
        if not self.view.run_counts:
            return None
        facts = [
            tag("li", self.labels.fill_markup(self.run_label(name, count), count=tag("strong", f"{count:,}")))
            for name, count in self.view.run_counts.items()
        ]
        return self.facts(self.labels["this_run"], facts)

    def run_label(self, name: str, count: int) -> str:
        """A run count's label; a further archive's counts (`memento_<archive>_requests`,
        `..._429s`, see crawler.nightly.archive_step) name the archive."""
        further = _FURTHER_ARCHIVE_COUNT.fullmatch(name)
        if further is not None:
            archive, what = further.groups()
            template = self.labels.form(f"run.memento_{what}", count)
            return template.replace("{archive}", self.tables.archive(archive))
        return self.labels.form(f"run.{name}", count) if f"run.{name}" in self.labels else f"{{count}} {name}"

    def facts(self, name: str, items: list[Markup]) -> Markup:
        return tag("div", tag("span", name, class_="facts-name"), tag("ul", items), class_="facts")

    def changes(self) -> Markup:
        return children(self.changes_pieces())

    def changes_pieces(self) -> Iterator[Markup]:
        """The lists of changes an entry at a time, read in their order from the view's spool
        (`CrawlView.changes`): a first crawl of a million links has about 95,000 newly dead."""
        diff = self.view.diff
        lists = [
            ("new", self.labels["newly_dead"], "newly_dead", True),
            ("fixed", self.labels["fixed"], "fixed", True),
            ("still", self.labels["still_dead"], "still_dead", False),
            ("drifted", self.labels["newly_drifted"], "newly_drifted", True),
        ]
        shown = [(kind, name, listed, opened) for kind, name, listed, opened in lists if getattr(diff, listed)]
        content = chain.from_iterable(
            self.change_list_pieces(kind, name, listed, opened=opened) for kind, name, listed, opened in shown
        )
        shell = tag(
            "section",
            tag("h2", self.labels["since_last_run"], id="changes-heading"),
            tag("div", CONTENT if shown else tag("p", self.labels["no_change"], class_="quiet"), class_="changes"),
            class_="changes-section",
            aria_labelledby="changes-heading",
        )
        yield from around(shell, content) if shown else [shell]

    def change_list(self, kind: str, name: str, listed: str, *, opened: bool) -> Markup | None:
        """One kind of change (`listed`, the diff's name for it): its count, then its URLs
        in page order (`CrawlView.changes`); a long list shows its first few and keeps the
        rest behind a disclosure."""
        return children(self.change_list_pieces(kind, name, listed, opened=opened)) or None

    def change_list_pieces(self, kind: str, name: str, listed: str, *, opened: bool) -> Iterator[Markup]:
        """`change_list` an entry at a time; nothing when the diff's list is empty."""
        urls: Sequence[str] = getattr(self.view.diff, listed)
        if not urls:
            return
        items = (self.change_item(url, report) for url, report in self.view.changes(listed))
        count = self.view.change_count(listed)
        content: Iterable[Markup] = items
        if count > CHANGES_SHOWN_WHOLE:
            more = tag("summary", self.labels.fill("more", count=count - CHANGES_PREVIEW), class_="more")
            rest = tag("li", tag("details", more, tag("ul", CONTENT)), class_="rest")
            content = chain(islice(items, CHANGES_PREVIEW), around(rest, items))
        shell = tag(
            "details",
            tag("summary", name, " ", tag("span", f"{len(urls):,}", class_="tally")),
            tag("ul", CONTENT),
            class_=f"change change-{kind}",
            open=opened,
        )
        yield from around(shell, content)

    def change_item(self, url: str, report: LinkReport | None) -> Markup:
        """The URL, then one line of why it fails (when dead) and where it is
        cited (when still cited): the reason first, as the line may be cut."""
        if report is None:
            return tag("li", link(url, url))
        issues = sorted({occurrence.issue for occurrence in report.occurrences})
        where = ", ".join(self.view.issue_title(issue) for issue in issues)
        why = tag("span", self.why(report), class_="why") if self.view.is_dead(report) or report.drift else None
        return tag("li", link(url, url), tag("span", why, tag("span", where, class_="where"), class_="detail"))

    def why(self, report: LinkReport) -> str:
        """Why a changed link is listed: a dead link's reason, a drifted one's kind."""
        if report.drift is not None and not self.view.is_dead(report):
            return f"{self.labels['drifted']}: {self.labels[f'drift.{report.drift.kind}']}"
        return self.tables.reason(report)

    # --- filters ---------------------------------------------------------

    def filters(self) -> Markup:
        """Verdict, issue and site choices (those of the rows on the page),
        free-text search, reset."""
        held = self.listed_links
        verdicts = [verdict for verdict in Verdict if verdict in held.verdicts]
        issues = sorted(held.issues, key=self.view.issue_order)  # the rows' order: newest issue first
        sites = held.sites - {""}
        return tag(
            "form",
            tag("h2", self.labels["filters"], class_="visually-hidden"),
            self.select(
                "verdict",
                self.labels["all_verdicts"],
                [(verdict.value, self.labels[f"verdict.{verdict}"]) for verdict in verdicts],
            ),
            self.select("issue", self.labels["all_issues"], [(issue, self.issue_option(issue)) for issue in issues]),
            self.select("site", self.labels["all_sites"], [(site, site) for site in sorted(sites)]),
            tag(
                "label",
                tag("span", self.labels["search"], class_="visually-hidden"),
                void(
                    "input",
                    type="search",
                    id="filter-search",
                    placeholder=self.labels["search_placeholder"],
                    autocomplete="off",
                ),
                class_="search",
            ),
            tag("button", self.labels["reset"], type="reset", class_="reset"),
            class_="filters",
            id="filters",
            role="search",
            aria_label=self.labels["filters"],
        )

    @cached_property
    def listed_links(self) -> _ListedLinks:
        """What the filters and the sites with the most dead links take from the listed links, in
        one reading of them (a reading unpickles every link: 0.2 s of 200,000 links' 19 s)."""
        held = _ListedLinks()
        # A row per occurrence of these links: read a link at a time, not a row at a time.
        for report in self.view.held_reports(None if self.figures.every_link_held else DEAD | DRIFTED | FAILING):
            site = shown_site(report.url)
            if report.occurrences:
                held.verdicts.add(report.assessment.verdict)
                held.issues.update(occurrence.issue for occurrence in report.occurrences)
                held.sites.add(site)
            if self.view.is_dead(report):  # marked DEAD (`CrawlView.held_reports(DEAD)`), in the same order
                held.dead[site] += 1
        return held

    def all_links_mask(self) -> int | None:
        """The occurrences "All links" lists (`tables.listed_in_all_links`): every one while the
        view holds every link, else those of failing links that are not dead."""
        return None if self.figures.every_link_held else FAILING

    def select(self, name: str, everything: str, options: list[tuple[str, str]]) -> Markup:
        choices = [tag("option", everything, value="")] + [tag("option", text, value=value) for value, text in options]
        return tag(
            "label",
            tag("span", everything, class_="visually-hidden"),
            tag("select", choices, id=f"filter-{name}", data_filter=name),
        )

    def issue_option(self, issue: str) -> str:
        published = self.view.issue_date(issue)
        title = self.view.issue_title(issue)
        return f"{day_text(published)} · {title}" if published else title

    # --- figures and footer ------------------------------------------------

    def sites_section(self) -> Markup:
        worst = self.listed_links.dead.most_common(_WORST_SITES)
        most = worst[0][1] if worst else 1
        rows = [
            tag(
                "li",
                tag("button", site or "—", type="button", class_="site", data_site=site),
                tag(
                    "span",
                    tag("span", class_="meter-fill", style=f"width: {100 * count / most:.0f}%"),
                    class_="meter",
                    aria_hidden="true",
                ),
                tag("span", count, class_="site-count"),
            )
            for site, count in worst
        ]
        return tag(
            "section",
            tag("h2", self.labels["worst_sites"], id="sites-heading"),
            tag("ol", rows, class_="sites") if rows else tag("p", self.labels["no_sites"], class_="quiet"),
            class_="sites-section",
            aria_labelledby="sites-heading",
        )

    def footer(self) -> Markup:
        terms = [
            (tag("dt", verdict_badge(self.labels, verdict)), tag("dd", self.labels[f"help.{verdict}"]))
            for verdict in Verdict
        ]
        if any(self.figures.drifted.values()):  # the flag is explained where it is shown
            flag = tag("span", self.labels["drifted"], class_="drift-flag")
            terms.append((tag("dt", flag), tag("dd", self.labels["help.drifted"])))
        return tag(
            "footer",
            tag("dl", terms, class_="glossary"),
            tag("p", self.labels.fill("footer", version=__version__)),
        )

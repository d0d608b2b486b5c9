"""The sections of index.html, top to bottom, for one crawl in one language.

What changed since the last run comes first (summary cards, the changes
lists), then the filters, the dead links grouped by issue (newest issue
first), the month chart beside the sites with the most dead links, and every
link in a collapsed table (the link tables are `tables`' and the chart
`chart`'s). The page never decides which links are dead: it asks
`CrawlView.is_dead`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from crawler import __version__
from crawler.models import LinkReport, Verdict
from crawler.nightly.view import CrawlView
from crawler.report.html.chart import chart_section, month_bands
from crawler.report.html.labels import Labels
from crawler.report.html.markup import Markup, children, link, tag, void
from crawler.report.html.tables import LinkTables, day_text, shown_site, verdict_badge
from crawler.report.summary import by_issue, count_by_verdict

__all__ = ["Page"]

_WORST_SITES = 10  # how many sites the list of the most dead links shows


class Page:
    """The page's sections for one view in one language."""

    def __init__(self, view: CrawlView, labels: Labels) -> None:
        self.view = view
        self.labels = labels
        self.dead = view.dead_reports()
        self.tables = LinkTables(view, labels)
        self.ordered = view.mentions()
        self.dead_mentions = [mention for mention in self.ordered if view.is_dead(mention.report)]
        self.by_url = {report.url: report for report in view.reports}

    def body(self) -> Markup:
        return children(
            [
                self.masthead(),
                self.summary(),
                self.changes(),
                self.filters(),
                self.tables.dead_section(self.dead_mentions),
                tag(
                    "div",
                    chart_section(month_bands(self.view, self.ordered), self.labels),
                    self.sites_section(),
                    class_="figures",
                ),
                self.tables.all_links_section(self.ordered),
                self.footer(),
            ]
        )

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

    def summary(self) -> Markup:
        captured = sum(report.archive is not None for report in self.dead)
        issues = len({mention.occurrence.issue for mention in self.ordered})
        diff = self.view.diff
        cards = [
            self.card(
                "dead",
                self.labels["dead_links"],
                len(self.dead),
                self.labels.fill("dead_split", captured=captured, uncaptured=len(self.dead) - captured),
            ),
            self.card("new", self.labels["newly_dead"], len(diff.newly_dead)),
            self.card("fixed", self.labels["fixed"], len(diff.fixed)),
            self.card("still", self.labels["still_dead"], len(diff.still_dead)),
            self.card(
                "links",
                self.labels["links"],
                len(self.view.reports),
                self.labels.fill("links_in_issues", issues=issues),
            ),
        ]
        return tag(
            "section",
            tag("ul", cards, class_="cards"),
            self.verdict_counts(),
            self.run_counts(),
            class_="summary",
            aria_label=self.labels["summary"],
        )

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
            for verdict, count in count_by_verdict(self.view.reports).items()
            if count
        ]
        return self.facts(self.labels["verdicts"], chips)

    def run_counts(self) -> Markup | None:
        if not self.view.run_counts:
            return None
        facts = [
            tag(
                "li",
                self.labels.fill_markup(
                    self.labels.get(f"run.{name}", f"{{count}} {name}"), count=tag("strong", f"{count:,}")
                ),
            )
            for name, count in self.view.run_counts.items()
        ]
        return self.facts(self.labels["this_run"], facts)

    def facts(self, name: str, items: list[Markup]) -> Markup:
        return tag("div", tag("span", name, class_="facts-name"), tag("ul", items), class_="facts")

    def changes(self) -> Markup:
        diff = self.view.diff
        lists = [
            self.change_list("new", self.labels["newly_dead"], diff.newly_dead, opened=True),
            self.change_list("fixed", self.labels["fixed"], diff.fixed, opened=True),
            self.change_list("still", self.labels["still_dead"], diff.still_dead, opened=False),
        ]
        shown = [item for item in lists if item is not None]
        content = shown or [tag("p", self.labels["no_change"], class_="quiet")]
        return tag(
            "section",
            tag("h2", self.labels["since_last_run"], id="changes-heading"),
            tag("div", content, class_="changes"),
            class_="changes-section",
            aria_labelledby="changes-heading",
        )

    def change_list(self, kind: str, name: str, urls: Sequence[str], *, opened: bool) -> Markup | None:
        if not urls:
            return None
        items = [self.change_item(url, self.by_url.get(url)) for url in sorted(urls)]
        return tag(
            "details",
            tag("summary", name, " ", tag("span", len(urls), class_="tally")),
            tag("ul", items),
            class_=f"change change-{kind}",
            open=opened,
        )

    def change_item(self, url: str, report: LinkReport | None) -> Markup:
        """The URL, then where it is cited and why it fails (when still cited)."""
        if report is None:
            return tag("li", link(url, url))
        issues = sorted({occurrence.issue for occurrence in report.occurrences})
        where = ", ".join(self.view.issue_title(issue) for issue in issues)
        return tag(
            "li",
            link(url, url),
            tag("span", where, class_="where"),
            tag("span", self.tables.reason(report), class_="why") if self.view.is_dead(report) else None,
        )

    # --- filters ---------------------------------------------------------

    def filters(self) -> Markup:
        verdicts = [verdict for verdict, count in count_by_verdict(self.view.reports).items() if count]
        issues = list(by_issue(self.ordered))
        sites = sorted({site for report in self.view.reports if (site := shown_site(report.url))})
        return tag(
            "form",
            tag("h2", self.labels["filters"], class_="visually-hidden"),
            self.select(
                "verdict",
                self.labels["all_verdicts"],
                [(verdict.value, self.labels[f"verdict.{verdict}"]) for verdict in verdicts],
            ),
            self.select("issue", self.labels["all_issues"], [(issue, self.issue_option(issue)) for issue in issues]),
            self.select("site", self.labels["all_sites"], [(site, site) for site in sites]),
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
        worst = Counter(shown_site(report.url) for report in self.dead).most_common(_WORST_SITES)
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
        return tag(
            "footer",
            tag("dl", terms, class_="glossary"),
            tag("p", self.labels.fill("footer", version=__version__)),
        )

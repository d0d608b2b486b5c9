"""index.html: the page editors read in the morning, after the nightly crawl.

`render(view, lang=...)` turns one crawl (`CrawlView`) into one
self-contained HTML file: what changed since the last run first, then the
dead links grouped by issue (newest issue first), a chart of link rot by
publication month, the sites with the most dead links, and every link in a
collapsed table. Filters (verdict, issue, site, free text) and sortable
columns are a few lines of vanilla JavaScript over rows rendered here.

Decisions:
- Self-contained: CSS, JavaScript and the SVG chart are inline and nothing is
  fetched, so the file can be mailed, attached to a CI run or opened from
  disk. A Content-Security-Policy enforces it in the browser (`default-src
  'none'`), and lets only the page's own script run (by its hash), so even
  an escaping mistake could not run a script from the web.
- Escaped by construction: markup is built with `_tag`, which escapes every
  plain `str` child and attribute value (`html.escape`, quote=True, after
  control characters become spaces). Only `Markup` passes as is.
  URLs become links only when http(s); `javascript:` and the like are shown
  as text. The script receives data only through a JSON block (`<` escaped)
  and `data-` attributes, never through interpolated script text.
- Dead, as DESIGN.md counts it in the crawl: broken now, or the history's
  N-of-D flag (unreachable long enough). A dead link's "since" is when it
  started failing.
- The chart counts each URL once per publication month it appears in, in
  one of five bands; dead links sit at the bottom so their share is read off
  a common baseline month to month.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from functools import cache
from importlib.resources import files
from string import Template

from crawler import __version__
from crawler.check.urls import host_of, is_http_url, site_key
from crawler.models import LinkKind, LinkReport, Verdict
from crawler.nightly.view import CrawlView
from crawler.report.summary import Mention, by_issue, count_by_verdict, without_controls

__all__ = ["LABELS", "Band", "render"]


class Band(StrEnum):
    """The chart's stacks, bottom to top: what became of a month's links."""

    DEAD_UNCAPTURED = "dead-uncaptured"
    DEAD_CAPTURED = "dead-captured"
    OTHER = "other"  # blocked, unreachable but not yet dead, skipped
    REDIRECTED = "redirected"
    OK = "ok"


# Every string of the page, per language; `{name}` fields are filled by str.format.
LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "page_title": "Link report",
        "generated": "Generated {time}",
        "summary": "Summary",
        "dead_links": "Dead links",
        "dead_split": "{captured} with an archive capture · {uncaptured} without",
        "newly_dead": "Newly dead",
        "fixed": "Fixed",
        "still_dead": "Still dead",
        "links": "Links checked",
        "links_in_issues": "in {issues} issues",
        "verdicts": "Verdicts",
        "this_run": "This run",
        "run.issues": "{count} issues",
        "run.checked": "{count} checked",
        "run.reused": "{count} reused from earlier runs",
        "run.archive_lookups": "{count} archive lookups",
        "since_last_run": "Since the last run",
        "no_change": "No change since the last run.",
        "dead_by_issue": "Dead links by issue",
        "no_dead": "No dead links. Every link works, or only needs a look.",
        "no_match": "No links match the filters.",
        "published": "Published {date}",
        "undated": "Publication date unknown",
        "issue_dead": "{count} dead",
        "col.issue": "Issue",
        "col.line": "Line",
        "col.text": "Link text",
        "col.url": "URL",
        "col.verdict": "Verdict",
        "col.reason": "Reason",
        "col.since": "Failing since",
        "col.capture": "Archive capture",
        "col.site": "Site",
        "col.dead": "Dead links",
        "col.month": "Month",
        "col.total": "Links",
        "no_capture": "no capture",
        "new": "new",
        "image": "image",
        "moved_to": "now at",
        "filters": "Filters",
        "all_verdicts": "All verdicts",
        "all_issues": "All issues",
        "all_sites": "All sites",
        "search": "Search",
        "search_placeholder": "text, URL, reason…",
        "reset": "Reset",
        "shown": "{shown} of {total} shown",
        "all_links": "All links",
        "chart_title": "Link rot by publication month",
        "chart_desc": "Share of each month's links that work, redirect, are dead with or without an archive capture.",
        "chart_data": "Chart data",
        "chart_bar": "{month}: {total} links",
        "undated_month": "undated",
        "band.dead-uncaptured": "dead, no capture",
        "band.dead-captured": "dead, capture found",
        "band.other": "blocked, unreachable or skipped",
        "band.redirected": "redirected",
        "band.ok": "ok",
        "worst_sites": "Sites with the most dead links",
        "no_sites": "No site has a dead link.",
        "verdict.ok": "ok",
        "verdict.redirected": "redirected",
        "verdict.broken": "broken",
        "verdict.blocked": "blocked",
        "verdict.unreachable": "unreachable",
        "verdict.skipped": "skipped",
        "help.ok": "answered 2xx.",
        "help.redirected": "works through a permanent redirect; update the link to where it now points.",
        "help.broken": "gone (404/410, missing domain, soft-404, parked domain...); use the archive capture.",
        "help.blocked": "refuses automated checks; check it in a browser.",
        "help.unreachable": "timeouts or server errors; dead only after failing on several nights.",
        "help.skipped": "not checked: excluded, or not an http(s) link.",
        "footer": "Made by rotwatch {version}. A link is dead when it is broken, or unreachable night after night.",
    },
    "zh": {
        "page_title": "链接检查报告",
        "generated": "生成于 {time}",
        "summary": "概要",
        "dead_links": "死链",
        "dead_split": "{captured} 条有存档快照 · {uncaptured} 条没有",
        "newly_dead": "新增死链",
        "fixed": "已恢复",
        "still_dead": "仍然失效",
        "links": "已检查链接",
        "links_in_issues": "分布在 {issues} 期中",
        "verdicts": "检查结果",
        "this_run": "本次运行",
        "run.issues": "{count} 期",
        "run.checked": "检查 {count} 条",
        "run.reused": "沿用之前结果 {count} 条",
        "run.archive_lookups": "存档查询 {count} 次",
        "since_last_run": "与上次运行相比",
        "no_change": "与上次运行相比没有变化。",
        "dead_by_issue": "按期列出的死链",
        "no_dead": "没有死链。所有链接都可用，或只需人工看一下。",
        "no_match": "没有符合筛选条件的链接。",
        "published": "发布于 {date}",
        "undated": "发布日期未知",
        "issue_dead": "{count} 条死链",
        "col.issue": "期",
        "col.line": "行",
        "col.text": "链接文字",
        "col.url": "网址",
        "col.verdict": "结果",
        "col.reason": "原因",
        "col.since": "失效起始",
        "col.capture": "存档快照",
        "col.site": "网站",
        "col.dead": "死链数",
        "col.month": "月份",
        "col.total": "链接数",
        "no_capture": "无快照",
        "new": "新",
        "image": "图片",
        "moved_to": "现位于",
        "filters": "筛选",
        "all_verdicts": "全部结果",
        "all_issues": "全部期数",
        "all_sites": "全部网站",
        "search": "搜索",
        "search_placeholder": "文字、网址、原因…",
        "reset": "重置",
        "shown": "显示 {shown} / {total}",
        "all_links": "全部链接",
        "chart_title": "按发布月份统计的链接失效情况",
        "chart_desc": "每月发布的链接中：可用、已重定向、失效但有存档快照、失效且无快照的比例。",
        "chart_data": "图表数据",
        "chart_bar": "{month}：{total} 条链接",
        "undated_month": "日期未知",
        "band.dead-uncaptured": "失效，无快照",
        "band.dead-captured": "失效，有快照",
        "band.other": "被拦截、无法访问或已跳过",
        "band.redirected": "已重定向",
        "band.ok": "正常",
        "worst_sites": "死链最多的网站",
        "no_sites": "没有网站出现死链。",
        "verdict.ok": "正常",
        "verdict.redirected": "已重定向",
        "verdict.broken": "失效",
        "verdict.blocked": "被拦截",
        "verdict.unreachable": "无法访问",
        "verdict.skipped": "已跳过",
        "help.ok": "返回 2xx。",
        "help.redirected": "经永久重定向后可用；请把链接改成新的地址。",
        "help.broken": "已消失（404/410、域名不存在、软 404、停放域名等）；请使用存档快照。",
        "help.blocked": "拒绝自动检查；请在浏览器中人工确认。",
        "help.unreachable": "超时或服务器错误；连续多晚失败后才算死链。",
        "help.skipped": "未检查：被排除，或不是 http(s) 链接。",
        "footer": "由 rotwatch {version} 生成。链接失效，或连续多晚无法访问，即算作死链。",
    },
}

# The `lang` option -> the page's `lang` attribute, which also picks CJK glyphs.
_HTML_LANG = {"en": "en", "zh": "zh-Hans"}

# The chart's drawing area, in SVG user units (the SVG scales to the page).
_CHART_WIDTH, _CHART_HEIGHT = 720, 240
_CHART_LEFT, _CHART_BOTTOM, _CHART_TOP = 44, 28, 8
_MAX_MONTH_LABELS = 12
_WORST_SITES = 10

_TEMPLATE = Template(files("crawler.report").joinpath("html_template.html").read_text(encoding="utf-8"))
# The template's one executable script, allowed by hash in the page's CSP.
_SCRIPT = re.search(r"<script>(.*?)</script>", _TEMPLATE.template, re.S)
assert _SCRIPT, "html_template.html has an inline <script>"
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.group(1).encode()).digest()).decode()
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)


def render(view: CrawlView, *, lang: str = "en") -> str:
    """index.html as text, its interface in `lang` ("en" or "zh").

    Raises ValueError naming the languages when `lang` is not one of them.
    """
    if lang not in LABELS:
        raise ValueError(f"unknown report language {lang!r}; choose from {', '.join(LABELS)}")
    page = _Page(view, LABELS[lang])
    return _TEMPLATE.substitute(
        lang=_HTML_LANG[lang],
        csp=html.escape(_CSP),
        title=html.escape(page.labels["page_title"]),
        body=page.body(),
        script_data=_json_for_script({"shown": page.labels["shown"]}),
    )


class Markup(str):
    """HTML that is safe as it stands; `_tag` escapes every other `str`."""


Child = Markup | str | int | None | Iterable["Child"]


def _tag(name: str, *children: Child, **attributes: object) -> Markup:
    """`<name ...>children</name>` with children and attribute values escaped.

    Attribute names are the keywords with `_` read as `-` and a trailing `_`
    dropped (`class_`, `data_verdict`); None and False leave an attribute
    out, True writes it bare.
    """
    return Markup(f"<{name}{_attributes(attributes)}>{_children(children)}</{name}>")


def _void(name: str, **attributes: object) -> Markup:
    """An element without content: `<input .../>`, or an SVG `<rect .../>`,
    which needs the `/>` (inside SVG, HTML parsers would nest what follows)."""
    return Markup(f"<{name}{_attributes(attributes)}/>")


def _escape(text: str) -> str:
    """Text or attribute value made inert; control characters, which HTML
    forbids and a page title may hold, become spaces."""
    return html.escape(without_controls(text), quote=True)


def _attributes(attributes: Mapping[str, object]) -> str:
    parts = []
    for key, value in attributes.items():
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            parts.append(f" {name}")
        elif value is not None and value is not False:
            parts.append(f' {name}="{_escape(str(value))}"')
    return "".join(parts)


def _children(children: Iterable[Child]) -> str:
    return "".join(_child(child) for child in children)


def _child(child: Child) -> str:
    if child is None:
        return ""
    if isinstance(child, Markup):
        return child
    if isinstance(child, str):
        return _escape(child)
    if isinstance(child, int):
        return str(child)
    return _children(child)


def _json_for_script(data: object) -> str:
    """JSON that cannot end its `<script>` block: `<`, `>`, `&` as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _link(url: str | None, text: Child) -> Markup:
    """A link to `url` when it is http(s); otherwise the text alone, so a
    `javascript:` or `data:` URL from an issue can never be clicked."""
    if url is None or not is_http_url(url):
        return _tag("span", text)
    return _tag("a", text, href=url, rel="noopener noreferrer", target="_blank")


@cache
def _site_of(url: str) -> str:
    """The registered domain a URL belongs to ('' for mailto:, relative or
    malformed URLs, which belong to no site)."""
    if not is_http_url(url):
        return ""
    try:
        return site_key(host_of(url))
    except ValueError:
        return ""


def _day(moment: date | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def _month_key(published: date | None) -> str:
    return published.strftime("%Y-%m") if published else ""


class _Page:
    """The page's sections for one view in one language."""

    def __init__(self, view: CrawlView, labels: Mapping[str, str]) -> None:
        self.view = view
        self.labels = labels
        self.dead = view.dead_reports()
        self.newly_dead = frozenset(view.diff.newly_dead)
        self.ordered = view.mentions()
        self.dead_mentions = [mention for mention in self.ordered if view.is_dead(mention.report)]
        self.by_url = {report.url: report for report in view.reports}

    def label(self, key: str, **fields: object) -> str:
        return self.labels[key].format(**fields)

    def label_with(self, template: str, **fields: Markup) -> Markup:
        """A label whose `{fields}` are markup (a `<time>`, a bold number)."""
        text = _escape(template)
        for name, value in fields.items():
            text = text.replace(f"{{{name}}}", value)
        return Markup(text)

    def body(self) -> Markup:
        return Markup(
            _children(
                [
                    self.masthead(),
                    self.summary(),
                    self.changes(),
                    self.filters(),
                    self.dead_section(),
                    _tag("div", self.chart_section(), self.sites_section(), class_="figures"),
                    self.all_links_section(),
                    self.footer(),
                ]
            )
        )

    # --- top of the page -------------------------------------------------

    def masthead(self) -> Markup:
        moment = self.view.generated_at
        shown = f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip()
        generated = self.label_with(self.labels["generated"], time=_tag("time", shown, datetime=moment.isoformat()))
        return _tag(
            "header",
            _tag("p", "rotwatch", class_="eyebrow"),
            _tag("h1", self.labels["page_title"]),
            _tag("p", generated, class_="meta"),
            class_="masthead",
        )

    def summary(self) -> Markup:
        captured = sum(report.archive is not None for report in self.dead)
        issues = len({mention.occurrence.issue for mention in self.ordered})
        cards = [
            self.card(
                "dead",
                self.labels["dead_links"],
                len(self.dead),
                self.label("dead_split", captured=captured, uncaptured=len(self.dead) - captured),
            ),
            self.card("new", self.labels["newly_dead"], len(self.view.diff.newly_dead)),
            self.card("fixed", self.labels["fixed"], len(self.view.diff.fixed)),
            self.card("still", self.labels["still_dead"], len(self.view.diff.still_dead)),
            self.card(
                "links", self.labels["links"], len(self.view.reports), self.label("links_in_issues", issues=issues)
            ),
        ]
        return _tag(
            "section",
            _tag("ul", cards, class_="cards"),
            self.verdict_counts(),
            self.run_counts(),
            class_="summary",
            aria_label=self.labels["summary"],
        )

    def card(self, kind: str, name: str, count: int, detail: str | None = None) -> Markup:
        return _tag(
            "li",
            _tag("span", f"{count:,}", class_="count"),
            " ",
            _tag("span", name, class_="name"),
            (" ", _tag("span", detail, class_="detail")) if detail else None,
            class_=f"card card-{kind}",
        )

    def verdict_counts(self) -> Markup:
        chips = [
            _tag("li", self.verdict_badge(verdict), " ", _tag("span", f"{count:,}", class_="chip-count"))
            for verdict, count in count_by_verdict(self.view.reports).items()
            if count
        ]
        return _tag(
            "div", _tag("span", self.labels["verdicts"], class_="facts-name"), _tag("ul", chips), class_="facts"
        )

    def run_counts(self) -> Markup | None:
        if not self.view.run_counts:
            return None
        facts = [
            _tag(
                "li",
                self.label_with(
                    self.labels.get(f"run.{name}", f"{{count}} {name}"), count=_tag("strong", f"{count:,}")
                ),
            )
            for name, count in self.view.run_counts.items()
        ]
        return _tag(
            "div", _tag("span", self.labels["this_run"], class_="facts-name"), _tag("ul", facts), class_="facts"
        )

    def changes(self) -> Markup:
        diff = self.view.diff
        lists = [
            self.change_list("new", self.labels["newly_dead"], diff.newly_dead, opened=True),
            self.change_list("fixed", self.labels["fixed"], diff.fixed, opened=True),
            self.change_list("still", self.labels["still_dead"], diff.still_dead, opened=False),
        ]
        shown = [item for item in lists if item is not None]
        content = shown or [_tag("p", self.labels["no_change"], class_="quiet")]
        return _tag(
            "section",
            _tag("h2", self.labels["since_last_run"], id="changes-heading"),
            _tag("div", content, class_="changes"),
            class_="changes-section",
            aria_labelledby="changes-heading",
        )

    def change_list(self, kind: str, name: str, urls: Sequence[str], *, opened: bool) -> Markup | None:
        if not urls:
            return None
        items = [self.change_item(url, self.by_url.get(url)) for url in sorted(urls)]
        return _tag(
            "details",
            _tag("summary", name, " ", _tag("span", len(urls), class_="tally")),
            _tag("ul", items),
            class_=f"change change-{kind}",
            open=opened,
        )

    def change_item(self, url: str, report: LinkReport | None) -> Markup:
        """The URL, then where it is cited and why it fails (when still cited)."""
        if report is None:
            return _tag("li", _link(url, url))
        issues = sorted({occurrence.issue for occurrence in report.occurrences})
        where = ", ".join(self.view.issue_title(issue) for issue in issues)
        return _tag(
            "li",
            _link(url, url),
            _tag("span", where, class_="where"),
            _tag("span", report.assessment.reason, class_="why") if self.view.is_dead(report) else None,
        )

    # --- filters and tables ------------------------------------------------

    def filters(self) -> Markup:
        verdicts = [verdict for verdict, count in count_by_verdict(self.view.reports).items() if count]
        issues = list(by_issue(self.ordered))
        sites = sorted({site for report in self.view.reports if (site := _site_of(report.url))})
        return _tag(
            "form",
            _tag("h2", self.labels["filters"], class_="visually-hidden"),
            self.select(
                "verdict",
                self.labels["all_verdicts"],
                [(verdict.value, self.labels[f"verdict.{verdict}"]) for verdict in verdicts],
            ),
            self.select("issue", self.labels["all_issues"], [(issue, self.issue_option(issue)) for issue in issues]),
            self.select("site", self.labels["all_sites"], [(site, site) for site in sites]),
            _tag(
                "label",
                _tag("span", self.labels["search"], class_="visually-hidden"),
                _void(
                    "input",
                    type="search",
                    id="filter-search",
                    placeholder=self.labels["search_placeholder"],
                    autocomplete="off",
                ),
                class_="search",
            ),
            _tag("button", self.labels["reset"], type="reset", class_="reset"),
            class_="filters",
            id="filters",
            role="search",
            aria_label=self.labels["filters"],
        )

    def select(self, name: str, everything: str, options: list[tuple[str, str]]) -> Markup:
        choices = [_tag("option", everything, value="")] + [
            _tag("option", text, value=value) for value, text in options
        ]
        return _tag(
            "label",
            _tag("span", everything, class_="visually-hidden"),
            _tag("select", choices, id=f"filter-{name}", data_filter=name),
        )

    def issue_option(self, issue: str) -> str:
        published = self.view.issue_date(issue)
        title = self.view.issue_title(issue)
        return f"{_day(published)} · {title}" if published else title

    def dead_section(self) -> Markup:
        groups = by_issue(self.dead_mentions)
        content = [self.issue_block(issue, group) for issue, group in groups.items()]
        return _tag(
            "section",
            _tag(
                "div",
                _tag("h2", self.labels["dead_by_issue"], id="dead-heading"),
                _tag("output", class_="shown", data_counts="dead", aria_live="polite"),
                class_="section-head",
            ),
            content or _tag("p", self.labels["no_dead"], class_="quiet"),
            _tag("p", self.labels["no_match"], class_="quiet no-match", hidden=True),
            id="dead",
            aria_labelledby="dead-heading",
        )

    def issue_block(self, issue: str, group: list[Mention]) -> Markup:
        published = self.view.issue_date(issue)
        title = self.view.issue_title(issue)
        meta = [
            _tag("code", issue) if title != issue else None,
            _tag("span", self.label("published", date=_day(published)) if published else self.labels["undated"]),
            _tag("span", self.label("issue_dead", count=len(group)), class_="issue-tally"),
        ]
        columns = ["col.line", "col.text", "col.url", "col.verdict", "col.reason", "col.since", "col.capture"]
        rows = [self.dead_row(mention) for mention in group]
        return _tag(
            "article",
            _tag("h3", title),
            _tag("p", meta, class_="issue-meta"),
            self.table(columns, rows, class_="links dead-links"),
            class_="issue",
            data_issue_block=True,
        )

    def table(self, columns: list[str], rows: list[Markup], *, class_: str) -> Markup:
        headers = [
            _tag(
                "th",
                _tag("button", self.labels[column], type="button", class_="sort"),
                scope="col",
                class_=column.replace(".", "-"),
            )
            for column in columns
        ]
        return _tag(
            "div",
            _tag("table", _tag("thead", _tag("tr", headers)), _tag("tbody", rows), class_=class_),
            class_="table-wrap",
        )

    def row(self, mention: Mention, cells: list[Markup]) -> Markup:
        report, occurrence = mention
        return _tag(
            "tr",
            cells,
            class_="is-new" if report.url in self.newly_dead else None,
            data_verdict=report.assessment.verdict.value,
            data_issue=occurrence.issue,
            data_site=_site_of(report.url),
        )

    def cell(self, column: str, *content: Child, sort: str | int | None = None) -> Markup:
        """A cell labelled with its column, which narrow screens show inline."""
        return _tag("td", content, class_=column.replace(".", "-"), data_label=self.labels[column], data_sort=sort)

    def dead_row(self, mention: Mention) -> Markup:
        report, occurrence = mention
        since = self.view.since(report.url)
        return self.row(
            mention,
            [
                self.cell("col.line", occurrence.line, sort=occurrence.line),
                self.cell("col.text", self.link_text(mention)),
                self.cell("col.url", self.url_content(report)),
                self.cell("col.verdict", self.verdict_badge(report.assessment.verdict), self.new_badge(report)),
                self.cell("col.reason", report.assessment.reason),
                self.cell("col.since", _day(since) or "—", sort=since.isoformat() if since else ""),
                self.capture_cell(report),
            ],
        )

    def link_text(self, mention: Mention) -> Markup:
        occurrence = mention.occurrence
        badge = _tag("span", self.labels["image"], class_="kind") if occurrence.kind is LinkKind.IMAGE else None
        return Markup(_children([badge, " " if badge else None, occurrence.text or "—"]))

    def url_content(self, report: LinkReport) -> Markup:
        """The URL, and where a permanent redirect now leads (the fix)."""
        final = report.result.final_url
        moved = report.assessment.verdict is Verdict.REDIRECTED and final and final != report.url
        return Markup(
            _children(
                [
                    _link(report.url, report.url),
                    _tag("span", self.labels["moved_to"], " ", _link(final, final), class_="moved") if moved else None,
                ]
            )
        )

    def verdict_badge(self, verdict: Verdict) -> Markup:
        return _tag("span", self.labels[f"verdict.{verdict}"], class_=f"verdict verdict-{verdict}")

    def new_badge(self, report: LinkReport) -> Markup | None:
        if report.url not in self.newly_dead:
            return None
        return Markup(" " + _tag("span", self.labels["new"], class_="new"))

    def capture_cell(self, report: LinkReport) -> Markup:
        """The capture's date, linked to its playback; "no capture" for a dead
        link the archive has nothing for; empty for links that are not dead."""
        if report.archive is not None:
            capture = report.archive
            return self.cell("col.capture", _link(report.archive_url, capture.captured_on), sort=capture.timestamp)
        if self.view.is_dead(report):
            return self.cell("col.capture", _tag("span", self.labels["no_capture"], class_="no-capture"), sort="")
        return self.cell("col.capture", sort="")

    def all_links_section(self) -> Markup:
        columns = ["col.issue", "col.line", "col.text", "col.url", "col.verdict", "col.reason", "col.capture"]
        rows = [self.all_row(mention) for mention in self.ordered]
        return _tag(
            "details",
            _tag(
                "summary",
                _tag("h2", self.labels["all_links"], " ", _tag("span", len(rows), class_="tally")),
                _tag("output", class_="shown", data_counts="all-links", aria_live="polite"),
            ),
            self.table(columns, rows, class_="links all-links"),
            id="all-links",
            class_="all-links-section",
        )

    def all_row(self, mention: Mention) -> Markup:
        report, occurrence = mention
        published = self.view.issue_date(occurrence.issue)
        return self.row(
            mention,
            [
                self.cell(
                    "col.issue",
                    self.view.issue_title(occurrence.issue),
                    sort=f"{_day(published) or '0000'} {occurrence.issue}",
                ),
                self.cell("col.line", occurrence.line, sort=occurrence.line),
                self.cell("col.text", self.link_text(mention)),
                self.cell("col.url", self.url_content(report)),
                self.cell("col.verdict", self.verdict_badge(report.assessment.verdict)),
                self.cell("col.reason", report.assessment.reason),
                self.capture_cell(report),
            ],
        )

    # --- figures -----------------------------------------------------------

    def month_bands(self) -> dict[str, Counter[Band]]:
        """Per publication month (oldest first, undated last), how many of
        its links fall in each band; a URL counts once per month."""
        seen = {
            (_month_key(self.view.issue_date(mention.occurrence.issue)), mention.report.url): self.band(mention.report)
            for mention in self.ordered
        }
        months: defaultdict[str, Counter[Band]] = defaultdict(Counter)
        for (month, _), band in seen.items():
            months[month][band] += 1
        return {month: months[month] for month in sorted(months, key=lambda month: (month == "", month))}

    def band(self, report: LinkReport) -> Band:
        if self.view.is_dead(report):
            return Band.DEAD_CAPTURED if report.archive is not None else Band.DEAD_UNCAPTURED
        return {Verdict.OK: Band.OK, Verdict.REDIRECTED: Band.REDIRECTED}.get(report.assessment.verdict, Band.OTHER)

    def chart_section(self) -> Markup:
        chart = _MonthChart(self.month_bands(), self.labels)
        legend = [_tag("li", _tag("span", class_=f"swatch band-{band}"), self.labels[f"band.{band}"]) for band in Band]
        return _tag(
            "section",
            _tag("h2", self.labels["chart_title"], id="chart-heading"),
            _tag("p", self.labels["chart_desc"], class_="quiet", id="chart-desc"),
            _tag("ul", legend, class_="legend"),
            chart.svg(),
            chart.table(),
            class_="chart-section",
            aria_labelledby="chart-heading",
        )

    def sites_section(self) -> Markup:
        worst = Counter(_site_of(report.url) for report in self.dead).most_common(_WORST_SITES)
        most = worst[0][1] if worst else 1
        rows = [
            _tag(
                "li",
                _tag("button", site or "—", type="button", class_="site", data_site=site),
                _tag(
                    "span",
                    _tag("span", class_="meter-fill", style=f"width: {100 * count / most:.0f}%"),
                    class_="meter",
                    aria_hidden="true",
                ),
                _tag("span", count, class_="site-count"),
            )
            for site, count in worst
        ]
        return _tag(
            "section",
            _tag("h2", self.labels["worst_sites"], id="sites-heading"),
            _tag("ol", rows, class_="sites") if rows else _tag("p", self.labels["no_sites"], class_="quiet"),
            class_="sites-section",
            aria_labelledby="sites-heading",
        )

    def footer(self) -> Markup:
        terms = [
            (_tag("dt", self.verdict_badge(verdict)), _tag("dd", self.labels[f"help.{verdict}"])) for verdict in Verdict
        ]
        return _tag(
            "footer",
            _tag("dl", terms, class_="glossary"),
            _tag("p", self.label("footer", version=__version__)),
        )


class _MonthChart:
    """Link rot by publication month: one 100% stacked bar per month, dead
    at the bottom, as inline SVG; and the same numbers as a table."""

    def __init__(self, months: Mapping[str, Counter[Band]], labels: Mapping[str, str]) -> None:
        self.months = months
        self.labels = labels
        self.plot_height = _CHART_HEIGHT - _CHART_BOTTOM - _CHART_TOP
        self.slot = (_CHART_WIDTH - _CHART_LEFT) / max(len(months), 1)
        self.label_every = max(1, math.ceil(len(months) / _MAX_MONTH_LABELS))

    def month_name(self, month: str) -> str:
        return month or self.labels["undated_month"]

    def svg(self) -> Markup:
        bars = [self.bar(index, month, counts) for index, (month, counts) in enumerate(self.months.items())]
        return _tag(
            "svg",
            _tag("title", self.labels["chart_title"]),
            _tag("desc", self.labels["chart_desc"]),
            self.axis(),
            bars,
            viewBox=f"0 0 {_CHART_WIDTH} {_CHART_HEIGHT}",
            class_="chart",
            role="img",
            aria_labelledby="chart-heading chart-desc",
        )

    def axis(self) -> Markup:
        """Gridlines and labels at 0, 50 and 100 percent."""
        lines = []
        for share in (0, 50, 100):
            y = _CHART_TOP + self.plot_height * (1 - share / 100)
            lines.append(_void("line", x1=_CHART_LEFT, x2=_CHART_WIDTH, y1=f"{y:.1f}", y2=f"{y:.1f}", class_="grid"))
            lines.append(
                _tag("text", f"{share}%", x=_CHART_LEFT - 6, y=f"{y + 4:.1f}", class_="axis", text_anchor="end")
            )
        return _tag("g", lines, aria_hidden="true")

    def bar(self, index: int, month: str, counts: Counter[Band]) -> Markup:
        """One month's bar, its numbers as a tooltip; with so many months
        that labels would collide, only every n-th month is labelled."""
        x = _CHART_LEFT + index * self.slot
        label = None
        if index % self.label_every == 0:
            centre = f"{x + self.slot / 2:.1f}"
            label = _tag(
                "text", self.month_name(month), x=centre, y=_CHART_HEIGHT - 8, class_="axis", text_anchor="middle"
            )
        return _tag(
            "g",
            _tag("title", self.description(month, counts)),
            self.segments(x, counts),
            label,
            class_="bar",
            data_month=month or "undated",
        )

    def segments(self, x: float, counts: Counter[Band]) -> list[Markup]:
        """The bar's rectangles, stacked upwards in Band order."""
        total = sum(counts.values())
        width = min(self.slot * 0.72, 56)
        left = f"{x + (self.slot - width) / 2:.1f}"
        top = _CHART_TOP + self.plot_height
        rects = []
        for band in (band for band in Band if counts[band]):
            height = self.plot_height * counts[band] / total
            top -= height
            rects.append(
                _void(
                    "rect", x=left, y=f"{top:.1f}", width=f"{width:.1f}", height=f"{height:.1f}", class_=f"band-{band}"
                )
            )
        return rects

    def description(self, month: str, counts: Counter[Band]) -> str:
        total = sum(counts.values())
        parts = [
            f"{self.labels[f'band.{band}']} {counts[band]} ({counts[band] / total:.0%})"
            for band in Band
            if counts[band]
        ]
        heading = self.labels["chart_bar"].format(month=self.month_name(month), total=total)
        return f"{heading}: {', '.join(parts)}"

    def table(self) -> Markup:
        """The chart's numbers, for screen readers and exact figures."""
        columns = [self.labels["col.month"], self.labels["col.total"], *(self.labels[f"band.{band}"] for band in Band)]
        header = [_tag("th", column, scope="col") for column in columns]
        rows = [
            _tag(
                "tr",
                _tag("th", self.month_name(month), scope="row"),
                _tag("td", sum(counts.values())),
                [_tag("td", counts[band]) for band in Band],
            )
            for month, counts in self.months.items()
        ]
        return _tag(
            "details",
            _tag("summary", self.labels["chart_data"]),
            _tag(
                "div",
                _tag("table", _tag("thead", _tag("tr", header)), _tag("tbody", rows), class_="numbers"),
                class_="table-wrap",
            ),
            class_="chart-data",
        )

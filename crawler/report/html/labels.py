"""The words of index.html, per language, and how a label's fields are filled.

Every string the page shows is here, under one key in every language (a
test checks the key sets agree), so a translation is one table and no
string is written in the page code. `{name}` fields are filled by
`Labels.fill` (str.format, for plain text) or `Labels.fill_markup` (for a
field that is itself markup, such as a `<time>` or a bold number: the
label is escaped first and the markup put in its place).

A label that counts something has a form per plural category of its
language, after CLDR's plural rules
(https://cldr.unicode.org/index/cldr-spec/plural-rules, and the "Language
Plural Rules" chart): English has "one" (exactly 1: i = 1 and v = 0) and
"other" ("1 issue", "2 issues"); Chinese has only "other" and no plural
forms at all. LABELS holds the "other" form; SINGULAR the "one" forms of
the languages that have them; `Labels.form` picks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from crawler.report.html.markup import Markup, escape

__all__ = ["LABELS", "SINGULAR", "Labels"]

# Every string of the page, per language.
LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "page_title": "Link report",
        "generated": "Generated {time}",
        "summary": "Summary",
        "dead_links": "Dead links",
        "dead_split": "{captured} with an archive capture · {uncaptured} without",
        "dead_split_pending": "{captured} with an archive capture · {uncaptured} without · {pending} pending",
        "newly_dead": "Newly dead",
        "fixed": "Fixed",
        "still_dead": "Still dead",
        "drifted": "Drifted",
        "drifted_new": "{count} new since the last run",
        "newly_drifted": "Newly drifted",
        "drifted_heading": "Drifted links: now another page",
        "drifted_intro": "These links still work, but the page is no longer the one the issue cited. Compare then "
        "and now; if the page is gone for good, point the link at the capture or remove it.",
        "no_dead_drifted": "No dead links, but {count} links now show another page: see the drifted links below.",
        "drift.takeover": "taken over",
        "drift.parked": "parked domain",
        "drift.replaced": "page replaced",
        "col.drift": "What changed",
        "col.then": "Then (as cited)",
        "col.now": "Now",
        "then_capture": "capture of {date}",
        "then_first_check": "as rotwatch first saw it, {date}",
        "date_unknown": "date unknown",
        "no_title": "(no title)",
        "capture_in": "{archive}, {date}",
        "archive.wayback": "Wayback Machine",
        "archive.loc": "Library of Congress",
        "help.drifted": "still answers, but now shows another page than the one cited (domain taken over, parked, "
        "or the page replaced); compare with the capture.",
        "links": "Links checked",
        "links_in_issues": "in {issues} issues",
        "verdicts": "Verdicts",
        "this_run": "This run",
        "run.issues": "{count} issues",
        "run.checked": "{count} checked",
        "run.reused": "{count} reused from earlier runs",
        "run.archive_lookups": "{count} archive lookups",
        "run.archive_query_requests": "{count} archive queries",
        "run.archive_playback_requests": "{count} capture verifications",
        "run.archive_query_429s": "{count} archive queries refused (429)",
        "run.archive_playback_429s": "{count} verifications refused (429)",
        "run.archive_batch_fallback": "batch availability failed: the CDX index was used",
        "run.captures_pending": "{count} captures pending",
        "run.memento_lookups": "{count} lookups in further archives",
        "run.memento_requests": "{count} requests to {archive}",
        "run.memento_429s": "{count} requests refused by {archive} (429)",
        "run.drift_baselines": "{count} links compared with a capture for drift",
        "run.drift_baselines_pending": "{count} links not yet compared for drift (asked next run)",
        "not_checked": "Not checked",
        "not_checked_detail": "no answer recorded",
        "not_checked_warning": "{count} links were not checked: no answer is recorded for them (the crawl stopped "
        "before it reached them, or recorded nothing). This report cannot say whether they work.",
        "no_dead_unchecked": "No dead links among the links checked, but {count} links were not checked.",
        "more": "{count} more",
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
        "capture_pending": "capture pending",
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
        "all_links_at_scale": "{total} links are too many for one page: every link is in {csv}, beside this page. "
        "Listed here: the {count} failing links (broken, blocked, unreachable) that are not dead yet; "
        "the dead and drifted links are above.",
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
        "help.skipped": "not requested, on purpose: excluded, or not an http(s) link.",
        "footer": "Made by rotwatch {version}. A link is dead when it is broken, or unreachable night after night.",
    },
    "zh": {
        "page_title": "链接检查报告",
        "generated": "生成于 {time}",
        "summary": "概要",
        "dead_links": "死链",
        "dead_split": "{captured} 条有存档快照 · {uncaptured} 条没有",
        "dead_split_pending": "{captured} 条有存档快照 · {uncaptured} 条没有 · {pending} 条待查",
        "newly_dead": "新增死链",
        "fixed": "已恢复",
        "still_dead": "仍然失效",
        "drifted": "内容已变",
        "drifted_new": "其中 {count} 条为本次新增",
        "newly_drifted": "新增内容变化",
        "drifted_heading": "内容已变的链接：现在是另一个页面",
        "drifted_intro": "这些链接仍可访问，但页面已不是当期引用的那个。请对比当时与现在；"
        "如果原页面已不复存在，请把链接改为存档快照或删除。",
        "no_dead_drifted": "没有死链，但有 {count} 条链接现在是另一个页面：见下方内容已变的链接。",
        "drift.takeover": "域名被接管",
        "drift.parked": "域名停放",
        "drift.replaced": "页面被替换",
        "col.drift": "变化",
        "col.then": "当时（引用时）",
        "col.now": "现在",
        "then_capture": "{date} 的存档快照",
        "then_first_check": "rotwatch 首次检查时，{date}",
        "date_unknown": "日期未知",
        "no_title": "（无标题）",
        "capture_in": "{archive}，{date}",
        "archive.wayback": "Wayback Machine",
        "archive.loc": "美国国会图书馆",
        "help.drifted": "仍可访问，但现在是另一个页面（域名被接管、停放，或页面被替换）；请与存档快照对比。",
        "links": "已检查链接",
        "links_in_issues": "分布在 {issues} 期中",
        "verdicts": "检查结果",
        "this_run": "本次运行",
        "run.issues": "{count} 期",
        "run.checked": "检查 {count} 条",
        "run.reused": "沿用之前结果 {count} 条",
        "run.archive_lookups": "存档查询 {count} 次",
        "run.archive_query_requests": "存档索引请求 {count} 次",
        "run.archive_playback_requests": "快照校验 {count} 次",
        "run.archive_query_429s": "索引请求被限速 (429) {count} 次",
        "run.archive_playback_429s": "快照校验被限速 (429) {count} 次",
        "run.archive_batch_fallback": "批量可用性接口失败，已改用 CDX 索引",
        "run.captures_pending": "待查快照 {count} 个",
        "run.memento_lookups": "其他存档查询 {count} 次",
        "run.memento_requests": "{archive} 请求 {count} 次",
        "run.memento_429s": "{archive} 拒绝请求 {count} 次（429）",
        "run.drift_baselines": "与存档快照对比内容的链接 {count} 条",
        "run.drift_baselines_pending": "尚未对比内容的链接 {count} 条（下次运行再查）",
        "not_checked": "未检查",
        "not_checked_detail": "没有记录到检查结果",
        "not_checked_warning": "有 {count} 条链接未检查：没有记录到它们的检查结果（抓取在检查它们之前停止，"
        "或什么也没有记录）。本报告无法说明它们是否可用。",
        "no_dead_unchecked": "已检查的链接中没有死链，但有 {count} 条链接未检查。",
        "more": "其余 {count} 条",
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
        "capture_pending": "快照待查",
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
        "all_links_at_scale": "共 {total} 条链接，一页放不下：全部链接见本页旁边的 {csv}。"
        "这里列出其中 {count} 条失败但尚未判定为死链的链接（失效、被拦截、无法访问）；死链和内容已变的链接见上文。",
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
        "help.skipped": "有意未请求：被排除，或不是 http(s) 链接。",
        "footer": "由 rotwatch {version} 生成。链接失效，或连续多晚无法访问，即算作死链。",
    },
}

# The "one" form of every label that counts something, in the languages that
# have one (CLDR: English "one" is exactly 1; Chinese has none).
SINGULAR: Mapping[str, Mapping[str, str]] = {
    "en": {
        "dead_links": "Dead link",
        "links": "Link checked",
        "links_in_issues": "in {issues} issue",
        "run.issues": "{count} issue",
        "run.archive_lookups": "{count} archive lookup",
        "run.memento_lookups": "{count} lookup in further archives",
        "run.memento_requests": "{count} request to {archive}",
        "run.memento_429s": "{count} request refused by {archive} (429)",
        "run.drift_baselines": "{count} link compared with a capture for drift",
        "run.drift_baselines_pending": "{count} link not yet compared for drift (asked next run)",
        "not_checked_warning": "{count} link was not checked: no answer is recorded for it (the crawl stopped "
        "before it reached it, or recorded nothing). This report cannot say whether it works.",
        "no_dead_unchecked": "No dead links among the links checked, but {count} link was not checked.",
        "no_dead_drifted": "No dead links, but {count} link now shows another page: see the drifted link below.",
        "chart_bar": "{month}: {total} link",
        "all_links_at_scale": "{total} links are too many for one page: every link is in {csv}, beside this page. "
        "Listed here: the {count} failing link (broken, blocked, unreachable) that is not dead yet; "
        "the dead and drifted links are above.",
    },
    "zh": {},
}

# The `lang` option -> the page's `lang` attribute, which also picks CJK glyphs.
_HTML_LANG = {"en": "en", "zh": "zh-Hans"}


class Labels(Mapping[str, str]):
    """One language's labels: `labels[key]` as written, `fill` and
    `fill_markup` with their fields filled."""

    def __init__(self, lang: str) -> None:
        """Raises ValueError naming the languages when `lang` is not one of them."""
        if lang not in LABELS:
            raise ValueError(f"unknown report language {lang!r}; choose from {', '.join(LABELS)}")
        self.lang = lang
        self.strings = LABELS[lang]
        self.singular = SINGULAR[lang]
        self.html_lang = _HTML_LANG[lang]

    def __getitem__(self, key: str) -> str:
        return self.strings[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.strings)

    def __len__(self) -> int:
        return len(self.strings)

    def form(self, key: str, count: int) -> str:
        """The label `key` in the form its language uses for `count` things."""
        if count == 1 and key in self.singular:
            return self.singular[key]
        return self.strings[key]

    def fill(self, key: str, /, *, count: int | None = None, **fields: object) -> str:
        """The label `key` with its `{fields}` filled, as plain text; `count`,
        when given, picks the plural form and fills `{count}`."""
        template = self.strings[key] if count is None else self.form(key, count)
        return template.format(count=count, **fields)

    def fill_markup(self, template: str, **fields: Markup) -> Markup:
        """A label whose `{fields}` are markup (a `<time>`, a bold number):
        the label's own text is escaped, the fields are put in as they are."""
        text = escape(template)
        for name, value in fields.items():
            text = text.replace(f"{{{name}}}", value)
        return Markup(text)

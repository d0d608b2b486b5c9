"""Every reason an editor reads, in English and Chinese: one catalogue.

A reason is the one line that says why a link got its verdict ("404 Not
Found", "soft 404: title says “页面不存在”"). Each has a stable key in
`CATALOGUE` with an English and a Chinese `str.format` template, and both
templates of a key name the same fields (a test checks it). `classify`
builds its reasons only here (`assessment`, `from_rule`), so the Chinese
report can never miss one, and a new reason is one line in one place.

Decisions:
- `Assessment.reason` stays the English text, exactly as before. JSON, CSV,
  Markdown, the terminal table and the CI formats (GitHub annotations,
  JUnit, SARIF) show only it: machines and CI logs read a stable language,
  so a script that greps a reason or diffs two runs' reports does not break
  when an editor switches the HTML report to Chinese. The state database
  stores only it too (no new column, so databases stay as they were).
- `Assessment.translations` carries the reason in the other languages,
  rendered when the reason is made. Rendering then needs nothing but the
  assessment: a site rule's own Chinese (`reason_zh` in
  `site_rules.toml`, or in a user's rule file) travels with it, and so does
  a reason nested in another (`as_dead`'s "unreachable in 3 crawls since …:
  timed out").
- An assessment read back from the state database has only the English
  text. `reason_in` then recognises it: each English template is turned
  into a pattern whose groups are the fields (`recognise`), and a shipped
  site rule's reason is looked up by its exact text; a recognised reason is
  rendered in the other language, anything else (a user's rule without
  `reason_zh`, a reason from an older version) is shown as stored. The
  patterns are derived from the templates, so the catalogue stays the one
  place a reason is written. Storing the key and fields instead would have
  meant a schema change and left every existing database English.
- Field values are kept as they are in every language (numbers, dates,
  URLs, page titles, service names), except an HTTP status phrase and a
  few service names with a Chinese name (`_WORDS`), and the nested reason
  fields `reason` and `evidence`, which are reasons themselves.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from string import Formatter
from typing import NamedTuple, TypeAlias

from crawler.check.site_rules import SiteRule, shipped_rules
from crawler.models import Assessment, Verdict

__all__ = [
    "CATALOGUE",
    "LANGUAGES",
    "Reason",
    "Template",
    "assessment",
    "fields_of",
    "from_rule",
    "reason_in",
    "recognise",
    "translate",
]

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")  # English first: `Assessment.reason` is in it


class Template(NamedTuple):
    """One reason's text in each language, with `{field}`s to fill."""

    en: str
    zh: str

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


CATALOGUE: Mapping[str, Template] = {
    # the request got no answer
    "nxdomain": Template("name does not resolve (NXDOMAIN)", "域名无法解析（NXDOMAIN）"),
    "dns_failure": Template("name lookup failed", "域名查询失败"),
    "connection_refused": Template("connection refused", "连接被拒绝"),
    "connection_reset": Template("connection reset", "连接被重置"),
    "timeout": Template("timed out", "请求超时"),
    "tls": Template("TLS handshake failed", "TLS 握手失败"),
    "tls_wrong_host": Template("TLS certificate is for another host", "TLS 证书属于另一个主机"),
    "redirect_loop": Template("redirect loop", "重定向循环"),
    "too_many_redirects": Template("too many redirects", "重定向次数过多"),
    "address_refused": Template("private address not checked", "私有地址，未检查"),
    "excluded": Template("excluded", "已排除"),
    "unsupported_scheme": Template("not an http(s) link", "不是 http(s) 链接"),
    "invalid_url": Template("invalid URL", "网址无效"),
    "request_failed": Template("request failed", "请求失败"),
    "no_response": Template("no response", "没有响应"),
    # the status decides
    "http_status": Template("{status} {phrase}", "{status} {phrase}"),
    "http_status_bare": Template("HTTP {status}", "HTTP {status}"),
    "request_denied": Template("request denied (999)", "请求被拒绝（999）"),
    "redirect_unusable": Template(
        "redirect without a usable location ({status})", "重定向没有可用的目标地址（{status}）"
    ),
    "unexpected_status": Template("unexpected HTTP status {status}", "意外的 HTTP 状态码 {status}"),
    # the page decides
    "bot_challenge": Template("bot challenge ({provider})", "人机验证（{provider}）"),
    "parked": Template("parked domain", "停放域名"),
    "soft_404": Template("soft 404: {evidence}", "软 404：{evidence}"),
    "title_says": Template("title says “{title}”", "标题为“{title}”"),
    "heading_says": Template("heading says “{heading}”", "主标题为“{heading}”"),
    "home_page": Template("deep link redirected to the home page", "深层链接被重定向到首页"),
    "redirected": Template("redirected permanently to {url}", "已永久重定向到 {url}"),
    # content drift (crawler.check.drift): "was" first, so a drift reason with its "then" is read whole
    "drift_was": Template("{reason}, was “{then}”", "{reason}，原为“{then}”"),
    "drift_parked": Template("now a parked or expired domain", "现在是停放或过期的域名"),
    "drift_parked_titled": Template("now a parked or expired domain: “{now}”", "现在是停放或过期的域名：“{now}”"),
    "drift_takeover": Template("now a gambling or adult page: “{now}”", "现在是赌博或成人页面：“{now}”"),
    "drift_takeover_words": Template(
        "now shows gambling or adult content ({words})", "现在显示赌博或成人内容（{words}）"
    ),
    "drift_replaced": Template("now another page: “{now}”", "现在是另一个页面：“{now}”"),
    "drift_other_site": Template("now another site: “{now}”", "现在是另一个网站：“{now}”"),
    # the nightly crawl's N-of-D rule
    "dead_after_crawls": Template(
        "unreachable in {runs} crawls since {since}: {reason}", "自 {since} 起连续 {runs} 次抓取无法访问：{reason}"
    ),
    "dead_after_crawls_undated": Template(
        "unreachable in {runs} crawls since a while: {reason}", "连续 {runs} 次抓取无法访问：{reason}"
    ),
}

# Fields that hold a reason of their own, rendered in the same language.
_NESTED = frozenset({"reason", "evidence"})
# The Chinese HTTP status phrases, for every status `classify` names with its phrase (2xx, 4xx, 5xx).
_PHRASES_ZH: Mapping[int, str] = {
    200: "成功", 201: "已创建", 202: "已接受", 203: "非权威信息", 204: "无内容", 205: "重置内容",
    206: "部分内容", 207: "多状态", 208: "已报告", 226: "已应用增量",
    400: "错误请求", 401: "未授权", 402: "需要付款", 403: "禁止访问", 404: "未找到", 405: "方法不允许",
    406: "无法接受", 407: "需要代理认证", 408: "请求超时", 409: "冲突", 410: "已不存在",
    411: "需要内容长度", 412: "前提条件不满足", 413: "请求体过大", 414: "请求网址过长",
    415: "不支持的媒体类型", 416: "请求范围无法满足", 417: "预期不满足", 418: "我是茶壶",
    421: "请求发错了服务器", 422: "无法处理的内容", 423: "已锁定", 424: "依赖失败", 425: "请求过早",
    426: "需要升级协议", 428: "需要前提条件", 429: "请求过多", 431: "请求头过大", 451: "因法律原因不可用",
    500: "服务器内部错误", 501: "未实现", 502: "网关错误", 503: "服务不可用", 504: "网关超时",
    505: "不支持该 HTTP 版本", 506: "变体协商出错", 507: "存储空间不足", 508: "检测到循环", 510: "未扩展",
    511: "需要网络认证",
}  # fmt: skip
# Field values said differently in a language: HTTP status phrases, service names.
_WORDED = frozenset({"phrase", "provider"})
_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {},
    "zh": {HTTPStatus(code).phrase: zh for code, zh in _PHRASES_ZH.items()} | {"Baidu": "百度", "WeChat": "微信"},
}
# What a field's value looks like when an English reason is read back; any text when not listed.
_FIELD_PATTERNS: Mapping[str, str] = {"status": r"\d{3}", "runs": r"\d+", "since": r"\d{4}-\d{2}-\d{2}"}


def fields_of(template: str) -> frozenset[str]:
    """The names of a template's `{fields}`."""
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name is not None)


@dataclass(frozen=True, slots=True)
class Reason:
    """A catalogue reason with its fields filled: its text in any language."""

    key: str
    fields: Mapping[str, FieldValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        template = CATALOGUE[self.key]  # KeyError: not a reason of the catalogue
        if set(self.fields) != fields_of(template.en):
            raise ValueError(f"reason {self.key!r} takes {sorted(fields_of(template.en))}, not {sorted(self.fields)}")

    def text(self, lang: str = "en") -> str:
        """The reason in `lang`, its fields rendered in that language too."""
        _check(lang)
        values = {name: _field_text(name, value, lang) for name, value in self.fields.items()}
        return CATALOGUE[self.key].in_language(lang).format(**values)


# What fills a field: text or a number, or a reason of its own (`_NESTED`).
FieldValue: TypeAlias = str | int | Reason | Assessment


def assessment(verdict: Verdict, key: str, **fields: FieldValue) -> Assessment:
    """The verdict with the catalogue's reason `key`: English text, and its translations."""
    reason = Reason(key, fields)
    translations = {lang: reason.text(lang) for lang in LANGUAGES if lang != "en"}
    return Assessment(verdict, reason.text("en"), translations)


def from_rule(rule: SiteRule) -> Assessment:
    """A site rule's verdict with its own reason (and its Chinese, when the rule gives one)."""
    return Assessment(rule.verdict, rule.reason, {"zh": rule.reason_zh} if rule.reason_zh else {})


def reason_in(judged: Assessment, lang: str) -> str:
    """The assessment's reason in `lang`: as made, or recognised from the English
    text when it was read back from the state database, or else as stored."""
    _check(lang)
    if lang == "en":
        return judged.reason
    return judged.translations.get(lang) or translate(judged.reason, lang)


def translate(reason: str, lang: str) -> str:
    """An English reason in `lang` when the catalogue or a shipped site rule
    knows it; otherwise as it is."""
    _check(lang)
    if lang == "en":
        return reason
    known = _shipped_translations().get(reason, {}).get(lang)
    if known is not None:
        return known
    recognised = recognise(reason)
    if recognised is None:
        log.debug("reason %r is not in the catalogue; shown as stored", reason)
        return reason
    return recognised.text(lang)


def recognise(reason: str) -> Reason | None:
    """The catalogue reason an English text was rendered from, with its fields
    as text, or None."""
    for key, pattern in _english_patterns().items():
        match = pattern.fullmatch(reason)
        if match is not None:
            return Reason(key, match.groupdict())
    return None


def _field_text(name: str, value: FieldValue, lang: str) -> str:
    if isinstance(value, Reason):
        return value.text(lang)
    if isinstance(value, Assessment):
        return reason_in(value, lang)
    text = str(value)
    if name in _NESTED:
        return translate(text, lang)
    return _WORDS[lang].get(text, text) if name in _WORDED else text


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown reason language {lang!r}; choose from {', '.join(LANGUAGES)}")


@cache
def _english_patterns() -> dict[str, re.Pattern[str]]:
    """Each key's English template as a pattern whose named groups are its fields."""
    patterns = {}
    for key, template in CATALOGUE.items():
        parts = []
        for literal, name, _, _ in Formatter().parse(template.en):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P<{name}>{_FIELD_PATTERNS.get(name, '.+')})")
        patterns[key] = re.compile("".join(parts), re.DOTALL)
    return patterns


@cache
def _shipped_translations() -> dict[str, dict[str, str]]:
    """The shipped site rules' reasons in other languages, by their English text."""
    return {rule.reason: {"zh": rule.reason_zh} for rule in shipped_rules() if rule.reason_zh}

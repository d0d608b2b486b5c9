"""Site rules: how particular sites answer for a page that is gone, as data.

Many big sites never answer a removed page with 404. WeChat serves a deleted
article as a 200 page that says "该内容已被发布者删除" (RSSHub's WeChat
reader tells deleted pages apart by that wording:
https://github.com/DIYgod/RSSHub/blob/master/lib/utils/wechat-mp.ts);
YouTube answers 200 for a video that is gone
(https://github.com/stevenvachon/broken-link-checker/issues/237); Medium
answers 410 with its own message. What each site does is a fact about that
site, found and cited one by one, so the facts live in a data file,
`site_rules.toml` next to this module, and not in code. A user adds
their own rules in files of the same form (`load_rules`); theirs are tried
first, so they can correct a shipped rule.

A rule names the hosts it is about, the evidence it looks for and the
verdict with the reason an editor reads: `reason` in English, as every
report and the state database show it, and `reason_zh` in Chinese, for the
Chinese HTML report (`crawler.check.reasons`). A shipped rule must give
both; a user's rule may give only `reason`, which the Chinese report then
shows as written. The evidence is what the link spider keeps of a
response (`crawler.models.CheckResult`): the final status, the final URL,
whether a permanent redirect led there, the page's title and main heading,
the first 2,000 characters of its visible text and the few headers the
spider keeps (`crawler.spiders.links.KEPT_HEADERS`: a rule on any other
header never matches). Every condition a rule gives must hold; the first
rule that holds decides. Patterns are regular expressions, searched
case-insensitively in text folded as `fold` does.

A bad rule file stops the run before anything is fetched: `ConfigError`
names the file, the rule and what is wrong with it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import ConfigError
from crawler.models import CheckResult, Page, Verdict

__all__ = ["SiteRule", "first_rule", "fold", "load_rules", "parse_rules", "read_rules", "shipped_rules"]

SHIPPED_FILE = "site_rules.toml"
MAX_REASON_CHARS = 120  # an editor reads the reason in a table cell
_PERMANENT_REDIRECTS = frozenset({301, 308})
# A host pattern: a registered domain or host suffix, lower case, no scheme or path.
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,}")
_PATTERN_FIELDS = ("final_url", "title", "heading", "text")
_CONDITIONS = ("status", *_PATTERN_FIELDS, "header", "permanent_redirect")
_REQUIRED = ("name", "hosts", "verdict", "reason")
_KNOWN_FIELDS = frozenset({*_REQUIRED, "reason_zh", "source", *_CONDITIONS})


def fold(text: str) -> str:
    """Text as rules and verdicts compare it: case-folded, typographic apostrophes and ellipses in ASCII."""
    return text.casefold().replace("’", "'").replace("…", "...")


@dataclass(frozen=True, slots=True)
class SiteRule:
    """One fact about one site: this evidence on these hosts means this verdict."""

    name: str
    hosts: tuple[str, ...]
    verdict: Verdict
    reason: str
    reason_zh: str | None = None  # the reason in Chinese; required in the shipped rules
    source: tuple[str, ...] = ()
    status: frozenset[int] = frozenset()
    final_url: re.Pattern[str] | None = None
    title: re.Pattern[str] | None = None
    heading: re.Pattern[str] | None = None
    text: re.Pattern[str] | None = None
    header: tuple[str, re.Pattern[str]] | None = None
    permanent_redirect: bool | None = None
    origin: str = ""  # the file the rule came from

    def is_about(self, url: str) -> bool:
        """Whether the URL's host is one of the rule's hosts or under one."""
        host = _host_of(url)
        return host is not None and any(host == suffix or host.endswith("." + suffix) for suffix in self.hosts)

    def holds_for(self, result: CheckResult) -> bool:
        """Whether the result is on the rule's hosts and shows all its evidence.

        The hosts are matched against the link and the page it ended on, so
        a rule about a marketplace also catches a parked domain sent there.
        """
        final_url = result.final_url or result.url
        if not (self.is_about(result.url) or self.is_about(final_url)):
            return False
        if self.status and result.http_status not in self.status:
            return False
        if self.permanent_redirect is not None:
            redirected = any(hop.status in _PERMANENT_REDIRECTS for hop in result.redirects)
            if redirected != self.permanent_redirect:
                return False
        page = result.page or Page()
        shown = (final_url, page.title or "", page.heading or "", page.text)
        for pattern, value in zip((self.final_url, self.title, self.heading, self.text), shown, strict=True):
            if pattern is not None and not pattern.search(fold(value)):
                return False
        if self.header is not None:
            name, pattern = self.header
            if name not in result.headers or not pattern.search(fold(result.headers[name])):
                return False
        return True


def first_rule(rules: Iterable[SiteRule], result: CheckResult) -> SiteRule | None:
    """The first rule that holds for the result, or None.

    The link's and the final page's hosts are read once here, with every
    domain they are under, and a rule's evidence is looked at only when one
    of them is among its hosts (what `SiteRule.is_about` asks): parsing both
    URLs again for each shipped rule was most of the cost of judging a
    result in a crawl.
    """
    names: set[str] = set()
    for host in {_host_of(result.url), _host_of(result.final_url or result.url)}:
        labels = host.split(".") if host is not None else []
        names.update(".".join(labels[start:]) for start in range(len(labels)))
    return next((rule for rule in rules if not names.isdisjoint(rule.hosts) and rule.holds_for(result)), None)


def _host_of(url: str) -> str | None:
    """The URL's host as rules match it; None for a malformed address, such as an unclosed IPv6 bracket."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return None


# ------------------------------------------------------------------ loading


def parse_rules(text: str, origin: str, *, require_zh: bool = False) -> tuple[SiteRule, ...]:
    """The rules of one TOML document; `origin` names it in error messages.

    `require_zh`: every rule must give `reason_zh` (the shipped rules do).
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: not valid TOML: {exc}") from exc
    unknown = sorted(set(document) - {"rule"})
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r}; rules are [[rule]] tables")
    entries = document.get("rule", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{origin}: 'rule' must be an array of tables ([[rule]])")
    rules = tuple(_rule(entry, origin, number, require_zh) for number, entry in enumerate(entries, start=1))
    names = [rule.name for rule in rules]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated is not None:
        raise ConfigError(f"{origin}: two rules are named {repeated!r}; names must be unique")
    return rules


def read_rules(path: Path) -> tuple[SiteRule, ...]:
    """The rules of one file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ConfigError(f"{path}: cannot read the rules file ({exc})") from exc
    return parse_rules(text, str(path))


@cache
def shipped_rules() -> tuple[SiteRule, ...]:
    """The rules that come with rotwatch (`site_rules.toml`), read once."""
    resource = resources.files("crawler.check").joinpath(SHIPPED_FILE)
    return parse_rules(resource.read_text(encoding="utf-8"), SHIPPED_FILE, require_zh=True)


def load_rules(extra: Iterable[Path | str] = ()) -> tuple[SiteRule, ...]:
    """The user's rule files in the order given, then the shipped rules.

    The first rule that holds decides, so a user's rule wins over a shipped one.
    """
    users = tuple(rule for path in extra for rule in read_rules(Path(path)))
    return users + shipped_rules()


def _rule(entry: Any, origin: str, number: int, require_zh: bool) -> SiteRule:
    """One [[rule]] table, checked; errors name the file and the rule."""
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{origin}: rule {number} is not a table")
    where = f"{origin}: rule {number}" + (f" ({entry['name']!r})" if isinstance(entry.get("name"), str) else "")
    try:
        return _checked_rule(entry, origin, require_zh)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _checked_rule(entry: Mapping[str, Any], origin: str, require_zh: bool) -> SiteRule:
    unknown = sorted(set(entry) - _KNOWN_FIELDS)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(_KNOWN_FIELDS))})")
    required = (*_REQUIRED, "reason_zh") if require_zh else _REQUIRED
    missing = [name for name in required if name not in entry]
    if missing:
        raise ValueError(f"missing field {missing[0]!r}")
    if not any(name in entry for name in _CONDITIONS):
        raise ValueError(f"gives no evidence: add at least one of {', '.join(_CONDITIONS)}")
    patterns = {name: _pattern(entry[name], name) for name in _PATTERN_FIELDS if name in entry}
    return SiteRule(
        name=_text(entry["name"], "name"),
        hosts=_hosts(entry["hosts"]),
        verdict=_verdict(entry["verdict"]),
        reason=_reason(entry["reason"], "reason"),
        reason_zh=_reason(entry["reason_zh"], "reason_zh") if "reason_zh" in entry else None,
        source=_sources(entry.get("source", [])),
        status=_statuses(entry.get("status", [])),
        header=_header(entry["header"]) if "header" in entry else None,
        permanent_redirect=_flag(entry["permanent_redirect"]) if "permanent_redirect" in entry else None,
        origin=origin,
        **patterns,
    )


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value.strip()


def _strings(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items:
        raise ValueError(f"{name} must be a string or a non-empty list of strings")
    return tuple(_text(item, name) for item in items)


def _hosts(value: Any) -> tuple[str, ...]:
    hosts = tuple(host.lower().rstrip(".") for host in _strings(value, "hosts"))
    bad = next((host for host in hosts if not _HOST.fullmatch(host)), None)
    if bad is not None:
        raise ValueError(f"hosts: {bad!r} is not a host name such as 'example.com' (no scheme, path or '*')")
    return hosts


def _verdict(value: Any) -> Verdict:
    names = ", ".join(verdict.value for verdict in Verdict)
    if not isinstance(value, str) or value not in {verdict.value for verdict in Verdict}:
        raise ValueError(f"verdict {value!r} is not one of {names}")
    return Verdict(value)


def _reason(value: Any, name: str) -> str:
    reason = _text(value, name)
    if len(reason) > MAX_REASON_CHARS:
        raise ValueError(f"{name} has {len(reason)} characters; an editor reads at most {MAX_REASON_CHARS}")
    return reason


def _sources(value: Any) -> tuple[str, ...]:
    if value == []:
        return ()
    sources = _strings(value, "source")
    bad = next((source for source in sources if not source.startswith(("https://", "http://"))), None)
    if bad is not None:
        raise ValueError(f"source {bad!r} is not an http(s) URL")
    return sources


def _statuses(value: Any) -> frozenset[int]:
    items = [value] if isinstance(value, int) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ValueError("status must be a status code or a list of them")
    if any(isinstance(item, bool) or not isinstance(item, int) or not 100 <= item <= 999 for item in items):
        raise ValueError(f"status {value!r}: every status must be a number from 100 to 999")
    return frozenset(items)


def _pattern(value: Any, name: str) -> re.Pattern[str]:
    source = _text(value, name)
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{name}: bad regular expression {source!r} ({exc})") from exc


def _header(value: Any) -> tuple[str, re.Pattern[str]]:
    if not isinstance(value, Mapping) or set(value) - {"name", "value"} or "name" not in value:
        raise ValueError("header must be a table { name = '...', value = '...' } (value optional)")
    name = _text(value["name"], "header name").lower()
    return name, _pattern(value.get("value", ""), "header value") if value.get("value") else re.compile("")


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"permanent_redirect must be true or false, not {value!r}")
    return value

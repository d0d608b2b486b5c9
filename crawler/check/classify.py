"""Deciding what a link check means: a `CheckResult` becomes an `Assessment`.

The verdicts are the table in DESIGN.md; `assess` applies its rules in this
order, and the first that fits decides:

1. the request got no response (`CheckResult.error`): the kind of error
   decides, e.g. NXDOMAIN is broken, a timeout unreachable;
2. a bot challenge page, whatever its status, is blocked: it hides the page;
3. 401, 403, 429 and LinkedIn's 999 are blocked; every other 4xx is broken;
   5xx is unreachable; a 3xx the spider could not follow (no usable
   Location) is broken, since no reader can follow it either; any other
   status is unreachable;
4. a 2xx is broken when the page is a parked domain, says "not found"
   (a soft 404) or is the home page a deep link was sent to; it is
   redirected when a permanent redirect (301, 308) led to it; otherwise ok.

Each predicate is pure and separately tested. Headers are read from
`CheckResult.headers` by lower-case name: `cf-mitigated`,
`x-vercel-mitigated`, `x-amzn-waf-action` (bot challenges) and
`x-adblock-key` (parking services).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from urllib.parse import urlsplit

from crawler.check.urls import site_of
from crawler.models import Assessment, CheckResult, ErrorKind, Hop, Page, Verdict

__all__ = [
    "assess",
    "bot_challenge",
    "is_bot_challenge",
    "is_parked",
    "is_soft_404",
    "lands_on_home_page",
    "not_found_evidence",
]

# ---------------------------------------------------------------- errors

_ERRORS: dict[ErrorKind, Assessment] = {
    ErrorKind.NXDOMAIN: Assessment(Verdict.BROKEN, "name does not resolve (NXDOMAIN)"),
    ErrorKind.DNS_FAILURE: Assessment(Verdict.UNREACHABLE, "name lookup failed"),
    ErrorKind.CONNECTION_REFUSED: Assessment(Verdict.BROKEN, "connection refused"),
    ErrorKind.CONNECTION_RESET: Assessment(Verdict.UNREACHABLE, "connection reset"),
    ErrorKind.TIMEOUT: Assessment(Verdict.UNREACHABLE, "timed out"),
    ErrorKind.TLS: Assessment(Verdict.UNREACHABLE, "TLS handshake failed"),
    ErrorKind.TLS_WRONG_HOST: Assessment(Verdict.BROKEN, "TLS certificate is for another host"),
    ErrorKind.REDIRECT_LOOP: Assessment(Verdict.BROKEN, "redirect loop"),
    ErrorKind.TOO_MANY_REDIRECTS: Assessment(Verdict.BROKEN, "too many redirects"),
    ErrorKind.ADDRESS_REFUSED: Assessment(Verdict.SKIPPED, "private address not checked"),
    ErrorKind.EXCLUDED: Assessment(Verdict.SKIPPED, "excluded"),
    ErrorKind.UNSUPPORTED_SCHEME: Assessment(Verdict.SKIPPED, "not an http(s) link"),
    ErrorKind.INVALID_URL: Assessment(Verdict.BROKEN, "invalid URL"),
    ErrorKind.OTHER: Assessment(Verdict.UNREACHABLE, "request failed"),
}

# Statuses with which a server turns automated clients away; 999 is LinkedIn's.
_REFUSING = frozenset({401, 403, 429, 999})
_PERMANENT_REDIRECTS = frozenset({301, 308})


def assess(result: CheckResult) -> Assessment:
    """Decide the verdict for one checked URL, with the reason an editor reads."""
    if result.error is not None:
        return _ERRORS[result.error]
    status = result.http_status
    if status is None:
        return Assessment(Verdict.UNREACHABLE, "no response")
    provider = bot_challenge(result.page, result.headers)
    if provider is not None:
        return Assessment(Verdict.BLOCKED, f"bot challenge ({provider})")
    if status in _REFUSING:
        return Assessment(Verdict.BLOCKED, _status_line(status))
    if 400 <= status < 500:
        return Assessment(Verdict.BROKEN, _status_line(status))
    if 500 <= status < 600:
        return Assessment(Verdict.UNREACHABLE, _status_line(status))
    if 300 <= status < 400:
        return Assessment(Verdict.BROKEN, f"redirect without a usable location ({status})")
    if 200 <= status < 300:
        return _assess_success(result, status)
    return Assessment(Verdict.UNREACHABLE, f"unexpected HTTP status {status}")


def _assess_success(result: CheckResult, status: int) -> Assessment:
    """The verdict for a 2xx answer: is it the page the link meant?"""
    page = result.page or Page()
    final_url = result.final_url or result.url
    if is_parked(page, result.headers):
        return Assessment(Verdict.BROKEN, "parked domain")
    evidence = not_found_evidence(page)
    if evidence is not None:
        return Assessment(Verdict.BROKEN, f"soft 404: {evidence}")
    if lands_on_home_page(result.url, final_url):
        return Assessment(Verdict.BROKEN, "deep link redirected to the home page")
    if _has_permanent_redirect(result.redirects):
        return Assessment(Verdict.REDIRECTED, f"redirected permanently to {final_url}")
    return Assessment(Verdict.OK, _status_line(status))


def _status_line(status: int) -> str:
    """'404 Not Found': the status with its standard phrase, where it has one."""
    if status == 999:
        return "request denied (999)"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _has_permanent_redirect(redirects: tuple[Hop, ...]) -> bool:
    return any(hop.status in _PERMANENT_REDIRECTS for hop in redirects)


# ---------------------------------------------------------- bot challenges

# A header a protection service sets on its challenges (not on every answer),
# and the word its value then contains.
_CHALLENGE_HEADERS = (
    ("cf-mitigated", "challenge", "Cloudflare"),
    ("x-vercel-mitigated", "challenge", "Vercel"),
    ("x-amzn-waf-action", "challenge", "AWS WAF"),
    ("x-amzn-waf-action", "captcha", "AWS WAF"),
)
# Challenge page titles, matched whole (after `_normalize`).
_CHALLENGE_TITLES = {
    "just a moment...": "Cloudflare",
    "attention required! | cloudflare": "Cloudflare",
    "请稍候...": "Cloudflare",
    "ddos-guard": "DDoS-Guard",
    "sucuri website firewall - access denied": "Sucuri",
    "百度安全验证": "Baidu",
}
# Wording only a challenge page shows, in its title or text.
_CHALLENGE_WORDING = (
    ("checking your browser before accessing", "Cloudflare"),
    ("verify you are human by completing the action", "Cloudflare"),
    ("review the security of your connection before", "Cloudflare"),
    ("used cloudflare to restrict access", "Cloudflare"),
    ("incapsula incident id", "Imperva"),
    ("完成验证后即可继续访问", "WeChat"),
)


def bot_challenge(page: Page | None, headers: Mapping[str, str]) -> str | None:
    """The service whose bot challenge answered instead of the page, or None.

    A challenge comes with any status (Cloudflare's with 403 or 503, AWS
    WAF's with 202), so the status proves nothing and is not asked for: the
    service's own header, page title or wording does.
    """
    for name, word, provider in _CHALLENGE_HEADERS:
        if word in headers.get(name, "").lower():
            return provider
    page = page or Page()
    title = _normalize(page.title or "")
    if title in _CHALLENGE_TITLES:
        return _CHALLENGE_TITLES[title]
    shown = f"{title} {_normalize(page.text)}"
    return next((who for wording, who in _CHALLENGE_WORDING if wording in shown), None)


def is_bot_challenge(page: Page | None, headers: Mapping[str, str]) -> bool:
    """Whether a bot challenge answered instead of the page (see `bot_challenge`)."""
    return bot_challenge(page, headers) is not None


# ---------------------------------------------------------- parked domains

# Wording of domain-for-sale and parking pages, and the parking services'
# names, which they print in their footers.
_PARKING = re.compile(
    r"""
      \bdomain(?:\ name)?\ (?:is|may\ be|might\ be)\ for\ sale\b
    | \b[\w-]+(?:\.[\w-]+)+\ is\ for\ sale\b          # example.com is for sale
    | \bbuy\ this\ domain\b
    | \bdomain(?:\ name)?\ (?:is\ parked|has\ expired)\b  # also registrars' pages
    | \bparked\ free\b                                # GoDaddy
    | \b(?:sedo(?:parking)?|bodis|parkingcrew|afternic|hugedomains)\b
    | \b(?:above|dan|undeveloped)\.com\b
    | 域名.{0,4}(?:出售|[转轉][让讓])                  # 此域名出售, 该域名正在出售
    | (?:出售|[转轉][让讓])(?:此|本|该|該)?域名
    """,
    re.VERBOSE,
)
# A parking page says little besides the sale, so its wording only counts in
# the body of a short page: a long article about domain trading is no parking
# page. In a title it always counts.
_PARKING_PAGE_TEXT = 1_000  # characters of visible text
# Parking services send the sitekey of an ad-blocker allowlist in this header.
_PARKING_HEADER = "x-adblock-key"


def is_parked(page: Page, headers: Mapping[str, str]) -> bool:
    """Whether the page is a parked domain: for sale, or showing parking ads."""
    if _PARKING_HEADER in headers:
        return True
    if _PARKING.search(_normalize(page.title or "")):
        return True
    return len(page.text) < _PARKING_PAGE_TEXT and bool(_PARKING.search(_normalize(page.text)))


# --------------------------------------------------------------- soft 404s

# Phrases that say a page is gone. English ones are whole words.
_NOT_FOUND = re.compile(
    r"""
      \bnot\ found\b
    | \b(?:can\ ?not|can't|could\ ?not|couldn't)\ (?:be\ found|find)\b
    | \b(?:does\ ?not|doesn't|no\ longer)\ exists?\b
    | \bno\ longer\ available\b
    | \b(?:has\ been|have\ been|was|were)\ (?:removed|deleted)\b
    | \bno\ such\ page\b
    | 不存在 | 找不到 | 未找到 | 没有找到 | 沒有找到
    | (?:已|被)[^\s，。！,.!]{0,5}[删刪]除            # 已被删除, 已被发布者删除
    | 已下[线線] | 已失效 | [无無]法查看
    """,
    re.VERBOSE,
)
# A status code as a token of its own: "404", "Error 404", "404错误".
_GONE_STATUS = re.compile(r"(?<!\d)(?:404|410)(?!\d)")
# Words that surround a not-found phrase without changing what it says.
_FILLER_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "article",
        "be",
        "been",
        "content",
        "document",
        "error",
        "file",
        "for",
        "gone",
        "has",
        "have",
        "here",
        "http",
        "i",
        "is",
        "it",
        "it's",
        "its",
        "link",
        "looking",
        "oh",
        "oops",
        "or",
        "page",
        "post",
        "requested",
        "resource",
        "sorry",
        "status",
        "that",
        "the",
        "this",
        "uh",
        "url",
        "was",
        "we",
        "were",
        "whoops",
        "you",
        "your",
    ]
)
_FILLER_CJK = re.compile(
    "抱歉|[对對]不起|很|哎呀|糟糕|您|你|所|要|[访訪][问問]|[请請]求|的|[该該]|此|[这這][个個]"
    "|[页頁]面|[网網][页頁]|[内內]容|文章|[链鏈]接|[资資]源|或者|或|已|了|啦|呢|[错錯]误|出[错錯]"
)
# Where a title joins its parts: "Page not found | Example", "页面不存在_新浪网".
_TITLE_PARTS = re.compile(r"[|｜_–—·•»›]|\s-\s|(?<=[^\x00-\x7f])-|-(?=[^\x00-\x7f])")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_QUOTED_CHARS = 80  # of a title quoted in a reason


def not_found_evidence(page: Page) -> str | None:
    """What shows that the page says "not found" ('title says “…”'), or None.

    The rule: a part of the title or of the main heading (the title split at
    separators such as " | ", " - ", "_") says "not found" when it contains
    a not-found phrase ("not found", "doesn't exist", "页面不存在",
    "该内容已被删除", ...) or a lone 404/410, and nothing else but filler
    words ("page", "sorry", "the", "error", "您访问的", ...), digits and
    punctuation. So "Page not found | Example", "404" and "抱歉，您访问的页面不存在"
    are soft 404s, while "404 Media: independent journalism" and
    "Why 404 errors matter" are not: the phrase must be the whole message.
    """
    for label, line in (("title", page.title), ("heading", page.heading)):
        parts = _TITLE_PARTS.split(_normalize(line or ""))
        if any(_says_not_found(part) for part in parts):
            return f"{label} says “{_shorten(line)}”"
    return None


def is_soft_404(page: Page) -> bool:
    """Whether the page says "not found" (see `not_found_evidence` for the rule)."""
    return not_found_evidence(page) is not None


def _says_not_found(part: str) -> bool:
    """Whether a title part holds a not-found phrase or 404, and only filler besides."""
    if not (_NOT_FOUND.search(part) or _GONE_STATUS.search(part)):
        return False
    rest = _FILLER_CJK.sub(" ", _NOT_FOUND.sub(" ", part))
    return all(word in _FILLER_WORDS for word in _WORD.findall(rest))


def _shorten(line: str) -> str:
    return line if len(line) <= _QUOTED_CHARS else line[: _QUOTED_CHARS - 1] + "…"


def _normalize(text: str) -> str:
    """Lower case, with typographic apostrophes and ellipses spelled in ASCII."""
    return text.casefold().replace("’", "'").replace("…", "...")


# ----------------------------------------------------- redirects to home

# Paths of a site's home page ("/" and "" included), without trailing "/".
_HOME_PATHS = frozenset({"", "/index.html", "/index.htm", "/index.php", "/home"})


def lands_on_home_page(url: str, final_url: str) -> bool:
    """Whether a deep link was redirected to the home page of its own site.

    Sites often answer a removed page that way instead of with a 404. A link
    is deep when its path is not the home page's or it has a query; the home
    page is "/", "/index.html", "/index.php" or "/home", whatever its query
    ("/?from=404"), except for a link deep only by its query ("/?p=123"),
    which is sent home only when the query is dropped. A link that was to
    the home page already is not a soft 404.
    """
    link, landing = urlsplit(url), urlsplit(final_url)
    deep_path = not _is_home_path(link.path)
    if not (deep_path or link.query):
        return False
    sent_home = _is_home_path(landing.path) and (deep_path or not landing.query)
    return sent_home and site_of(url) == site_of(final_url)


def _is_home_path(path: str) -> bool:
    return path.rstrip("/").lower() in _HOME_PATHS

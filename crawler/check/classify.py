"""Deciding what a link check means: a `CheckResult` becomes an `Assessment`.

The verdicts are the table in README.md; `assess` applies its rules in this
order, and the first that fits decides:

1. the request got no response (`CheckResult.error`): the kind of error
   decides, e.g. NXDOMAIN is broken, a timeout unreachable;
2. a bot challenge page, whatever its status, is blocked: it hides the page;
3. a site rule (`crawler.check.site_rules`): what a particular site answers
   for a page that is gone or alive, e.g. WeChat's 200 page "该内容已被发布者删除"
   is broken and arXiv's withdrawn paper is ok;
4. 401, 403, 429 and LinkedIn's 999 are blocked; every other 4xx is broken;
   5xx is unreachable; a 3xx the spider could not follow (no usable
   Location) is broken, since no reader can follow it either; any other
   status is unreachable;
5. a 2xx is broken when the page is a parked domain, says "not found"
   (a soft 404) or is the home page a deep link was sent to; it is
   redirected when a permanent redirect (301, 308) led to it; otherwise ok.

A checker that cries wolf gets switched off, so "broken" needs evidence, not
keywords: a live article titled "GoDaddy to acquire Afternic: what it means
for parked domains" or "页面不存在？一文读懂 HTTP 404" is fine. A parked domain
is a parking page: a title or heading that *is* a for-sale or parked message
("example.com is for sale", "此域名出售"), or, on a short page, a parking
service's own wording (`_PARKING_WORDING`, with its sources) or header.
Parking services send an Adblock Plus sitekey (`X-Adblock-Key`), but so can
any site in the acceptable-ads programme
(https://gitlab.com/eyeo/adblockplus/abc/webext-sdk/-/issues/221), so it
only counts on a short page. A redirect to a marketplace listing
(HugeDomains, Dan.com, GoDaddy/Afternic) is a site rule.

Each predicate is pure and separately tested. Headers are read from
`CheckResult.headers` by lower-case name: `cf-mitigated`,
`x-vercel-mitigated`, `x-amzn-waf-action` (bot challenges) and
`x-adblock-key` (parking services).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from urllib.parse import urlsplit

from crawler.check.reasons import Reason, assessment, from_rule
from crawler.check.site_rules import SiteRule, first_rule, fold, shipped_rules
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

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- errors

# The verdict for each error, with its reason's key in the catalogue (`crawler.check.reasons`).
_ERRORS: dict[ErrorKind, tuple[Verdict, str]] = {
    ErrorKind.NXDOMAIN: (Verdict.BROKEN, "nxdomain"),
    ErrorKind.DNS_FAILURE: (Verdict.UNREACHABLE, "dns_failure"),
    ErrorKind.CONNECTION_REFUSED: (Verdict.BROKEN, "connection_refused"),
    ErrorKind.CONNECTION_RESET: (Verdict.UNREACHABLE, "connection_reset"),
    ErrorKind.TIMEOUT: (Verdict.UNREACHABLE, "timeout"),
    ErrorKind.TLS: (Verdict.UNREACHABLE, "tls"),
    ErrorKind.TLS_WRONG_HOST: (Verdict.BROKEN, "tls_wrong_host"),
    ErrorKind.REDIRECT_LOOP: (Verdict.BROKEN, "redirect_loop"),
    ErrorKind.TOO_MANY_REDIRECTS: (Verdict.BROKEN, "too_many_redirects"),
    ErrorKind.ADDRESS_REFUSED: (Verdict.SKIPPED, "address_refused"),
    ErrorKind.EXCLUDED: (Verdict.SKIPPED, "excluded"),
    ErrorKind.UNSUPPORTED_SCHEME: (Verdict.SKIPPED, "unsupported_scheme"),
    ErrorKind.INVALID_URL: (Verdict.BROKEN, "invalid_url"),
    ErrorKind.OTHER: (Verdict.UNREACHABLE, "request_failed"),
}

# Statuses with which a server turns automated clients away; 999 is LinkedIn's.
_REFUSING = frozenset({401, 403, 429, 999})
_PERMANENT_REDIRECTS = frozenset({301, 308})


def assess(result: CheckResult, rules: Sequence[SiteRule] | None = None) -> Assessment:
    """Decide the verdict for one checked URL, with the reason an editor reads.

    `rules` are the site rules to apply, the user's first
    (`crawler.check.site_rules.load_rules`); by default the shipped ones.
    """
    if result.error is not None:
        return assessment(*_ERRORS[result.error])
    status = result.http_status
    if status is None:
        return assessment(Verdict.UNREACHABLE, "no_response")
    provider = bot_challenge(result.page, result.headers)
    if provider is not None:
        return assessment(Verdict.BLOCKED, "bot_challenge", provider=provider)
    rule = first_rule(shipped_rules() if rules is None else rules, result)
    if rule is not None:
        log.debug("%s: site rule %r of %s decides %s", result.url, rule.name, rule.origin, rule.verdict)
        return from_rule(rule)
    if status in _REFUSING:
        return _status_line(Verdict.BLOCKED, status)
    if 400 <= status < 500:
        return _status_line(Verdict.BROKEN, status)
    if 500 <= status < 600:
        return _status_line(Verdict.UNREACHABLE, status)
    if 300 <= status < 400:
        return assessment(Verdict.BROKEN, "redirect_unusable", status=status)
    if 200 <= status < 300:
        return _assess_success(result, status)
    return assessment(Verdict.UNREACHABLE, "unexpected_status", status=status)


def _assess_success(result: CheckResult, status: int) -> Assessment:
    """The verdict for a 2xx answer: is it the page the link meant?"""
    page = result.page or Page()
    final_url = result.final_url or result.url
    if is_parked(page, result.headers):
        return assessment(Verdict.BROKEN, "parked")
    evidence = _not_found(page)
    if evidence is not None:
        return assessment(Verdict.BROKEN, "soft_404", evidence=evidence)
    if lands_on_home_page(result.url, final_url):
        return assessment(Verdict.BROKEN, "home_page")
    if _has_permanent_redirect(result.redirects):
        return assessment(Verdict.REDIRECTED, "redirected", url=final_url)
    return _status_line(Verdict.OK, status)


def _status_line(verdict: Verdict, status: int) -> Assessment:
    """The verdict with '404 Not Found': the status with its standard phrase, where it has one."""
    if status == 999:
        return assessment(verdict, "request_denied")
    try:
        return assessment(verdict, "http_status", status=status, phrase=HTTPStatus(status).phrase)
    except ValueError:
        return assessment(verdict, "http_status_bare", status=status)


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
# Challenge page titles, matched whole (after `fold`).
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
    title = fold(page.title or "")
    if title in _CHALLENGE_TITLES:
        return _CHALLENGE_TITLES[title]
    shown = f"{title} {fold(page.text)}"
    return next((who for wording, who in _CHALLENGE_WORDING if wording in shown), None)


def is_bot_challenge(page: Page | None, headers: Mapping[str, str]) -> bool:
    """Whether a bot challenge answered instead of the page (see `bot_challenge`)."""
    return bot_challenge(page, headers) is not None


# ---------------------------------------------------------- parked domains

_DOMAIN = r"[\w-]+(?:\.[\w-]+)+"  # example.com, wap.in, 例子.中国
# A title or heading part that is a for-sale or parked message as a whole.
_SALE_MESSAGE = re.compile(
    rf"""
      (?:the\ )?(?:domain(?:\ name)?\ )?{_DOMAIN}\ (?:is|may\ be)\ for\ sale  # The domain name wap.in is for sale
    | (?:this\ )?domain(?:\ name)?\ (?:is|may\ be|might\ be)\ for\ sale     # This domain may be for sale
    | (?:premium\ )?domain(?:\ name)?\ for\ sale | {_DOMAIN}\ for\ sale
    | buy\ this\ domain
    | (?:{_DOMAIN}|this\ domain)\ is\ (?:a\ )?parked(?:\ domain)? | (?:domain\ parked|parked\ domain)
    | (?:{_DOMAIN}\ ?)?(?:此|该|本)?域名(?:正在)?(?:出售|[转轉][让讓])中?       # 此域名出售, 该域名正在出售
    | (?:出售|[转轉][让讓])(?:此|本|该)?域名
    | (?:the\ |this\ )?(?:domain(?:\ name)?|{_DOMAIN})\ has\ expired                # registrar expiry notices
    | (?:提示：?)?(?:此|该|本)?域名已(?:过期|到期)
    """,
    re.VERBOSE,
)
# What a message part may be wrapped in: "This domain may be for sale!"
_MESSAGE_TRIM = " \t!.。！:：\"'“”"
# Parking services' own wording, as fingerprinting tools record it
# (https://github.com/intrigueio/intrigue-ident/tree/main/checks/http) and as
# PyFunceble looks for it (https://github.com/funilrys/PyFunceble/blob/dev/
# PyFunceble/checker/availability/extras/parked.py).
_PARKING_WORDING = re.compile(
    r"""
      parked\ free,?\ courtesy\ of\ godaddy                 # GoDaddy
    | parked\ free\ of\ charge\ with\ namesilo              # NameSilo
    | this\ site\ is\ parked\ with\ dreamhost               # DreamHost
    | sponsored\ listings\ displayed\ above\ are\ served\ automatically   # ParkingCrew
    | millions\ of\ other\ domains\ available\ on\ dan\.com # Dan.com
    | (?:inquire\ about|interested\ in)\ this\ domain
    | this\ domain\ (?:name\ )?is\ parked | currently\ parked\ by\ the\ owner | web\ page\ is\ parked
    | domain\ (?:name\ )?(?:is|may\ be)\ for\ sale
    | buy\ (?:or\ lease\ )?this\ domain
    | 域名.{0,4}(?:出售|[转轉][让讓])                        # 该域名正在出售, 此域名转让
    | (?:出售|[转轉][让讓])(?:此|本|该)?域名
    # Registrar notices on an expired domain (GoDaddy's, quoted in hudbrog/gCodeViewer#74 and
    # jpfuentes2/php-activerecord#204; theskumar/python-dotenv#556; saveweb/doing#176).
    | pending\ renewal\ or\ deletion | [\w-]+(?:\.[\w-]+)+\ has\ expired | domain(?:\ name)?\ has\ expired
    | 域名已(?:过期|到期)
    """,
    re.VERBOSE,
)
# A parking page says little besides the sale, so the services' header and
# wording only count on a short page: an article about the domain trade
# quotes the wording, and sites outside parking send the header too.
_PARKING_PAGE_TEXT = 1_000  # characters of visible text
# Parking services send the sitekey of an ad-blocker allowlist in this header.
_PARKING_HEADER = "x-adblock-key"


def is_parked(page: Page, headers: Mapping[str, str]) -> bool:
    """Whether the page is a parking page: for sale, or showing parking ads.

    The title or heading must *be* a for-sale or parked message, or a short
    page must carry a parking service's header or wording; a page that only
    mentions parking, domains or a marketplace is not parked.
    """
    if any(_says_for_sale(line) for line in (page.title, page.heading)):
        return True
    if len(page.text) >= _PARKING_PAGE_TEXT:
        return False
    return _PARKING_HEADER in headers or bool(_PARKING_WORDING.search(fold(page.text)))


def _says_for_sale(line: str | None) -> bool:
    parts = _TITLE_PARTS.split(fold(line or ""))
    return any(_SALE_MESSAGE.fullmatch(part.strip(_MESSAGE_TRIM)) for part in parts)


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
_FILLER_ENGLISH = re.compile(
    r"\b(?:a|an|and|are|article|be|been|content|document|error|file|for|gone|has|have|here|http|i|is|it's|its|it"
    r"|link|looking|oh|oops|or|page|post|requested|resource|sorry|status|that|the|this|uh|url|was|we|were|whoops"
    r"|you|your)\b"
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
    evidence = _not_found(page)
    return evidence.text() if evidence is not None else None


def is_soft_404(page: Page) -> bool:
    """Whether the page says "not found" (see `not_found_evidence` for the rule)."""
    return _not_found(page) is not None


def _not_found(page: Page) -> Reason | None:
    """The evidence of `not_found_evidence`, as the catalogue's reason."""
    if _is_not_found_message(page.title):
        return Reason("title_says", {"title": _shorten(page.title or "")})
    if _is_not_found_message(page.heading):
        return Reason("heading_says", {"heading": _shorten(page.heading or "")})
    return None


def _is_not_found_message(line: str | None) -> bool:
    return any(_says_not_found(part) for part in _TITLE_PARTS.split(fold(line or "")))


def _says_not_found(part: str) -> bool:
    """Whether a title part holds a not-found phrase or 404, and only filler besides.

    A question ("页面不存在？", "Page not found?") asks about not-found pages
    instead of being one.
    """
    if "?" in part or "？" in part or not (_NOT_FOUND.search(part) or _GONE_STATUS.search(part)):
        return False
    rest = _FILLER_CJK.sub(" ", _FILLER_ENGLISH.sub(" ", _NOT_FOUND.sub(" ", part)))
    return _WORD.search(rest) is None


def _shorten(line: str) -> str:
    return line if len(line) <= _QUOTED_CHARS else line[: _QUOTED_CHARS - 1] + "…"


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

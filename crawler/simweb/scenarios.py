"""The catalogue of behaviours the simulated web can show, with their truth.

Each `Scenario` is one way a real link behaves (a 404, a parked domain, a
page in GBK, a server that never answers...) together with what rotwatch
should conclude about it: the `Verdict`, the page title and the path the
crawl should end on. Tests and benchmarks compare the crawler's answers with
this truth, so the behaviour and its expected verdict live side by side here
and nowhere else.

Where each scenario is served: `crawler.simweb.routing`.

`refused` and `nxdomain` have no handler: they are truths for
`SimWeb.refused_url()` (a port where nothing listens) and
`SimWeb.nxdomain_url()` (a name that does not resolve).

Judgement calls, so tests know what they are getting:

- `slow-drip` sends its headers and then one byte a second forever. The
  download never completes and never reaches a title, so the only honest
  outcome is a timeout: `unreachable`.
- `gzip-bomb` is 1 MB on the wire and 1 GiB once inflated, and the page it
  inflates to starts with its title. A crawler that inflates only what it
  needs sees a 200 page with a title: `ok` is the truth. A crawler that
  refuses the body outright would report it `unreachable`; that is a defence,
  not the truth.
- `too-many-redirects` makes 12 redirects and then answers 200. It is broken
  for a crawler that follows at most 10 (rotwatch's limit, like lychee's);
  Scrapy's own default of 20 would follow it to the end.
- Large bodies (`large-pdf`, `huge-html`, `endless`) are written at about
  16 MB/s, so the request log's `bytes_sent` tells a client that stopped after
  the headers (a few hundred KB at most) from one that read everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from crawler.models import Verdict
from crawler.simweb.behaviours import (
    ARTICLE,
    ARTICLE_TITLE,
    FORBIDDEN,
    REDIRECT_HOPS,
    SLOW_DELAY,
    bot_403,
    by_method,
    chain_301_302,
    content,
    cookie_check,
    cookie_loop,
    error,
    first_then,
    hang,
    home_redirect,
    page,
    parked,
    redirect,
    redirect_loop,
    reset,
    slow,
    slow_drip,
    too_many_redirects,
)
from crawler.simweb.bodies import HTML_FILLER, MIB, STREAM_CHUNK, gzip_bomb_handler, large
from crawler.simweb.exchange import HTML, Handler
from crawler.simweb.hosts import NXDOMAIN_HOST, REFUSED_HOST
from crawler.simweb.pages import HOME_TITLE, JPEG_START, PARKED_TITLE, TAKEOVER_BODY, TAKEOVER_TITLE, html_start

__all__ = ["HANDLERS", "SCENARIOS", "Scenario"]

UTF8_TITLE = "人工智能 & 机器人 周刊"  # the <title> says "&amp;"
CHALLENGE_TITLE = "Just a moment..."
CHALLENGE_HEADERS = {"cf-mitigated": "challenge", "Server": "cloudflare"}
CHALLENGE_BODY = "<noscript>Enable JavaScript and cookies to continue</noscript>"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One behaviour and the truth about it.

    `path` is where it is served on every host; `final_path` is the path the
    crawl should end on (the redirect target, or `path` itself), None when no
    usable response comes back (timeouts, resets, loops). `title` is the
    page's title as a reader sees it (entities decoded, whitespace collapsed).
    `host` is the host the scenario belongs to, if any: one that behaves
    this way on every path (parked, home-redirect), or the address of a
    connection failure (refused, nxdomain).
    """

    name: str
    path: str
    verdict: Verdict
    title: str | None
    final_path: str | None
    description: str
    host: str | None = None


_scenarios: dict[str, Scenario] = {}
_handlers: dict[str, Handler] = {}
SCENARIOS = MappingProxyType(_scenarios)  # name -> truth, in catalogue order
HANDLERS = MappingProxyType(_handlers)  # name -> behaviour (served scenarios only)

_OWN_PATH = "<own path>"  # final_path placeholder: the scenario ends where it starts


def scenario(
    name: str,
    verdict: Verdict,
    handler: Handler | None,
    description: str,
    *,
    title: str | None = None,
    final_path: str | None = _OWN_PATH,
    path: str | None = None,
    host: str | None = None,
) -> None:
    """Adds a scenario to the catalogue; `handler` None for ones no server answers."""
    path = path or f"/s/{name}"
    final = path if final_path == _OWN_PATH else final_path
    _scenarios[name] = Scenario(name, path, verdict, title, final, description, host)
    if handler is not None:
        _handlers[name] = handler


# Pages that work, in the encodings a Chinese newsletter links to.

scenario(
    "ok-utf8",
    Verdict.OK,
    page(UTF8_TITLE, "<p>本周要闻</p>"),
    "200 text/html; charset=utf-8, CJK title with an entity",
    title=UTF8_TITLE,
)
scenario(
    "ok-gbk",
    Verdict.OK,
    page(
        "人工智能周刊：第42期",
        "<p>本周要闻与深度解读</p>",
        head='<meta charset="gbk">',
        encoding="gbk",
        content_type="text/html",
    ),
    "GBK body declared only by <meta charset>, no charset in Content-Type",
    title="人工智能周刊：第42期",
)
scenario(
    "ok-gb2312-header",
    Verdict.OK,
    page("机器学习新闻", "<p>模型与数据</p>", encoding="gb2312", content_type="text/html; charset=gb2312"),
    "GB2312 body declared only in the Content-Type header",
    title="机器学习新闻",
)
scenario(
    "ok-big5",
    Verdict.OK,
    page(
        "人工智慧週報",
        "<p>本週焦點</p>",
        head='<meta http-equiv="Content-Type" content="text/html; charset=big5">',
        encoding="big5",
        content_type="text/html",
    ),
    "Big5 body declared by <meta http-equiv>, no charset in Content-Type",
    title="人工智慧週報",
)
scenario("ok-no-title", Verdict.OK, page(None), "200 HTML without a <title>")
scenario(
    "ok-title-whitespace",
    Verdict.OK,
    page("\n\t  Weekly\n\t\tDigest  \n"),
    "title split by newlines and tabs, to be collapsed",
    title="Weekly Digest",
)
scenario("ok-image", Verdict.OK, content(JPEG_START, "image/jpeg"), "200 image/jpeg, like the newsletter's image host")

# Redirects.

scenario(
    "moved-301",
    Verdict.REDIRECTED,
    redirect(301, "/s/ok-utf8"),
    "301 to /s/ok-utf8: works, the link should be updated",
    title=UTF8_TITLE,
    final_path="/s/ok-utf8",
)
scenario(
    "moved-308",
    Verdict.REDIRECTED,
    redirect(308, "/s/ok-utf8"),
    "308 to /s/ok-utf8",
    title=UTF8_TITLE,
    final_path="/s/ok-utf8",
)
scenario(
    "temp-302",
    Verdict.OK,
    redirect(302, "/s/ok-utf8"),
    "302 to /s/ok-utf8: a temporary redirect is no reason to edit the link",
    title=UTF8_TITLE,
    final_path="/s/ok-utf8",
)
scenario(
    "chain-301-302",
    Verdict.REDIRECTED,
    chain_301_302,
    "301 to <path>/step2, then 302 (relative Location) to /s/ok-utf8",
    title=UTF8_TITLE,
    final_path="/s/ok-utf8",
)
scenario("redirect-loop", Verdict.BROKEN, redirect_loop, "<path> -> <path>/b -> <path> forever", final_path=None)
scenario(
    "too-many-redirects",
    Verdict.BROKEN,
    too_many_redirects,
    f"{REDIRECT_HOPS} redirects through distinct paths, then 200",
    final_path=None,
)

scenario(
    "cookie-check",
    Verdict.OK,
    cookie_check(ARTICLE),
    "302 to itself with Set-Cookie, 200 once the cookie comes back (a browser's first visit)",
    title=ARTICLE_TITLE,
)
scenario(
    "cookie-loop",
    Verdict.BROKEN,
    cookie_loop,
    "302 to itself with Set-Cookie whatever the client sends: a loop for a browser too",
    final_path=None,
)

# Servers that mishandle HEAD: the GET is what counts.

scenario(
    "head-405",
    Verdict.OK,
    by_method(head=error(405, headers={"Allow": "GET"}), get=ARTICLE),
    "HEAD answers 405, GET answers 200",
    title=ARTICLE_TITLE,
)
scenario(
    "head-404",
    Verdict.OK,
    by_method(head=error(404), get=ARTICLE),
    "HEAD answers 404, GET answers 200",
    title=ARTICLE_TITLE,
)
scenario(
    "head-hang",
    Verdict.OK,
    by_method(head=hang, get=ARTICLE),
    "HEAD never answers, GET answers 200",
    title=ARTICLE_TITLE,
)

# Status codes.

scenario("not-found", Verdict.BROKEN, error(404), "404")
scenario("gone", Verdict.BROKEN, error(410), "410")
scenario("bad-request", Verdict.BROKEN, error(400), "400: another 4xx that means broken")
scenario("server-error", Verdict.UNREACHABLE, error(500), "500 on every request")
scenario(
    "flaky-503",
    Verdict.OK,
    first_then(error(503), ARTICLE),
    "503 on the first request to the URL, 200 after: a retry fixes it",
    title=ARTICLE_TITLE,
)
scenario(
    "rate-limited-429",
    Verdict.OK,
    first_then(error(429, headers={"Retry-After": "1"}), ARTICLE),
    "429 with Retry-After: 1 on the first request to the URL, 200 after",
    title=ARTICLE_TITLE,
)
scenario(
    "always-429", Verdict.BLOCKED, error(429, headers={"Retry-After": "1"}), "429 with Retry-After: 1 on every request"
)
scenario("unauthorized", Verdict.BLOCKED, error(401, headers={"WWW-Authenticate": 'Basic realm="members"'}), "401")
scenario("forbidden", Verdict.BLOCKED, FORBIDDEN, "403")
scenario(
    "bot-403", Verdict.BLOCKED, bot_403, "403 unless the User-Agent says Mozilla (blocked for rotwatch's honest UA)"
)
scenario("linkedin-999", Verdict.BLOCKED, error(999, reason="Request denied"), "LinkedIn's non-standard 999")
scenario(
    "cloudflare-challenge",
    Verdict.BLOCKED,
    page(CHALLENGE_TITLE, CHALLENGE_BODY, status=403, headers=CHALLENGE_HEADERS),
    "403 bot challenge with cf-mitigated: challenge",
    title=CHALLENGE_TITLE,
)
scenario(
    "challenge-200",
    Verdict.BLOCKED,
    page(CHALLENGE_TITLE, CHALLENGE_BODY, headers=CHALLENGE_HEADERS),
    "bot challenge served with 200 and cf-mitigated: challenge",
    title=CHALLENGE_TITLE,
)

# Transport failures.

scenario("hang", Verdict.UNREACHABLE, hang, "accepts the request, never answers", final_path=None)
scenario(
    "slow-drip",
    Verdict.UNREACHABLE,
    slow_drip,
    "200 headers, then one byte a second forever: a timeout",
    final_path=None,
)
scenario("slow", Verdict.OK, slow, f"answers after {SLOW_DELAY:g} s (use a longer timeout)", title=ARTICLE_TITLE)
scenario("reset", Verdict.UNREACHABLE, reset, "accepts the request, then resets the connection (RST)", final_path=None)
scenario(
    "refused",
    Verdict.BROKEN,
    None,
    "connection refused: see SimWeb.refused_url()",
    path="/",
    final_path=None,
    host=REFUSED_HOST,
)
scenario(
    "nxdomain",
    Verdict.BROKEN,
    None,
    "the name does not exist: see SimWeb.nxdomain_url()",
    path="/",
    final_path=None,
    host=NXDOMAIN_HOST,
)

# Dead pages that answer 200.

scenario(
    "soft-404-title",
    Verdict.BROKEN,
    page("Page Not Found | Site"),
    "200 whose title says not found",
    title="Page Not Found | Site",
)
scenario(
    "soft-404-zh",
    Verdict.BROKEN,
    page("页面不存在", "<p>您访问的页面不存在或已被删除。</p>"),
    "200 whose title says not found, in Chinese",
    title="页面不存在",
)
scenario(
    "soft-404-heading",
    Verdict.BROKEN,
    page("Archive | Example Weekly", "<h1>404 - 找不到页面</h1><p>请返回首页</p>"),
    "200 with a neutral title and an <h1> that says 404",
    title="Archive | Example Weekly",
)
scenario(
    "home-redirect",
    Verdict.BROKEN,
    home_redirect,
    "a deep link 301s to / of the same host, a 200 home page (soft-404)",
    path="/s/home-redirect/2024/03/article",
    title=HOME_TITLE,
    final_path="/",
    host="home-redirect.test",
)
scenario(
    "parked",
    Verdict.BROKEN,
    parked,
    "200 domain-parking page: for sale, buy this domain, parking scripts",
    title=PARKED_TITLE,
    host="parked-domain.test",
)
scenario(
    "taken-over",
    Verdict.OK,
    page(TAKEOVER_TITLE, TAKEOVER_BODY),
    "200 gambling page on every path: the domain changed hands; it works, but is not the page cited (drift)",
    title=TAKEOVER_TITLE,
    host="taken-over.test",
)

# Bodies too big to read.

scenario(
    "large-pdf",
    Verdict.OK,
    large("application/pdf", b"%PDF-1.7\n", b"\0" * STREAM_CHUNK, 20 * MIB),
    "200 application/pdf, 20 MiB with Content-Length: stop after the headers",
)
scenario(
    "huge-html",
    Verdict.OK,
    large(HTML, html_start("Huge page"), HTML_FILLER, 50 * MIB),
    "200 text/html, 50 MiB, title in the first KB: stop after 64 KB",
    title="Huge page",
)
scenario(
    "gzip-bomb",
    Verdict.OK,
    gzip_bomb_handler,
    "200 gzip HTML, 1 MB on the wire, 1 GiB inflated, title first",
    title="Compressed page",
)
scenario(
    "endless",
    Verdict.OK,
    large(HTML, html_start("Endless page"), HTML_FILLER, None),
    "chunked HTML that never ends, title first",
    title="Endless page",
)

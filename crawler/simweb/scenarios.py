"""The catalogue of behaviours the simulated web can show, with their truth.

Each `Scenario` is one way a real link behaves (a 404, a parked domain, a
page in GBK, a server that never answers...) together with what rotwatch
should conclude about it: the `Verdict`, the page title and the path the
crawl should end on. Tests and benchmarks compare the crawler's answers with
this truth, so the behaviour and its expected verdict live side by side here
and nowhere else.

Where a scenario is served (every served host, `SimWeb` does the routing):

- `/s/<name>` and sub-paths it needs (`/s/redirect-loop/b`, ...).
- `/gen/<name>/<token>[/<sub-path>]`: the same behaviour under a unique URL,
  so a benchmark can mint thousands of distinct URLs per scenario; `<token>`
  is one path segment of the caller's choice. Per-URL state (the first 503 of
  `flaky-503`) is per minted URL.
- A host of its own for scenarios that are about a whole site
  (`Scenario.host`): `parked-domain.test` is parked on every path, and on
  `home-redirect.test` every deep link is sent to its home page.
- `/` on any other host is a home page titled `HOME_TITLE`; any other path is a
  200 page titled `fallback_title(host, path)`.

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

import asyncio
import functools
import html
import itertools
import struct
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING

from crawler.models import Verdict

if TYPE_CHECKING:
    from crawler.simweb.server import Exchange

__all__ = [
    "HANDLERS",
    "HOME_TITLE",
    "NXDOMAIN_HOST",
    "REFUSED_HOST",
    "SCENARIOS",
    "Scenario",
    "fallback_page",
    "fallback_title",
    "home_page",
]

Handler = Callable[["Exchange"], Awaitable[None]]

HTML = "text/html; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"

REFUSED_HOST = "refused.test"  # resolves, but nothing listens on its port
NXDOMAIN_HOST = "no-such-host.invalid"  # RFC 6761: never resolves

HOME_TITLE = "Example Weekly | Home"
UTF8_TITLE = "人工智能 & 机器人 周刊"  # the <title> says "&amp;"
ARTICLE_TITLE = "An article that is still here"
CHALLENGE_TITLE = "Just a moment..."
PARKED_TITLE = "Related Searches"

MIB = 1024 * 1024
STREAM_CHUNK = 64 * 1024  # bytes per write of a large body
STREAM_PAUSE = 0.004  # s between chunks: ~16 MB/s, see the module docstring
REDIRECT_HOPS = 12  # too-many-redirects: more than rotwatch's limit of 10
SLOW_DELAY = 3.0  # s before `slow` answers
JPEG_START = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")  # SOI, JFIF APP0, EOI


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


def fallback_title(host: str, path: str) -> str:
    """Title of the 200 page served on any path no scenario claims."""
    return f"Page {path} on {host}"


def html_page(title: str | None, body: str = "", head: str = "") -> str:
    """A small HTML document; `title` is markup, inserted as given."""
    title_tag = "" if title is None else f"<title>{title}</title>"
    return f"<!DOCTYPE html>\n<html><head>{head}{title_tag}</head>\n<body>{body}</body></html>\n"


def render(title: str | None, body: str = "", head: str = "", encoding: str = "utf-8") -> bytes:
    """An encoded HTML page; `title` is text and gets escaped (so "&" becomes "&amp;")."""
    markup = None if title is None else html.escape(title, quote=False)
    return html_page(markup, body, head).encode(encoding)


# Handler factories: most scenarios are one of these with different values.


def content(
    payload: bytes,
    content_type: str,
    *,
    status: int = 200,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
) -> Handler:
    """Answers the same bytes every time (HEAD gets the headers only)."""

    async def handler(exchange: Exchange) -> None:
        await exchange.reply(status, payload, content_type=content_type, reason=reason, headers=headers)

    return handler


def page(
    title: str | None,
    body: str = "<p>Nothing unusual here.</p>",
    *,
    head: str = "",
    encoding: str = "utf-8",
    content_type: str = HTML,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Handler:
    """Answers an HTML page with this title."""
    payload = render(title, body, head, encoding)
    return content(payload, content_type, status=status, headers=headers)


def error(status: int, *, reason: str | None = None, headers: dict[str, str] | None = None) -> Handler:
    """Answers a plain-text error: no title, so a verdict rests on the status alone."""
    payload = f"{status} {reason or HTTPStatus(status).phrase}\n".encode()
    return content(payload, PLAIN, status=status, reason=reason, headers=headers)


def redirect(status: int, target: str) -> Handler:
    """Redirects to a fixed path on the same host."""

    async def handler(exchange: Exchange) -> None:
        await exchange.redirect(status, target)

    return handler


def first_then(first: Handler, then: Handler) -> Handler:
    """`first` for the first request to each URL (since `SimWeb.reset_state`), `then` after."""

    async def handler(exchange: Exchange) -> None:
        await (first if exchange.first_visit() else then)(exchange)

    return handler


def by_method(head: Handler, get: Handler) -> Handler:
    """Answers HEAD one way and everything else another, like servers that mishandle HEAD."""

    async def handler(exchange: Exchange) -> None:
        await (head if exchange.method == "HEAD" else get)(exchange)

    return handler


async def hang(exchange: Exchange) -> None:
    """Accepts the request and never answers."""
    await exchange.hang()


async def reset(exchange: Exchange) -> None:
    """Resets the TCP connection without answering."""
    await exchange.reset()


ARTICLE = page(ARTICLE_TITLE)  # the 200 page behind scenarios that end well
FORBIDDEN = error(403)


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


async def chain_301_302(exchange: Exchange) -> None:
    """301 to a second step, whose 302 has a relative Location."""
    if exchange.rest == "/step2":
        await exchange.redirect(302, "/s/ok-utf8", relative=True)
    else:
        await exchange.redirect(301, f"{exchange.base}/step2")


async def redirect_loop(exchange: Exchange) -> None:
    """A -> B -> A."""
    target = exchange.base if exchange.rest == "/b" else f"{exchange.base}/b"
    await exchange.redirect(301, target or "/")


async def too_many_redirects(exchange: Exchange) -> None:
    """Base -> /hop/1 -> ... -> /hop/12, which answers 200: distinct paths, no loop."""
    step = exchange.rest.removeprefix("/hop/")
    hop = int(step) if step.isdigit() else 0
    if hop >= REDIRECT_HOPS:
        await ARTICLE(exchange)
    else:
        await exchange.redirect(301, f"{exchange.base}/hop/{hop + 1}")


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

# Cookie checks: the site sets a cookie and redirects to the very same URL, then serves the page
# only when the cookie comes back. Real cases: sanantonio.gov (wummel/linkchecker#419), meloman.kz
# (encode/httpx#821), paywalls and consent walls (xroche/httrack#537). A client without cookies
# sees a loop; a browser sees the page.

SIM_COOKIE = "rotwatch_sim_visited=1"


async def cookie_check(exchange: Exchange) -> None:
    """302 to itself with a cookie; the page once the cookie comes back."""
    if SIM_COOKIE in exchange.headers.get("Cookie", ""):
        await ARTICLE(exchange)
    else:
        await cookie_loop(exchange)


async def cookie_loop(exchange: Exchange) -> None:
    """302 to itself with a cookie, whatever the client sends."""
    headers = {"Location": f"http://{exchange.headers['Host']}{exchange.request.raw_path}", "Set-Cookie": SIM_COOKIE}
    await exchange.reply(302, b"", content_type=PLAIN, headers=headers)


scenario(
    "cookie-check",
    Verdict.OK,
    cookie_check,
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


async def bot_403(exchange: Exchange) -> None:
    """Lets browsers in and refuses everything else."""
    browser = "Mozilla" in exchange.headers.get("User-Agent", "")
    await (ARTICLE if browser else FORBIDDEN)(exchange)


CHALLENGE_HEADERS = {"cf-mitigated": "challenge", "Server": "cloudflare"}
CHALLENGE_BODY = "<noscript>Enable JavaScript and cookies to continue</noscript>"

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


async def slow_drip(exchange: Exchange) -> None:
    """Headers at once, then a byte a second for as long as the client listens."""
    await exchange.stream(200, itertools.repeat(b" "), content_type=HTML, pause=1.0)


async def slow(exchange: Exchange) -> None:
    """Answers, but only after SLOW_DELAY seconds on top of the host's latency."""
    await asyncio.sleep(SLOW_DELAY)
    await ARTICLE(exchange)


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


# The 200 home page at `/` of every host.
home_page = page(HOME_TITLE, "<h1>Example Weekly</h1><p>Latest issues and articles.</p>")


async def home_redirect(exchange: Exchange) -> None:
    """Sends every deep link to the home page, as sites do with removed articles."""
    if exchange.path == "/":
        await home_page(exchange)
    else:
        await exchange.redirect(301, "/")


PARKED_BODY = """<h1>{host}</h1>
<p>This domain is for sale!
<a href="https://sedo.com/search/details/?domain={host}">Buy this domain</a></p>
<h2>Related Searches</h2><ul><li>Online Courses</li><li>Cheap Flights</li></ul>
<script src="https://sedoparking.com/frmpark/{host}/IN_parking/park.js"></script>
<script src="https://www.bodis.com/landers/parked.js"></script>"""


async def parked(exchange: Exchange) -> None:
    """A domain parking page naming the host, as parking services serve them."""
    payload = render(PARKED_TITLE, PARKED_BODY.format(host=html.escape(exchange.host)))
    await exchange.reply(200, payload, content_type=HTML)


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

# Bodies too big to read.


def body_chunks(first: bytes, filler: bytes, total: int | None) -> Iterator[bytes]:
    """`first`, then `filler` repeated: `total` bytes in all, or forever when None."""
    chunks = itertools.chain([first], itertools.repeat(filler))
    if total is None:
        yield from chunks
        return
    for chunk in chunks:
        yield chunk[:total]
        total -= len(chunk)
        if total <= 0:
            return


def large(content_type: str, first: bytes, filler: bytes, total: int | None) -> Handler:
    """Streams a big body at STREAM_PAUSE pace, stopping when the client leaves."""

    async def handler(exchange: Exchange) -> None:
        chunks = body_chunks(first, filler, total)
        await exchange.stream(200, chunks, content_type=content_type, length=total, pause=STREAM_PAUSE)

    return handler


def html_start(title: str) -> bytes:
    """The head of a long HTML page: its title comes in the first few hundred bytes."""
    return f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body>\n".encode()


HTML_FILLER = (b"<p>" + b"lorem ipsum " * 64 + b"</p>\n") * (STREAM_CHUNK // 780)
BOMB_PREFIX = html_start("Compressed page")
BOMB_SPACES = 1024  # MiB of spaces after the prefix: 1 GiB inflated


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to BOMB_PREFIX + 1 GiB of spaces.

    Compressing 1 GiB would take seconds, so one MiB of spaces is compressed
    after a full flush (which resets the compressor's history, making the
    block independent of what came before) and that block is repeated; the
    gzip trailer (CRC-32 and length of the inflated data) is written by hand.
    Built on first use (~0.2 s, mostly the CRC) and kept.
    """
    spaces = b" " * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip framing
    head = compressor.compress(BOMB_PREFIX) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(spaces) + compressor.flush(zlib.Z_FULL_FLUSH)
    last_block = compressor.flush(zlib.Z_FINISH)[:-8]  # drop the trailer zlib computed
    crc = zlib.crc32(BOMB_PREFIX)
    for _ in range(BOMB_SPACES):
        crc = zlib.crc32(spaces, crc)
    size = len(BOMB_PREFIX) + BOMB_SPACES * MIB
    return head + block * BOMB_SPACES + last_block + struct.pack("<II", crc, size % 2**32)


async def gzip_bomb_handler(exchange: Exchange) -> None:
    """Sends the bomb whatever the client said it accepts, as a hostile server would."""
    await exchange.reply(200, gzip_bomb(), content_type=HTML, headers={"Content-Encoding": "gzip"})


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


async def fallback_page(exchange: Exchange) -> None:
    """200 for any path no scenario claims, so benchmarks can mint unique OK URLs."""
    payload = render(fallback_title(exchange.host, exchange.path), "<p>An ordinary page.</p>")
    await exchange.reply(200, payload, content_type=HTML)

"""How the simulated sites answer: the behaviours the scenarios are made of.

Most scenarios are one of a few handler factories with different values (a
page with this title, this error status, a redirect to that path); the
few that need more (a redirect chain, a loop, a bot wall) have a handler of
their own here. What each behaviour should be judged, and where it is
served, is the catalogue's business: `crawler.simweb.scenarios`. Large and
compressed bodies are in `crawler.simweb.bodies`.
"""

from __future__ import annotations

import asyncio
import itertools
from http import HTTPStatus

from crawler.simweb.exchange import HTML, PLAIN, Exchange, Handler
from crawler.simweb.pages import HOME_TITLE, fallback_title, parked_page, render

__all__ = [
    "ARTICLE",
    "ARTICLE_TITLE",
    "REDIRECT_HOPS",
    "SIM_COOKIE",
    "SLOW_DELAY",
    "by_method",
    "content",
    "cookie_check",
    "cookie_loop",
    "error",
    "fallback_page",
    "first_then",
    "hang",
    "home_page",
    "page",
    "redirect",
    "reset",
]

ARTICLE_TITLE = "An article that is still here"
REDIRECT_HOPS = 12  # too-many-redirects: more than rotwatch's limit of 10
SLOW_DELAY = 3.0  # s before `slow` answers


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

# Pages every ordinary host serves.

# The 200 home page at `/` of every host.
home_page = page(HOME_TITLE, "<h1>Example Weekly</h1><p>Latest issues and articles.</p>")


async def fallback_page(exchange: Exchange) -> None:
    """200 for any path no scenario claims, so benchmarks can mint unique OK URLs."""
    payload = render(fallback_title(exchange.host, exchange.path), "<p>An ordinary page.</p>")
    await exchange.reply(200, payload, content_type=HTML)


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


# Bot walls.


async def bot_403(exchange: Exchange) -> None:
    """Lets browsers in and refuses everything else."""
    browser = "Mozilla" in exchange.headers.get("User-Agent", "")
    await (ARTICLE if browser else FORBIDDEN)(exchange)


# Transport failures.


async def slow_drip(exchange: Exchange) -> None:
    """Headers at once, then a byte a second for as long as the client listens."""
    await exchange.stream(200, itertools.repeat(b" "), content_type=HTML, pause=1.0)


async def slow(exchange: Exchange) -> None:
    """Answers, but only after SLOW_DELAY seconds on top of the host's latency."""
    await asyncio.sleep(SLOW_DELAY)
    await ARTICLE(exchange)


# Dead pages that answer 200.


async def home_redirect(exchange: Exchange) -> None:
    """Sends every deep link to the home page, as sites do with removed articles."""
    if exchange.path == "/":
        await home_page(exchange)
    else:
        await exchange.redirect(301, "/")


async def parked(exchange: Exchange) -> None:
    """A domain parking page naming the host, as parking services serve them."""
    await exchange.reply(200, parked_page(exchange.host), content_type=HTML)


# Cookie checks: the site sets a cookie and redirects to the very same URL, then serves the page
# only when the cookie comes back. Real cases: sanantonio.gov (wummel/linkchecker#419), meloman.kz
# (encode/httpx#821), paywalls and consent walls (xroche/httrack#537). A client without cookies
# sees a loop; a browser sees the page.

SIM_COOKIE = "rotwatch_sim_visited=1"


def cookie_check(page: Handler) -> Handler:
    """302 to itself with a cookie; `page` once the cookie comes back."""

    async def handle(exchange: Exchange) -> None:
        if SIM_COOKIE in exchange.headers.get("Cookie", ""):
            await page(exchange)
        else:
            await cookie_loop(exchange)

    return handle


async def cookie_loop(exchange: Exchange) -> None:
    """302 to itself with a cookie, whatever the client sends."""
    headers = {"Location": f"http://{exchange.headers['Host']}{exchange.request.raw_path}", "Set-Cookie": SIM_COOKIE}
    await exchange.reply(302, b"", content_type=PLAIN, headers=headers)

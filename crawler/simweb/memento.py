"""A Memento-compatible web archive inside the simulated web, besides the simulated Wayback Machine.

The Memento spider is tested against this instead of arquivo.pt, the
Library of Congress or archive.today. It holds captures of its own (a test
adds them; the simulated Wayback Machine does not see them) and serves:

- TimeMaps, `GET /timemap/link/<url>`, in `application/link-format` as
  pywb writes them (webrecorder/pywb tests/test_memento.py): one link a
  line, `rel="original"`, `rel="self"` with `from`/`until`, then the mementos
  oldest first with `datetime`, the first and last as `rel="first memento"`
  and `rel="last memento"` (`"first last memento"` when there is one, as
  mementoweb/timegate writes it). With `page_size` the TimeMap is paged as
  RFC 7089 section 5.1.1 describes: `/timemap/link/page/<n>/<url>` for the
  pages after the first, each listing the others with `rel="timemap"` and
  their range. A URL with no capture is a 404.
- Mementos, `GET /web/<timestamp>[id_]/<url>`: the simulated Wayback
  Machine's playback (crawler.simweb.wayback_endpoints), with
  `Memento-Datetime`, as Wayback software (pywb, OpenWayback) replays them.

Its bad habits on demand: a rate limit whose 429 is bare (a token bucket,
as the simulated Wayback Machine's), and archive.today's answer to
automated clients, a 429 with a CAPTCHA page (`answer_with_captcha`).
`SimWeb(mementos=[...])` serves it under its own host name, and `archive()`
gives the `MementoArchive` that points the Memento spider at it
(`config_entry()` the same as a `further_archives` entry). The
simulated web's request log records every request; `count` what it answered.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Sequence
from typing import TypedDict, Unpack

from crawler.simweb.exchange import HTML, PLAIN, Exchange
from crawler.simweb.pages import render
from crawler.simweb.wayback import DEFAULT_BURST, SimWayback
from crawler.simweb.wayback_captures import Capture
from crawler.simweb.wayback_endpoints import not_found
from crawler.simweb.wayback_limits import TokenBucket
from crawler.simweb.wayback_queries import playback_path
from crawler.wayback.archives import WAYBACK_RAW, MementoArchive

__all__ = ["CAPTCHA_TITLE", "LINK_FORMAT", "MEMENTO_HOST", "SimMemento", "timemap_body"]

log = logging.getLogger(__name__)

MEMENTO_HOST = "memento.test"
LINK_FORMAT = "application/link-format"
TIMEMAP = "/timemap/link/"
_PAGE = re.compile(r"/timemap/link/page/(\d+)/(.+)", re.S)
CAPTCHA_TITLE = "Please complete the security check to access archive.today"
CAPTCHA_PAGE = render(CAPTCHA_TITLE, "<p>Completing the CAPTCHA proves you are a human.</p>")
FAST = 6000.0  # requests a minute: the pace `archive()` gives the spider unless told otherwise


class CaptureDetails(TypedDict, total=False):
    """What a test may say about a capture besides its URL and timestamp."""

    kind: str
    title: str | None
    redirect_to: str | None


class SimMemento:
    """A Memento-compatible archive for `SimWeb(mementos=[...])` (see the module docstring).

    `rate_limit` (requests a second, None for no limit) and `burst` shape
    its token bucket; `latency` (s) is added to every answer; `page_size`
    (mementos a page, None for one page) pages its TimeMaps. Safe to
    configure from the test thread while the server answers from its own.
    """

    def __init__(
        self,
        host: str = MEMENTO_HOST,
        *,
        rate_limit: float | None = None,
        burst: float = DEFAULT_BURST,
        latency: float = 0.0,
        page_size: int | None = None,
    ):
        if page_size is not None and page_size < 1:
            raise ValueError(f"a TimeMap page holds at least one memento, not {page_size}")
        self.host = host.lower()
        self.latency = latency
        self.page_size = page_size
        self._held = SimWayback(self.host)  # its captures, and their playback
        self._bucket = None if rate_limit is None else TokenBucket(rate_limit, burst)
        self._lock = threading.Lock()
        self._captchas = 0
        self._answers: Counter[tuple[str, int]] = Counter()

    # What the archive holds, and how it behaves.

    def add_capture(self, url: str, timestamp: str = "20240320120000", **details: Unpack[CaptureDetails]) -> Capture:
        """Archives one capture of `url` at `timestamp` (14 digits); `kind`, `title` and
        `redirect_to` as `SimWayback.add_capture` takes them."""
        return self._held.add_capture(url, timestamp, **details)

    def captures(self, url: str) -> list[Capture]:
        """Every capture of `url` (after canonicalisation), oldest first."""
        return self._held.captures(url)

    def answer_with_captcha(self, count: int) -> None:
        """The next `count` requests that get past the rate limit are answered 429 with a CAPTCHA page."""
        with self._lock:
            self._captchas += count

    def reset(self) -> None:
        """Forgets captures, pending CAPTCHAs and counts; refills the bucket."""
        self._held.reset()
        with self._lock:
            self._captchas = 0
            self._answers.clear()
        if self._bucket is not None:
            self._bucket.refill()

    def archive(
        self, base: str, *, rate: float = FAST, raw: str | None = WAYBACK_RAW, retries: int = 2
    ) -> MementoArchive:
        """The definition that points the Memento spider at this archive served at `base` (no trailing /)."""
        return MementoArchive(self.host, f"{base}{TIMEMAP}{{url}}", rate, raw, retries)

    def config_entry(self, base: str, *, rate: float = FAST, retries: int = 2) -> str:
        """This archive served at `base` as a `further_archives` entry (crawler.wayback.archives.archive_of)."""
        return f"{self.host}={base}{TIMEMAP}{{url}} rate={rate:g} retries={retries}"

    # What it answered.

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """Requests answered, optionally only for one endpoint (`timemap`, `playback`,
        `other`) and/or with one status; final after `web.log.wait_idle()`."""
        with self._lock:
            answered = list(self._answers.items())
        return sum(n for (where, answer), n in answered if endpoint in (None, where) and status in (None, answer))

    # Serving.

    async def handle(self, exchange: Exchange) -> None:
        """Answers one request: rate limit, CAPTCHA, then the TimeMap or the memento."""
        path = exchange.request.raw_path
        where = "timemap" if path.startswith(TIMEMAP) else "playback" if path.startswith("/web/") else "other"
        try:
            if self._bucket is not None and not self._bucket.take():
                log.debug("over the rate limit: 429 for %s", path)
                await exchange.reply(429, b"Too Many Requests\n", content_type=PLAIN)
            elif self._take_captcha():
                log.debug("CAPTCHA: 429 for %s", path)
                await exchange.reply(429, CAPTCHA_PAGE, content_type=HTML)
            elif where == "timemap":
                await self._timemap(exchange, path)
            elif where == "playback":
                await self._held.handle(exchange)
            else:
                await not_found(exchange)
        finally:
            status = exchange.response.status if exchange.response is not None else 0
            with self._lock:
                self._answers[where, status] += 1

    def _take_captcha(self) -> bool:
        with self._lock:
            if self._captchas:
                self._captchas -= 1
                return True
            return False

    async def _timemap(self, exchange: Exchange, path: str) -> None:
        paged = _PAGE.fullmatch(path)
        number, url = (int(paged.group(1)), paged.group(2)) if paged else (1, path.removeprefix(TIMEMAP))
        captures = self.captures(url)
        pages = _pages(captures, self.page_size)
        if not captures or not 1 <= number <= len(pages):
            await exchange.reply(404, b"TimeMap does not exist\n", content_type=PLAIN)
            return
        base = f"http://{exchange.headers['Host']}"
        body = timemap_body(url, pages, number, base, first=captures[0], last=captures[-1])
        await exchange.reply(200, body, content_type=LINK_FORMAT)


def _pages(captures: Sequence[Capture], size: int | None) -> list[Sequence[Capture]]:
    if not size:
        return [captures]
    return [captures[at : at + size] for at in range(0, len(captures), size)]


def timemap_body(
    url: str, pages: Sequence[Sequence[Capture]], number: int, base: str, *, first: Capture, last: Capture
) -> bytes:
    """Page `number` (1-based) of the TimeMap of `url`, whose mementos are split into `pages`."""

    def page_url(n: int) -> str:
        return f"{base}{TIMEMAP}{url}" if n == 1 else f"{base}{TIMEMAP}page/{n}/{url}"

    def span(page: Sequence[Capture]) -> str:
        return f'from="{page[0].memento_datetime}"; until="{page[-1].memento_datetime}"'

    typed = f'type="{LINK_FORMAT}"'
    lines = [f'<{url}>; rel="original"', f'<{page_url(number)}>; rel="self"; {typed}; {span(pages[number - 1])}']
    lines += [f'<{page_url(n)}>; rel="timemap"; {typed}; {span(p)}' for n, p in enumerate(pages, 1) if n != number]
    for capture in pages[number - 1]:
        rel = " ".join(["first"] * (capture is first) + ["last"] * (capture is last) + ["memento"])
        memento = base + playback_path(capture, "")
        lines.append(f'<{memento}>; rel="{rel}"; datetime="{capture.memento_datetime}"')
    return (",\n".join(lines) + "\n").encode()

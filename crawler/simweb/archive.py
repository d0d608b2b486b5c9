"""A Wayback-compatible archive inside the simulated web.

The Wayback spider is tested against this instead of web.archive.org: the
same three endpoints in the same formats, captures a test adds one by one,
and the real archive's bad habits (rate limiting with a bare 429, falsely
empty availability answers, captures of "not found" and parking pages,
captures of redirects to the home page) on demand. `SimWeb(archive=...)`
serves it under its own host name, so `SimWeb.archive_endpoint` is what
`--archive-endpoint` takes.

What is served, and where the formats come from:

- CDX, `GET /cdx/search/cdx` (internetarchive/wayback `wayback-cdx-server`:
  README, `CDXServer.java`, `JsonWriter.java`). `output=json` is a JSON array
  whose first row is the field names (`fl` picks and orders them), then one
  array of strings per capture in timestamp order; `[]` when nothing
  matches (the header is written with the first row, so no row means no
  header). A field the index does not know is `-`; a capture indexed twice
  gives two equal rows. `filter=[!]field:regex` is a full match, repeatable;
  `closest=TS` orders by distance only together with `sort=closest`
  (`ClosestTimestampSorted` is applied only then); `limit=N` keeps the first
  N rows, `limit=-N` the last N. Without `output=json` the rows are
  space-separated text lines. Other parameters are ignored; URLs match
  exactly after the canonicalisation of `url_key`.
- Availability, `GET /wayback/available?url=U[&timestamp=TS][&closest=..]`
  (archive.org/help/wayback_api.php; ArchiveLabs/api.archive.org swagger):
  `{"url": U, "archived_snapshots": {"closest": {"available": true, "url",
  "timestamp", "status"}}, "timestamp": TS}`, with `{}` inside when nothing
  is archived and `timestamp` echoed only when asked; all values strings but
  `available`. `POST` with `Wayback-Api-Version: 2` takes one form-encoded
  query per line (InternetArchiveBot's `APII::CDXQuery`: `url`, `timestamp`,
  `closest=before|after|either`, repeated `statuscodes`, `tag`) and answers
  `{"results": [{"url", "timestamp", "tag", "archived_snapshots"}]}`.
- Playback, `GET /web/<timestamp><flag>/<original>`: a capture's exact
  timestamp replays it (its recorded status, `Memento-Datetime`, a `Link`
  to the original and the memento, the site's own headers as
  `X-Archive-Orig-*`); any other timestamp is answered 302 to the nearest
  capture's exact URL with the same flag and no `Memento-Datetime` (the
  edgi-govdata-archiving/wayback client tells a capture from the archive's
  own redirect by that header alone); a URL never captured is a 404
  without it. A captured redirect is replayed as a redirect to the target's
  playback URL at the same timestamp, with `Memento-Datetime`.
- Every request, whatever the endpoint, draws from one token bucket; an
  empty bucket answers 429 with no Retry-After, as the real archive does.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import json
import re
import string
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

from crawler.simweb.scenarios import (
    HOME_TITLE,
    HTML,
    JPEG_START,
    PARKED_BODY,
    PARKED_TITLE,
    PLAIN,
    fallback_title,
    render,
)

if TYPE_CHECKING:
    from crawler.simweb.server import Exchange

__all__ = ["ARCHIVE_HOST", "CAPTURE_KINDS", "Capture", "SimArchive", "TokenBucket", "url_key"]

ARCHIVE_HOST = "archive.test"
DEFAULT_BURST = 2.0  # requests: absorbs a client paced at exactly the rate, whose arrivals jitter
JSON = "application/json"
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
SOFT_404_TITLE = "Page Not Found"
SOFT_404_BODY = "<h1>Page Not Found</h1><p>The page you requested does not exist.</p>"
NOT_ARCHIVED = "Hrm. The Wayback Machine has not archived that URL."
PARKING_KEY = "simulated-parking-sitekey"
TIMESTAMP_DIGITS = 14
EARLIEST = "00000101000000"  # how a partial timestamp is padded: the start of its period
PLAYBACK = re.compile(r"/web/(\d{1,14})([a-z]{2}_)?/(.+)", re.S)


@dataclass(frozen=True, slots=True)
class Kind:
    """What a capture of this kind replays, and what the index says it is by default."""

    mimetype: str
    content_type: str
    redirects: bool = False


# kind -> behaviour; `redirect` goes to `redirect_to`, `redirect-home` to the site's root.
CAPTURE_KINDS = {
    "page": Kind("text/html", HTML),
    "soft-404": Kind("text/html", HTML),
    "parked": Kind("text/html", HTML),
    "image": Kind("image/jpeg", "image/jpeg"),
    "redirect": Kind("text/html", HTML, redirects=True),
    "redirect-home": Kind("text/html", HTML, redirects=True),
}


class BadQueryError(ValueError):
    """Raised while reading a request the archive cannot make sense of (a
    timestamp that is no date, a filter that is no regex, a limit that is no
    number); `SimArchive.handle` answers it with 400 and the message."""


def url_key(url: str) -> str:
    """The index key of a URL: a simplified SURT, as the real CDX matches on.

    Like Internet Archive's canonicaliser it ignores the scheme, case, a
    leading `www.` (or `www2.`...), default ports, a trailing slash, the
    order of query parameters and how the path is percent-encoded:
    `https://www.Example.com/a/?y=2&x=1` is `com,example)/a?x=1&y=2`.
    """
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = re.sub(r"^www\d*\.", "", (parts.hostname or "").rstrip("."))
    port = "" if parts.port in (None, 80, 443) else f":{parts.port}"
    path = _canonical(parts.path).rstrip("/") or "/"
    query = "&".join(sorted(_canonical(pair) for pair in parts.query.split("&") if pair))
    surt_host = ",".join(reversed(host.split(".")))
    return f"{surt_host}{port}){path}{'?' + query if query else ''}".lower()


def ascii_url(url: str) -> str:
    """The URL as a crawler requests it: non-ASCII characters percent-encoded, the rest
    kept, so it can go in a header (Location, Link) and in a playback path as it is."""
    return quote(url, safe=string.punctuation)


def _canonical(text: str) -> str:
    # One spelling for every percent-encoding of the same characters.
    return quote(unquote(text), safe="/:@!$&'()*+,;=-._~")


def moment_of(timestamp: str) -> datetime:
    """The UTC moment of a 1-14 digit Wayback timestamp, padded to the start of its period."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= TIMESTAMP_DIGITS):
        raise BadQueryError(f"not a timestamp: {timestamp!r}")
    try:
        padded = datetime.strptime(timestamp + EARLIEST[len(timestamp) :], "%Y%m%d%H%M%S")
    except ValueError:
        raise BadQueryError(f"not a date: {timestamp!r}") from None
    return padded.replace(tzinfo=UTC)


def distance(capture: Capture, target: datetime) -> float:
    """Seconds between a capture and a moment, whichever comes first."""
    return abs((capture.moment - target).total_seconds())


@dataclass(frozen=True, slots=True)
class Capture:
    """One capture: what the index says about it and what playback replays.

    `status` and `mimetype` are what the CDX row shows (None status: `-`);
    playback answers `status` (a redirect kind answers it if it is a 3xx,
    else 302) with the kind's content type, whatever the index says, as an
    index row can disagree with the record it points to.
    """

    original: str
    timestamp: str
    kind: str
    status: int | None
    mimetype: str
    body: bytes
    redirect_to: str | None = None
    key: str = field(init=False)
    moment: datetime = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", url_key(self.original))
        object.__setattr__(self, "moment", moment_of(self.timestamp))

    def cdx_fields(self) -> dict[str, str]:
        """The row the CDX index has for this capture, by field name."""
        digest = base64.b32encode(hashlib.sha1(self.body).digest()).decode()
        status = "-" if self.status is None else str(self.status)
        return {
            "urlkey": self.key,
            "timestamp": self.timestamp,
            "original": self.original,
            "mimetype": self.mimetype,
            "statuscode": status,
            "digest": digest,
            "length": str(len(self.body)),
        }

    @property
    def memento_datetime(self) -> str:
        """The capture's moment as an HTTP date (RFC 7089's Memento-Datetime)."""
        return email.utils.format_datetime(self.moment, usegmt=True)

    @property
    def replay_status(self) -> int:
        """What the site answered when captured, which playback answers again."""
        if CAPTURE_KINDS[self.kind].redirects:
            return self.status if self.status is not None and 300 <= self.status < 400 else 302
        return self.status or 200

    def original_headers(self) -> dict[str, str]:
        """The headers the archived site sent, as playback shows them (X-Archive-Orig-*)."""
        headers = {"Content-Type": CAPTURE_KINDS[self.kind].content_type, "Date": self.memento_datetime}
        if self.redirect_to is not None:
            headers["Location"] = self.redirect_to
        if self.kind == "parked":
            headers["X-Adblock-Key"] = PARKING_KEY  # parking services send it; see crawler.check.classify
        return {f"X-Archive-Orig-{name}": value for name, value in headers.items()}


def capture_body(kind: str, url: str, title: str | None) -> bytes:
    """The archived bytes of a capture of this kind, when the test gives none."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if kind == "page":
        return render(title or fallback_title(host, unquote(parts.path) or "/"), "<p>An archived page.</p>")
    if kind == "soft-404":
        return render(title or SOFT_404_TITLE, SOFT_404_BODY)
    if kind == "parked":
        return render(PARKED_TITLE, PARKED_BODY.format(host=html.escape(host)))
    if kind == "image":
        return JPEG_START
    return b""


def site_root(url: str) -> str:
    """The home page of the site a URL is on."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


class TokenBucket:
    """`rate` requests a second on average, `burst` at once; thread-safe."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError(f"a rate limit needs rate > 0 and burst >= 1, not {rate} and {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = burst
        self._last = clock()

    def take(self) -> bool:
        """Spends a token if there is one; False means the request is over the limit."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def refill(self) -> None:
        with self._lock:
            self._tokens, self._last = self.burst, self._clock()


@dataclass(frozen=True, slots=True)
class Lookup:
    """One availability query: the single GET's parameters or one line of a batch."""

    url: str
    timestamp: str | None
    closest: str
    statuses: frozenset[int]
    tag: str | None

    @classmethod
    def parse(cls, query: str) -> Lookup:
        params = parse_qs(query, keep_blank_values=True)
        closest = params.get("closest", ["either"])[0]
        if closest not in {"before", "after", "either"}:
            raise BadQueryError(f"closest must be before, after or either, not {closest!r}")
        try:
            statuses = frozenset(int(code) for code in params.get("statuscodes", []))
        except ValueError:
            raise BadQueryError(f"statuscodes must be numbers: {params['statuscodes']}") from None
        timestamp = params.get("timestamp", [""])[0] or None
        return cls(params.get("url", [""])[0], timestamp, closest, statuses, params.get("tag", [None])[0])

    def choose(self, captures: Iterable[Capture]) -> Capture | None:
        """The capture this query gets: the nearest in the asked direction, the newest
        without a timestamp; only captures with a known status (one of `statuses`, if any)."""
        known = [c for c in captures if c.status is not None and (not self.statuses or c.status in self.statuses)]
        if self.timestamp is None:
            return known[-1] if known else None
        target = moment_of(self.timestamp)
        if self.closest == "before":
            known = [c for c in known if c.moment <= target]
        elif self.closest == "after":
            known = [c for c in known if c.moment >= target]
        return min(known, key=lambda c: distance(c, target), default=None)


class SimArchive:
    """A Wayback-compatible archive for `SimWeb(archive=...)` (see the module docstring).

    Captures are added with `add_capture`; `rate_limit` (requests a second,
    None for no limit) and `burst` shape the token bucket; `latency` (s) is
    added to every answer. Safe to configure from the test thread while the
    server answers from its own.
    """

    def __init__(
        self,
        host: str = ARCHIVE_HOST,
        *,
        rate_limit: float | None = None,
        burst: float = DEFAULT_BURST,
        latency: float = 0.0,
    ):
        self.host = host.lower()
        self.latency = latency
        self._bucket = None if rate_limit is None else TokenBucket(rate_limit, burst)
        self._lock = threading.Lock()
        self._captures: dict[str, list[Capture]] = {}
        self._hidden: set[str] = set()
        self._unindexed: set[str] = set()
        self._faults: list[int] = []
        self._answers: Counter[tuple[str, int]] = Counter()

    # What the archive holds.

    def add_capture(
        self,
        url: str,
        timestamp: str = "20240320120000",
        *,
        kind: str = "page",
        status: int | None = 200,
        title: str | None = None,
        body: bytes | None = None,
        mimetype: str | None = None,
        redirect_to: str | None = None,
    ) -> Capture:
        """Archives one capture of `url` at `timestamp` (14 digits) and returns it.

        `kind` is one of `CAPTURE_KINDS`: a `page` titled `title` (default:
        the live site's `fallback_title`), a `soft-404` ("Page Not Found",
        served 200), a `parked` domain page, an `image` (a tiny JPEG), a
        `redirect` to `redirect_to`, or a `redirect-home` to the site's root;
        a root with no capture yet gets a home page capture at the same
        timestamp, so the redirect lands on a capture. `status` (None for
        `-`) and `mimetype` (default the kind's; `-` allowed) are what the
        index says, see `Capture`; `body` replaces the kind's bytes. Adding
        the same timestamp twice makes the index repeat the row, as the
        real one does for a capture indexed twice.
        """
        spec = CAPTURE_KINDS.get(kind)
        if spec is None:
            raise ValueError(f"kind must be one of {sorted(CAPTURE_KINDS)}, not {kind!r}")
        if len(timestamp) != TIMESTAMP_DIGITS:
            raise ValueError(f"a capture's timestamp has 14 digits, not {timestamp!r}")
        if kind == "redirect-home":
            redirect_to = site_root(url)
        elif (kind == "redirect") != (redirect_to is not None):
            raise ValueError("redirect_to is for kind='redirect', which needs it")
        payload = capture_body(kind, url, title) if body is None else body
        target = None if redirect_to is None else ascii_url(redirect_to)
        capture = Capture(ascii_url(url), timestamp, kind, status, mimetype or spec.mimetype, payload, target)
        with self._lock:
            self._captures.setdefault(capture.key, []).append(capture)
            self._captures[capture.key].sort(key=lambda c: c.timestamp)
            lands_nowhere = kind == "redirect-home" and url_key(redirect_to) not in self._captures
        if lands_nowhere:
            self.add_capture(redirect_to, timestamp, title=HOME_TITLE)
        return capture

    def captures(self, url: str) -> list[Capture]:
        """Every capture of `url` (after canonicalisation), oldest first."""
        with self._lock:
            return list(self._captures.get(url_key(url), ()))

    def hide_from_availability(self, url: str) -> None:
        """Makes the availability API answer "nothing archived" for `url` although
        captures exist, as the real one sometimes does; CDX and playback still have them."""
        with self._lock:
            self._hidden.add(url_key(url))

    def hide_from_cdx(self, url: str) -> None:
        """Makes the CDX index answer `[]` for `url` although captures exist, as
        the real one does while a capture waits to be indexed; availability
        and playback still have them."""
        with self._lock:
            self._unindexed.add(url_key(url))

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next `count` requests that get past the rate limit are answered `status`."""
        with self._lock:
            self._faults += [status] * count

    def reset(self) -> None:
        """Forgets captures, hidden URLs, pending failures and counts; refills the bucket."""
        with self._lock:
            self._captures.clear()
            self._hidden.clear()
            self._unindexed.clear()
            self._faults.clear()
            self._answers.clear()
        if self._bucket is not None:
            self._bucket.refill()

    # What it answered.

    def count(self, endpoint: str | None = None, status: int | None = None) -> int:
        """Requests answered, optionally only for one endpoint (`cdx`, `availability`,
        `playback`, `other`) and/or with one status (429 counts rate-limited ones).

        An answer is counted once written, which a client can read a moment
        earlier: like the request log, counts are final after `web.log.wait_idle()`.
        """
        with self._lock:
            return sum(
                n
                for (where, answer), n in self._answers.items()
                if endpoint in (None, where) and status in (None, answer)
            )

    # Serving.

    async def handle(self, exchange: Exchange) -> None:
        """Answers one request: rate limit, injected failure, then the endpoint."""
        endpoint = endpoint_of(exchange.request.raw_path)
        try:
            if self._bucket is not None and not self._bucket.take():
                await exchange.reply(429, b"Too Many Requests\n", content_type=PLAIN)
            elif (fault := self._next_fault()) is not None:
                await exchange.reply(fault, f"{fault} simulated failure\n".encode(), content_type=PLAIN)
            else:
                await ANSWERS[endpoint](self, exchange)
        except BadQueryError as exc:
            await exchange.reply(400, f"{exc}\n".encode(), content_type=PLAIN)
        finally:
            status = exchange.response.status if exchange.response is not None else 0
            with self._lock:
                self._answers[endpoint, status] += 1

    def _next_fault(self) -> int | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    async def cdx(self, exchange: Exchange) -> None:
        """The CDX index: captures of one URL, filtered, ordered and cut as asked."""
        params = parse_qs(raw_query(exchange), keep_blank_values=True)
        url = params.get("url", [""])[0]
        with self._lock:
            indexed = url_key(url) not in self._unindexed
        rows = select_rows(self.captures(url), params) if indexed else []
        asked = params.get("fl", [",".join(CDX_FIELDS)])[0].split(",")
        fields = [name for name in asked if name in CDX_FIELDS]
        table = [[row[name] for name in fields] for row in (capture.cdx_fields() for capture in rows)]
        if params.get("output", [""])[0] == "json":
            await exchange.reply(200, cdx_json(fields, table), content_type=JSON)
        else:
            text = "".join(" ".join(row) + "\n" for row in table)
            await exchange.reply(200, text.encode(), content_type=PLAIN)

    async def availability(self, exchange: Exchange) -> None:
        """The availability API: the single GET, or the batch POST (Wayback-Api-Version: 2)."""
        base = f"http://{exchange.headers['Host']}"
        if exchange.method != "POST":
            lookup = Lookup.parse(raw_query(exchange))
            answer = {"url": lookup.url, "archived_snapshots": self._snapshots(lookup, base)}
            await reply_json(exchange, answer | _echoed_timestamp(lookup))
            return
        if exchange.headers.get("Wayback-Api-Version") != "2":
            raise BadQueryError("a POST to /wayback/available needs the header Wayback-Api-Version: 2")
        lines = (await exchange.request.read()).decode("utf-8").splitlines()
        lookups = [Lookup.parse(line) for line in lines if line.strip()]
        results = [
            {
                "url": lookup.url,
                **_echoed_timestamp(lookup),
                **_tag(lookup),
                "archived_snapshots": self._snapshots(lookup, base),
            }
            for lookup in lookups
        ]
        await reply_json(exchange, {"results": results})

    def _snapshots(self, lookup: Lookup, base: str) -> dict[str, object]:
        with self._lock:
            hidden = url_key(lookup.url) in self._hidden
        capture = None if hidden else lookup.choose(self.captures(lookup.url))
        if capture is None:
            return {}
        url = base + playback_path(capture, "")
        return {
            "closest": {"available": True, "url": url, "timestamp": capture.timestamp, "status": str(capture.status)}
        }

    async def playback(self, exchange: Exchange) -> None:
        """Replays a capture, redirects to the nearest one, or says it was never archived."""
        match = PLAYBACK.fullmatch(exchange.request.raw_path)
        if match is None:
            await not_found(exchange)
            return
        timestamp, flag, original = match.group(1), match.group(2) or "", match.group(3)
        target = moment_of(timestamp)
        nearest = min(self.captures(original), key=lambda c: distance(c, target), default=None)
        if nearest is None:
            await not_found(exchange)
        elif nearest.timestamp != timestamp:
            await exchange.redirect(302, playback_path(nearest, flag))
        else:
            await replay(exchange, nearest, flag)


def endpoint_of(raw_path: str) -> str:
    """Which endpoint a request is for, by the name `SimArchive.count` uses."""
    route = raw_path.partition("?")[0]
    if route == "/cdx/search/cdx":
        return "cdx"
    if route == "/wayback/available":
        return "availability"
    return "playback" if route.startswith("/web/") else "other"


async def unknown_endpoint(archive: SimArchive, exchange: Exchange) -> None:
    await not_found(exchange)


ANSWERS: dict[str, Callable[[SimArchive, Exchange], Awaitable[None]]] = {
    "cdx": SimArchive.cdx,
    "availability": SimArchive.availability,
    "playback": SimArchive.playback,
    "other": unknown_endpoint,
}


def raw_query(exchange: Exchange) -> str:
    """The query string as sent: aiohttp's own is already partly decoded, which would
    split `url=https%3A%2F%2Fe.com%2Fa%3Fb%3Dc` at its inner `&` and `=`."""
    return exchange.request.raw_path.partition("?")[2]


def playback_path(capture: Capture, flag: str) -> str:
    """`/web/<timestamp><flag>/<original>`: where a capture is replayed."""
    return f"/web/{capture.timestamp}{flag}/{capture.original}"


def select_rows(captures: list[Capture], params: Mapping[str, list[str]]) -> list[Capture]:
    """The CDX rows a query gets: `filter`s, then `closest` order (with `sort=closest`), then `limit`."""
    rows = [c for c in captures if all(passes(c, rule) for rule in params.get("filter", []))]
    closest = params.get("closest", [""])[0]
    if closest and params.get("sort", [""])[0] == "closest":
        target = moment_of(closest)
        rows.sort(key=lambda c: distance(c, target))
    limit = params.get("limit", ["0"])[0]
    if not limit.lstrip("-").isdigit():
        raise BadQueryError(f"limit must be a number, not {limit!r}")
    count = int(limit)
    return rows[:count] if count > 0 else rows[count:] if count < 0 else rows


def passes(capture: Capture, rule: str) -> bool:
    """Whether a capture passes one `filter=[!]field:regex` (a full match, as Java's)."""
    negated = rule.startswith("!")
    name, _, pattern = rule.removeprefix("!").partition(":")
    value = capture.cdx_fields().get(name)
    if value is None:
        raise BadQueryError(f"no CDX field named {name!r} to filter on")
    try:
        matched = re.fullmatch(pattern, value) is not None
    except re.error as exc:
        raise BadQueryError(f"filter {rule!r} is not a regex: {exc}") from None
    return matched != negated


def cdx_json(fields: list[str], rows: list[list[str]]) -> bytes:
    """`output=json` exactly as the Java CDX server writes it: a compact header row,
    `", "` between fields, one row a line; `[]` alone when there is no row."""
    if not rows:
        return b"[]\n"
    lines = [json.dumps(fields, separators=(",", ":")), *(json.dumps(row) for row in rows)]
    return ("[" + ",\n".join(lines) + "]\n").encode()


def _echoed_timestamp(lookup: Lookup) -> dict[str, str]:
    return {} if lookup.timestamp is None else {"timestamp": lookup.timestamp}


def _tag(lookup: Lookup) -> dict[str, str]:
    return {} if lookup.tag is None else {"tag": lookup.tag}


async def reply_json(exchange: Exchange, answer: object) -> None:
    await exchange.reply(200, json.dumps(answer).encode(), content_type=JSON)


async def not_found(exchange: Exchange) -> None:
    """404 for what the archive does not have; no Memento-Datetime, as it is no capture."""
    await exchange.reply(404, render("Wayback Machine", f"<p>{NOT_ARCHIVED}</p>"), content_type=HTML)


async def replay(exchange: Exchange, capture: Capture, flag: str) -> None:
    """Answers a capture as archived, with the memento headers; a captured redirect
    points at its target's playback URL at the same timestamp."""
    base = f"http://{exchange.headers['Host']}"
    memento = base + playback_path(capture, flag)
    headers = {
        "Memento-Datetime": capture.memento_datetime,
        "Link": f'<{capture.original}>; rel="original", '
        f'<{memento}>; rel="memento"; datetime="{capture.memento_datetime}"',
        **capture.original_headers(),
    }
    if capture.redirect_to is not None:
        headers["Location"] = f"{base}/web/{capture.timestamp}{flag}/{capture.redirect_to}"
    await exchange.reply(
        capture.replay_status, capture.body, content_type=CAPTURE_KINDS[capture.kind].content_type, headers=headers
    )

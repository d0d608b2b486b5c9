"""What the simulated Wayback Machine holds: captures, their kinds and their index keys.

A `Capture` is what the index says about one capture (its CDX row) and what
playback replays. URLs match the way the real index matches them, after
the canonicalisation of `url_key`; timestamps are the archive's 1-14
digits, a partial one standing for the start of its period. The
`CaptureStore` keeps the captures a test added, and the URLs one endpoint
pretends not to have (as the real archive's availability API and CDX index
sometimes do).
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import re
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlsplit

from crawler.simweb.exchange import HTML
from crawler.simweb.pages import JPEG_START, fallback_title, parked_page, render

__all__ = [
    "CAPTURE_KINDS",
    "TIMESTAMP_DIGITS",
    "BadQueryError",
    "Capture",
    "CaptureStore",
    "ascii_url",
    "capture_body",
    "distance",
    "moment_of",
    "site_root",
    "url_key",
]

SOFT_404_TITLE = "Page Not Found"
SOFT_404_BODY = "<h1>Page Not Found</h1><p>The page you requested does not exist.</p>"
PARKING_KEY = "simulated-parking-sitekey"
TIMESTAMP_DIGITS = 14
EARLIEST = "00000101000000"  # how a partial timestamp is padded: the start of its period


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
    number); `SimWayback.handle` answers it with 400 and the message."""


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
    def content_type(self) -> str:
        """What playback says the archived bytes are: the kind's type, whatever the index says."""
        return CAPTURE_KINDS[self.kind].content_type

    @property
    def replay_status(self) -> int:
        """What the site answered when captured, which playback answers again."""
        if CAPTURE_KINDS[self.kind].redirects:
            return self.status if self.status is not None and 300 <= self.status < 400 else 302
        return self.status or 200

    def original_headers(self) -> dict[str, str]:
        """The headers the archived site sent, as playback shows them (X-Archive-Orig-*)."""
        headers = {"Content-Type": self.content_type, "Date": self.memento_datetime}
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
        return parked_page(host)
    if kind == "image":
        return JPEG_START
    return b""


def site_root(url: str) -> str:
    """The home page of the site a URL is on."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


class CaptureStore:
    """The captures held, by index key and oldest first, and the URLs hidden from one
    endpoint; safe to change from a test's thread while the server reads from its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._captures: dict[str, list[Capture]] = {}
        self._hidden: set[str] = set()
        self._unindexed: set[str] = set()

    def add(self, capture: Capture) -> None:
        """Holds one more capture; the same timestamp twice is held twice."""
        with self._lock:
            self._captures.setdefault(capture.key, []).append(capture)
            self._captures[capture.key].sort(key=lambda c: c.timestamp)

    def captures(self, url: str) -> list[Capture]:
        """Every capture of `url` (after canonicalisation), oldest first."""
        with self._lock:
            return list(self._captures.get(url_key(url), ()))

    def holds(self, url: str) -> bool:
        """Whether any capture of `url` is held."""
        with self._lock:
            return url_key(url) in self._captures

    def hide_from_availability(self, url: str) -> None:
        with self._lock:
            self._hidden.add(url_key(url))

    def hide_from_cdx(self, url: str) -> None:
        with self._lock:
            self._unindexed.add(url_key(url))

    def hidden_from_availability(self, url: str) -> bool:
        with self._lock:
            return url_key(url) in self._hidden

    def hidden_from_cdx(self, url: str) -> bool:
        with self._lock:
            return url_key(url) in self._unindexed

    def clear(self) -> None:
        """Forgets every capture and every hidden URL."""
        with self._lock:
            self._captures.clear()
            self._hidden.clear()
            self._unindexed.clear()

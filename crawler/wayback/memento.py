"""Memento TimeMaps -> the memento to use, and the URL its raw bytes are fetched from.

Pure: the Memento spider (crawler.spiders.memento) fetches, this module
decides. It reads TimeMaps, chooses the mementos worth verifying, builds the
raw-bytes URL of a memento, and tells an archive that refuses to answer
(rate limit, CAPTCHA) from one that has nothing. Which archives are asked,
and how, is crawler.wayback.archives; whether a fetched memento shows the
cited page is `protocol.capture_is_trustworthy`, the Wayback stage's own rule.

Facts about the protocol and the real servers that the code relies on:

- RFC 7089 (Memento, https://www.rfc-editor.org/rfc/rfc7089.txt), section 5:
  a TimeMap lists the mementos of one original resource "preferably in a
  single document, or, alternatively in multiple documents that can be
  gathered by following contained links with a "timemap" Relation Type";
  its link-value serialization MUST be supported, formatted as an HTTP
  `Link` header value (RFC 5988, now RFC 8288) with media type
  `application/link-format` (RFC 6690). A link may span lines, parameters
  are quoted strings that may hold commas and semicolons, and `rel` holds
  one or more space-separated relation types (RFC 8288 section 3.3).
- RFC 7089 sections 2.2 and 5 (its example TimeMap): a memento is a link
  whose `rel` includes `memento`, alone or with `first`, `last`, `prev` or
  `next` (`rel="first memento"`), carrying `datetime="Tue, 20 Jun 2000
  18:02:59 GMT"` (an HTTP date); `rel="self"` is the TimeMap itself,
  `original` the cited URL, `timegate` the TimeGate that answers
  `Accept-Datetime` with a redirect to the memento closest to that moment,
  on either side of it. rotwatch reads TimeMaps instead: it needs the
  closest memento before the issue date, else the closest after, and the
  next one when that proves untrustworthy, which one TimeGate answer cannot
  give. pywb writes `rel="original timegate"` on one link (webrecorder/pywb
  tests/test_memento.py), the W3C wiki `rel="original latest-version"`, and
  mementoweb/timegate `rel="first last memento"` for a single memento:
  several values are the norm.
- RFC 7089 section 5.1.1 (index and paging TimeMaps): a long TimeMap is
  paged; a page links to the others with `rel="timemap";
  type="application/link-format"` and their `from`/`until` range. A client
  reads a bounded number of pages (crawler.spiders.memento).
- A memento's URL on Wayback software (the Wayback Machine, pywb,
  OpenWayback: arquivo.pt, the Library of Congress) is
  `{prefix}{14-digit timestamp}[flag_]/{original}`; the flag `id_` replays
  the archived bytes without the archive's banner or rewritten links
  (pywb docs/manual/rewriter.rst). arquivo.pt documents its raw form as
  `https://arquivo.pt/noFrame/replay/{timestamp}id_/{original}`
  (github.com/arquivo/pwa-technologies/wiki/APIs). archive.today has no
  such flag: its mementos are fetched as they are (some answer as its short
  `archive.ph/AbCdE` URLs).
- archive.today answers automated clients with HTTP 429 and a reCAPTCHA
  page (oduwsdl/archivenow#53, palewire/archiveis#32, dessant/web-archives#110,
  jina-ai/reader#85). Such an answer says nothing about what the archive
  holds: it is "ask again later", never "no capture".
"""

from __future__ import annotations

import email.utils
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from urllib.parse import urljoin

from crawler.check.classify import bot_challenge
from crawler.errors import ArchiveAnswerError
from crawler.models import Page, Snapshot
from crawler.wayback.protocol import rank_captures

__all__ = [
    "LINK_FORMAT",
    "Link",
    "Memento",
    "TimeMap",
    "TimeMapPage",
    "choose_mementos",
    "next_pages",
    "original_in",
    "parse_link_format",
    "parse_timemap",
    "raw_memento_url",
    "reader_url",
    "refusal_of",
]

log = logging.getLogger(__name__)

LINK_FORMAT = "application/link-format"
# A memento URL on Wayback software: prefix, 14-digit timestamp, optional flag, original.
_WAYBACK_STYLE = re.compile(r"^(?P<prefix>.+?/)(?P<timestamp>\d{14})(?:[a-z]{2}_)?/(?P<original>.+)$", re.S)
_RAW_FLAG = re.compile(r"/(\d{14})id_/")
_TOKEN_END = frozenset(";,= \t\r\n")


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a link-format document: its target, relation types and other parameters."""

    target: str
    rels: frozenset[str]
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Memento:
    """One memento a TimeMap lists: where it is replayed and when it was captured (UTC)."""

    url: str
    timestamp: str  # YYYYMMDDhhmmss


@dataclass(frozen=True, slots=True)
class TimeMapPage:
    """Another page of a paged TimeMap, with the range of captures it says it holds."""

    url: str
    start: str | None = None  # YYYYMMDDhhmmss of its `from`, if given
    end: str | None = None  # YYYYMMDDhhmmss of its `until`, if given


@dataclass(frozen=True, slots=True)
class TimeMap:
    """What one TimeMap document says: the original, its mementos and the other pages."""

    original: str | None
    mementos: tuple[Memento, ...]
    pages: tuple[TimeMapPage, ...] = ()


def parse_link_format(text: str) -> list[Link]:
    """Every link of an `application/link-format` document, in order.

    Whitespace (line breaks included) may stand between any two parts; a
    quoted value may hold `,` and `;`. Anything else than a link where a
    link must start (an HTML CAPTCHA page, JSON) is the archive's error.
    """
    links: list[Link] = []
    at = _skip(text, 0, " \t\r\n,")
    while at < len(text):
        if text[at] != "<":
            raise ArchiveAnswerError(f"not link-format at character {at}: {text[at : at + 40]!r}")
        end = text.find(">", at)
        if end < 0:
            raise ArchiveAnswerError(f"link target not closed at character {at}")
        target, at = text[at + 1 : end].strip(), _skip(text, end + 1, " \t\r\n")
        params: dict[str, str] = {}
        while at < len(text) and text[at] == ";":
            name, value, at = _param(text, _skip(text, at + 1, " \t\r\n"))
            params.setdefault(name, value)  # RFC 8288: a repeated parameter after the first is ignored
            at = _skip(text, at, " \t\r\n")
        if at < len(text) and text[at] != ",":
            raise ArchiveAnswerError(f"unexpected {text[at]!r} after a link at character {at}")
        rels = frozenset(params.pop("rel", "").lower().split())
        links.append(Link(target, rels, params))
        at = _skip(text, at, " \t\r\n,")
    return links


def _skip(text: str, at: int, chars: str) -> int:
    while at < len(text) and text[at] in chars:
        at += 1
    return at


def _param(text: str, at: int) -> tuple[str, str, int]:
    """One `name[=value]` parameter: its lower-case name, its value (unquoted) and where it ends."""
    start = at
    while at < len(text) and text[at] not in _TOKEN_END:
        at += 1
    name = text[start:at].lower()
    if not name:
        raise ArchiveAnswerError(f"link parameter without a name at character {start}")
    at = _skip(text, at, " \t\r\n")
    if at >= len(text) or text[at] != "=":
        return name, "", at
    at = _skip(text, at + 1, " \t\r\n")
    if at < len(text) and text[at] == '"':
        return (name, *_quoted(text, at))
    start = at
    while at < len(text) and text[at] not in _TOKEN_END:
        at += 1
    return name, text[start:at], at


def _quoted(text: str, at: int) -> tuple[str, int]:
    """A quoted string's value (backslash escapes undone) and the index after its closing quote."""
    value: list[str] = []
    at += 1
    while at < len(text) and text[at] != '"':
        at += 2 if text[at] == "\\" and at + 1 < len(text) else 1
        value.append(text[at - 1])
    if at >= len(text):
        raise ArchiveAnswerError("quoted link parameter not closed")
    return "".join(value), at + 1


def parse_timemap(body: bytes | str, base: str) -> TimeMap:
    """The mementos, original and other pages of a link-format TimeMap fetched from `base`.

    Relative targets are resolved against `base`. A memento whose datetime
    is no HTTP date is left out (logged): one bad row must not hide the rest.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise ArchiveAnswerError(f"TimeMap is not UTF-8: {exc}") from exc
    original: str | None = None
    mementos: list[Memento] = []
    pages: list[TimeMapPage] = []
    for link in parse_link_format(text):
        url = urljoin(base, link.target)
        if "memento" in link.rels:
            moment = _timestamp(link.params.get("datetime", ""))
            if moment is None:
                log.debug("memento %s has no usable datetime: %r", url, link.params.get("datetime"))
            else:
                mementos.append(Memento(url, moment))
        if "original" in link.rels and original is None:
            original = url
        if "timemap" in link.rels and "self" not in link.rels and _is_link_format(link) and url != base:
            start, end = _timestamp(link.params.get("from", "")), _timestamp(link.params.get("until", ""))
            pages.append(TimeMapPage(url, start, end))
    return TimeMap(original, tuple(mementos), tuple(pages))


def _is_link_format(link: Link) -> bool:
    # A TimeMap may also point at its own JSON or HTML serialization; only link-format is read.
    return link.params.get("type", LINK_FORMAT).split(";")[0].strip().lower() == LINK_FORMAT


def _timestamp(http_date: str) -> str | None:
    """`YYYYMMDDhhmmss` (UTC) of an HTTP date, or None when it is none."""
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def next_pages(
    timemap: TimeMap, issue_date: date | None, seen: Iterable[str], held: Sequence[Memento] = ()
) -> list[TimeMapPage]:
    """The pages worth reading next, nearest the issue date first.

    A client that may read only a few pages reads first the one whose range
    holds the issue date, then the others by how far their range is from it
    (a page without a range last, as it may hold anything), and none whose
    range is farther from the date than a memento it `held` already;
    without a date, every unread page in the TimeMap's order.
    """
    done = set(seen)
    unread = [page for page in timemap.pages if page.url not in done]
    if issue_date is None:
        return unread
    nearest = min((abs((_day_of(m.timestamp) - issue_date).days) for m in held), default=math.inf)
    away = {page.url: _days_away(page, issue_date) for page in unread}
    worth = [page for page in unread if away[page.url] < nearest or away[page.url] == math.inf]
    return sorted(worth, key=lambda page: away[page.url])


def _days_away(page: TimeMapPage, day: date) -> float:
    start = None if page.start is None else _day_of(page.start)
    end = None if page.end is None else _day_of(page.end)
    if start is None and end is None:
        return math.inf
    if start is not None and day < start:
        return (start - day).days
    if end is not None and day > end:
        return (day - end).days
    return 0


def _day_of(timestamp: str) -> date:
    return date(int(timestamp[:4]), int(timestamp[4:6]), int(timestamp[6:8]))


def choose_mementos(mementos: Sequence[Memento], issue_date: date | None, limit: int) -> list[Memento]:
    """The mementos worth verifying, best first, at most `limit`.

    The order is the Wayback stage's (`protocol.rank_captures`): the latest
    capture up to the end of the issue day (what the editor saw), then the
    earliest after it; without a date the newest first. One memento per
    capture moment: a TimeMap lists a memento again as first or last.
    """
    by_moment: dict[str, Memento] = {}
    for memento in mementos:
        by_moment.setdefault(memento.timestamp, memento)
    captures = [Snapshot(original=memento.url, timestamp=moment) for moment, memento in by_moment.items()]
    chosen = [by_moment[capture.timestamp] for capture in rank_captures(captures, issue_date)][:limit]
    log.debug("%d of %d mementos chosen near %s", len(chosen), len(mementos), issue_date or "no date")
    return chosen


def raw_memento_url(memento_url: str, template: str | None) -> str:
    """Where a memento's archived bytes are fetched from.

    `template` is the archive's raw form with `{prefix}`, `{timestamp}` and
    `{original}` taken from a Wayback-style memento URL
    (`{prefix}{timestamp}id_/{original}` on Wayback software); None means the
    archive has none and the memento is fetched as it is, as is a memento
    whose URL is not Wayback-style (a short URL).
    """
    match = _WAYBACK_STYLE.match(memento_url) if template else None
    if template is None or match is None:
        return memento_url
    return template.format(**match.groupdict())


def original_in(memento_url: str) -> str | None:
    """The archived URL inside a Wayback-style memento URL, else None (a short URL)."""
    match = _WAYBACK_STYLE.match(memento_url)
    return match.group("original") if match else None


def reader_url(fetched_url: str) -> str:
    """The URL a reader is sent to for a memento fetched raw: without the `id_` flag."""
    return _RAW_FLAG.sub(r"/\1/", fetched_url, count=1)


def refusal_of(status: int, headers: Mapping[str, str], page: Page | None) -> str | None:
    """Why an archive's answer is a refusal to answer now (ask again later), or None.

    A 429 (rate limit; archive.today's CAPTCHA wall too) refuses; so does a
    bot challenge or a CAPTCHA page served in place of the answer. `headers`
    has lower-case names.
    """
    if status == 429:
        return "the archive answered 429 Too Many Requests (a rate limit or a CAPTCHA): ask again later"
    if "memento-datetime" in headers:
        return None
    challenge = bot_challenge(page, headers)
    if challenge is None and page is not None and "captcha" in f"{page.title} {page.text}".lower():
        challenge = "a CAPTCHA"
    return None if challenge is None else f"the archive answered with {challenge}'s challenge: ask again later"

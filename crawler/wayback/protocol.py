"""Wayback Machine answers -> the capture to use, and the URLs to ask and show.

Pure: the Wayback spider fetches, this module decides. It builds the queries
(CDX, availability, InternetArchiveBot's batch availability), parses the
answers into `Snapshot`s, ranks captures, builds playback URLs, and judges a
verification fetch of a capture. It speaks Wayback timestamps only
(`YYYYMMDDhhmmss`, and `timestamp_of` for the day a query is near); the day
a capture is shown with in reports is `Snapshot.captured_on`, decided in
`crawler.models`.

Facts about the real servers that the code relies on:

- CDX (`/cdx/search/cdx`, internetarchive/wayback `wayback-cdx-server`):
  `output=json` answers a JSON array whose first row is the field names,
  then one array of strings per capture; `[]` when there is none. Rows can
  repeat, fields can be `-`. With `showResumeKey` an empty row separates the
  captures from a resumption key. `filter=field:regex` is a full match of a
  Java regex. `closest=TS` only orders the answer when `sort=closest` is also
  given. `limit=-N` answers the last (newest) N captures.
- Availability (`/wayback/available`): `{"archived_snapshots": {"closest":
  {"available": true, "url", "timestamp", "status"}}}`, `{}` inside when
  nothing is archived; `status` is a string.
- Batch availability (InternetArchiveBot, `APII::CDXQuery`): POST with header
  `Wayback-Api-Version: 2`, body one form-encoded query per line
  (`url=..&timestamp=..&closest=before|after|either&statuscodes=200&..&tag=ID`);
  the answer is `{"results": [{"tag": ID, "archived_snapshots": {...}}]}`.
  A result without `archived_snapshots` was not answered (the server gave
  up on that line); the bot posts those lines again
  (internetarchive/internetarchivebot `app/src/Core/APII.php`).
- Playback (`/web/{timestamp}{flag}/{original}`) answers archived pages with
  a `Memento-Datetime` header (RFC 7089) and the original response headers
  prefixed with `X-Archive-Orig-`; flag `id_` gives the raw bytes, `im_`
  hints that the resource is shown as an image.

How fast each endpoint may be asked is `crawler.wayback.pace`'s record.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date
from urllib.parse import quote, urlencode

from crawler.check.classify import bot_challenge, is_parked, is_soft_404, lands_on_home_page
from crawler.check.site_rules import first_rule, shipped_rules
from crawler.errors import ArchiveAnswerError
from crawler.models import CheckResult, Page, Snapshot, Verdict

__all__ = [
    "CDX_FIELDS",
    "GOOD_STATUSES",
    "availability_batch_body",
    "availability_url",
    "capture_is_trustworthy",
    "capture_timestamp_of",
    "cdx_captures_url",
    "cdx_query_url",
    "original_url_of",
    "parse_availability",
    "parse_availability_batch",
    "parse_cdx",
    "playback_url",
    "rank_captures",
    "timestamp_of",
]

log = logging.getLogger(__name__)

# The capture statuses worth showing a reader: OK, non-authoritative, partial
# content. InternetArchiveBot asks for exactly these.
GOOD_STATUSES = frozenset({200, 203, 206})
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_GOOD_STATUS_FILTER = "statuscode:20[036]"  # full-match Java regex for GOOD_STATUSES
_ORIGINAL_HEADER_PREFIX = "x-archive-orig-"
_PLAYBACK_PATH = re.compile(r"/web/(\d{1,14})(?:[a-z]{2}_)?/(.+)$")


def timestamp_of(day: date) -> str:
    """`YYYYMMDD`: the Wayback form of a day, a prefix of every capture that day."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _end_of_day(day: date) -> str:
    # The issue was published some time that day: every capture up to the
    # day's last second is one the editor could have seen.
    return timestamp_of(day) + "235959"


def _base(endpoint: str) -> str:
    return endpoint.removesuffix("/")


def _query(params: Sequence[tuple[str, str]]) -> str:
    return urlencode(params, quote_via=quote)


def cdx_query_url(endpoint: str, url: str, issue_date: date | None, limit: int = 8) -> str:
    """The CDX query for the good captures of `url` nearest the issue date.

    With a date, the server sorts by distance to that day and answers the
    `limit` nearest (`closest` needs `sort=closest` to have any effect).
    Without one, `limit=-N` asks for the newest N: the latest capture is the
    best guess at what a link pointed to when nobody knows when it was cited.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    params = [("url", url), ("output", "json"), ("filter", _GOOD_STATUS_FILTER)]
    if issue_date is None:
        params.append(("limit", str(-limit)))
    else:
        params += [("closest", timestamp_of(issue_date)), ("sort", "closest"), ("limit", str(limit))]
    params.append(("fl", ",".join(CDX_FIELDS)))
    return f"{_base(endpoint)}/cdx/search/cdx?{_query(params)}"


def cdx_captures_url(endpoint: str, url: str) -> str:
    """The CDX query for every good capture of `url`, oldest first: one answer that
    serves every date the URL is cited on (`rank_captures` picks per date), asking
    only for the columns a `Snapshot` needs."""
    params = [("url", url), ("output", "json"), ("filter", _GOOD_STATUS_FILTER)]
    params.append(("fl", "timestamp,original,mimetype,statuscode"))
    return f"{_base(endpoint)}/cdx/search/cdx?{_query(params)}"


def _load_json(body: bytes | str, what: str) -> object:
    """The JSON value of an answer; an answer that is not JSON is the archive's error."""
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArchiveAnswerError(f"{what} answer is not JSON: {exc}") from exc


def parse_cdx(body: bytes | str) -> list[Snapshot]:
    """Every capture in a CDX `output=json` answer, in the server's order.

    Columns are found through the header row, so a different `fl` order
    still parses; an answer without a header is read in the default order.
    An empty body or `[]` means no captures.
    """
    if not body.strip():
        return []
    rows = _load_json(body, "CDX")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ArchiveAnswerError("CDX answer is not a JSON array of rows")
    rows = _captures_part(rows)
    if not rows:
        return []
    header: Sequence[object] = list(CDX_FIELDS)
    if "timestamp" in rows[0] and "original" in rows[0]:
        header, rows = rows[0], rows[1:]
    return [_snapshot_of_row(header, row) for row in rows]


def _captures_part(rows: list[list[object]]) -> list[list[object]]:
    # An empty row ends the captures; a resumption key may follow it.
    return rows[: rows.index([])] if [] in rows else rows


def _snapshot_of_row(header: Sequence[object], row: Sequence[object]) -> Snapshot:
    if len(row) != len(header):
        raise ArchiveAnswerError(f"CDX row {row!r} does not match the columns {header!r}")
    fields = {str(name): str(value) for name, value in zip(header, row, strict=True)}
    timestamp = fields["timestamp"]
    if not (len(timestamp) == 14 and timestamp.isascii() and timestamp.isdigit()):
        raise ArchiveAnswerError(f"CDX row {row!r} has no 14-digit timestamp")
    return Snapshot(
        original=fields["original"],
        timestamp=timestamp,
        status=_status_of(fields.get("statuscode", "-")),
        mimetype=_unless_dash(fields.get("mimetype", "-")),
    )


def _status_of(text: str) -> int | None:
    # "-" (revisits, some old captures) means the status is not known.
    return int(text) if text.isascii() and text.isdigit() else None


def _unless_dash(text: str) -> str:
    return "" if text == "-" else text


def rank_captures(captures: Sequence[Snapshot], issue_date: date | None) -> list[Snapshot]:
    """Usable captures, best first, one per timestamp.

    With an issue date: the captures up to the end of the publication day,
    latest first (what the editor saw), then the later ones, earliest first.
    Without one: newest first. A capture whose status is unknown (`-`) may
    be fine but ranks after every known-good one; a known bad status is
    dropped.
    """
    usable = [c for c in captures if c.status is None or c.status in GOOD_STATUSES]
    if issue_date is None:
        ranked = sorted(usable, key=lambda c: (c.status is None, -int(c.timestamp)))
    else:
        cutoff = _end_of_day(issue_date)
        ranked = sorted(usable, key=lambda c: _distance_key(c, cutoff))
    best = _first_per_timestamp(ranked)
    log.debug(
        "%d of %d captures usable near %s; first choice %s",
        len(best),
        len(captures),
        issue_date or "no date (newest first)",
        best[0].timestamp if best else "none",
    )
    return best


def _first_per_timestamp(ranked: list[Snapshot]) -> list[Snapshot]:
    # The CDX repeats a capture when it is indexed twice; keep its best row.
    first: dict[str, Snapshot] = {}
    for capture in ranked:
        first.setdefault(capture.timestamp, capture)
    return list(first.values())


def _distance_key(capture: Snapshot, cutoff: str) -> tuple[bool, bool, int]:
    after = capture.timestamp > cutoff
    moment = int(capture.timestamp)
    return (capture.status is None, after, moment if after else -moment)


def playback_url(endpoint: str, snapshot: Snapshot, *, image: bool = False, identity: bool = False) -> str:
    """Where a capture is replayed: `{endpoint}/web/{timestamp}{flag}/{original}`.

    The original URL follows unencoded, as Wayback itself writes it. `image`
    adds `im_` (shown inside `<img>`); `identity` adds `id_`, the raw bytes
    without the Wayback toolbar or rewritten links, for verification fetches.
    """
    if image and identity:
        raise ValueError("a playback URL is either an image (im_) or raw bytes (id_), not both")
    flag = "id_" if identity else "im_" if image else ""
    return f"{_base(endpoint)}/web/{snapshot.timestamp}{flag}/{snapshot.original}"


def original_url_of(url: str) -> str | None:
    """The archived URL inside a playback URL (absolute or a bare path), else None."""
    match = _PLAYBACK_PATH.search(url)
    return match.group(2) if match else None


def availability_url(endpoint: str, url: str, issue_date: date | None) -> str:
    """The availability API query for the capture of `url` closest to the issue date."""
    params = [("url", url)]
    if issue_date is not None:
        params.append(("timestamp", timestamp_of(issue_date)))
    return f"{_base(endpoint)}/wayback/available?{_query(params)}"


def parse_availability(body: bytes | str) -> Snapshot | None:
    """The capture an availability answer offers, or None.

    None also for a capture with a known bad status: one we would never show
    is the same as none.
    """
    answer = _load_json(body, "availability")
    if not isinstance(answer, dict):
        raise ArchiveAnswerError("availability answer is not a JSON object")
    return _snapshot_of_answer(answer.get("archived_snapshots", {}))


def _snapshot_of_answer(archived_snapshots: object) -> Snapshot | None:
    if not isinstance(archived_snapshots, dict):
        raise ArchiveAnswerError(f"archived_snapshots is not an object: {archived_snapshots!r}")
    closest = archived_snapshots.get("closest")
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    original = original_url_of(str(closest.get("url", "")))
    timestamp = str(closest.get("timestamp", ""))
    if original is None or not timestamp.isdigit():
        raise ArchiveAnswerError(f"closest capture lacks a playback url or timestamp: {closest!r}")
    status = _status_of(str(closest.get("status", "-")))
    if status is not None and status not in GOOD_STATUSES:
        return None
    return Snapshot(original=original, timestamp=timestamp, status=status)


def availability_batch_body(
    urls_with_dates: Iterable[tuple[str, date | None]],
    *,
    closest: str = "either",
    tags: Sequence[str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Body and headers to POST to `{endpoint}/wayback/available` for many URLs at once.

    The format InternetArchiveBot uses (`APII::CDXQuery`): one form-encoded
    query per line, each tagged so the answer can be matched back: with its
    URL, or with `tags` (one per line; a URL asked for two dates needs two).
    `closest` is `before`, `after` or `either`; the bot asks `before`
    first, then `after` for the URLs that got nothing. Dates become the end
    of the publication day, so `before` includes that day.
    """
    if closest not in {"before", "after", "either"}:
        raise ValueError(f"closest must be before, after or either, not {closest!r}")
    queries = list(urls_with_dates)
    labels = [url for url, _ in queries] if tags is None else list(tags)
    if len(labels) != len(queries):
        raise ValueError(f"{len(labels)} tags for {len(queries)} queries")
    lines = [_batch_line(url, day, closest, tag) for (url, day), tag in zip(queries, labels, strict=True)]
    headers = {"Wayback-Api-Version": "2", "Content-Type": "application/x-www-form-urlencoded"}
    return "\n".join(lines).encode("utf-8"), headers


def _batch_line(url: str, issue_date: date | None, closest: str, tag: str) -> str:
    params = [("url", url)]
    if issue_date is not None:
        params.append(("timestamp", _end_of_day(issue_date)))
    params.append(("closest", closest))
    params += [("statuscodes", str(status)) for status in sorted(GOOD_STATUSES)]
    params.append(("tag", tag))
    return _query(params)


def parse_availability_batch(body: bytes | str) -> dict[str, Snapshot | None]:
    """Capture (or None) per asked URL, from a batch availability answer.

    A URL whose result has no `archived_snapshots` is left out: the server
    did not answer for it (InternetArchiveBot asks again), which is not the
    same as "nothing archived".
    """
    answer = _load_json(body, "batch availability")
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        raise ArchiveAnswerError("batch availability answer has no results list")
    return {
        str(result["tag"]): _snapshot_of_answer(result["archived_snapshots"])
        for result in results
        if isinstance(result, dict) and "tag" in result and "archived_snapshots" in result
    }


def capture_timestamp_of(memento_datetime_header: str) -> str:
    """`YYYYMMDDhhmmss` (UTC) of a `Memento-Datetime` value such as
    `Wed, 27 Mar 2024 08:01:02 GMT`: the capture a playback really served,
    which can differ from the timestamp that was asked for."""
    try:
        moment = email.utils.parsedate_to_datetime(memento_datetime_header)
    except (TypeError, ValueError) as exc:
        raise ArchiveAnswerError(f"not an HTTP date: {memento_datetime_header!r}") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def capture_is_trustworthy(
    status: int,
    headers: Mapping[str, str],
    page: Page | None,
    original_url: str,
    location: str | None,
) -> tuple[bool, str]:
    """Whether a verification fetch of a capture shows the page that was cited.

    `headers` has lower-case names; `location` is the URL the fetch ended on
    when it was redirected (None otherwise); `page` is None for non-HTML.
    A capture can be a 404 page served with 200, a parking page, a bot
    challenge, a site's own "gone" page (a site rule of crawler.check, e.g.
    WeChat's deleted-article notice), or a redirect the site made to its home
    page; replacing a dead link with any of these would hide the loss
    instead of mending it.
    """
    if not 200 <= status < 300:
        return False, f"the archive answered HTTP {status}"
    if "memento-datetime" not in headers:
        return False, "no Memento-Datetime header: not an archived capture"
    landed = original_url_of(location) or location if location is not None else None
    if landed is not None and lands_on_home_page(original_url, landed):
        return False, "the capture redirects to the site's home page"
    if page is None:
        return True, f"captured {headers['memento-datetime']}"
    site_headers = _original_headers(headers)
    if is_soft_404(page):
        return False, "the capture is a 'not found' page"
    if is_parked(page, site_headers):
        return False, "the capture is a parked-domain page"
    if (provider := bot_challenge(page, site_headers)) is not None:
        return False, f"the capture is a bot challenge ({provider})"
    as_checked = CheckResult(original_url, status, landed or original_url, page=page, headers=site_headers)
    rule = first_rule(shipped_rules(), as_checked)
    if rule is not None and rule.verdict not in (Verdict.OK, Verdict.REDIRECTED):
        return False, f"the capture shows what the site says of a page that is gone ({rule.reason})"
    return True, f"captured {headers['memento-datetime']}"


def _original_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # Playback answers carry the archived site's own headers as
    # X-Archive-Orig-*; parking detection must look at those, not at Wayback's.
    merged = dict(headers)
    for name, value in headers.items():
        if name.startswith(_ORIGINAL_HEADER_PREFIX):
            merged[name.removeprefix(_ORIGINAL_HEADER_PREFIX)] = value
    return merged

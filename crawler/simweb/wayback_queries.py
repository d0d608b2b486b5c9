"""The simulated Wayback Machine's queries: which captures an asked question gets.

Pure logic over `Capture`s, no HTTP: the CDX index's filters, order and
limit and its JSON layout, the availability API's choice of the closest
capture, and the paths playback answers on. What each rule follows in the
real archive is recorded in crawler.simweb.wayback_endpoints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from crawler.simweb.wayback_captures import BadQueryError, Capture, distance, moment_of

__all__ = [
    "CDX_FIELDS",
    "PLAYBACK",
    "Lookup",
    "cdx_json",
    "cdx_table",
    "endpoint_of",
    "passes",
    "playback_path",
    "select_rows",
]

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
PLAYBACK = re.compile(r"/web/(\d{1,14})([a-z]{2}_)?/(.+)", re.S)


def endpoint_of(raw_path: str, method: str = "GET") -> str:
    """Which endpoint a request is for, by the name `SimWayback.count` uses: `cdx`,
    `timemap` (not served, but counted), `availability` (the single GET), `batch`
    (the availability POST), `playback` or `other`."""
    route = raw_path.partition("?")[0]
    if route == "/cdx/search/cdx":
        return "cdx"
    if route == "/wayback/available":
        return "batch" if method == "POST" else "availability"
    if route.startswith("/web/timemap/"):
        return "timemap"
    return "playback" if route.startswith("/web/") else "other"


def playback_path(capture: Capture, flag: str) -> str:
    """`/web/<timestamp><flag>/<original>`: where a capture is replayed."""
    return f"/web/{capture.timestamp}{flag}/{capture.original}"


# CDX.


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


def cdx_table(rows: list[Capture], params: Mapping[str, list[str]]) -> tuple[list[str], list[list[str]]]:
    """The fields `fl` asks for (those the index knows, in the order asked) and each row's values."""
    asked = params.get("fl", [",".join(CDX_FIELDS)])[0].split(",")
    fields = [name for name in asked if name in CDX_FIELDS]
    return fields, [[row[name] for name in fields] for row in (capture.cdx_fields() for capture in rows)]


def cdx_json(fields: list[str], rows: list[list[str]]) -> bytes:
    """`output=json` exactly as the Java CDX server writes it: a compact header row,
    `", "` between fields, one row a line; `[]` alone when there is no row."""
    if not rows:
        return b"[]\n"
    lines = [json.dumps(fields, separators=(",", ":")), *(json.dumps(row) for row in rows)]
    return ("[" + ",\n".join(lines) + "]\n").encode()


# Availability.


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

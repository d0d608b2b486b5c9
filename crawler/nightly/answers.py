"""The archive's answers, kept in the state database so nothing is asked twice.

`StateStore.archive` is an `ArchiveMemory` over the store's connection. It
keeps three things, each written as the crawl receives it (in batches, one
transaction each, like check results):
- per (URL, date cited) the capture chosen, or "no capture"
  (`archive_answers`; trusted by `crawler.nightly.policy.trusted_lookup`:
  a capture for good, "none" for 30 days); a failed lookup is not kept;
  its `archive` column names the archive holding the capture ("wayback" or
  a Memento archive, whose `memento_url` is where readers see it), and for
  "none" every archive that said so (crawler.wayback.archives.asked_text):
  the Wayback Machine's "none" is stored as soon as it comes, and replaced
  by the further archives' answer when they have been asked. A "none" of
  the further archives is trusted as long as the Wayback Machine's, 30 days
  from the last "none", after which the Wayback Machine and then they are
  asked again (the archives keep capturing); their failure (a 429, a
  CAPTCHA) leaves the Wayback Machine's "none" alone, so they are asked
  again next run;
- every capture verification, good or bad (`capture_checks`), so no capture
  is fetched twice, whichever date proposes it;
- for live links, the newest capture the archive named and when we saved
  one with Save Page Now (`saves`), which `policy.needs_fresh_capture` reads.

Dates are stored as `YYYY-MM-DD`, an undated issue as ''.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import date, datetime

from crawler.models import ArchiveLookup, CaptureCheck, LookupOutcome, RecentCapture, Snapshot
from crawler.nightly.policy import Policy, instant_text, needs_fresh_capture, trusted_lookup

__all__ = ["ArchiveMemory"]

Rows = Callable[[str, Sequence[object]], list[sqlite3.Row]]
Writing = Callable[[], AbstractContextManager[sqlite3.Connection]]
Pair = tuple[str, date | None]

_PAIRS = "SELECT json_extract(value, '$[0]') AS url, json_extract(value, '$[1]') AS cited_on FROM json_each(?)"
_URLS = "SELECT value FROM json_each(?)"
_ANSWERS = f"""SELECT a.url, a.cited_on, original, timestamp, status, mimetype, answered_at, archive, memento_url
    FROM archive_answers AS a JOIN ({_PAIRS}) AS p ON a.url = p.url AND a.cited_on = p.cited_on"""
_ANSWERS_OF_URL = """SELECT url, cited_on, original, timestamp, status, mimetype, answered_at, archive, memento_url
    FROM archive_answers WHERE url = ? ORDER BY cited_on"""
_STORE_ANSWER = """INSERT OR REPLACE INTO archive_answers
    (url, cited_on, original, timestamp, status, mimetype, answered_at, archive, memento_url)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_CHECKS = f"""SELECT url, timestamp, trustworthy, served_timestamp, reason FROM capture_checks
    WHERE url IN ({_URLS})"""
_STORE_CHECK = """INSERT OR REPLACE INTO capture_checks
    (url, timestamp, trustworthy, served_timestamp, reason, checked_at) VALUES (?, ?, ?, ?, ?, ?)"""
_SAVES = f"SELECT url, newest_capture, saved_at FROM saves WHERE url IN ({_URLS})"
_STORE_NEWEST = """INSERT INTO saves (url, newest_capture, asked_at) VALUES (?, ?, ?)
    ON CONFLICT (url) DO UPDATE SET newest_capture = excluded.newest_capture, asked_at = excluded.asked_at"""
_STORE_SAVED = """INSERT INTO saves (url, saved_at) VALUES (?, ?)
    ON CONFLICT (url) DO UPDATE SET saved_at = excluded.saved_at"""


class ArchiveMemory:
    """The archive's answers in the state database (see the module docstring)."""

    def __init__(self, rows: Rows, writing: Writing, policy: Policy, clock: Callable[[], datetime]) -> None:
        self._rows = rows
        self._writing = writing
        self._policy = policy
        self._clock = clock

    def cached(self, pairs: Iterable[Pair]) -> dict[Pair, ArchiveLookup]:
        """Remembered answers still to be trusted, by (URL, date cited); ask about the other pairs."""
        wanted = json.dumps([[url, _day_text(cited_on)] for url, cited_on in pairs])
        now = self._clock()
        trusted = (_trusted(row, now, self._policy) for row in self._rows(_ANSWERS, (wanted,)))
        return {(lookup.url, lookup.cited_on): lookup for lookup in trusted if lookup is not None}

    def cached_for(self, url: str) -> list[ArchiveLookup]:
        """Every trusted answer about `url`, one per date it is cited on (for `rotwatch history`)."""
        now = self._clock()
        trusted = (_trusted(row, now, self._policy) for row in self._rows(_ANSWERS_OF_URL, (url,)))
        return [lookup for lookup in trusted if lookup is not None]

    def checks(self, urls: Iterable[str]) -> list[CaptureCheck]:
        """Every verification of a capture of these URLs, good or bad."""
        return [_check(row) for row in self._rows(_CHECKS, (json.dumps(list(urls)),))]

    def record(self, items: Iterable[ArchiveLookup | CaptureCheck | RecentCapture]) -> None:
        """Stores answers, verifications and live links' newest captures in one transaction;
        failed lookups are not kept, so they are asked again next run."""
        now = instant_text(self._clock())
        with self._writing() as db:
            for item in items:
                if isinstance(item, CaptureCheck):
                    db.execute(_STORE_CHECK, _check_row(item, now))
                elif isinstance(item, RecentCapture):
                    db.execute(_STORE_NEWEST, (item.url, item.timestamp, now))
                elif item.outcome is not LookupOutcome.FAILED:
                    db.execute(_STORE_ANSWER, _answer_row(item, now))

    def record_saved(self, url: str) -> None:
        """Save Page Now captured `url` now: it is not saved again within `save_max_age`."""
        with self._writing() as db:
            db.execute(_STORE_SAVED, (url, instant_text(self._clock())))

    def needing_fresh_capture(self, urls: Iterable[str]) -> list[str]:
        """The live links that may lack a recent capture (policy.needs_fresh_capture), in order."""
        wanted = list(dict.fromkeys(urls))
        known = {row["url"]: row for row in self._rows(_SAVES, (json.dumps(wanted),))}
        now = self._clock()
        return [url for url in wanted if url not in known or _needs_fresh(known[url], now, self._policy)]


def _day_text(cited_on: date | None) -> str:
    return cited_on.isoformat() if cited_on else ""


def _trusted(row: sqlite3.Row, now: datetime, policy: Policy) -> ArchiveLookup | None:
    snapshot = None
    if row["timestamp"] is not None:
        snapshot = Snapshot(
            row["original"], row["timestamp"], row["status"], row["mimetype"], row["archive"], row["memento_url"]
        )
    cited_on = date.fromisoformat(row["cited_on"]) if row["cited_on"] else None
    answered_at = datetime.fromisoformat(row["answered_at"])
    lookup = trusted_lookup(row["url"], snapshot, answered_at, now, policy, cited_on)
    return None if lookup is None else replace(lookup, archive=row["archive"])


def _answer_row(lookup: ArchiveLookup, answered_at: str) -> tuple[object, ...]:
    day = _day_text(lookup.cited_on)
    snapshot = lookup.snapshot if lookup.outcome is LookupOutcome.FOUND else None
    if snapshot is None:
        return (lookup.url, day, None, None, None, "", answered_at, lookup.archive, None)
    capture = (snapshot.original, snapshot.timestamp, snapshot.status, snapshot.mimetype)
    return (lookup.url, day, *capture, answered_at, snapshot.archive, snapshot.memento_url)


def _check(row: sqlite3.Row) -> CaptureCheck:
    served = None
    if row["trustworthy"] and row["served_timestamp"]:
        served = Snapshot(row["url"], row["served_timestamp"], 200)
    return CaptureCheck(row["url"], row["timestamp"], bool(row["trustworthy"]), served, row["reason"])


def _check_row(check: CaptureCheck, checked_at: str) -> tuple[object, ...]:
    served = check.served.timestamp if check.served else None
    return (check.url, check.timestamp, check.trustworthy, served, check.reason, checked_at)


def _needs_fresh(row: sqlite3.Row, now: datetime, policy: Policy) -> bool:
    saved_at = datetime.fromisoformat(row["saved_at"]) if row["saved_at"] else None
    return needs_fresh_capture(row["newest_capture"], saved_at, now, policy)

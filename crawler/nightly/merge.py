"""Combining the states of a crawl split by site (`rotwatch merge STATE...`).

Each shard machine keeps its own state database and checks only its sites
(`crawler.check.shards`). The merge folds the shards' latest knowledge into
one target state as one new run, so the target reads like a single-machine
crawl. The merge's run is left open, like a crawl that was stopped: the
plain `rotwatch crawl` that follows it finds nothing due, asks the archive
about the dead links once (the archive's rate limit is per client and must
not be multiplied by scaling out), writes the reports and finishes the
night, and its diff, against the last finished night, reports what the
shards found (crawler.nightly.store's diff counts an open run's findings as
the next finished run's news).

Decisions:
- A link known to several states keeps the row of its latest check
  (`last_checked`), with every column that check set: the newest
  evidence wins, whichever machine saw it.
- The new run gets one check event per link whose latest check is newer
  than the target's, copied from the shard's own latest event for it, so
  `history URL` and the diff see it as this run's check.
- Every link a shard's latest finished run saw counts as seen by the new
  run (its `last_seen_run`), so the diff covers exactly the cited links.
- Archive answers (crawler.nightly.answers): the newest answer per (URL,
  date cited) wins, the newest verification per capture, and per live link
  the latest Save Page Now and the newest capture last asked about.
- Drift (crawler.nightly.baselines): a link's page as last read and its
  `drifted_since` come with its latest check; a baseline the target lacks
  is copied, and a shard's capture baseline replaces a first-check one (as
  the crawl's baseline step does); otherwise the target's is kept.
- A shard is read through SQLite's read-only URI, never changed; a shard
  written by another rotwatch version is refused with the schema's message.
- A shard that never finished a crawl (stopped or killed on its machine)
  gives nothing: what it holds may be part of a night. `ShardMerged` says
  so, and what each other shard gave, so the command can tell the user;
  the plain crawl after the merge checks that shard's links when they are
  due (at once those the target has never checked).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler.nightly.lock import CrawlLock
from crawler.nightly.policy import instant_text
from crawler.nightly.schema import connect, connect_read_only, state_errors, transaction

__all__ = ["Merged", "ShardMerged", "merge_states"]

log = logging.getLogger(__name__)  # one line per merged shard

_LINK_COLUMNS = (
    "url, first_seen, last_seen, last_seen_run, last_checked, last_verdict, http_status, final_url, title, error,"
    " reason, consecutive_failures, failing_since, last_ok, dead, dead_since, fingerprint, drifted_since"
)
_BEGIN = "INSERT INTO runs (started_at, settings) VALUES (?, ?)"
_LATEST_FINISHED = "SELECT max(id) FROM shard.runs WHERE finished_at IS NOT NULL"
# Links whose check in the shard is newer than the target's (or unknown to it), kept in a temporary
# table: at a million links a list of them in Python took the merge to 379 MB.
_NEWER_TABLE = "CREATE TEMP TABLE newer (url TEXT PRIMARY KEY) WITHOUT ROWID"
_NEWER = """INSERT INTO temp.newer SELECT s.url FROM shard.links AS s LEFT JOIN main.links AS t ON t.url = s.url
    WHERE s.last_checked IS NOT NULL AND (t.url IS NULL OR t.last_checked IS NULL OR s.last_checked > t.last_checked)"""
_NEWER_DROP = "DROP TABLE temp.newer"
_COPY_LINKS = f"""INSERT INTO main.links ({_LINK_COLUMNS})
    SELECT {_LINK_COLUMNS.replace("last_seen_run", ":run")} FROM shard.links
    WHERE url IN (SELECT url FROM temp.newer)
    ON CONFLICT (url) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), last_seen = excluded.last_seen,
    last_seen_run = excluded.last_seen_run, last_checked = excluded.last_checked, last_verdict = excluded.last_verdict,
    http_status = excluded.http_status, final_url = excluded.final_url, title = excluded.title, error = excluded.error,
    reason = excluded.reason, consecutive_failures = excluded.consecutive_failures,
    failing_since = excluded.failing_since, last_ok = excluded.last_ok, dead = excluded.dead,
    dead_since = excluded.dead_since, fingerprint = coalesce(excluded.fingerprint, fingerprint),
    drifted_since = excluded.drifted_since"""
_COPY_EVENTS = """INSERT INTO main.checks (run_id, url, checked_at, verdict, http_status, reason, dead)
    SELECT :run, c.url, c.checked_at, c.verdict, c.http_status, c.reason, c.dead FROM shard.checks AS c
    WHERE c.url IN (SELECT url FROM temp.newer)
    AND c.id = (SELECT max(id) FROM shard.checks AS d WHERE d.url = c.url)"""
_SEEN = """INSERT INTO main.links (url, first_seen, last_seen, last_seen_run)
    SELECT url, first_seen, last_seen, :run FROM shard.links WHERE last_seen_run = :latest
    ON CONFLICT (url) DO UPDATE SET last_seen = max(main.links.last_seen, excluded.last_seen),
    last_seen_run = excluded.last_seen_run"""
_SHARD_URL_KNOWN = "s.url IN (SELECT url FROM main.links)"  # answers about links the target knows
_COPY_ANSWERS = f"""INSERT INTO main.archive_answers SELECT s.* FROM shard.archive_answers AS s
    LEFT JOIN main.archive_answers AS t ON t.url = s.url AND t.cited_on = s.cited_on
    WHERE {_SHARD_URL_KNOWN} AND (t.url IS NULL OR s.answered_at > t.answered_at)
    ON CONFLICT (url, cited_on) DO UPDATE SET original = excluded.original, timestamp = excluded.timestamp,
    status = excluded.status, mimetype = excluded.mimetype, answered_at = excluded.answered_at"""
_COPY_CHECKS = """INSERT INTO main.capture_checks SELECT s.* FROM shard.capture_checks AS s
    LEFT JOIN main.capture_checks AS t ON t.url = s.url AND t.timestamp = s.timestamp
    WHERE t.url IS NULL OR s.checked_at > t.checked_at
    ON CONFLICT (url, timestamp) DO UPDATE SET trustworthy = excluded.trustworthy,
    served_timestamp = excluded.served_timestamp, reason = excluded.reason, checked_at = excluded.checked_at"""
_LATER = "nullif(max(coalesce(saves.{0}, ''), coalesce(excluded.{0}, '')), '')"  # the later time, NULL if none
_COPY_SAVES = f"""INSERT INTO main.saves SELECT s.* FROM shard.saves AS s WHERE {_SHARD_URL_KNOWN}
    ON CONFLICT (url) DO UPDATE SET newest_capture = CASE WHEN coalesce(excluded.asked_at, '')
    > coalesce(saves.asked_at, '') THEN excluded.newest_capture ELSE saves.newest_capture END,
    asked_at = {_LATER.format("asked_at")}, saved_at = {_LATER.format("saved_at")}"""
_COPY_BASELINES = f"""INSERT INTO main.baselines SELECT s.* FROM shard.baselines AS s WHERE {_SHARD_URL_KNOWN}
    ON CONFLICT (url) DO UPDATE SET fingerprint = excluded.fingerprint, source = excluded.source,
    capture = excluded.capture, taken_on = excluded.taken_on, recorded_at = excluded.recorded_at
    WHERE baselines.source = 'first-check' AND excluded.source = 'capture'"""
_COPY_ARCHIVE_ANSWERS = (_COPY_ANSWERS, _COPY_CHECKS, _COPY_SAVES, _COPY_BASELINES)


@dataclass(frozen=True)
class ShardMerged:
    """What one shard gave: the links its last finished crawl saw, and how many of its checks
    were newer than the target's; `finished` is False for a shard that never finished a crawl."""

    path: Path
    finished: bool
    seen: int = 0
    newer: int = 0


@dataclass(frozen=True)
class Merged:
    """The merge's run in the target, and what each shard gave it."""

    run_id: int
    shards: list[ShardMerged]


def merge_states(target: Path, shards: Sequence[Path], now: datetime) -> Merged:
    """Folds every shard's latest finished run into the state at `target` (created if
    missing, locked like a crawl) as one new run begun at `now`."""
    for path in shards:
        connect_read_only(path).close()  # refuse a missing, foreign or other-version file before writing
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = CrawlLock.take(target)
    try:
        with closing(connect(target)) as db:
            return _merge_into(db, target, shards, now)
    finally:
        lock.release()


def _merge_into(db: sqlite3.Connection, target: Path, shards: Sequence[Path], now: datetime) -> Merged:
    with state_errors(target), transaction(db):
        settings = json.dumps({"merged": [str(path) for path in shards]})
        run_id = db.execute(_BEGIN, (instant_text(now), settings)).lastrowid
    assert run_id is not None  # an INSERT always sets it
    merged = []
    for path in shards:
        merged.append(_merge_one(db, target, path, run_id))
        log.debug("merged %s into run %d: %s", path, run_id, merged[-1])
    return Merged(run_id, merged)


def _merge_one(db: sqlite3.Connection, target: Path, shard: Path, run_id: int) -> ShardMerged:
    """Copies one shard's newer checks, sightings and archive answers, in one transaction."""
    with state_errors(target):
        db.execute("ATTACH DATABASE ? AS shard", (f"{shard.resolve().as_uri()}?mode=ro",))
    try:
        with state_errors(target), transaction(db):
            latest = db.execute(_LATEST_FINISHED).fetchone()[0]
            if latest is None:
                return ShardMerged(shard, finished=False)  # nothing trustworthy to fold in
            db.execute(_NEWER_TABLE)
            newer = db.execute(_NEWER).rowcount
            seen = db.execute(_SEEN, {"run": run_id, "latest": latest}).rowcount
            db.execute(_COPY_LINKS, {"run": run_id})
            db.execute(_COPY_EVENTS, {"run": run_id})
            db.execute(_NEWER_DROP)
            for statement in _COPY_ARCHIVE_ANSWERS:
                db.execute(statement)
            return ShardMerged(shard, finished=True, seen=seen, newer=newer)
    finally:
        with state_errors(target):
            db.execute("DETACH DATABASE shard")

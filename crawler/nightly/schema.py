"""The state database's file: its schema, its migrations, and how a file is opened and upgraded.

`connect` (called by `StateStore.open`, crawler.nightly.store, once it holds
the crawl lock) reads the file's version before anything writes to it,
configures the connection, then applies the migrations the file has not had.

Decisions:
- Schema changes are migrations, applied in order, each in one transaction,
  numbered in `PRAGMA user_version`. A file newer than this code, a file that
  is not SQLite, or another program's SQLite database gets a `StateError`
  and is left untouched.
- A released migration is never edited: a change is a new entry at the end.
- Times are ISO 8601 text in UTC, microseconds always written, so they sort
  (`crawler.nightly.policy.instant_text` writes them).
- The journal is a WAL with `synchronous=NORMAL`: why is the store's
  decision on crawls killed mid-run (crawler.nightly.store).
- Every SQLite failure becomes a `StateError` naming the file and saying what
  to do (`state_errors`), by SQLite's primary result code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawler.errors import StateError

__all__ = ["MIGRATIONS", "connect", "connect_read_only", "state_errors", "transaction"]

# Each entry is one migration (its statements run in one transaction); the
# database's PRAGMA user_version is how many have run.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: links and runs.
    (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,                       -- NULL while running, or killed
            settings TEXT NOT NULL DEFAULT '{}',    -- JSON
            counts TEXT NOT NULL DEFAULT '{}'       -- JSON, what the run did
        )""",
        """CREATE TABLE links (
            url TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            last_seen_run INTEGER NOT NULL REFERENCES runs (id),
            last_checked TEXT,                      -- NULL: never checked, due
            last_verdict TEXT,
            http_status INTEGER,
            final_url TEXT,
            title TEXT,
            error TEXT,
            reason TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            failing_since TEXT,
            last_ok TEXT,
            dead INTEGER NOT NULL DEFAULT 0,
            dead_since TEXT
        )""",
    ),
    # 2: one event per check (history, diffs) and the archive's answers.
    (
        """CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            url TEXT NOT NULL REFERENCES links (url),
            checked_at TEXT NOT NULL,
            verdict TEXT NOT NULL,
            http_status INTEGER,
            reason TEXT NOT NULL DEFAULT '',
            dead INTEGER NOT NULL                   -- the link's dead flag after this check
        )""",
        "CREATE INDEX checks_by_url ON checks (url, run_id)",
        # A schema-1 database knew each link's last check: it becomes the
        # link's first event, in the last run that database had.
        """INSERT INTO checks (run_id, url, checked_at, verdict, http_status, reason, dead)
           SELECT (SELECT max(id) FROM runs), url, last_checked, last_verdict, http_status,
                  coalesce(reason, ''), dead
           FROM links WHERE last_checked IS NOT NULL""",
        """CREATE TABLE captures (
            url TEXT PRIMARY KEY REFERENCES links (url),
            original TEXT,                          -- NULL with timestamp: the archive has none
            timestamp TEXT,
            status INTEGER,
            mimetype TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,              -- when verified, or when it said "none"
            CHECK ((original IS NULL) = (timestamp IS NULL))
        )""",
    ),
    # 3: archive answers per (URL, date cited), every capture verified, Save Page Now.
    (
        """CREATE TABLE archive_answers (
            url TEXT NOT NULL REFERENCES links (url),
            cited_on TEXT NOT NULL,                 -- the citing issue's date, YYYY-MM-DD; '' when undated
            original TEXT,                          -- NULL with timestamp: the archive has none
            timestamp TEXT,
            status INTEGER,
            mimetype TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,              -- when verified, or when it said "none"
            PRIMARY KEY (url, cited_on),
            CHECK ((original IS NULL) = (timestamp IS NULL))
        )""",
        """CREATE TABLE capture_checks (
            url TEXT NOT NULL,                      -- as cited
            timestamp TEXT NOT NULL,                -- the capture proposed for it
            trustworthy INTEGER NOT NULL,
            served_timestamp TEXT,                  -- the capture the archive served, when trustworthy
            reason TEXT NOT NULL DEFAULT '',
            checked_at TEXT NOT NULL,
            PRIMARY KEY (url, timestamp)
        )""",
        # A schema-2 capture was verified: it stays known good, so no date that
        # the index proposes it for fetches it again; the answers per date are new.
        """INSERT INTO capture_checks (url, timestamp, trustworthy, served_timestamp, reason, checked_at)
           SELECT url, timestamp, 1, timestamp, 'verified', answered_at FROM captures
           WHERE timestamp IS NOT NULL""",
        "DROP TABLE captures",
        """CREATE TABLE saves (
            url TEXT PRIMARY KEY REFERENCES links (url),
            newest_capture TEXT,                    -- the newest capture the archive named, YYYYMMDDhhmmss
            asked_at TEXT,                          -- when the archive was asked (NULL: never)
            saved_at TEXT                           -- when Save Page Now captured it (NULL: never)
        )""",
    ),
    # 4: content drift (what each live page showed then and now) and captures of further archives.
    (
        # The page as last checked (crawler.check.drift.Fingerprint.to_json); NULL: no page read.
        "ALTER TABLE links ADD COLUMN fingerprint TEXT",
        "ALTER TABLE links ADD COLUMN drifted_since TEXT",  # when its page was first judged drifted; NULL: not
        """CREATE TABLE baselines (
            url TEXT PRIMARY KEY REFERENCES links (url),
            fingerprint TEXT,                       -- what the page showed then; NULL: no usable version
            source TEXT NOT NULL,                   -- 'first-check' (rotwatch's own) or 'capture' (an archive's)
            capture TEXT,                           -- the capture's playback URL when source = 'capture'
            taken_on TEXT NOT NULL DEFAULT '',      -- the day that version shows, YYYY-MM-DD
            recorded_at TEXT NOT NULL
        )""",
        # Which archive holds an answer's capture, and where a Memento archive shows it.
        "ALTER TABLE archive_answers ADD COLUMN archive TEXT NOT NULL DEFAULT 'wayback'",
        "ALTER TABLE archive_answers ADD COLUMN memento_url TEXT",
    ),
)

_HAS_TABLES = "SELECT count(*) FROM sqlite_master"
_CONFIGURE = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",  # ms: a reader such as the sqlite3 shell may hold it briefly
)

# What a failing SQLite call means for the maintainer, by primary result code.
_EXPLANATIONS = {
    sqlite3.SQLITE_NOTADB: "is not a SQLite database; move it aside or choose another --state file",
    sqlite3.SQLITE_CORRUPT: "is damaged; move it aside to start afresh (every link is then checked again)",
    sqlite3.SQLITE_FULL: "cannot grow: the disk is full",
    sqlite3.SQLITE_BUSY: "is held by another program",
    sqlite3.SQLITE_READONLY: "is read-only",
    sqlite3.SQLITE_CANTOPEN: "cannot be opened",
}


def connect(path: Path) -> sqlite3.Connection:
    """Opens, configures and migrates the database; any failure is a StateError."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    try:
        with state_errors(path):
            version = _schema_version(connection, path)  # before anything writes to the file
            for pragma in _CONFIGURE:
                connection.execute(pragma)
            _migrate(connection, version)
    except BaseException:
        connection.close()
        raise
    return connection


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Opens an existing, up-to-date database read-only; any failure is a StateError.

    Nothing is created, migrated or locked: a missing file, a typo in --state
    or an older schema is said, not silently "fixed" with an empty database.
    """
    if not path.is_file():
        raise StateError(f"no state database at {path}: `rotwatch crawl` creates it (or name it with --state)")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    try:
        with state_errors(path):
            version = _schema_version(connection, path)
            if version < len(MIGRATIONS):
                raise StateError(
                    f"state database {path} was written by an older rotwatch (schema {version} of"
                    f" {len(MIGRATIONS)}); run `rotwatch crawl` once to upgrade it"
                )
            connection.execute("PRAGMA busy_timeout = 5000")  # ms: a crawl may be committing a batch
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def state_errors(path: Path) -> Iterator[None]:
    """Turns SQLite's errors into StateErrors that name the file and say what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # primary code of an extended one
        why = _EXPLANATIONS.get(code, "failed")
        raise StateError(f"state database {path} {why} ({exc})") from exc


def _schema_version(connection: sqlite3.Connection, path: Path) -> int:
    """How many migrations the file has had; refuses files this rotwatch must not touch.

    Reading it writes nothing, so a refused file is left as it was; a file
    that is not SQLite fails here with SQLite's own error.
    """
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StateError(
            f"state database {path} was written by a newer rotwatch (schema {version}, this one knows"
            f" up to {len(MIGRATIONS)}); upgrade rotwatch"
        )
    if version == 0 and connection.execute(_HAS_TABLES).fetchone()[0]:
        raise StateError(f"{path} is a SQLite database of another program; choose another --state file")
    return version


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """Applies the migrations after `version`, one transaction each."""
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(connection):
            for statement in statements:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number:d}")  # PRAGMA takes no parameters


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        connection.rollback()  # a no-op when a failed COMMIT already ended it
        raise

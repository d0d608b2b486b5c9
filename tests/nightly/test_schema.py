"""The state database's schema: migrations, and files this rotwatch must refuse untouched."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import crawler.nightly.schema
from crawler.errors import StateError
from crawler.models import ArchiveLookup, LinkHistory, LookupOutcome, RunDiff, Verdict
from crawler.nightly.schema import MIGRATIONS
from crawler.nightly.store import StateStore
from tests.nightly.state_helpers import crawl_night


def schema_1_database(path: Path) -> None:
    """The file an older rotwatch (schema 1: runs and links) left after two crawls."""
    with sqlite3.connect(path) as old:
        for statement in MIGRATIONS[0]:
            old.execute(statement)
        old.execute("PRAGMA user_version = 1")
        old.executemany(
            "INSERT INTO runs (id, started_at, finished_at, counts) VALUES (?, ?, ?, ?)",
            [
                (1, "2024-02-01T02:00:00.000000+00:00", "2024-02-01T02:30:00.000000+00:00", '{"ok": 1}'),
                (2, "2024-02-02T02:00:00.000000+00:00", "2024-02-02T02:30:00.000000+00:00", '{"broken": 1}'),
            ],
        )
        old.executemany(
            """INSERT INTO links (url, first_seen, last_seen, last_seen_run, last_checked, last_verdict,
               http_status, reason, consecutive_failures, failing_since, last_ok, dead, dead_since)
               VALUES (?, '2024-02-01T02:00:00.000000+00:00', '2024-02-02T02:00:00.000000+00:00', 2,
                       ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    "https://fine.example/",
                    "2024-02-01T02:01:00.000000+00:00",
                    "ok",
                    200,
                    "200 OK",
                    0,
                    None,
                    "2024-02-01T02:01:00.000000+00:00",
                    0,
                    None,
                ),
                (
                    "https://gone.example/",
                    "2024-02-02T02:01:00.000000+00:00",
                    "broken",
                    404,
                    "404 Not Found",
                    2,
                    "2024-02-01T02:01:00.000000+00:00",
                    None,
                    1,
                    "2024-02-01T02:01:00.000000+00:00",
                ),
                ("https://new.example/", None, None, None, None, 0, None, None, 0, None),
            ],
        )
    old.close()


def test_a_schema_1_database_is_migrated_with_its_data(tmp_path, clock):
    path = tmp_path / "state.sqlite"
    schema_1_database(path)
    clock.now = datetime(2024, 2, 3, 2, tzinfo=UTC)
    with StateStore.open(path, clock=clock) as store:
        assert store.history("https://gone.example/") == LinkHistory(
            "https://gone.example/",
            first_seen=datetime(2024, 2, 1, 2, tzinfo=UTC),
            last_checked=datetime(2024, 2, 2, 2, 1, tzinfo=UTC),
            last_verdict=Verdict.BROKEN,
            failing_since=datetime(2024, 2, 1, 2, 1, tzinfo=UTC),
            consecutive_failures=2,
            dead=True,
            dead_since=datetime(2024, 2, 1, 2, 1, tzinfo=UTC),
        )
        assert [(e.run_id, e.verdict, e.http_status, e.dead) for e in store.events("https://gone.example/")] == [
            (2, Verdict.BROKEN, 404, True)
        ]
        assert store.previous_finished_run(3).counts == {"broken": 1}
        urls = {
            "https://fine.example/": Verdict.OK,
            "https://gone.example/": Verdict.BROKEN,
            "https://new.example/": Verdict.OK,
        }
        assert crawl_night(store, urls) == (["https://new.example/"], RunDiff(still_dead=("https://gone.example/",)))
        store.archive.record([ArchiveLookup("https://gone.example/", LookupOutcome.NONE)])
    with sqlite3.connect(path) as migrated:
        assert migrated.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    migrated.close()


def test_a_schema_2_capture_stays_known_good_after_the_answers_became_per_date(tmp_path, clock):
    path = tmp_path / "state.sqlite"
    schema_1_database(path)
    with sqlite3.connect(path) as old:
        for statement in MIGRATIONS[1]:
            old.execute(statement)
        old.execute("PRAGMA user_version = 2")
        old.executemany(
            "INSERT INTO captures (url, original, timestamp, status, mimetype, answered_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("https://gone.example/", "https://gone.example/", "20240101000000", 200, "text/html", "2024-02-02"),
                ("https://fine.example/", None, None, None, "", "2024-02-02T02:00:00.000000+00:00"),
            ],
        )
    old.close()
    with StateStore.open(path, clock=clock) as store:
        (check,) = store.archive.checks(["https://gone.example/", "https://fine.example/"])
        assert (check.url, check.timestamp, check.trustworthy) == ("https://gone.example/", "20240101000000", True)
        assert check.served is not None and check.served.timestamp == "20240101000000"
        assert store.archive.cached([("https://gone.example/", None)]) == {}  # asked again, per date
    with sqlite3.connect(path) as migrated:
        tables = {name for (name,) in migrated.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    migrated.close()
    assert "captures" not in tables and {"archive_answers", "capture_checks", "saves"} <= tables


def test_a_database_from_a_newer_rotwatch_is_refused_untouched(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as newer:
        newer.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    newer.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match=rf"newer rotwatch \(schema {len(MIGRATIONS) + 1}, .*upgrade rotwatch"):
        StateStore.open(path)
    assert path.read_bytes() == before


def test_a_text_file_is_refused_untouched(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StateError, match="is not a SQLite database"):
        StateStore.open(path)
    assert path.read_text() == "these are my notes, not a database\n" * 100


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path):
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as theirs:
        theirs.execute("CREATE TABLE contacts (name TEXT)")
    theirs.close()
    before = path.read_bytes()
    with pytest.raises(StateError, match="another program"):
        StateStore.open(path)
    assert path.read_bytes() == before


def test_a_damaged_database_is_refused(tmp_path):
    path = tmp_path / "state.sqlite"
    StateStore.open(path).close()
    with path.open("r+b") as damaged:
        damaged.seek(100)  # past the header: the schema's own page
        damaged.write(b"\xff" * 3000)
    with pytest.raises(StateError, match="is damaged"):
        StateStore.open(path)


def test_public_names_are_pinned():
    assert sorted(crawler.nightly.schema.__all__) == sorted(
        ["MIGRATIONS", "connect", "connect_read_only", "state_errors", "transaction"]
    )

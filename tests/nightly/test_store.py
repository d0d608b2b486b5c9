"""The state database: dead policy, rechecks, diffs, lock, migrations, archive answers.

Time is a fake clock moved by hand, so weeks of nightly crawls take milliseconds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import crawler.nightly.store
from crawler.errors import StateError
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CheckResult,
    ErrorKind,
    LinkHistory,
    LookupOutcome,
    Page,
    RunDiff,
    Snapshot,
    Verdict,
)
from crawler.nightly.store import (
    MIGRATIONS,
    Policy,
    StateStore,
    advance,
    is_dead,
    is_due,
    next_check,
    run_diff,
    trusted_lookup,
)

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # nightly crawls start at 02:00
POLICY = Policy()
DAY = timedelta(days=1)


class Clock:
    """A clock the test moves: `clock.now += DAY` is one night later."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock):
    with StateStore.open(tmp_path / "state.sqlite", clock=clock) as opened:
        yield opened


def new_link(url: str = "https://example.com/a") -> LinkHistory:
    return LinkHistory(url, first_seen=T0)


def checked(verdicts: list[tuple[float, Verdict]], url: str = "https://example.com/a") -> LinkHistory:
    """The history after checks on the given days (days after T0)."""
    history = new_link(url)
    for day, verdict in verdicts:
        history = advance(history, verdict, T0 + day * DAY, POLICY)
    return history


def outcome(url: str, verdict: Verdict, **observed) -> tuple[CheckResult, Assessment]:
    return CheckResult(url, **observed), Assessment(verdict, f"{verdict.value} in this test")


def crawl_night(store: StateStore, verdicts: dict[str, Verdict]) -> tuple[list[str], RunDiff]:
    """One nightly crawl as the runner does it: checks what is due; returns it and the diff."""
    run = store.begin_run({"concurrency": 4})
    store.record_sightings(run.id, verdicts)
    due = store.due_urls(verdicts)
    store.record_results(run.id, [outcome(url, verdicts[url]) for url in due])
    store.finish_run(run.id, Counter(verdicts[url].value for url in due))
    return due, store.diff(run.id)


# --- the dead policy, without a database ------------------------------------


def test_broken_is_dead_at_once():
    history = checked([(0, Verdict.BROKEN)])
    assert history.dead and history.dead_since == T0 and history.consecutive_failures == 1


def test_unreachable_three_nights_over_two_days_is_not_dead():
    history = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE), (2, Verdict.UNREACHABLE)])
    assert history.consecutive_failures == 3 and history.failing_since == T0
    assert not history.dead


def test_unreachable_three_checks_spanning_seven_days_is_dead():
    history = checked([(0, Verdict.UNREACHABLE), (4, Verdict.UNREACHABLE), (7, Verdict.UNREACHABLE)])
    assert history.dead and history.dead_since == T0 + 7 * DAY


def test_unreachable_every_night_dies_on_the_eighth_night():
    nights = [(day, Verdict.UNREACHABLE) for day in range(8)]
    assert not checked(nights[:7]).dead
    assert checked(nights).dead


@pytest.mark.parametrize(
    ("verdict", "failures", "days", "dead"),
    [
        (Verdict.BROKEN, 1, 0, True),
        (Verdict.UNREACHABLE, 2, 30, False),  # long, but too few checks
        (Verdict.UNREACHABLE, 3, 6.9, False),  # enough checks, too short
        (Verdict.UNREACHABLE, 3, 7, True),
        (Verdict.BLOCKED, 10, 30, False),  # a server that refuses robots is not gone
        (Verdict.OK, 0, 0, False),
    ],
)
def test_is_dead(verdict, failures, days, dead):
    assert is_dead(verdict, failures, T0, T0 + days * DAY, POLICY) is dead


def test_recovery_clears_dead_and_the_streak():
    history = checked([(0, Verdict.BROKEN), (7, Verdict.OK)])
    assert not history.dead and history.dead_since is None
    assert history.consecutive_failures == 0 and history.failing_since is None
    assert history.last_ok == T0 + 7 * DAY


def test_redirected_is_a_recovery_too():
    assert not checked([(0, Verdict.BROKEN), (7, Verdict.REDIRECTED)]).dead


def test_a_dead_link_that_starts_timing_out_stays_dead():
    history = checked([(0, Verdict.BROKEN), (7, Verdict.UNREACHABLE)])
    assert history.dead and history.dead_since == T0


def test_blocked_ends_an_unreachable_streak():
    history = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE), (2, Verdict.BLOCKED)])
    assert history.consecutive_failures == 0 and history.failing_since is None
    history = advance(history, Verdict.UNREACHABLE, T0 + 8 * DAY, POLICY)
    assert history.failing_since == T0 + 8 * DAY and not history.dead


def test_blocked_neither_kills_nor_revives():
    assert not checked([(day, Verdict.BLOCKED) for day in range(30)]).dead
    assert checked([(0, Verdict.BROKEN), (7, Verdict.BLOCKED)]).dead


def test_skipped_changes_only_the_last_verdict():
    before = checked([(0, Verdict.UNREACHABLE), (1, Verdict.UNREACHABLE)])
    after = advance(before, Verdict.SKIPPED, T0 + 2 * DAY, POLICY)
    assert after.consecutive_failures == 2 and after.failing_since == T0
    assert (after.last_verdict, after.last_checked) == (Verdict.SKIPPED, T0 + 2 * DAY)


# --- rechecks, without a database -------------------------------------------


def test_new_links_are_due():
    assert is_due(None, T0, POLICY)
    assert is_due(new_link(), T0, POLICY)


@pytest.mark.parametrize("verdict", [Verdict.OK, Verdict.REDIRECTED, Verdict.BLOCKED, Verdict.SKIPPED])
def test_links_that_answered_wait_ttl_ok_within_the_jitter(verdict):
    links = [checked([(0, verdict)], f"https://site{n}.example/page") for n in range(200)]
    earliest, latest = T0 + POLICY.ttl_ok * 0.75, T0 + POLICY.ttl_ok * 1.25
    assert not any(is_due(link, earliest - timedelta(seconds=1), POLICY) for link in links)
    assert all(is_due(link, latest, POLICY) for link in links)
    halfway = sum(is_due(link, T0 + POLICY.ttl_ok, POLICY) for link in links)
    assert 60 < halfway < 140


def test_jitter_is_fixed_by_the_url_and_its_last_check():
    link = checked([(0, Verdict.OK)])
    assert next_check(link, POLICY) == next_check(checked([(0, Verdict.OK)]), POLICY)
    later = [next_check(checked([(day, Verdict.OK)]), POLICY) - day * DAY for day in range(20)]
    assert len(set(later)) > 15  # each cycle draws a new offset


def test_jitter_spreads_a_thousand_links_evenly_over_the_nights():
    """All first checked on one night; within two weeks each night does a similar share."""
    links = {url: new_link(url) for url in (f"https://site{n}.example/post/{n}" for n in range(1000))}
    per_night = Counter()
    for night in range(42):
        now = T0 + night * DAY
        for url, history in links.items():
            if is_due(history, now, POLICY):
                links[url] = advance(history, Verdict.OK, now, POLICY)
                per_night[night] += 1
    assert per_night[0] == 1000 and per_night[1] == per_night[2] == 0
    assert 350 < per_night[3] < 650 and per_night[3] + per_night[4] == 1000
    steady = [per_night[night] for night in range(21, 42)]
    mean = sum(steady) / len(steady)  # 1000 links / 3.5 nights on average
    assert all(0.7 * mean < checks < 1.3 * mean for checks in steady), steady


def test_unreachable_links_are_due_every_run():
    history = checked([(0, Verdict.UNREACHABLE)])
    assert is_due(history, T0, POLICY) and is_due(history, T0 + DAY, POLICY)


def test_dead_links_are_due_weekly():
    for verdicts in ([(0, Verdict.BROKEN)], [(day, Verdict.UNREACHABLE) for day in range(8)]):
        history = checked(verdicts)
        assert not is_due(history, history.last_checked + 6 * DAY, POLICY)
        assert is_due(history, history.last_checked + 7 * DAY, POLICY)


# --- archive answers and diffs, without a database --------------------------

CAPTURE = Snapshot("https://example.com/a", "20240101000000", 200, "text/html")


def test_a_verified_capture_is_trusted_for_good():
    lookup = trusted_lookup("https://example.com/a", CAPTURE, T0, T0 + 3650 * DAY, POLICY)
    assert lookup is not None and lookup.outcome is LookupOutcome.FOUND and lookup.snapshot == CAPTURE


def test_no_capture_is_trusted_for_thirty_days():
    assert trusted_lookup("https://example.com/a", None, T0, T0 + 29 * DAY, POLICY).outcome is LookupOutcome.NONE
    assert trusted_lookup("https://example.com/a", None, T0, T0 + 30 * DAY, POLICY) is None


def test_run_diff_sorts_links_into_newly_dead_fixed_still_dead():
    standings = [("d", False, True), ("c", True, False), ("b", True, True), ("a", False, True), ("e", False, False)]
    assert run_diff(standings) == RunDiff(newly_dead=("a", "d"), fixed=("c",), still_dead=("b",))


# --- the store: nightly crawls ----------------------------------------------


def test_nothing_due_means_no_request_and_full_means_everything(store, clock):
    urls = ["https://example.com/a", "https://example.com/b"]
    crawl_night(store, dict.fromkeys(urls, Verdict.OK))
    clock.now += DAY
    assert store.due_urls(urls) == []
    assert store.due_urls(urls, full=True) == urls


def test_due_urls_keeps_the_order_without_repeats(store):
    urls = ["https://b.example/", "https://a.example/", "https://b.example/"]
    assert store.due_urls(urls) == ["https://b.example/", "https://a.example/"]


def test_an_unreachable_link_dies_after_a_week_and_is_fixed_when_it_returns(store, clock):
    url = "https://flaky.example/post"
    diffs = []
    for _night in range(8):
        diffs.append(crawl_night(store, {url: Verdict.UNREACHABLE})[1])
        clock.now += DAY
    assert diffs[:7] == [RunDiff()] * 7
    assert diffs[7] == RunDiff(newly_dead=(url,))
    assert crawl_night(store, {url: Verdict.UNREACHABLE}) == ([], RunDiff(still_dead=(url,)))  # weekly now
    clock.now += 7 * DAY
    assert crawl_night(store, {url: Verdict.OK}) == ([url], RunDiff(fixed=(url,)))
    assert store.dead_urls() == set()


def test_a_broken_link_is_newly_dead_then_still_dead(store, clock):
    gone, fine = "https://gone.example/", "https://fine.example/"
    assert crawl_night(store, {gone: Verdict.BROKEN, fine: Verdict.OK})[1] == RunDiff(newly_dead=(gone,))
    clock.now += 7 * DAY
    assert crawl_night(store, {gone: Verdict.BROKEN, fine: Verdict.OK})[1] == RunDiff(still_dead=(gone,))
    assert store.dead_urls() == {gone}


def test_the_diff_leaves_out_links_the_issues_no_longer_cite(store, clock):
    crawl_night(store, {"https://gone.example/": Verdict.BROKEN})
    clock.now += DAY
    assert crawl_night(store, {"https://other.example/": Verdict.OK})[1] == RunDiff()


def test_an_older_runs_diff_stays_what_it_was(store, clock):
    url = "https://gone.example/"
    crawl_night(store, {url: Verdict.OK})
    clock.now += 4 * DAY
    crawl_night(store, {url: Verdict.BROKEN})
    clock.now += 7 * DAY
    crawl_night(store, {url: Verdict.OK})
    diffs = [store.diff(run_id) for run_id in (1, 2, 3)]
    assert diffs == [RunDiff(), RunDiff(newly_dead=(url,)), RunDiff(fixed=(url,))]


def test_the_last_check_is_kept_for_links_a_run_does_not_recheck(store):
    url = "https://example.com/moved"
    run = store.begin_run({})
    moved = outcome(url, Verdict.REDIRECTED, http_status=200, final_url="https://example.com/new", page=Page("New"))
    refused = outcome("https://down.example/", Verdict.UNREACHABLE, error=ErrorKind.CONNECTION_RESET)
    store.record_results(run.id, [moved, refused])
    assert store.last_results([url, "https://down.example/", "https://unknown.example/"]) == {
        url: (CheckResult(url, 200, "https://example.com/new", page=Page("New")), moved[1]),
        "https://down.example/": refused,
    }


def test_a_history_tells_the_links_story(store, clock):
    url = "https://flaky.example/"
    run = store.begin_run({})
    store.record_sightings(run.id, [url])
    assert store.history(url) == LinkHistory(url, first_seen=T0)
    store.record_results(run.id, [outcome(url, Verdict.OK)])
    clock.now += DAY
    store.record_results(run.id, [outcome(url, Verdict.UNREACHABLE)])
    assert store.history(url) == LinkHistory(
        url, T0, T0 + DAY, Verdict.UNREACHABLE, failing_since=T0 + DAY, consecutive_failures=1, last_ok=T0
    )
    assert store.histories([url, "https://never.example/"]) == {url: store.history(url)}


def test_events_list_every_check_oldest_first(store, clock):
    url = "https://gone.example/"
    for verdict, status in [(Verdict.OK, 200), (Verdict.BROKEN, 404), (Verdict.OK, 200)]:
        run = store.begin_run({})
        store.record_results(run.id, [outcome(url, verdict, http_status=status)])
        clock.now += DAY
    assert [(e.run_id, e.checked_at, e.verdict, e.http_status, e.dead) for e in store.events(url)] == [
        (1, T0, Verdict.OK, 200, False),
        (2, T0 + DAY, Verdict.BROKEN, 404, True),
        (3, T0 + 2 * DAY, Verdict.OK, 200, False),
    ]
    assert store.events(url)[1].reason == "broken in this test"


def test_runs_keep_their_settings_counts_and_end(store, clock):
    first = store.begin_run({"concurrency": 32, "state": Path("reports/state.sqlite")})
    assert first.settings == {"concurrency": 32, "state": "reports/state.sqlite"}
    clock.now += timedelta(minutes=20)
    store.finish_run(first.id, {"ok": 120, "broken": 3})
    killed = store.begin_run({})
    current = store.begin_run({})
    previous = store.previous_finished_run(current.id)
    assert (previous.id, previous.started_at, previous.finished_at) == (first.id, T0, T0 + timedelta(minutes=20))
    assert previous.counts == {"ok": 120, "broken": 3} and previous.settings == first.settings
    assert store.previous_finished_run(killed.id) == previous
    assert store.previous_finished_run(first.id) is None


def test_results_for_an_unknown_run_are_refused(store):
    with pytest.raises(StateError, match="FOREIGN KEY"):
        store.record_results(42, [outcome("https://example.com/", Verdict.OK)])
    assert store.history("https://example.com/") is None  # the whole batch was rolled back


def test_the_database_is_a_wal(store):
    with sqlite3.connect(store.path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- the store: archive answers ---------------------------------------------


def test_a_verified_capture_is_kept_for_good(store, clock):
    url = CAPTURE.original
    store.record_sightings(store.begin_run({}).id, [url])
    store.record_lookups([ArchiveLookup(url, LookupOutcome.FOUND, CAPTURE, "verified", requests=2)])
    clock.now += 1000 * DAY
    cached = store.cached_lookups([url, "https://other.example/"])
    assert list(cached) == [url] and cached[url].snapshot == CAPTURE and cached[url].requests == 0


def test_no_capture_is_asked_again_after_thirty_days_not_before(store, clock):
    url = "https://never-archived.example/"
    store.record_sightings(store.begin_run({}).id, [url])
    store.record_lookups([ArchiveLookup(url, LookupOutcome.NONE)])
    clock.now += 29 * DAY
    assert store.cached_lookups([url])[url].outcome is LookupOutcome.NONE
    clock.now += DAY
    assert store.cached_lookups([url]) == {}


def test_a_failed_lookup_is_not_remembered_and_the_newest_answer_wins(store):
    url = CAPTURE.original
    store.record_sightings(store.begin_run({}).id, [url])
    store.record_lookups([ArchiveLookup(url, LookupOutcome.FAILED, detail="archive down")])
    assert store.cached_lookups([url]) == {}
    store.record_lookups([ArchiveLookup(url, LookupOutcome.NONE), ArchiveLookup(url, LookupOutcome.FOUND, CAPTURE)])
    assert store.cached_lookups([url])[url].snapshot == CAPTURE


# --- the store: lock --------------------------------------------------------

HOLDER = """
import sys, time
from crawler.nightly.store import StateStore
store = StateStore.open(sys.argv[1])
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_crawl_is_refused_while_the_first_has_the_state(tmp_path):
    path = tmp_path / "state.sqlite"
    with StateStore.open(path):
        with pytest.raises(StateError) as refused:
            StateStore.open(path)
        assert str(refused.value) == f"another rotwatch crawl is using {path} (pid {os.getpid()})"
    StateStore.open(path).close()


def test_the_lock_dies_with_a_killed_crawl(tmp_path):
    path = tmp_path / "state.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(StateError, match=rf"\(pid {holder.pid}\)"):
            StateStore.open(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdout.close()
    StateStore.open(path).close()


# --- the store: schema ------------------------------------------------------


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
        store.record_lookups([ArchiveLookup("https://gone.example/", LookupOutcome.NONE)])
    with sqlite3.connect(path) as migrated:
        assert migrated.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    migrated.close()


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
    assert sorted(crawler.nightly.store.__all__) == sorted(
        [
            "MIGRATIONS",
            "CheckEvent",
            "Policy",
            "Run",
            "StateStore",
            "advance",
            "is_dead",
            "is_due",
            "next_check",
            "run_diff",
            "trusted_lookup",
        ]
    )

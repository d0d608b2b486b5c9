"""The state database: nightly crawls, archive answers, the crawl lock, a crawl killed mid-batch.

Time is a fake clock moved by hand (the `clock` and `store` fixtures are in conftest.py).
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crawler.nightly.store
from crawler.errors import StateError
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CaptureCheck,
    CheckResult,
    ErrorKind,
    LinkHistory,
    LookupOutcome,
    Page,
    RecentCapture,
    RunDiff,
    Verdict,
)
from crawler.nightly.policy import run_diff
from crawler.nightly.store import StateStore
from tests.nightly.state_helpers import CAPTURE, DAY, T0, Clock, crawl_night, outcome

# --- nightly crawls ---------------------------------------------------------


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


_NIGHTS = st.lists(
    st.tuples(
        st.dictionaries(
            st.sampled_from(["https://a.example/", "https://b.example/", "https://c.example/"]),
            st.sampled_from([Verdict.OK, Verdict.BROKEN, Verdict.UNREACHABLE]),
        ),
        st.booleans(),  # the run finished (else it was killed)
        st.integers(1, 8),  # days until the next night
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(nights=_NIGHTS)
def test_every_runs_diff_is_read_from_the_last_check_up_to_each_run(tmp_path_factory, nights):
    """The diff reads a link's dead flag from the row when no check came after the run (store.py):
    the same as the flag of its last check up to the run, as `events` lists them, for every run."""
    clock = Clock()
    seen: dict[str, int] = {}  # each link's last run seen in
    with StateStore.open(tmp_path_factory.mktemp("diff") / "state.sqlite", clock=clock) as store:
        finished = []
        for verdicts, done, days in nights:
            run = store.begin_run({})
            store.record_sightings(run.id, verdicts)
            store.record_results(run.id, [outcome(url, verdict) for url, verdict in verdicts.items()])
            seen.update(dict.fromkeys(verdicts, run.id))
            if done:
                store.finish_run(run.id, {})
                finished.append(run.id)
            clock.now += days * DAY
        for run_id in range(1, len(nights) + 1):
            previous = max((done for done in finished if done < run_id), default=0)

            def dead_after(url: str, last_run: int) -> bool:
                return next((e.dead for e in reversed(store.events(url)) if e.run_id <= last_run), False)

            standings = [(url, dead_after(url, previous), dead_after(url, run_id)) for url in seen]
            expected = run_diff(standing for standing in standings if seen[standing[0]] >= run_id)
            assert replace(store.diff(run_id), newly_drifted=()) == expected


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


def test_stories_are_the_last_results_and_histories_read_at_once(store):
    seen, checked, never = "https://seen.example/", "https://checked.example/", "https://never.example/"
    run = store.begin_run({})
    store.record_sightings(run.id, [seen])
    store.record_results(run.id, [outcome(checked, Verdict.BROKEN, http_status=404)])
    urls = [seen, checked, never]
    assert store.stories(urls) == (store.last_results(urls), store.histories(urls))
    assert set(store.stories(urls)[1]) == {seen, checked}


def test_a_batch_reads_its_histories_once_and_a_repeated_url_sees_its_first_check(store):
    urls = [f"https://site{n}.example/post" for n in range(30)]
    run = store.begin_run({})
    statements: list[str] = []
    store._connection.set_trace_callback(statements.append)
    store.record_results(run.id, [outcome(url, Verdict.UNREACHABLE) for url in [*urls, urls[0]]])
    store._connection.set_trace_callback(None)
    assert sum(statement.lstrip().startswith("SELECT") for statement in statements) == 1
    assert store.history(urls[0]).consecutive_failures == 2
    assert store.history(urls[1]).consecutive_failures == 1
    assert len(store.events(urls[0])) == 2


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


# --- archive answers ---------------------------------------------------------

CITED = date(2024, 3, 27)


def test_a_verified_capture_is_kept_for_good(store, clock):
    url = CAPTURE.original
    store.record_sightings(store.begin_run({}).id, [url])
    store.archive.record([ArchiveLookup(url, LookupOutcome.FOUND, CAPTURE, "verified", requests=2, cited_on=CITED)])
    clock.now += 1000 * DAY
    cached = store.archive.cached([(url, CITED), ("https://other.example/", CITED)])
    assert list(cached) == [(url, CITED)] and cached[url, CITED].snapshot == CAPTURE
    assert cached[url, CITED].requests == 0 and cached[url, CITED].cited_on == CITED


def test_answers_are_kept_per_date_cited(store):
    url = CAPTURE.original
    later = replace(CAPTURE, timestamp="20240601000000")
    store.record_sightings(store.begin_run({}).id, [url])
    store.archive.record(
        [
            ArchiveLookup(url, LookupOutcome.FOUND, CAPTURE, cited_on=CITED),
            ArchiveLookup(url, LookupOutcome.FOUND, later, cited_on=date(2024, 6, 5)),
            ArchiveLookup(url, LookupOutcome.NONE),  # an undated issue
        ]
    )
    cached = store.archive.cached([(url, CITED), (url, date(2024, 6, 5)), (url, None), (url, date(2025, 1, 1))])
    assert {pair: lookup.snapshot for pair, lookup in cached.items()} == {
        (url, CITED): CAPTURE,
        (url, date(2024, 6, 5)): later,
        (url, None): None,
    }
    assert [lookup.cited_on for lookup in store.archive.cached_for(url)] == [None, CITED, date(2024, 6, 5)]


def test_no_capture_is_asked_again_after_thirty_days_not_before(store, clock):
    url = "https://never-archived.example/"
    store.record_sightings(store.begin_run({}).id, [url])
    store.archive.record([ArchiveLookup(url, LookupOutcome.NONE, cited_on=CITED)])
    clock.now += 29 * DAY
    assert store.archive.cached([(url, CITED)])[url, CITED].outcome is LookupOutcome.NONE
    clock.now += DAY
    assert store.archive.cached([(url, CITED)]) == {}


def test_a_failed_lookup_is_not_remembered_and_the_newest_answer_wins(store):
    url = CAPTURE.original
    store.record_sightings(store.begin_run({}).id, [url])
    store.archive.record([ArchiveLookup(url, LookupOutcome.FAILED, detail="archive down", cited_on=CITED)])
    assert store.archive.cached([(url, CITED)]) == {}
    store.archive.record(
        [
            ArchiveLookup(url, LookupOutcome.NONE, cited_on=CITED),
            ArchiveLookup(url, LookupOutcome.FOUND, CAPTURE, cited_on=CITED),
        ]
    )
    assert store.archive.cached([(url, CITED)])[url, CITED].snapshot == CAPTURE


def test_every_verified_capture_is_remembered_good_or_bad(store):
    url = CAPTURE.original
    good = CaptureCheck(url, "20240101000000", True, replace(CAPTURE, mimetype=""), "captured ...")
    bad = CaptureCheck(url, "20240301000000", False, None, "the capture is a 'not found' page")
    store.archive.record([good, bad, CaptureCheck("https://other.example/", "20240101000000", False)])
    assert sorted(store.archive.checks([url]), key=lambda check: check.timestamp) == [good, bad]


def test_live_links_need_a_capture_until_one_is_recent_or_saved(store, clock):
    urls = ["https://fresh.example/", "https://stale.example/", "https://saved.example/", "https://new.example/"]
    store.record_sightings(store.begin_run({}).id, urls)
    month_ago = (clock.now - 30 * DAY).strftime("%Y%m%d%H%M%S")
    two_years_ago = (clock.now - 730 * DAY).strftime("%Y%m%d%H%M%S")
    store.archive.record([RecentCapture(urls[0], month_ago), RecentCapture(urls[1], two_years_ago)])
    store.archive.record([RecentCapture(urls[2], None)])
    store.archive.record_saved(urls[2])
    assert store.archive.needing_fresh_capture(urls) == [urls[1], urls[3]]
    clock.now += 366 * DAY
    assert store.archive.needing_fresh_capture(urls) == urls  # a year on, every capture and save is old


# --- a crawl killed with SIGKILL mid-batch leaves a consistent state that the next run resumes

BATCH = 10
URLS = [f"https://site{n}.example/post" for n in range(1000)]

# Records batches of results forever-ish, printing how many URLs are committed.
# Reading a batch is slow, so the kill most likely lands inside a transaction.
WRITER = f"""
import sys, time
from crawler.models import Assessment, CheckResult, Verdict
from crawler.nightly.policy import run_diff
from crawler.nightly.store import StateStore

class SlowBatch(list):
    def __iter__(self):
        for item in super().__iter__():
            time.sleep(0.002)
            yield item

urls = [f"https://site{{n}}.example/post" for n in range({len(URLS)})]
store = StateStore.open(sys.argv[1])
run = store.begin_run({{"batch": {BATCH}}})
store.record_sightings(run.id, urls)
for start in range(0, len(urls), {BATCH}):
    batch = urls[start : start + {BATCH}]
    store.record_results(run.id, SlowBatch((CheckResult(url, 200), Assessment(Verdict.OK, "200 OK")) for url in batch))
    print(start + len(batch), flush=True)
"""


def kill_after(path: Path, committed: int, delay: float) -> int:
    """Runs the writer, SIGKILLs it `delay` seconds after `committed` URLs are in;
    returns how many it had said were in."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        printed = 0
        while printed < committed:
            printed = int(writer.stdout.readline())
        time.sleep(delay)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        writer.stdout.close()
    return printed


# A batch takes about 40 ms to record: the kills land at different points inside one.
@pytest.mark.parametrize(("committed", "delay"), [(BATCH, 0.0), (3 * BATCH, 0.013), (5 * BATCH, 0.031)])
def test_a_killed_crawl_leaves_whole_batches_and_the_rest_due(tmp_path, committed, delay):
    path = tmp_path / "state.sqlite"
    printed = kill_after(path, committed, delay)

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        checked = db.execute("SELECT count(*) FROM links WHERE last_checked IS NOT NULL").fetchone()[0]
        assert db.execute("SELECT count(*) FROM checks").fetchone()[0] == checked
        assert db.execute("SELECT count(*) FROM links").fetchone()[0] == len(URLS)
        assert db.execute("SELECT finished_at FROM runs").fetchall() == [(None,)]
    db.close()
    assert checked % BATCH == 0 and checked >= printed  # every committed batch survived

    with StateStore.open(path) as store:  # the dead writer's lock went with it
        run = store.begin_run({})
        assert store.previous_finished_run(run.id) is None
        assert store.due_urls(URLS) == URLS[checked:]


def test_public_names_are_pinned():
    assert sorted(crawler.nightly.store.__all__) == sorted(["CheckEvent", "Run", "StateStore"])


def test_a_link_that_died_in_an_interrupted_run_is_newly_dead_in_the_next_finished_one(store, clock):
    crawl_night(store, {"https://a.example/": Verdict.OK, "https://b.example/": Verdict.OK})
    for _ in range(2):  # two nights stopped before their end, whatever they were doing
        clock.now += 4 * DAY
        stopped = store.begin_run({})
        store.record_sightings(stopped.id, ["https://a.example/", "https://b.example/"])
        store.record_results(stopped.id, [outcome("https://a.example/", Verdict.BROKEN)])
    clock.now += DAY
    _, diff = crawl_night(store, {"https://a.example/": Verdict.BROKEN, "https://b.example/": Verdict.OK})
    assert diff == RunDiff(newly_dead=("https://a.example/",))
    clock.now += DAY
    _, diff = crawl_night(store, {"https://a.example/": Verdict.BROKEN, "https://b.example/": Verdict.OK})
    assert diff == RunDiff(still_dead=("https://a.example/",))


# Records broken links batch by batch; the signal lands between or inside batches.
BROKEN_WRITER = f"""
import sys
from crawler.models import Assessment, CheckResult, Verdict
from crawler.nightly.policy import run_diff
from crawler.nightly.store import StateStore

urls = [f"https://site{{n}}.example/post" for n in range({len(URLS)})]
store = StateStore.open(sys.argv[1])
run = store.begin_run({{}})
store.record_sightings(run.id, urls)
for start in range(0, len(urls), {BATCH}):
    batch = urls[start : start + {BATCH}]
    store.record_results(run.id, [(CheckResult(url, 404), Assessment(Verdict.BROKEN, "404")) for url in batch])
    print(start + len(batch), flush=True)
"""


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT])
@pytest.mark.parametrize("committed", [BATCH, 4 * BATCH])
def test_links_found_dead_before_a_crawl_is_stopped_are_newly_dead_next_time(tmp_path, stop, committed):
    path = tmp_path / "state.sqlite"
    writer = subprocess.Popen([sys.executable, "-c", BROKEN_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        while int(writer.stdout.readline()) < committed:
            pass
    finally:
        writer.send_signal(stop)
        writer.wait(timeout=10)
        writer.stdout.close()
    with sqlite3.connect(path) as db:
        recorded = {url for (url,) in db.execute("SELECT url FROM checks")}
    db.close()
    assert len(recorded) >= committed
    with StateStore.open(path) as store:
        run = store.begin_run({})
        store.record_sightings(run.id, URLS)
        due = store.due_urls(URLS)
        store.record_results(run.id, [(CheckResult(url, 404), Assessment(Verdict.BROKEN, "404")) for url in due])
        store.finish_run(run.id, {})
        assert set(store.diff(run.id).newly_dead) == set(URLS)

"""The nightly crawl's memory: every link's story across runs, kept in SQLite.

`rotwatch crawl` opens a `StateStore`, begins a run, records the URLs the
issues cite, asks which are due, feeds check results in batches as they
arrive, records archive answers (`StateStore.archive`, crawler.nightly.answers)
as they arrive too, finishes the run, then reads the diff and the links'
histories to write its reports. `rotwatch history URL` reads `events`.

The rules are pure functions in `crawler.nightly.policy`; the file, its schema
and migrations are `crawler.nightly.schema`; one crawl at a time is
`crawler.nightly.lock`. `StateStore` only moves rows in and out, under the
crawl lock, and traces the rules' outcomes at DEBUG: why each due link is
due, and each link turning dead (or alive again) as its check is stored.

Decisions:
- A crawl may be killed at any moment (cron timeout, OOM killer, SIGKILL).
  Each batch of results is one transaction and the journal is a WAL, so every
  committed batch survives and a half-written one vanishes: the killed run
  keeps what it checked, has no end time, and what it did not check is still
  due. `synchronous=NORMAL`, not FULL: it survives any process death; a power
  cut may lose the last batches (never consistency), and those links are
  simply checked again the next night.
- `diff` is computed from the check events: dead before the run is the state
  of each link's last check up to the last run that *finished* before it,
  dead after is its last check up to this run, among the links the run saw.
  A run stopped by Ctrl-C or killed has no end and is never "the last run":
  what it learned is news for the next finished run, so no report loses a
  newly dead link to an interruption. Exact for the latest run; for older
  runs "saw" is read as "seen in this run or later".
- Newly drifted links are those whose `drifted_since` (set when a live
  link's page is first judged drifted, cleared once it is not:
  crawler.nightly.baselines) is later than the end of the last run that
  finished before this one, and not later than this run's own end (now,
  while it runs). A drift first seen by a stopped or killed run is news for
  the next finished one, like a newly dead link; a drift that ends and
  comes back is news again.

Exceptions: every public method raises `StateError` (its message is meant
for the maintainer, as is) for anything the database or the lock refuses.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.models import Assessment, CheckResult, LinkHistory, RunDiff, Verdict
from crawler.nightly.answers import ArchiveMemory
from crawler.nightly.baselines import FIRST_CHECKS, BaselineMemory
from crawler.nightly.lock import CrawlLock
from crawler.nightly.policy import Policy, advance, instant_text, is_due, run_diff, why_due
from crawler.nightly.rows import (
    HISTORY_COLUMNS,
    STORY_COLUMNS,
    Assessments,
    checked_row,
    event_row,
    last_result,
    link_history,
    optional_time,
)
from crawler.nightly.schema import connect, connect_read_only, state_errors, transaction

__all__ = ["CheckEvent", "Run", "StateStore"]

log = logging.getLogger(__name__)  # scheduling: why links are due, links turning dead

# Every query the store runs; `json_each(?)` takes a list of URLs as one JSON parameter.
_URLS = "SELECT value FROM json_each(?)"
_HISTORY = f"SELECT {HISTORY_COLUMNS} FROM links WHERE url IN ({_URLS})"
_LAST_RESULTS = f"SELECT {STORY_COLUMNS} FROM links WHERE last_verdict IS NOT NULL AND url IN ({_URLS})"
# Both of the above in one reading (what the reports read of each link), for a chunk of the reports in URL
# order: each URL is looked up as given, where `url IN (...)` sorts the list into an index first (1.7 s over
# the 200,000 links of a report, against 1.5).
_STORIES = f"SELECT {STORY_COLUMNS} FROM json_each(?) AS wanted JOIN links ON links.url = wanted.value"
_SIGHTING = """INSERT INTO links (url, first_seen, last_seen, last_seen_run) VALUES (?, ?, ?, ?)
    ON CONFLICT (url) DO UPDATE SET last_seen = excluded.last_seen, last_seen_run = excluded.last_seen_run"""
_CHECKED = """UPDATE links SET last_checked = ?, last_verdict = ?, http_status = ?, final_url = ?,
    title = ?, error = ?, reason = ?, consecutive_failures = ?, failing_since = ?, last_ok = ?,
    dead = ?, dead_since = ?, fingerprint = coalesce(?, fingerprint) WHERE url = ?"""
_EVENT = """INSERT INTO checks (run_id, url, checked_at, verdict, http_status, reason, dead)
    VALUES (?, ?, ?, ?, ?, ?, ?)"""
_EVENTS = """SELECT run_id, checked_at, verdict, http_status, reason, dead FROM checks
    WHERE url = ? ORDER BY run_id, id"""
_DEAD = "SELECT url FROM links WHERE dead"
_BEGIN_RUN = "INSERT INTO runs (started_at, settings) VALUES (?, ?)"
_FINISH_RUN = "UPDATE runs SET finished_at = ?, counts = ? WHERE id = ?"
_PREVIOUS_RUN = """SELECT id, started_at, finished_at, settings, counts FROM runs
    WHERE finished_at IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1"""
_LATEST_RUN = """SELECT id, started_at, finished_at, settings, counts FROM runs
    WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"""
# A link's dead flag after its last check up to a run (none before the first run, id 0). `links.dead` is the
# flag of its last check (written with each), so it is the answer when no check came after that run: when no
# run came after it (the latest run's diff), or else when the index of checks says so alone; only the others
# read that check's row. At 200,000 links the diff took 0.68 s, the checks' rows read twice a link, and
# takes 0.05 s.
_DEAD_AFTER = """CASE WHEN :{run} = 0 THEN 0
    WHEN NOT EXISTS (SELECT 1 FROM runs WHERE id > :{run}) THEN dead
    WHEN NOT EXISTS (SELECT 1 FROM checks WHERE checks.url = links.url AND run_id > :{run}) THEN dead
    ELSE coalesce((SELECT dead FROM checks WHERE checks.url = links.url AND run_id <= :{run}
        ORDER BY run_id DESC, id DESC LIMIT 1), 0) END"""
# Only links dead on one side or both: the others are in no list of the diff (a million rows at scale).
_DEAD_BEFORE_OR_AFTER = f"""SELECT url, before, after FROM (
    SELECT url, {_DEAD_AFTER.format(run="previous")} AS before, {_DEAD_AFTER.format(run="run")} AS after
    FROM links WHERE last_seen_run >= :run) WHERE before OR after"""
# Drifted during the run: after the last run that finished before it, up to its own end (if it has one).
# The table read in its own order and the few found sorted: read in URL order through the index, each row
# was a look-up of its own (0.25 s at 200,000 links, against 0.03).
_NEWLY_DRIFTED = """SELECT url FROM links NOT INDEXED WHERE drifted_since IS NOT NULL AND last_seen_run >= :run
    AND drifted_since > coalesce((SELECT finished_at FROM runs WHERE finished_at IS NOT NULL AND id < :run
        ORDER BY id DESC LIMIT 1), '')
    AND drifted_since <= coalesce((SELECT finished_at FROM runs WHERE id = :run), '9999')
    ORDER BY url"""


@dataclass(frozen=True, slots=True)
class Run:
    """One crawl: `finished_at` is None while it runs, or when it was killed."""

    id: int
    started_at: datetime
    finished_at: datetime | None = None
    settings: Mapping[str, object] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckEvent:
    """One past check of a URL, as `rotwatch history URL` lists it."""

    run_id: int
    checked_at: datetime
    verdict: Verdict
    http_status: int | None
    reason: str
    dead: bool  # the link's dead flag after this check


# ---------------------------------------------------------------------------
# The store.


_DEFAULT_POLICY = Policy()


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """The state database of the nightly crawl, locked for one crawl at a time.

    Open it with `StateStore.open` (or as a context manager around it); use
    it from one thread at a time (any thread: the reactor may run elsewhere).
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        lock: CrawlLock | None,
        policy: Policy,
        clock: Callable[[], datetime],
    ) -> None:
        self._connection = connection
        self._lock = lock
        self.path = path
        self.policy = policy
        self._clock = clock
        self.archive = ArchiveMemory(self._rows, self._writing, policy, clock)  # the archive's answers
        self.baselines = BaselineMemory(self._rows, self._writing, clock)  # pages then and now (drift)

    @classmethod
    def open(
        cls, path: Path | str, *, policy: Policy = _DEFAULT_POLICY, clock: Callable[[], datetime] = _utc_now
    ) -> StateStore:
        """Locks, creates or upgrades the database at `path`; `clock` returns aware datetimes."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = CrawlLock.take(path)
        try:
            connection = connect(path)
        except BaseException:
            lock.release()
            raise
        return cls(connection, path, lock, policy, clock)

    @classmethod
    def open_read_only(
        cls, path: Path | str, *, policy: Policy = _DEFAULT_POLICY, clock: Callable[[], datetime] = _utc_now
    ) -> StateStore:
        """Opens an existing database to read, without the crawl lock: `report` and
        `history` may run while a crawl writes (a WAL lets readers read), and never
        create a file or change one."""
        path = Path(path)
        return cls(connect_read_only(path), path, None, policy, clock)

    def reopened_read_only(self) -> StateStore:
        """A connection of this process's own to the same database, to read: a forked worker's
        (crawler.cores: a connection is never carried across a fork)."""
        return StateStore.open_read_only(self.path, policy=self.policy, clock=self._clock)

    def close(self) -> None:
        """Closes the database and releases the lock, if held (closing twice is harmless)."""
        self._connection.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # Runs

    def begin_run(self, settings: Mapping[str, object]) -> Run:
        """Starts a run; `settings` is kept as JSON (values it cannot encode as their str)."""
        started = self._clock()
        encoded = json.dumps(dict(settings), sort_keys=True, default=str)
        with self._writing() as db:
            run_id = db.execute(_BEGIN_RUN, (instant_text(started), encoded)).lastrowid
        assert run_id is not None, "an INSERT into a rowid table sets lastrowid"
        return Run(run_id, started, settings=json.loads(encoded))

    def finish_run(self, run_id: int, counts: Mapping[str, int]) -> None:
        """Marks the run complete, with what it did (for example checks by verdict)."""
        with self._writing() as db:
            db.execute(_FINISH_RUN, (instant_text(self._clock()), json.dumps(dict(counts), sort_keys=True), run_id))

    def now(self) -> datetime:
        """The store's clock: what "now" means for its schedules."""
        return self._clock()

    def latest_run(self) -> Run | None:
        """The last run that finished, if any."""
        rows = self._rows(_LATEST_RUN)
        return _run(rows[0]) if rows else None

    def previous_finished_run(self, run_id: int) -> Run | None:
        """The last run before `run_id` that finished (killed runs are passed over)."""
        rows = self._rows(_PREVIOUS_RUN, (run_id,))
        return _run(rows[0]) if rows else None

    # Links

    def record_sightings(self, run_id: int, urls: Iterable[str]) -> None:
        """Notes that this run's issues cite these URLs (first and last seen)."""
        with self._writing() as db:
            self._sight(db, run_id, urls)

    def due_urls(self, urls: Iterable[str], *, full: bool = False) -> list[str]:
        """The URLs a run must check now, in the given order without repeats;
        `full` asks for every one. An empty list means the run sends no request."""
        wanted = list(dict.fromkeys(urls))
        if full:
            return wanted
        known = self.histories(wanted)
        now = self._clock()
        due = [url for url in wanted if is_due(known.get(url), now, self.policy)]
        if log.isEnabledFor(logging.DEBUG):
            for url in due:
                log.debug("due: %s (%s)", url, why_due(known.get(url), self.policy))
        return due

    def record_results(self, run_id: int, batch: Sequence[tuple[CheckResult, Assessment]]) -> None:
        """Stores a batch of checks in one transaction: all of it survives a kill, or none.

        One read of the batch's histories and one statement per table for the whole batch:
        a read per URL cost a query per result, which a million-link crawl pays a million times.
        """
        now = self._clock()
        with self._writing() as db:
            self._sight(db, run_id, (result.url for result, _ in batch))
            known = self.histories(result.url for result, _ in batch)  # every one sighted just above: one read
            checked, events = [], []
            for result, assessment in batch:
                before = known[result.url]
                after = known[result.url] = advance(before, assessment.verdict, now, self.policy)  # a repeat sees it
                if after.dead != before.dead:
                    turn, failures = "turns dead" if after.dead else "alive again", after.consecutive_failures
                    log.debug("%s: %s (%s; %d failing checks in a row)", turn, result.url, assessment.reason, failures)
                checked.append(checked_row(after, result, assessment))
                events.append(event_row(run_id, after, result, assessment))
            db.executemany(_CHECKED, checked)
            db.executemany(_EVENT, events)
            db.execute(FIRST_CHECKS, (_json_list(result.url for result, _ in batch),))

    def history(self, url: str) -> LinkHistory | None:
        return self.histories([url]).get(url)

    def histories(self, urls: Iterable[str]) -> dict[str, LinkHistory]:
        """The known links among `urls` (never-seen URLs are left out)."""
        return {row[0]: link_history(row) for row in self._tuples(_HISTORY, (_json_list(urls),))}

    def last_results(self, urls: Iterable[str]) -> dict[str, tuple[CheckResult, Assessment]]:
        """The last check of each checked URL among `urls`, for links a run did not recheck.

        The result is rebuilt from what is kept: status, final URL, title, error.
        """
        assessments: Assessments = {}
        return {row[0]: last_result(row, assessments) for row in self._tuples(_LAST_RESULTS, (_json_list(urls),))}

    def stories(self, urls: Iterable[str]) -> tuple[dict[str, tuple[CheckResult, Assessment]], dict[str, LinkHistory]]:
        """`last_results` and `histories` of `urls` from one reading of their rows: the
        reports read both of every link, a million look-ups each (issue 14)."""
        results: dict[str, tuple[CheckResult, Assessment]] = {}
        histories: dict[str, LinkHistory] = {}
        assessments: Assessments = {}
        for row in self._tuples(_STORIES, (_json_list(urls),)):
            histories[row[0]] = link_history(row)
            if row[3] is not None:  # last_verdict: checked
                results[row[0]] = last_result(row, assessments)
        return results, histories

    def dead_urls(self) -> set[str]:
        return {row["url"] for row in self._rows(_DEAD)}

    def events(self, url: str) -> list[CheckEvent]:
        """Every check of `url`, oldest first."""
        return [_event(row) for row in self._rows(_EVENTS, (url,))]

    def diff(self, run_id: int) -> RunDiff:
        """Newly dead, fixed and still dead links of this run, against the last run that
        finished before it: what a stopped or killed run found in between counts as this
        run's news, so a link that died then is still reported newly dead once. Newly drifted:
        links whose `drifted_since` is after that run finished and not after this one did."""
        previous = self.previous_finished_run(run_id)
        rows = self._rows(_DEAD_BEFORE_OR_AFTER, {"previous": previous.id if previous else 0, "run": run_id})
        drifted = tuple(row["url"] for row in self._rows(_NEWLY_DRIFTED, {"run": run_id}))
        return replace(run_diff((url, bool(before), bool(after)) for url, before, after in rows), newly_drifted=drifted)

    # Plumbing

    def _sight(self, db: sqlite3.Connection, run_id: int, urls: Iterable[str]) -> None:
        now = instant_text(self._clock())
        db.executemany(_SIGHTING, ((url, now, now, run_id) for url in urls))

    def _rows(self, sql: str, parameters: Sequence[object] | Mapping[str, object] = ()) -> list[sqlite3.Row]:
        with state_errors(self.path):
            return self._connection.execute(sql, parameters).fetchall()

    def _tuples(self, sql: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        """`_rows` as plain tuples, for the rows read by position (crawler.nightly.rows)."""
        with state_errors(self.path):
            cursor = self._connection.cursor()
            cursor.row_factory = None
            return cursor.execute(sql, parameters).fetchall()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with state_errors(self.path), transaction(self._connection):
            yield self._connection


# ---------------------------------------------------------------------------
# Rows <-> values.


def _json_list(urls: Iterable[str]) -> str:
    return json.dumps(list(urls))


def _event(row: sqlite3.Row) -> CheckEvent:
    return CheckEvent(
        run_id=row["run_id"],
        checked_at=datetime.fromisoformat(row["checked_at"]),
        verdict=Verdict(row["verdict"]),
        http_status=row["http_status"],
        reason=row["reason"],
        dead=bool(row["dead"]),
    )


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=optional_time(row["finished_at"]),
        settings=json.loads(row["settings"]),
        counts=json.loads(row["counts"]),
    )

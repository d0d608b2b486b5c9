"""A fake clock and one-night crawls for the state database's tests (test_policy, test_store, test_schema).

Time is a fake clock moved by hand, so weeks of nightly crawls take milliseconds.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from crawler.models import Assessment, CheckResult, RunDiff, Snapshot, Verdict
from crawler.nightly.store import StateStore

T0 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # nightly crawls start at 02:00
DAY = timedelta(days=1)
CAPTURE = Snapshot("https://example.com/a", "20240101000000", 200, "text/html")


class Clock:
    """A clock the test moves: `clock.now += DAY` is one night later."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


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

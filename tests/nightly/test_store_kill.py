"""A crawl killed with SIGKILL mid-batch leaves a consistent state that the next run resumes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.nightly.store import StateStore

BATCH = 10
URLS = [f"https://site{n}.example/post" for n in range(1000)]

# Records batches of results forever-ish, printing how many URLs are committed.
# Reading a batch is slow, so the kill most likely lands inside a transaction.
WRITER = f"""
import sys, time
from crawler.models import Assessment, CheckResult, Verdict
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

"""The crawl lock: a second crawl on the same state is refused, and the lock dies with its crawl."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

import crawler.nightly.lock
from crawler.errors import StateError
from crawler.nightly.store import StateStore

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


def test_public_names_are_pinned():
    assert crawler.nightly.lock.__all__ == ["CrawlLock"]

"""Tests for crawler/cores.py: when a step forks workers, and the work handed round them in order."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

import crawler.cores
from crawler.cores import FORK_FROM_LINKS, spare_cores, workers_for


def test_public_names_are_pinned():
    assert crawler.cores.__all__ == ["FORK_FROM_LINKS", "done_aside", "spare_cores", "taken_in_order", "workers_for"]


def test_a_spare_core_is_one_the_machine_has_no_other_thread_needs_and_the_load_leaves_free(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (1.5, 1.0, 1.0))
    assert spare_cores() == 3
    assert workers_for(FORK_FROM_LINKS) == 3
    assert workers_for(FORK_FROM_LINKS - 1) == 0  # too few links to pay for a fork
    monkeypatch.setattr(os, "getloadavg", lambda: (4.0, 1.0, 1.0))  # every core busy already
    assert spare_cores() == 0
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a fork copies one thread only
    assert spare_cores() == 0
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert spare_cores() == 0


# Run in a fresh process: forking is for a process with one thread, and other tests leave threads.
_SCRIPT = """
import os, sys
from crawler.cores import done_aside, taken_in_order

prepared = []

def prepare():
    prepared.append(os.getpid())

def take(piece):
    return piece * piece, os.getpid(), list(prepared)

here = os.getpid()
results = list(taken_in_order(range(40), take, workers=1, prepare=prepare))
assert [square for square, _, _ in results] == [n * n for n in range(40)], results
workers = {pid for _, pid, _ in results if pid != here}
assert len(workers) == 1 and results[0][1] in workers  # the first pieces always go to a worker
assert all(seen == [pid] for _, pid, seen in results if pid != here)  # it prepared once, before any piece
assert all(seen == [] for _, pid, seen in results if pid == here)  # this process never prepares

with done_aside(lambda: (os.getpid(), list(prepared)), prepare=prepare, worker=True) as result:
    pid, seen = result()
assert pid != here and seen == [pid]
with done_aside(lambda: os.getpid(), prepare=prepare, worker=False) as result:
    assert result() == here

def fail():
    raise ValueError("a report failed")

try:
    with done_aside(fail, prepare=prepare, worker=True) as result:
        result()
except ValueError as error:
    print("raised:", error)
print("ok")
"""


def test_pieces_come_back_in_order_from_this_process_and_a_prepared_worker_and_errors_come_back_too():
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["raised: a report failed", "ok"]

"""What the crawl benchmarks need around the tools they time.

- `SimServer` runs the simulated web in a process of its own, so the tool
  being measured does not share its interpreter (or its GIL), and answers
  questions about what the server saw: requests, bytes, peak concurrency.
- `in_hosts_namespace` runs a command in a private mount namespace where
  /etc/hosts names the simulated hosts, so lychee (which has no --resolve)
  and rotwatch find them through the system resolver alike, and the
  machine's own /etc/hosts is never touched. Needs Linux `unshare` as root.
- `run_measured` times a command and samples the resident memory of its
  whole process tree.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

from crawler.simweb import HostSpec, SimWeb

__all__ = ["Measured", "ServerStats", "SimServer", "in_hosts_namespace", "run_measured"]

RSS_SAMPLE_INTERVAL = 0.05  # s


@dataclass(frozen=True)
class ServerStats:
    """What the simulated web saw since the last reset."""

    requests: Counter  # (host, request target) -> requests
    bytes_sent: Counter  # (host, request target) -> bytes that reached the socket
    peak_per_host: int  # most requests one host had in flight at once
    spans: dict[str, tuple[float, float]]  # host -> when its first request came, when its last answer ended (monotonic)


def _serve(hosts: list[HostSpec], pipe: Connection) -> None:
    """The server process: answers `stats` and `reset` until told to `stop`."""
    with SimWeb(hosts) as web:
        pipe.send(web.port)
        while (command := pipe.recv()) != "stop":
            if command == "stats":
                web.log.wait_idle(timeout=15)
                pipe.send(_stats(web, hosts))
            elif command == "reset":
                web.log.clear()
                web.reset_state()
                pipe.send("ok")


def _stats(web: SimWeb, hosts: list[HostSpec]) -> ServerStats:
    requests: Counter = Counter()
    sent: Counter = Counter()
    spans: dict[str, tuple[float, float]] = {}
    for record in web.log.records():
        requests[record.host, record.path] += 1
        sent[record.host, record.path] += record.bytes_sent
        first, last = spans.get(record.host, (record.started, record.started))
        spans[record.host] = (min(first, record.started), max(last, record.finished or record.started))
    peak = max(web.log.max_concurrency(spec.name) for spec in hosts)
    return ServerStats(requests, sent, peak, spans)


class SimServer:
    """The simulated web in a child process; use as a context manager."""

    def __init__(self, hosts: list[HostSpec]):
        self.hosts = hosts
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=_serve, args=(hosts, child), daemon=True)

    def __enter__(self) -> SimServer:
        self._process.start()
        self.port: int = self._pipe.recv()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pipe.send("stop")
        self._process.join(timeout=30)

    def stats(self) -> ServerStats:
        self._pipe.send("stats")
        return self._pipe.recv()

    def reset(self) -> None:
        """Forgets the request log and per-URL state (flaky-503 fails once more)."""
        self._pipe.send("reset")
        self._pipe.recv()


def in_hosts_namespace(command: list[str], hosts_file: Path) -> list[str]:
    """`command`, run where /etc/hosts is `hosts_file` (a private mount namespace)."""
    script = 'mount --bind "$0" /etc/hosts && exec "$@"'
    return ["unshare", "--mount", "--", "sh", "-c", script, str(hosts_file), *command]


@dataclass
class Measured:
    """A finished command: wall time, exit status and memory of its process tree."""

    wall: float
    returncode: int
    started: float  # time.monotonic() when the command was started: the simulated web's clock
    peak_rss: int  # bytes, summed over the tree at the worst sample
    rss_timeline: list[tuple[float, int]] = field(default_factory=list)  # (s since start, bytes)
    stderr: str = ""

    def rss_at(self, fraction: float) -> int:
        """Tree RSS at this fraction of the run's wall time (the sample just before)."""
        moment = self.wall * fraction
        before = [rss for at, rss in self.rss_timeline if at <= moment]
        return before[-1] if before else 0


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # exited between listing and reading
            total += member.memory_info().rss
    return total


def run_measured(command: list[str], cwd: Path | None = None) -> Measured:
    """Runs `command` to the end, sampling its tree's RSS every RSS_SAMPLE_INTERVAL s."""
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    timeline: list[tuple[float, int]] = []
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read()), daemon=True)
    reader.start()
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            timeline.append((time.monotonic() - started, _tree_rss(watched)))
        time.sleep(RSS_SAMPLE_INTERVAL)
    wall = time.monotonic() - started
    reader.join()
    peak = max((rss for _, rss in timeline), default=0)
    return Measured(wall, child.returncode, started, peak, timeline, "".join(errors))

"""The nightly crawl at scale: memory, CPU, state and reports as the archive grows to a million links.

Writes an archive citing `--urls` unique URLs over `--hosts` simulated hosts
(the corpus of corpus.py: Zipf-cited hosts, dead sites, the scenario mix),
serves them from the simulated web in a process of its own, and runs
`rotwatch crawl --no-archive` (the CLI, in its own process) over it with an
empty state. Measured from outside:

- wall time against the politeness bound (corpus.politeness_bound);
- the crawl process's resident memory, sampled every second (peak, and the
  curve: RSS at each tenth of the run), and its CPU seconds (user + system,
  from the kernel's accounting of the reaped child) per 1,000 URLs;
- the state database's size after the crawl, and how long storing that many
  results takes (`StateStore.record_results` in batches of the crawl's size,
  timed in this process on a fresh database);
- `rotwatch report` (every report rebuilt from the state, no network): wall
  time, CPU (its workers' included) and peak memory: its process's resident
  set, and its process's and workers' proportional set sizes added up (a
  page a fork shares counts once);
- the next night: `rotwatch crawl` again at once, the simulated web still up
  (only the links a night rechecks are due): wall time, CPU and peak memory;
- `rotwatch merge` of that state, as one shard, into an empty state (every
  link new) and again (nothing newer): wall time and peak memory.

    python benchmarks/bench_million.py --urls 1000000 --hosts 20000
    python benchmarks/bench_million.py --urls 50000 --hosts 20000 --latency 0.01,0.04
    python benchmarks/bench_million.py --urls 1000000 --hosts 20000 --keep runs/million
    python benchmarks/bench_million.py --report-only runs/million   # the report build again
    python benchmarks/bench_million.py --merge-only runs/million    # the merge again

The simulated hosts answer in 50-200 ms as in the other benchmarks unless
`--latency MIN,MAX` says otherwise; shorter latencies make the run bound by
CPU rather than politeness, which is what the memory and CPU figures ask.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
from corpus import Corpus, build_corpus, politeness_bound, write_issues
from harness import SimServer

from crawler.models import Assessment, CheckResult, Page, Verdict
from crawler.nightly.policy import Policy
from crawler.nightly.results import RESULT_BATCH
from crawler.nightly.store import StateStore
from crawler.simweb.hosts import numbered_hosts

SAMPLE_INTERVAL = 1.0  # s between RSS samples
ISSUES = 400  # issues in the archive, whatever its size (a weekly of eight years)
HOST_SUFFIX = "bench"


@dataclass
class Run:
    """A finished command: wall, CPU (its worker processes' included) and the memory of its
    process (resident set), and of its process with its workers (proportional set sizes added
    up: a page a worker still shares with the process it was forked from counts once)."""

    wall: float
    cpu: float  # s, user + system
    returncode: int
    timeline: list[tuple[float, int]] = field(default_factory=list)  # (s since start, RSS bytes)
    stderr: str = ""
    trees: list[int] = field(default_factory=list)  # the process's and its workers' PSS, bytes, per sample

    @property
    def peak(self) -> int:
        return max((rss for _, rss in self.timeline), default=0)

    @property
    def tree_peak(self) -> int:
        return max(self.trees, default=0)

    def curve(self, points: int = 10) -> list[int]:
        """RSS in MB at each 1/points of the run (the sample just before)."""
        marks = []
        for step in range(1, points + 1):
            before = [rss for at, rss in self.timeline if at <= self.wall * step / points]
            marks.append(round((before[-1] if before else 0) / 2**20))
        return marks


def run_sampled(command: list[str], cwd: Path) -> Run:
    """Runs `command`, sampling its RSS every SAMPLE_INTERVAL s; CPU from the reaped child's rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read() if child.stderr else ""), daemon=True)
    reader.start()
    watched = psutil.Process(child.pid)
    timeline: list[tuple[float, int]] = []
    trees: list[int] = []
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            rss = watched.memory_info().rss
            timeline.append((time.monotonic() - started, rss))
            trees.append(_pss(watched) + sum(_pss(worker) for worker in watched.children(recursive=True)))
        time.sleep(SAMPLE_INTERVAL)
    wall = time.monotonic() - started
    reader.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, child.returncode, timeline, "".join(errors), trees)


def _pss(process: psutil.Process) -> int:
    """A process's proportional set size (each page shared with a fork counted once over both);
    0 once it has ended."""
    try:
        return int(process.memory_full_info().pss)
    except psutil.Error:
        return 0


def write_settings(folder: Path, corpus: Corpus, args: argparse.Namespace) -> None:
    """rotwatch.toml: the benchmark's limits and every simulated host's address (too many for flags)."""
    resolve = "\n".join(f'"{name}" = "{address}"' for name, address in sorted(corpus.addresses.items()))
    folder.joinpath("rotwatch.toml").write_text(
        f"concurrency = {args.concurrency}\nper_host = {args.per_host}\ntimeout = 10\nretries = 2\n"
        f'allow_private = "127.0.0.0/8"\ncanary_host = "localhost"\n\n[resolve]\n{resolve}\n',
        encoding="utf-8",
    )


def rotwatch(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *arguments]


def state_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob("state.sqlite*"))


def synthetic_batches(urls: int) -> Iterator[list[tuple[CheckResult, Assessment]]]:
    """Results shaped like the crawl's (an ordinary page with a title), in batches of the crawl's size."""
    batch = []
    for n in range(urls):
        url = f"http://site{n % 20_000:05d}.{HOST_SUFFIX}/2020/01/page-{n}"
        result = CheckResult(url=url, http_status=200, final_url=url, page=Page(title=f"Page {n}"))
        batch.append((result, Assessment(Verdict.OK, "200 OK")))
        if len(batch) == RESULT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_time(urls: int, folder: Path) -> tuple[float, int]:
    """Seconds to record `urls` results in a fresh state database (sightings first, as a crawl does), and its size."""
    path = folder / "writes.sqlite"
    moment = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    with StateStore.open(path, policy=Policy(), clock=lambda: moment) as store:
        run = store.begin_run({})
        started = time.monotonic()
        for batch in synthetic_batches(urls):
            store.record_results(run.id, batch)
        seconds = time.monotonic() - started
    return seconds, sum(p.stat().st_size for p in folder.glob("writes.sqlite*"))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def report_figures(folder: Path) -> dict[str, object]:
    """`rotwatch report` on `folder`'s issues and state (into `folder`/rebuilt), measured."""
    load = load_average()
    report = run_sampled(rotwatch("report", "issues", "--state", "state.sqlite", "--reports", "rebuilt"), folder)
    if report.returncode not in (0, 1):
        sys.exit(f"rotwatch report exited {report.returncode}:\n{report.stderr[-4000:]}")
    report_json = folder / "rebuilt" / "report.json"
    return {
        "report_wall_s": round(report.wall, 1),
        "report_cpu_s": round(report.cpu, 1),
        "report_peak_rss_mb": round(report.peak / 2**20),
        "report_peak_pss_with_workers_mb": round(report.tree_peak / 2**20),
        "report_links": len(json.loads(report_json.read_text(encoding="utf-8"))["links"]),
        "report_load": f"{load} -> {load_average()}",
    }


def next_night_figures(folder: Path) -> dict[str, object]:
    """`rotwatch crawl` again on `folder`'s state (reports into `folder`/night2), measured."""
    night = run_sampled(
        rotwatch("crawl", "issues", "--state", "state.sqlite", "--no-archive", "--reports", "night2"), folder
    )
    if night.returncode not in (0, 1):
        sys.exit(f"rotwatch crawl (night 2) exited {night.returncode}:\n{night.stderr[-4000:]}")
    return {
        "night2_wall_s": round(night.wall, 1),
        "night2_cpu_s": round(night.cpu, 1),
        "night2_peak_rss_mb": round(night.peak / 2**20),
        "night2_peak_pss_with_workers_mb": round(night.tree_peak / 2**20),
    }


def merge_figures(folder: Path) -> dict[str, object]:
    """`rotwatch merge` of `folder`'s state into a fresh state, twice: all of it new, then nothing newer."""
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="rotwatch-merge-") as tmp:
        target = Path(tmp, "merged.sqlite")
        for name in ("merge_new", "merge_again"):
            merge = run_sampled(rotwatch("merge", "--state", str(target), "state.sqlite"), folder)
            if merge.returncode != 0:
                sys.exit(f"rotwatch merge exited {merge.returncode}:\n{merge.stderr[-4000:]}")
            figures |= {f"{name}_wall_s": round(merge.wall, 1), f"{name}_peak_rss_mb": round(merge.peak / 2**20)}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=20_000)
    parser.add_argument("--latency", default="0.05,0.2", help="MIN,MAX seconds per answer of a host")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (issues, state, reports)")
    parser.add_argument("--report-only", type=Path, help="only `rotwatch report` again, in a folder kept by --keep")
    parser.add_argument("--merge-only", type=Path, help="only `rotwatch merge` again, in a folder kept by --keep")
    args = parser.parse_args()
    if args.report_only:
        print(json.dumps(report_figures(args.report_only), indent=1))
        return
    if args.merge_only:
        print(json.dumps(merge_figures(args.merge_only), indent=1))
        return
    low, high = (float(value) for value in args.latency.split(","))
    hosts = numbered_hosts(args.hosts, low, high, suffix=HOST_SUFFIX)

    with SimServer(hosts) as sim, tempfile.TemporaryDirectory(prefix="rotwatch-million-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        corpus = build_corpus(hosts, sim.port, args.urls)
        write_issues(folder / "issues", corpus.links, per_issue=max(50, args.urls // ISSUES))
        write_settings(folder, corpus, args)
        bound, busiest = politeness_bound(corpus, args.per_host)
        print(f"{args.urls} URLs over {args.hosts} hosts, {os.cpu_count()} cores, load {load_average()}", flush=True)

        load_before = load_average()
        crawl = run_sampled(rotwatch("crawl", "issues", "--state", "state.sqlite", "--no-archive"), folder)
        load_after = load_average()
        if crawl.returncode not in (0, 1):
            sys.exit(f"rotwatch crawl exited {crawl.returncode}:\n{crawl.stderr[-4000:]}")
        size = state_size(folder)
        requests = sum(sim.stats().requests.values())
        night2 = next_night_figures(folder)
        report = report_figures(folder)
        merge = merge_figures(folder)
        writes, written_size = write_time(args.urls, folder)

    figures = {
        "urls": args.urls,
        "hosts": args.hosts,
        "latency": args.latency,
        "cores": os.cpu_count(),
        "load": f"{load_before} -> {load_after}",
        "crawl_wall_s": round(crawl.wall, 1),
        "bound_s": round(bound, 1),
        "x_bound": round(crawl.wall / bound, 2),
        "busiest": busiest,
        "requests": requests,
        "crawl_cpu_s": round(crawl.cpu, 1),
        "cpu_ms_per_url": round(1000 * crawl.cpu / args.urls, 3),
        "crawl_peak_rss_mb": round(crawl.peak / 2**20),
        "crawl_peak_pss_with_workers_mb": round(crawl.tree_peak / 2**20),
        "crawl_rss_curve_mb": crawl.curve(),
        "state_mb": round(size / 2**20, 1),
        **night2,
        **report,
        **merge,
        "sqlite_write_s": round(writes, 1),
        "sqlite_write_mb": round(written_size / 2**20, 1),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

"""What start requests cost in memory: a plain list of URLs through `stream_checks` against the simulated web.

Builds the corpus of corpus.py (`--urls` unique URLs over `--hosts` Zipf-cited
simulated hosts) in another process, keeps only the URLs (a plain list, in the fair order of
crawler.fetch.fair_order when the code has it), and checks them in this
process with `crawler.fetch.runner.stream_checks` and the nightly crawl's
settings (64 in flight, 4 per host, 10 s timeout, 2 retries), each result
counted and dropped. The simulated web runs in a process of its own. Measured:
the process's resident memory and its count of allocated Python memory
blocks (sys.getallocatedblocks) before the crawl and every second during it
(peak, and RSS at each tenth of the run: the sample just before), wall and
CPU time, and that every URL got exactly one result.

    python benchmarks/bench_start_window.py --urls 200000 --hosts 20000 --latency 0.01,0.04
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
from corpus import build_corpus
from harness import SimServer

from crawler.check.urls import normalize_url
from crawler.fetch.runner import base_settings, nightly_settings, run_in_reactor, stream_checks
from crawler.models import CheckResult
from crawler.simweb import HostSpec
from crawler.simweb.hosts import numbered_hosts

SAMPLE_INTERVAL = 1.0  # s between RSS samples


def in_order(urls: list[str]) -> list[str]:
    """The URLs in the fair order when the code has one (it decides the order itself otherwise)."""
    try:
        from crawler.fetch.fair_order import fair_order
    except ImportError:
        return urls
    return fair_order(urls)


def write_corpus_urls(hosts: list[HostSpec], port: int, count: int, folder: Path) -> None:
    """The corpus's URLs, normalized as the plan has them (urls.txt), and the hosts' addresses (addresses.json)."""
    corpus = build_corpus(hosts, port, count)
    urls = "\n".join(normalize_url(link.url) for link in corpus.links)
    folder.joinpath("urls.txt").write_text(urls, encoding="utf-8")
    folder.joinpath("addresses.json").write_text(json.dumps(corpus.addresses), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200_000)
    parser.add_argument("--hosts", type=int, default=20_000)
    parser.add_argument("--latency", default="0.01,0.04", help="MIN,MAX seconds per answer of a host")
    args = parser.parse_args()
    low, high = (float(value) for value in args.latency.split(","))
    hosts = numbered_hosts(args.hosts, low, high, suffix="bench")
    with SimServer(hosts) as sim, tempfile.TemporaryDirectory(prefix="rotwatch-window-") as tmp:
        # Built in another process and read back from a file: the corpus's objects (or an unpickled copy),
        # freed here, would leave this process's heap grown by more than the start requests take, and its
        # RSS would not show them.
        with ProcessPoolExecutor(max_workers=1) as builder:
            builder.submit(write_corpus_urls, hosts, sim.port, args.urls, Path(tmp)).result()
        urls = in_order(Path(tmp, "urls.txt").read_text(encoding="utf-8").splitlines())
        addresses = json.loads(Path(tmp, "addresses.json").read_text(encoding="utf-8"))
        settings = nightly_settings(
            base_settings(
                {
                    "CONCURRENT_REQUESTS": 64,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
                    "DOWNLOAD_TIMEOUT": 10,
                    "RETRY_TIMES": 2,
                    "ROTWATCH_ALLOWED_PRIVATE": ("127.0.0.0/8",),
                    "ROTWATCH_STATIC_HOSTS": addresses,
                    "LOG_LEVEL": "WARNING",
                }
            )
        )
        gc.collect()
        process = psutil.Process()
        before, blocks_before = process.memory_info().rss, sys.getallocatedblocks()
        blocks: list[int] = []
        results: Counter[str] = Counter()
        timeline: list[tuple[float, int]] = []
        done = threading.Event()
        started = time.monotonic()

        def sample() -> None:
            while not done.wait(SAMPLE_INTERVAL):
                with contextlib.suppress(psutil.Error):
                    timeline.append((time.monotonic() - started, process.memory_info().rss))
                blocks.append(sys.getallocatedblocks())

        def count(result: CheckResult) -> None:
            results[result.url] += 1

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        cpu_before = process.cpu_times()
        run_in_reactor(lambda: stream_checks(urls, settings, count), settings)
        wall = time.monotonic() - started
        cpu_after = process.cpu_times()
        done.set()
        sampler.join()
    wall_marks = [wall * step / 10 for step in range(1, 11)]
    curve = [round(([rss for at, rss in timeline if at <= mark] or [0])[-1] / 2**20) for mark in wall_marks]
    figures = {
        "urls": args.urls,
        "hosts": args.hosts,
        "latency": args.latency,
        "load": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "wall_s": round(wall, 1),
        "cpu_s": round((cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system), 1),
        "rss_before_crawl_mb": round(before / 2**20),
        "peak_rss_mb": round(max((rss for _, rss in timeline), default=0) / 2**20),
        "python_blocks_before_crawl": blocks_before,
        "python_blocks_peak": max(blocks, default=0),
        "rss_at_each_tenth_mb": curve,
        "results": sum(results.values()),
        "urls_with_one_result": sum(1 for url in urls if results[url] == 1),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

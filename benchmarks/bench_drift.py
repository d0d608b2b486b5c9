"""What content drift costs a nightly crawl of the 20,000-URL corpus: requests, wall time, archive requests.

The corpus of bench_nightly.py (20,000 URLs over 400 hosts, weekly issues
from 2017) is crawled twice, a simulated day apart, by `crawl()` in this
process, with the state database empty on night 1: the first crawl of an
old archive, where every live page's "then" must come from the archive
(its issue is years older than rotwatch's first check). The simulated
web and its Wayback Machine run in a child process; the archive has
web.archive.org's two pools at their hard limits and rotwatch its default
rates, both `--speedup` times faster (as bench_archive.py), and holds a
capture a few days before its issue of 90 % of the live pages, showing the
page as it is served now (so every drift reported is a false one).

Measured, by timing the crawl's own functions (wrapped here):
- the link checks' wall time, and inside it the time spent fingerprinting
  the pages read (the only work drift adds to a check: no request);
- the dead links' archive step and the drift baseline step, each with its
  archive requests by pool (baseline requests also in the run's counts);
- judging every link's drift and noting it in the state, per night.
Requests to the sites: the crawl's per-URL requests come from the
simulated web's log, to show drift adds none.

    python benchmarks/bench_drift.py [--urls 20000] [--hosts 400] [--speedup 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import string
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from corpus import FALLBACK, Corpus, build_corpus, simulated_hosts, write_issues

import crawler.nightly.crawl as nightly_crawl
import crawler.nightly.rows as rows
from crawler.check.drift import fingerprint
from crawler.check.page import MAX_TEXT_CHARS
from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings, run_in_reactor
from crawler.issues.reading import collect_links
from crawler.models import Page, Verdict
from crawler.nightly.crawl import CrawlOutcome
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import SCENARIOS, HostSpec, SimWayback, SimWeb, crawl_overrides, fallback_title
from crawler.simweb.hosts import LOOPBACK

FIRST_NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
QUERY_RATE, PLAYBACK_RATE = 24, 480  # rotwatch's default archive rates, a minute
ANSWER_TIME = 1.0  # s the real archive takes to answer, before the speedup
CAPTURED_SHARE = 10  # 9 live pages in 10 have a capture before their issue
LIVE = (Verdict.OK, Verdict.REDIRECTED)
DEAD_STEP = "dead links' archive step"
NO_PAGE = {"ok-image", "large-pdf"}  # live links whose check reads no page: nothing to compare


def frozen_clock(moment: datetime) -> Callable[[], datetime]:
    """The state's clock for one simulated night: the whole crawl happens at `moment`."""
    return lambda: moment


def _serve(hosts: list[HostSpec], speedup: float, pipe: Connection) -> None:
    """The child process: the simulated web and archive, stocked and counted on request."""
    archive = SimWayback.at_real_limits(speedup, latency=ANSWER_TIME / speedup)
    with SimWeb(hosts, archive=archive) as web:
        pipe.send((web.port, web.archive_endpoint, archive.host))
        while (command := pipe.recv()) != "stop":
            if command[0] == "stock":
                for url, timestamp, title in command[1]:
                    archive.add_capture(url, timestamp, title=title)
                pipe.send(len(command[1]))
            elif command[0] == "answers":
                pipe.send(Counter(answer.pool for answer in archive.answers()))
            elif command[0] == "requests":
                web.log.wait_idle(timeout=15)
                pipe.send(Counter(record.path for record in web.log.records() if record.host != archive.host))
            elif command[0] == "reset":
                web.log.clear()
                web.reset_state()
                archive.reset()
                pipe.send("ok")


class Timings:
    """Wall time spent in wrapped functions, by name, and what the baseline step returned."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.results: dict[str, Any] = {}

    def sync(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - began

        return timed

    def coroutine(self, name: str, function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                self.results[name] = await function(*args, **kwargs)
                return self.results[name]
            finally:
                self.seconds[name] += time.perf_counter() - began

        return timed


def instrument(timings: Timings) -> None:
    """Wraps the crawl's drift work and its archive steps, where the crawl looks them up."""
    rows.page_fingerprint = timings.sync("fingerprints", rows.page_fingerprint)
    nightly_crawl.drifts = timings.sync("judging", nightly_crawl.drifts)
    nightly_crawl.record_drifts = timings.sync("judging", nightly_crawl.record_drifts)
    nightly_crawl.check_urls = timings.coroutine("checks", nightly_crawl.check_urls)
    nightly_crawl.archive_step = timings.coroutine(DEAD_STEP, nightly_crawl.archive_step)
    nightly_crawl.baseline_step = timings.coroutine("drift baseline step", nightly_crawl.baseline_step)


def captures(corpus: Corpus, issue_of: dict[str, date]) -> list[tuple[str, str, str]]:
    """A capture three days before its issue of 9 in 10 live pages, titled as the page is now."""
    stocked = []
    for number, link in enumerate(corpus.links):
        if link.truth not in LIVE or link.scenario in NO_PAGE or number % CAPTURED_SHARE == 0:
            continue
        title = SCENARIOS[link.scenario].title if link.scenario != FALLBACK else None
        title = title or fallback_title(link.host, urlsplit(link.url).path)
        day = issue_of[link.url] - timedelta(days=3)
        stocked.append((link.url, f"{day:%Y%m%d}120000", title))
    return stocked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--speedup", type=float, default=20.0)
    args = parser.parse_args()

    hosts = simulated_hosts(args.hosts)
    pipe, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(hosts, args.speedup, child), daemon=True)
    server.start()
    port, endpoint, archive_host = pipe.recv()

    def ask(command: tuple) -> Any:
        pipe.send(command)
        return pipe.recv()

    with tempfile.TemporaryDirectory(prefix="rotwatch-drift-") as tmp:
        folder = Path(tmp)
        corpus = build_corpus(hosts, port, args.urls)
        write_issues(folder / "issues", corpus.links)
        occurrences, issues, _ = collect_links([folder / "issues"])
        dates = {issue.name: issue.published for issue in issues}
        issue_of: dict[str, date] = {}
        for occurrence in occurrences:
            issue_of.setdefault(occurrence.url, dates[occurrence.issue])
        stocked = ask(("stock", captures(corpus, issue_of)))
        values = {
            "concurrency": 64,
            "per_host": 4,
            "timeout": 10,
            "retries": 2,
            "archive_endpoint": endpoint,
            "archive_rate": QUERY_RATE * args.speedup,
            "archive_playback_rate": PLAYBACK_RATE * args.speedup,
        }
        resolve = {**corpus.addresses, archive_host: LOOPBACK}
        config = load_config({**crawl_overrides(resolve, endpoint), **values}, cwd=folder)
        settings = base_settings(scrapy_overrides(config))

        nights: list[tuple[float, CrawlOutcome, Timings, Counter, Counter]] = []

        async def two_nights() -> None:
            for night in range(2):
                if night:
                    ask(("reset",))
                timings = Timings()
                instrument(timings)
                clock = frozen_clock(FIRST_NIGHT + timedelta(days=night))
                with StateStore.open(folder / "state.sqlite", policy=policy_of(config), clock=clock) as store:
                    began = time.monotonic()
                    outcome = await nightly_crawl.crawl(store, occurrences, issues, settings, config, folder / "r")
                    wall = time.monotonic() - began
                nights.append((wall, outcome, timings, ask(("answers",)), ask(("requests",))))
                _restore()

        run_in_reactor(two_nights, settings)
    ask_stop(pipe, server)
    report(args, corpus, stocked, nights)


_ORIGINALS = {
    "rows.page_fingerprint": rows.page_fingerprint,
    "drifts": nightly_crawl.drifts,
    "record_drifts": nightly_crawl.record_drifts,
    "check_urls": nightly_crawl.check_urls,
    "archive_step": nightly_crawl.archive_step,
    "baseline_step": nightly_crawl.baseline_step,
}


def _restore() -> None:
    rows.page_fingerprint = _ORIGINALS["rows.page_fingerprint"]
    for name in ("drifts", "record_drifts", "check_urls", "archive_step", "baseline_step"):
        setattr(nightly_crawl, name, _ORIGINALS[name])


def ask_stop(pipe: Connection, server: multiprocessing.Process) -> None:
    pipe.send("stop")
    server.join(timeout=30)


def full_excerpt_cost(pages: int = 2_000) -> float:
    """Milliseconds to fingerprint a page whose excerpt is full (MAX_TEXT_CHARS of prose): the
    simulated pages are short, real ones mostly fill the excerpt."""
    rng = random.Random(7)
    words = [f"{rng.choice(string.ascii_lowercase)}{rng.getrandbits(20):x}" for _ in range(5_000)]
    texts = [" ".join(rng.choices(words, k=400))[:MAX_TEXT_CHARS] for _ in range(pages)]
    began = time.perf_counter()
    for text in texts:
        fingerprint(Page("A page title | A site", text=text))
    return (time.perf_counter() - began) / pages * 1000


def report(args: argparse.Namespace, corpus: Corpus, stocked: int, nights: list) -> None:
    live = sum(link.truth in LIVE for link in corpus.links)
    cost = full_excerpt_cost()
    print(f"fingerprinting a page with a full excerpt: {cost:.2f} ms ({cost * live / 1000:.1f} s for {live} pages)")
    print(f"{len(corpus.links)} URLs, {live} live; the archive holds a capture before the issue of {stocked}")
    for number, (wall, outcome, timings, answers, requests) in enumerate(nights, 1):
        seconds = timings.seconds
        step = timings.results.get("drift baseline step")
        drifted = sum(report.drift is not None for report in outcome.view.reports)
        asked_twice = sum(count > 1 for count in requests.values())
        print(f"night {number}: crawl {wall:.1f} s; checked {outcome.checked} ({sum(requests.values())} site requests,")
        print(f"  {asked_twice} URLs asked more than once: retries and redirects, not drift)")
        print(f"  link checks {seconds['checks']:.1f} s, of which fingerprinting pages {seconds['fingerprints']:.2f} s")
        print(f"  dead links' archive step {seconds[DEAD_STEP]:.1f} s")
        if step is not None:
            counts = step.counts
            real = seconds["drift baseline step"] * args.speedup / 60
            print(
                f"  drift baseline step {seconds['drift baseline step']:.1f} s ({real:.0f} min at web.archive.org):"
                f" {step.asked} links asked, {step.settled} settled, {step.pending} pending;"
                f" {counts.get('archive_query_requests', 0)} queries,"
                f" {counts.get('archive_playback_requests', 0)} playbacks ({step.stopped or 'done'})"
            )
        print(f"  judging drift {seconds['judging']:.2f} s; {drifted} drifted (all false: captures match the pages)")
        print(f"  archive requests in all, by pool: {dict(answers)}")


if __name__ == "__main__":
    main()

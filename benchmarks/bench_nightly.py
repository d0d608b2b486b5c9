"""Two nightly crawls a simulated day apart: the second asks only for what is due.

Night 1 crawls the corpus of bench_lychee.py (20,000 URLs over 400 hosts)
with the state database empty. Before night 2 a new issue citing 200 new
URLs is added; night 2 runs one simulated day later. Links that worked are
within their recheck interval, so the server must see no request for them:
only the links that failed on night 1 and the new ones. It also times the
extraction of the corpus against night 1's wall time.

    python benchmarks/bench_nightly.py [--urls 20000] [--hosts 400] [--new 200]

Runs in one process (the crawl's clock is the state database's, which a
test or benchmark sets); the simulated web runs in its own, see harness.py.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from corpus import Corpus, Link, build_corpus, link_key, simulated_hosts, write_issues
from harness import SimServer

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings, run_in_reactor
from crawler.issues.reading import collect_links
from crawler.nightly.crawl import CrawlOutcome, crawl
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import crawl_overrides
from crawler.simweb.request_log import request_key

FIRST_NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
FAILING = {"broken", "unreachable", "blocked"}
NEW_ISSUE = date(2026, 10, 28)  # after the corpus's last weekly issue


def crawl_settings(corpus: Corpus, folder: Path) -> tuple:
    """The CLI's settings for `rotwatch crawl --no-archive` at the benchmark's limits."""
    limits = {"concurrency": 64, "per_host": 4, "timeout": 10, "retries": 2, "archive": False}
    config = load_config({**crawl_overrides(corpus.addresses), **limits}, cwd=folder)
    return config, base_settings(scrapy_overrides(config))


def frozen_clock(moment: datetime) -> Callable[[], datetime]:
    """The state's clock for one simulated night: the whole crawl happens at `moment`."""
    return lambda: moment


def requested_links(sim: SimServer) -> set[tuple[str, str]]:
    """(host, link path) of every link the server was asked for since the last reset."""
    return {(host, link_key(target)) for host, target in sim.stats().requests}


def link_keys(links: list[Link]) -> set[tuple[str, str]]:
    return {(host, link_key(path)) for host, path in map(request_key, (link.url for link in links))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--new", type=int, default=200, help="URLs in the issue added before night 2")
    args = parser.parse_args()

    hosts = simulated_hosts(args.hosts)
    with SimServer(hosts) as sim, tempfile.TemporaryDirectory(prefix="rotwatch-nightly-") as tmp:
        folder = Path(tmp)
        everything = build_corpus(hosts, sim.port, args.urls + args.new)
        corpus = Corpus(everything.links[: args.urls], hosts, everything.addresses)
        new_links = everything.links[args.urls :]
        write_issues(folder / "issues", corpus.links)
        config, settings = crawl_settings(everything, folder)

        started = time.monotonic()
        occurrences, issues, _ = collect_links([folder / "issues"])
        extraction = time.monotonic() - started

        async def two_nights() -> list[tuple[float, CrawlOutcome, set[tuple[str, str]]]]:
            nights = []
            for night in range(2):
                if night:
                    write_issues(folder / "issues", new_links, per_issue=len(new_links), first=NEW_ISSUE)
                found, found_issues, _ = collect_links([folder / "issues"]) if night else (occurrences, issues, [])
                when = FIRST_NIGHT + timedelta(days=night)
                sim.reset()
                with StateStore.open(
                    folder / "state.sqlite", policy=policy_of(config), clock=frozen_clock(when)
                ) as store:
                    began = time.monotonic()
                    outcome = await crawl(store, found, found_issues, settings, config, folder / "reports")
                    nights.append((time.monotonic() - began, outcome, requested_links(sim)))
            return nights

        (wall_1, first, _), (wall_2, second, asked) = run_in_reactor(two_nights, settings)

    failing = {report.url for report in first.view.reports if report.assessment.verdict.value in FAILING}
    expected = link_keys([link for link in corpus.links if link.url in failing]) | link_keys(new_links)
    hops = {key for key in asked if key[1].startswith("/s/")}  # redirect targets of due links
    unexpected = asked - expected - hops
    print(
        f"{len(corpus.links)} URLs in {len(issues)} issues; extraction {extraction:.2f} s, "
        f"night 1 crawl {wall_1:.1f} s: extraction is {extraction / wall_1:.1%} of the crawl"
    )
    print(f"night 1 checked {first.checked}; {len(failing)} failing")
    print(
        f"night 2 (+1 day, {len(new_links)} new URLs): checked {second.checked} in {wall_2:.1f} s; "
        f"links asked for {len(asked - hops)}, of them failing on night 1 or new {len((asked - hops) & expected)}, "
        f"others {len(unexpected)}"
    )
    by_verdict = Counter(report.assessment.verdict.value for report in first.view.reports)
    print(f"night 1 verdicts: {dict(by_verdict)}")


if __name__ == "__main__":
    main()

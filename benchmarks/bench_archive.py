"""Archive lookups at the archive's rate limit: 2,000 dead links, 10 requests/s.

Starts the simulated web with a Wayback-compatible archive that answers 429
(without Retry-After) past 10 requests a second, gives it captures for 2,000
dead URLs (most with one good capture, some whose closest capture is a
soft-404 and must be skipped, some with none), and runs rotwatch's Wayback
spider over them paced just under the limit. Reports the wall time against
the time the limit allows for the requests sent, the share answered 429, and
archive requests per dead link.

    python benchmarks/bench_archive.py [--links 2000] [--limit 10] [--pace 9.5]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from datetime import date
from pathlib import Path

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings, lookup_captures, run_in_reactor
from crawler.simweb import HostSpec, SimWayback, SimWeb

ISSUE_DAY = date(2024, 3, 27)
NO_PROJECT_FILE = Path(__file__).parent  # read no rotwatch.toml: the benchmark's settings only


def stock(archive: SimWayback, links: int) -> list[tuple[str, date]]:
    """Captures for `links` dead URLs: 90 % good, 5 % soft-404 first, 5 % none."""
    lookups = []
    for n in range(links):
        url = f"https://gone{n % 97}.test/story/{n}"
        if n % 20 == 0:
            archive.add_capture(url, "20240326000000", kind="soft-404")
            archive.add_capture(url, "20240301000000", title=f"Story {n}")
        elif n % 20 != 1:
            archive.add_capture(url, "20240320000000", title=f"Story {n}")
        lookups.append((url, ISSUE_DAY))
    return lookups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=10.0, help="archive's limit, requests/s")
    parser.add_argument("--pace", type=float, default=9.5, help="rotwatch's pace, requests/s")
    args = parser.parse_args()

    archive = SimWayback(rate_limit=args.limit, burst=2.0, latency=0.05)
    lookups = stock(archive, args.links)
    with SimWeb(hosts=[HostSpec("news.test")], archive=archive) as web:
        config = load_config({**web.crawl_overrides(), "archive_rate": args.pace * 60}, cwd=NO_PROJECT_FILE)
        settings = base_settings(scrapy_overrides(config))
        started = time.monotonic()
        found = run_in_reactor(lambda: lookup_captures(lookups, settings, config.archive_endpoint), settings)
        elapsed = time.monotonic() - started
        web.log.wait_idle()
        sent = archive.count()
        refused = archive.count(status=429)
    allowed = sent / args.limit
    outcomes = Counter(lookup.outcome.value for lookup in found.values())
    print(f"dead links            {args.links}")
    print(f"outcomes              {dict(outcomes)}")
    print(f"archive requests      {sent} ({sent / args.links:.2f} per dead link)")
    print(f"answered 429          {refused} ({100 * refused / sent:.2f} %)")
    print(f"wall time             {elapsed:.1f} s")
    print(f"time the limit allows {allowed:.1f} s  (ratio {elapsed / allowed:.3f})")


if __name__ == "__main__":
    main()

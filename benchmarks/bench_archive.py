"""The archive stage at web.archive.org's rate limits, 20 times faster: 3,000 dead links, 1-3 issues each.

Builds the 20,000-URL corpus with sites that died over the years
(corpus.py, `lapsed=True`), takes 3,000 of its broken links (dead pages on
live sites and links to dead sites, about half each), has weekly issues
cite each one 1-3 times on different dates, and stocks the simulated
Wayback Machine with what the real one would hold of them, with the truth
for every occurrence (dead_links.py: the capture closest before the issue's
date that really shows the page; "not found", parked and error captures
skipped; some links never archived).

The archive has web.archive.org's two pools at its hard limits (30 queries
and 600 playbacks a minute, see crawler.simweb.wayback_limits) and rotwatch
runs at its default rates (24 queries, 480 playbacks a minute), all times
`--speedup` (20: 600 and 12,000 a minute against 480 and 9,600), with
answers taking 1 s / speedup. rotwatch runs as users run it, `rotwatch
crawl` on the issues in its own process; `--archive-playback-rate` is
passed only when the CLI has it. What is measured comes from outside
rotwatch only: what the simulated archive answered (by pool, with times),
report.json and the archival copies. So the benchmark runs unchanged
against any version of the archive stage.

Reported: query and playback requests per dead link (and the fewest
playbacks the truth needs), 429s, the archive stage's wall time (first
archive request to last answer) against its floor (queries at the query
rate or playbacks at the playback rate, whichever takes longer), what the
same work takes against web.archive.org at the default rates (wall x
speedup: every rate and latency is scaled, but rotwatch's minute of rest
after a 429 is not, so with 429s it is an overestimate), and accuracy: each
occurrence's capture in the archival copies against the truth.

    python benchmarks/bench_archive.py [--dead 3000] [--speedup 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from corpus import build_corpus, simulated_hosts, write_dated_issues
from dead_links import DeadLink, dead_links
from harness import run_measured

from crawler.simweb import SimWayback, SimWeb, crawl_flags, crawl_overrides
from crawler.simweb.hosts import LOOPBACK
from crawler.simweb.wayback import ArchiveAnswer

QUERY_RATE = 24  # rotwatch's default --archive-rate: queries a minute (80 % of web.archive.org's 30)
PLAYBACK_RATE = 480  # its default --archive-playback-rate: playbacks a minute (80 % of 600)
ANSWER_TIME = 1.0  # s the real archive takes to answer, before the speedup
WEEKS = 416  # eight years of weekly issues
CAPTURE_LINK = re.compile(r"/web/(\d{14})[a-z]{0,2}_?/")
CITED_LINK = re.compile(r"\[链接\]\(([^)\s]*)\)")  # how corpus.py writes each link
PLAYBACK_FLAG = "--archive-playback-rate"


def stock(archive: SimWayback, dead: list[DeadLink]) -> None:
    """Puts every dead link's captures into the simulated archive."""
    for link in dead:
        for capture in link.captures:
            kind = "page" if capture.kind == "error" else capture.kind
            archive.add_capture(link.link.url, capture.timestamp, kind=kind, status=capture.status)
        if link.falsely_empty:
            archive.hide_from_availability(link.link.url)


def citations(dead: list[DeadLink]) -> dict[date, list[str]]:
    """Issue date -> the URLs it cites."""
    cited: defaultdict[date, list[str]] = defaultdict(list)
    for link in dead:
        for day in link.cited:
            cited[day].append(link.link.url)
    return dict(cited)


def crawl_command(resolve: Mapping[str, str], endpoint: str, speedup: float) -> list[str]:
    """`rotwatch crawl` over the issues at the default archive rates times `speedup`."""
    values = crawl_overrides(resolve, endpoint)
    values["archive_rate"] = round(QUERY_RATE * speedup)
    flags = crawl_flags(values)
    rotwatch = [sys.executable, "-m", "crawler.cli"]
    usage = subprocess.run([*rotwatch, "crawl", "--help"], capture_output=True, text=True, check=True).stdout
    if PLAYBACK_FLAG in usage:
        flags += [PLAYBACK_FLAG, str(round(PLAYBACK_RATE * speedup))]
    return [*rotwatch, "crawl", "issues", "--state", "state.sqlite", "--reports", "reports", *flags]


@dataclass(frozen=True)
class Occurrence:
    url: str
    day: date
    truth: str | None
    written: str | None  # the capture timestamp the archival copy points at, None if left as it was


def occurrences(folder: Path, cited: dict[date, list[str]], dead: list[DeadLink]) -> list[Occurrence]:
    """Every occurrence of a dead link, with its truth and what its archival copy says."""
    truths = {link.link.url: link for link in dead}
    found = []
    for day, urls in sorted(cited.items()):
        copy = folder / "reports" / "archive" / f"{day.isoformat()}-weekly.md"
        written = CITED_LINK.findall(copy.read_text(encoding="utf-8")) if copy.exists() else [None] * len(urls)
        for url, link in zip(urls, written, strict=True):
            match = CAPTURE_LINK.search(link or "")
            found.append(Occurrence(url, day, truths[url].truth(day), match.group(1) if match else None))
    return found


def accuracy(found: list[Occurrence], dead: list[DeadLink]) -> dict[str, Any]:
    """Occurrences whose copy points at the truth, and how the others went wrong."""
    kinds = {(link.link.url, c.timestamp): c.kind for link in dead for c in link.captures}
    misses: Counter[str] = Counter()
    for occurrence in found:
        if occurrence.written == occurrence.truth:
            continue
        if occurrence.written is None:
            misses["left dead, a capture exists"] += 1
        elif kinds.get((occurrence.url, occurrence.written), "page") != "page":
            misses["points at a capture that shows no page"] += 1
        elif occurrence.truth is None:
            misses["points at a capture where none is right"] += 1
        else:
            later = occurrence.written > occurrence.truth
            misses[f"another capture of the page, {'later' if later else 'earlier'}"] += 1
    right = len(found) - sum(misses.values())
    return {"occurrences": len(found), "right": right, "accuracy": right / len(found), "misses": dict(misses)}


def request_figures(answers: list[ArchiveAnswer], dead: int, speedup: float, latency: float) -> dict[str, Any]:
    """Requests by pool and endpoint, 429s, and the archive stage's wall time against its floor."""
    by_pool = Counter(answer.pool for answer in answers)
    queries, playbacks = by_pool["query"], by_pool["playback"]
    refused = Counter(answer.pool for answer in answers if answer.status == 429)
    wall = max(a.finished for a in answers) - (min(a.started for a in answers) - latency) if answers else 0.0
    floor = max(queries / (QUERY_RATE * speedup / 60), playbacks / (PLAYBACK_RATE * speedup / 60))
    return {
        "queries": queries,
        "playbacks": playbacks,
        "queries_per_dead": queries / dead,
        "playbacks_per_dead": playbacks / dead,
        "by_endpoint": dict(Counter(answer.endpoint for answer in answers)),
        "refused": dict(refused),
        "refused_share": sum(refused.values()) / len(answers) if answers else 0.0,
        "statuses": dict(Counter(answer.status for answer in answers)),
        "wall": wall,
        "floor": floor,
        "wall_vs_floor": wall / floor if floor else 0.0,
        "real_wall": wall * speedup,
        "real_floor": floor * speedup,
    }


def reported_dead(folder: Path) -> tuple[int, int]:
    """(links report.json calls broken, of them with a capture)."""
    links = json.loads((folder / "reports" / "report.json").read_text(encoding="utf-8"))["links"]
    broken = [link for link in links if link["verdict"] == "broken"]
    return len(broken), sum(1 for link in broken if link.get("archive"))


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def print_figures(figures: dict[str, Any], needed: float) -> None:
    print(f"archive requests by endpoint {figures['by_endpoint']}, statuses {figures['statuses']}")
    print(
        f"query requests    {figures['queries']} ({figures['queries_per_dead']:.3f} per dead link)\n"
        f"playback requests {figures['playbacks']} ({figures['playbacks_per_dead']:.3f} per dead link; "
        f"the truth needs at least {needed:.3f})\n"
        f"answered 429      {figures['refused']} ({figures['refused_share']:.2%} of archive requests)\n"
        f"archive stage     {figures['wall']:.1f} s, floor {figures['floor']:.1f} s "
        f"(x {figures['wall_vs_floor']:.2f})\n"
        f"at web.archive.org, default rates: {hours(figures['real_wall'])} (floor {hours(figures['real_floor'])})\n"
        f"accuracy          {figures['right']} of {figures['occurrences']} occurrences ({figures['accuracy']:.2%})"
    )
    for why, count in sorted(figures["misses"].items()):
        print(f"    {count:5d} {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dead", type=int, default=3000, help="dead links to look up")
    parser.add_argument("--urls", type=int, default=20_000, help="links in the corpus they are taken from")
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--speedup", type=float, default=20.0, help="every rate times this, answer times divided")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    hosts = simulated_hosts(args.hosts)
    archive = SimWayback.at_real_limits(args.speedup, latency=ANSWER_TIME / args.speedup)
    with SimWeb(hosts, archive=archive) as web, tempfile.TemporaryDirectory(prefix="rotwatch-archive-") as tmp:
        folder = Path(tmp)
        corpus = build_corpus(hosts, web.port, args.urls, lapsed=True)
        dead = dead_links(corpus, args.dead, WEEKS)
        stock(archive, dead)
        cited = citations(dead)
        write_dated_issues(folder / "issues", cited)
        command = crawl_command({**corpus.addresses, archive.host: LOOPBACK}, web.archive_endpoint, args.speedup)
        print(
            f"{len(dead)} dead links of {len(corpus.links)}, {sum(len(x.cited) for x in dead)} occurrences in "
            f"{len(cited)} issues; {os.cpu_count()} cores; playback rate flag: {PLAYBACK_FLAG in command}",
            flush=True,
        )
        measured = run_measured(command, cwd=folder)
        web.log.wait_idle(timeout=30)
        if not (folder / "reports" / "report.json").exists():
            raise SystemExit(f"rotwatch wrote no report (exit {measured.returncode}):\n{measured.stderr[-3000:]}")
        broken, with_capture = reported_dead(folder)
        figures = {
            **request_figures(archive.answers(), len(dead), args.speedup, archive.latency),
            **accuracy(occurrences(folder, cited, dead), dead),
            "crawl_wall": measured.wall,
            "reported_broken": broken,
            "reported_with_capture": with_capture,
        }
    needed = sum(link.needed_playbacks() for link in dead) / len(dead)
    print(
        f"rotwatch crawl: {measured.wall:.1f} s in all, exit {measured.returncode}; report.json: {broken} broken, "
        f"{with_capture} with a capture"
    )
    print_figures(figures, needed)
    if args.json:
        args.json.write_text(json.dumps({**figures, "dead": len(dead), "needed_playbacks": needed}, indent=1))


if __name__ == "__main__":
    main()

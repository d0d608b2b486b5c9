"""rotwatch and lychee side by side on the same simulated web, in the same run.

Writes a newsletter archive citing 20,000 unique URLs over 400 simulated
hosts (50-200 ms of latency, see corpus.py for the mix), serves them from a
separate process, and runs `rotwatch check` and `lychee` over it with equal
settings: 64 requests in flight, 4 per host, no delay between requests to a
host, 10 s timeout, 2 retries. The tools take turns, the first alternating
by round, and each run starts from a server that has forgotten the last.

For every run it records wall time and its ratio to the politeness lower
bound (a hanging URL counted as one timeout), the peak RSS of the process tree (and RSS through the run, to show
it is flat), requests per unique URL against the fewest that establish the
truth, bytes the server sent (and the most sent for one large page or PDF),
the most requests one host had in flight, and how often the tool's answer
agrees with the truth of the simulated web.

    python benchmarks/bench_lychee.py [--urls 20000] [--hosts 400] [--rounds 3] [--zipf 1.0]

`--zipf` sets how steeply hosts are cited (corpus.py): 1 puts 15 % of the
links on the busiest host, 0.7 spreads them as a flatter archive does.

Linux only, as root (or with user namespaces): each tool runs under
`unshare --mount` with a private /etc/hosts; see harness.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus import (
    RETRIED,
    ZIPF_EXPONENT,
    Corpus,
    build_corpus,
    link_key,
    politeness_bound,
    scenario_floor,
    scenario_of,
    simulated_hosts,
    write_hosts_file,
    write_issues,
)
from harness import Measured, ServerStats, SimServer, in_hosts_namespace, run_measured

from crawler.check.urls import normalize_url
from crawler.models import Verdict
from crawler.simweb import crawl_flags, crawl_overrides

MIB = 1024 * 1024
ALIVE, DEAD, UNSURE, MISSING = "alive", "dead", "needs a look", "not reported"
CLASS_OF_VERDICT = {
    Verdict.OK: ALIVE,
    Verdict.REDIRECTED: ALIVE,
    Verdict.BROKEN: DEAD,
    Verdict.BLOCKED: UNSURE,
    Verdict.UNREACHABLE: UNSURE,
}
LYCHEE_FAILURES = {"error_map": DEAD, "timeout_map": UNSURE, "excluded_map": MISSING}


@dataclass(frozen=True)
class Settings:
    concurrency: int
    per_host: int
    timeout: int
    retries: int


def rotwatch_command(issues: Path, output: Path, settings: Settings) -> list[str]:
    return [
        "rotwatch",
        "check",
        str(issues),
        "--format",
        "json",
        "--output",
        str(output),
        "--no-archive",
        "--concurrency",
        str(settings.concurrency),
        "--per-host",
        str(settings.per_host),
        "--per-host-delay",
        "0",
        "--timeout",
        str(settings.timeout),
        "--retries",
        str(settings.retries),
        *crawl_flags(crawl_overrides()),  # no --resolve: names come from the private /etc/hosts, as for lychee
        "--canary-host",  # every name is in the namespace's /etc/hosts: the machine's DNS is not the question
        "localhost",
    ]


def lychee_command(issues: Path, output: Path, settings: Settings) -> list[str]:
    return [
        "lychee",
        str(issues),
        "--format",
        "json",
        "--output",
        str(output),
        "--no-progress",
        "--max-concurrency",
        str(settings.concurrency),
        "--host-concurrency",
        str(settings.per_host),
        "--host-request-interval",
        "0",
        "--timeout",
        str(settings.timeout),
        "--max-retries",
        str(settings.retries),
    ]


def rotwatch_answers(report: Path) -> tuple[dict[str, str], str]:
    """Each URL's answer, and the answer for a URL the report does not name."""
    links = json.loads(report.read_text(encoding="utf-8"))["links"]
    return {normalize_url(link["url"]): CLASS_OF_VERDICT[Verdict(link["verdict"])] for link in links}, MISSING


def lychee_answers(report: Path) -> tuple[dict[str, str], str]:
    """lychee's JSON names failures only (successes need -v, which slows it down),
    so a link it does not name passed."""
    document = json.loads(report.read_text(encoding="utf-8"))
    answers = {}
    for key, answer in LYCHEE_FAILURES.items():
        for entries in document.get(key, {}).values():
            answers.update({normalize_url(entry["url"]): answer for entry in entries})
    return answers, ALIVE


READERS = {"rotwatch": rotwatch_answers, "lychee": lychee_answers}
COMMANDS = {"rotwatch": rotwatch_command, "lychee": lychee_command}


def request_figures(corpus: Corpus, stats: ServerStats) -> dict[str, Any]:
    """Requests against the minimum, outside scenarios where retries are the point."""
    by_scenario: Counter[str] = Counter()
    for (_, target), count in stats.requests.items():
        by_scenario[scenario_of(target)] += count
    minimum: Counter[str] = Counter()
    for link in corpus.links:
        minimum[link.scenario] += link.min_requests
    plain = [name for name in minimum if name not in RETRIED]
    total = sum(stats.requests.values())
    return {
        "requests": total,
        "per_url": total / len(corpus.links),
        "vs_minimum": sum(by_scenario[n] for n in plain) / sum(minimum[n] for n in plain),
        "retried_extra": sum(by_scenario[n] - minimum[n] for n in RETRIED),
    }


def byte_figures(stats: ServerStats) -> dict[str, Any]:
    """Bytes sent in all, and the most sent for any one large HTML page or PDF."""
    per_link: Counter[tuple[str, str]] = Counter()
    for (host, target), sent in stats.bytes_sent.items():
        per_link[host, link_key(target)] += sent
    largest = {
        name: max((sent for (_, key), sent in per_link.items() if scenario_of(key) == name), default=0)
        for name in ("huge-html", "large-pdf")
    }
    return {"bytes": sum(stats.bytes_sent.values()), **{f"max_{k}": v for k, v in largest.items()}}


def agreement(corpus: Corpus, answers: tuple[dict[str, str], str]) -> dict[str, Any]:
    """Share of links whose answer (alive, dead, needs a look) matches the truth."""
    named, unnamed = answers
    misses: Counter[tuple[str, str, str]] = Counter()
    for link in corpus.links:
        truth = CLASS_OF_VERDICT[link.truth]
        said = named.get(normalize_url(link.url), unnamed)
        if said != truth:
            misses[link.scenario, truth, said] += 1
    wrong = sum(misses.values())
    return {"agreement": 1 - wrong / len(corpus.links), "misses": misses}


def time_figures(measured: Measured, stats: ServerStats, busiest: str) -> dict[str, float]:
    """Where the wall time went, by the simulated web's clock: before the first request came,
    from the busiest host's first request to its last answer, and after the last answer."""
    first = min(start for start, _ in stats.spans.values())
    last = max(end for _, end in stats.spans.values())
    start, end = stats.spans[busiest]
    return {
        "before_first": first - measured.started,
        "busiest_span": end - start,
        "after_last": measured.started + measured.wall - last,
    }


def one_run(
    tool: str,
    corpus: Corpus,
    sim: SimServer,
    folder: Path,
    settings: Settings,
    hosts_file: Path,
    round_number: int,
    busiest: str,
) -> dict[str, Any]:
    sim.reset()
    output = folder / f"{tool}-{round_number}.json"
    measured = run_measured(in_hosts_namespace(COMMANDS[tool](folder / "issues", output, settings), hosts_file))
    if not output.exists():
        raise SystemExit(f"{tool} wrote no report (exit {measured.returncode}):\n{measured.stderr[-2000:]}")
    stats = sim.stats()
    return {
        "tool": tool,
        "round": round_number,
        "wall": measured.wall,
        "peak_rss": measured.peak_rss,
        "rss_quarters": [measured.rss_at(f) for f in (0.25, 0.5, 0.75, 0.95)],
        "peak_per_host": stats.peak_per_host,
        **time_figures(measured, stats, busiest),
        **request_figures(corpus, stats),
        **byte_figures(stats),
        **agreement(corpus, READERS[tool](output)),
    }


def version(tool: str) -> str:
    return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip() or tool


def print_runs(runs: list[dict[str, Any]], bound: float) -> None:
    print(
        "| tool | round | wall s | x bound | first request s | busiest host s | after last answer s "
        "| peak RSS MB | RSS at 25/50/75/95 % MB | requests/URL "
        "| vs minimum | MB sent | max huge-html KB | max PDF KB | peak/host | agreement |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        quarters = "/".join(f"{q / MIB:.0f}" for q in r["rss_quarters"])
        print(
            f"| {r['tool']} | {r['round']} | {r['wall']:.1f} | {r['wall'] / bound:.2f} | "
            f"{r['before_first']:.1f} | {r['busiest_span']:.1f} | {r['after_last']:.1f} | "
            f"{r['peak_rss'] / MIB:.0f} | {quarters} | {r['per_url']:.3f} | {r['vs_minimum']:.3f} | "
            f"{r['bytes'] / MIB:.1f} | {r['max_huge-html'] / 1024:.0f} | {r['max_large-pdf'] / 1024:.0f} | "
            f"{r['peak_per_host']} | {r['agreement']:.2%} |"
        )


def print_summary(runs: list[dict[str, Any]], bound: float, floor: float) -> None:
    for tool in dict.fromkeys(r["tool"] for r in runs):
        walls = [r["wall"] for r in runs if r["tool"] == tool]
        print(
            f"{tool}: median wall {statistics.median(walls):.1f} s "
            f"({statistics.median(walls) / bound:.2f} x bound, {statistics.median(walls) / floor:.2f} x floor), "
            f"best {min(walls):.1f} s"
        )
        last = [r for r in runs if r["tool"] == tool][-1]
        for (scenario, truth, said), count in sorted(last["misses"].items()):
            print(f"    {count:5d} {scenario}: truth {truth}, said {said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tools", default="rotwatch,lychee", help="comma-separated, first goes first")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument("--zipf", type=float, default=ZIPF_EXPONENT, help="how hosts are cited: 1 is steep, 0 even")
    args = parser.parse_args()
    settings = Settings(concurrency=64, per_host=4, timeout=10, retries=2)
    tools = args.tools.split(",")

    hosts = simulated_hosts(args.hosts)
    with SimServer(hosts) as sim, tempfile.TemporaryDirectory(prefix="rotwatch-bench-") as tmp:
        folder = Path(tmp)
        corpus = build_corpus(hosts, sim.port, args.urls, zipf=args.zipf)
        write_issues(folder / "issues", corpus.links)
        hosts_file = write_hosts_file(folder / "hosts", corpus, Path("/etc/hosts").read_text())
        bound, busiest = politeness_bound(corpus, settings.per_host, timeout=settings.timeout)
        by_requests, _ = politeness_bound(corpus, settings.per_host, by_requests=True, timeout=settings.timeout)
        floor, floor_host = scenario_floor(corpus, settings.per_host, settings.timeout)
        print(
            f"{len(corpus.links)} URLs on {len(hosts)} hosts; {os.cpu_count()} cores; "
            f"{', '.join(version(t) for t in tools)}"
        )
        print(
            f"politeness lower bound {bound:.1f} s (host {busiest}, "
            f"{sum(1 for x in corpus.links if x.host == busiest)} URLs, {corpus.latency(busiest) * 1000:.0f} ms); "
            f"counting redirect hops {by_requests:.1f} s; with slow answers and Retry-After pauses "
            f"{floor:.1f} s (host {floor_host})"
        )
        runs = []
        for round_number in range(1, args.rounds + 1):
            order = tools if round_number % 2 else tools[::-1]
            for tool in order:
                runs.append(one_run(tool, corpus, sim, folder, settings, hosts_file, round_number, busiest))
                print(f"  round {round_number} {tool}: {runs[-1]['wall']:.1f} s", flush=True)
    print_runs(runs, bound)
    print_summary(runs, bound, floor)
    if args.json:
        serializable = [{**r, "misses": [[*k, v] for k, v in r["misses"].items()]} for r in runs]
        args.json.write_text(json.dumps({"bound": bound, "floor": floor, "runs": serializable}, indent=1))


if __name__ == "__main__":
    main()

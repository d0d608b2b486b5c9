"""Serve the simulated web from its own process: `python -m crawler.simweb`.

Benchmarks run the server here rather than in the crawler's process, so the
two do not share a CPU and a GIL and the crawler's numbers are its own. The
first line on stdout is the port (and nothing else), for a benchmark to read;
the hosts are `numbered_hosts(--hosts, ...)`, so the benchmark can rebuild the
same names and resolve map. Runs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from crawler.simweb.hosts import numbered_hosts
from crawler.simweb.server import SimWeb


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    summary = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m crawler.simweb", description=summary)
    parser.add_argument("--hosts", type=int, default=400, help="number of hosts (site001.test...)")
    parser.add_argument("--suffix", default="test", help="top-level label of the host names (default test)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--min-latency", type=float, default=0.05, help="seconds (default 0.05)")
    parser.add_argument("--max-latency", type=float, default=0.2, help="seconds (default 0.2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    hosts = numbered_hosts(args.hosts, args.min_latency, args.max_latency, suffix=args.suffix)
    # SIGTERM exits through the `with` block like Ctrl-C, so connections close cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with SimWeb(hosts, port=args.port) as web:
        print(web.port, flush=True)
        notice = f"serving {len(hosts)} hosts, e.g. {web.url(hosts[0].name)}; Ctrl-C stops"
        print(notice, file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()

"""The simulated hosts: their names, their latencies and where they resolve.

A host costs a name and a latency, nothing more: `SimWeb` serves every one
from the same loopback socket and tells them apart by the Host header, and
the crawler is told to resolve each name to loopback (see
`crawler.simweb.crawl_settings`). Two names are special: one that resolves
but refuses connections, and one that never resolves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["LOOPBACK", "NXDOMAIN_HOST", "REFUSED_HOST", "UNREACHABLE_ADDRESS", "HostSpec", "numbered_hosts"]

LOOPBACK = "127.0.0.1"  # where the simulated web listens
UNREACHABLE_ADDRESS = "127.0.0.2"  # loopback, but nothing listens there: connection refused
REFUSED_HOST = "refused.test"  # resolves, but nothing listens on its port
NXDOMAIN_HOST = "no-such-host.invalid"  # RFC 6761: never resolves


@dataclass(frozen=True, slots=True)
class HostSpec:
    """One simulated site: its name and how long each of its answers takes (s)."""

    name: str
    latency: float = 0.0


def numbered_hosts(
    count: int, min_latency: float = 0.0, max_latency: float | None = None, *, suffix: str = "test"
) -> list[HostSpec]:
    """`site001.test`, `site002.test`... with latencies spread over [min, max].

    The spread is pseudo-random, seeded by `count`, so two runs (or a test and
    a benchmark process) asking for as many hosts get the same latencies.
    `suffix` is the top-level label: lychee skips `.test` (a reserved name),
    so a benchmark that runs it needs another.
    """
    top = min_latency if max_latency is None else max_latency
    spread = random.Random(count)
    width = max(3, len(str(count)))
    return [HostSpec(f"site{i:0{width}d}.{suffix}", spread.uniform(min_latency, top)) for i in range(1, count + 1)]


DEFAULT_HOSTS = tuple(numbered_hosts(4, 0.005, 0.02))

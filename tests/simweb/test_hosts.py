"""Simulated host names and latencies."""

from __future__ import annotations

from crawler.simweb import numbered_hosts


def test_numbered_hosts_are_reproducible():
    hosts = numbered_hosts(400, 0.05, 0.2)
    assert hosts == numbered_hosts(400, 0.05, 0.2)
    assert hosts[0].name == "site001.test" and hosts[-1].name == "site400.test"
    assert all(0.05 <= h.latency <= 0.2 for h in hosts)

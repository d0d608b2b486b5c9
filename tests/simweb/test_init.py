"""The package surface: the names other packages' tests and the benchmarks import."""

from __future__ import annotations

import crawler.simweb


def test_public_names_are_pinned():
    assert sorted(crawler.simweb.__all__) == sorted(
        [
            "HOME_TITLE",
            "SCENARIOS",
            "HostSpec",
            "RequestLog",
            "RequestRecord",
            "Scenario",
            "SimWayback",
            "SimWeb",
            "crawl_flags",
            "crawl_overrides",
            "fallback_title",
            "numbered_hosts",
        ]
    )

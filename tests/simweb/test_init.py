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
            "SimArchive",
            "SimWayback",
            "SimWeb",
            "crawl_flags",
            "crawl_overrides",
            "fallback_title",
            "numbered_hosts",
        ]
    )


def test_the_former_name_of_the_simulated_wayback_machine_still_works():
    assert crawler.simweb.SimArchive is crawler.simweb.SimWayback

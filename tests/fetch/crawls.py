"""What the crawl tests of the fetching layer share: a crawl on loopback, and peak overlap."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from crawler.models import CheckResult
from crawler.simweb import RequestRecord, SimWeb

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def crawl(run_crawl: Callable[..., Any], web: SimWeb, urls: list[str], **overrides: Any) -> dict[str, CheckResult]:
    """Checks `urls` on the simulated web, loopback allowed, with setting overrides."""
    settings = {"ROTWATCH_ALLOWED_PRIVATE": LOOPBACK, "ROTWATCH_STATIC_HOSTS": web.resolve_map(), **overrides}
    results: dict[str, CheckResult] = run_crawl(urls, **settings)
    return results


def crawl_in_order(reactor_thread: Any, web: SimWeb, urls: list[str], **overrides: Any) -> dict[str, CheckResult]:
    """Checks `urls` like `crawl`, their start requests read in the order given (not the fair order)."""
    from crawler.fetch.runner import base_settings, stream_checks

    settings = base_settings(
        {"ROTWATCH_ALLOWED_PRIVATE": LOOPBACK, "ROTWATCH_STATIC_HOSTS": web.resolve_map(), **overrides}
    )
    results: dict[str, CheckResult] = {}
    reactor_thread.run(lambda: stream_checks(urls, settings, lambda result: results.setdefault(result.url, result)))
    return results


def peak_overlap(records: Sequence[RequestRecord]) -> int:
    """The most requests in flight at once among `records`."""
    events = sorted([(r.started, 1) for r in records] + [(r.finished, -1) for r in records])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak

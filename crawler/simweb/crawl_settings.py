"""The settings that point a crawl at the simulated web, in one place.

A crawl reaches the simulated web only when three things are true: every
simulated host name resolves to loopback (`resolve`, like curl's
--resolve: the names are not in any DNS), loopback may be contacted
(`allow_private`: the address guard refuses it otherwise, as it should for
real links), and, when the simulated Wayback Machine is in play, archive
lookups go to it (`archive_endpoint`) at a pace that does not slow a test
(`archive_rate`: the simulated archive limits only when told to), and the
further archives asked when it has no capture are the simulated Memento
archives it serves, if any (`further_archives`: a crawl pointed at the
simulated web never asks a real archive). The
tests, the demo and the benchmarks take these values from `crawl_overrides`
(or `SimWeb.crawl_overrides()`), as `load_config` takes them, and the
command-line form from `crawl_flags`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

__all__ = ["ARCHIVE_RATE", "LOOPBACK_RANGE", "CrawlOverrides", "crawl_flags", "crawl_overrides"]

LOOPBACK_RANGE = "127.0.0.0/8"  # every address a simulated host resolves to
ARCHIVE_RATE = 6000  # archive requests a minute: far above any limit a test gives the simulated archive


class CrawlOverrides(TypedDict, total=False):
    """Configuration values by their `[tool.rotwatch]` names."""

    allow_private: str
    resolve: dict[str, str]
    archive_endpoint: str
    archive_rate: int
    further_archives: list[str]


def crawl_overrides(
    resolve: Mapping[str, str] | None = None,
    archive_endpoint: str | None = None,
    further_archives: Sequence[str] = (),
) -> CrawlOverrides:
    """The configuration values (`[tool.rotwatch]` keys) that point a crawl at a simulated web.

    `resolve` maps host names to their addresses (None: the system
    resolver finds them, as through a private /etc/hosts); `archive_endpoint`
    is the simulated archive's base URL, if lookups should go there;
    `further_archives` the simulated Memento archives' entries (none: no
    further archive is asked).
    """
    values: CrawlOverrides = {"allow_private": LOOPBACK_RANGE, "further_archives": list(further_archives)}
    if resolve is not None:
        values["resolve"] = dict(resolve)
    if archive_endpoint is not None:
        values["archive_endpoint"] = archive_endpoint
        values["archive_rate"] = ARCHIVE_RATE
    return values


def crawl_flags(values: CrawlOverrides) -> list[str]:
    """The values `crawl_overrides` gives, as `rotwatch` flags (one --resolve per host)."""
    flags = []
    for name, value in values.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, Mapping):
            for key, item in value.items():
                flags += [flag, f"{key}={item}"]
        elif isinstance(value, list):
            flags += [flag, ",".join(value)]
        else:
            flags += [flag, str(value)]
    return flags

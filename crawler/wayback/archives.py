"""The web archives asked through Memento when the Wayback Machine has no valid capture.

Pure data and one decision: which archives, in which order. Each
`MementoArchive` says where its TimeMap of a URL is, how its mementos' raw
bytes are fetched, how fast it may be asked (requests a minute: the
Memento spider gives each archive its own download slot at that pace) and
how often a refused request is retried. `SHIPPED_ARCHIVES` are the
definitions rotwatch ships, in the order they are asked by default;
`archives_named` turns the names a configuration lists into definitions.

Where the facts come from:

- TimeMap URL patterns: the archive list of MemGator, the Memento
  aggregator of Old Dominion University (oduwsdl/MemGator docs/archives.json):
  `https://arquivo.pt/wayback/timemap/link/`, `https://webarchive.loc.gov/all/timemap/link/`,
  `https://archive.today/timemap/`, each followed by the URL as it is. arquivo.pt
  documents its own (github.com/arquivo/pwa-technologies/wiki, "Memento API
  URL Search in Arquivo.pt", with an example TimeMap). archive.today answers
  on its mirrors (archive.ph, archive.is, archive.md) alike and redirects
  between them, so the TimeMap request may be redirected.
- The Memento TimeTravel aggregator (timetravel.mementoweb.org) is gone:
  the Memento project of the Los Alamos National Laboratory "concluded on
  5 September 2025" (dessant/web-archives#126, citing the memento-dev list
  and Wikipedia's Memento Project page), and mementoweb.github.io/about says
  the site "was taken down towards the end of 2025" and its two services
  "necessarily discontinued". rotwatch asks the archives themselves.
- Rates. arquivo.pt publishes its limits (pwa-technologies wiki, APIs):
  Memento API 400 requests a minute, replay (noFrame) 4437 a minute, from
  one IP address, and "IP addresses that exceed these limits will be
  permanently blocked": rotwatch asks at 60 a minute, far below. The Library
  of Congress publishes limits for its loc.gov JSON API (20 to 200 requests
  a minute by endpoint, www.loc.gov/apis/json-and-yaml/working-within-limits)
  but none for webarchive.loc.gov; archive.today publishes none and answers
  automated clients with 429 and a CAPTCHA (see crawler.wayback.memento).
  Both get the conservative `UNPUBLISHED_RATE`, and archive.today no retry
  of a refused request: its CAPTCHA wall does not lift within a run.
- Raw bytes: arquivo.pt's documented `noFrame/replay/{timestamp}id_/`; the
  Library of Congress runs Wayback software (its `/all/timemap/link/` and
  `/all/{timestamp}/{url}` paths are OpenWayback's), whose `id_` flag gives
  the archived bytes; archive.today has no raw form (fetched as it is).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from crawler.errors import ConfigError

__all__ = [
    "SHIPPED_ARCHIVES",
    "UNPUBLISHED_RATE",
    "WAYBACK_RAW",
    "MementoArchive",
    "archives_named",
]

log = logging.getLogger(__name__)

UNPUBLISHED_RATE = 10.0  # requests a minute, for an archive that publishes no limit
WAYBACK_RAW = "{prefix}{timestamp}id_/{original}"  # the raw form of a memento on Wayback software
_RAW_FIELDS = {"prefix", "timestamp", "original"}
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")


@dataclass(frozen=True, slots=True)
class MementoArchive:
    """One archive asked through Memento.

    `timemap` is the TimeMap URL with `{url}` where the cited URL goes, as
    it is; `raw` the raw-bytes form of a memento (see
    `memento.raw_memento_url`), None to fetch mementos as they are; `rate`
    requests a minute; `retries` how often a 429 or 5xx is asked again.
    """

    name: str
    timemap: str
    rate: float
    raw: str | None = WAYBACK_RAW
    retries: int = 2

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ConfigError(f"archive name {self.name!r}: use lower-case letters, digits, '.' and '-'")
        if self.timemap.count("{url}") != 1 or not self.timemap.startswith(("http://", "https://")):
            raise ConfigError(f"archive {self.name}: the TimeMap URL must be http(s) with one {{url}}")
        if self.rate <= 0:
            raise ConfigError(f"archive {self.name}: the rate must be above 0 requests a minute, not {self.rate}")
        if self.raw is not None and not set(re.findall(r"{(\w*)}", self.raw)) <= _RAW_FIELDS:
            raise ConfigError(f"archive {self.name}: the raw form may use only {{prefix}}, {{timestamp}}, {{original}}")
        if self.retries < 0:
            raise ConfigError(f"archive {self.name}: retries cannot be negative")

    def timemap_url(self, url: str) -> str:
        """The TimeMap of `url` in this archive (the URL goes in as it is, the Memento convention)."""
        return self.timemap.replace("{url}", url)

    @property
    def slot(self) -> str:
        """The Scrapy download slot of this archive's requests: a pool of its own."""
        return f"memento:{self.name}"

    @property
    def delay(self) -> float:
        """Seconds between two requests to this archive."""
        return 60.0 / self.rate


SHIPPED_ARCHIVES: Mapping[str, MementoArchive] = MappingProxyType(
    {
        archive.name: archive
        for archive in (
            MementoArchive(
                "arquivo.pt",
                "https://arquivo.pt/wayback/timemap/link/{url}",
                rate=60.0,
                raw="https://arquivo.pt/noFrame/replay/{timestamp}id_/{original}",
            ),
            MementoArchive("loc", "https://webarchive.loc.gov/all/timemap/link/{url}", rate=UNPUBLISHED_RATE),
            MementoArchive(
                "archive.today", "https://archive.ph/timemap/{url}", rate=UNPUBLISHED_RATE, raw=None, retries=0
            ),
        )
    }
)


def archives_named(
    names: Iterable[str], known: Mapping[str, MementoArchive] = SHIPPED_ARCHIVES
) -> tuple[MementoArchive, ...]:
    """The definitions of the archives a configuration lists, in its order.

    An unknown name or one listed twice is the user's mistake, said with
    the names that are known.
    """
    chosen: list[MementoArchive] = []
    for name in names:
        key = name.strip().lower()
        if key not in known:
            raise ConfigError(f"unknown archive {name!r}; known archives: {', '.join(known)}")
        if known[key] in chosen:
            raise ConfigError(f"archive {name!r} is listed twice")
        chosen.append(known[key])
    log.debug("Memento archives, in order: %s", ", ".join(a.name for a in chosen) or "none")
    return tuple(chosen)

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

The default order, `DEFAULT_ARCHIVES` (arquivo.pt, then the Library of
Congress; archive.today only when a configuration names it):

- arquivo.pt is broad: it crawls the whole .pt domain and sites "of national
  interest" and holds "over 21 billion webpages from 47 million websites"
  (en.wikipedia.org/wiki/Arquivo.pt, March 2025); half its users come from
  outside Portugal (webarchivingrt.wordpress.com, "Archiving the Web as
  Public Service", 2022). It publishes generous limits and answers bots.
- The Library of Congress archives selectively ("Harvesting methods:
  Selective, Event, Thematic", netpreserve.org/about-us/members/library-congress/):
  fewer captures, but a link it has not got costs one TimeMap request (a 404).
- archive.today is broad (readers save pages on demand, news above all) but
  answers automated clients with 429 and a CAPTCHA (see
  crawler.wayback.memento). A refusal is "ask again later", never "no
  capture", so with archive.today in the default list every link without a
  capture would stay "capture pending" night after night. It is shipped for
  a machine it answers; name it to ask it.

Besides the shipped names, a configuration may define an archive of its own
(`archive_of`): `NAME=TIMEMAP_URL`, the URL with `{url}`, optionally followed
by ` rate=N` (requests a minute; `UNPUBLISHED_RATE` if not given) and
` retries=N` (of a 429 or 5xx; 2 if not given); its
mementos are taken to be on Wayback software (pywb, OpenWayback), whose
`id_` form gives the raw bytes.

What an answer stored in the state says about the archives asked:
`asked_text` writes the names (the Wayback Machine's "wayback" first) and
`still_to_ask` reads them back, so a "none" is asked of an archive added
to the configuration later, and of none twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from crawler.errors import ConfigError
from crawler.models import ArchiveLookup, LookupOutcome

__all__ = [
    "DEFAULT_ARCHIVES",
    "SHIPPED_ARCHIVES",
    "UNPUBLISHED_RATE",
    "WAYBACK",
    "WAYBACK_RAW",
    "MementoArchive",
    "archive_of",
    "archives_named",
    "asked_text",
    "further_lookups",
    "minutes_to_ask",
    "still_to_ask",
]

log = logging.getLogger(__name__)

UNPUBLISHED_RATE = 10.0  # requests a minute, for an archive that publishes no limit
WAYBACK_RAW = "{prefix}{timestamp}id_/{original}"  # the raw form of a memento on Wayback software
_RAW_FIELDS = {"prefix", "timestamp", "original"}
_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
_OPTION = re.compile(r"(?P<name>rate|retries)=(?P<value>\d+(?:\.\d+)?)")
WAYBACK = "wayback"  # the Wayback Machine's name in the state and the reports


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

# The order asked unless a configuration says otherwise (the module docstring says why).
DEFAULT_ARCHIVES = ("arquivo.pt", "loc")


def archives_named(
    names: Iterable[str], known: Mapping[str, MementoArchive] = SHIPPED_ARCHIVES
) -> tuple[MementoArchive, ...]:
    """The definitions of the archives a configuration lists, in its order.

    An unknown name or one listed twice is the user's mistake, said with
    the names that are known; an entry `NAME=TIMEMAP_URL [rate=N]` defines
    an archive of the user's own (`archive_of`).
    """
    chosen: list[MementoArchive] = []
    for name in names:
        archive = archive_of(name, known)
        if archive.name in (earlier.name for earlier in chosen):
            raise ConfigError(f"archive {archive.name!r} is listed twice")
        chosen.append(archive)
    log.debug("Memento archives, in order: %s", ", ".join(a.name for a in chosen) or "none")
    return tuple(chosen)


def archive_of(entry: str, known: Mapping[str, MementoArchive] = SHIPPED_ARCHIVES) -> MementoArchive:
    """One configuration entry's archive: a known name, or `NAME=TIMEMAP_URL [rate=N] [retries=N]`."""
    name, equals, definition = entry.strip().partition("=")
    key = name.strip().lower()
    if not equals:
        if key not in known:
            raise ConfigError(f"unknown archive {entry!r}; known archives: {', '.join(known)} (or NAME=TIMEMAP_URL)")
        return known[key]
    if key in known or key == WAYBACK:
        raise ConfigError(f"archive {key!r} is shipped: give its name alone, or another name to your own")
    if not definition.strip():
        raise ConfigError(f"archive {key}: give its TimeMap URL after '=', with {{url}} where the link goes")
    timemap, *options = definition.split()
    given: dict[str, float] = {}
    for option in options:
        if (matched := _OPTION.fullmatch(option)) is None:
            raise ConfigError(f"archive {key}: unknown option {option!r} (rate=N requests a minute, retries=N)")
        given[matched["name"]] = float(matched["value"])
    return MementoArchive(key, timemap, given.get("rate", UNPUBLISHED_RATE), retries=int(given.get("retries", 2)))


def asked_text(names: Iterable[str]) -> str:
    """What an answer stored in the state says about the archives that gave it."""
    return ", ".join(dict.fromkeys(names))


def still_to_ask(asked: str, archives: Iterable[MementoArchive]) -> tuple[MementoArchive, ...]:
    """The configured archives (in order) that the stored answer `asked` did not come from."""
    done = {name.strip() for name in asked.split(",")}
    return tuple(archive for archive in archives if archive.name not in done)


REQUESTS_PER_LOOKUP = 2  # a TimeMap and one memento per archive: most links have none (one 404), some need more


def minutes_to_ask(pairs: int, archives: Iterable[MementoArchive]) -> float:
    """Roughly how long asking `archives` about `pairs` (URL, date) pairs takes at their rates,
    each archive in its own pool, so the slowest sets the pace."""
    return max((pairs * REQUESTS_PER_LOOKUP * archive.delay / 60.0 for archive in archives), default=0.0)


def further_lookups(
    answers: Mapping[tuple[str, date | None], ArchiveLookup], archives: Sequence[MementoArchive]
) -> dict[tuple[MementoArchive, ...], list[tuple[str, date | None]]]:
    """The (URL, date) pairs to ask the further archives about, by the archives still to ask:
    each "none" that does not name them all (the same group for all, unless the configuration
    changed since some were asked). A capture, or a failure, asks nothing of them."""
    groups: dict[tuple[MementoArchive, ...], list[tuple[str, date | None]]] = {}
    for pair, answer in answers.items():
        if answer.outcome is LookupOutcome.NONE and (still := still_to_ask(answer.archive, archives)):
            groups.setdefault(still, []).append(pair)
    return groups

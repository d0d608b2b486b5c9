"""Can this machine resolve host names at all? One lookup of a name that exists, before a run and to confirm.

On a machine without DNS (offline CI, an air-gapped box, a laptop on a
train) every link fails with "name does not resolve", and a run that
reported them would fail CI with dozens of broken links, or turn a whole
archive dead in the state database overnight. The links alone cannot tell
that night from a real one: a single link to an expired domain is a real
NXDOMAIN, and an archive of old issues can hold many. So the question is
put to a name that exists, the canary: `Config.canary`, the archive
endpoint's host (web.archive.org) unless `canary_host` names another. The
archive's host is a name rotwatch needs anyway (dead links are looked up
there), it is as long-lived as names on the web get, and an air-gapped
user with their own Wayback-compatible archive has it resolvable already.
An address says nothing about DNS (it "resolves" without asking anyone),
so an endpoint given as an IP address leaves the default at web.archive.org,
and `canary_host` must be a name.

The canary is asked before a run (one lookup, cheap, so an offline night
checks and records nothing) and again when the run's results look offline
(`crawler.check.plan.looks_offline`), to confirm: the network may have gone
in between, or the links may all be to names that really are gone. The
lookup goes through `HostLookup`, the resolver the crawl uses, with the
same `--resolve` map and DNS timeout, so a canary that `--resolve` maps is
answered from that map, and a name under `.invalid` (RFC 6761 section 6.4:
never resolves) fails at once; tests use both to stand for online and
offline machines without touching the network.
"""

from __future__ import annotations

import logging

from scrapy.settings import Settings
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.errors import NameLookupFailedError, NameNotFoundError
from crawler.fetch.resolver import HostLookup, installed_reactor

__all__ = ["names_resolve", "offline_message"]

log = logging.getLogger(__name__)


async def names_resolve(host: str, settings: Settings) -> bool:
    """Whether `host` resolves here, looked up as the crawl looks hosts up (runs inside the reactor)."""
    lookup = HostLookup(
        installed_reactor(), settings.getdict("ROTWATCH_STATIC_HOSTS"), settings.getfloat("DNS_TIMEOUT")
    )
    try:
        addresses = await maybe_deferred_to_future(lookup.addresses(host))
    except (NameNotFoundError, NameLookupFailedError) as exc:
        log.debug("canary %s does not resolve: %s", host, exc)
        return False
    log.debug("canary %s resolves to %s", host, ", ".join(addresses))
    return True


def offline_message(host: str, outcome: str) -> str:
    """The one line every output says when the machine looks offline; `outcome` says what was (not) done."""
    hint = "set canary_host if only that name is blocked here"
    return f"this machine looks offline: {host} does not resolve, so {outcome} ({hint})"

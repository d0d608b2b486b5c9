"""Which behaviour answers a request on the simulated web, by host and path.

Every served host answers the scenarios under `/s/<name>` and
`/gen/<name>/<token>`; whole-site scenarios (`Scenario.host`) answer every
path of their own host; `/` is a home page and any other path a generic
200 page, so a benchmark can mint as many working URLs as it likes. The
server adds what depends on its state (unknown hosts, outages, the
archive's host) before it asks `route`.

Where a scenario of `crawler.simweb.scenarios` is served (every served host):

- `/s/<name>` and sub-paths it needs (`/s/redirect-loop/b`, ...).
- `/gen/<name>/<token>[/<sub-path>]`: the same behaviour under a unique URL,
  so a benchmark can mint thousands of distinct URLs per scenario; `<token>`
  is one path segment of the caller's choice. Per-URL state (the first 503 of
  `flaky-503`) is per minted URL.
- A host of its own for scenarios that are about a whole site
  (`Scenario.host`): `parked-domain.test` is parked on every path, and on
  `home-redirect.test` every deep link is sent to its home page, and
  `taken-over.test` is a gambling site on every path.
- `/` on any other host is a home page titled `HOME_TITLE`; any other path is a
  200 page titled `fallback_title(host, path)`.
"""

from __future__ import annotations

from types import MappingProxyType

from crawler.simweb.behaviours import error, fallback_page, home_page
from crawler.simweb.exchange import PLAIN, Exchange, Handler
from crawler.simweb.scenarios import HANDLERS, SCENARIOS

__all__ = ["OUTAGE", "TAKEN_OVER", "WHOLE_SITES", "host_name", "route", "unknown_host"]

MOUNT_DEPTHS = {"s": 3, "gen": 4}  # path segments up to the scenario's mount point

# host -> scenario, for the scenarios that are about a whole site (parked-domain.test, home-redirect.test)
WHOLE_SITES = MappingProxyType({s.host: name for name, s in SCENARIOS.items() if s.host and name in HANDLERS})

OUTAGE = error(503)  # every answer of a host having a bad night (`SimWeb.set_outage`)
TAKEN_OVER = HANDLERS["taken-over"]  # every answer of a host whose domain changed hands (`SimWeb.take_over`)


def route(host: str, path: str) -> tuple[Handler, str, str]:
    """The handler for a path on a served host, with its mount point and the rest.

    On a whole-site scenario's host it is that scenario's, on every path.
    Elsewhere `/s/<name>[/rest]` and `/gen/<name>/<token>[/rest]` are
    scenarios, `/` is the home page, `/redirect-to?url=U` an open redirect
    (302 to U, as many real sites have; the address guard is tested through
    it), anything else a generic 200 page.
    """
    if host in WHOLE_SITES:
        return HANDLERS[WHOLE_SITES[host]], "", path
    if path == "/redirect-to":
        return open_redirect, "", path
    parts = path.split("/")
    depth = MOUNT_DEPTHS.get(parts[1] if len(parts) > 1 else "", 0)
    if not depth or len(parts) < depth:
        return (home_page if path == "/" else fallback_page), "", path
    base = "/".join(parts[:depth])
    return HANDLERS.get(parts[2], unknown_scenario), base, path[len(base) :]


async def open_redirect(exchange: Exchange) -> None:
    """302 to whatever the `url` query parameter says."""
    target = exchange.request.query.get("url", "/")
    await exchange.reply(302, b"", content_type=PLAIN, headers={"Location": target})


async def unknown_scenario(exchange: Exchange) -> None:
    """404 for a scenario name that does not exist: a typo in a test, not a page."""
    await exchange.reply(404, f"no scenario at {exchange.path}\n".encode(), content_type=PLAIN)


async def unknown_host(exchange: Exchange) -> None:
    """421 Misdirected Request: this server does not serve that name."""
    message = f"no site named {exchange.host!r} here\n"
    await exchange.reply(421, message.encode(), content_type=PLAIN)


def host_name(header: str) -> str:
    """The host name in a Host header, without port, lower-case."""
    name, _, port = header.rpartition(":")
    return (name if port.isdigit() else header).lower().rstrip(".")

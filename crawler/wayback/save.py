"""Ask the Wayback Machine to capture live links, so tomorrow's dead link has a copy.

This goes through waybackpy's Save Page Now client. waybackpy blocks, sets
no timeouts and hard-codes web.archive.org, so it never sits in the crawl's
path: lookups go through Scrapy (paced, cancellable, any endpoint), and
saving runs here, one URL at a time, after the crawl, at a pace under what
anonymous Save Page Now allows. `save_one` points waybackpy's request at
`endpoint` (its `request_url`: waybackpy itself knows only SAVE_HOST), so a
Wayback-compatible server, or a test's loopback server, can stand in for
web.archive.org.

Facts: Save Page Now limits captures per minute per user, anonymous users to
4 a minute, logged-in ones to 12 (the SPN2 changelog of 2023-01-22, quoted in
overcast07/wayback-machine-spn-scripts issue #20, "User rate limit changed to
captures per minute"). SAVE_INTERVAL, 20 s, is 3 a minute: 75 % of the
anonymous limit, in the spirit of the 80 % the archive asks of clients (see
crawler.wayback.pace). Which live links are worth saving at all is
`crawler.nightly.policy.needs_fresh_capture`'s call.

Two kinds of failure, told apart: one page that could not be saved (Save
Page Now refused or timed out on it) is that URL's own line, and the next
URL is tried; the archive not reached at all (waybackpy's requests session
raises `requests.exceptions.ConnectionError`: no DNS, no route, a refused
proxy) is the same for every URL, so the run stops there and says it once,
instead of a line of urllib3 text per URL, SAVE_INTERVAL apart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["SAVE_HOST", "SAVE_INTERVAL", "SaveResult", "save_all", "save_one"]

log = logging.getLogger(__name__)

SAVE_INTERVAL = 20.0  # seconds between captures: 3 a minute, under anonymous Save Page Now's 4
SAVE_HOST = "web.archive.org"  # waybackpy's Save Page Now host, unless `save_one` is given another endpoint


@dataclass(frozen=True, slots=True)
class SaveResult:
    """A capture request's outcome: the new capture's URL, or why there is none.

    `archive_unreachable` says the archive itself could not be reached: the
    failure is not this URL's, and no other URL would fare better.
    """

    url: str
    archive_url: str | None = None
    error: str = ""
    archive_unreachable: bool = False


def save_one(url: str, user_agent: str, endpoint: str = f"https://{SAVE_HOST}") -> SaveResult:
    """Asks Save Page Now at `endpoint` for one capture; every failure becomes a message."""
    from requests.exceptions import ConnectionError as NoConnection
    from waybackpy import WaybackMachineSaveAPI

    api = WaybackMachineSaveAPI(url, user_agent=user_agent, max_tries=2)
    api.request_url = f"{endpoint.rstrip('/')}/save/{api.url}"  # waybackpy's own is web.archive.org's
    api.total_save_retries = 1  # waybackpy would retry a dead network for minutes
    try:
        return SaveResult(url, archive_url=api.save())
    except NoConnection as exc:
        log.debug("Save Page Now for %s: %s", url, exc)
        host = urlsplit(endpoint).hostname or endpoint
        return SaveResult(url, error=f"cannot reach {host} (no network?)", archive_unreachable=True)
    except Exception as exc:  # waybackpy and requests raise many unrelated types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return SaveResult(url, error=f"{type(exc).__name__}: {first_line}")


def save_all(
    urls: Iterable[str],
    user_agent: str,
    *,
    interval: float = SAVE_INTERVAL,
    on_result: Callable[[SaveResult], None] | None = None,
    save: Callable[[str, str], SaveResult] = save_one,
    sleep: Callable[[float], None] = time.sleep,
) -> list[SaveResult]:
    """Saves URLs one after another, `interval` seconds apart, until the archive cannot be reached.

    The results are those of the URLs tried: when one says the archive is
    unreachable, the URLs after it are not asked.
    """
    results = []
    for index, url in enumerate(urls):
        if index:
            log.debug("waiting %.1f s before asking Save Page Now for %s", interval, url)
            sleep(interval)
        result = save(url, user_agent)
        results.append(result)
        if on_result:
            on_result(result)
        if result.archive_unreachable:
            break
    return results

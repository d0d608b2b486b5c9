"""The simulated web with a Wayback Machine and two Memento archives, as the tests of the further
archives (the nightly crawl's and `check --suggest`'s) start it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crawler.simweb import HostSpec, SimWeb
from crawler.simweb.memento import SimMemento
from crawler.simweb.wayback import SimWayback

SECOND, THIRD = "second.test", "third.test"  # the further archives' names, in the order asked


@contextmanager
def web_with_archives(wayback: SimWayback, second: SimMemento, third: SimMemento) -> Iterator[SimWeb]:
    """One news site, the Wayback Machine `wayback`, then `second` and `third`."""
    with SimWeb(hosts=[HostSpec("news.test")], archive=wayback, mementos=[second, third]) as simulated:
        yield simulated


def start_afresh(web: SimWeb, *archives: SimWayback | SimMemento) -> None:
    """Waits for the last test's requests, then empties every archive and the request log."""
    web.log.wait_idle()
    for archive in archives:
        archive.reset()
    web.log.clear()

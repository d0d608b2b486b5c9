"""Name resolution that reports why it failed and pins what was vetted.

Twisted's resolver chain turns every failure into one `DNSLookupError`, but
users need to tell a name that does not exist (the link is broken) from a
lookup that timed out (maybe transient), and the address guard must check
the address that the connection will really use. So a downloader middleware
resolves each host through `HostLookup` (typed errors, a cache), vets the
addresses, and pins the chosen one in `PinnedResolver`, the resolver
installed on the reactor: the connection then goes to exactly the vetted
address, and a name that was never vetted is not resolved at all.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NoReturn, cast

from twisted.internet import defer
from twisted.internet.base import ReactorBase
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IReactorFromThreads, IReactorTime, IResolverSimple
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure
from zope.interface import implementer

from crawler.errors import NameLookupFailedError, NameNotFoundError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["HostLookup", "PinnedResolver", "installed_reactor", "installed_resolver"]

# RFC 6761: these names never resolve; answer at once instead of asking DNS.
NEVER_RESOLVED_SUFFIXES = (".invalid",)

Outcome = list[str] | BaseException  # a lookup's addresses, or why it failed

# Twisted declares which interfaces a class provides with zope.interface's
# `implementer`, which mypy does not read (it needs the mypy-zope plugin), so
# handing a reactor or a resolver to a parameter typed by interface takes a cast.


class HostLookup:
    """Resolves host names in the reactor's thread pool, with a cache.

    `static` maps names to fixed addresses, like curl's `--resolve`; the
    simulated web uses it to give many host names to one loopback server.
    """

    def __init__(self, reactor: ReactorBase, static: Mapping[str, str] | None = None, timeout: float = 10.0):
        self._reactor = reactor
        self._static = {name.lower(): address for name, address in (static or {}).items()}
        self._timeout = timeout
        self._cache: dict[str, defer.Deferred[Outcome]] = {}

    def addresses(self, host: str) -> defer.Deferred[list[str]]:
        """Deferred list of addresses for `host`, or a NameNotFoundError/NameLookupFailedError failure."""
        host = host.lower().rstrip(".")
        if host in self._static:
            return defer.succeed([self._static[host]])
        if host.endswith(NEVER_RESOLVED_SUFFIXES):
            return defer.fail(NameNotFoundError(f"{host} does not exist (reserved name)"))
        if host not in self._cache:
            # The cache holds outcomes, exceptions included, so a failed
            # lookup is shared by every request to that host, not repeated.
            self._cache[host] = self._resolve(host).addErrback(_exception_of)
        answer: defer.Deferred[list[str]] = defer.Deferred()
        self._cache[host].addCallback(_deliver, answer)
        return answer

    def _resolve(self, host: str) -> defer.Deferred[Outcome]:
        pool = self._reactor.getThreadPool()
        threads, clock = cast(IReactorFromThreads, self._reactor), cast(IReactorTime, self._reactor)
        lookup: defer.Deferred[Outcome] = deferToThreadPool(threads, pool, _getaddrinfo, host)
        return lookup.addTimeout(self._timeout, clock, _timed_out(host))


def _exception_of(failure: Failure) -> BaseException:
    """What the cache keeps of a failed lookup: its exception (a Failure always holds one)."""
    return failure.value or NameLookupFailedError(failure.getErrorMessage())


def _deliver(outcome: Outcome, answer: defer.Deferred[list[str]]) -> Outcome:
    if isinstance(outcome, BaseException):
        answer.errback(outcome)
    else:
        answer.callback(outcome)
    return outcome


def _timed_out(host: str) -> Callable[[Outcome, float], NoReturn]:
    def raise_failure(result: Outcome, timeout: float) -> NoReturn:
        raise NameLookupFailedError(f"looking up {host} took longer than {timeout:g} s")

    return raise_failure


def _getaddrinfo(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
            raise NameNotFoundError(f"{host} does not exist (NXDOMAIN)") from exc
        raise NameLookupFailedError(f"looking up {host} failed: {exc.strerror}") from exc
    except UnicodeError as exc:
        raise NameNotFoundError(f"{host} is not a valid host name") from exc
    ipv4 = [str(info[4][0]) for info in infos if info[0] == socket.AF_INET]
    ipv6 = [str(info[4][0]) for info in infos if info[0] == socket.AF_INET6]
    return list(dict.fromkeys(ipv4 + ipv6))


@implementer(IResolverSimple)
class PinnedResolver:
    """The reactor's resolver: answers only names the address guard pinned."""

    def __init__(self, reactor: ReactorBase):
        self.reactor = reactor
        self._pins: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> PinnedResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(cast(IResolverSimple, self))

    def pin(self, host: str, address: str) -> None:
        self._pins[host.lower().rstrip(".")] = address

    def pinned(self, host: str) -> str | None:
        """The address pinned for `host`, or None when the address guard did not vet it."""
        return self._pins.get(host.lower().rstrip("."))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802 (Twisted API)
        address = self.pinned(name)
        if address is None:
            return defer.fail(DNSLookupError(f"{name} was not vetted by the address guard"))
        return defer.succeed(address)


def installed_reactor() -> ReactorBase:
    """The reactor installed in this process (installing Twisted's default if none is).

    `twisted.internet.reactor` is a module to type checkers and the installed
    reactor object at run time; every reactor Scrapy runs on is a ReactorBase.
    """
    from twisted.internet import reactor

    return cast(ReactorBase, reactor)


def installed_resolver(reactor: ReactorBase) -> PinnedResolver:
    """The PinnedResolver on `reactor`, installing one if another is there."""
    resolver = reactor.resolver
    if isinstance(resolver, PinnedResolver):
        return resolver
    pinned = PinnedResolver(reactor)
    pinned.install_on_reactor()
    return pinned

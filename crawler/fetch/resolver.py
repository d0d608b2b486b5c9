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
from collections.abc import Mapping
from typing import Any

from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from twisted.internet.threads import deferToThreadPool
from zope.interface import implementer

from crawler.errors import NameLookupFailedError, NameNotFoundError

__all__ = ["HostLookup", "PinnedResolver"]

# RFC 6761: these names never resolve; answer at once instead of asking DNS.
NEVER_RESOLVED_SUFFIXES = (".invalid",)


class HostLookup:
    """Resolves host names in the reactor's thread pool, with a cache.

    `static` maps names to fixed addresses, like curl's `--resolve`; the
    simulated web uses it to give many host names to one loopback server.
    """

    def __init__(self, reactor: Any, static: Mapping[str, str] | None = None, timeout: float = 10.0):
        self._reactor = reactor
        self._static = {name.lower(): address for name, address in (static or {}).items()}
        self._timeout = timeout
        self._cache: dict[str, defer.Deferred] = {}

    def addresses(self, host: str) -> defer.Deferred:
        """Deferred list of addresses for `host`, or a NameNotFoundError/NameLookupFailedError failure."""
        host = host.lower().rstrip(".")
        if host in self._static:
            return defer.succeed([self._static[host]])
        if host.endswith(NEVER_RESOLVED_SUFFIXES):
            return defer.fail(NameNotFoundError(f"{host} does not exist (reserved name)"))
        if host not in self._cache:
            # The cache holds outcomes, exceptions included, so a failed
            # lookup is shared by every request to that host, not repeated.
            self._cache[host] = self._resolve(host).addErrback(lambda failure: failure.value)
        answer: defer.Deferred = defer.Deferred()
        self._cache[host].addCallback(_deliver, answer)
        return answer

    def _resolve(self, host: str) -> defer.Deferred:
        pool = self._reactor.getThreadPool()
        lookup = deferToThreadPool(self._reactor, pool, _getaddrinfo, host)
        return lookup.addTimeout(self._timeout, self._reactor, _timed_out(host))


def _deliver(outcome: Any, answer: defer.Deferred) -> Any:
    if isinstance(outcome, Exception):
        answer.errback(outcome)
    else:
        answer.callback(outcome)
    return outcome


def _timed_out(host: str):
    def raise_failure(result: Any, timeout: float) -> Any:
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
    ipv4 = [info[4][0] for info in infos if info[0] == socket.AF_INET]
    ipv6 = [info[4][0] for info in infos if info[0] == socket.AF_INET6]
    return list(dict.fromkeys(ipv4 + ipv6))


@implementer(IResolverSimple)
class PinnedResolver:
    """The reactor's resolver: answers only names the address guard pinned."""

    def __init__(self, reactor: Any = None):
        self.reactor = reactor
        self._pins: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def pin(self, host: str, address: str) -> None:
        self._pins[host.lower().rstrip(".")] = address

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred:  # noqa: N802 (Twisted API)
        address = self._pins.get(name.lower().rstrip("."))
        if address is None:
            return defer.fail(DNSLookupError(f"{name} was not vetted by the address guard"))
        return defer.succeed(address)


def installed_resolver(reactor: Any) -> PinnedResolver:
    """The PinnedResolver on `reactor`, installing one if another is there."""
    if not isinstance(reactor.resolver, PinnedResolver):
        PinnedResolver(reactor).install_on_reactor()
    return reactor.resolver

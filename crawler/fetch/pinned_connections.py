"""A connection goes straight to the address the address guard pinned.

Twisted's Agent connects through a `HostnameEndpoint`, made for a name with
several addresses: it resolves the name (here through `PinnedResolver`,
which answers the one address the address guard vetted and pinned, see
crawler.fetch.resolver), then races connection attempts to the addresses
it got, one started every 0.3 s from a `LoopingCall` (RFC 8305, "Happy
Eyeballs"); and each `connect` declares a class with zope.interface's
`implementer`, which computes an interface resolution order anew. With one
pinned address there is nothing to race. On the 50,000-link benchmark
(benchmarks/bench_million.py), where nearly every link needs a new
connection, that machinery took about 8 % of the crawl's CPU (py-spy).

So a pinned host is connected to directly: a TCP endpoint to the pinned
address, with the connect timeout and bind address the agent was given,
wrapped in TLS for https exactly as Twisted wraps it (the certificate is
still verified against the host name, which SNI still carries). A host
that was not pinned goes through Twisted's endpoint, whose lookup in
`PinnedResolver` refuses it, as before. The connection pool keys
connections by scheme, host and port, not by endpoint, so kept-alive
connections are reused as before.

Twisted's endpoint factory is private (`twisted.web.client._StandardEndpointFactory`,
and the agent's `_endpointFactory`); tests/fetch/test_pinned_connections.py pins both.
"""

from __future__ import annotations

from typing import cast

from twisted.internet.endpoints import TCP4ClientEndpoint, TCP6ClientEndpoint, wrapClientTLS
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.web.client import URI, _StandardEndpointFactory
from twisted.web.iweb import IAgentEndpointFactory
from zope.interface import implementer

from crawler.fetch.resolver import PinnedResolver

__all__ = ["PinnedEndpointFactory"]


@implementer(IAgentEndpointFactory)
class PinnedEndpointFactory:
    """Twisted's standard endpoints, but a pinned host's connection goes to its pinned address directly."""

    def __init__(self, standard: _StandardEndpointFactory, resolver: PinnedResolver):
        self._standard = standard
        self._resolver = resolver
        self._bindAddress = standard._bindAddress  # Scrapy's agent adds it to the pool's key

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:  # noqa: N802 (Twisted API)
        address = self._resolver.pinned(uri.host.decode("ascii", "replace"))
        if address is None or uri.scheme not in (b"http", b"https"):  # Twisted's endpoint (and its refusals)
            endpoint: IStreamClientEndpoint = self._standard.endpointForURI(uri)
            return endpoint
        standard = self._standard
        tcp = TCP6ClientEndpoint if ":" in address else TCP4ClientEndpoint
        timeout = 30 if standard._connectTimeout is None else standard._connectTimeout  # Twisted's default, s
        # A TCP endpoint provides IStreamClientEndpoint, which mypy cannot read (see crawler.fetch.resolver).
        direct = cast(IStreamClientEndpoint, tcp(standard._reactor, address, uri.port, timeout, standard._bindAddress))
        if uri.scheme == b"http":
            return direct
        return wrapClientTLS(standard._policyForHTTPS.creatorForNetloc(uri.host, uri.port), direct)

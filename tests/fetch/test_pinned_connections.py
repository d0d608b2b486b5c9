"""A pinned host is connected to at its pinned address directly; any other name goes through Twisted's endpoint."""

from __future__ import annotations

import pytest
from twisted.internet.endpoints import HostnameEndpoint, TCP4ClientEndpoint, TCP6ClientEndpoint
from twisted.internet.testing import MemoryReactorClock
from twisted.web.client import URI, BrowserLikePolicyForHTTPS, _StandardEndpointFactory

import crawler.fetch.pinned_connections
from crawler.fetch.pinned_connections import PinnedEndpointFactory
from crawler.fetch.resolver import PinnedResolver


def test_public_names():
    assert crawler.fetch.pinned_connections.__all__ == ["PinnedEndpointFactory"]


class RecordingPolicy(BrowserLikePolicyForHTTPS):
    """Twisted's TLS policy, recording the names it is asked to verify."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[bytes, int]] = []

    def creatorForNetloc(self, hostname, port):  # noqa: N802 (Twisted API)
        self.asked.append((hostname, port))
        return super().creatorForNetloc(hostname, port)


@pytest.fixture
def factory() -> PinnedEndpointFactory:
    reactor = MemoryReactorClock()
    resolver = PinnedResolver(reactor)
    resolver.pin("Pinned.Example", "192.0.2.7")
    resolver.pin("six.example", "2001:db8::7")
    standard = _StandardEndpointFactory(reactor, RecordingPolicy(), 7.5, ("127.0.0.1", 0))
    return PinnedEndpointFactory(standard, resolver)


def test_a_pinned_host_is_connected_to_at_its_address_with_the_agents_timeout_and_bind_address(factory):
    endpoint = factory.endpointForURI(URI.fromBytes(b"http://pinned.example.:8080/page"))
    assert isinstance(endpoint, TCP4ClientEndpoint)
    assert (endpoint._host, endpoint._port, endpoint._timeout, endpoint._bindAddress) == (
        "192.0.2.7",
        8080,
        7.5,
        ("127.0.0.1", 0),
    )
    assert factory._bindAddress == ("127.0.0.1", 0)  # Scrapy's agent adds it to the pool's key


def test_an_ipv6_pin_gets_an_ipv6_endpoint(factory):
    endpoint = factory.endpointForURI(URI.fromBytes(b"http://six.example/"))
    assert isinstance(endpoint, TCP6ClientEndpoint)
    assert endpoint._host == "2001:db8::7"


def test_https_wraps_the_direct_connection_in_tls_for_the_host_name(factory):
    endpoint = factory.endpointForURI(URI.fromBytes(b"https://pinned.example/"))
    wrapped = endpoint._wrappedEndpoint
    assert isinstance(wrapped, TCP4ClientEndpoint)
    assert (wrapped._host, wrapped._port) == ("192.0.2.7", 443)
    assert factory._standard._policyForHTTPS.asked == [(b"pinned.example", 443)]  # verified and sent (SNI) by name


def test_a_name_never_pinned_goes_through_twisteds_endpoint_whose_lookup_refuses_it(factory):
    endpoint = factory.endpointForURI(URI.fromBytes(b"http://unvetted.example/"))
    assert isinstance(endpoint, HostnameEndpoint)


def test_the_download_handler_connects_directly_unless_through_a_proxy(reactor_thread):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.fetch.hard_stop import HardStopDownloadHandler, _HardStopAgent

    handler = HardStopDownloadHandler(get_crawler())
    agent = _HardStopAgent(contextFactory=handler._contextFactory, pool=handler._pool, crawler=handler._crawler)
    direct = agent._get_agent(Request("http://pinned.example/"), 10.0)
    assert isinstance(direct._endpointFactory, PinnedEndpointFactory)
    proxied = agent._get_agent(Request("http://pinned.example/", meta={"proxy": "http://proxy.example:3128"}), 10.0)
    assert not isinstance(proxied._endpointFactory, PinnedEndpointFactory)

"""An early stop resets the connection, and the site gets its connection back only once it is gone.

The early stop (crawler.fetch.early_stop) ends a download after the headers
of a PDF or an image, after 64 KB of an HTML page, or 64 KB into a
decompression bomb. Scrapy 2.19's HTTP/1.1 handler then closes the
connection gracefully (`stopProducing` and `loseConnection` on the
response's transport): the socket is closed only once Twisted's reactor
gets to write out what it still holds, a turn later, and the response is
handed back at once. Under load that is long enough for a server writing a
large body to keep writing (on the 20,000-link benchmark the simulated web
saw up to 573 KB of a 50 MB page and 3.9 MB of a 20 MB PDF reach its
socket), and the site's connection is free again before the old one is
closed, so a server can see one request more in flight than the site's
limit.

This handler is Scrapy's, with one change in its agent: when a download was
stopped, the connection is reset at once (TCP RST: SO_LINGER 0, and on
Linux the socket's association dissolved, see `_send_reset_now`), so the
server's next write fails instead of filling buffers, and the response is
handed back, flagged RESET_FLAG, only once Twisted has closed the socket.
The next request to the site therefore leaves after the reset. A reset is
only as early as the reactor reads the socket, so the reactor must not
stall either: start requests are read as the downloader drains, a turn of the reactor every few (crawler.spiders.links)
and long-lived objects are kept out of full garbage collections
(crawler.collector). With all three, the benchmark's servers wrote
at most 191 KB of a large page and 128 KB of a PDF (benchmarks/README.md).

Scrapy's handler exposes no hook for this, so the agent overrides
`_cb_bodyready` (its step from headers to body) and reaches the connection
as Scrapy's own cancellation does, through the response's transport proxy
(`txresponse._transport._producer`): both private to Scrapy and Twisted, and
pinned by tests/fetch/test_hard_stop.py.
"""

from __future__ import annotations

import ctypes
import logging
import socket
import struct
import sys
from typing import Protocol, TypeVar

from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _BindAddressAgent,
    _ResultT,
    _ScrapyAgent,
)
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.tcp import Connection as TCPConnection
from twisted.web.client import Agent
from twisted.web.client import Response as TxResponse

from crawler.fetch.pinned_connections import PinnedEndpointFactory
from crawler.fetch.resolver import installed_reactor, installed_resolver

__all__ = ["HardStopDownloadHandler"]

log = logging.getLogger(__name__)

T = TypeVar("T")
CLOSE_WAIT_TURNS = 100  # reactor turns to wait for an aborted socket to close (it takes one)
RESET_FLAG = "connection_reset"  # in Response.flags: the download was stopped and its connection reset
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_UNSPEC_ADDRESS = ctypes.create_string_buffer(struct.pack("H14x", socket.AF_UNSPEC), 16)  # struct sockaddr


class _Connection(Protocol):
    """What the agent needs of a connection: TCP's, or TLS's wrapping it."""

    def abortConnection(self) -> None: ...  # noqa: N802 (Twisted API)


class HardStopDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 download handler, whose early stops reset the connection."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        # Idle kept-alive connections are closed after ROTWATCH_IDLE_CONNECTION_TIMEOUT (crawler/settings.py).
        self._pool.cachedConnectionTimeout = crawler.settings.getint("ROTWATCH_IDLE_CONNECTION_TIMEOUT")

    async def download_request(self, request: Request) -> Response:
        # HTTP11DownloadHandler.download_request, with the agent below. DOWNLOAD_FAIL_ON_DATALOSS
        # is off (crawler/settings.py), so its one-time warning about data loss has nothing to say.
        agent = _HardStopAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        with wrap_twisted_exceptions():
            return await maybe_deferred_to_future(agent.download_request(request))


class _HardStopAgent(_ScrapyAgent):
    """Scrapy's agent, resetting the connection of a stopped download before handing its response back.

    Without a proxy, a pinned host is connected to directly (crawler.fetch.pinned_connections).
    """

    def _get_agent(self, request: Request, timeout: float) -> Agent:
        agent = super()._get_agent(request, timeout)
        if type(agent) is _BindAddressAgent:  # not through a proxy
            resolver = installed_resolver(installed_reactor())
            agent._endpointFactory = PinnedEndpointFactory(agent._endpointFactory, resolver)
        return agent

    def _cb_bodyready(self, txresponse: TxResponse, request: Request) -> _ResultT | Deferred[_ResultT]:
        connection: _Connection = txresponse._transport._producer  # as Scrapy's _cancel reaches it
        result = super()._cb_bodyready(txresponse, request)
        if isinstance(result, Deferred):
            return result.addCallback(_reset_if_stopped, connection, request)
        return _reset_if_stopped(result, connection, request)


def _reset_if_stopped(result: _ResultT, connection: _Connection, request: Request) -> _ResultT | Deferred[_ResultT]:
    if result.get("stop_download") is None:
        return result
    log.debug("download of %s stopped early: resetting its connection", request)
    socket_transport = _socket_transport_of(connection)
    if socket_transport is not None:
        _send_reset_now(socket_transport.getHandle())
    connection.abortConnection()  # closes the socket a turn later, with SO_LINGER 0: a reset if none was sent
    result["flags"] = [*(result.get("flags") or []), RESET_FLAG]
    return _when_closed(socket_transport, result)


def _socket_transport_of(connection: _Connection) -> TCPConnection | None:
    """The TCP transport under `connection` (TLS wraps it), or None for another kind."""
    transport: object = connection
    while not isinstance(transport, TCPConnection) and hasattr(transport, "transport"):
        transport = transport.transport
    return transport if isinstance(transport, TCPConnection) else None


def _send_reset_now(sock: socket.socket) -> None:
    """Sends the TCP reset now rather than when Twisted closes the socket, a reactor turn later.

    Under load a turn takes long enough for a server to write hundreds of
    kilobytes more. On Linux, connect() to an AF_UNSPEC address dissolves a
    TCP socket's association (connect(2)); for an established connection the
    kernel sends a reset at once, and the descriptor stays open for Twisted
    to close as usual. Elsewhere, and if the call fails, the reset goes out
    when Twisted closes the socket.
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if _LIBC is not None:
        _LIBC.connect(sock.fileno(), _UNSPEC_ADDRESS, len(_UNSPEC_ADDRESS))


def _when_closed(socket_transport: TCPConnection | None, value: T) -> Deferred[T]:
    """`value`, once `socket_transport` is closed (Twisted closes an aborted one a turn later)."""
    reactor = installed_reactor()
    closed: Deferred[T] = Deferred()

    def check(turns_left: int) -> None:
        if socket_transport is None or socket_transport.disconnected or not turns_left:
            closed.callback(value)
        else:
            reactor.callLater(0, check, turns_left - 1)

    check(CLOSE_WAIT_TURNS)
    return closed

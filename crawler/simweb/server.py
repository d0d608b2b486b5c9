"""The simulated web's server: many virtual hosts on one loopback socket.

Tests, the demo and benchmarks point real Scrapy crawls at it. The crawler
maps every simulated host name to 127.0.0.1 (`SimWeb.resolve_map()`, like
curl's --resolve), so one aiohttp server on one port answers for hundreds of
sites and tells them apart by the Host header; a host costs a name and a
latency, nothing more. The server runs its own asyncio loop in a daemon
thread, so a test can start it next to Twisted's reactor, and it stays
async all the way (latency is `asyncio.sleep`), so one process serves
hundreds of requests a second.

Every request goes into a `RequestLog` (crawler.simweb.request_log) with the
bytes that actually reached the socket. Which behaviour answers is decided
in crawler.simweb.routing; the settings that point a crawl here come from
`SimWeb.crawl_overrides()` (crawler.simweb.crawl_settings).

A `SimWayback` (crawler.simweb.wayback), given as `SimWeb(archive=...)`, is
served under its own host name like any site; `archive_endpoint` is its base.
So is each `SimMemento` (crawler.simweb.memento) given as `SimWeb(mementos=[...])`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterable
from types import TracebackType

from aiohttp import web

from crawler.simweb.crawl_settings import CrawlOverrides, crawl_flags, crawl_overrides
from crawler.simweb.exchange import Exchange, Handler, Visits
from crawler.simweb.hosts import DEFAULT_HOSTS, LOOPBACK, NXDOMAIN_HOST, REFUSED_HOST, HostSpec
from crawler.simweb.memento import SimMemento
from crawler.simweb.request_log import RequestLog
from crawler.simweb.routing import OUTAGE, TAKEN_OVER, WHOLE_SITES, host_name, route, unknown_host
from crawler.simweb.scenarios import SCENARIOS, Scenario
from crawler.simweb.wayback import SimWayback

__all__ = ["SimWeb"]

log = logging.getLogger(__name__)

BACKLOG = 1024  # pending connections: benchmarks open hundreds at once
KEEPALIVE = 75.0  # s an idle keep-alive connection stays open (nginx's default)
SHUTDOWN_GRACE = 0.05  # s stop() lets answers in progress finish before cancelling them
START_TIMEOUT = 10.0  # s


def bound_socket(port: int) -> socket.socket:
    """A TCP socket bound on loopback and not yet listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, port))
    return sock


class SimWeb:
    """Many simulated websites on one loopback port, in a background thread.

    Use it as a context manager (or `start()`/`stop()`); it can be started
    and stopped many times in one process. `hosts` are the given `HostSpec`s
    (or four `siteNNN.test` with 5-20 ms of latency). Besides them it serves
    the hosts that belong to whole-site scenarios (`parked-domain.test`,
    `home-redirect.test`) with no latency, unless a given `HostSpec` names them,
    and the `archive`'s host, if one is given, with the archive's latency.
    """

    def __init__(
        self,
        hosts: Iterable[HostSpec] | None = None,
        *,
        port: int = 0,
        archive: SimWayback | None = None,
        mementos: Iterable[SimMemento] = (),
    ):
        self.hosts = tuple(DEFAULT_HOSTS if hosts is None else hosts)
        if not self.hosts:
            raise ValueError("SimWeb needs at least one host")
        own = [HostSpec(name) for name in WHOLE_SITES]
        self._served = {spec.name.lower(): spec for spec in [*own, *self.hosts]}
        self.archive = archive
        if archive is not None:
            self._served[archive.host] = HostSpec(archive.host, archive.latency)
        self.mementos = {memento.host: memento for memento in mementos}
        self._served |= {host: HostSpec(host, memento.latency) for host, memento in self.mementos.items()}
        self.log = RequestLog()
        self._visits = Visits()
        self._outages: set[str] = set()
        self._taken_over: set[str] = set()
        self._requested_port = port
        self._port: int | None = None
        self._refused: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.ServerRunner | None = None

    # Life cycle.

    def start(self) -> SimWeb:
        """Binds the port and serves from a daemon thread; returns once it accepts connections."""
        if self._thread is not None:
            raise RuntimeError("SimWeb is already running")
        listener = bound_socket(self._requested_port)
        # Bound but never listening: the port stays ours and connections to it are refused.
        self._refused = bound_socket(0)
        self._port = listener.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"simweb:{self._port}", daemon=True)
        self._thread.start()
        try:
            serving = asyncio.run_coroutine_threadsafe(self._serve(listener), self._loop)
            self._runner = serving.result(timeout=START_TIMEOUT)
        except BaseException:
            listener.close()
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Closes every connection (cancelling hung answers), the loop and its thread."""
        if self._thread is None or self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=START_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        if self._refused is not None:
            self._refused.close()
        self._loop = self._thread = self._runner = self._refused = self._port = None

    def __enter__(self) -> SimWeb:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    async def _serve(self, listener: socket.socket) -> web.ServerRunner:
        # handler_cancellation: a client that leaves ends its request's handler
        # (and its log record) instead of leaving it hung until stop().
        server = web.Server(self._handle, handler_cancellation=True, access_log=None, keepalive_timeout=KEEPALIVE)
        runner = web.ServerRunner(server, shutdown_timeout=SHUTDOWN_GRACE)
        await runner.setup()
        await web.SockSite(runner, listener, backlog=BACKLOG).start()
        return runner

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # Serving.

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Logs the request, waits the host's latency and lets the scenario answer."""
        host = host_name(request.headers.get("Host", ""))
        spec = self._served.get(host)
        handler: Handler
        if spec is None:
            log.debug("no site named %r: 421", host)
            handler, base, rest = unknown_host, "", request.path
        elif host in self._outages:
            log.debug("%s is down: 503 for %s", host, request.path)
            handler, base, rest = OUTAGE, "", request.path
        elif host in self._taken_over:
            handler, base, rest = TAKEN_OVER, "", request.path
        elif self.archive is not None and host == self.archive.host:
            handler, base, rest = self.archive.handle, "", request.path
        elif host in self.mementos:
            handler, base, rest = self.mementos[host].handle, "", request.path
        else:
            handler, base, rest = route(host, request.path)
        exchange = Exchange(request, host, base, rest, self._visits)
        ticket = self.log.begin(host, request.method, request.raw_path, request.headers)
        try:
            await asyncio.sleep(spec.latency if spec else 0)
            await handler(exchange)
        except ConnectionError:
            pass  # the client left mid-answer; what reached the socket is logged below
        finally:
            self.log.end(ticket, exchange.bytes_sent)
        if exchange.response is None:  # the client left before an answer was begun
            raise web.HTTPInternalServerError()
        return exchange.response

    # Addresses and truth.

    @property
    def port(self) -> int:
        """The port every simulated host is served on."""
        if self._port is None:
            raise RuntimeError("SimWeb is not running: use `with SimWeb() as web:` or start()")
        return self._port

    @property
    def refused_port(self) -> int:
        """A loopback port that is bound but never listens, so connections are refused."""
        if self._refused is None:
            raise RuntimeError("SimWeb is not running: use `with SimWeb() as web:` or start()")
        return int(self._refused.getsockname()[1])

    def url(self, host: str, path: str = "/") -> str:
        """`http://host:PORT/path` for a simulated host."""
        if host == NXDOMAIN_HOST:
            return f"http://{host}{path}"
        port = self.refused_port if host == REFUSED_HOST else self.port
        return f"http://{host}:{port}{path}"

    def scenario_url(self, name: str, host: str | None = None) -> str:
        """Where scenario `name` is served: on `host`, its own host, or the first host."""
        scenario = self.expected(name)
        return self.url(host or scenario.host or self.hosts[0].name, scenario.path)

    def refused_url(self) -> str:
        """A URL whose host resolves but whose port refuses connections."""
        return self.scenario_url("refused")

    def nxdomain_url(self) -> str:
        """A URL whose host name does not exist (it is not in `resolve_map`)."""
        return self.scenario_url("nxdomain")

    @property
    def archive_endpoint(self) -> str:
        """`http://archive.test:PORT`: the base of the archive, for --archive-endpoint."""
        if self.archive is None:
            raise RuntimeError("SimWeb serves no archive: use SimWeb(archive=SimWayback())")
        return self.url(self.archive.host, "")

    def resolve_map(self) -> dict[str, str]:
        """Every simulated host name -> 127.0.0.1, for the crawler's resolver."""
        return dict.fromkeys([*self._served, REFUSED_HOST], LOOPBACK)

    def crawl_overrides(self, *, archive: bool = True) -> CrawlOverrides:
        """The configuration values that point a crawl at this web (see crawler.simweb.crawl_settings).

        Every name in `resolve_map()` resolves to loopback, which is allowed,
        and archive lookups go to this web's archive, if it serves one and
        `archive` is true, then to its Memento archives, in the order given.
        """
        endpoint = self.archive_endpoint if archive and self.archive is not None else None
        further = [memento.config_entry(self.url(host, "")) for host, memento in self.mementos.items()]
        return crawl_overrides(self.resolve_map(), endpoint, further)

    def crawl_flags(self, *, archive: bool = True) -> list[str]:
        """`crawl_overrides()` as `rotwatch` command-line flags."""
        return crawl_flags(self.crawl_overrides(archive=archive))

    def expected(self, name: str) -> Scenario:
        """The truth for scenario `name`."""
        try:
            return SCENARIOS[name]
        except KeyError:
            raise KeyError(f"no scenario named {name!r}; see crawler.simweb.SCENARIOS") from None

    def set_outage(self, host: str, down: bool = True) -> None:
        """While down, every request to `host` gets 503: a site having a bad night."""
        if down:
            self._outages.add(host.lower())
        else:
            self._outages.discard(host.lower())

    def take_over(self, host: str, taken: bool = True) -> None:
        """While taken, every path of `host` answers the `taken-over` scenario's gambling page:
        a domain that changed hands between two nights (content drift)."""
        if taken:
            self._taken_over.add(host.lower())
        else:
            self._taken_over.discard(host.lower())

    def reset_state(self) -> None:
        """Forgets which URLs were visited, so flaky-503 and rate-limited-429 fail once again."""
        self._visits.clear()

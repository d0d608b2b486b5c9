"""The simulated web's server: many virtual hosts on one loopback socket.

Tests, the demo and benchmarks point real Scrapy crawls at it. The crawler
maps every simulated host name to 127.0.0.1 (`SimWeb.resolve_map()`, like
curl's --resolve), so one aiohttp server on one port answers for hundreds of
sites and tells them apart by the Host header; a host costs a name and a
latency, nothing more. The server runs its own asyncio loop in a daemon
thread, so a test can start it next to Twisted's reactor, and it stays
async all the way (latency is `asyncio.sleep`), so one process serves
hundreds of requests a second.

Every request goes into a `RequestLog` with the bytes that actually reached
the socket, so a test can prove that the crawler stopped reading a large
body, kept to its per-host concurrency or retried exactly once.

A `SimArchive` (crawler.simweb.archive), given as `SimWeb(archive=...)`, is
served under its own host name like any site; `archive_endpoint` is its base.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from aiohttp import web

from crawler.simweb.scenarios import (
    HANDLERS,
    NXDOMAIN_HOST,
    PLAIN,
    REFUSED_HOST,
    SCENARIOS,
    Handler,
    Scenario,
    error,
    fallback_page,
    home_page,
)

if TYPE_CHECKING:
    from crawler.simweb.archive import SimArchive

__all__ = ["Exchange", "HostSpec", "RequestLog", "RequestRecord", "SimWeb", "numbered_hosts"]

LOOPBACK = "127.0.0.1"
BACKLOG = 1024  # pending connections: benchmarks open hundreds at once
KEEPALIVE = 75.0  # s an idle keep-alive connection stays open (nginx's default)
SHUTDOWN_GRACE = 0.05  # s stop() lets answers in progress finish before cancelling them
START_TIMEOUT = 10.0  # s


@dataclass(frozen=True, slots=True)
class HostSpec:
    """One simulated site: its name and how long each of its answers takes (s)."""

    name: str
    latency: float = 0.0


def numbered_hosts(
    count: int, min_latency: float = 0.0, max_latency: float | None = None, *, suffix: str = "test"
) -> list[HostSpec]:
    """`site001.test`, `site002.test`... with latencies spread over [min, max].

    The spread is pseudo-random, seeded by `count`, so two runs (or a test and
    a benchmark process) asking for as many hosts get the same latencies.
    `suffix` is the top-level label: lychee skips `.test` (a reserved name),
    so a benchmark that runs it needs another.
    """
    top = min_latency if max_latency is None else max_latency
    spread = random.Random(count)
    width = max(3, len(str(count)))
    return [HostSpec(f"site{i:0{width}d}.{suffix}", spread.uniform(min_latency, top)) for i in range(1, count + 1)]


DEFAULT_HOSTS = tuple(numbered_hosts(4, 0.005, 0.02))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it.

    `path` is the request target as sent (path and query, percent-encoded);
    header names are lower-case; times come from `time.monotonic()`, and
    `finished` is None while the request is in flight. `bytes_sent` counts
    status line, headers and body that reached the socket.
    """

    host: str
    method: str
    path: str
    headers: dict[str, str]
    bytes_sent: int
    started: float
    finished: float | None


def url_key(url: str) -> tuple[str, str]:
    """(host, request target) for a URL, encoded the way a client sends it."""
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return (parts.hostname or "", f"{target}?{parts.query}" if parts.query else target)


class RequestLog:
    """Every request the server received, safe to read from any thread.

    A client can read a whole answer a moment before the server logs its
    request as finished, so `bytes_sent` and `finished` are only final after
    `wait_idle()`. `clear()` forgets what was logged but not what is in
    flight, so a peak concurrency measured after it still counts requests
    that were already running.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._tickets = itertools.count()
        self._records: dict[int, RequestRecord] = {}
        self._open: dict[int, RequestRecord] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._bytes: Counter[tuple[str, str]] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()

    def begin(self, host: str, method: str, target: str, headers: Mapping[str, str]) -> int:
        """Logs a request as it arrives; the ticket is for `end`."""
        lowered = {name.lower(): value for name, value in headers.items()}
        record = RequestRecord(host, method, target, lowered, 0, time.monotonic(), None)
        with self._lock:
            ticket = next(self._tickets)
            self._records[ticket] = self._open[ticket] = record
            self._counts[host, target] += 1
            self._in_flight[host] += 1
            self._peak[host] = max(self._peak[host], self._in_flight[host])
        return ticket

    def end(self, ticket: int, bytes_sent: int) -> None:
        """Logs how a request ended, however it ended (answered, reset, cancelled)."""
        with self._lock:
            record = self._open.pop(ticket)
            self._in_flight[record.host] -= 1
            if ticket in self._records:
                done = replace(record, bytes_sent=bytes_sent, finished=time.monotonic())
                self._records[ticket] = done
                self._bytes[record.host, record.path] += bytes_sent
            if not self._open:
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Waits until no request is in flight; False if some still are after `timeout` s."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._open, timeout)

    def records(self, host: str | None = None, path: str | None = None) -> list[RequestRecord]:
        """Requests in arrival order, optionally only those for this host and/or target."""
        with self._lock:
            records = list(self._records.values())
        return [r for r in records if host in (None, r.host) and path in (None, r.path)]

    def count(self, url: str) -> int:
        """Requests received for exactly this URL (host, path and query)."""
        with self._lock:
            return self._counts[url_key(url)]

    def bytes_sent(self, url: str) -> int:
        """Bytes written for this URL, summed over its finished requests."""
        with self._lock:
            return self._bytes[url_key(url)]

    def max_concurrency(self, host: str) -> int:
        """The most requests this host had in flight at once."""
        with self._lock:
            return self._peak[host]

    def clear(self) -> None:
        """Forgets the log; the peaks restart from what is in flight now."""
        with self._lock:
            self._records.clear()
            self._counts.clear()
            self._bytes.clear()
            self._peak = Counter(self._in_flight)


class Visits:
    """Which URLs were asked for, for scenarios whose first answer differs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str]] = set()

    def first(self, key: tuple[str, str]) -> bool:
        """True the first time `key` is seen (since `clear`)."""
        with self._lock:
            unseen = key not in self._seen
            self._seen.add(key)
            return unseen

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


class Exchange:
    """One request as a scenario sees it, and the ways a server can answer.

    `base` is where the scenario is mounted (`/s/<name>`, `/gen/<name>/<token>`,
    or "" on a host of its own) and `rest` the path below it, so redirects
    between a scenario's own steps work under any mount. `bytes_sent` follows
    what reached the socket: a write that the client never read because it
    went away is not counted (up to one chunk and the kernel's buffers).
    """

    def __init__(self, request: web.BaseRequest, host: str, base: str, rest: str, visits: Visits):
        self.request = request
        self.method = request.method
        self.headers = request.headers
        self.host = host
        self.path = request.path
        self.base = base
        self.rest = rest
        self.response: web.StreamResponse | None = None
        self.bytes_sent = 0
        self._visits = visits

    def first_visit(self) -> bool:
        """True for the first request to this URL since `SimWeb.reset_state()`."""
        return self._visits.first((self.host, self.request.raw_path))

    async def reply(
        self,
        status: int,
        payload: bytes = b"",
        *,
        content_type: str,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answers with a complete body (HEAD gets the headers only)."""
        response = web.Response(
            status=status, reason=reason, body=payload, headers={"Content-Type": content_type, **(headers or {})}
        )
        self.response = response
        await response.prepare(self.request)
        await response.write_eof()
        self._note_written()

    async def redirect(self, status: int, path: str, *, relative: bool = False) -> None:
        """Redirects to `path` on this host; Location is absolute unless `relative`."""
        location = path if relative else f"http://{self.headers['Host']}{path}"
        await self.reply(status, f"Moved to {location}\n".encode(), content_type=PLAIN, headers={"Location": location})

    async def stream(
        self,
        status: int,
        chunks: Iterable[bytes],
        *,
        content_type: str,
        pause: float,
        length: int | None = None,
    ) -> None:
        """Answers with a body written chunk by chunk, `pause` seconds apart.

        Without `length` the body is chunked. It stops when the client goes
        away (the write raises, or the handler is cancelled).
        """
        response = web.StreamResponse(status=status, headers={"Content-Type": content_type})
        if length is None:
            response.enable_chunked_encoding()
        else:
            response.content_length = length
        self.response = response
        await response.prepare(self.request)
        if self.method != "HEAD":
            for chunk in chunks:
                await response.write(chunk)
                self._note_written()
                await asyncio.sleep(pause)
        await response.write_eof()
        self._note_written()

    async def hang(self) -> None:
        """Never answers; returns only by cancellation (client gone, or server stopping)."""
        await asyncio.get_running_loop().create_future()

    async def reset(self) -> None:
        """Resets the connection without answering.

        SO_LINGER with a zero timeout makes close() send RST instead of FIN,
        so the client sees ECONNRESET rather than a clean end of stream.
        """
        transport = self.request.transport
        assert transport is not None, "a request being handled has a transport"
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        await self.hang()  # the lost connection cancels this handler

    def _note_written(self) -> None:
        """Counts what the transport passed to the socket, not what is still in its buffer."""
        transport = self.request.transport
        if transport is not None and not transport.is_closing():
            self.bytes_sent = self.request.writer.output_size - transport.get_write_buffer_size()


MOUNT_DEPTHS = {"s": 3, "gen": 4}  # path segments up to the scenario's mount point


def route(path: str) -> tuple[Handler, str, str]:
    """The handler for a path on an ordinary host, with its mount point and the rest.

    `/s/<name>[/rest]` and `/gen/<name>/<token>[/rest]` are scenarios, `/`
    is the home page, `/redirect-to?url=U` an open redirect (302 to U, as
    many real sites have; the address guard is tested through it), anything
    else a generic 200 page.
    """
    if path == "/redirect-to":
        return open_redirect, "", path
    parts = path.split("/")
    depth = MOUNT_DEPTHS.get(parts[1] if len(parts) > 1 else "", 0)
    if not depth or len(parts) < depth:
        return (home_page if path == "/" else fallback_page), "", path
    base = "/".join(parts[:depth])
    return HANDLERS.get(parts[2], unknown_scenario), base, path[len(base) :]


OUTAGE = error(503)


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

    def __init__(self, hosts: Iterable[HostSpec] | None = None, *, port: int = 0, archive: SimArchive | None = None):
        self.hosts = tuple(DEFAULT_HOSTS if hosts is None else hosts)
        if not self.hosts:
            raise ValueError("SimWeb needs at least one host")
        self._whole_sites = {s.host: name for name, s in SCENARIOS.items() if s.host and name in HANDLERS}
        own = [HostSpec(name) for name in self._whole_sites]
        self._served = {spec.name.lower(): spec for spec in [*own, *self.hosts]}
        self.archive = archive
        if archive is not None:
            self._served[archive.host] = HostSpec(archive.host, archive.latency)
        self.log = RequestLog()
        self._visits = Visits()
        self._outages: set[str] = set()
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

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse | None:
        """Logs the request, waits the host's latency and lets the scenario answer."""
        host = host_name(request.headers.get("Host", ""))
        spec = self._served.get(host)
        if spec is None:
            handler, base, rest = unknown_host, "", request.path
        elif host in self._outages:
            handler, base, rest = OUTAGE, "", request.path
        elif self.archive is not None and host == self.archive.host:
            handler, base, rest = self.archive.handle, "", request.path
        elif host in self._whole_sites:
            handler, base, rest = HANDLERS[self._whole_sites[host]], "", request.path
        else:
            handler, base, rest = route(request.path)
        exchange = Exchange(request, host, base, rest, self._visits)
        ticket = self.log.begin(host, request.method, request.raw_path, request.headers)
        try:
            await asyncio.sleep(spec.latency if spec else 0)
            await handler(exchange)
        except ConnectionError:
            pass  # the client left mid-answer; what reached the socket is logged below
        finally:
            self.log.end(ticket, exchange.bytes_sent)
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
        return self._refused.getsockname()[1]

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
            raise RuntimeError("SimWeb serves no archive: use SimWeb(archive=SimArchive())")
        return self.url(self.archive.host, "")

    def resolve_map(self) -> dict[str, str]:
        """Every simulated host name -> 127.0.0.1, for the crawler's resolver."""
        return dict.fromkeys([*self._served, REFUSED_HOST], LOOPBACK)

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

    def reset_state(self) -> None:
        """Forgets which URLs were visited, so flaky-503 and rate-limited-429 fail once again."""
        self._visits.clear()

"""One request and its answer, as the simulated sites and the Wayback Machine see it.

The server, the scenarios and the simulated Wayback Machine all speak
through an `Exchange`: the request as it came, and the ways a server can
answer it (a whole body, a redirect, a body streamed chunk by chunk, no
answer at all, a reset connection). A `Handler` is one behaviour: it gets an
exchange and answers it. Keeping these types here, apart from the server,
lets the catalogue of behaviours and the archive be written without
knowing how they are served.

`bytes_sent` follows what reached the socket, so the request log can tell
a client that stopped after the headers from one that read everything.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping

from aiohttp import web

__all__ = ["HTML", "PLAIN", "Exchange", "Handler", "Visits"]

HTML = "text/html; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"


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


Handler = Callable[[Exchange], Awaitable[None]]  # one behaviour: answers an exchange

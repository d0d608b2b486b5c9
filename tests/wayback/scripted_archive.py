"""The simulated Wayback Machine with answers a test scripts in front of it, and a log of what it was asked.

`ScriptedArchive` is a `SimWayback` (crawler.simweb.wayback) whose requests
are first matched against a script: "answer the next 5 batch requests with
500", "answer the first playback fetch with a bare 429", "answer batches
with this JSON". Everything else is the simulated archive's own answer.
Each request is logged with when it came, what it was (`batch`, `cdx`,
`availability` for the single GET, `playback`), its answer's status and, for
a batch, its lines; tests read pool pacing and what a rerun asked from it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from crawler.simweb import SimWayback
from crawler.simweb.exchange import PLAIN, Exchange
from crawler.simweb.wayback_queries import endpoint_of

__all__ = ["Asked", "ScriptedArchive"]

QUERY_KINDS = frozenset({"batch", "cdx", "availability"})


@dataclass(frozen=True, slots=True)
class Asked:
    """One request the archive answered."""

    at: float  # time.monotonic() when it arrived
    kind: str
    status: int
    lines: tuple[str, ...] = ()  # a batch's queries, one per line

    @property
    def urls(self) -> list[str]:
        return [parse_qs(line)["url"][0] for line in self.lines]


@dataclass
class _Scripted:
    kind: str
    status: int
    body: bytes
    times: int | None  # None: every request of the kind
    skip: int  # requests of the kind to let through first
    delay: float  # seconds before answering (longer than a client's timeout: no answer)


class ScriptedArchive(SimWayback):
    """A `SimWayback` with scripted answers and a log of requests (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._script_lock = threading.Lock()
        self._script: list[_Scripted] = []
        self.asked: list[Asked] = []

    def answer(
        self, kind: str, status: int, body: bytes = b"", *, times: int | None = 1, skip: int = 0, delay: float = 0.0
    ) -> None:
        """The next `times` requests of `kind` (after `skip` of them) get `status` and `body`, `delay` s late."""
        with self._script_lock:
            self._script.append(_Scripted(kind, status, body, times, skip, delay))

    def reset(self) -> None:
        super().reset()
        with self._script_lock:
            self._script.clear()
            self.asked.clear()

    def of(self, *kinds: str, status: int | None = None) -> list[Asked]:
        """The requests of these kinds (all kinds if none), optionally with one status."""
        with self._script_lock:
            return [a for a in self.asked if (not kinds or a.kind in kinds) and status in (None, a.status)]

    def batch_lines(self) -> list[str]:
        """Every URL asked in a batch, in order."""
        return [url for asked in self.of("batch") for url in asked.urls]

    async def handle(self, exchange: Exchange) -> None:
        arrived = time.monotonic()
        kind = endpoint_of(exchange.request.raw_path)
        lines: tuple[str, ...] = ()
        if kind == "availability" and exchange.method == "POST":
            kind = "batch"
            lines = tuple(line for line in (await exchange.request.read()).decode().splitlines() if line.strip())
        scripted = self._scripted(kind)
        if scripted is None:
            await super().handle(exchange)
        else:
            await asyncio.sleep(scripted.delay)
            await exchange.reply(scripted.status, scripted.body, content_type=PLAIN)
        status = exchange.response.status if exchange.response is not None else 0
        with self._script_lock:
            self.asked.append(Asked(arrived, kind, status, lines))

    def _scripted(self, kind: str) -> _Scripted | None:
        with self._script_lock:
            for entry in self._script:
                if entry.kind != kind:
                    continue
                if entry.skip:
                    entry.skip -= 1
                    return None
                if entry.times is not None:
                    entry.times -= 1
                    if entry.times == 0:
                        self._script.remove(entry)
                return entry
        return None

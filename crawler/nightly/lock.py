"""The crawl lock: one nightly crawl at a time on a state database.

`StateStore.open` (crawler.nightly.store) takes it before it touches the
database and `StateStore.close` releases it.

Decisions:
- One crawl at a time: an exclusive `flock` on `<db>.lock`, which holds the
  holder's pid for the message. The kernel drops it when the process dies,
  SIGKILL included, so no stale lock is ever left to clean up.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from crawler.errors import StateError

__all__ = ["CrawlLock"]


class CrawlLock:
    """The exclusive lock on `<db>.lock`, held from `take` to `release`."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor

    @classmethod
    def take(cls, path: Path) -> CrawlLock:
        """Takes the lock for the database at `path` and writes our pid into it; a StateError
        naming the holder's pid when another crawl has it."""
        lock_path = path.with_name(path.name + ".lock")
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(f"cannot create the lock file {lock_path}: {exc.strerror}") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise StateError(f"another rotwatch crawl is using {path} (pid {holder})") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        return cls(descriptor)

    def release(self) -> None:
        """Releases the lock (releasing twice is harmless)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

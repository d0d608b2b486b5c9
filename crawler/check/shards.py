"""Which links one machine checks when a crawl is split over N machines by site.

`rotwatch crawl --shard K/N` checks only the links whose site (registered
domain, `crawler.check.urls.site_of`) hashes to shard K. A site's links all
land on one machine, so the per-site politeness limit holds across machines
by construction: no two machines ever hit the same site at once. The hash is
BLAKE2b of the site name, not Python's `hash`, so every machine and every
run agrees. Links with no site (not http(s), malformed) cost no request and
go to shard 1, so the merged state still records them once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from crawler.check.urls import site_of
from crawler.errors import ConfigError

__all__ = ["Shard"]

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`"2/3"` -> Shard(2, 3); anything else is a usage error that says the form."""
        match = _SHARD.fullmatch(text)
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise ConfigError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. --shard 2/3")
        return cls(int(match.group(1)), int(match.group(2)))

    def takes(self, url: str) -> bool:
        """Whether this shard checks `url`."""
        site = site_of(url) if url.startswith(("http://", "https://")) else ""
        if not site:
            return self.index == 1
        digest = hashlib.blake2b(site.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "big") % self.count == self.index - 1

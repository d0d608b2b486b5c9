"""Running the `rotwatch` CLI as a real process against the simulated web on loopback.

Shared by the end-to-end tests (test_cli_check.py, test_crawl.py); the `web` and
`wayback` fixtures they run against are in conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.simweb import SimWeb, crawl_flags, crawl_overrides


def rotwatch_command(*args: str) -> list[str]:
    """The command line for `rotwatch ARGS` in this interpreter, for tests that need the process itself (Popen)."""
    return [sys.executable, "-m", "crawler.cli", *args]


def rotwatch(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Runs `rotwatch ARGS` in `cwd` as a user would, in a fresh process, and captures its output."""
    return subprocess.run(rotwatch_command(*args), cwd=cwd, capture_output=True, text=True, timeout=120, check=check)


def loopback_flags(web: SimWeb) -> list[str]:
    """Flags that point the CLI at `web`: each simulated host resolves to its loopback address, which is allowed.

    Without --allow-private the address guard refuses loopback, as it should for real links. The archive's
    flags are apart (`archive_flags`), so a test chooses whether lookups reach the simulated archive. The canary
    host (crawler.fetch.canary) is a simulated one, so the run counts as online without asking real DNS.
    """
    return [*web.crawl_flags(archive=False), "--canary-host", next(iter(web.resolve_map()))]


def archive_flags(web: SimWeb) -> list[str]:
    """Flags that send archive lookups to `web`'s simulated Wayback Machine, fast enough not to slow a test.

    The archive is on loopback too, so these allow loopback as well.
    """
    return crawl_flags(crawl_overrides(archive_endpoint=web.archive_endpoint))

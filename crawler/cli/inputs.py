"""Reading the issues a command is given, with one line on stderr per file that cannot be used."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crawler.cli.console import warn
from crawler.errors import ConfigError
from crawler.models import LinkOccurrence

if TYPE_CHECKING:
    from crawler.issues.reading import Issue

__all__ = ["read_links", "read_links_or_fail"]


def read_links(paths: Sequence[str], include_all: bool = False) -> tuple[list[LinkOccurrence], list[Issue]]:
    """The link occurrences and the readable issues under `paths`; problems are reported, the run goes on."""
    from crawler.issues.reading import collect_links

    occurrences, issues, problems = collect_links(paths, include_all=include_all)
    for problem in problems:
        warn(f"{problem.path}: {problem.message}")
    return occurrences, issues


def read_links_or_fail(paths: Sequence[str]) -> tuple[list[LinkOccurrence], list[Issue]]:
    """As read_links, for commands that have nothing to do when no issue could be read (exit 2)."""
    occurrences, issues = read_links(paths)
    if not issues:
        raise ConfigError("no issue could be read")
    return occurrences, issues

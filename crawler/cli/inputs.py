"""Reading the issues a command is given, with one line on stderr per path or file that cannot be used.

Every path given is accounted for: a missing one says so, a folder with no
issue in it says "no .md or .markdown files under <path>" (the usual cause
is a typo or the wrong folder), and each file that cannot be read says why.
A command with nothing to read exits 2 after those lines, the last of them
being its error, as `grep` does with a missing file: no closing "no issue
could be read" that would hide which path was wrong.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.console import warn
from crawler.errors import ConfigError
from crawler.models import LinkOccurrence, Problem

if TYPE_CHECKING:
    from crawler.issues.reading import Issue

__all__ = ["read_links", "read_links_or_fail", "spool_links_or_fail"]


def read_links(paths: Sequence[str], include_all: bool = False) -> tuple[list[LinkOccurrence], list[Issue]]:
    """The link occurrences and the readable issues under `paths`; problems are reported, the run goes on."""
    occurrences: list[LinkOccurrence] = []
    issues, notes = _read(paths, occurrences.extend, include_all)
    for note in notes:
        warn(note)
    return occurrences, issues


def read_links_or_fail(paths: Sequence[str], include_all: bool = False) -> tuple[list[LinkOccurrence], list[Issue]]:
    """As read_links, for commands that have nothing to do when no issue could be read (exit 2)."""
    occurrences: list[LinkOccurrence] = []
    return occurrences, spool_links_or_fail(paths, occurrences.extend, include_all)


def spool_links_or_fail(
    paths: Sequence[str], take: Callable[[list[LinkOccurrence]], None], include_all: bool = False
) -> list[Issue]:
    """As read_links_or_fail, handing each issue's links to `take` as it is read (the nightly
    crawl spools them to disk) and returning the issues."""
    issues, notes = _read(paths, take, include_all)
    if not issues:
        *said, last = notes or ["no issue could be read"]
        for note in said:
            warn(note)
        raise ConfigError(last)
    for note in notes:
        warn(note)
    return issues


def _read(
    paths: Sequence[str], take: Callable[[list[LinkOccurrence]], None], include_all: bool
) -> tuple[list[Issue], list[str]]:
    from crawler.issues.reading import read_archive

    issues, problems = read_archive(paths, take, include_all=include_all)
    notes = [f"{problem.path}: {problem.message}" for problem in problems]
    notes += [f"no .md or .markdown files under {path}" for path in _empty_folders(paths, issues, problems)]
    return issues, notes


def _empty_folders(paths: Sequence[str], issues: Sequence[Issue], problems: Sequence[Problem]) -> list[str]:
    """The folders given in which no issue file was found, readable or not."""
    found = [Path(os.path.abspath(issue.path)) for issue in issues]
    found += [Path(os.path.abspath(problem.path)) for problem in problems]
    return [
        path
        for path in paths
        if Path(path).is_dir() and not any(file.is_relative_to(os.path.abspath(path)) for file in found)
    ]

"""Lines added since a git ref, so CI fails a pull request only for links it adds.

`added_lines` asks git; `parse_added_lines` reads the unified diff and is
pure. Files git does not track yet count as entirely added.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

from crawler.errors import ChangesError
from crawler.models import LinkOccurrence

__all__ = ["added_lines", "only_added", "parse_added_lines"]

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
ALL_LINES: Final = None  # marker: every line of the file is new


def parse_added_lines(diff: str) -> dict[str, set[int]]:
    """File (as named after `+++ b/`) -> numbers of added lines, from `git diff -U0`."""
    added: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = added.setdefault(name[2:], set()) if name.startswith("b/") else None
        elif current is not None and (hunk := HUNK.match(line)):
            start, count = int(hunk.group(1)), int(hunk.group(2) or 1)
            current.update(range(start, start + count))
    return added


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        completed = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ChangesError(f"cannot run git: {exc}") from exc
    if completed.returncode != 0:
        raise ChangesError(completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "git failed")
    return completed.stdout


def added_lines(ref: str, cwd: Path) -> dict[str, set[int] | None]:
    """Paths relative to `cwd` -> added line numbers (None: the whole file is new)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    prefix = cwd.resolve().relative_to(top.resolve()).as_posix()
    diff = _git(["diff", "--no-color", "--unified=0", "--no-ext-diff", ref, "--", "."], cwd)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "--full-name"], cwd).splitlines()
    changes: dict[str, set[int] | None] = {}
    for name, lines in parse_added_lines(diff).items():
        changes[_relative(name, prefix)] = lines
    for name in untracked:
        changes[_relative(name, prefix)] = ALL_LINES
    return changes


def _relative(repo_path: str, prefix: str) -> str:
    if prefix in ("", ".") or not repo_path.startswith(prefix + "/"):
        return repo_path
    return repo_path[len(prefix) + 1 :]


def only_added(occurrences: Iterable[LinkOccurrence], changes: Mapping[str, set[int] | None]) -> list[LinkOccurrence]:
    """The occurrences that stand on added lines."""
    kept = []
    for occurrence in occurrences:
        issue = Path(occurrence.issue).as_posix()
        if issue not in changes:
            continue
        lines = changes[issue]
        if lines is ALL_LINES or occurrence.line in lines:
            kept.append(occurrence)
    return kept

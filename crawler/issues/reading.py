"""Reading issues from disk: the I/O in front of extraction.

Files and folders named on the command line become `Issue`s; a folder is
searched recursively for `*.md` and `*.markdown` (hidden files and folders
skipped, sorted so every run sees the same order). Bad input never raises: a
missing path, an unreadable file or folder, a binary file, text that is
neither UTF-8 nor GB18030, or a file over the size limit each becomes one
`Problem`, and the other files go on. `collect_links` adds extraction and
reports malformed http(s) URLs the same way (the occurrence is left out, so
later stages only see URLs they can request), as well as an issue the
extractor fails on, which would be a rotwatch bug.

An archive is read with every core when it is large: above
`PARALLEL_FROM_BYTES` of Markdown, files are read, dated and extracted by
this process and a worker process per other core (crawler.cores: this
process takes a file whenever each worker has its next ones waiting, so
only the workers' results cross a pipe, and it also spools every file's
links), in the same order and with the same results as one by one. Below it, the workers cost more than
they save (benchmarks/README.md measures the crossover). The pool forks,
only when `crawler.cores.spare_cores` says a worker is safe and gets a core
of its own; otherwise the files are read one by one.
Each distinct URL is validated once per process.

Reading and writing an issue share one encoding decision: an issue is
decoded as UTF-8 (a byte-order mark dropped), else GB18030, and
`encode_like` writes edited text back the same way, byte-order mark
included, so an archival copy differs from its issue only where it was
edited.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from functools import lru_cache, partial
from pathlib import Path

from crawler.check.urls import is_http_url, url_problem
from crawler.cores import spare_cores, taken_in_order
from crawler.issues.dates import date_from_name_or_front_matter
from crawler.issues.extract import extract_links
from crawler.models import LinkKind, LinkOccurrence, Problem

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Issue",
    "collect_links",
    "display_name",
    "encode_like",
    "heading_of",
    "issue_text",
    "publication_date",
    "read_archive",
    "read_issues",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # 20 MiB: far above any real issue
PARALLEL_FROM_BYTES = 4 * 1024 * 1024  # archives from 4 MiB are read by a process per core
ISSUE_SUFFIXES = (".md", ".markdown")
GIT_TIMEOUT = 10  # seconds for `git log` on one file


@dataclass(frozen=True)
class Issue:
    """One newsletter issue as read from disk.

    `name` is how reports and occurrences refer to it: the path relative to
    the current directory when it lies under it (POSIX separators), else the
    path as given. The text is not kept: at a million links an archive's
    text is 150 MB of memory for the hours a crawl lasts, and only the
    archival copies need it again, at the end (`issue_text` reads it back).
    """

    path: Path
    name: str
    published: date | None
    title: str = ""  # the first top-level heading: the name an editor knows the issue by
    stamp: tuple[int, int] = (0, 0)  # size and modification time (ns) when read: `issue_text` checks them


# One file's outcome: the issue (or why it could not be read), its links, its malformed URLs.
_FileLinks = tuple[Issue | Problem, list[LinkOccurrence], list[Problem]]
# The same as it crosses the pipe from a worker: each link as a tuple of its fields but the issue.
_PackedLink = tuple[str, int, int, str, LinkKind, str]
_PackedFileLinks = tuple[Issue | Problem, list[_PackedLink], list[Problem]]


def read_issues(paths: Sequence[str | Path], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Issue], list[Problem]]:
    """Read every issue under `paths` (files or folders).

    Returns the issues in a deterministic order and one Problem per path or
    file that could not be used.
    """
    files, problems = _issue_files(paths)
    issues = []
    for path in files:
        read = _read_issue(path, max_bytes)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            issues.append(read[0])
    return issues, problems


def collect_links(
    paths: Sequence[str | Path], include_all: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[LinkOccurrence], list[Issue], list[Problem]]:
    """The link occurrences of every issue under `paths`.

    Only http(s) links unless `include_all`. An http(s) URL that cannot be
    requested (no host, bad port, ...) is left out and reported as a Problem
    naming the issue and line.
    """
    links: list[LinkOccurrence] = []
    issues, problems = read_archive(paths, links.extend, include_all, max_bytes)
    return links, issues, problems


def read_archive(
    paths: Sequence[str | Path],
    take: Callable[[list[LinkOccurrence]], None],
    include_all: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[list[Issue], list[Problem]]:
    """`collect_links`, handing each issue's links to `take` as it is read instead of
    holding them: the nightly crawl spools a million links to disk (crawler.nightly.plan_spool)."""
    files, problems = _issue_files(paths)
    issues: list[Issue] = []
    for read, found, malformed in _read_all(files, max_bytes, include_all):
        if isinstance(read, Problem):
            problems.append(read)
        else:
            issues.append(read)
        take(found)
        problems += malformed
    return issues, problems


def _read_all(files: list[Path], max_bytes: int, include_all: bool) -> Iterator[_FileLinks]:
    """Each file read and its links collected, in order; by this process and
    a worker process per other core when the archive is large and forking is safe."""
    task = partial(_read_and_collect, max_bytes=max_bytes, include_all=include_all)
    workers = spare_cores()
    if not workers or _total_size(files) < PARALLEL_FROM_BYTES:
        yield from map(task, files)
        return
    yield from taken_in_order(files, task, workers=workers, prepare=_nothing, crossing=(_packed, _unpacked))


def _nothing() -> None:
    """A reading worker opens nothing of its own."""


def _read_and_collect(path: Path, max_bytes: int, include_all: bool) -> _FileLinks:
    read = _read_issue(path, max_bytes)
    if isinstance(read, Problem):
        return read, [], []
    issue, text = read
    found, malformed = _links_in(issue, text, include_all)
    return issue, found, malformed


def _packed(read: _FileLinks) -> _PackedFileLinks:
    """A file's links as a worker hands them back: plain tuples, which cross the pipe several
    times faster than the frozen dataclasses."""
    issue, found, malformed = read
    links = [(link.url, link.line, link.column, link.text, link.kind, link.written) for link in found]
    return issue, links, malformed


def _unpacked(packed: _PackedFileLinks) -> _FileLinks:
    read, links, malformed = packed
    issue = read.name if isinstance(read, Issue) else read.path
    found = [
        LinkOccurrence(url, issue, line, column, text, kind, written)
        for url, line, column, text, kind, written in links
    ]
    return read, found, malformed


def _total_size(files: list[Path]) -> int:
    total = 0
    for path in files:
        with suppress(OSError):  # reported when the file is read
            total += path.stat().st_size
    return total


def publication_date(path: Path, text: str) -> date | None:
    """When the issue came out: a `YYYY-MM-DD` file-name prefix, else the
    front matter's `date:`, else the date of the file's last git commit."""
    return date_from_name_or_front_matter(path.name, text) or _last_commit_date(path)


def display_name(path: Path) -> str:
    """`path` relative to the current directory when under it, else as given.

    String operations, not `Path.relative_to`: asked for every file read, and
    a third of the time of reading a small issue went to it.
    """
    absolute, folder = os.path.abspath(path), os.getcwd()
    if absolute == folder:
        return "."
    under = absolute.removeprefix(folder.rstrip(os.sep) + os.sep)
    return under.replace(os.sep, "/") if under != absolute else path.as_posix()


def _links_in(issue: Issue, text: str, include_all: bool) -> tuple[list[LinkOccurrence], list[Problem]]:
    try:
        found = extract_links(text, issue.name)
    except Exception as error:  # a parser bug must not stop the run: report it, go on
        message = f"links could not be read ({type(error).__name__}: {error}); please report this rotwatch bug"
        return [], [Problem(issue.name, message)]
    links: list[LinkOccurrence] = []
    problems: list[Problem] = []
    for link in found:
        why = _url_error(link.url)
        if why is None:
            links.append(link)
        elif why is _NOT_HTTP:
            if include_all:
                links.append(link)
        else:
            problems.append(Problem(link.issue, f"line {link.line}: malformed URL {link.written!r}: {why}"))
    return links, problems


_NOT_HTTP = "not an http(s) URL"


@lru_cache(maxsize=1 << 16)
def _url_error(url: str) -> str | None:
    """Why `url` cannot be requested, `_NOT_HTTP` when it is no http(s) URL,
    or None: asked once per distinct URL."""
    return url_problem(url) if is_http_url(url) else _NOT_HTTP


def _issue_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read, each once (first spelling wins), in the order given."""
    files: dict[Path, Path] = {}  # absolute path -> path as found
    problems: list[Problem] = []
    for given in map(Path, paths):
        if given.is_dir():
            found, unreadable = _files_in_folder(given)
            problems += unreadable
        elif given.is_file():
            found = [given]
        else:
            reason = "not a regular file or folder" if given.exists() else "no such file or folder"
            problems.append(Problem(display_name(given), reason))
            continue
        for path in found:
            files.setdefault(Path(os.path.abspath(path)), path)
    return list(files.values()), problems


def _files_in_folder(folder: Path) -> tuple[list[Path], list[Problem]]:
    """Markdown files under `folder`, recursively, sorted; hidden entries skipped."""
    problems: list[Problem] = []

    def report(error: OSError) -> None:
        problems.append(Problem(display_name(Path(error.filename)), f"cannot read folder: {error.strerror}"))

    found = []
    for root, folders, names in os.walk(folder, onerror=report):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [
            Path(root, name) for name in names if not name.startswith(".") and name.lower().endswith(ISSUE_SUFFIXES)
        ]
    return sorted(found), problems


def _read_issue(path: Path, max_bytes: int) -> tuple[Issue, str] | Problem:
    name = display_name(path)
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            size = status.st_size
            if size > max_bytes:  # checked before reading: the file is never loaded
                return Problem(name, f"{_megabytes(size)} is over the {_megabytes(max_bytes)} limit; skipped")
            data = file.read()
    except OSError as error:
        return Problem(name, f"cannot read file: {error.strerror or error}")
    if b"\0" in data:
        return Problem(name, "binary file (it contains NUL bytes; UTF-16 text is not supported); skipped")
    decoded = _decoded(data)
    if decoded is None:
        return Problem(name, "not UTF-8 or GB18030 text; skipped")
    text = decoded[0]
    return Issue(path, name, publication_date(path, text), heading_of(text), (size, status.st_mtime_ns)), text


def heading_of(text: str) -> str:
    """An issue's first top-level heading (`# ...`), or "" when it has none."""
    found = _HEADING.search(text)
    return found[1].strip() if found else ""


_HEADING = re.compile(r"(?:^|(?<=[\r\n]))# ([^\r\n]*)")  # a line starting "# ", found without splitting the text


def issue_text(issue: Issue) -> str | None:
    """The issue's text, read again from disk; None when the file changed (or went)
    since it was read: its links' lines and columns would no longer match it."""
    try:
        with issue.path.open("rb") as file:
            status = os.fstat(file.fileno())
            if (status.st_size, status.st_mtime_ns) != issue.stamp:
                return None
            data = file.read()
    except OSError:
        return None
    decoded = _decoded(data)
    return decoded[0] if decoded else None


def encode_like(original: bytes, text: str) -> bytes:
    """`text` encoded the way the `original` bytes of an issue are.

    An edited issue (an archival copy) is written back as its editor saved
    it: UTF-8 with its byte-order mark when it had one, UTF-8, or GB18030;
    GB18030 too for bytes no issue could be read from. So
    `encode_like(data, _decoded(data)[0]) == data` for every readable issue.
    """
    return text.encode(_encoding_of(original) or "gb18030")


def _encoding_of(data: bytes) -> str | None:
    """The codec an issue is written in (see `_decoded`); None when it is neither."""
    decoded = _decoded(data)
    return decoded[1] if decoded else None


def _decoded(data: bytes) -> tuple[str, str] | None:
    """The text of an issue and its codec, the one decision for reading and writing.

    UTF-8 first, then GB18030, which older Chinese editors save; "utf-8-sig" for UTF-8 behind a byte-order mark
    (Python's codec drops the mark when decoding and writes it when encoding).
    None when the bytes are neither. The bytes are decoded once.
    """
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
            return text[1:], "utf-8-sig"
        return text, encoding
    return None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _last_commit_date(path: Path) -> date | None:
    """Date of the last commit touching `path`; None outside git or on any failure."""
    if not _in_git_work_tree(path.parent):  # git would say so too, one process per file
        return None
    stamp = _git(["log", "-1", "--format=%cs", "--", path.name], path.parent)  # empty for an untracked file
    return date.fromisoformat(stamp) if stamp else None


@lru_cache(maxsize=256)
def _in_git_work_tree(folder: Path) -> bool:
    """Whether `folder` lies in a git work tree; asked once per folder."""
    return _git(["rev-parse", "--is-inside-work-tree"], folder) == "true"


def _git(arguments: list[str], folder: Path) -> str | None:
    """What `git ARGUMENTS` run in `folder` prints, stripped; None when it fails."""
    try:
        done = subprocess.run(
            ["git", *arguments], cwd=folder, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):  # no git, or it hung
        return None
    return done.stdout.strip() if done.returncode == 0 else None

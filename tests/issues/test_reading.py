"""Tests for crawler/issues/reading.py: reading issues and collecting their links."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import crawler.issues.reading
from crawler.issues.reading import (
    Issue,
    collect_links,
    encode_like,
    issue_text,
    publication_date,
    read_issues,
)
from crawler.models import LinkKind, Problem

REPO = Path(__file__).parents[2]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary current directory, so display names are relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def names(issues: list[Issue]) -> list[str]:
    return [issue.name for issue in issues]


def test_public_names_are_pinned() -> None:
    assert crawler.issues.reading.__all__ == [
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


# -- Finding issues -----------------------------------------------------------------


def test_folder_is_read_recursively_sorted_skipping_hidden_and_other_files(here: Path) -> None:
    for name in ["b.md", "a.markdown", "sub/c.md", "sub/deeper/d.MD", ".hidden/e.md", ".f.md", "notes.txt"]:
        write(here / "issues" / name, "# x")

    issues, problems = read_issues(["issues"])

    assert names(issues) == ["issues/a.markdown", "issues/b.md", "issues/sub/c.md", "issues/sub/deeper/d.MD"]
    assert problems == []


def test_files_and_folders_mix_and_each_file_is_read_once(here: Path) -> None:
    write(here / "issues/a.md", "a")
    write(here / "extra.md", "e")

    issues, _ = read_issues(["extra.md", "issues", "./issues/a.md", here / "extra.md"])

    assert names(issues) == ["extra.md", "issues/a.md"]
    assert issue_text(issues[0]) == "e"


def test_name_outside_the_current_directory_is_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue = write(tmp_path / "outside" / "a.md", "a")
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")

    issues, _ = read_issues([issue])

    assert names(issues) == [issue.as_posix()]


def test_missing_path_is_one_problem_and_the_rest_goes_on(here: Path) -> None:
    write(here / "a.md", "a")

    issues, problems = read_issues(["missing.md", "a.md", "gone/"])

    assert names(issues) == ["a.md"]
    assert problems == [
        Problem("missing.md", "no such file or folder"),
        Problem("gone", "no such file or folder"),
    ]


# -- Reading files -------------------------------------------------------------------


def test_binary_file_is_reported(here: Path) -> None:
    write(here / "issues/image.md", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(here / "issues/ok.md", "ok")

    issues, problems = read_issues(["issues"])

    assert names(issues) == ["issues/ok.md"]
    assert [(p.path, "binary" in p.message) for p in problems] == [("issues/image.md", True)]


def test_utf8_bom_is_dropped_and_gb18030_is_decoded(here: Path) -> None:
    write(here / "bom.md", "\ufeff[链接](https://x.org/)".encode())
    write(here / "gb.md", "导读：[链接](https://x.org/)".encode("gb18030"))

    issues, problems = read_issues(["bom.md", "gb.md"])

    assert [issue_text(issue) for issue in issues] == ["[链接](https://x.org/)", "导读：[链接](https://x.org/)"]
    assert problems == []


def test_text_in_neither_encoding_is_reported(here: Path) -> None:
    write(here / "bad.md", b"caf\xe9 \xff\xfe\x80")

    issues, problems = read_issues(["bad.md"])

    assert issues == []
    assert problems == [Problem("bad.md", "not UTF-8 or GB18030 text; skipped")]


# -- Writing an edited issue back ----------------------------------------------------

EDITED = "导读：[链接](https://web.archive.org/web/2024/https://x.org/)\r\n"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("\ufeff导读：[链接](https://x.org/)".encode(), b"\xef\xbb\xbf" + EDITED.encode("utf-8")),
        ("导读：[链接](https://x.org/)".encode(), EDITED.encode("utf-8")),
        (b"[plain ASCII](https://x.org/)", EDITED.encode("utf-8")),
        ("导读：[链接](https://x.org/)".encode("gb18030"), EDITED.encode("gb18030")),
        (b"caf\xe9 \xff\xfe\x80", EDITED.encode("gb18030")),
    ],
    ids=["utf-8 with byte-order mark", "utf-8", "ascii", "gb18030", "neither"],
)
def test_edited_text_is_encoded_like_the_original(original: bytes, expected: bytes) -> None:
    assert encode_like(original, EDITED) == expected


def test_the_byte_order_mark_is_written_once() -> None:
    assert encode_like(b"\xef\xbb\xbfa", "b") == b"\xef\xbb\xbfb"


_ISSUE_BYTES = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=20).map(str.encode),
    st.text(max_size=20).map(lambda text: b"\xef\xbb\xbf" + text.encode()),
    st.text(alphabet=st.characters(codec="gb18030"), max_size=20).map(lambda text: text.encode("gb18030")),
)


@settings(max_examples=200, deadline=None)
@given(_ISSUE_BYTES)
@example(b"\xef\xbb\xbf\xa1")  # not UTF-8 behind what looks like a byte-order mark: GB18030 throughout
def test_an_issue_read_and_written_back_unedited_is_byte_for_byte_the_same(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "issue.md", data)
        issues, _ = read_issues([path])
        text = issue_text(issues[0]) if issues else None
    if issues:
        assert text is not None and encode_like(data, text) == data


def test_file_over_the_size_limit_is_reported(here: Path) -> None:
    write(here / "big.md", "x" * 2048)
    write(here / "small.md", "x" * 1024)

    issues, problems = read_issues(["big.md", "small.md"], max_bytes=1024)

    assert names(issues) == ["small.md"]
    assert [p.path for p in problems] == ["big.md"]
    assert "over the" in problems[0].message


def test_50_mb_file_is_skipped_without_being_loaded(here: Path) -> None:
    with open(here / "huge.md", "wb") as huge:
        huge.truncate(50 * 1024 * 1024)  # sparse: costs no disk

    tracemalloc.start()
    try:
        issues, problems = read_issues(["huge.md"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert issues == []
    assert problems == [Problem("huge.md", "50.0 MB is over the 20.0 MB limit; skipped")]
    assert peak < 1024 * 1024


def test_unreadable_file_is_reported(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated: the tests may run as root, for whom permission bits do not bind.
    write(here / "locked.md", "x")
    write(here / "ok.md", "x")
    real_open = Path.open

    def open_(path: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if path.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", open_)

    issues, problems = read_issues(["locked.md", "ok.md"])

    assert names(issues) == ["ok.md"]
    assert problems == [Problem("locked.md", "cannot read file: Permission denied")]


def test_unreadable_folder_is_reported(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(here / "issues/locked/a.md", "x")
    write(here / "issues/b.md", "x")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]):  # type: ignore[no-untyped-def]
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    issues, problems = read_issues(["issues"])

    assert names(issues) == ["issues/b.md"]
    assert problems == [Problem("issues/locked", "cannot read folder: Permission denied")]


def test_a_file_the_system_refuses_to_read_is_reported_and_the_rest_read(here: Path) -> None:
    """An issue whose bytes the kernel will not hand over, to any user: a link to the
    reading process's own /proc/self/mem, a regular file whose first page is unmapped
    (EIO). So this runs in CI as root, where a mode-0 file would be read anyway."""
    (here / "locked.md").symlink_to("/proc/self/mem")
    write(here / "open.md", "* <https://example.com/>")

    issues, problems = read_issues(["locked.md", "open.md"])

    assert names(issues) == ["open.md"]
    assert problems == [Problem("locked.md", "cannot read file: Input/output error")]


# -- Publication dates -----------------------------------------------------------------


def test_real_issue_is_dated_by_its_name() -> None:
    issue = REPO / "issues" / "2024-03-27-ai-deca-show.md"
    assert publication_date(issue, issue.read_text(encoding="utf-8")) == date(2024, 3, 27)


def test_front_matter_date_when_the_name_has_none(tmp_path: Path) -> None:
    path = write(tmp_path / "show.md", "---\ndate: 2024-04-03\n---\n")
    assert publication_date(path, path.read_text()) == date(2024, 4, 3)


def test_last_commit_date_when_name_and_front_matter_have_none(tmp_path: Path) -> None:
    path = write(tmp_path / "repo" / "issues" / "show.md", "# no date here")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    stamp = "2023-05-06T12:00:00+00:00"
    env = {**os.environ, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}
    repo = tmp_path / "repo"
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], cwd=repo, check=True, env=env)

    assert publication_date(path, path.read_text()) == date(2023, 5, 6)


def test_no_date_outside_git(tmp_path: Path) -> None:
    path = write(tmp_path / "show.md", "# no date here")
    assert publication_date(path, path.read_text()) is None


# -- Collecting links ----------------------------------------------------------------------


def test_collect_links_keeps_http_only_unless_asked(here: Path) -> None:
    write(here / "2024-01-02-a.md", "[web](https://x.org/) [mail](mailto:me@x.org) [rel](other.md)")

    links, issues, problems = collect_links(["."])
    everything, _, _ = collect_links(["."], include_all=True)

    assert [link.url for link in links] == ["https://x.org/"]
    assert [link.url for link in everything] == ["https://x.org/", "mailto:me@x.org", "other.md"]
    assert [(issue.name, issue.published) for issue in issues] == [("2024-01-02-a.md", date(2024, 1, 2))]
    assert problems == []


def test_malformed_url_is_a_problem_naming_file_and_line_and_the_rest_goes_on(here: Path) -> None:
    write(here / "a.md", "fine [a](https://x.org/)\n\nbad [b](http://x.org:99999/) and <http://[broken>\n")
    write(here / "b.md", "[c](https://y.org/)")

    links, _, problems = collect_links(["a.md", "b.md", "missing.md"])

    assert [link.url for link in links] == ["https://x.org/", "https://y.org/"]
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [
        ("missing.md", "no such file or folder"),
        ("a.md", "line 3"),
        ("a.md", "line 3"),
    ]
    assert "'http://x.org:99999/'" in problems[1].message


def test_collect_links_from_the_real_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)

    links, issues, problems = collect_links(["issues/2024-03-27-ai-deca-show.md"])

    assert len(links) == 34
    assert {link.kind for link in links} == {LinkKind.LINK, LinkKind.IMAGE}
    assert links[0].issue == issues[0].name == "issues/2024-03-27-ai-deca-show.md"
    assert problems == []


def test_an_extraction_failure_is_one_problem_and_the_rest_goes_on(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(here / "a.md", "[a](https://x.org/)")
    write(here / "b.md", "[b](https://y.org/)")
    real_extract = crawler.issues.reading.extract_links

    def extract(text: str, issue: str):  # type: ignore[no-untyped-def]
        if issue == "a.md":
            raise RecursionError("maximum recursion depth exceeded")
        return real_extract(text, issue)

    monkeypatch.setattr(crawler.issues.reading, "extract_links", extract)

    links, _, problems = collect_links(["a.md", "b.md"])

    assert [link.url for link in links] == ["https://y.org/"]
    assert [problem.path for problem in problems] == ["a.md"]
    assert "RecursionError" in problems[0].message


def test_a_large_archive_read_by_a_process_per_core_gives_what_one_process_gives(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(24):
        body = f"详见https://x.org/{number}了解 [链接](https://y.org/{number}) ![图](https://i.org/{number}.png)\n"
        write(here / "issues" / f"2024-01-{number + 1:02}-issue.md", body * 20 + "[bad](http://x.org:99999/)\n")
    write(here / "issues" / "binary.md", b"\0")
    alone = collect_links(["issues"])

    monkeypatch.setattr(crawler.issues.reading, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # whatever else this machine runs
    pooled = collect_links(["issues"])

    assert pooled == alone
    assert len(alone[0]) == 24 * 60 and len(alone[2]) == 24 + 1


# Run in a fresh process: the pool is used only while no other thread runs, and
# other tests leave threads behind.
_LOAD_SCRIPT = """
import logging, os, sys
import crawler.issues.reading as reading

log = logging.getLogger("crawler")  # crawler.cores decides, crawler.issues.reading reads
log.setLevel(logging.DEBUG)
log.addHandler(logging.StreamHandler(sys.stdout))
reading.PARALLEL_FROM_BYTES = 0
os.cpu_count = lambda: 2
found = []
for load in (2.0, 1.9):  # both cores busy over the last minute, then not quite
    os.getloadavg = lambda load=load: (load, 3.0, 3.0)
    found.append(reading.collect_links(["issues"])[0])
print(len(found[0]), found[0] == found[1])
"""


def test_a_busy_machine_reads_a_large_archive_in_this_process(here: Path) -> None:
    for number in range(4):
        write(here / "issues" / f"2024-01-{number + 1:02}-issue.md", f"[链接](https://y.org/{number})\n")

    done = subprocess.run([sys.executable, "-c", _LOAD_SCRIPT], capture_output=True, text=True, check=True)

    assert done.stdout.splitlines() == [
        "load average 2.0 on 2 cores: no worker processes",
        "1 worker process",
        "4 True",
    ]


def test_a_folder_outside_git_costs_one_git_call_not_one_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.md", "b.md", "c.md"):
        write(tmp_path / "plain" / name, "# no date here")
    calls: list[list[str]] = []
    real_run = subprocess.run

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return real_run(command, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "run", run)
    issues, _ = read_issues([tmp_path / "plain"])

    assert [issue.published for issue in issues] == [None, None, None]
    assert [command[1] for command in calls] == ["rev-parse"]

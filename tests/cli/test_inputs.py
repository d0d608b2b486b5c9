"""crawler/cli/inputs.py: issues read, one line per problem, no issue at all a usage error."""

from __future__ import annotations

import pytest

import crawler.cli.exit_codes
import crawler.cli.inputs
from crawler.cli.inputs import read_links, read_links_or_fail
from crawler.errors import ConfigError


def test_public_names_are_pinned():
    assert sorted(crawler.cli.inputs.__all__) == ["read_links", "read_links_or_fail", "spool_links_or_fail"]
    assert sorted(crawler.cli.exit_codes.__all__) == [
        "EXIT_BROKEN_PIPE",
        "EXIT_CODES_HELP",
        "EXIT_FAILING",
        "EXIT_INTERRUPTED",
        "EXIT_OFFLINE",
        "EXIT_OK",
        "EXIT_USAGE",
    ]


def test_problems_are_reported_and_the_readable_issues_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("see <https://a.test/> and <ftp://b.test/>\n", encoding="utf-8")
    occurrences, issues = read_links(["a.md", "missing.md"])
    assert [o.url for o in occurrences] == ["https://a.test/"]
    assert [issue.name for issue in issues] == ["a.md"]
    assert capsys.readouterr().err == "rotwatch: missing.md: no such file or folder\n"
    assert len(read_links(["a.md"], include_all=True)[0]) == 2


def test_no_readable_issue_is_a_usage_error_naming_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^missing\.md: no such file or folder$"):
        read_links_or_fail(["missing.md"])


def test_an_empty_folder_says_it_holds_no_issue_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("https://a.test/\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^no \.md or \.markdown files under empty$"):
        read_links_or_fail(["empty"])


def test_each_path_given_is_accounted_for_the_last_line_being_the_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"^no \.md or \.markdown files under empty$"):
        read_links_or_fail(["missing", "empty"])
    assert capsys.readouterr().err == "rotwatch: missing: no such file or folder\n"


def test_an_empty_folder_beside_a_full_one_is_named_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues" / "2024").mkdir(parents=True)
    (tmp_path / "issues" / "2024" / "a.md").write_text("<https://a.test/>\n", encoding="utf-8")
    (tmp_path / "drafts").mkdir()
    _, issues = read_links_or_fail(["issues", "issues/2024", "drafts"])
    assert [issue.name for issue in issues] == ["issues/2024/a.md"]
    assert capsys.readouterr().err == "rotwatch: no .md or .markdown files under drafts\n"


def test_a_folder_of_unreadable_issues_is_not_called_empty(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_bytes(b"\0binary")
    with pytest.raises(ConfigError, match="binary file"):
        read_links_or_fail(["issues"])
    assert capsys.readouterr().err == ""

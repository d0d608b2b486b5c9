"""crawler/cli/inputs.py: issues read, one line per problem, no issue at all a usage error."""

from __future__ import annotations

import pytest

import crawler.cli.exit_codes
import crawler.cli.inputs
from crawler.cli.inputs import read_links, read_links_or_fail
from crawler.errors import ConfigError


def test_public_names_are_pinned():
    assert sorted(crawler.cli.inputs.__all__) == ["read_links", "read_links_or_fail"]
    assert sorted(crawler.cli.exit_codes.__all__) == ["EXIT_FAILING", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE"]


def test_problems_are_reported_and_the_readable_issues_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("see <https://a.test/> and <ftp://b.test/>\n", encoding="utf-8")
    occurrences, issues = read_links(["a.md", "missing.md"])
    assert [o.url for o in occurrences] == ["https://a.test/"]
    assert [issue.name for issue in issues] == ["a.md"]
    assert capsys.readouterr().err == "rotwatch: missing.md: no such file or folder\n"
    assert len(read_links(["a.md"], include_all=True)[0]) == 2


def test_no_readable_issue_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no issue could be read"):
        read_links_or_fail(["missing.md"])

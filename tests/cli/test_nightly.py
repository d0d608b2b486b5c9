"""crawler/cli/nightly.py in-process (the crawls themselves run as real processes in tests/nightly/test_crawl.py)."""

from __future__ import annotations

import crawler.cli.nightly
from crawler.cli.main import main
from crawler.nightly.store import StateStore


def test_public_names_are_pinned():
    assert sorted(crawler.cli.nightly.__all__) == [
        "CrawlArguments",
        "DemoArguments",
        "HistoryArguments",
        "ReportArguments",
        "print_crawl_summary",
        "run_crawl",
        "run_demo",
        "run_history",
        "run_report",
    ]


def test_history_of_an_unknown_url_exits_2_naming_the_state(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    StateStore.open(tmp_path / "s.sqlite").close()  # a crawl made it; the URL was never cited
    assert main(["history", "https://a.test/x", "--state", "s.sqlite"]) == 2
    assert capsys.readouterr().err == (
        "rotwatch: https://a.test/x is not in s.sqlite (give the URL as the issue writes it)\n"
    )


def test_report_without_issues_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 2
    assert capsys.readouterr().err.endswith("rotwatch: no issue could be read\n")


def test_a_state_file_that_is_not_a_database_exits_2_with_the_stores_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text("<https://a.test/>\n", encoding="utf-8")
    (tmp_path / "s.sqlite").write_bytes(b"not a database, not at all" * 100)
    assert main(["report", "--state", "s.sqlite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rotwatch: ") and err.count("\n") == 1 and "s.sqlite" in err

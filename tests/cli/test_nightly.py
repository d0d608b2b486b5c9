"""crawler/cli/nightly.py: in-process for the state's errors, real crawls of the simulated web for the rest."""

from __future__ import annotations

import json
import re

import pytest

import crawler.cli.nightly
from crawler.cli.main import main
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec
from tests.cli_helpers import loopback_flags, rotwatch

# Served to this module by the `web` fixture in conftest.py.
HOSTS = [HostSpec(f"site{n}.test", latency=0.0) for n in range(8)]


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


@pytest.mark.parametrize(
    "argv", [["report", "--state", "s.sqlite"], ["history", "https://a.test/x", "--state", "s.sqlite"]]
)
def test_without_a_state_database_report_and_history_say_so_and_make_none(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text("<https://a.test/>\n", encoding="utf-8")
    assert main(argv) == 2
    assert (
        capsys.readouterr().err
        == "rotwatch: no state database at s.sqlite: `rotwatch crawl` creates it (or name it with --state)\n"
    )
    assert not (tmp_path / "s.sqlite").exists()


def test_report_without_issues_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report"]) == 2
    assert (
        capsys.readouterr().err
        == "rotwatch: no issues/ folder here: give the folder of your issues (rotwatch report PATH)\n"
    )


def test_a_state_file_that_is_not_a_database_exits_2_with_the_stores_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "issues").mkdir()
    (tmp_path / "issues" / "a.md").write_text("<https://a.test/>\n", encoding="utf-8")
    (tmp_path / "s.sqlite").write_bytes(b"not a database, not at all" * 100)
    assert main(["report", "--state", "s.sqlite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rotwatch: ") and err.count("\n") == 1 and "s.sqlite" in err


def write_links(tmp_path, web, name, numbers):
    (tmp_path / "issues").mkdir(exist_ok=True)
    lines = [f"* [{n}]({web.url(f'site{n % 8}.test', f'/page/{n}')})" for n in numbers]
    (tmp_path / "issues" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_progress_counts_the_links_due_tonight(tmp_path, web):
    write_links(tmp_path, web, "2024-01-01-a.md", range(100))
    assert rotwatch("crawl", "--no-archive", *loopback_flags(web), cwd=tmp_path).returncode == 0
    write_links(tmp_path, web, "2024-01-08-b.md", range(100, 310))
    run = rotwatch("crawl", "--no-archive", *loopback_flags(web), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    checked = int(re.search(r"checked (\d+) links", run.stdout)[1])
    assert 210 <= checked < 310
    totals = {int(total) for total in re.findall(r"^checking: \d+/(\d+)$", run.stderr, re.MULTILINE)}
    assert totals == {checked}
    assert f"checking: {checked}/{checked}" in run.stderr


RULE = """
[[rule]]
name = "placeholder-pages"
hosts = ["site1.test"]
final_url = "/page/1$"
verdict = "broken"
reason = "this page is a placeholder, not the article"
"""


def test_a_users_rule_from_the_config_files_folder_decides_in_a_crawl(tmp_path, web):
    write_links(tmp_path, web, "2024-01-01-a.md", [1, 2])
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "rotwatch.toml").write_text('rules = ["site-rules.toml"]\n', encoding="utf-8")
    (tmp_path / "ci" / "site-rules.toml").write_text(RULE, encoding="utf-8")
    flags = ["--no-archive", "--config", "ci/rotwatch.toml", *loopback_flags(web)]
    run = rotwatch("crawl", *flags, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    links = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))["links"]
    verdicts = {link["url"].rsplit("/", 1)[1]: (link["verdict"], link["reason"]) for link in links}
    assert verdicts["1"] == ("broken", "this page is a placeholder, not the article")
    assert verdicts["2"][0] == "ok"
    assert "newly dead: 1" in run.stdout

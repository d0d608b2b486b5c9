"""`rotwatch report` and `rotwatch history` only read the state: no file created, none changed, no lock."""

from __future__ import annotations

import hashlib
from pathlib import Path

from crawler.models import Assessment, CheckResult, Verdict
from crawler.nightly.store import StateStore
from tests.cli_helpers import rotwatch

URL = "https://example.com/a"


def issues_folder(tmp_path: Path) -> Path:
    issues = tmp_path / "issues"
    issues.mkdir()
    (issues / "2024-03-27-weekly.md").write_text(f"* [a]({URL})\n", encoding="utf-8")
    return issues


def crawled_state(tmp_path: Path) -> Path:
    """A state database holding one finished run in which URL was found broken."""
    path = tmp_path / "reports" / "state.sqlite"
    with StateStore.open(path) as store:
        run = store.begin_run({})
        store.record_sightings(run.id, [URL])
        store.record_results(run.id, [(CheckResult(URL, 404), Assessment(Verdict.BROKEN, "404 Not Found"))])
        store.finish_run(run.id, {"broken": 1})
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_misspelt_state_file_is_an_error_not_a_new_empty_database(tmp_path):
    issues_folder(tmp_path)
    for command in (["report", "--state", "typo.sqlite"], ["history", URL, "--state", "none.sqlite"]):
        run = rotwatch(*command, cwd=tmp_path)
        assert run.returncode == 2
        assert "no state database at" in run.stderr
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "typo.sqlite").exists()
    assert not (tmp_path / "none.sqlite").exists()
    assert not (tmp_path / "reports" / "index.html").exists()


def test_report_and_history_read_while_a_crawl_holds_the_state(tmp_path):
    issues_folder(tmp_path)
    path = crawled_state(tmp_path)
    before = digest(path)
    with StateStore.open(path):  # a crawl is running: it holds the lock
        report = rotwatch("report", "--state", str(path), cwd=tmp_path)
        history = rotwatch("history", URL, "--state", str(path), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "reports" / "index.html").is_file()
    assert history.returncode == 0, history.stderr
    assert "404 Not Found" in history.stdout
    assert digest(path) == before

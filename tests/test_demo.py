"""`rotwatch demo` (crawler/demo.py): what a new user sees first reads like their own archive,
and shows what rotwatch does beyond a link checker: drift and a second archive."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crawler.demo import SECOND_ARCHIVE
from tests.cli_helpers import rotwatch


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One run of `rotwatch demo`, in its own process: the demo runs its own reactor."""
    run = rotwatch("demo", cwd=tmp_path_factory.mktemp("demo"))
    assert run.returncode == 0, run.stderr
    return run


def reports_of(run: subprocess.CompletedProcess[str]) -> Path:
    return Path(run.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent


def report_of(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return json.loads((reports_of(run) / "report.json").read_text(encoding="utf-8"))


def test_the_demo_names_issues_as_an_editor_would_not_by_a_temporary_path(demo):
    issues = {occurrence["issue"] for link in report_of(demo)["links"] for occurrence in link["occurrences"]}
    assert issues and all(issue.startswith("issues/") for issue in issues), issues
    assert "rotwatch-demo-" not in (reports_of(demo) / "index.html").read_text(encoding="utf-8")


def test_the_demo_mends_a_dead_link_from_the_second_archive_with_its_name(demo):
    reports = reports_of(demo)
    links = report_of(demo)["links"]
    (mended,) = [link for link in links if (link["archive"] or {}).get("archive") == SECOND_ARCHIVE]
    assert mended["url"].endswith("/gone") and mended["capture_status"] == "found"
    assert SECOND_ARCHIVE in mended["archive"]["url"]
    assert f"mended from {SECOND_ARCHIVE}, which the Wayback Machine lacked: 1" in demo.stdout
    copy = (reports / "archive" / "2024-03-20-weekly.md").read_text(encoding="utf-8")
    assert mended["archive"]["url"] in copy
    with sqlite3.connect(reports / "state.sqlite") as db:
        stored = db.execute(
            "SELECT url, archive, memento_url FROM archive_answers WHERE archive = ?", (SECOND_ARCHIVE,)
        )
        assert stored.fetchall() == [(mended["url"], SECOND_ARCHIVE, mended["archive"]["url"])]
    history = rotwatch("history", mended["url"], "--state", str(reports / "state.sqlite"), cwd=reports)
    assert f"archive capture {mended['archive']['timestamp']} in {SECOND_ARCHIVE}" in history.stdout, history.stderr


def test_the_demo_shows_a_taken_over_link_as_drifted_and_mends_it_from_its_capture(demo):
    assert "drifted (working, but now another page): 1" in demo.stdout
    report = report_of(demo)
    (drifted,) = [link for link in report["links"] if link["drift"] is not None]
    drift = drifted["drift"]
    assert drift["kind"] == "takeover" and drift["then"] and drift["now"] and drift["then"] != drift["now"]
    assert "/web/20240108000000/http://taken-over.test:" in drift["capture"]  # the capture before the issue
    assert report["drifted"]["takeover"] == 1
    january = (reports_of(demo) / "archive" / "2024-01-10-weekly.md").read_text(encoding="utf-8")
    assert drift["capture"] in january

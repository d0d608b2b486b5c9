"""`rotwatch demo` (crawler/demo.py): what a new user sees first reads like their own archive."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_helpers import rotwatch


def test_the_demo_names_issues_as_an_editor_would_not_by_a_temporary_path(tmp_path):
    run = rotwatch("demo", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    index = Path(run.stdout.strip().splitlines()[-1].removeprefix("report: "))
    report = json.loads((index.parent / "report.json").read_text(encoding="utf-8"))
    issues = {occurrence["issue"] for link in report["links"] for occurrence in link["occurrences"]}
    assert issues and all(issue.startswith("issues/") for issue in issues), issues
    assert "rotwatch-demo-" not in index.read_text(encoding="utf-8")


def test_the_demo_mends_a_dead_link_from_the_second_archive_with_its_name(tmp_path):
    import sqlite3

    from crawler.demo import SECOND_ARCHIVE

    run = rotwatch("demo", cwd=tmp_path)  # its own process: the demo runs its own reactor
    assert run.returncode == 0, run.stderr
    reports = Path(run.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    (mended,) = [link for link in report["links"] if SECOND_ARCHIVE in ((link["archive"] or {}).get("url") or "")]
    assert mended["url"].endswith("/gone") and mended["capture_status"] == "found"
    copy = (reports / "archive" / "2024-03-20-weekly.md").read_text(encoding="utf-8")
    assert mended["archive"]["url"] in copy
    with sqlite3.connect(reports / "state.sqlite") as db:
        stored = db.execute(
            "SELECT url, archive, memento_url FROM archive_answers WHERE archive = ?", (SECOND_ARCHIVE,)
        )
        assert stored.fetchall() == [(mended["url"], SECOND_ARCHIVE, mended["archive"]["url"])]

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


def test_the_demo_shows_a_taken_over_link_as_drifted_and_mends_it_from_its_capture(tmp_path):
    run = rotwatch("demo", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "drifted (working, but now another page): 1" in run.stdout
    index = Path(run.stdout.strip().splitlines()[-1].removeprefix("report: "))
    january = (index.parent / "archive" / "2024-01-10-weekly.md").read_text(encoding="utf-8")
    assert "/web/20240108000000/http://taken-over.test:" in january  # the capture before the issue

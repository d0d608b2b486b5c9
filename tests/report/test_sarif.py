"""SARIF 2.1.0 (crawler/report/sarif.py): valid against the schema, a result per flagged occurrence.

The reports are tests.report.links'.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from crawler import __version__
from crawler.models import Verdict
from crawler.report import sarif
from crawler.report.summary import (
    DEFAULT_FAILING,
)
from tests.report.links import (
    ALL,
    BROKEN,
    CASINO_TITLE,
    COMMA_URL,
    DATA,
    DRIFT_CAPTURE,
    FINE,
    HOSTILE_TITLE,
    IMAGE,
    ISSUE,
    MAIL,
    MEMENTO_URL,
    MENDED,
    PLAYBACK,
    SLOW,
    TAKEN_OVER_URL,
    WIDENED,
    WITH_DRIFT,
    rendered,
)


def sarif_log(reports=ALL, failing=DEFAULT_FAILING) -> dict:
    return json.loads(rendered("sarif", reports, failing))


def test_sarif_validates_against_the_official_2_1_0_schema():
    # The OASIS SARIF 2.1.0 (errata01) schema, kept in tests/data (see its README).
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif_log(failing=WIDENED))


def test_sarif_log_and_driver_properties():
    log = sarif_log()
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "rotwatch"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_one_rule_per_verdict_and_one_for_drift_with_descriptions():
    rules = sarif_log()["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [*(f"rotwatch/{verdict}" for verdict in Verdict), "rotwatch/drifted"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]


def test_sarif_results_per_flagged_occurrence_with_levels():
    (run,) = sarif_log()["runs"]
    flagged = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert flagged == [
        ("rotwatch/broken", "error"),  # GONE
        ("rotwatch/broken", "error"),  # IMAGE
        ("rotwatch/redirected", "warning"),
        ("rotwatch/broken", "error"),  # BROKEN in ISSUE
        ("rotwatch/blocked", "note"),
        ("rotwatch/broken", "error"),  # BROKEN in LATER_ISSUE
        ("rotwatch/unreachable", "note"),
    ]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])


def test_sarif_region_spans_the_url_as_written():
    (result,) = sarif_log([IMAGE])["runs"][0]["results"]
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == ISSUE
    written = r"https://img.example/a\_b.png"
    assert physical["region"] == {"startLine": 7, "startColumn": 3, "endColumn": 3 + len(written)}


def test_sarif_message_names_url_reason_and_capture():
    results = sarif_log([BROKEN])["runs"][0]["results"]
    assert results[0]["message"]["text"] == (
        f"broken link {COMMA_URL}: HTTP 404: page says {HOSTILE_TITLE} Archived copy: {PLAYBACK}"
    )


def test_sarif_fail_on_raises_levels_and_includes_skipped():
    results = sarif_log([SLOW, MAIL, FINE], failing=WIDENED)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("rotwatch/unreachable", "error"),
        ("rotwatch/skipped", "error"),
    ]


def test_sarif_ok_and_skipped_links_are_not_results():
    assert sarif_log([FINE, MAIL])["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("issue", "uri"),
    [
        ("issues/2024 周报.md", "issues/2024%20%E5%91%A8%E6%8A%A5.md"),
        ("issues/a#b.md", "issues/a%23b.md"),
        ("/srv/archive/issues/a.md", "file:///srv/archive/issues/a.md"),
    ],
)
def test_sarif_artifact_uri_is_a_relative_posix_uri(issue, uri):
    assert sarif.artifact_uri(issue) == uri


# --- drift and captures from other archives ------------------------------------------


def test_sarif_a_drifted_link_is_a_warning_under_the_drifted_rule_with_its_evidence():
    log = sarif_log(WITH_DRIFT)
    jsonschema.Draft4Validator(json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    drifted = [r for r in run["results"] if r["ruleId"] == "rotwatch/drifted"]
    assert [(r["level"], rules[r["ruleIndex"]]["id"]) for r in drifted] == [("warning", "rotwatch/drifted")] * 2
    takeover = next(r for r in drifted if TAKEN_OVER_URL in r["message"]["text"])
    text = takeover["message"]["text"]
    assert text.startswith(f"ok link {TAKEN_OVER_URL}: HTTP 200 Drifted: takeover: now a gambling page")
    assert f'then "工具指南 | Tools" (capture of 2023-01-05: {DRIFT_CAPTURE}); now "{CASINO_TITLE}"' in text


def test_sarif_names_the_archive_of_a_memento_capture():
    (result,) = sarif_log([MENDED])["runs"][0]["results"]
    assert result["message"]["text"].endswith(f"Archived copy: {MEMENTO_URL} (archive.today, 2019-03-04)")

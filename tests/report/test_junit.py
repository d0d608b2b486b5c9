"""JUnit XML (crawler/report/junit.py): a suite per issue, a test case per occurrence, always well-formed.

The reports are tests.report.links'.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from crawler.models import CheckResult, Page, Verdict
from crawler.report.summary import (
    DEFAULT_FAILING,
)
from tests.report.links import (
    ALL,
    BROKEN,
    CASINO_TITLE,
    COMMA_URL,
    DRIFT_CAPTURE,
    FINE,
    HOSTILE_TITLE,
    ISSUE,
    LATER_ISSUE,
    MAIL,
    MEMENTO_URL,
    MENDED,
    MOVED,
    PLAYBACK,
    TAKEN_OVER,
    WIDENED,
    link,
    rendered,
)


def junit_root(reports=ALL, failing=DEFAULT_FAILING) -> ET.Element:
    return ET.fromstring(rendered("junit", reports, failing).encode())


def counts(element: ET.Element) -> tuple[int, int, int, int]:
    return tuple(int(element.get(name)) for name in ("tests", "failures", "errors", "skipped"))


def test_junit_one_suite_per_issue_with_correct_counts():
    root = junit_root()
    assert root.tag == "testsuites"
    suites = {suite.get("name"): counts(suite) for suite in root.findall("testsuite")}
    # ISSUE: FINE x2, GONE, IMAGE, MOVED, BROKEN, REFUSED; LATER_ISSUE: BROKEN, SLOW, MAIL
    assert suites == {ISSUE: (7, 3, 0, 0), LATER_ISSUE: (3, 1, 0, 1)}
    assert counts(root) == (10, 4, 0, 1)


def test_junit_counts_match_the_cases_in_each_suite():
    for suite in junit_root(failing=WIDENED).findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(case.find("failure") is not None for case in cases)
        assert int(suite.get("skipped")) == sum(case.find("skipped") is not None for case in cases)


def test_junit_failure_carries_reason_and_verdict():
    root = junit_root([BROKEN])
    case = root.find(f"testsuite[@name='{ISSUE}']/testcase")
    assert case.get("classname") == ISSUE
    assert case.get("name") == f"line 12: {COMMA_URL}"
    failure = case.find("failure")
    assert failure.get("type") == "broken"
    assert failure.get("message") == f"HTTP 404: page says {HOSTILE_TITLE}"
    assert failure.text.splitlines() == [
        f"url: {COMMA_URL}",
        "http status: 404",
        f"title: {HOSTILE_TITLE}",
        f"archived copy: {PLAYBACK}",
    ]


def test_junit_skipped_link_is_skipped_and_others_pass():
    root = junit_root([MAIL, MOVED])
    skipped = root.find(".//testcase[@name='line 20: mailto:editor@example.com']/skipped")
    assert skipped.get("message") == "not http(s)"
    passing = root.find(".//testcase[@name='line 9: http://moved.example/old']")
    assert list(passing) == []


def test_junit_fail_on_skipped_makes_it_a_failure_not_a_skip():
    root = junit_root([MAIL], failing=WIDENED)
    assert counts(root) == (1, 1, 0, 0)


def test_junit_stays_well_formed_with_control_characters_from_the_web():
    report = link(
        "https://evil.example/",
        Verdict.BROKEN,
        "bad\x00\x07\x1b title \ufffe",
        result=CheckResult("https://evil.example/", http_status=404, page=Page(title="t\x0b\x0c]]>")),
    )
    failure = junit_root([report]).find(".//failure")
    assert failure.get("message") == "bad title \ufffd"
    assert "title: t ]]>" in failure.text


# --- drift and captures from other archives ------------------------------------------


def test_junit_a_drifted_link_passes_with_its_evidence_in_system_out():
    root = junit_root([TAKEN_OVER, FINE])
    assert counts(root) == (3, 0, 0, 0)
    case = root.find(f"testsuite/testcase[@name='line 16: {TAKEN_OVER.url}']")
    assert case.find("failure") is None
    out = case.find("system-out").text
    assert out.startswith('drifted: takeover: now a gambling page: title has "slot gacor"; then "工具指南 | Tools"')
    assert DRIFT_CAPTURE in out and CASINO_TITLE in out


def test_junit_a_failing_drifted_link_has_the_evidence_in_its_failure_too():
    root = junit_root([TAKEN_OVER], failing=frozenset({Verdict.OK}))
    failure = root.find("testsuite/testcase/failure")
    assert "\ndrifted: takeover: " in failure.text


def test_junit_names_the_archive_of_a_memento_capture():
    failure = junit_root([MENDED]).find("testsuite/testcase/failure")
    assert f"archived copy: {MEMENTO_URL} (archive.today, 2019-03-04)" in failure.text.splitlines()

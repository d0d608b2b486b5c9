"""JUnit XML: link checks as test results, for CI systems that chart tests.

    <testsuites name="rotwatch" tests failures errors skipped timestamp>
      <testsuite name="issues/a.md" tests failures errors skipped timestamp>
        <testcase classname="issues/a.md" name="line 12: https://...">
          <failure message="HTTP 404" type="broken">...</failure>

One suite per issue file and one test case per occurrence, so a CI's test
view lists each bad line. A failing verdict (broken, plus --fail-on) is a
`<failure>` whose `type` is the verdict; a `skipped` link that does not fail
is `<skipped>`; every other verdict passes. `errors` is always 0: a link the
checker could not reach is a verdict, not a crash of the checker.

A link whose page drifted (it answers, but is now another page) passes, as
drift fails nothing (see `crawler.report.summary`); JUnit has no warning,
so its test case carries the evidence in `<system-out>` (`drifted:
takeover: ...; then ...; now ...`), which CI test views show with the case,
and a failing one has it in its failure text too. A capture from another
archive than the Wayback Machine is named with its archive.

When the machine looks offline nothing was checked: `render_offline`
gives one suite holding one test case with an `<error>` (the checker could
not run, the one case where `errors` is not 0), so CI shows a red run that
is not a list of broken links.

Built with ElementTree so text is escaped by construction; characters XML
1.0 cannot carry at all (control characters, which web titles can hold)
are removed first, or the file would not parse.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime

from crawler.models import LinkReport, Verdict
from crawler.report.summary import Mention, by_issue, capture_reference, drift_evidence, mentions, one_line

__all__ = ["render", "render_offline"]

# Characters outside XML 1.0's Char production that `one_line` lets through.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def render(reports: Sequence[LinkReport], *, failing: frozenset[Verdict], generated_at: datetime) -> str:
    """The JUnit XML document as text, with its XML declaration."""
    root = _testsuites(reports, failing, generated_at.isoformat())
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def render_offline(message: str, *, generated_at: datetime) -> str:
    """One suite, one test case, one `<error>`: nothing was checked."""
    timestamp = generated_at.isoformat()
    root = ET.Element("testsuites", name="rotwatch", tests="1", failures="0", errors="1", skipped="0")
    root.set("timestamp", timestamp)
    suite = ET.SubElement(root, "testsuite", name="rotwatch", tests="1", failures="0", errors="1", skipped="0")
    suite.set("timestamp", timestamp)
    case = ET.SubElement(suite, "testcase", classname="rotwatch", name="links checked")
    ET.SubElement(case, "error", message=_xml_text(message), type="offline").text = "nothing was checked"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testsuites(reports: Sequence[LinkReport], failing: frozenset[Verdict], timestamp: str) -> ET.Element:
    """`<testsuites>` with one suite per issue; every count is taken from the
    test cases themselves, so suites and root cannot disagree."""
    root = ET.Element("testsuites", name="rotwatch", timestamp=timestamp)
    for issue, issue_mentions in by_issue(mentions(reports)).items():
        suite = ET.SubElement(root, "testsuite", name=_xml_text(issue), timestamp=timestamp)
        for mention in issue_mentions:
            _add_testcase(suite, mention, failing)
        _set_counts(suite, suite.findall("testcase"))
    _set_counts(root, root.findall("testsuite/testcase"))
    return root


def _add_testcase(suite: ET.Element, mention: Mention, failing: frozenset[Verdict]) -> None:
    report, occurrence = mention
    verdict = report.assessment.verdict
    reason = _xml_text(report.assessment.reason)
    case = ET.SubElement(
        suite,
        "testcase",
        classname=_xml_text(occurrence.issue),
        name=_xml_text(f"line {occurrence.line}: {report.url}"),
    )
    if verdict in failing:
        failure = ET.SubElement(case, "failure", message=reason, type=verdict.value)
        failure.text = _failure_text(report)
    elif verdict is Verdict.SKIPPED:
        ET.SubElement(case, "skipped", message=reason)
    if report.drift is not None:
        ET.SubElement(case, "system-out").text = _xml_text(f"drifted: {drift_evidence(report.drift)}")


def _failure_text(report: LinkReport) -> str:
    """What a CI shows under the failure: the facts behind the verdict."""
    result = report.result
    facts = [
        ("url", report.url),
        ("http status", str(result.http_status) if result.http_status is not None else None),
        ("final url", result.final_url if result.final_url != report.url else None),
        ("title", result.title),
        ("drifted", drift_evidence(report.drift) if report.drift else None),
        ("archived copy", capture_reference(report)),
    ]
    return "\n".join(_xml_text(f"{label}: {value}") for label, value in facts if value)


def _set_counts(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(case.find("failure") is not None for case in cases)))
    element.set("errors", "0")
    element.set("skipped", str(sum(case.find("skipped") is not None for case in cases)))


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", one_line(text))

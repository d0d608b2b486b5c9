"""What every format agrees on (crawler/report/summary.py): counts, order, severity, safe text.

The reports are tests.report.links'.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.check.plan import build_reports, plan_checks
from crawler.models import CheckResult, ErrorKind, LinkKind, LinkOccurrence, Verdict
from crawler.report import summary
from crawler.report.summary import (
    DEFAULT_FAILING,
    Severity,
    count_by_verdict,
    mentions,
    one_line,
    severity,
    summary_line,
)
from tests.report.links import ALL, BROKEN, FINE, GONE, MOVED, WIDENED


def test_count_by_verdict_lists_every_verdict_in_order_with_zeros():
    counts = count_by_verdict([BROKEN, GONE, MOVED])
    assert list(counts) == list(Verdict)
    assert counts == {
        Verdict.OK: 0,
        Verdict.REDIRECTED: 1,
        Verdict.BROKEN: 2,
        Verdict.BLOCKED: 0,
        Verdict.UNREACHABLE: 0,
        Verdict.SKIPPED: 0,
    }


def test_summary_line_reads_like_the_design():
    counts = dict(zip(Verdict, [20, 3, 5, 2, 4, 0], strict=True))
    assert summary_line(counts) == "34 links: 20 ok, 3 redirected, 5 broken, 2 blocked, 4 unreachable, 0 skipped"


def test_summary_line_says_link_for_one():
    assert summary_line(count_by_verdict([FINE])).startswith("1 link: 1 ok,")


@pytest.mark.parametrize(
    ("verdict", "failing", "expected"),
    [
        (Verdict.BROKEN, DEFAULT_FAILING, Severity.ERROR),
        (Verdict.REDIRECTED, DEFAULT_FAILING, Severity.WARNING),
        (Verdict.BLOCKED, DEFAULT_FAILING, Severity.NOTE),
        (Verdict.UNREACHABLE, DEFAULT_FAILING, Severity.NOTE),
        (Verdict.UNREACHABLE, WIDENED, Severity.ERROR),
        (Verdict.OK, DEFAULT_FAILING, None),
        (Verdict.SKIPPED, DEFAULT_FAILING, None),
        (Verdict.SKIPPED, WIDENED, Severity.ERROR),
    ],
)
def test_severity_follows_failing_first(verdict, failing, expected):
    assert severity(verdict, failing) is expected


def test_mentions_are_in_source_order_across_links():
    places = [(m.occurrence.issue, m.occurrence.line, m.occurrence.column, m.report.url) for m in mentions(ALL)]
    assert places == sorted(places)
    assert len(places) == sum(len(report.occurrences) for report in ALL)


def test_one_line_removes_line_breaks_and_terminal_escapes():
    assert one_line("Not\r\nFound\x1b]8;;http://evil\x07 \t here") == "Not Found ]8;;http://evil here"


def test_without_controls_makes_each_control_character_a_space_and_keeps_the_rest():
    assert summary.without_controls("a\x00b\x1b[31m\x7f\x85\x9fc\u2028d 中") == "a b [31m   c\u2028d 中"


@given(st.characters())
def test_control_characters_are_unicode_category_cc(char):
    assert summary.is_control(char) is (unicodedata.category(char) == "Cc")


def test_summary_line_says_how_many_links_were_not_checked():
    counts = {Verdict.OK: 2, Verdict.UNREACHABLE: 3}
    assert summary_line(counts, unchecked=3) == (
        "5 links: 2 ok, 0 redirected, 0 broken, 0 blocked, 3 unreachable, 0 skipped; 3 not checked (no answer recorded)"
    )
    assert summary_line(counts, unchecked=0).endswith("3 unreachable, 0 skipped")


def test_a_link_the_run_has_no_answer_for_is_not_checked():
    occurrence = LinkOccurrence("https://a.example/x", "i.md", 1, 1, "t", LinkKind.LINK, "https://a.example/x")
    (missing,) = build_reports(plan_checks([occurrence]), {})
    assert summary.not_checked(missing)
    assert not any(summary.not_checked(report) for report in ALL)
    asked = CheckResult("https://a.example/x", error=ErrorKind.OTHER, error_detail="connection lost")
    (failed,) = build_reports(plan_checks([occurrence]), {"https://a.example/x": asked})
    assert not summary.not_checked(failed)

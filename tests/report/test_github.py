"""GitHub workflow commands (crawler/report/github.py): one annotation per flagged line, escaped exactly.

The reports are tests.report.links'.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.models import Verdict
from crawler.report import github
from crawler.report.summary import (
    count_by_verdict,
    summary_line,
)
from tests.report.links import (
    ALL,
    BROKEN,
    CASINO_TITLE,
    DRIFT_CAPTURE,
    FINE,
    ISSUE,
    LATER_ISSUE,
    MAIL,
    MEMENTO_URL,
    MENDED,
    SLOW,
    TAKEN_OVER,
    WIDENED,
    link,
    rendered,
)


def test_github_message_escaping_is_exact():
    assert github.escape_message("100%\r\nnext: a,b") == "100%25%0D%0Anext: a,b"


def test_github_property_escaping_is_exact():
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def unescape_github(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


@given(st.text())
def test_github_property_escaping_round_trips_and_leaves_no_separators(text):
    escaped = github.escape_property(text)
    assert not set(escaped) & set(",:\r\n")
    assert unescape_github(escaped) == text


def test_github_error_line_for_a_broken_link_is_exact():
    lines = rendered("github", [BROKEN]).splitlines()
    assert lines[0] == (
        f"::error file={ISSUE},line=12,col=20,title=broken link::"
        "https://example.com/a,b:c%2520d: HTTP 404: page says Not | Found <script>alert(1)</script>"
        "%0Aarchived copy: https://web.archive.org/web/20240301120000/https://example.com/a,b:c%2520d"
    )
    assert lines[1].startswith(f"::error file={LATER_ISSUE},line=3,col=1,")


def test_github_properties_escape_commas_and_colons_in_file_names():
    report = link("https://gone.example/", Verdict.BROKEN, "HTTP 404", (("issues/a,b:c.md", 1, 2),))
    assert rendered("github", [report]).startswith("::error file=issues/a%2Cb%3Ac.md,line=1,col=2,")


def test_github_command_per_verdict():
    commands = [line.split(" ", 1)[0] for line in rendered("github").splitlines()[:-1]]
    assert commands == [
        "::error",  # BROKEN in ISSUE 5:3 (gone)
        "::error",  # IMAGE 7:3
        "::warning",  # MOVED 9:5
        "::error",  # BROKEN 12:20
        "::notice",  # REFUSED 14:2
        "::error",  # BROKEN in LATER_ISSUE 3:1
        "::notice",  # SLOW 8:1
    ]


def test_github_fail_on_turns_notices_into_errors():
    lines = rendered("github", [SLOW, MAIL], failing=WIDENED).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error", "::error"]


def test_github_web_text_cannot_start_a_command_of_its_own():
    report = link("https://evil.example/", Verdict.BROKEN, "gone\n::error file=x.md::injected\r\n")
    output = rendered("github", [report])
    assert len(output.splitlines()) == 2
    assert "::injected" in output.splitlines()[0]


def test_github_ends_with_the_plain_summary_line():
    assert rendered("github").splitlines()[-1] == summary_line(count_by_verdict(ALL))


# --- drift and captures from other archives ------------------------------------------


def test_github_a_drifted_link_is_a_warning_with_its_evidence_and_fails_nothing():
    lines = rendered("github", [TAKEN_OVER, FINE]).splitlines()
    assert len(lines) == 2  # FINE raises nothing
    assert lines[0].startswith(f"::warning file={ISSUE},line=16,col=4,title=drifted link (takeover)::")
    message = unescape_github(lines[0].split("::", 2)[2])
    assert message.splitlines() == [
        f"{TAKEN_OVER.url}: HTTP 200",
        f'drifted: takeover: now a gambling page: title has "slot gacor"; then "工具指南 | Tools" '
        f'(capture of 2023-01-05: {DRIFT_CAPTURE}); now "{CASINO_TITLE}"',
    ]


def test_github_summary_line_names_the_drifted_links():
    assert rendered("github", [TAKEN_OVER, FINE]).splitlines()[-1] == (
        "2 links: 2 ok, 0 redirected, 0 broken, 0 blocked, 0 unreachable, 0 skipped; "
        "1 drifted (now another page: 1 takeover)"
    )


def test_github_names_the_archive_of_a_memento_capture():
    (command, _) = rendered("github", [MENDED]).splitlines()
    assert unescape_github(command).endswith(f"archived copy: {MEMENTO_URL} (archive.today, 2019-03-04)")

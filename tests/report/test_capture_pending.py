"""A dead link's capture per issue date in every report: found, none, or pending until the archive answers."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pandas as pd

from crawler.check.plan import with_captures
from crawler.models import (
    ArchiveLookup,
    Assessment,
    CaptureStatus,
    CheckResult,
    LinkKind,
    LinkOccurrence,
    LinkReport,
    LookupOutcome,
    RunDiff,
    Snapshot,
    Verdict,
)
from crawler.nightly.view import CrawlView
from crawler.report import html, json_report
from crawler.report.csv_tables import CSV_ENCODING, csv_bytes, links_frame
from crawler.report.dead_links import render_dead_links

ENDPOINT = "https://web.archive.org"
URL = "https://gone.example/story"
OTHER = "https://never.example/"
MARCH, JUNE = "issues/2024-03-27-a.md", "issues/2024-06-05-b.md"
DATES = {MARCH: date(2024, 3, 27), JUNE: date(2024, 6, 5)}
CAPTURE = Snapshot(URL, "20240320000000", 200)
WHEN = datetime(2024, 6, 6, 2, tzinfo=UTC)
RUN = {"archive_lookups": 3, "archive_query_requests": 2, "archive_playback_requests": 1, "captures_pending": 1}


def dead(url: str, *issues: str) -> LinkReport:
    occurrences = tuple(LinkOccurrence(url, issue, 3, 1, "text", LinkKind.LINK, url) for issue in issues)
    return LinkReport(url, Assessment(Verdict.BROKEN, "HTTP 404"), CheckResult(url, 404), occurrences)


def view() -> CrawlView:
    answers = {
        (URL, DATES[MARCH]): ArchiveLookup(URL, LookupOutcome.FOUND, CAPTURE, cited_on=DATES[MARCH]),
        (URL, DATES[JUNE]): ArchiveLookup(URL, LookupOutcome.FAILED, detail="HTTP 503", cited_on=DATES[JUNE]),
        (OTHER, DATES[MARCH]): ArchiveLookup(OTHER, LookupOutcome.NONE, cited_on=DATES[MARCH]),
    }
    reports = with_captures([dead(URL, MARCH, JUNE), dead(OTHER, MARCH)], answers, ENDPOINT, DATES, {URL, OTHER})
    return CrawlView(reports, {}, DATES, RunDiff(), WHEN, run_counts=RUN)


def test_the_link_shows_its_latest_issue_s_capture_and_each_date_its_own():
    report = view().reports[0]
    assert (report.capture_status, report.archive) == (CaptureStatus.PENDING, None)  # June's: not known yet
    march = report.capture_for(DATES[MARCH])
    assert (march.status, march.snapshot, march.url) == (
        CaptureStatus.FOUND,
        CAPTURE,
        f"{ENDPOINT}/web/{CAPTURE.timestamp}/{URL}",
    )


def test_each_occurrence_shows_the_capture_of_its_own_issue():
    shown = {(m.report.url, m.occurrence.issue): m.report.capture_status for m in view().mentions()}
    assert shown == {
        (URL, JUNE): CaptureStatus.PENDING,
        (URL, MARCH): CaptureStatus.FOUND,
        (OTHER, MARCH): CaptureStatus.NONE,
    }


def test_html_says_capture_pending_and_no_capture_apart():
    page = html.render(view(), lang="en")
    # each in the table of dead links and in the table of every link
    assert page.count(">capture pending<") == 2 and page.count(">no capture<") == 2
    assert "1 captures pending" in page.replace("<strong>", "").replace("</strong>", "")
    assert "快照待查" in html.render(view(), lang="zh")


def test_the_dead_links_card_counts_a_pending_capture_apart_from_none():
    text = " ".join(html.render(view(), lang="en").replace("<strong>", "").replace("</strong>", "").split())
    assert "0 with an archive capture · 1 without · 1 pending" in text  # URL's latest issue waits for June's answer
    assert "0 条有存档快照 · 1 条没有 · 1 条待查" in html.render(view(), lang="zh")


def test_dead_links_md_says_capture_pending():
    text = render_dead_links(view())
    assert "| capture pending |" in text and "| no capture |" in text and "[2024-03-20](<" in text
    assert "1 of them with the capture pending" in text


def test_csv_rows_carry_each_occurrence_s_capture_status():
    frame = pd.read_csv(io.BytesIO(csv_bytes(links_frame(view()))), encoding=CSV_ENCODING)
    statuses = dict(zip(zip(frame["url"], frame["issue"], strict=True), frame["capture_status"], strict=True))
    assert statuses == {(URL, JUNE): "pending", (URL, MARCH): "found", (OTHER, MARCH): "none"}


def test_report_json_has_each_link_s_capture_status_and_the_run_s_archive_counts():
    document = json.loads(json_report.render_crawl(view()))
    assert {link["url"]: link["capture_status"] for link in document["links"]} == {URL: "pending", OTHER: "none"}
    assert document["archive"] == {
        "lookups": 3,
        "requests": {"query": 2, "playback": 1},
        "refused": {"query": 0, "playback": 0},
        "pending": 1,
        "batch_fallback": False,
        "further_lookups": 0,
        "further": {},
        "drift_baselines": 0,
        "drift_baselines_pending": 0,
    }

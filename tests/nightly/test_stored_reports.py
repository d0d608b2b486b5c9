"""Tests for crawler/nightly/stored_reports.py: the reports read back from the state a chunk at a time."""

from __future__ import annotations

import gc

import pytest

from crawler.models import LinkKind, LinkOccurrence, Verdict
from crawler.nightly import stored_reports
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.store import StateStore
from crawler.nightly.stored_reports import StoredReports
from tests.nightly.state_helpers import crawl_night

URLS = [f"https://site{n}.example/post" for n in range(5)]


def _cited(url: str) -> LinkOccurrence:
    return LinkOccurrence(url, "issues/2024-01-01.md", 1, 1, "text", LinkKind.LINK, url)


def test_chunks_read_every_link_with_its_last_result_and_history_and_leave_the_collector_on(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(stored_reports, "REPORT_CHUNK", 2)
    crawl_night(store, {url: Verdict.BROKEN if url == URLS[0] else Verdict.OK for url in URLS})
    with PlanSpool.of([_cited(url) for url in URLS]) as plan:
        chunks = list(StoredReports(store, plan, {}, None).chunks())
        assert gc.isenabled()
        assert [len(reports) for reports, _ in chunks] == [2, 2, 1]
        reports = [report for chunk, _ in chunks for report in chunk]
        assert [report.url for report in reports] == URLS
        assert [report.assessment.verdict for report in reports] == [Verdict.BROKEN] + [Verdict.OK] * 4
        assert all(set(histories) == {report.url for report in chunk} for chunk, histories in chunks)
        first = StoredReports(store, plan, {}, None).chunks()
        next(first)
        first.close()  # a reader that stops early
        assert gc.isenabled()

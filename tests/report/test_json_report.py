"""report.json (crawler/report/json_report.py): docs/report.schema.json's document, sorted, complete.

The reports are tests.report.links'.
"""

from __future__ import annotations

import json
import random
from datetime import datetime

import pytest

from crawler.report import json_report
from tests.report.links import (
    ALL,
    BROKEN,
    CASINO_TITLE,
    COMMA_URL,
    DRIFT_CAPTURE,
    FINE,
    GONE,
    HOSTILE_TITLE,
    ISSUE,
    LATER_ISSUE,
    MAIL,
    MEMENTO_URL,
    MENDED,
    MOVED,
    PLAYBACK,
    REPLACED,
    SLOW,
    TAKEN_OVER,
    WHEN,
    WITH_DRIFT,
    rendered,
)
from tests.report.scale import scale_view
from tests.report.views import FLAKY, FLAKY_DEAD, IMAGE, PARKED, REPORTS, TAKEOVER, drift_view, sample_view
from tests.report.views import MENDED as VIEW_MENDED
from tests.report.views import MOVED as VIEW_MOVED


def json_document(reports=ALL) -> dict:
    return json.loads(rendered("json", reports))


def test_json_has_the_design_keys_plus_reason_and_column():
    document = json_document()
    assert set(document) == {"generated_at", "links", "summary", "drifted"}
    design_keys = {"url", "verdict", "http_status", "final_url", "title", "error", "archive", "occurrences"}
    for entry in document["links"]:
        assert set(entry) == design_keys | {"reason", "drift"}
        for occurrence in entry["occurrences"]:
            assert set(occurrence) == {"issue", "line", "column", "text", "kind"}


def test_json_link_fields_lead_each_link_entry():
    fields = json_report.link_fields(BROKEN)
    assert list(fields) == ["url", "verdict", "reason", "http_status", "final_url", "title"]
    entry = next(entry for entry in json_document()["links"] if entry["url"] == COMMA_URL)
    assert list(entry.items())[: len(fields)] == list(fields.items())


def test_json_generated_at_is_iso8601():
    assert datetime.fromisoformat(json_document()["generated_at"]) == WHEN


def test_json_links_sorted_by_url_and_occurrences_by_place():
    document = json_document()
    urls = [entry["url"] for entry in document["links"]]
    assert urls == sorted(report.url for report in ALL)
    broken = next(entry for entry in document["links"] if entry["url"] == COMMA_URL)
    assert [(o["issue"], o["line"], o["column"]) for o in broken["occurrences"]] == [
        (ISSUE, 12, 20),
        (LATER_ISSUE, 3, 1),
    ]


def test_json_broken_link_entry_is_complete():
    broken = next(entry for entry in json_document()["links"] if entry["url"] == COMMA_URL)
    assert broken == {
        "url": COMMA_URL,
        "verdict": "broken",
        "reason": f"HTTP 404: page says {HOSTILE_TITLE}",
        "http_status": 404,
        "final_url": None,
        "title": HOSTILE_TITLE,
        "error": None,
        "archive": {"url": PLAYBACK, "timestamp": "20240301120000", "archive": "wayback"},
        "occurrences": [
            {"issue": ISSUE, "line": 12, "column": 20, "text": "链接", "kind": "link"},
            {"issue": LATER_ISSUE, "line": 3, "column": 1, "text": "链接", "kind": "link"},
        ],
        "drift": None,
    }


@pytest.mark.parametrize(
    ("report", "error"),
    [(GONE, "DNS: no such domain"), (SLOW, "timeout"), (MAIL, "unsupported-scheme"), (BROKEN, None), (FINE, None)],
)
def test_json_error_is_the_detail_else_the_kind_else_null(report, error):
    (entry,) = json_document([report])["links"]
    assert entry["error"] == error


def test_json_archive_is_null_without_a_capture():
    (entry,) = json_document([MOVED])["links"]
    assert entry["archive"] is None
    assert entry["final_url"] == "https://moved.example/new"


def test_json_summary_has_every_verdict_including_zeros():
    assert json_document([BROKEN, FINE])["summary"] == {
        "ok": 1,
        "redirected": 0,
        "broken": 1,
        "blocked": 0,
        "unreachable": 0,
        "skipped": 0,
    }


def test_json_keeps_chinese_readable():
    text = rendered("json")
    assert "中文标题" in text and "链接" in text
    assert "\\u" not in text


# --- the nightly crawl's report.json ---------------------------------------------------


def crawl_json(view=None) -> dict:
    return json.loads(json_report.render_crawl(view or sample_view()))


def test_crawl_json_keeps_every_key_and_adds_the_diff_and_the_history():
    document = crawl_json()
    assert list(document) == ["generated_at", "links", "summary", "drifted", "diff", "not_checked", "archive"]
    design_keys = {
        "url",
        "verdict",
        "reason",
        "http_status",
        "final_url",
        "title",
        "error",
        "archive",
        "occurrences",
        "drift",
    }
    for entry in document["links"]:
        assert list(entry)[-4:] == ["dead", "failing_since", "dead_since", "capture_status"]
        assert set(entry) == design_keys | {"dead", "failing_since", "dead_since", "capture_status"}


def test_crawl_json_says_per_link_whether_dead_and_since_when():
    links = {entry["url"]: entry for entry in crawl_json()["links"]}
    flaky_dead = links[FLAKY_DEAD.url]
    assert (flaky_dead["dead"], flaky_dead["failing_since"]) == (True, "2024-04-20T00:00:00+00:00")
    assert flaky_dead["dead_since"] == "2024-04-20T00:00:00+00:00"
    assert (links[FLAKY.url]["dead"], links[FLAKY.url]["dead_since"]) == (False, None)
    assert links[FLAKY.url]["failing_since"] == "2024-05-01T00:00:00+00:00"
    assert (links[IMAGE.url]["dead"], links[IMAGE.url]["failing_since"]) == (True, None)  # broken, no history yet
    assert links[VIEW_MOVED.url]["dead"] is False


def test_crawl_json_dead_links_are_the_dead_csvs():
    view = sample_view()
    dead = sorted(entry["url"] for entry in crawl_json(view)["links"] if entry["dead"])
    assert dead == sorted(report.url for report in view.dead_reports())


def test_crawl_json_diff_is_sorted_and_not_checked_counted():
    view = scale_view(120, newly_dead=9, still_dead=4, fixed=3, unchecked=7)
    document = crawl_json(view)
    assert document["diff"] == {
        "newly_dead": sorted(view.diff.newly_dead),
        "fixed": sorted(view.diff.fixed),
        "still_dead": sorted(view.diff.still_dead),
        "newly_drifted": [],
    }
    assert document["not_checked"] == 7


# --- drift and captures from other archives ------------------------------------------


def test_json_drift_is_null_or_the_evidence():
    links = {entry["url"]: entry for entry in json_document(WITH_DRIFT)["links"]}
    assert links[FINE.url]["drift"] is None
    assert links[TAKEN_OVER.url]["drift"] == {
        "kind": "takeover",
        "reason": 'now a gambling page: title has "slot gacor"',
        "then": "工具指南 | Tools",
        "now": CASINO_TITLE,
        "capture": DRIFT_CAPTURE,
        "then_on": "2023-01-05",
    }
    assert links[TAKEN_OVER.url]["verdict"] == "ok"  # drift is beside the verdict
    assert links[REPLACED.url]["drift"]["capture"] is None  # "then" is rotwatch's own first check


def test_json_counts_drifted_links_by_kind_beside_the_summary():
    document = json_document(WITH_DRIFT)
    assert document["drifted"] == {"takeover": 1, "parked": 0, "replaced": 1}
    assert sum(document["summary"].values()) == len(WITH_DRIFT)
    assert json_document()["drifted"] == {"takeover": 0, "parked": 0, "replaced": 0}


def test_json_capture_names_its_archive_and_a_mementos_own_address():
    links = {entry["url"]: entry for entry in json_document(WITH_DRIFT)["links"]}
    capture = {"url": MEMENTO_URL, "timestamp": "20190304000000", "archive": "archive.today"}
    assert links[MENDED.url]["archive"] == capture
    assert links[COMMA_URL]["archive"]["archive"] == "wayback"


def test_crawl_json_diff_names_the_newly_drifted():
    view = drift_view()
    document = crawl_json(view)
    assert document["diff"]["newly_drifted"] == sorted([TAKEOVER.url, PARKED.url])
    assert document["drifted"] == {"takeover": 1, "parked": 1, "replaced": 1}
    mended = next(entry for entry in document["links"] if entry["url"] == VIEW_MENDED.url)
    assert mended["archive"]["archive"] == "archive.today" and mended["dead"] is True


@pytest.mark.parametrize("links", [0, 1, 4])
def test_crawl_json_written_a_chunk_at_a_time_is_the_whole_document_as_one_dump(links: int):
    view = sample_view(reports=REPORTS[:links])
    pieces = list(json_report.crawl_pieces(view))
    text = "".join(pieces)
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads(text)["links"]) == links
    chunks = 1 if links else 0  # a view of a list reads it as one chunk
    assert len(pieces) == 3 + 2 * chunks  # the head, an opening and the items per chunk, the list's end, the tail


@pytest.mark.parametrize("links", [0, 1, 4])
def test_check_json_written_a_link_at_a_time_is_the_whole_document_as_one_dump(links: int):
    text = json_report.render(ALL[:links], failing=frozenset(), generated_at=datetime(2026, 1, 2))
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads(text)["links"]) == links


def test_report_json_is_encoded_as_the_standard_library_encodes_it():
    """The document is written by a faster encoder (orjson): the standard library's text."""
    rng = random.Random(3)

    def value(depth):
        pick = rng.random()
        if depth > 3 or pick < 0.5:
            return rng.choice([None, True, False, 0, -7, 10**15, "", 'a"b\\c\n\t\x01\x7f中文😀\u2028\ufeff', "plain"])
        if pick < 0.75:
            return {rng.choice(["k", "键", 'a"', ""]) + str(n): value(depth + 1) for n in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    for _ in range(5_000):
        item = value(0)
        assert json_report._encoded(item) == json.dumps(item, ensure_ascii=False, indent=2)

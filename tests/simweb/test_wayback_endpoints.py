"""The simulated Wayback Machine's endpoints, checked with a plain HTTP client.

The Wayback spider's tests trust that `SimWayback` answers like
web.archive.org; these tests pin the real formats (CDX JSON, availability,
batch availability, playback headers) and check that
`crawler.wayback.protocol`'s parsers read every answer it gives.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from crawler.check.page import read_page
from crawler.models import Snapshot
from crawler.simweb import HostSpec
from crawler.wayback.protocol import (
    availability_batch_body,
    availability_url,
    capture_timestamp_of,
    cdx_query_url,
    parse_availability,
    parse_availability_batch,
    parse_cdx,
    playback_url,
)
from tests.simweb.clients import ARTICLE, DAY, HOST, TS, cdx, cdx_rows, fetch, play

HOSTS = [HostSpec(HOST)]  # served to this module by the `web` fixture, with `wayback` as its archive
pytestmark = pytest.mark.usefixtures("fresh_wayback")
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


# CDX: the format.


def test_cdx_json_is_a_header_row_then_one_row_of_strings_per_capture(web, wayback):
    wayback.add_capture(ARTICLE, TS, title="Article")
    reply = cdx(web, f"url={quote(ARTICLE, safe='')}&output=json")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    header, row = reply.json()
    assert header == HEADER
    assert all(isinstance(value, str) for value in row)
    assert row[:5] == ["example,news)/2024/03/article", TS, ARTICLE, "text/html", "200"]
    assert len(row[5]) == 32 and row[6].isdigit()
    # Byte for byte as the Java server writes it: compact header, ", " between fields.
    assert reply.body.startswith(b'[["urlkey","timestamp",') and b'", "' in reply.body
    assert reply.body.endswith(b'"]]\n') and reply.body.count(b"\n") == 2


def test_cdx_answers_an_empty_array_without_a_header_when_nothing_matches(web, wayback):
    wayback.add_capture(ARTICLE, TS, status=404)
    assert cdx(web, "url=never.example/x&output=json").body == b"[]\n"
    assert cdx(web, f"url={ARTICLE}&output=json&filter=statuscode:200").body == b"[]\n"


def test_cdx_repeats_a_capture_indexed_twice_and_shows_unknown_fields_as_dashes(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.add_capture(ARTICLE, TS)
    wayback.add_capture(ARTICLE, "20240321000000", status=None, mimetype="-")
    rows = cdx_rows(web, f"url={ARTICLE}&output=json")
    assert rows[1] == rows[2]
    assert rows[3][3:5] == ["-", "-"]


def test_cdx_fl_picks_and_orders_the_columns_header_included(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    assert cdx_rows(web, f"url={ARTICLE}&output=json&fl=statuscode,timestamp") == [
        ["statuscode", "timestamp"],
        ["200", TS],
    ]


def test_cdx_without_output_json_answers_text_lines(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    line = cdx(web, f"url={ARTICLE}&fl=timestamp,original").body.decode()
    assert line == f"{TS} {ARTICLE}\n"


# Availability.


def test_availability_offers_the_closest_capture_with_string_status(web, wayback):
    wayback.add_capture(ARTICLE, "20240101000000")
    wayback.add_capture(ARTICLE, "20240318000000")
    wayback.add_capture(ARTICLE, "20240330000000")
    answer = fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()
    assert answer == {
        "url": ARTICLE,
        "timestamp": "20240320",
        "archived_snapshots": {
            "closest": {
                "available": True,
                "status": "200",
                "timestamp": "20240318000000",
                "url": f"{web.archive_endpoint}/web/20240318000000/{ARTICLE}",
            }
        },
    }


def test_availability_without_a_timestamp_offers_the_newest_known_capture(web, wayback):
    wayback.add_capture(ARTICLE, "20240101000000")
    wayback.add_capture(ARTICLE, "20240318000000")
    wayback.add_capture(ARTICLE, "20240330000000", status=None)  # "-": never offered
    answer = fetch(availability_url(web.archive_endpoint, ARTICLE, None)).json()
    assert "timestamp" not in answer
    assert answer["archived_snapshots"]["closest"]["timestamp"] == "20240318000000"


def test_availability_answers_empty_snapshots_when_nothing_is_archived(web):
    answer = fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()
    assert answer == {"url": ARTICLE, "archived_snapshots": {}, "timestamp": "20240320"}


def test_availability_can_be_falsely_empty_while_cdx_has_the_captures(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.hide_from_availability(ARTICLE)
    assert fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()["archived_snapshots"] == {}
    assert len(cdx_rows(web, f"url={ARTICLE}&output=json")) == 2
    assert play(web, TS, ARTICLE).status == 200


def test_batch_availability_answers_each_tagged_line_in_its_direction(web, wayback):
    wayback.add_capture(ARTICLE, "20240318000000")
    wayback.add_capture(ARTICLE, "20240322000000")
    wayback.add_capture("https://late.example/", "20240401000000")
    wayback.add_capture("https://bad.example/", "20240318000000", status=404)
    wayback.add_capture("https://hidden.example/", "20240318000000")
    wayback.hide_from_availability("https://hidden.example/")
    urls = [ARTICLE, "https://late.example/", "https://bad.example/", "https://hidden.example/"]

    def batch(closest: str) -> dict[str, dict]:
        body, headers = availability_batch_body([(url, DAY) for url in urls], closest=closest)
        reply = fetch(f"{web.archive_endpoint}/wayback/available", "POST", body, headers)
        assert reply.status == 200
        return {result["tag"]: result for result in reply.json()["results"]}

    before = batch("before")
    assert list(before) == urls
    assert before[ARTICLE]["url"] == ARTICLE and before[ARTICLE]["timestamp"] == "20240320235959"
    assert before[ARTICLE]["archived_snapshots"]["closest"]["timestamp"] == "20240318000000"
    assert before["https://late.example/"]["archived_snapshots"] == {}
    assert before["https://bad.example/"]["archived_snapshots"] == {}  # statuscodes=200,203,206 only
    assert before["https://hidden.example/"]["archived_snapshots"] == {}
    after = batch("after")
    assert after[ARTICLE]["archived_snapshots"]["closest"]["timestamp"] == "20240322000000"
    assert after["https://late.example/"]["archived_snapshots"]["closest"]["timestamp"] == "20240401000000"


def test_a_batch_over_a_megabyte_is_refused_with_413_and_counted(web, wayback):
    lines = [(f"https://news.example/{n}/{'x' * 100}", DAY) for n in range(8000)]
    body, headers = availability_batch_body(lines)
    assert len(body) > 1024 * 1024
    reply = fetch(f"{web.archive_endpoint}/wayback/available", "POST", body, headers, timeout=30)
    assert reply.status == 413
    web.log.wait_idle()
    assert wayback.count("batch", 413) == 1


def test_batch_availability_needs_the_api_version_header(web):
    body, _ = availability_batch_body([(ARTICLE, DAY)])
    assert fetch(f"{web.archive_endpoint}/wayback/available", "POST", body).status == 400


# The client reads every answer.


def test_the_clients_parsers_read_what_the_archive_answers(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.add_capture(ARTICLE, TS)
    wayback.add_capture("https://other.example/", TS, kind="image")
    endpoint = web.archive_endpoint
    captures = parse_cdx(fetch(cdx_query_url(endpoint, ARTICLE, DAY)).body)
    assert captures == [Snapshot(ARTICLE, TS, 200, "text/html")] * 2
    assert parse_cdx(fetch(cdx_query_url(endpoint, "https://none.example/", None)).body) == []
    offered = parse_availability(fetch(availability_url(endpoint, ARTICLE, DAY)).body)
    assert offered == Snapshot(ARTICLE, TS, 200)
    assert parse_availability(fetch(availability_url(endpoint, "https://none.example/", DAY)).body) is None
    body, headers = availability_batch_body([(ARTICLE, DAY), ("https://none.example/", DAY)])
    found = parse_availability_batch(fetch(f"{endpoint}/wayback/available", "POST", body, headers).body)
    assert found == {ARTICLE: Snapshot(ARTICLE, TS, 200), "https://none.example/": None}


# Playback.


def test_an_exact_timestamp_replays_the_capture_with_memento_headers(web, wayback):
    wayback.add_capture(ARTICLE, TS, title="The article")
    for flag in ("id_", "im_", "if_", ""):
        reply = play(web, TS, ARTICLE, flag)
        assert reply.status == 200, flag
        assert reply.headers["memento-datetime"] == "Wed, 20 Mar 2024 12:00:00 GMT"
        assert capture_timestamp_of(reply.headers["memento-datetime"]) == TS
        assert reply.headers["x-archive-orig-content-type"] == reply.headers["content-type"]
        assert f'<{ARTICLE}>; rel="original"' in reply.headers["link"]
        assert read_page(reply.body, reply.headers["content-type"]).title == "The article"


def test_an_inexact_timestamp_redirects_to_the_nearest_capture_without_a_memento_header(web, wayback):
    wayback.add_capture(ARTICLE, "20240101000000")
    wayback.add_capture(ARTICLE, "20240318000000")
    for asked in ("20240320", "2024031912", "20240318000001"):
        reply = play(web, asked, ARTICLE, "im_")
        assert reply.status == 302 and "memento-datetime" not in reply.headers
        assert reply.headers["location"] == f"{web.archive_endpoint}/web/20240318000000im_/{ARTICLE}"
    assert play(web, "2023", ARTICLE).headers["location"].endswith(f"/20240101000000id_/{ARTICLE}")


def test_a_url_never_captured_is_a_404_without_a_memento_header(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    for reply in (play(web, TS, "https://never.example/"), fetch(f"{web.archive_endpoint}/web/notatimestamp")):
        assert reply.status == 404 and "memento-datetime" not in reply.headers


def test_playback_reads_the_original_url_raw_query_included(web, wayback):
    wayback.add_capture("https://example.com/a?b=c", TS, title="b is c")
    wayback.add_capture("https://example.com/a?b=d", TS, title="b is d")
    wayback.add_capture("https://example.com/页面", TS, title="CJK path")
    for url, title in (
        ("https://example.com/a?b=d", "b is d"),
        ("https://example.com/a?b=c", "b is c"),
        (quote("https://example.com/页面", safe=":/"), "CJK path"),
    ):
        reply = play(web, TS, url)
        assert read_page(reply.body, reply.headers["content-type"]).title == title


def test_a_capture_of_an_error_replays_its_status_as_a_memento(web, wayback):
    wayback.add_capture(ARTICLE, TS, status=404, title="Gone")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 404 and "memento-datetime" in reply.headers


def test_snapshot_playback_urls_built_by_the_client_are_served(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    url = playback_url(web.archive_endpoint, Snapshot(ARTICLE, TS), identity=True)
    assert fetch(url).status == 200

"""The simulated Wayback archive, checked with a plain HTTP client.

The Wayback spider's tests trust that `SimArchive` answers like
web.archive.org; these tests pin the real formats (CDX JSON, availability,
batch availability, playback headers) and the archive's bad habits, and
check that `crawler.wayback.protocol`'s parsers read every answer it gives.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

import pytest

from crawler.check.page import read_page
from crawler.models import Snapshot
from crawler.simweb import HOME_TITLE, HostSpec, SimWeb
from crawler.simweb import SimArchive
from crawler.simweb.wayback import WAYBACK_HOST as ARCHIVE_HOST
from crawler.simweb.wayback import TokenBucket
from crawler.simweb.wayback_captures import url_key
from crawler.simweb.pages import JPEG_START
from crawler.wayback.protocol import (
    availability_batch_body,
    availability_url,
    capture_is_trustworthy,
    capture_timestamp_of,
    cdx_query_url,
    original_url_of,
    parse_availability,
    parse_availability_batch,
    parse_cdx,
    playback_url,
)

ARTICLE = "https://news.example/2024/03/article"
DAY = date(2024, 3, 20)
TS = "20240320120000"
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


@dataclass
class Reply:
    """What a plain HTTP client got back."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def ask(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    """One request, with the URL's host in the Host header and its target sent as written."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=5)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers={"Host": parts.netloc, **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def archive() -> SimArchive:
    return SimArchive()


@pytest.fixture(scope="module")
def web(archive: SimArchive) -> Iterator[SimWeb]:
    with SimWeb([HostSpec("site001.test")], archive=archive) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(web: SimWeb, archive: SimArchive) -> None:
    web.log.wait_idle()  # the last test's answers are counted before they are forgotten
    archive.reset()
    web.log.clear()


def cdx(web: SimWeb, query: str) -> Reply:
    return ask(f"{web.archive_endpoint}/cdx/search/cdx?{query}")


def cdx_rows(web: SimWeb, query: str) -> list[list[str]]:
    rows = cdx(web, query).json()
    assert isinstance(rows, list)
    return rows


def timestamps(rows: list[list[str]]) -> list[str]:
    """The timestamp column of a CDX answer with the default fields, header dropped."""
    return [row[1] for row in rows[1:]]


def play(web: SimWeb, timestamp: str, url: str, flag: str = "id_") -> Reply:
    return ask(f"{web.archive_endpoint}/web/{timestamp}{flag}/{url}")


# Mounting.


def test_the_archive_is_one_more_host_of_the_simulated_web(web):
    assert web.archive_endpoint == f"http://{ARCHIVE_HOST}:{web.port}"
    assert web.resolve_map()[ARCHIVE_HOST] == "127.0.0.1"
    assert ask(web.url("site001.test")).status == 200
    assert ask(f"{web.archive_endpoint}/no/such/endpoint").status == 404
    with pytest.raises(RuntimeError, match="no archive"):
        _ = SimWeb().archive_endpoint


def test_the_archive_answers_after_its_latency():
    with SimWeb(archive=SimArchive("slow-archive.test", latency=0.2)) as web:
        began = time.monotonic()
        assert cdx(web, "url=a.example&output=json").status == 200
        assert time.monotonic() - began >= 0.2


# CDX: the format.


def test_cdx_json_is_a_header_row_then_one_row_of_strings_per_capture(web, archive):
    archive.add_capture(ARTICLE, TS, title="Article")
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


def test_cdx_answers_an_empty_array_without_a_header_when_nothing_matches(web, archive):
    archive.add_capture(ARTICLE, TS, status=404)
    assert cdx(web, "url=never.example/x&output=json").body == b"[]\n"
    assert cdx(web, f"url={ARTICLE}&output=json&filter=statuscode:200").body == b"[]\n"


def test_cdx_repeats_a_capture_indexed_twice_and_shows_unknown_fields_as_dashes(web, archive):
    archive.add_capture(ARTICLE, TS)
    archive.add_capture(ARTICLE, TS)
    archive.add_capture(ARTICLE, "20240321000000", status=None, mimetype="-")
    rows = cdx_rows(web, f"url={ARTICLE}&output=json")
    assert rows[1] == rows[2]
    assert rows[3][3:5] == ["-", "-"]


def test_cdx_fl_picks_and_orders_the_columns_header_included(web, archive):
    archive.add_capture(ARTICLE, TS)
    assert cdx_rows(web, f"url={ARTICLE}&output=json&fl=statuscode,timestamp") == [
        ["statuscode", "timestamp"],
        ["200", TS],
    ]


def test_cdx_without_output_json_answers_text_lines(web, archive):
    archive.add_capture(ARTICLE, TS)
    line = cdx(web, f"url={ARTICLE}&fl=timestamp,original").body.decode()
    assert line == f"{TS} {ARTICLE}\n"


# CDX: the query.


@pytest.fixture
def spread(archive: SimArchive) -> None:
    """Captures of ARTICLE over a year, with bad and unknown statuses among them."""
    archive.add_capture(ARTICLE, "20230101000000")
    archive.add_capture(ARTICLE, "20240301000000", status=404)
    archive.add_capture(ARTICLE, "20240318000000")
    archive.add_capture(ARTICLE, "20240325000000", status=None)
    archive.add_capture(ARTICLE, "20240401000000", status=206)
    archive.add_capture(ARTICLE, "20241231000000", kind="image", status=203)


def test_cdx_filter_is_a_full_match_repeatable_and_negatable(web, spread):
    def stamps(filters: str) -> list[str]:
        return timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&{filters}"))

    assert stamps("filter=statuscode:20") == []  # full match, not a search
    assert stamps("filter=statuscode:20[036]") == [
        "20230101000000",
        "20240318000000",
        "20240401000000",
        "20241231000000",
    ]
    assert stamps("filter=!statuscode:20[036]") == ["20240301000000", "20240325000000"]
    assert stamps("filter=statuscode:20[036]&filter=mimetype:image/.*") == ["20241231000000"]


def test_cdx_closest_orders_by_distance_only_with_sort_closest(web, spread):
    near = timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&closest=20240320&sort=closest"))
    assert near[:4] == ["20240318000000", "20240325000000", "20240401000000", "20240301000000"]
    assert timestamps(cdx_rows(web, f"url={ARTICLE}&output=json&closest=20240320"))[0] == "20230101000000"


def test_cdx_limit_keeps_the_first_n_or_with_a_minus_the_last_n(web, spread):
    query = f"url={ARTICLE}&output=json"
    assert timestamps(cdx_rows(web, f"{query}&limit=2")) == ["20230101000000", "20240301000000"]
    assert timestamps(cdx_rows(web, f"{query}&limit=-2")) == ["20240401000000", "20241231000000"]
    assert timestamps(cdx_rows(web, f"{query}&closest=20240320&sort=closest&limit=1")) == ["20240318000000"]


def test_cdx_matches_urls_after_canonicalisation(web, archive):
    archive.add_capture("https://www.news.example/a/?y=2&x=1", TS)
    spellings = (
        "http://news.example/a?x=1&y=2",
        "NEWS.example/a/?x=1&y=2",
        "https://www2.news.example:443/%61?y=2&x=1",
    )
    for spelling in spellings:
        assert len(cdx_rows(web, f"url={quote(spelling, safe='')}&output=json")) == 2, spelling
    assert url_key("https://www.Example.com/a/?y=2&x=1") == "com,example)/a?x=1&y=2"
    assert url_key("http://site001.test:8080") == "test,site001:8080)/"


def test_cdx_queries_it_cannot_read_get_400(web, archive):
    archive.add_capture(ARTICLE, TS)
    for bad in ("limit=many", "filter=statuscode:(", "filter=nofield:x", "closest=2024x&sort=closest"):
        reply = cdx(web, f"url={ARTICLE}&output=json&{bad}")
        assert reply.status == 400, bad


# Availability.


def test_availability_offers_the_closest_capture_with_string_status(web, archive):
    archive.add_capture(ARTICLE, "20240101000000")
    archive.add_capture(ARTICLE, "20240318000000")
    archive.add_capture(ARTICLE, "20240330000000")
    answer = ask(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()
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


def test_availability_without_a_timestamp_offers_the_newest_known_capture(web, archive):
    archive.add_capture(ARTICLE, "20240101000000")
    archive.add_capture(ARTICLE, "20240318000000")
    archive.add_capture(ARTICLE, "20240330000000", status=None)  # "-": never offered
    answer = ask(availability_url(web.archive_endpoint, ARTICLE, None)).json()
    assert "timestamp" not in answer
    assert answer["archived_snapshots"]["closest"]["timestamp"] == "20240318000000"


def test_availability_answers_empty_snapshots_when_nothing_is_archived(web):
    answer = ask(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()
    assert answer == {"url": ARTICLE, "archived_snapshots": {}, "timestamp": "20240320"}


def test_availability_can_be_falsely_empty_while_cdx_has_the_captures(web, archive):
    archive.add_capture(ARTICLE, TS)
    archive.hide_from_availability(ARTICLE)
    assert ask(availability_url(web.archive_endpoint, ARTICLE, DAY)).json()["archived_snapshots"] == {}
    assert len(cdx_rows(web, f"url={ARTICLE}&output=json")) == 2
    assert play(web, TS, ARTICLE).status == 200


def test_batch_availability_answers_each_tagged_line_in_its_direction(web, archive):
    archive.add_capture(ARTICLE, "20240318000000")
    archive.add_capture(ARTICLE, "20240322000000")
    archive.add_capture("https://late.example/", "20240401000000")
    archive.add_capture("https://bad.example/", "20240318000000", status=404)
    archive.add_capture("https://hidden.example/", "20240318000000")
    archive.hide_from_availability("https://hidden.example/")
    urls = [ARTICLE, "https://late.example/", "https://bad.example/", "https://hidden.example/"]

    def batch(closest: str) -> dict[str, dict]:
        body, headers = availability_batch_body([(url, DAY) for url in urls], closest=closest)
        reply = ask(f"{web.archive_endpoint}/wayback/available", "POST", body, headers)
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


def test_batch_availability_needs_the_api_version_header(web):
    body, _ = availability_batch_body([(ARTICLE, DAY)])
    assert ask(f"{web.archive_endpoint}/wayback/available", "POST", body).status == 400


# The client reads every answer.


def test_the_clients_parsers_read_what_the_archive_answers(web, archive):
    archive.add_capture(ARTICLE, TS)
    archive.add_capture(ARTICLE, TS)
    archive.add_capture("https://other.example/", TS, kind="image")
    endpoint = web.archive_endpoint
    captures = parse_cdx(ask(cdx_query_url(endpoint, ARTICLE, DAY)).body)
    assert captures == [Snapshot(ARTICLE, TS, 200, "text/html")] * 2
    assert parse_cdx(ask(cdx_query_url(endpoint, "https://none.example/", None)).body) == []
    offered = parse_availability(ask(availability_url(endpoint, ARTICLE, DAY)).body)
    assert offered == Snapshot(ARTICLE, TS, 200)
    assert parse_availability(ask(availability_url(endpoint, "https://none.example/", DAY)).body) is None
    body, headers = availability_batch_body([(ARTICLE, DAY), ("https://none.example/", DAY)])
    found = parse_availability_batch(ask(f"{endpoint}/wayback/available", "POST", body, headers).body)
    assert found == {ARTICLE: Snapshot(ARTICLE, TS, 200), "https://none.example/": None}


# Playback.


def test_an_exact_timestamp_replays_the_capture_with_memento_headers(web, archive):
    archive.add_capture(ARTICLE, TS, title="The article")
    for flag in ("id_", "im_", "if_", ""):
        reply = play(web, TS, ARTICLE, flag)
        assert reply.status == 200, flag
        assert reply.headers["memento-datetime"] == "Wed, 20 Mar 2024 12:00:00 GMT"
        assert capture_timestamp_of(reply.headers["memento-datetime"]) == TS
        assert reply.headers["x-archive-orig-content-type"] == reply.headers["content-type"]
        assert f'<{ARTICLE}>; rel="original"' in reply.headers["link"]
        assert read_page(reply.body, reply.headers["content-type"]).title == "The article"


def test_an_inexact_timestamp_redirects_to_the_nearest_capture_without_a_memento_header(web, archive):
    archive.add_capture(ARTICLE, "20240101000000")
    archive.add_capture(ARTICLE, "20240318000000")
    for asked in ("20240320", "2024031912", "20240318000001"):
        reply = play(web, asked, ARTICLE, "im_")
        assert reply.status == 302 and "memento-datetime" not in reply.headers
        assert reply.headers["location"] == f"{web.archive_endpoint}/web/20240318000000im_/{ARTICLE}"
    assert play(web, "2023", ARTICLE).headers["location"].endswith(f"/20240101000000id_/{ARTICLE}")


def test_a_url_never_captured_is_a_404_without_a_memento_header(web, archive):
    archive.add_capture(ARTICLE, TS)
    for reply in (play(web, TS, "https://never.example/"), ask(f"{web.archive_endpoint}/web/notatimestamp")):
        assert reply.status == 404 and "memento-datetime" not in reply.headers


def test_playback_reads_the_original_url_raw_query_included(web, archive):
    archive.add_capture("https://example.com/a?b=c", TS, title="b is c")
    archive.add_capture("https://example.com/a?b=d", TS, title="b is d")
    archive.add_capture("https://example.com/页面", TS, title="CJK path")
    for url, title in (
        ("https://example.com/a?b=d", "b is d"),
        ("https://example.com/a?b=c", "b is c"),
        (quote("https://example.com/页面", safe=":/"), "CJK path"),
    ):
        reply = play(web, TS, url)
        assert read_page(reply.body, reply.headers["content-type"]).title == title


def test_a_capture_of_an_error_replays_its_status_as_a_memento(web, archive):
    archive.add_capture(ARTICLE, TS, status=404, title="Gone")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 404 and "memento-datetime" in reply.headers


# Capture kinds, and the client's judgement of each.


def verify(web: SimWeb, url: str, timestamp: str = TS) -> tuple[bool, str]:
    """Fetches a capture the way the Wayback spider does and judges it."""
    reply, landed = play(web, timestamp, url), None
    while 300 <= reply.status < 400:
        landed = reply.headers["location"]
        reply = ask(landed)
    content_type = reply.headers["content-type"]
    page = read_page(reply.body, content_type) if "html" in content_type else None
    return capture_is_trustworthy(reply.status, reply.headers, page, url, landed)


def test_a_page_and_an_image_are_trustworthy_captures(web, archive):
    archive.add_capture(ARTICLE, TS)
    archive.add_capture("https://img.example/photo.jpg", TS, kind="image")
    assert verify(web, ARTICLE) == (True, "captured Wed, 20 Mar 2024 12:00:00 GMT")
    reply = play(web, TS, "https://img.example/photo.jpg", "im_")
    assert (reply.headers["content-type"], reply.body) == ("image/jpeg", JPEG_START)
    assert verify(web, "https://img.example/photo.jpg")[0]
    assert cdx_rows(web, "url=img.example/photo.jpg&output=json")[1][3] == "image/jpeg"


def test_a_soft_404_capture_is_a_200_memento_that_says_not_found(web, archive):
    archive.add_capture(ARTICLE, TS, kind="soft-404")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 200 and "memento-datetime" in reply.headers
    assert read_page(reply.body, reply.headers["content-type"]).title == "Page Not Found"
    assert verify(web, ARTICLE) == (False, "the capture is a 'not found' page")


def test_a_parked_capture_carries_the_parking_services_own_header(web, archive):
    archive.add_capture("https://lapsed.example/post", TS, kind="parked")
    reply = play(web, TS, "https://lapsed.example/post")
    assert "x-archive-orig-x-adblock-key" in reply.headers and b"lapsed.example" in reply.body
    assert verify(web, "https://lapsed.example/post") == (False, "the capture is a parked-domain page")


def test_a_redirect_home_capture_is_a_memento_redirect_to_a_capture_of_the_home_page(web, archive):
    archive.add_capture(ARTICLE, TS, kind="redirect-home")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 302 and "memento-datetime" in reply.headers
    assert reply.headers["x-archive-orig-location"] == "https://news.example/"
    assert original_url_of(reply.headers["location"]) == "https://news.example/"
    home = ask(reply.headers["location"])
    assert home.status == 200 and home.headers["memento-datetime"] == reply.headers["memento-datetime"]
    assert read_page(home.body, home.headers["content-type"]).title == HOME_TITLE
    assert verify(web, ARTICLE) == (False, "the capture redirects to the site's home page")


def test_a_redirect_capture_leads_to_the_targets_nearest_capture(web, archive):
    archive.add_capture(ARTICLE, TS, kind="redirect", status=301, redirect_to="https://news.example/moved")
    archive.add_capture("https://news.example/moved", "20240320120005", title="Moved here")
    first = play(web, TS, ARTICLE)
    assert first.status == 301 and first.headers["location"].endswith(f"/{TS}id_/https://news.example/moved")
    assert cdx_rows(web, f"url={ARTICLE}&output=json")[1][4] == "301"
    assert verify(web, ARTICLE)[0]


def test_add_capture_refuses_what_it_cannot_serve(archive):
    with pytest.raises(ValueError, match="kind"):
        archive.add_capture(ARTICLE, kind="video")
    with pytest.raises(ValueError, match="14 digits"):
        archive.add_capture(ARTICLE, "20240320")
    with pytest.raises(ValueError, match="redirect_to"):
        archive.add_capture(ARTICLE, kind="redirect")
    with pytest.raises(ValueError, match="redirect_to"):
        archive.add_capture(ARTICLE, redirect_to="https://news.example/")


# Load: rate limit, failures, counts.


def test_the_token_bucket_allows_a_burst_then_the_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2.0, burst=3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60
    assert sum(bucket.take() for _ in range(5)) == 3


def test_over_the_rate_limit_every_endpoint_answers_429_without_retry_after():
    archive = SimArchive(rate_limit=0.01, burst=2)
    with SimWeb(archive=archive) as web:
        archive.add_capture(ARTICLE, TS)
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200
        assert play(web, TS, ARTICLE).status == 200
        refused = [
            ask(availability_url(web.archive_endpoint, ARTICLE, DAY)),
            play(web, TS, ARTICLE),
            cdx(web, f"url={ARTICLE}&output=json"),
        ]
        assert [reply.status for reply in refused] == [429, 429, 429]
        assert not any("retry-after" in reply.headers for reply in refused)
        web.log.wait_idle()
        assert archive.count(status=429) == 3 and archive.count("playback", 429) == 1
        archive.reset()
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200, "reset refills the bucket"


def test_fail_next_injects_server_errors_then_answers_again(web, archive):
    archive.add_capture(ARTICLE, TS)
    archive.fail_next(2)
    assert [cdx(web, f"url={ARTICLE}").status for _ in range(3)] == [503, 503, 200]
    archive.fail_next(1, status=502)
    assert play(web, TS, ARTICLE).status == 502


def test_counts_are_by_endpoint_and_status_and_reset_forgets_them(web, archive):
    archive.add_capture(ARTICLE, "20240318000000")
    cdx(web, f"url={ARTICLE}&output=json")
    ask(availability_url(web.archive_endpoint, ARTICLE, DAY))
    play(web, TS, ARTICLE)
    play(web, "20240318000000", ARTICLE)
    web.log.wait_idle()
    assert [archive.count(e) for e in ("cdx", "availability", "playback")] == [1, 1, 2]
    assert (archive.count(), archive.count("playback", 302), archive.count(status=200)) == (4, 1, 3)
    assert web.log.records(host=ARCHIVE_HOST)[0].path.startswith("/cdx/search/cdx?url=")
    archive.reset()
    assert archive.count() == 0 and archive.captures(ARTICLE) == []


def test_snapshot_playback_urls_built_by_the_client_are_served(web, archive):
    archive.add_capture(ARTICLE, TS)
    url = playback_url(web.archive_endpoint, Snapshot(ARTICLE, TS), identity=True)
    assert ask(url).status == 200

"""Tests for crawler/wayback/protocol.py: Wayback answers in, captures and URLs out."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from crawler.errors import ArchiveAnswerError
from crawler.models import Page, Snapshot
from crawler.wayback import protocol as archive
from crawler.wayback.protocol import (
    availability_batch_body,
    availability_url,
    capture_is_trustworthy,
    capture_timestamp_of,
    cdx_captures_url,
    cdx_query_url,
    original_url_of,
    parse_availability,
    parse_availability_batch,
    parse_cdx,
    playback_url,
    rank_captures,
    timestamp_of,
)

ENDPOINT = "https://web.archive.org"
ISSUE_DAY = date(2024, 3, 27)
HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
URL = "https://example.com/a_(b)?x=1&y=2"


def cdx_row(timestamp: str, status: str = "200", original: str = URL, mimetype: str = "text/html") -> list[str]:
    return ["com,example)/a_(b)?x=1&y=2", timestamp, original, mimetype, status, "DIGEST", "1234"]


def capture(timestamp: str, status: int | None = 200) -> Snapshot:
    return Snapshot(original=URL, timestamp=timestamp, status=status, mimetype="text/html")


def test_public_names_are_pinned():
    assert sorted(archive.__all__) == [
        "CDX_FIELDS",
        "GOOD_STATUSES",
        "availability_batch_body",
        "availability_url",
        "capture_is_trustworthy",
        "capture_timestamp_of",
        "cdx_captures_url",
        "cdx_query_url",
        "original_url_of",
        "parse_availability",
        "parse_availability_batch",
        "parse_cdx",
        "playback_url",
        "rank_captures",
        "timestamp_of",
    ]


# --- CDX query ---------------------------------------------------------------


def test_cdx_query_with_issue_date_asks_for_nearest_good_captures():
    query = urlsplit(cdx_query_url(ENDPOINT, URL, ISSUE_DAY))
    assert (query.scheme, query.netloc, query.path) == ("https", "web.archive.org", "/cdx/search/cdx")
    assert parse_qsl(query.query) == [
        ("url", URL),
        ("output", "json"),
        ("filter", "statuscode:20[036]"),
        ("closest", "20240327"),
        ("sort", "closest"),
        ("limit", "8"),
        ("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length"),
    ]


def test_cdx_query_encodes_the_url_so_its_query_stays_one_parameter():
    query = urlsplit(cdx_query_url(ENDPOINT, URL, ISSUE_DAY)).query
    assert "x=1" not in query and "&y=" not in query
    assert parse_qs(query)["url"] == [URL]


def test_cdx_query_without_issue_date_asks_for_the_newest():
    params = dict(parse_qsl(urlsplit(cdx_query_url(ENDPOINT + "/", URL, None, limit=3)).query))
    assert params["limit"] == "-3"
    assert "closest" not in params and "sort" not in params


def test_cdx_listing_asks_for_every_good_capture_and_only_the_columns_a_capture_needs():
    query = urlsplit(cdx_captures_url(ENDPOINT + "/", URL))
    assert (query.netloc, query.path) == ("web.archive.org", "/cdx/search/cdx")
    assert parse_qs(query.query) == {
        "url": [URL],
        "output": ["json"],
        "filter": ["statuscode:20[036]"],
        "fl": ["timestamp,original,mimetype,statuscode"],
    }
    body = json.dumps(
        [["timestamp", "original", "mimetype", "statuscode"], ["20240301120000", URL, "text/html", "200"]]
    )
    assert parse_cdx(body) == [capture("20240301120000")]


def test_cdx_query_strips_one_trailing_slash_from_the_endpoint():
    assert cdx_query_url("http://127.0.0.1:8080/", URL, None).startswith("http://127.0.0.1:8080/cdx/search/cdx?")


def test_cdx_query_refuses_a_limit_below_one():
    with pytest.raises(ValueError):
        cdx_query_url(ENDPOINT, URL, None, limit=0)


# --- CDX answers ----------------------------------------------------------------


def test_parse_cdx_reads_the_documented_json_format():
    body = json.dumps([HEADER, cdx_row("20240301120000"), cdx_row("20240401000000", mimetype="image/jpeg")])
    assert parse_cdx(body.encode()) == [
        Snapshot(URL, "20240301120000", 200, "text/html"),
        Snapshot(URL, "20240401000000", 200, "image/jpeg"),
    ]


@pytest.mark.parametrize("body", [b"", b"  \n", b"[]", "[]"])
def test_parse_cdx_no_captures(body):
    assert parse_cdx(body) == []


def test_parse_cdx_header_only_is_no_captures():
    assert parse_cdx(json.dumps([HEADER])) == []


def test_parse_cdx_keeps_repeated_rows_for_ranking_to_dedupe():
    body = json.dumps([HEADER, cdx_row("20240301120000"), cdx_row("20240301120000")])
    assert len(parse_cdx(body)) == 2


def test_parse_cdx_dash_fields_are_unknown():
    body = json.dumps([HEADER, cdx_row("20240301120000", status="-", mimetype="-")])
    assert parse_cdx(body) == [Snapshot(URL, "20240301120000", None, "")]


def test_parse_cdx_maps_columns_through_the_header():
    body = json.dumps([["statuscode", "original", "timestamp"], ["203", URL, "20240301120000"]])
    assert parse_cdx(body) == [Snapshot(URL, "20240301120000", 203, "")]


def test_parse_cdx_without_header_reads_the_default_order():
    body = json.dumps([cdx_row("20240301120000", status="206")])
    assert parse_cdx(body) == [Snapshot(URL, "20240301120000", 206, "text/html")]


def test_parse_cdx_stops_at_the_resumption_key():
    body = json.dumps([HEADER, cdx_row("20240301120000"), [], ["com%2Cexample%29%2F+20240301120000%21"]])
    assert [c.timestamp for c in parse_cdx(body)] == ["20240301120000"]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'[["urlkey"',
        b'{"error": "too many requests"}',
        json.dumps([HEADER, ["only", "three", "fields"]]),
        json.dumps([HEADER, cdx_row("2024-03-01")]),
        b"\xff\xfe not utf-8",
    ],
)
def test_parse_cdx_malformed_answers_raise_a_clear_error(body):
    with pytest.raises(ArchiveAnswerError):
        parse_cdx(body)


def test_archive_answer_error_is_a_value_error():
    assert issubclass(ArchiveAnswerError, ValueError)


# --- ranking ---------------------------------------------------------------------------


def timestamps(captures):
    return [c.timestamp for c in captures]


def test_rank_prefers_captures_up_to_the_end_of_the_issue_day_latest_first():
    captures = [
        capture("20240101000000"),
        capture("20240328000001"),
        capture("20240327235959"),
        capture("20240320000000"),
        capture("20250101000000"),
    ]
    assert timestamps(rank_captures(captures, ISSUE_DAY)) == [
        "20240327235959",
        "20240320000000",
        "20240101000000",
        "20240328000001",
        "20250101000000",
    ]


def test_rank_with_only_later_captures_takes_the_earliest_after():
    captures = [capture("20250101000000"), capture("20240401000000")]
    assert timestamps(rank_captures(captures, ISSUE_DAY)) == ["20240401000000", "20250101000000"]


def test_rank_without_issue_date_is_newest_first():
    captures = [capture("20200101000000"), capture("20240101000000"), capture("20220101000000")]
    assert timestamps(rank_captures(captures, None)) == ["20240101000000", "20220101000000", "20200101000000"]


def test_rank_of_nothing_is_nothing():
    assert rank_captures([], ISSUE_DAY) == []
    assert rank_captures([], None) == []


def test_rank_drops_bad_statuses_and_puts_unknown_after_known_good():
    captures = [
        capture("20240327000000", status=None),
        capture("20240326000000", status=404),
        capture("20240325000000", status=302),
        capture("20240301000000", status=203),
        capture("20240501000000", status=206),
    ]
    ranked = rank_captures(captures, ISSUE_DAY)
    assert timestamps(ranked) == ["20240301000000", "20240501000000", "20240327000000"]


def test_rank_dedupes_by_timestamp_keeping_the_known_good_row():
    captures = [capture("20240301000000", status=None), capture("20240301000000"), capture("20240301000000")]
    assert rank_captures(captures, ISSUE_DAY) == [capture("20240301000000")]


# --- playback URLs --------------------------------------------------------------------------


def test_playback_url_keeps_the_original_unencoded():
    snap = capture("20240301120000")
    assert playback_url(ENDPOINT + "/", snap) == f"https://web.archive.org/web/20240301120000/{URL}"


def test_playback_url_flags():
    snap = capture("20240301120000")
    assert playback_url(ENDPOINT, snap, image=True) == f"{ENDPOINT}/web/20240301120000im_/{URL}"
    assert playback_url(ENDPOINT, snap, identity=True) == f"{ENDPOINT}/web/20240301120000id_/{URL}"
    with pytest.raises(ValueError):
        playback_url(ENDPOINT, snap, image=True, identity=True)


@pytest.mark.parametrize(
    ("url", "original"),
    [
        (f"{ENDPOINT}/web/20240301120000/{URL}", URL),
        (f"http://web.archive.org/web/20240301120000id_/{URL}", URL),
        ("/web/20240301120000im_/http://example.com:80/", "http://example.com:80/"),
        ("https://example.com/web/page", None),
    ],
)
def test_original_url_of(url, original):
    assert original_url_of(url) == original


def test_timestamp_of():
    assert timestamp_of(date(987, 6, 5)) == "09870605"


# --- availability API ----------------------------------------------------------------------


def test_availability_url():
    assert parse_qsl(urlsplit(availability_url(ENDPOINT, URL, ISSUE_DAY)).query) == [
        ("url", URL),
        ("timestamp", "20240327"),
    ]
    assert availability_url(ENDPOINT + "/", URL, None) == (
        f"{ENDPOINT}/wayback/available?url=https%3A%2F%2Fexample.com%2Fa_%28b%29%3Fx%3D1%26y%3D2"
    )


def availability_answer(available: bool = True, status: str = "200") -> dict:
    return {
        "url": "example.com/a_(b)?x=1&y=2",
        "archived_snapshots": {
            "closest": {
                "status": status,
                "available": available,
                "url": f"http://web.archive.org/web/20240301120000/{URL}",
                "timestamp": "20240301120000",
            }
        },
    }


def test_parse_availability_reads_the_closest_capture():
    assert parse_availability(json.dumps(availability_answer())) == Snapshot(URL, "20240301120000", 200)


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"url": URL, "archived_snapshots": {}},
        availability_answer(available=False),
        availability_answer(status="404"),
    ],
)
def test_parse_availability_nothing_usable(answer):
    assert parse_availability(json.dumps(answer)) is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"archived_snapshots": []}',
        b'{"archived_snapshots": {"closest": {"available": true, "url": "nonsense", "timestamp": "1"}}}',
    ],
)
def test_parse_availability_malformed(body):
    with pytest.raises(ArchiveAnswerError):
        parse_availability(body)


# --- batch availability (InternetArchiveBot's form) --------------------------------------


def test_batch_body_is_one_tagged_form_query_per_line():
    body, headers = availability_batch_body([(URL, ISSUE_DAY), ("https://example.org/", None)], closest="before")
    assert headers == {"Wayback-Api-Version": "2", "Content-Type": "application/x-www-form-urlencoded"}
    first, second = body.decode().split("\n")
    assert parse_qsl(first) == [
        ("url", URL),
        ("timestamp", "20240327235959"),
        ("closest", "before"),
        ("statuscodes", "200"),
        ("statuscodes", "203"),
        ("statuscodes", "206"),
        ("tag", URL),
    ]
    assert parse_qs(second)["tag"] == ["https://example.org/"]
    assert "timestamp" not in parse_qs(second)


def test_batch_lines_can_be_tagged_so_one_url_is_asked_for_several_dates():
    later = date(2024, 6, 5)
    body, _ = availability_batch_body([(URL, ISSUE_DAY), (URL, later)], closest="before", tags=["0", "1"])
    first, second = (parse_qs(line) for line in body.decode().split("\n"))
    assert (first["tag"], first["timestamp"]) == (["0"], ["20240327235959"])
    assert (second["tag"], second["timestamp"]) == (["1"], ["20240605235959"])
    with pytest.raises(ValueError):
        availability_batch_body([(URL, ISSUE_DAY)], tags=["0", "1"])


def test_batch_body_refuses_an_unknown_direction():
    with pytest.raises(ValueError):
        availability_batch_body([(URL, None)], closest="nearest")


def test_parse_availability_batch_by_tag():
    found = availability_answer() | {"tag": URL}
    nothing = {"tag": "https://gone.example/", "archived_snapshots": {}}
    unanswered = {"tag": "https://later.example/", "error": "timeout"}
    body = json.dumps({"results": [found, nothing, unanswered]})
    assert parse_availability_batch(body) == {
        URL: Snapshot(URL, "20240301120000", 200),
        "https://gone.example/": None,
    }


@pytest.mark.parametrize("body", [b"[]", b'{"results": {}}', b"oops"])
def test_parse_availability_batch_malformed(body):
    with pytest.raises(ArchiveAnswerError):
        parse_availability_batch(body)


# --- Memento-Datetime ------------------------------------------------------------------------


def test_capture_timestamp_of_memento_datetime():
    assert capture_timestamp_of("Wed, 27 Mar 2024 08:01:02 GMT") == "20240327080102"
    assert capture_timestamp_of("Wed, 27 Mar 2024 08:01:02 +0200") == "20240327060102"


def test_capture_timestamp_of_garbage():
    with pytest.raises(ArchiveAnswerError):
        capture_timestamp_of("yesterday")


# --- verification ------------------------------------------------------------------------------

MEMENTO = {"memento-datetime": "Wed, 27 Mar 2024 08:01:02 GMT", "content-type": "text/html"}
ARTICLE = Page(title="MM1: Methods, Analysis & Insights", heading="MM1", text="We study multimodal models " * 20)
NOT_FOUND = Page(
    title="404 Not Found", heading="Page not found", text="Sorry, the page you requested could not be found."
)
PARKED = Page(
    title="example.com is for sale",
    heading="This domain is for sale",
    text="The domain example.com may be for sale. Buy this domain today. Related searches",
)


def test_a_good_capture_is_trusted():
    ok, reason = capture_is_trustworthy(200, MEMENTO, ARTICLE, URL, None)
    assert ok, reason
    assert "2024" in reason


def test_an_image_capture_without_page_is_trusted():
    assert capture_is_trustworthy(200, MEMENTO, None, "https://img.example/a.jpeg", None)[0]


def test_capture_without_memento_datetime_is_rejected():
    ok, reason = capture_is_trustworthy(200, {"content-type": "text/html"}, ARTICLE, URL, None)
    assert not ok and "Memento-Datetime" in reason


@pytest.mark.parametrize("status", [301, 404, 503])
def test_capture_with_a_non_2xx_answer_is_rejected(status):
    ok, reason = capture_is_trustworthy(status, MEMENTO, ARTICLE, URL, None)
    assert not ok and str(status) in reason


def test_soft_404_capture_is_rejected():
    ok, reason = capture_is_trustworthy(200, MEMENTO, NOT_FOUND, URL, None)
    assert not ok and "not found" in reason


def test_parked_capture_is_rejected():
    ok, reason = capture_is_trustworthy(200, MEMENTO, PARKED, URL, None)
    assert not ok and "parked" in reason


@pytest.mark.parametrize(
    "location",
    [
        f"{ENDPOINT}/web/20240301120000/https://example.com/",
        "/web/20240301120000id_/http://example.com:80/index.html",
        "https://example.com",
    ],
)
def test_capture_redirected_to_the_home_page_is_rejected(location):
    ok, reason = capture_is_trustworthy(200, MEMENTO, ARTICLE, URL, location)
    assert not ok and "home page" in reason


def test_a_capture_of_a_sites_own_gone_page_is_rejected_by_its_site_rule():
    wechat = "https://mp.weixin.qq.com/s/abcdef"
    deleted = Page(title="", heading=None, text="该内容已被发布者删除 微信公众平台运营中心")
    ok, reason = capture_is_trustworthy(200, MEMENTO, deleted, wechat, None)
    assert not ok and "WeChat" in reason
    quoted = Page(title="一篇文章", heading="一篇文章", text="正文里引用了“该内容已被发布者删除”这句话 " * 5)
    assert capture_is_trustworthy(200, MEMENTO, quoted, wechat, None)[0]  # the notice must lead the page


def test_a_captured_bot_challenge_is_rejected():
    challenge = Page(title="Just a moment...", text="Checking if the site connection is secure")
    ok, reason = capture_is_trustworthy(
        200, MEMENTO | {"x-archive-orig-cf-mitigated": "challenge"}, challenge, URL, None
    )
    assert not ok and "bot challenge" in reason


def test_capture_redirected_to_another_timestamp_of_the_same_page_is_trusted():
    location = f"{ENDPOINT}/web/20240302000000/{URL}"
    assert capture_is_trustworthy(200, MEMENTO, ARTICLE, URL, location)[0]


def test_a_home_page_link_may_land_on_the_home_page():
    location = f"{ENDPOINT}/web/20240302000000/https://example.com/"
    assert capture_is_trustworthy(200, MEMENTO, ARTICLE, "https://example.com", location)[0]

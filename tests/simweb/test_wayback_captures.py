"""Captures: how URLs match, and each kind of capture as the Wayback spider judges it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from crawler.check.page import read_page
from crawler.simweb import HOME_TITLE, HostSpec
from crawler.simweb.pages import JPEG_START
from crawler.simweb.wayback_captures import url_key
from crawler.wayback.protocol import original_url_of
from tests.simweb.clients import ARTICLE, HOST, TS, cdx_rows, fetch, play, verify

HOSTS = [HostSpec(HOST)]  # served to this module by the `web` fixture, with `wayback` as its archive
pytestmark = pytest.mark.usefixtures("fresh_wayback")


# Index keys.


def test_cdx_matches_urls_after_canonicalisation(web, wayback):
    wayback.add_capture("https://www.news.example/a/?y=2&x=1", TS)
    spellings = (
        "http://news.example/a?x=1&y=2",
        "NEWS.example/a/?x=1&y=2",
        "https://www2.news.example:443/%61?y=2&x=1",
    )
    for spelling in spellings:
        assert len(cdx_rows(web, f"url={quote(spelling, safe='')}&output=json")) == 2, spelling
    assert url_key("https://www.Example.com/a/?y=2&x=1") == "com,example)/a?x=1&y=2"
    assert url_key("http://site001.test:8080") == "test,site001:8080)/"


# Capture kinds, and the client's judgement of each.


def test_a_page_and_an_image_are_trustworthy_captures(web, wayback):
    wayback.add_capture(ARTICLE, TS)
    wayback.add_capture("https://img.example/photo.jpg", TS, kind="image")
    assert verify(web, ARTICLE) == (True, "captured Wed, 20 Mar 2024 12:00:00 GMT")
    reply = play(web, TS, "https://img.example/photo.jpg", "im_")
    assert (reply.headers["content-type"], reply.body) == ("image/jpeg", JPEG_START)
    assert verify(web, "https://img.example/photo.jpg")[0]
    assert cdx_rows(web, "url=img.example/photo.jpg&output=json")[1][3] == "image/jpeg"


def test_a_soft_404_capture_is_a_200_memento_that_says_not_found(web, wayback):
    wayback.add_capture(ARTICLE, TS, kind="soft-404")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 200 and "memento-datetime" in reply.headers
    assert read_page(reply.body, reply.headers["content-type"]).title == "Page Not Found"
    assert verify(web, ARTICLE) == (False, "the capture is a 'not found' page")


def test_a_parked_capture_carries_the_parking_services_own_header(web, wayback):
    wayback.add_capture("https://lapsed.example/post", TS, kind="parked")
    reply = play(web, TS, "https://lapsed.example/post")
    assert "x-archive-orig-x-adblock-key" in reply.headers and b"lapsed.example" in reply.body
    assert verify(web, "https://lapsed.example/post") == (False, "the capture is a parked-domain page")


def test_a_redirect_home_capture_is_a_memento_redirect_to_a_capture_of_the_home_page(web, wayback):
    wayback.add_capture(ARTICLE, TS, kind="redirect-home")
    reply = play(web, TS, ARTICLE)
    assert reply.status == 302 and "memento-datetime" in reply.headers
    assert reply.headers["x-archive-orig-location"] == "https://news.example/"
    assert original_url_of(reply.headers["location"]) == "https://news.example/"
    home = fetch(reply.headers["location"])
    assert home.status == 200 and home.headers["memento-datetime"] == reply.headers["memento-datetime"]
    assert read_page(home.body, home.headers["content-type"]).title == HOME_TITLE
    assert verify(web, ARTICLE) == (False, "the capture redirects to the site's home page")


def test_a_redirect_capture_leads_to_the_targets_nearest_capture(web, wayback):
    wayback.add_capture(ARTICLE, TS, kind="redirect", status=301, redirect_to="https://news.example/moved")
    wayback.add_capture("https://news.example/moved", "20240320120005", title="Moved here")
    first = play(web, TS, ARTICLE)
    assert first.status == 301 and first.headers["location"].endswith(f"/{TS}id_/https://news.example/moved")
    assert cdx_rows(web, f"url={ARTICLE}&output=json")[1][4] == "301"
    assert verify(web, ARTICLE)[0]

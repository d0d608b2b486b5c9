"""The early stop: non-HTML after its headers, HTML after its budget, archive answers whole."""

from __future__ import annotations

import pytest
from scrapy.exceptions import StopDownload
from scrapy.http import Headers, HtmlResponse, Request

import crawler.fetch.early_stop
from crawler.fetch.early_stop import BodyBudgetMiddleware
from crawler.fetch.meta import WHOLE_BODY


def test_public_names():
    assert crawler.fetch.early_stop.__all__ == ["BodyBudgetMiddleware"]


def headers(content_type):
    return Headers({"Content-Type": content_type})


def test_a_pdf_stops_after_its_headers_unless_tiny():
    middleware = BodyBudgetMiddleware()
    with pytest.raises(StopDownload):
        middleware.headers_received(headers("application/pdf"), 20_000_000, Request("https://a.test/f.pdf"))
    with pytest.raises(StopDownload):
        middleware.headers_received(headers("application/pdf"), None, Request("https://a.test/f.pdf"))
    middleware.headers_received(headers("application/pdf"), 100, Request("https://a.test/f.pdf"))


def test_html_and_whole_body_requests_go_on_after_the_headers():
    middleware = BodyBudgetMiddleware()
    middleware.headers_received(headers("text/html"), 20_000_000, Request("https://a.test/"))
    whole = Request("https://archive.test/cdx", meta={WHOLE_BODY: True})
    middleware.headers_received(headers("application/json"), None, whole)


def test_html_stops_once_its_budget_is_read():
    middleware, request = BodyBudgetMiddleware(html_bytes=100), Request("https://a.test/")
    middleware.bytes_received(b"x" * 60, request)
    with pytest.raises(StopDownload):
        middleware.bytes_received(b"x" * 60, request)


def test_a_longer_body_is_cut_to_the_budget():
    response = HtmlResponse("https://a.test/", body=b"x" * 200)
    assert len(BodyBudgetMiddleware(html_bytes=100).process_response(Request(response.url), response).body) == 100
    whole = Request(response.url, meta={WHOLE_BODY: True})
    assert BodyBudgetMiddleware(html_bytes=100).process_response(whole, response) is response

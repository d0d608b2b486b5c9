import gzip
import zlib
from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.errors import RedirectLoopError, TooManyRedirectsError
from crawler.fetch.middlewares import (
    BoundedDecompressionMiddleware,
    RedirectLoopMiddleware,
    inflate_prefix,
    retry_after_seconds,
)


def test_retry_after_in_seconds():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(b" 3 ") == 3.0


def test_retry_after_as_http_date():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sat, 28 Nov 2026 12:00:30 GMT", now=now) == 30.0


def test_retry_after_in_the_past_or_garbage():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Sat, 28 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def redirect(url, location, status=301):
    return HtmlResponse(url, status=status, headers={"Location": location}, body=b"")


def test_redirect_back_into_the_chain_is_a_loop():
    request = Request("https://a.test/b", meta={"redirect_urls": ["https://a.test/a"]})
    with pytest.raises(RedirectLoopError):
        RedirectLoopMiddleware().process_response(request, redirect(request.url, "/a"))


def test_redirect_to_a_new_url_passes():
    request = Request("https://a.test/b", meta={"redirect_urls": ["https://a.test/a"]})
    response = redirect(request.url, "/c")
    assert RedirectLoopMiddleware().process_response(request, response) is response


def test_chain_longer_than_the_limit_stops():
    chain = [f"https://a.test/{n}" for n in range(3)]
    request = Request("https://a.test/3", meta={"redirect_urls": chain})
    with pytest.raises(TooManyRedirectsError):
        RedirectLoopMiddleware(max_hops=3).process_response(request, redirect(request.url, "/4"))


def test_gzip_bomb_is_cut_at_the_limit():
    bomb = gzip.compress(b"<html><title>t</title>" + b" " * 50_000_000)
    assert len(inflate_prefix(bomb, b"gzip", 1000)) == 1000


def test_truncated_gzip_still_inflates_its_start():
    data = gzip.compress(b"<title>Hello</title>" + bytes(range(256)) * 400)
    assert inflate_prefix(data[: len(data) // 2], b"gzip", 10**6).startswith(b"<title>Hello</title>")


@pytest.mark.parametrize("compress", [zlib.compress, lambda b: zlib.compress(b)[2:-4]])
def test_deflate_wrapped_or_raw(compress):
    assert inflate_prefix(compress(b"<title>x</title>"), b"deflate", 100) == b"<title>x</title>"


def test_decompression_middleware_removes_the_encoding_header():
    body = gzip.compress(b"<html><title>Hi</title></html>")
    response = HtmlResponse("https://a.test/", body=body, headers={"Content-Encoding": "gzip"})
    decoded = BoundedDecompressionMiddleware(100).process_response(Request(response.url), response)
    assert decoded.body == b"<html><title>Hi</title></html>"
    assert b"Content-Encoding" not in decoded.headers

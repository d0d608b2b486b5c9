"""Compressed bodies are inflated only as far as a size, tolerating a cut-off end."""

from __future__ import annotations

import gzip
import zlib

import pytest
from scrapy.http import HtmlResponse, Request

import crawler.fetch.bounded_decompression
from crawler.fetch.bounded_decompression import BoundedDecompressionMiddleware, inflate_prefix


def test_public_names():
    assert crawler.fetch.bounded_decompression.__all__ == ["BoundedDecompressionMiddleware", "inflate_prefix"]


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


def test_an_uncompressed_response_passes_untouched():
    response = HtmlResponse("https://a.test/", body=b"<title>Hi</title>")
    assert BoundedDecompressionMiddleware(100).process_response(Request(response.url), response) is response

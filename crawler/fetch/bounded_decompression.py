"""Compressed pages are inflated only as far as a size, so a decompression bomb costs nothing.

Scrapy's HttpCompressionMiddleware fails a response that inflates past
DOWNLOAD_MAXSIZE; a link checker only needs the start of the page, so a
decompression bomb is cut short and the page still gets its title.
"""

from __future__ import annotations

import zlib

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

__all__ = ["BoundedDecompressionMiddleware", "inflate_prefix"]


class BoundedDecompressionMiddleware:
    """Decompresses gzip/deflate bodies up to a size, truncating instead of failing."""

    def __init__(self, max_bytes: int = 512 * 1024):
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedDecompressionMiddleware:
        return cls(crawler.settings.getint("ROTWATCH_DECOMPRESSED_BYTES"))

    def process_request(self, request: Request) -> None:
        request.headers.setdefault("Accept-Encoding", "gzip, deflate")

    def process_response(self, request: Request, response: Response) -> Response:
        encoding = (response.headers.get(b"Content-Encoding") or b"").strip().lower()
        if encoding not in (b"gzip", b"x-gzip", b"deflate") or not response.body:
            return response
        body = inflate_prefix(response.body, encoding, self.max_bytes)
        headers = response.headers.copy()
        del headers[b"Content-Encoding"]
        return response.replace(body=body, headers=headers)


def inflate_prefix(data: bytes, encoding: bytes, max_bytes: int) -> bytes:
    """The first `max_bytes` of a gzip/deflate stream, tolerating a cut-off end."""
    # deflate: zlib-wrapped, then raw; gzip: its own header
    attempts = (zlib.MAX_WBITS, -zlib.MAX_WBITS) if encoding == b"deflate" else (16 + zlib.MAX_WBITS,)
    for wbits in attempts:
        try:
            return zlib.decompressobj(wbits).decompress(data, max_bytes)
        except zlib.error:
            continue
    return b""

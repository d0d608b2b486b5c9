"""Each download stops as soon as the verdict has what it needs.

A PDF or a video is judged by its status; an HTML page by its status and
its first kilobytes (title, heading). Stopping a download this way gives
a truncated response flagged "download_stopped", not an error. Requests
whose answer must be read whole (archive index queries) carry meta
WHOLE_BODY.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Headers, Request, Response

from crawler.check.page import may_be_html
from crawler.fetch.meta import BODY_BYTES_READ, WHOLE_BODY

__all__ = ["BodyBudgetMiddleware"]


class BodyBudgetMiddleware:
    """Stops each download early: after the headers for non-HTML, after a budget for HTML."""

    SMALL_BODY = 4 * 1024  # bytes: non-HTML bodies up to this size are read whole

    def __init__(self, html_bytes: int = 64 * 1024):
        self.html_bytes = html_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BodyBudgetMiddleware:
        middleware = cls(crawler.settings.getint("ROTWATCH_HTML_BYTES"))
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def headers_received(self, headers: Headers, body_length: object, request: Request) -> None:
        """Stops a non-HTML download after its headers.

        `body_length` is the announced length: an int, or None or Twisted's
        UNKNOWN_LENGTH when the server announced none, depending on the
        download handler.
        """
        if request.meta.get(WHOLE_BODY):
            return
        content_type = headers.get(b"Content-Type")
        if may_be_html(content_type.decode("latin-1") if content_type else None):
            return
        # A tiny body (an error message) is read: stopping would close a
        # connection the pool may already have taken back for the next request.
        if not (isinstance(body_length, int) and 0 <= body_length <= self.SMALL_BODY):
            raise StopDownload(fail=False)

    def bytes_received(self, data: bytes, request: Request) -> None:
        """Stops an HTML download once its budget is read."""
        if request.meta.get(WHOLE_BODY):
            return
        received = request.meta.get(BODY_BYTES_READ, 0) + len(data)
        request.meta[BODY_BYTES_READ] = received
        if received >= self.html_bytes:
            raise StopDownload(fail=False)

    def process_response(self, request: Request, response: Response) -> Response:
        if len(response.body) > self.html_bytes and not request.meta.get(WHOLE_BODY):
            return response.replace(body=response.body[: self.html_bytes])
        return response

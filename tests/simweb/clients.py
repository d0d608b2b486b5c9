"""Plain HTTP clients for testing the simulated web without Scrapy in the way.

Crawler tests trust `SimWeb.expected()` and the simulated Wayback Machine;
the tests in this folder make sure both really behave as they say, with
http.client and raw sockets. Shared by the test modules here.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit

from crawler.check.page import read_page
from crawler.simweb import HostSpec, SimWeb
from crawler.wayback.protocol import availability_batch_body, capture_is_trustworthy

HOST = "site001.test"
SLOW_HOST = "slow.test"
SITES = [HostSpec(HOST), HostSpec("site002.test"), HostSpec(SLOW_HOST, latency=0.2)]  # served by `web`

ARTICLE = "https://news.example/2024/03/article"
DAY = date(2024, 3, 20)
TS = "20240320120000"


@dataclass
class Reply:
    """What a plain HTTP client got back."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def title(self) -> str | None:
        """The title as a reader sees it, decoded by the declared charset."""
        content_type = self.headers.get("content-type", "")
        if not content_type.startswith("text/html"):
            return None
        declared = re.search(r"charset=([\w-]+)", content_type)
        meta = re.search(rb"charset=[\"']?([\w-]+)", self.body[:1024])
        charset = declared.group(1) if declared else meta.group(1).decode() if meta else "utf-8"
        match = re.search(r"<title>(.*?)</title>", self.body.decode(charset), re.S)
        return " ".join(html.unescape(match.group(1)).split()) if match else None

    def json(self) -> object:
        return json.loads(self.body)


def fetch(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Reply:
    """One request to the loopback server, with the URL's host in the Host header and its target sent as written."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=timeout)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target, body=body, headers={"Host": parts.netloc, **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def follow(url: str, limit: int = 20) -> tuple[list[int], str, Reply]:
    """Follows redirects like a browser: the statuses seen, the final URL and reply."""
    statuses = []
    for _ in range(limit):
        reply = fetch(url)
        statuses.append(reply.status)
        if reply.status not in (301, 302, 303, 307, 308):
            return statuses, url, reply
        url = urljoin(url, reply.headers["location"])
    raise AssertionError(f"more than {limit} redirects: {statuses}")


def wait_for(condition: Callable[[], object], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def raw_request(web: SimWeb, path: str, host: str = HOST, method: str = "GET") -> socket.socket:
    """A connected socket that has sent one request and read nothing yet."""
    sock = socket.create_connection(("127.0.0.1", web.port), timeout=3)
    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}:{web.port}\r\n\r\n".encode())
    return sock


def read_head(sock: socket.socket) -> tuple[bytes, bytes]:
    """Reads until the end of the response headers: (headers, body bytes read with them)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed before the headers ended: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


# The simulated Wayback Machine.


def cdx(web: SimWeb, query: str) -> Reply:
    return fetch(f"{web.archive_endpoint}/cdx/search/cdx?{query}")


def cdx_rows(web: SimWeb, query: str) -> list[list[str]]:
    rows = cdx(web, query).json()
    assert isinstance(rows, list)
    return rows


def timestamps(rows: list[list[str]]) -> list[str]:
    """The timestamp column of a CDX answer with the default fields, header dropped."""
    return [row[1] for row in rows[1:]]


def batch(web: SimWeb, urls: list[str]) -> Reply:
    """One batch availability POST asking for the captures of `urls` near DAY."""
    body, headers = availability_batch_body([(url, DAY) for url in urls])
    return fetch(f"{web.archive_endpoint}/wayback/available", "POST", body, headers)


def play(web: SimWeb, timestamp: str, url: str, flag: str = "id_") -> Reply:
    return fetch(f"{web.archive_endpoint}/web/{timestamp}{flag}/{url}")


def verify(web: SimWeb, url: str, timestamp: str = TS) -> tuple[bool, str]:
    """Fetches a capture the way the Wayback spider does and judges it."""
    reply, landed = play(web, timestamp, url), None
    while 300 <= reply.status < 400:
        landed = reply.headers["location"]
        reply = fetch(landed)
    content_type = reply.headers["content-type"]
    page = read_page(reply.body, content_type) if "html" in content_type else None
    return capture_is_trustworthy(reply.status, reply.headers, page, url, landed)

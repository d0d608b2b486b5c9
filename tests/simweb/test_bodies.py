"""Bodies too big to read, and what the log says was sent of them."""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.simweb.clients import SITES, fetch, raw_request, read_head

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


def test_large_pdf_stops_writing_when_the_client_leaves_after_the_headers(web):
    with raw_request(web, "/s/large-pdf") as sock:
        head, _ = read_head(sock)
    assert b"Content-Length: 20971520" in head and b"application/pdf" in head
    assert web.log.wait_idle()
    sent = web.log.bytes_sent(web.scenario_url("large-pdf"))
    assert len(head) < sent < 2 * 1024 * 1024, sent


def test_large_pdf_head_is_headers_only(web):
    reply = fetch(web.scenario_url("large-pdf"), method="HEAD")
    assert web.log.wait_idle()
    assert reply.headers["content-length"] == str(20 * 1024 * 1024) and reply.body == b""
    assert web.log.bytes_sent(web.scenario_url("large-pdf")) < 1024


@pytest.mark.parametrize("name", ["huge-html", "endless"])
def test_long_html_has_its_title_in_the_first_kilobyte(web, name):
    with raw_request(web, f"/s/{name}") as sock:
        head, body = read_head(sock)
        while len(body) < 64 * 1024:
            chunk = sock.recv(65536)
            assert chunk, "the body ended early"
            body += chunk
    assert f"<title>{web.expected(name).title}</title>".encode() in body[:1024]
    assert (b"Transfer-Encoding: chunked" in head) == (name == "endless")
    assert web.log.wait_idle()
    assert web.log.bytes_sent(web.scenario_url(name)) < 2 * 1024 * 1024


def test_gzip_bomb_is_small_on_the_wire_and_a_gibibyte_inflated(web):
    reply = fetch(web.scenario_url("gzip-bomb"))
    assert reply.headers["content-encoding"] == "gzip" and len(reply.body) < 2 * 1024 * 1024
    start = zlib.decompressobj(31).decompress(reply.body, 1024)
    assert b"<title>Compressed page</title>" in start
    _crc, size = struct.unpack("<II", reply.body[-8:])
    assert size > 2**30
    inflater, data, total = zlib.decompressobj(31), reply.body, 0
    while data and not inflater.eof:  # the whole stream is valid: trailer CRC and length match
        total += len(inflater.decompress(data, 64 * 1024 * 1024))
        data = inflater.unconsumed_tail
    assert inflater.eof and total == size

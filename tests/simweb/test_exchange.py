"""The ways an exchange answers: no answer, a reset, a slow stream, and what the log says reached the socket."""

from __future__ import annotations

import pytest

from tests.simweb.clients import HOST, SITES, fetch, raw_request, read_head

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


def test_hang_is_logged_in_flight_then_finished_when_the_client_leaves(web):
    sock = raw_request(web, "/s/hang")
    sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        sock.recv(1)
    [record] = web.log.records(path="/s/hang")
    assert record.finished is None and web.log.max_concurrency(HOST) == 1
    assert not web.log.wait_idle(timeout=0.05)
    sock.close()
    assert web.log.wait_idle()
    assert web.log.records(path="/s/hang")[0].finished is not None


def test_reset_sends_rst_without_an_answer(web):
    sock = raw_request(web, "/s/reset")
    with pytest.raises(ConnectionResetError):
        sock.recv(1024)
    sock.close()
    assert web.log.wait_idle()
    assert web.log.records(path="/s/reset")[0].bytes_sent == 0


def test_slow_drip_sends_headers_then_a_byte_a_second(web):
    with raw_request(web, "/s/slow-drip") as sock:
        head, body = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200")
        sock.settimeout(1.5)
        while body.count(b" ") < 2:  # chunked: "1\r\n \r\n" per byte
            body += sock.recv(100)
        assert len(body) < 30


def test_bytes_sent_counts_a_whole_small_answer(web):
    reply = fetch(web.scenario_url("ok-utf8"))
    assert web.log.wait_idle()
    assert web.log.bytes_sent(web.scenario_url("ok-utf8")) > len(reply.body) + 50

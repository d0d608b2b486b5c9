"""The simulated web itself, checked with plain HTTP clients and raw sockets.

Crawler tests trust `SimWeb.expected()`; these tests make sure the server
really behaves the way each truth says, without Scrapy in the way.
"""

from __future__ import annotations

import asyncio
import html
import http.client
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

import crawler.simweb
from crawler.models import Verdict
from crawler.simweb import HOME_TITLE, SCENARIOS, HostSpec, SimWeb, fallback_title, numbered_hosts
from crawler.simweb import scenarios as catalogue

HOST = "site001.test"
SLOW_HOST = "slow.test"


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


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, timeout: float = 5.0) -> Reply:
    """One request to the loopback server, with the URL's host in the Host header."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=timeout)
    try:
        connection.request(
            method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            headers={"Host": parts.netloc, **(headers or {})},
        )
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
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


@pytest.fixture(scope="module")
def web() -> Iterator[SimWeb]:
    with SimWeb([HostSpec(HOST), HostSpec("site002.test"), HostSpec(SLOW_HOST, latency=0.2)]) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(web: SimWeb) -> None:
    web.log.clear()
    web.reset_state()


def wait_for(condition, timeout: float = 3.0) -> None:
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


# The package surface.


def test_public_names_are_pinned():
    assert sorted(crawler.simweb.__all__) == sorted(
        [
            "HOME_TITLE",
            "SCENARIOS",
            "HostSpec",
            "RequestLog",
            "RequestRecord",
            "Scenario",
            "SimArchive",
            "SimWeb",
            "fallback_title",
            "numbered_hosts",
        ]
    )


def test_every_truth_is_a_verdict_and_every_served_scenario_has_a_behaviour():
    assert all(Verdict(s.verdict) is s.verdict for s in SCENARIOS.values())
    unserved = {name for name in SCENARIOS if name not in catalogue.HANDLERS}
    assert unserved == {"refused", "nxdomain"}
    assert {s.verdict for s in SCENARIOS.values()} == set(Verdict) - {Verdict.SKIPPED}


def test_numbered_hosts_are_reproducible():
    hosts = numbered_hosts(400, 0.05, 0.2)
    assert hosts == numbered_hosts(400, 0.05, 0.2)
    assert hosts[0].name == "site001.test" and hosts[-1].name == "site400.test"
    assert all(0.05 <= h.latency <= 0.2 for h in hosts)


# Life cycle.


def test_starts_and_stops_fast_many_times_without_leaking_threads_or_sockets():
    threads, fds = set(threading.enumerate()), len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        began = time.monotonic()
        with SimWeb() as web:
            hung = raw_request(web, "/s/hang")
            wait_for(lambda: web.log.records(path="/s/hang"))
        assert time.monotonic() - began < 0.5
        hung.close()
        assert web.log.records(path="/s/hang")[0].finished is not None, "stop cancels hung answers"
    assert set(threading.enumerate()) <= threads
    assert len(os.listdir("/proc/self/fd")) <= fds


def test_urls_need_a_running_server():
    with pytest.raises(RuntimeError, match="not running"):
        SimWeb().url(HOST)


# Virtual hosts, addresses, generic pages.


def test_routes_by_host_header_and_serves_any_path(web):
    reply = fetch(web.url("site002.test", "/any/path?x=1"))
    assert reply.status == 200
    assert reply.title == fallback_title("site002.test", "/any/path") == "Page /any/path on site002.test"
    assert fetch(web.url(HOST)).title == HOME_TITLE


def test_unknown_hosts_and_scenarios_are_refused_not_served(web):
    assert fetch(f"http://elsewhere.test:{web.port}/").status == 421
    assert fetch(web.url(HOST, "/s/no-such-scenario")).status == 404


def test_resolve_map_has_every_served_name_but_not_the_nxdomain_one(web):
    names = web.resolve_map()
    assert set(names.values()) == {"127.0.0.1"}
    assert {HOST, SLOW_HOST, "parked-domain.test", "home-redirect.test", "refused.test"} <= set(names)
    assert urlsplit(web.nxdomain_url()).hostname not in names
    assert web.nxdomain_url() == "http://no-such-host.invalid/"


def test_refused_url_resolves_but_refuses_connections(web):
    url = urlsplit(web.refused_url())
    assert url.hostname in web.resolve_map()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", url.port), timeout=1)


def test_scenario_urls_default_to_the_scenarios_own_host(web):
    assert web.scenario_url("parked") == web.url("parked-domain.test", "/s/parked")
    assert web.scenario_url("not-found") == web.url(HOST, "/s/not-found")
    assert web.scenario_url("not-found", host="site002.test") == web.url("site002.test", "/s/not-found")
    with pytest.raises(KeyError, match="no-such"):
        web.expected("no-such")


# Each scenario against its truth.

FIRST_STATUS = {
    "ok-utf8": 200,
    "moved-301": 301,
    "moved-308": 308,
    "temp-302": 302,
    "chain-301-302": 301,
    "not-found": 404,
    "gone": 410,
    "bad-request": 400,
    "server-error": 500,
    "always-429": 429,
    "unauthorized": 401,
    "forbidden": 403,
    "bot-403": 403,
    "linkedin-999": 999,
    "cloudflare-challenge": 403,
    "challenge-200": 200,
    "soft-404-title": 200,
    "home-redirect": 301,
    "parked": 200,
    "ok-image": 200,
}
# Their answers depend on state, time or size: tested on their own below.
READ_ELSEWHERE = {"slow", "flaky-503", "rate-limited-429", "large-pdf", "huge-html", "endless", "gzip-bomb"}
READ_ELSEWHERE |= {"cookie-check"}  # needs a client that keeps cookies: tests/fetch/test_cookie_jars.py


@pytest.mark.parametrize("name", sorted(FIRST_STATUS))
def test_first_answer_has_the_scenarios_status(web, name):
    assert fetch(web.scenario_url(name)).status == FIRST_STATUS[name]


@pytest.mark.parametrize(
    "name", sorted(name for name, s in SCENARIOS.items() if s.final_path is not None and name not in READ_ELSEWHERE)
)
def test_following_redirects_ends_on_the_truths_path_and_title(web, name):
    truth = web.expected(name)
    _, final_url, reply = follow(web.scenario_url(name))
    assert urlsplit(final_url).path == truth.final_path
    assert reply.title == truth.title


def test_encodings_are_declared_only_where_the_scenario_says(web):
    assert fetch(web.scenario_url("ok-gbk")).headers["content-type"] == "text/html"
    assert b'<meta charset="gbk">' in fetch(web.scenario_url("ok-gbk")).body
    assert b"charset=big5" in fetch(web.scenario_url("ok-big5")).body
    assert fetch(web.scenario_url("ok-gb2312-header")).headers["content-type"].endswith("charset=gb2312")
    assert b"&amp;" in fetch(web.scenario_url("ok-utf8")).body


def test_second_redirect_of_the_chain_is_relative(web):
    step2 = fetch(web.scenario_url("chain-301-302")).headers["location"]
    assert step2 == web.url(HOST, "/s/chain-301-302/step2")
    assert fetch(step2).headers["location"] == "/s/ok-utf8"


def test_redirect_loop_comes_back_to_its_start(web):
    start = web.scenario_url("redirect-loop")
    assert fetch(fetch(start).headers["location"]).headers["location"] == start


def test_too_many_redirects_is_twelve_distinct_hops_then_a_page(web):
    statuses, _final_url, _reply = follow(web.scenario_url("too-many-redirects"))
    assert statuses == [301] * 12 + [200]
    assert len({r.path for r in web.log.records()}) == 13


def test_deep_links_of_the_moved_site_land_on_its_home_page(web):
    statuses, final_url, reply = follow(web.url("home-redirect.test", "/2023/any/old/story"))
    assert statuses == [301, 200] and urlsplit(final_url).path == "/" and reply.title == HOME_TITLE


def test_parked_domain_is_parked_on_every_path(web):
    body = fetch(web.url("parked-domain.test", "/whatever")).body
    assert b"This domain is for sale" in body and b"sedoparking.com" in body


@pytest.mark.parametrize(("name", "head_status"), [("head-405", 405), ("head-404", 404)])
def test_head_fails_where_get_works(web, name, head_status):
    assert fetch(web.scenario_url(name), method="HEAD").status == head_status
    assert fetch(web.scenario_url(name)).status == 200


def test_head_hang_never_answers_head(web):
    with pytest.raises(TimeoutError):
        fetch(web.scenario_url("head-hang"), method="HEAD", timeout=0.3)
    assert fetch(web.scenario_url("head-hang")).status == 200


@pytest.mark.parametrize(("name", "status"), [("flaky-503", 503), ("rate-limited-429", 429)])
def test_first_request_per_url_fails_until_state_is_reset(web, name, status):
    url = web.scenario_url(name)
    assert [fetch(url).status, fetch(url).status] == [status, 200]
    assert fetch(web.url(HOST, f"/gen/{name}/other")).status == status, "state is per URL"
    web.reset_state()
    assert fetch(url).status == status


def test_rate_limits_say_when_to_retry(web):
    assert fetch(web.scenario_url("rate-limited-429")).headers["retry-after"] == "1"
    assert [fetch(web.scenario_url("always-429")).headers["retry-after"] for _ in range(3)] == ["1"] * 3


def test_bot_403_lets_browsers_in(web):
    assert fetch(web.scenario_url("bot-403"), headers={"User-Agent": "Mozilla/5.0"}).status == 200
    assert fetch(web.scenario_url("bot-403"), headers={"User-Agent": "rotwatch/0.1"}).status == 403


def test_challenges_carry_cloudflares_marker(web):
    for name in ("cloudflare-challenge", "challenge-200"):
        assert fetch(web.scenario_url(name)).headers["cf-mitigated"] == "challenge"


def test_gen_paths_mint_unique_urls_that_behave_like_the_scenario(web):
    assert fetch(web.url(HOST, "/gen/not-found/12345")).status == 404
    loop_start = web.url(HOST, "/gen/redirect-loop/7")
    assert fetch(loop_start).headers["location"] == loop_start + "/b"
    assert fetch(web.url(HOST, "/gen/ok-utf8/9")).title == web.expected("ok-utf8").title


# Transport failures.


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


def test_slow_answers_after_its_delay(web, monkeypatch):
    monkeypatch.setattr(catalogue, "SLOW_DELAY", 0.2)
    began = time.monotonic()
    assert fetch(web.scenario_url("slow")).status == 200
    assert time.monotonic() - began >= 0.2


def test_each_answer_waits_the_hosts_latency(web):
    began = time.monotonic()
    fetch(web.url(SLOW_HOST, "/page"))
    assert time.monotonic() - began >= 0.2


# Large bodies and what the log says was sent.


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


def test_bytes_sent_counts_a_whole_small_answer(web):
    reply = fetch(web.scenario_url("ok-utf8"))
    assert web.log.wait_idle()
    assert web.log.bytes_sent(web.scenario_url("ok-utf8")) > len(reply.body) + 50


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


# The request log.


def test_log_counts_urls_and_keeps_headers(web):
    url = web.url(HOST, "/counted?page=2")
    for _ in range(3):
        fetch(url, headers={"User-Agent": "rotwatch-test"})
    assert web.log.wait_idle()
    assert web.log.count(url) == 3 and web.log.count(web.url(HOST, "/counted")) == 0
    [first, *_] = web.log.records(host=HOST, path="/counted?page=2")
    assert first.method == "GET" and first.headers["user-agent"] == "rotwatch-test"
    assert first.started <= first.finished
    web.log.clear()
    assert web.log.count(url) == 0 and web.log.records() == []


def test_max_concurrency_counts_simultaneous_requests_per_host(web):
    threads = [threading.Thread(target=fetch, args=(web.url(SLOW_HOST, f"/c{i}"),)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert web.log.max_concurrency(SLOW_HOST) == 5
    assert web.log.max_concurrency(HOST) == 0


def test_serves_hundreds_of_hosts_concurrently():
    hosts = numbered_hosts(400, 0.05, 0.2)

    async def crawl(port: int) -> list[int]:
        limit = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=limit) as session:

            async def one(host: str, path: str) -> int:
                async with session.get(f"http://127.0.0.1:{port}{path}", headers={"Host": host}) as r:
                    await r.read()
                    return r.status

            return await asyncio.gather(*(one(h.name, f"/p{i}") for h in hosts for i in range(3)))

    with SimWeb(hosts) as web:
        began = time.monotonic()
        statuses = asyncio.run(crawl(web.port))
        elapsed = time.monotonic() - began
    assert statuses == [200] * 1200
    assert elapsed < 5, f"1200 requests took {elapsed:.1f} s"


def test_main_serves_from_its_own_process_and_prints_the_port():
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.simweb", "--hosts", "3", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        assert fetch(f"http://site003.test:{port}/x").title == fallback_title("site003.test", "/x")
    finally:
        process.terminate()
    assert process.wait(timeout=5) == 0

"""The server: life cycle, addresses and the load it takes, checked with plain HTTP clients and raw sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import aiohttp
import pytest

from crawler.simweb import SimWeb, numbered_hosts
from crawler.simweb.pages import TAKEOVER_TITLE
from tests.simweb.clients import HOST, SITES, SLOW_HOST, fetch, raw_request, wait_for

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


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


# Addresses and truth.


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


def test_a_taken_over_host_serves_a_gambling_page_on_every_path_until_given_back(web):
    url = web.url(HOST, "/2024/06/story")
    assert TAKEOVER_TITLE not in fetch(url).body.decode()
    web.take_over(HOST)
    try:
        taken = fetch(url)
        assert taken.status == 200 and f"<title>{TAKEOVER_TITLE}</title>" in taken.body.decode()
    finally:
        web.take_over(HOST, False)
    assert TAKEOVER_TITLE not in fetch(url).body.decode()


# Latency and load.


def test_each_answer_waits_the_hosts_latency(web):
    began = time.monotonic()
    fetch(web.url(SLOW_HOST, "/page"))
    assert time.monotonic() - began >= 0.2


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

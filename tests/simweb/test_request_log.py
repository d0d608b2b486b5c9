"""The request log: counts per URL, headers, peak concurrency per host."""

from __future__ import annotations

import threading

import pytest

from crawler.simweb.request_log import request_key
from tests.simweb.clients import HOST, SITES, SLOW_HOST, fetch

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


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


def test_a_url_is_counted_under_the_target_a_client_sends():
    assert request_key("http://site001.test:8080/页面?q=1") == ("site001.test", "/%E9%A1%B5%E9%9D%A2?q=1")
    assert request_key("http://site001.test") == ("site001.test", "/")

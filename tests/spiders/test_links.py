"""Every scenario of the simulated web through a real Scrapy crawl, and how start requests are read.

One crawl checks every scenario at once (as a real run would, many sites in
parallel); each test then reads the verdict, title and final URL of its
scenario and compares them with the simulated web's truth.
"""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from crawler.check.classify import assess
from crawler.models import Verdict
from crawler.simweb import SCENARIOS, HostSpec, SimWeb
from crawler.spiders.links import START_BATCH, LinkSpider

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
SLOW_SCENARIOS = {"slow"}  # need a longer timeout than the rest; tested on their own
CRAWL_SETTINGS = {
    "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
    "DOWNLOAD_TIMEOUT": 4,  # generous: a busy CI machine must not time out a page that works
    "ROTWATCH_RETRY_BACKOFF": 0.1,
    "ROTWATCH_BACKOFF_CAP": 0.5,
}
HOSTS = [HostSpec(f"site{n:03d}.test", latency=0.01 * n) for n in range(1, 6)]


def scenario_host(index: int) -> str:
    return HOSTS[index % len(HOSTS)].name


@pytest.fixture(scope="module")
def web():
    with SimWeb(hosts=HOSTS) as simulated:
        yield simulated


@pytest.fixture(scope="module")
def scenario_urls(web):
    urls = {}
    for index, name in enumerate(sorted(SCENARIOS)):
        if name == "refused":
            urls[name] = web.refused_url()
        elif name == "nxdomain":
            urls[name] = web.nxdomain_url()
        elif name not in SLOW_SCENARIOS:
            urls[name] = web.scenario_url(name, host=scenario_host(index))
    return urls


@pytest.fixture(scope="module")
def scenario_results(web, reactor_thread, scenario_urls):
    from crawler.fetch.runner import base_settings, check_urls

    settings = base_settings({**CRAWL_SETTINGS, "ROTWATCH_STATIC_HOSTS": web.resolve_map()})
    results = reactor_thread.run(lambda: check_urls(scenario_urls.values(), settings))
    return {name: results[url] for name, url in scenario_urls.items()}


def expected_final_url(web, name, url):
    scenario = SCENARIOS[name]
    if scenario.final_path is None:
        return None
    host = url.split("//", 1)[1].split("/", 1)[0]
    return f"http://{host}{scenario.final_path}"


@pytest.mark.parametrize("name", sorted(set(SCENARIOS) - SLOW_SCENARIOS))
def test_scenario_gets_its_true_verdict_title_and_final_url(name, web, scenario_urls, scenario_results):
    scenario = SCENARIOS[name]
    result = scenario_results[name]
    assessment = assess(result)
    assert assessment.verdict == Verdict(scenario.verdict), (assessment, result)
    assert result.title == scenario.title
    final = expected_final_url(web, name, scenario_urls[name])
    if final is not None:
        assert result.final_url == final


RETRIED = {"flaky-503", "rate-limited-429", "always-429", "server-error", "hang", "reset", "slow-drip"}


def visits_expected(results):
    """Each URL once per chain that reached it: as a seed, a redirect hop or the end."""
    expected = {}
    for result in results:
        chain = [hop.url for hop in result.redirects] or [result.url]
        if result.final_url and result.final_url not in chain:
            chain.append(result.final_url)
        for url in dict.fromkeys(chain):
            expected[url] = expected.get(url, 0) + 1
    return expected


COOKIE_CHECKS = {"cookie-check", "cookie-loop"}  # asked again once, with the cookie they set


def test_no_url_is_requested_twice_in_a_chain_apart_from_retries(web, scenario_results):
    unrequested = {"refused", "nxdomain"}
    checked = [result for name, result in scenario_results.items() if name not in RETRIED | COOKIE_CHECKS | unrequested]
    for url, visits in visits_expected(checked).items():
        assert web.log.count(url) == visits, url


def test_a_cookie_check_is_asked_again_once_with_its_cookie(web, scenario_urls, scenario_results):
    for name in COOKIE_CHECKS:
        assert web.log.count(scenario_urls[name]) == 2, name


def test_retries_are_bounded(web, scenario_urls, scenario_results):
    assert web.log.count(scenario_urls["server-error"]) == 3  # the request and 2 retries
    assert web.log.count(scenario_urls["flaky-503"]) == 2  # 503, then 200


def test_per_site_concurrency_is_never_exceeded(web, scenario_results):
    for host in HOSTS:
        assert 1 <= web.log.max_concurrency(host.name) <= 4


def test_large_bodies_stop_early(web, scenario_urls, scenario_results):
    assert web.log.bytes_sent(scenario_urls["large-pdf"]) < 512 * 1024
    assert web.log.bytes_sent(scenario_urls["huge-html"]) < 512 * 1024


def test_slow_page_is_ok_with_a_long_enough_timeout(web, run_crawl):
    url = web.scenario_url("slow", host=HOSTS[0].name)
    settings = {**CRAWL_SETTINGS, "DOWNLOAD_TIMEOUT": 6, "ROTWATCH_STATIC_HOSTS": web.resolve_map()}
    result = run_crawl([url], **settings)[url]
    assert assess(result).verdict == Verdict.OK


# Start requests: read in the order given (the fair order, crawler.fetch.fair_order), lazily.


def test_start_requests_come_in_the_order_given_each_in_its_sites_slot():
    urls = ["http://a.test/1", "http://big.test/1", "http://www.big.test/2", "http://b.test/1"]
    spider = LinkSpider(urls=iter(urls))

    async def read() -> list[tuple[str, str]]:
        return [(request.url, request.meta["download_slot"]) async for request in spider.start()]

    assert asyncio.run(read()) == [
        ("http://a.test/1", "a.test"),
        ("http://big.test/1", "big.test"),
        ("http://www.big.test/2", "big.test"),
        ("http://b.test/1", "b.test"),
    ]


def test_start_requests_give_the_reactor_a_turn_every_batch():
    """Once the downloader is full, Scrapy reads start requests without a pause of its own, so the
    spider hands the event loop a turn every START_BATCH of them, in which answers are read."""

    async def count_turns() -> tuple[int, int]:
        turns = 0

        async def other_work() -> None:
            nonlocal turns
            while True:
                turns += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(other_work())
        await asyncio.sleep(0)
        spider = LinkSpider(urls=[f"http://site{n % 7}.test/{n}" for n in range(1000)])
        requests = [request async for request in spider.start()]
        ticker.cancel()
        return len(requests), turns

    requests, turns = asyncio.run(count_turns())
    assert requests == 1000
    assert turns >= requests // START_BATCH > 0


def test_a_result_keeps_the_headers_the_verdict_reads_in_their_order_each_with_its_last_value():
    from scrapy.http import Headers

    from crawler.spiders.links import _kept_headers

    headers = Headers(
        [
            (b"server", b"first"),
            (b"SERVER", b"nginx"),
            (b"Content-Type", b"text/html; charset=utf-8"),
            (b"X-Adblock-Key", b""),
            (b"Date", b"Mon, 30 Nov 2026 02:00:00 GMT"),
            (b"Location", "/caf\u00e9".encode("latin-1")),
        ]
    )
    kept = _kept_headers(headers)
    assert kept == {
        "content-type": "text/html; charset=utf-8",
        "location": "/caf\u00e9",
        "server": "nginx",
        "x-adblock-key": "",
    }
    assert list(kept) == ["content-type", "location", "server", "x-adblock-key"]

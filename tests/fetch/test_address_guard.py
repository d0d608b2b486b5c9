"""The address guard through real crawls: private addresses are refused before any byte is sent."""

from __future__ import annotations

import ipaddress
from urllib.parse import quote

import pytest

import crawler.fetch.address_guard
from crawler.check.classify import assess
from crawler.models import ErrorKind, Verdict
from crawler.simweb import HostSpec, SimWeb

ONLY_127_0_0_1 = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(scope="module")
def web():
    with SimWeb(hosts=[HostSpec("public.test"), HostSpec("intranet.test")]) as simulated:
        yield simulated


def test_public_names():
    assert crawler.fetch.address_guard.__all__ == ["AddressGuardMiddleware"]


def static_hosts(web):
    hosts = web.resolve_map()
    hosts["intranet.test"] = "127.0.0.2"  # another loopback address, outside the allowed range
    return hosts


def redirect_to(web, target):
    return web.url("public.test", f"/redirect-to?url={quote(target, safe='')}")


def crawl(run_crawl, web, urls, allowed):
    return run_crawl(
        urls, ROTWATCH_ALLOWED_PRIVATE=allowed, ROTWATCH_STATIC_HOSTS=static_hosts(web), DOWNLOAD_TIMEOUT=3
    )


def test_loopback_is_skipped_by_default_and_never_contacted(web, run_crawl):
    web.log.clear()
    url = web.scenario_url("ok-utf8", "public.test")
    result = crawl(run_crawl, web, [url], ())[url]
    assert result.error == ErrorKind.ADDRESS_REFUSED
    assert assess(result).verdict == Verdict.SKIPPED
    assert "loopback" in result.error_detail
    assert web.log.records() == []


def test_allowed_range_is_checked(web, run_crawl):
    url = web.scenario_url("ok-utf8", "public.test")
    assert assess(crawl(run_crawl, web, [url], ONLY_127_0_0_1)[url]).verdict == Verdict.OK


def test_redirect_from_an_allowed_range_into_another_private_address_is_refused(web, run_crawl):
    web.log.clear()
    url = redirect_to(web, web.url("intranet.test", "/secret"))
    result = crawl(run_crawl, web, [url], ONLY_127_0_0_1)[url]
    assert result.error == ErrorKind.ADDRESS_REFUSED
    assert "127.0.0.2" in result.error_detail
    assert [hop.url for hop in result.redirects] == [url]
    assert web.log.records(host="intranet.test") == []


def test_redirect_to_cloud_metadata_is_refused(web, run_crawl):
    url = redirect_to(web, "http://169.254.169.254/latest/meta-data/")
    result = crawl(run_crawl, web, [url], ONLY_127_0_0_1)[url]
    assert result.error == ErrorKind.ADDRESS_REFUSED
    assert "link-local" in result.error_detail


def test_allow_private_without_ranges_allows_every_address(web, run_crawl):
    url = redirect_to(web, web.scenario_url("ok-utf8", "public.test"))
    assert assess(crawl(run_crawl, web, [url], None)[url]).verdict == Verdict.OK


def test_ip_literal_urls_are_guarded_too(web, run_crawl):
    url = f"http://127.0.0.1:{web.port}/s/ok-utf8"
    result = crawl(run_crawl, web, [url], ())[url]
    assert result.error == ErrorKind.ADDRESS_REFUSED

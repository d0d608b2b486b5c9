"""Per-site limits through real crawls: a site is a registered domain, not a host name."""

from __future__ import annotations

from scrapy.http import Request

import crawler.fetch.site_slots
from crawler.check.classify import assess
from crawler.fetch.meta import DOWNLOAD_SLOT, OWN_SLOT
from crawler.fetch.site_slots import SiteSlotMiddleware
from crawler.models import Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl, peak_overlap

HOSTS = [
    HostSpec("news.test", latency=0.1),
    HostSpec("a.example.co.uk", latency=0.1),
    HostSpec("b.example.co.uk", latency=0.1),
    HostSpec("alice.github.io", latency=0.1),
    HostSpec("bob.github.io", latency=0.1),
]


def test_public_names():
    assert crawler.fetch.site_slots.__all__ == ["SiteSlotMiddleware"]


def test_the_slot_is_the_registered_domain_unless_the_spider_chose_one():
    request = Request("https://a.example.co.uk/p")
    SiteSlotMiddleware().process_request(request)
    assert request.meta[DOWNLOAD_SLOT] == "example.co.uk"
    own = Request("https://web.archive.test/cdx", meta={DOWNLOAD_SLOT: "wayback", OWN_SLOT: True})
    SiteSlotMiddleware().process_request(own)
    assert own.meta[DOWNLOAD_SLOT] == "wayback"


def test_one_site_gets_at_most_per_host_requests_at_once(web, run_crawl):
    web.log.clear()
    urls = [web.url("news.test", f"/article/{n}") for n in range(24)]
    results = crawl(run_crawl, web, urls, CONCURRENT_REQUESTS_PER_DOMAIN=4)
    assert all(assess(result).verdict == Verdict.OK for result in results.values())
    web.log.wait_idle()
    assert web.log.max_concurrency("news.test") == 4


def peak_on_both(run_crawl, web, hosts, path):
    """The peak of requests in flight to two hosts together, 12 URLs each, 3 per site at most."""
    web.log.clear()
    urls = [web.url(host, f"{path}{n}") for host in hosts for n in range(12)]
    crawl(run_crawl, web, urls, CONCURRENT_REQUESTS_PER_DOMAIN=3)
    web.log.wait_idle()
    return peak_overlap([record for host in hosts for record in web.log.records(host=host)])


def test_subdomains_of_one_registered_domain_share_a_slot(web, run_crawl):
    assert peak_on_both(run_crawl, web, ("a.example.co.uk", "b.example.co.uk"), "/p/") == 3


def test_blogs_on_a_public_suffix_host_are_separate_sites(web, run_crawl):
    assert peak_on_both(run_crawl, web, ("alice.github.io", "bob.github.io"), "/post/") > 3

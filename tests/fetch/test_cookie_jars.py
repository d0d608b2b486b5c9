"""Cookies through real crawls: a cookie-check redirect is followed as a browser would, a loop is
still a loop, and no cookie goes from one checked link to another."""

from __future__ import annotations

from urllib.parse import quote

from scrapy.http import Request, Response

import crawler.fetch.cookie_jars
from crawler.check.classify import assess
from crawler.fetch.cookie_jars import LinkCookiesMiddleware
from crawler.fetch.meta import COOKIE_JAR
from crawler.models import CheckResult, ErrorKind, Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl
from tests.fetch.probes import PROBE, DownloaderProbe

HOSTS = [HostSpec("news.test", latency=0.02), HostSpec("blog.test", latency=0.02)]


def test_public_names():
    assert crawler.fetch.cookie_jars.__all__ == ["LinkCookiesMiddleware"]


def cookies_sent(web, url):
    return [record.headers.get("cookie") for record in web.log.records(path=url.split(str(web.port), 1)[1])]


def test_a_cookie_check_redirect_is_followed_as_a_browser_would(web, run_crawl):
    web.log.clear()
    url = web.scenario_url("cookie-check", "news.test")
    result = crawl(run_crawl, web, [url])[url]
    assert assess(result).verdict == Verdict.OK
    assert result.title == web.expected("cookie-check").title
    assert result.final_url == url
    web.log.wait_idle()
    assert cookies_sent(web, url) == [None, "rotwatch_sim_visited=1"]


def test_a_loop_is_still_a_loop_with_cookies_or_without(web, run_crawl):
    web.log.clear()
    loop, cookie_loop = web.scenario_url("redirect-loop", "news.test"), web.scenario_url("cookie-loop", "blog.test")
    results = crawl(run_crawl, web, [loop, cookie_loop])
    assert results[loop].error == results[cookie_loop].error == ErrorKind.REDIRECT_LOOP
    assert assess(results[cookie_loop]).verdict == Verdict.BROKEN
    web.log.wait_idle()
    assert web.log.count(loop) == 1  # A -> B -> A: A is not asked again
    assert cookies_sent(web, cookie_loop) == [None, "rotwatch_sim_visited=1"]  # the third would repeat the second


def test_no_cookie_goes_from_one_checked_link_to_another(web, run_crawl):
    """The cookie news.test set while checking one link is never sent while checking another,
    on news.test itself or when another site's link redirects there."""
    web.log.clear()
    check = web.scenario_url("cookie-check", "news.test")
    later = web.url("news.test", "/checked-later")
    via_blog = web.url("blog.test", f"/redirect-to?url={quote(check, safe='')}")
    results = crawl(run_crawl, web, [check, later, via_blog], CONCURRENT_REQUESTS_PER_DOMAIN=1)
    assert all(assess(result).verdict == Verdict.OK for result in results.values())
    web.log.wait_idle()
    assert cookies_sent(web, check) == [None, "rotwatch_sim_visited=1"] * 2  # each check starts without it
    assert cookies_sent(web, later) == [None]
    assert all("cookie" not in record.headers for record in web.log.records(host="blog.test"))


def test_jars_last_only_as_long_as_their_links_checks(web, run_crawl):
    urls = [web.url("news.test", f"/gen/cookie-check/{n}") for n in range(24)]
    results = crawl(
        run_crawl, web, urls, CONCURRENT_REQUESTS=2, CONCURRENT_REQUESTS_PER_DOMAIN=2, EXTENSIONS={PROBE: 0}
    )
    assert all(assess(result).verdict == Verdict.OK for result in results.values())
    assert DownloaderProbe.stats is not None
    assert DownloaderProbe.stats.get_value("rotwatch/cookie_jars/max") <= 4  # the links in flight, not 24
    assert DownloaderProbe.stats.get_value("rotwatch/cookie_jars/left") == 0


def answer(url, set_cookie):
    return Response(url, headers={"Set-Cookie": set_cookie})


def test_a_cookie_is_kept_for_its_own_site_only():
    middleware, link = LinkCookiesMiddleware(), "https://a.example.co.uk/start"
    for url, set_cookie in [
        ("https://a.example.co.uk/p", "site=1; Domain=example.co.uk"),  # its own site: kept
        ("https://a.example.co.uk/p", "suffix=1; Domain=co.uk"),  # a public suffix: refused
        ("https://alice.github.io/p", "blogs=1; Domain=github.io"),  # every github.io blog: refused
    ]:
        request = Request(url, meta={COOKIE_JAR: link})
        middleware.process_response(request, answer(url, set_cookie))
    sibling = Request("https://b.example.co.uk/q", meta={COOKIE_JAR: link})
    middleware.process_request(sibling)
    assert sibling.headers.get("Cookie") == b"site=1"
    other_blog = Request("https://bob.github.io/q", meta={COOKIE_JAR: link})
    middleware.process_request(other_blog)
    assert other_blog.headers.get("Cookie") is None
    middleware.check_ended(CheckResult(url=link))
    assert middleware.jars == {}


def test_requests_without_a_jar_send_and_keep_no_cookie():
    middleware, url = LinkCookiesMiddleware(), "https://archive.test/cdx"
    middleware.process_response(Request(url), answer(url, "tracking=1"))
    request = Request(url)
    middleware.process_request(request)
    assert middleware.jars == {} and request.headers.get("Cookie") is None

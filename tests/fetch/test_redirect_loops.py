"""The redirect guard stops a loop or a chain too long before another hop is sent.

A loop is a hop that repeats an earlier request of its chain: the same URL
with the same cookies. The hops are built here as Scrapy's RedirectMiddleware
builds them: the answered request's meta, plus the chain so far.
"""

from __future__ import annotations

import re

import pytest
from scrapy.http import HtmlResponse, Request

import crawler.fetch.redirect_loops
from crawler.errors import RedirectLoopError, TooManyRedirectsError
from crawler.fetch.meta import LAST_REDIRECT_STATUS, REDIRECT_URLS
from crawler.fetch.redirect_loops import RedirectLoopMiddleware


def test_public_names():
    assert crawler.fetch.redirect_loops.__all__ == ["RedirectLoopMiddleware"]


def redirect(url, location, status=301):
    return HtmlResponse(url, status=status, headers={"Location": location}, body=b"")


def next_hop(middleware, request, location, cookie=None):
    """The hop the answer `location` leads to, once the guard has seen that answer."""
    answer = redirect(request.url, location)
    assert middleware.process_response(request, answer) is answer
    url = answer.urljoin(location)
    hop = Request(url, meta={**request.meta, REDIRECT_URLS: [*request.meta.get(REDIRECT_URLS, []), request.url]})
    if cookie:
        hop.headers["Cookie"] = cookie
    return hop


def test_redirect_back_into_the_chain_is_a_loop_and_nothing_is_sent():
    middleware, first = RedirectLoopMiddleware(), Request("https://a.test/a")
    second = next_hop(middleware, first, "/b")
    middleware.process_request(second)
    back = next_hop(middleware, second, "/a")
    with pytest.raises(RedirectLoopError, match=re.escape("https://a.test/b -> https://a.test/a")):
        middleware.process_request(back)
    assert back.meta[LAST_REDIRECT_STATUS] == 301


def test_the_same_url_with_a_new_cookie_is_not_a_loop_but_with_the_same_cookie_it_is():
    middleware, first = RedirectLoopMiddleware(), Request("https://a.test/page")
    with_cookie = next_hop(middleware, first, "/page", cookie="visited=1")
    middleware.process_request(with_cookie)  # a cookie check: the site wants its cookie back
    again = next_hop(middleware, with_cookie, "/page", cookie="visited=1")
    with pytest.raises(RedirectLoopError):
        middleware.process_request(again)


def test_redirect_to_a_new_url_passes():
    middleware = RedirectLoopMiddleware()
    onward = next_hop(middleware, Request("https://a.test/a"), "/c")
    middleware.process_request(onward)


def test_chain_longer_than_the_limit_stops():
    chain = [f"https://a.test/{n}" for n in range(3)]
    request = Request("https://a.test/3", meta={REDIRECT_URLS: chain})
    with pytest.raises(TooManyRedirectsError):
        RedirectLoopMiddleware(max_hops=3).process_response(request, redirect(request.url, "/4"))

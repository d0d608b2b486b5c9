"""The redirect guard stops a loop or a chain too long before another hop is sent."""

from __future__ import annotations

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


def test_redirect_back_into_the_chain_is_a_loop():
    request = Request("https://a.test/b", meta={REDIRECT_URLS: ["https://a.test/a"]})
    with pytest.raises(RedirectLoopError):
        RedirectLoopMiddleware().process_response(request, redirect(request.url, "/a"))
    assert request.meta[LAST_REDIRECT_STATUS] == 301


def test_redirect_to_a_new_url_passes():
    request = Request("https://a.test/b", meta={REDIRECT_URLS: ["https://a.test/a"]})
    response = redirect(request.url, "/c")
    assert RedirectLoopMiddleware().process_response(request, response) is response


def test_chain_longer_than_the_limit_stops():
    chain = [f"https://a.test/{n}" for n in range(3)]
    request = Request("https://a.test/3", meta={REDIRECT_URLS: chain})
    with pytest.raises(TooManyRedirectsError):
        RedirectLoopMiddleware(max_hops=3).process_response(request, redirect(request.url, "/4"))

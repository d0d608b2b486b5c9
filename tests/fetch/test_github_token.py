"""GITHUB_TOKEN goes to github.com over https, nowhere else."""

from __future__ import annotations

import pytest
from scrapy.http import Request

from crawler.fetch.github_token import GitHubTokenMiddleware


@pytest.mark.parametrize("url", ["https://github.com/a/b", "https://api.github.com/repos/a/b"])
def test_the_token_is_sent_to_github(url):
    request = Request(url)
    GitHubTokenMiddleware("t0ken").process_request(request)
    assert request.headers[b"Authorization"] == b"Bearer t0ken"


@pytest.mark.parametrize("url", ["http://github.com/a/b", "https://github.com.evil.test/", "https://example.test/"])
def test_the_token_goes_nowhere_else(url):
    request = Request(url)
    GitHubTokenMiddleware("t0ken").process_request(request)
    assert b"Authorization" not in request.headers


def test_without_a_token_nothing_is_sent():
    request = Request("https://github.com/a/b")
    GitHubTokenMiddleware(None).process_request(request)
    assert b"Authorization" not in request.headers


def test_without_a_token_the_middleware_is_not_installed():
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    with pytest.raises(NotConfigured):
        GitHubTokenMiddleware.from_crawler(get_crawler(settings_dict={"ROTWATCH_GITHUB_TOKEN": None}))
    installed = GitHubTokenMiddleware.from_crawler(get_crawler(settings_dict={"ROTWATCH_GITHUB_TOKEN": "t0ken"}))
    assert installed.token == "t0ken"

"""GITHUB_TOKEN goes to github.com links, and only there.

Anonymous clients are rate-limited hard on github.com, so a token helps an
archive with many GitHub links; sent anywhere else it would leak.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

__all__ = ["GitHubTokenMiddleware"]


class GitHubTokenMiddleware:
    """Sends GITHUB_TOKEN to github.com links only (anonymous clients are rate-limited).

    Scrapy drops Authorization on a redirect to another host, so the token
    does not follow a link off GitHub.
    """

    GITHUB_HOSTS = frozenset({"github.com", "api.github.com", "gist.github.com"})

    def __init__(self, token: str | None = None):
        self.token = token

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GitHubTokenMiddleware:
        token = crawler.settings.get("ROTWATCH_GITHUB_TOKEN")
        if not token:  # nothing to send: no call on every request
            raise NotConfigured
        return cls(token)

    def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        if self.token and parsed.scheme == "https" and parsed.hostname in self.GITHUB_HOSTS:
            request.headers.setdefault("Authorization", f"Bearer {self.token}")

"""Cookies as a reader's first visit has them: one jar per checked link, dropped when its check ends.

Many sites set a cookie and redirect to the very same URL, serving the page
only when the cookie comes back: a visitor check, a consent or paywall
cookie. curl without a cookie jar loops on sanantonio.gov/aviation where
`curl -b` gets the page (wummel/linkchecker#419); meloman.kz answers 302 to
itself with Set-Cookie (encode/httpx#821); OONI's probes report such sites
as "stopped after 10 redirects" (ooni/probe#2412). With cookies off a link
checker calls every one of them broken. A reader's browser keeps the
cookie, so the checker does too, within the link's own check:

- Each checked link has its own jar, keyed by meta COOKIE_JAR (the spider
  sets it to the link), which its redirect hops and retries carry. Nothing
  set while checking one link is ever sent while checking another, so each
  link is still checked as a first visit, whatever was checked before it.
- A cookie may be set only for the site of the host that set it (its
  registered domain, `crawler.check.urls.site_key`) or a host under it:
  `Domain=github.io` from alice.github.io, or `Domain=co.uk`, is refused,
  so a cookie cannot follow a redirect to another site.
- A jar exists only once an answer set a cookie, and is dropped when the
  link's result is scraped, so memory follows the links in flight, not the
  links checked (the stats `rotwatch/cookie_jars/max` and
  `rotwatch/cookie_jars/left` say so).
- Requests without COOKIE_JAR (the archive lookups) send and keep no cookie.

A redirect back to a URL of the chain is a loop only when it would be sent
with the same cookies as before (crawler.fetch.redirect_loops).

Scrapy's own CookiesMiddleware is off (crawler/settings.py): it keeps every
jar for the whole run, puts requests without a key in one shared jar, and
checks a cookie's domain with a tldextract that downloads the Public Suffix
List on first use, a network call in the middle of a crawl.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.http.cookies import CookieJar
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from crawler.check.urls import site_key
from crawler.fetch.meta import COOKIE_JAR
from crawler.models import CheckResult

__all__ = ["LinkCookiesMiddleware"]


class LinkCookiesMiddleware:
    """Keeps the cookies of each checked link in a jar of its own, for as long as its check runs."""

    def __init__(self, stats: StatsCollector | None = None):
        self.jars: dict[str, CookieJar] = {}  # COOKIE_JAR key (the checked link) -> its jar
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkCookiesMiddleware:
        if not crawler.settings.getbool("COOKIES_ENABLED"):
            raise NotConfigured
        middleware = cls(crawler.stats)
        crawler.signals.connect(middleware.check_ended, signal=signals.item_scraped)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        key = request.meta.get(COOKIE_JAR)
        if key is None:
            return
        request.headers.pop(b"Cookie", None)  # what the jar holds now, not what a redirect copied
        jar = self.jars.get(key)
        if jar is not None:
            jar.add_cookie_header(request)

    def process_response(self, request: Request, response: Response) -> Response:
        key = request.meta.get(COOKIE_JAR)
        if key is None or b"Set-Cookie" not in response.headers:
            return response
        jar = self.jars.setdefault(key, CookieJar())
        site = site_key(urlparse_cached(request).hostname or "")
        for cookie in jar.make_cookies(response, request):
            if site_key(cookie.domain.lstrip(".")) == site:
                jar.set_cookie_if_ok(cookie, request)
        if self.stats is not None:
            self.stats.max_value("rotwatch/cookie_jars/max", len(self.jars))
        return response

    def check_ended(self, item: object) -> None:
        """Drops the jar of a link whose result is in."""
        if isinstance(item, CheckResult):
            self.jars.pop(item.url, None)

    def spider_closed(self) -> None:
        if self.stats is not None:
            self.stats.set_value("rotwatch/cookie_jars/left", len(self.jars))
        self.jars.clear()

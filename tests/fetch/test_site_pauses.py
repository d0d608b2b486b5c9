"""Retry-After through real crawls: only the site that asked waits, for as long as it asked."""

from __future__ import annotations

import crawler.fetch.site_pauses
from crawler.check.classify import assess
from crawler.models import Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl

HOSTS = [HostSpec("news.test", latency=0.1), HostSpec("slow.test", latency=0.05)]


def test_public_names():
    assert crawler.fetch.site_pauses.__all__ == ["SitePauses"]


def test_retry_after_pauses_only_the_site_that_asked(web, run_crawl):
    web.log.clear()
    web.reset_state()
    limited = web.scenario_url("rate-limited-429", "news.test")
    others = [web.url("slow.test", f"/other/{n}") for n in range(8)]
    results = crawl(run_crawl, web, [limited, *others])
    assert assess(results[limited]).verdict == Verdict.OK
    web.log.wait_idle()
    first, retry = web.log.records(host="news.test")
    assert retry.started - first.finished >= 0.9  # Retry-After: 1
    assert max(record.finished for record in web.log.records(host="slow.test")) < retry.started


def test_a_site_returns_to_full_pace_once_its_retry_after_is_over(web, run_crawl):
    web.log.clear()
    web.reset_state()
    limited = web.scenario_url("rate-limited-429", "news.test")
    others = [web.url("news.test", f"/later/{n}") for n in range(12)]
    crawl(run_crawl, web, [limited, *others], CONCURRENT_REQUESTS_PER_DOMAIN=4)
    web.log.wait_idle()
    refused = web.log.records(host="news.test")[0]
    after = [r for r in web.log.records(host="news.test") if r.started > refused.finished]
    assert min(r.started for r in after) - refused.finished >= 0.9  # Retry-After: 1, for the whole site
    # What is left (at most 9 requests with the retry, 4 at a time) takes about 0.3 s, not 1 s each.
    assert max(r.finished for r in after) - refused.finished < 1.9

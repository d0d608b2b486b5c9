"""Early stops through real crawls: the connection is reset, so a server stops writing a large body,
and a site gets its connection back only once the old one is gone."""

from __future__ import annotations

from collections import defaultdict

import crawler.fetch.hard_stop
from crawler.check.classify import assess
from crawler.models import Verdict
from crawler.simweb import HostSpec
from tests.fetch.crawls import crawl, crawl_in_order
from tests.fetch.probes import PROBE, DownloaderProbe

HOSTS = [HostSpec("heavy.test", latency=0.02), *(HostSpec(f"other{n}.test", latency=0.02) for n in range(80))]
HEAVY = ("huge-html", "large-pdf", "endless", "gzip-bomb")
KB = 1024


def test_public_names():
    assert crawler.fetch.hard_stop.__all__ == ["HardStopDownloadHandler"]


def test_a_stopped_download_resets_its_connection(web, run_crawl):
    urls = {name: web.scenario_url(name, "heavy.test") for name in (*HEAVY, "ok-utf8")}
    DownloaderProbe.flags.clear()
    results = crawl(run_crawl, web, list(urls.values()), EXTENSIONS={PROBE: 0})
    for name, url in urls.items():
        assert assess(results[url]).verdict == Verdict.OK, name
        assert results[url].title == web.expected(name).title, name
        stopped = name in HEAVY
        assert ("download_stopped" in DownloaderProbe.flags[url]) is stopped, name
        assert ("connection_reset" in DownloaderProbe.flags[url]) is stopped, name


def test_under_load_a_server_writes_little_of_a_large_body_and_never_serves_more_than_the_limit(web, reactor_thread):
    """40 large bodies on one site, 4 at a time, among 2,500 other links, 64 in flight in all.

    The heavy site's links are read first, so they wait for its connections from the start (in the
    fair order a site this small would rarely have 4 in flight).
    """
    web.log.clear()
    heavy = [web.url("heavy.test", f"/gen/{HEAVY[n % len(HEAVY)]}/{n}") for n in range(40)]
    others = [web.url(f"other{n % 80}.test", f"/page/{n}") for n in range(2500)]
    results = crawl_in_order(
        reactor_thread, web, heavy + others, CONCURRENT_REQUESTS=64, CONCURRENT_REQUESTS_PER_DOMAIN=4
    )
    assert all(assess(results[url]).verdict == Verdict.OK for url in heavy)
    web.log.wait_idle()
    assert web.log.max_concurrency("heavy.test") == 4
    written = defaultdict(list)
    for record in web.log.records(host="heavy.test"):
        written[record.path.split("/")[2]].append(record.bytes_sent)
    # The bomb is 1 MB the server hands its kernel in one write, before any client can read a byte:
    # the log counts it whole whatever the client does. The others are written 64 KB every 4 ms, so
    # what the log counts is how soon the reset came: the first 64 KB (or the headers), and what the
    # server wrote while the client, busy with 63 other downloads, got to the socket.
    for name in ("huge-html", "large-pdf", "endless"):
        assert max(written[name]) <= 300 * KB, (name, sorted(written[name]))


def test_idle_connections_are_closed_after_the_idle_timeout_not_twisteds_four_minutes(reactor_thread):
    from scrapy.utils.test import get_crawler

    from crawler.fetch.hard_stop import HardStopDownloadHandler
    from crawler.fetch.runner import base_settings

    assert base_settings().getint("ROTWATCH_IDLE_CONNECTION_TIMEOUT") == 15
    crawler = get_crawler(settings_dict={"ROTWATCH_IDLE_CONNECTION_TIMEOUT": 3})
    assert HardStopDownloadHandler(crawler)._pool.cachedConnectionTimeout == 3

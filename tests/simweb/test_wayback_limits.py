"""The simulated Wayback Machine's rate limits: a query pool and a playback pool, 1:20 by default."""

from __future__ import annotations

import pytest

from crawler.simweb import SimWayback, SimWeb
from crawler.simweb.wayback_limits import PLAYBACK_RATIO, PoolLimits, TokenBucket
from crawler.wayback.protocol import availability_url
from tests.simweb.clients import ARTICLE, DAY, TS, batch, cdx, fetch, play


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# The buckets.


def test_the_token_bucket_allows_a_burst_then_the_rate():
    clock = Clock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 60
    assert sum(bucket.take() for _ in range(5)) == 3


def test_playback_gets_twenty_times_the_query_pool_by_default():
    clock = Clock()
    limits = PoolLimits(query_rate=1.0, query_burst=1.0, clock=clock)
    assert (limits.rate("query"), limits.rate("playback")) == (1.0, 20.0)
    admitted = {"query": 0, "playback": 0}
    for _ in range(10 * 1024 + 1):  # a client asking both pools every 1/1024 s (exact in binary) for 10 s
        clock.now += 1 / 1024
        for pool in admitted:
            admitted[pool] += limits.admit(pool)
    assert admitted == {"query": 1 + 10, "playback": 20 + 200}  # burst, then the rate, each
    assert admitted["playback"] == PLAYBACK_RATIO * admitted["query"]


def test_pools_can_be_set_apart_or_left_unlimited():
    assert PoolLimits(None, 2.0).rate("playback") is None
    own = PoolLimits(1.0, 2.0, playback_rate=5.0, playback_burst=1.0)
    assert (own.rate("query"), own.rate("playback")) == (1.0, 5.0)
    only_playback = SimWayback(playback_rate=3.0)
    assert (only_playback.rate("query"), only_playback.rate("playback")) == (None, 3.0)
    assert SimWayback().rate("query") is None and SimWayback().rate("playback") is None


def test_at_real_limits_gives_web_archive_orgs_hard_limits_sped_up():
    real = SimWayback.at_real_limits()
    assert (real.rate("query"), real.rate("playback")) == (30 / 60, 600 / 60)
    fast = SimWayback.at_real_limits(speedup=20)
    assert (fast.rate("query"), fast.rate("playback")) == pytest.approx((10.0, 200.0))
    with SimWeb(archive=real) as web:  # ten seconds of the real query rate at once, then the rate
        assert [cdx(web, f"url={ARTICLE}&output=json").status for _ in range(6)] == [200] * 5 + [429]


# Through HTTP.


def test_an_exhausted_query_pool_answers_bare_429s_to_queries_while_playback_answers():
    wayback = SimWayback(rate_limit=0.01, burst=2)  # two queries, then one every 100 s
    with SimWeb(archive=wayback) as web:
        wayback.add_capture(ARTICLE, TS)
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200
        assert fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)).status == 200
        refused = [
            cdx(web, f"url={ARTICLE}&output=json"),
            fetch(availability_url(web.archive_endpoint, ARTICLE, DAY)),
            batch(web, [ARTICLE]),
            fetch(f"{web.archive_endpoint}/web/timemap/link/{ARTICLE}"),
        ]
        assert [reply.status for reply in refused] == [429] * 4
        assert not any("retry-after" in reply.headers for reply in refused)
        assert all(reply.body == b"Too Many Requests\n" for reply in refused)
        assert [play(web, TS, ARTICLE).status for _ in range(10)] == [200] * 10, "playback is another pool"
        web.log.wait_idle()
        assert (wayback.count(pool="query", status=429), wayback.count(pool="playback", status=429)) == (4, 0)
        assert (wayback.count("batch", 429), wayback.count(pool="playback", status=200)) == (1, 10)
        wayback.reset()
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200, "reset refills the pools"


def test_an_exhausted_playback_pool_answers_429_to_playback_while_queries_answer():
    wayback = SimWayback(rate_limit=100.0, playback_rate=0.01, playback_burst=1)
    with SimWeb(archive=wayback) as web:
        wayback.add_capture(ARTICLE, TS)
        assert [play(web, TS, ARTICLE).status for _ in range(3)] == [200, 429, 429]
        assert fetch(f"{web.archive_endpoint}/no/such/endpoint").status == 429, "the generic limit is playback's"
        assert cdx(web, f"url={ARTICLE}&output=json").status == 200
        assert batch(web, [ARTICLE]).status == 200
        web.log.wait_idle()
        assert (wayback.count(pool="playback", status=429), wayback.count(pool="query", status=429)) == (3, 0)


def test_a_pool_refuses_before_any_fault_is_spent():
    wayback = SimWayback(rate_limit=0.01, burst=1)
    with SimWeb(archive=wayback) as web:
        wayback.add_capture(ARTICLE, TS)
        assert batch(web, [ARTICLE]).status == 200
        wayback.break_batch(500)
        wayback.fail_next(1)
        assert batch(web, [ARTICLE]).status == 429, "over the limit: refused before the broken endpoint answers"
        assert play(web, TS, ARTICLE).status == 503, "the injected failure waited for a request within its limit"

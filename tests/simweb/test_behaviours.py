"""The behaviours that need more than a status and a page: redirect chains, HEAD oddities, state, bot walls."""

from __future__ import annotations

import time

import pytest

from crawler.simweb import behaviours
from tests.simweb.clients import HOST, SITES, fetch, follow

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


# Redirects.


def test_second_redirect_of_the_chain_is_relative(web):
    step2 = fetch(web.scenario_url("chain-301-302")).headers["location"]
    assert step2 == web.url(HOST, "/s/chain-301-302/step2")
    assert fetch(step2).headers["location"] == "/s/ok-utf8"


def test_redirect_loop_comes_back_to_its_start(web):
    start = web.scenario_url("redirect-loop")
    assert fetch(fetch(start).headers["location"]).headers["location"] == start


def test_too_many_redirects_is_twelve_distinct_hops_then_a_page(web):
    statuses, _final_url, _reply = follow(web.scenario_url("too-many-redirects"))
    assert statuses == [301] * 12 + [200]
    assert len({r.path for r in web.log.records()}) == 13


# HEAD, state and bot walls.


@pytest.mark.parametrize(("name", "head_status"), [("head-405", 405), ("head-404", 404)])
def test_head_fails_where_get_works(web, name, head_status):
    assert fetch(web.scenario_url(name), method="HEAD").status == head_status
    assert fetch(web.scenario_url(name)).status == 200


def test_head_hang_never_answers_head(web):
    with pytest.raises(TimeoutError):
        fetch(web.scenario_url("head-hang"), method="HEAD", timeout=0.3)
    assert fetch(web.scenario_url("head-hang")).status == 200


@pytest.mark.parametrize(("name", "status"), [("flaky-503", 503), ("rate-limited-429", 429)])
def test_first_request_per_url_fails_until_state_is_reset(web, name, status):
    url = web.scenario_url(name)
    assert [fetch(url).status, fetch(url).status] == [status, 200]
    assert fetch(web.url(HOST, f"/gen/{name}/other")).status == status, "state is per URL"
    web.reset_state()
    assert fetch(url).status == status


def test_rate_limits_say_when_to_retry(web):
    assert fetch(web.scenario_url("rate-limited-429")).headers["retry-after"] == "1"
    assert [fetch(web.scenario_url("always-429")).headers["retry-after"] for _ in range(3)] == ["1"] * 3


def test_bot_403_lets_browsers_in(web):
    assert fetch(web.scenario_url("bot-403"), headers={"User-Agent": "Mozilla/5.0"}).status == 200
    assert fetch(web.scenario_url("bot-403"), headers={"User-Agent": "rotwatch/0.1"}).status == 403


def test_challenges_carry_cloudflares_marker(web):
    for name in ("cloudflare-challenge", "challenge-200"):
        assert fetch(web.scenario_url(name)).headers["cf-mitigated"] == "challenge"


# Time.


def test_slow_answers_after_its_delay(web, monkeypatch):
    monkeypatch.setattr(behaviours, "SLOW_DELAY", 0.2)
    began = time.monotonic()
    assert fetch(web.scenario_url("slow")).status == 200
    assert time.monotonic() - began >= 0.2

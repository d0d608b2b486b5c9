"""The timeout policy: retries by mode and by how far the answer got, a shorter wait for a failing site."""

from __future__ import annotations

import pytest

import crawler.fetch.timeout_policy
from crawler.fetch.timeout_policy import Mode, TimeoutPolicy, shortened_timeout_detail


def test_public_names():
    assert crawler.fetch.timeout_policy.__all__ == ["Mode", "TimeoutPolicy", "shortened_timeout_detail"]


def test_the_mode_picks_the_retries_of_a_timeout():
    by_mode = {"check": 1, "crawl": 0}
    assert TimeoutPolicy.for_mode("check", by_mode).retries == 1
    assert TimeoutPolicy.for_mode(Mode.CRAWL, by_mode).retries == 0
    with pytest.raises(ValueError, match="nightly"):
        TimeoutPolicy.for_mode("nightly", by_mode)


def test_a_timeout_after_the_answer_began_is_never_retried():
    policy = TimeoutPolicy(retries=1)
    assert policy.retries_after_timeout(answered=False) == 1
    assert policy.retries_after_timeout(answered=True) == 0


def test_a_site_timeout_halves_after_a_run_of_timeouts_down_to_the_floor():
    policy = TimeoutPolicy(shorten_after=3, floor=5.0)
    assert [policy.timeout_for(20.0, n) for n in range(7)] == [20.0, 20.0, 20.0, 10.0, 5.0, 5.0, 5.0]
    assert policy.timeout_for(10.0, 3) == 5.0
    assert policy.timeout_for(3.0, 9) == 3.0  # a timeout below the floor is never raised to it


def test_shortening_can_be_turned_off():
    assert TimeoutPolicy(shorten_after=0).timeout_for(20.0, 50) == 20.0


def test_the_result_says_its_timeout_was_shortened():
    assert shortened_timeout_detail(5.0, 3) == "timeout shortened to 5 s after 3 timeouts on this site"

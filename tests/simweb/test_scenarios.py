"""Each scenario against its truth: the catalogue says what the server really does."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from crawler.models import Verdict
from crawler.simweb import SCENARIOS
from crawler.simweb import scenarios as catalogue
from tests.simweb.clients import SITES, fetch, follow

HOSTS = SITES  # served to this module by the `web` fixture in tests/conftest.py
pytestmark = pytest.mark.usefixtures("fresh_web")


def test_every_truth_is_a_verdict_and_every_served_scenario_has_a_behaviour():
    assert all(Verdict(s.verdict) is s.verdict for s in SCENARIOS.values())
    unserved = {name for name in SCENARIOS if name not in catalogue.HANDLERS}
    assert unserved == {"refused", "nxdomain"}
    assert {s.verdict for s in SCENARIOS.values()} == set(Verdict) - {Verdict.SKIPPED}


FIRST_STATUS = {
    "ok-utf8": 200,
    "moved-301": 301,
    "moved-308": 308,
    "temp-302": 302,
    "chain-301-302": 301,
    "not-found": 404,
    "gone": 410,
    "bad-request": 400,
    "server-error": 500,
    "always-429": 429,
    "unauthorized": 401,
    "forbidden": 403,
    "bot-403": 403,
    "linkedin-999": 999,
    "cloudflare-challenge": 403,
    "challenge-200": 200,
    "soft-404-title": 200,
    "home-redirect": 301,
    "parked": 200,
    "ok-image": 200,
}


READ_ELSEWHERE = {"slow", "flaky-503", "rate-limited-429", "large-pdf", "huge-html", "endless", "gzip-bomb"}
READ_ELSEWHERE |= {"cookie-check"}  # needs a client that keeps cookies: tests/fetch/test_cookie_jars.py


@pytest.mark.parametrize("name", sorted(FIRST_STATUS))
def test_first_answer_has_the_scenarios_status(web, name):
    assert fetch(web.scenario_url(name)).status == FIRST_STATUS[name]


@pytest.mark.parametrize(
    "name", sorted(name for name, s in SCENARIOS.items() if s.final_path is not None and name not in READ_ELSEWHERE)
)
def test_following_redirects_ends_on_the_truths_path_and_title(web, name):
    truth = web.expected(name)
    _, final_url, reply = follow(web.scenario_url(name))
    assert urlsplit(final_url).path == truth.final_path
    assert reply.title == truth.title


def test_encodings_are_declared_only_where_the_scenario_says(web):
    assert fetch(web.scenario_url("ok-gbk")).headers["content-type"] == "text/html"
    assert b'<meta charset="gbk">' in fetch(web.scenario_url("ok-gbk")).body
    assert b"charset=big5" in fetch(web.scenario_url("ok-big5")).body
    assert fetch(web.scenario_url("ok-gb2312-header")).headers["content-type"].endswith("charset=gb2312")
    assert b"&amp;" in fetch(web.scenario_url("ok-utf8")).body

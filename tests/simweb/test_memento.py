"""The simulated Memento archive over real HTTP on loopback: TimeMaps, mementos, paging, refusals, counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.check.page import read_page
from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.simweb.memento import CAPTCHA_TITLE, MEMENTO_HOST, SimMemento
from crawler.wayback.archives import WAYBACK_RAW
from crawler.wayback.memento import parse_link_format, parse_timemap, raw_memento_url, refusal_of
from crawler.wayback.protocol import capture_timestamp_of
from tests.simweb.clients import ARTICLE, HOST, TS, fetch

PAGED_HOST = "paged-memento.test"


@pytest.fixture(scope="module")
def memento() -> SimMemento:
    return SimMemento()


@pytest.fixture(scope="module")
def paged() -> SimMemento:
    return SimMemento(PAGED_HOST, page_size=2)


@pytest.fixture(scope="module")
def web(memento: SimMemento, paged: SimMemento, wayback: SimWayback) -> Iterator[SimWeb]:
    with SimWeb(hosts=[HostSpec(HOST)], archive=wayback, mementos=[memento, paged]) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def fresh(web: SimWeb, memento: SimMemento, paged: SimMemento, wayback: SimWayback) -> None:
    web.log.wait_idle()
    for archive in (memento, paged, wayback):
        archive.reset()
    web.log.clear()


def timemap_of(web: SimWeb, archive: SimMemento, url: str) -> str:
    return archive.archive(web.url(archive.host, "")).timemap_url(url)


# Mounting.


def test_the_archive_is_one_more_host_of_the_simulated_web(web, memento):
    assert web.resolve_map()[MEMENTO_HOST] == "127.0.0.1"
    assert web.mementos[MEMENTO_HOST] is memento
    assert fetch(web.url(HOST)).status == 200
    assert fetch(web.url(MEMENTO_HOST, "/no/such/endpoint")).status == 404
    web.log.wait_idle()  # an answer is counted once written, a moment after the client read it
    assert memento.count("other", 404) == 1


def test_its_captures_are_its_own(web, memento, wayback):
    memento.add_capture(ARTICLE, TS, title="Only here")
    assert wayback.captures(ARTICLE) == []
    assert fetch(f"{web.archive_endpoint}/web/{TS}id_/{ARTICLE}").status == 404
    assert fetch(timemap_of(web, memento, ARTICLE)).status == 200


# TimeMaps.


def test_a_url_never_captured_has_no_timemap(web, memento):
    reply = fetch(timemap_of(web, memento, ARTICLE))
    assert reply.status == 404
    web.log.wait_idle()
    assert memento.count("timemap", 404) == 1


def test_the_timemap_lists_every_memento_in_link_format(web, memento):
    for timestamp in ("20240320120000", "20240101000000", "20240402080910"):
        memento.add_capture(ARTICLE, timestamp)
    url = timemap_of(web, memento, ARTICLE)
    reply = fetch(url)
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/link-format")
    timemap = parse_timemap(reply.body, url)
    assert timemap.original == ARTICLE
    assert [m.timestamp for m in timemap.mementos] == ["20240101000000", "20240320120000", "20240402080910"]
    rels = [" ".join(sorted(link.rels)) for link in parse_link_format(reply.body.decode())]
    assert rels == ["original", "self", "first memento", "memento", "last memento"]


def test_a_single_memento_is_first_and_last(web, memento):
    memento.add_capture(ARTICLE, TS)
    (*_, only) = parse_link_format(fetch(timemap_of(web, memento, ARTICLE)).body.decode())
    assert only.rels == {"first", "last", "memento"}


def test_a_long_timemap_is_paged_and_every_page_names_the_others(web, paged):
    timestamps = [f"2024030{day}120000" for day in range(1, 6)]
    for timestamp in timestamps:
        paged.add_capture(ARTICLE, timestamp)
    first_url = timemap_of(web, paged, ARTICLE)
    first = parse_timemap(fetch(first_url).body, first_url)
    assert [m.timestamp for m in first.mementos] == timestamps[:2]
    assert [(p.start, p.end) for p in first.pages] == [(timestamps[2], timestamps[3]), (timestamps[4], timestamps[4])]
    seen = list(first.mementos)
    for page in first.pages:
        later = parse_timemap(fetch(page.url).body, page.url)
        assert first_url in [p.url for p in later.pages]
        seen += later.mementos
    assert [m.timestamp for m in seen] == timestamps
    assert fetch(first_url.replace("/link/", "/link/page/9/")).status == 404


def test_a_page_holds_at_least_one_memento():
    with pytest.raises(ValueError, match="at least one"):
        SimMemento(page_size=0)


# Mementos.


def test_a_memento_replays_raw_with_memento_datetime(web, memento):
    memento.add_capture(ARTICLE, TS, title="The archived article")
    url = timemap_of(web, memento, ARTICLE)
    (listed,) = parse_timemap(fetch(url).body, url).mementos
    reply = fetch(raw_memento_url(listed.url, WAYBACK_RAW))
    assert reply.status == 200
    assert capture_timestamp_of(reply.headers["memento-datetime"]) == TS
    assert read_page(reply.body, reply.headers["content-type"]).title == "The archived article"
    web.log.wait_idle()
    assert memento.count("playback", 200) == 1


# Refusals and counts.


def test_over_its_rate_limit_it_answers_a_bare_429():
    limited = SimMemento("limited-memento.test", rate_limit=1.0, burst=1)
    limited.add_capture(ARTICLE, TS)
    with SimWeb(hosts=[HostSpec(HOST)], mementos=[limited]) as web:
        url = timemap_of(web, limited, ARTICLE)
        statuses = [fetch(url).status for _ in range(3)]
        refused = fetch(url)
        web.log.wait_idle()
    assert statuses[0] == 200 and 429 in statuses[1:]
    assert refused.status == 429 and "retry-after" not in refused.headers
    assert limited.count(status=429) >= 2


def test_archive_today_s_captcha_is_a_429_page_the_spider_calls_a_refusal(web, memento):
    memento.add_capture(ARTICLE, TS)
    memento.answer_with_captcha(1)
    url = timemap_of(web, memento, ARTICLE)
    blocked, after = fetch(url), fetch(url)
    page = read_page(blocked.body, blocked.headers["content-type"])
    assert (blocked.status, page.title) == (429, CAPTCHA_TITLE)
    assert refusal_of(blocked.status, blocked.headers, page) is not None
    assert refusal_of(200, {}, page) is not None  # the same page served 200 is refused too
    assert after.status == 200


def test_the_request_log_and_the_counts_see_every_request(web, memento):
    memento.add_capture(ARTICLE, TS)
    fetch(timemap_of(web, memento, ARTICLE))
    fetch(web.url(MEMENTO_HOST, f"/web/{TS}id_/{ARTICLE}"))
    web.log.wait_idle()
    assert [record.host for record in web.log.records()] == [MEMENTO_HOST, MEMENTO_HOST]
    assert (memento.count(), memento.count("timemap"), memento.count("playback")) == (2, 1, 1)
    memento.reset()
    assert memento.count() == 0 and memento.captures(ARTICLE) == []

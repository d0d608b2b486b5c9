"""Memento lookups through real Scrapy crawls against simulated Memento archives on loopback."""

from __future__ import annotations

import ipaddress
import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date

import pytest

from crawler.models import ArchiveLookup, LookupOutcome
from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.simweb.hosts import REFUSED_HOST
from crawler.simweb.memento import SimMemento
from crawler.spiders.memento import LOOKUPS_PER_ARCHIVE, MAX_TIMEMAP_PAGES
from crawler.wayback.archives import MementoArchive

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
ISSUE_DAY = date(2024, 3, 27)
FIRST, SECOND, PAGED = "first-memento.test", "second-memento.test", "paged-memento.test"


@pytest.fixture(scope="module")
def first() -> SimMemento:
    return SimMemento(FIRST)


@pytest.fixture(scope="module")
def second() -> SimMemento:
    return SimMemento(SECOND)


@pytest.fixture(scope="module")
def paged() -> SimMemento:
    return SimMemento(PAGED, page_size=2)


@pytest.fixture(scope="module")
def wayback() -> SimWayback:
    return SimWayback()


@pytest.fixture(scope="module")
def web(first, second, paged, wayback) -> Iterator[SimWeb]:
    with SimWeb(hosts=[HostSpec("news.test")], archive=wayback, mementos=[first, second, paged]) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def fresh(web, first, second, paged, wayback) -> None:
    web.log.wait_idle()
    for archive in (first, second, paged, wayback):
        archive.reset()
    web.log.clear()


def settings_for(web: SimWeb, **overrides: object):
    from crawler.fetch.runner import base_settings

    return base_settings(
        {
            "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
            "ROTWATCH_STATIC_HOSTS": web.resolve_map(),
            "ROTWATCH_ARCHIVE_429_PAUSE": 0.2,
            "ROTWATCH_RETRY_BACKOFF": 0.05,
            "ROTWATCH_BACKOFF_CAP": 0.1,
            "ROTWATCH_ARCHIVE_RATE": 6000,
            **overrides,
        }
    )


def definition(web: SimWeb, archive: SimMemento, **details) -> MementoArchive:
    return archive.archive(web.url(archive.host, ""), **details)


@pytest.fixture
def lookup(web, reactor_thread, first, second):
    """lookup(lookups, archives=None): runs the Memento stage; archives default to [first, second]."""
    from crawler.spiders.memento import lookup_mementos

    def run(lookups, archives: Sequence[MementoArchive] | None = None, **overrides) -> dict[str, ArchiveLookup]:
        chosen = [definition(web, first), definition(web, second)] if archives is None else archives
        settings = settings_for(web, **overrides)
        found = reactor_thread.run(lambda: lookup_mementos(lookups, settings, chosen))
        web.log.wait_idle()
        return found

    return run


def test_the_memento_just_before_the_issue_date_is_chosen_and_verified(web, lookup, first):
    url = "https://gone.test/story"
    for timestamp in ("20240301000000", "20240326120000", "20240402000000"):
        first.add_capture(url, timestamp, title="The story")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert (found.archive, found.snapshot.archive, found.snapshot.timestamp) == (FIRST, FIRST, "20240326120000")
    assert found.snapshot.memento_url == web.url(FIRST, f"/web/20240326120000/{url}")  # no id_: for readers
    assert found.requests == 2  # the TimeMap, the memento
    assert [r.path for r in web.log.records(FIRST)][-1] == f"/web/20240326120000id_/{url}"


def test_a_memento_that_redirects_is_shown_where_it_landed(web, lookup, first):
    url, moved = "https://gone.test/old-address", "https://gone.test/new-address"
    first.add_capture(url, "20240320000000", kind="redirect", redirect_to=moved)
    first.add_capture(moved, "20240320000000", title="Moved here")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert found.snapshot.memento_url == web.url(FIRST, f"/web/20240320000000/{moved}")
    assert found.requests == 3  # the TimeMap, the memento, the memento it redirects to


def test_without_an_earlier_memento_the_closest_after_is_chosen(lookup, first):
    url = "https://gone.test/later"
    for timestamp in ("20240601000000", "20240405000000"):
        first.add_capture(url, timestamp)
    assert lookup([(url, ISSUE_DAY)])[url].snapshot.timestamp == "20240405000000"


def test_an_archive_the_wayback_machine_lacks_is_found_after_it(web, reactor_thread, wayback, second, lookup):
    from crawler.fetch.runner import lookup_captures

    url = "https://gone.test/only-elsewhere"
    second.add_capture(url, "20240320000000", title="Kept elsewhere")
    settings = settings_for(web)
    in_wayback = reactor_thread.run(lambda: lookup_captures([(url, ISSUE_DAY)], settings, web.archive_endpoint))
    in_wayback = in_wayback.answers[url, ISSUE_DAY]
    assert in_wayback.outcome == LookupOutcome.NONE
    found = lookup([(url, ISSUE_DAY)])[url]
    assert (found.outcome, found.archive) == (LookupOutcome.FOUND, SECOND)
    assert found.requests == 3  # the first archive's empty TimeMap, the second's, its memento


def test_the_archives_are_asked_in_their_order(web, lookup, first, second):
    url = "https://gone.test/in-both"
    first.add_capture(url, "20240320000000")
    second.add_capture(url, "20240326000000")  # closer, but asked later
    assert lookup([(url, ISSUE_DAY)])[url].archive == FIRST
    found = lookup([(url, ISSUE_DAY)], [definition(web, second), definition(web, first)])[url]
    assert found.archive == SECOND
    assert second.count("timemap") == 1 and first.count("timemap") == 1  # the first run asked only the first


@pytest.mark.parametrize("bad_kind", ["soft-404", "parked", "redirect-home"])
def test_an_untrustworthy_memento_is_skipped_for_the_next_closest(lookup, first, bad_kind):
    url = f"https://gone.test/{bad_kind}/article"
    first.add_capture(url, "20240326000000", kind=bad_kind)
    first.add_capture(url, "20240310000000", title="The real article")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert found.snapshot.timestamp == "20240310000000"


def test_only_untrustworthy_mementos_mean_none(lookup, first):
    url = "https://gone.test/only-404"
    first.add_capture(url, "20240326000000", kind="soft-404")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.NONE
    assert found.detail == f"{FIRST}: the capture is a 'not found' page; {SECOND}: it has no memento"
    assert found.archive == f"{FIRST}, {SECOND}"


def test_no_memento_anywhere_is_none_not_failure(lookup):
    url = "https://gone.test/never"
    found = lookup([(url, ISSUE_DAY)])[url]
    assert (found.outcome, found.snapshot, found.requests) == (LookupOutcome.NONE, None, 2)


def test_with_no_archive_configured_nothing_is_asked(web, lookup):
    url = "https://gone.test/any"
    found = lookup([(url, ISSUE_DAY)], archives=[])[url]
    assert (found.outcome, found.requests, found.detail) == (LookupOutcome.NONE, 0, "no archive is configured")


def test_a_captcha_is_ask_again_later_never_no_capture(lookup, first, second):
    urls = [f"https://gone.test/captcha/{n}" for n in range(3)]
    first.answer_with_captcha(10)  # as archive.today does to an automated client, again and again
    second.add_capture(urls[0], "20240320000000")
    found = lookup([(url, ISSUE_DAY) for url in urls])
    assert found[urls[0]].outcome == LookupOutcome.FOUND  # the next archive had it
    assert {found[url].outcome for url in urls[1:]} == {LookupOutcome.FAILED}
    assert {found[url].archive for url in urls[1:]} == {FIRST}
    assert "ask again later" in found[urls[1]].detail
    assert first.count(status=200) == 0


def test_an_archive_that_refused_is_not_asked_again_in_the_run(web, lookup, first):
    urls = [f"https://gone.test/closed/{n}" for n in range(8)]
    first.answer_with_captcha(1)
    found = lookup([(url, ISSUE_DAY) for url in urls], [definition(web, first, rate=600, retries=0)])
    outcomes = Counter(lookup.outcome for lookup in found.values())
    # The refused lookup and the one under way beside it were asked; the six waiting were not.
    assert first.count("timemap") == LOOKUPS_PER_ARCHIVE == 2
    assert outcomes == {LookupOutcome.FAILED: 7, LookupOutcome.NONE: 1}


def test_a_rate_limited_archive_still_completes_and_loses_nothing(reactor_thread):
    from crawler.spiders.memento import lookup_mementos

    strict = SimMemento("strict-memento.test", rate_limit=4.0, burst=1.0)
    urls = [f"https://gone.test/many/{n}" for n in range(5)]
    for url in urls:
        strict.add_capture(url, "20240320000000")
    with SimWeb(hosts=[HostSpec("news.test")], mementos=[strict]) as limited:
        settings = settings_for(limited)
        archives = [definition(limited, strict, retries=4)]  # paced far above the archive's 4/s
        found = reactor_thread.run(lambda: lookup_mementos([(url, ISSUE_DAY) for url in urls], settings, archives))
        limited.log.wait_idle()
    assert strict.count(status=429) > 0
    assert {lookup.outcome for lookup in found.values()} == {LookupOutcome.FOUND}
    assert set(found) == set(urls)


def test_each_archive_is_paced_in_its_own_slot(web, lookup, first, second):
    slow, fast = definition(web, first, rate=240), definition(web, second)  # 0.25 s apart; unpaced
    in_slow = [f"https://gone.test/slow/{n}" for n in range(2)]
    in_fast = [f"https://gone.test/fast/{n}" for n in range(4)]
    for url in in_slow:
        first.add_capture(url, "20240320000000")
    for url in in_fast:
        second.add_capture(url, "20240320000000")
    found = lookup([(url, ISSUE_DAY) for url in in_fast + in_slow], [fast, slow])
    assert {found[url].archive for url in in_slow} == {FIRST} and {found[url].archive for url in in_fast} == {SECOND}
    slow_starts = [record.started for record in web.log.records(FIRST)]
    fast_starts = [record.started for record in web.log.records(SECOND)]
    assert len(slow_starts) == 4 and len(fast_starts) == 10
    assert min(b - a for a, b in itertools.pairwise(slow_starts)) >= 0.2
    assert fast_starts[-1] - fast_starts[0] < slow_starts[-1] - slow_starts[0]  # not held to the slow pace


def test_a_paged_timemap_is_read_from_the_page_holding_the_issue_date(web, lookup, paged):
    url = "https://gone.test/paged"
    for timestamp in ("20240101000000", "20240201000000", "20240301000000", "20240315000000", "20240326000000"):
        paged.add_capture(url, timestamp)
    found = lookup([(url, ISSUE_DAY)], [definition(web, paged)])[url]
    assert found.snapshot.timestamp == "20240326000000"
    assert found.requests == 3  # page 1, page 3 (its range is the nearest the day), the memento


def test_no_more_than_a_bound_of_pages_is_read(web, lookup, paged):
    url = "https://gone.test/long"
    for month in range(1, 10):
        paged.add_capture(url, f"2023{month:02d}01000000")
    found = lookup([(url, None)], [definition(web, paged)])[url]
    assert paged.count("timemap") == MAX_TIMEMAP_PAGES
    assert found.snapshot.timestamp == "20230601000000"  # the newest of the pages read


def test_an_archive_without_a_raw_form_is_fetched_as_it_is(web, lookup, first):
    url = "https://gone.test/as-is"
    first.add_capture(url, "20240320000000")
    found = lookup([(url, ISSUE_DAY)], [definition(web, first, raw=None)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert [r.path for r in web.log.records(FIRST)][-1] == f"/web/20240320000000/{url}"


def test_an_archive_that_is_down_is_failed(web, lookup, first):
    url = "https://gone.test/down"
    first.add_capture(url, "20240320000000")
    web.set_outage(FIRST)
    try:
        found = lookup([(url, ISSUE_DAY)], [definition(web, first, retries=1)])[url]
    finally:
        web.set_outage(FIRST, down=False)
    assert found.outcome == LookupOutcome.FAILED and "503" in found.detail


def test_an_archive_that_does_not_answer_is_failed(web, lookup):
    silent = MementoArchive("silent.test", f"http://{REFUSED_HOST}:{web.refused_port}/timemap/{{url}}", 6000, retries=0)
    found = lookup([("https://gone.test/silent", ISSUE_DAY)], [silent])["https://gone.test/silent"]
    assert (found.outcome, found.archive) == (LookupOutcome.FAILED, "silent.test")
    assert "did not answer" in found.detail


def test_an_answer_that_is_no_timemap_is_failed(web, lookup):
    html_site = MementoArchive("news.test", web.url("news.test", "/timemap/{url}"), 6000)
    found = lookup([("https://gone.test/html", ISSUE_DAY)], [html_site])["https://gone.test/html"]
    assert found.outcome == LookupOutcome.FAILED and "not link-format" in found.detail


def test_each_answer_carries_its_date_and_requests_and_429s_are_counted_per_archive(web, reactor_thread, first, second):
    from crawler.spiders.memento import lookup_mementos
    from crawler.spiders.wayback import ArchiveTally

    url, later = "https://gone.test/dated", date(2024, 9, 1)
    first.add_capture(url, "20240301000000", title="Spring")
    first.add_capture(url, "20240801000000", title="Summer")
    second.answer_with_captcha(2)
    answers: list[ArchiveLookup] = []
    tally = ArchiveTally()
    archives = [definition(web, second, retries=0), definition(web, first)]
    settings = settings_for(web)
    reactor_thread.run(
        lambda: lookup_mementos([(url, ISSUE_DAY), (url, later)], settings, archives, answers.append, tally=tally)
    )
    web.log.wait_idle()
    by_day = {answer.cited_on: answer.snapshot.timestamp for answer in answers}
    assert by_day == {ISSUE_DAY: "20240301000000", later: "20240801000000"}  # each date its own memento
    assert tally.requests[FIRST] == first.count() == 4  # two TimeMaps, two mementos
    assert tally.requests[SECOND] == second.count() and tally.refused == {SECOND: second.count(status=429)}
    assert tally.refused[SECOND] >= 1


def test_the_budget_stops_the_lookups_and_leaves_the_rest_unanswered(web, reactor_thread, first):
    from crawler.spiders.memento import lookup_mementos
    from crawler.spiders.wayback import ArchiveTally

    urls = [f"https://gone.test/budget/{n}" for n in range(10)]
    tally = ArchiveTally()
    archives = [definition(web, first, rate=120)]  # 0.5 s apart
    settings = settings_for(web)
    found = reactor_thread.run(
        lambda: lookup_mementos([(u, ISSUE_DAY) for u in urls], settings, archives, budget=1.2, tally=tally)
    )
    web.log.wait_idle()
    assert tally.stopped == "budget" and 0 < len(found) < len(urls)
    assert first.count("timemap") < len(urls)

"""Archive lookups through real Scrapy crawls against the simulated Wayback Machine."""

from __future__ import annotations

import ipaddress
from datetime import date

import pytest

from crawler.models import LookupOutcome
from crawler.simweb import HostSpec, SimArchive, SimWeb

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
ISSUE_DAY = date(2024, 3, 27)


@pytest.fixture(scope="module")
def archive():
    return SimArchive()


@pytest.fixture(scope="module")
def web(archive):
    with SimWeb(hosts=[HostSpec("news.test")], archive=archive) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def fresh_archive(web, archive):
    web.log.wait_idle()
    archive.reset()
    yield


@pytest.fixture
def lookup(web, reactor_thread):
    from crawler.fetch.runner import base_settings, lookup_captures

    def run(lookups, **overrides):
        settings = base_settings(
            {
                "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
                "ROTWATCH_STATIC_HOSTS": web.resolve_map(),
                "ROTWATCH_ARCHIVE_RATE": 6000,
                **overrides,
            }
        )
        found = reactor_thread.run(lambda: lookup_captures(lookups, settings, web.archive_endpoint))
        web.log.wait_idle()
        return found

    return run


def test_the_capture_just_before_the_issue_date_is_chosen(archive, lookup):
    url = "https://gone.test/story"
    for timestamp in ("20240301000000", "20240326120000", "20240402000000"):
        archive.add_capture(url, timestamp, title="The story")
    (found,) = lookup([(url, ISSUE_DAY)]).values()
    assert found.outcome == LookupOutcome.FOUND
    assert found.snapshot.timestamp == "20240326120000"
    assert found.requests == 2  # one index query, one verification


def test_without_an_earlier_capture_the_closest_after_is_chosen(archive, lookup):
    url = "https://gone.test/later"
    for timestamp in ("20240601000000", "20240405000000"):
        archive.add_capture(url, timestamp, title="Later")
    assert lookup([(url, ISSUE_DAY)])[url].snapshot.timestamp == "20240405000000"


def test_no_capture_is_none_not_failure(lookup):
    url = "https://gone.test/never"
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.NONE and found.snapshot is None


@pytest.mark.parametrize("bad_kind", ["soft-404", "parked", "redirect-home"])
def test_an_untrustworthy_capture_is_skipped_for_the_next_closest(archive, lookup, bad_kind):
    url = f"https://gone.test/{bad_kind}/article"
    archive.add_capture(url, "20240326000000", kind=bad_kind)
    archive.add_capture(url, "20240310000000", title="The real article")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert found.snapshot.timestamp == "20240310000000"


def test_only_untrustworthy_captures_means_none(archive, lookup):
    url = "https://gone.test/only-404"
    archive.add_capture(url, "20240326000000", kind="soft-404")
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.NONE
    assert "not found" in found.detail
    assert archive.count("playback") == 1  # the same capture is not verified twice


def test_availability_is_the_fallback_when_the_index_has_nothing(archive, lookup):
    url = "https://gone.test/unindexed"
    archive.add_capture(url, "20240320000000", title="Fresh capture")
    archive.hide_from_cdx(url)
    found = lookup([(url, ISSUE_DAY)])[url]
    assert found.outcome == LookupOutcome.FOUND
    assert (archive.count("cdx"), archive.count("availability"), archive.count("playback")) == (1, 1, 1)


def test_rate_limited_archive_still_completes_and_loses_nothing(reactor_thread):
    from crawler.fetch.runner import base_settings, lookup_captures

    strict = SimArchive(host="strict-archive.test", rate_limit=4.0, burst=1.0)
    urls = [f"https://gone.test/many/{n}" for n in range(6)]
    for url in urls:
        strict.add_capture(url, "20240320000000", title="Many")
    with SimWeb(hosts=[HostSpec("news.test")], archive=strict) as limited:
        settings = base_settings(
            {
                "ROTWATCH_ALLOWED_PRIVATE": LOOPBACK,
                "ROTWATCH_STATIC_HOSTS": limited.resolve_map(),
                "ROTWATCH_ARCHIVE_429_PAUSE": 0.5,
                "ROTWATCH_ARCHIVE_RATE": 6000,  # far above the archive's 4/s
            }
        )
        lookups = [(url, ISSUE_DAY) for url in urls]
        endpoint = limited.archive_endpoint
        found = reactor_thread.run(lambda: lookup_captures(lookups, settings, endpoint))
        limited.log.wait_idle()
    assert strict.count(status=429) > 0
    assert {lookup.outcome for lookup in found.values()} == {LookupOutcome.FOUND}
    assert set(found) == set(urls)


def test_an_archive_that_fails_is_reported_as_failed(archive, lookup):
    url = "https://gone.test/overloaded"
    archive.add_capture(url, "20240320000000", title="x")
    archive.fail_next(10, status=503)
    found = lookup([(url, ISSUE_DAY)], ROTWATCH_RETRY_BACKOFF=0.05, ROTWATCH_BACKOFF_CAP=0.1)[url]
    assert found.outcome == LookupOutcome.FAILED
    assert "503" in found.detail

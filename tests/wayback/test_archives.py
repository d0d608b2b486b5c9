"""The shipped Memento archives, and how a configuration's names become definitions."""

from __future__ import annotations

import pytest

from crawler.errors import ConfigError, UsageError
from crawler.models import ArchiveLookup, LookupOutcome
from crawler.wayback.archives import (
    DEFAULT_ARCHIVES,
    SHIPPED_ARCHIVES,
    UNPUBLISHED_RATE,
    WAYBACK_RAW,
    MementoArchive,
    archive_of,
    archives_named,
    asked_text,
    further_lookups,
    minutes_to_ask,
    still_to_ask,
)
from crawler.wayback.memento import raw_memento_url


def test_the_shipped_archives_and_their_timemaps():
    assert list(SHIPPED_ARCHIVES) == ["arquivo.pt", "loc", "archive.today"]
    url = "https://gone.example/a?b=1"
    assert [archive.timemap_url(url) for archive in SHIPPED_ARCHIVES.values()] == [
        "https://arquivo.pt/wayback/timemap/link/https://gone.example/a?b=1",
        "https://webarchive.loc.gov/all/timemap/link/https://gone.example/a?b=1",
        "https://archive.ph/timemap/https://gone.example/a?b=1",
    ]


def test_each_archive_has_its_own_slot_and_pace():
    slots = {archive.slot for archive in SHIPPED_ARCHIVES.values()}
    assert len(slots) == 3 and "wayback" not in slots
    assert SHIPPED_ARCHIVES["arquivo.pt"].delay == 1.0  # 60 a minute, far below its published 400
    assert SHIPPED_ARCHIVES["loc"].rate == SHIPPED_ARCHIVES["archive.today"].rate == UNPUBLISHED_RATE


def test_raw_forms_of_the_shipped_archives():
    arquivo, loc, today = SHIPPED_ARCHIVES.values()
    memento = "/20120201160355/http://publico.pt/"
    assert raw_memento_url("https://arquivo.pt/wayback" + memento, arquivo.raw) == (
        "https://arquivo.pt/noFrame/replay/20120201160355id_/http://publico.pt/"
    )
    assert loc.raw == WAYBACK_RAW
    assert today.raw is None and today.retries == 0  # its CAPTCHA wall does not lift within a run


def test_names_become_definitions_in_the_configured_order():
    assert [a.name for a in archives_named(["archive.today", " Arquivo.PT "])] == ["archive.today", "arquivo.pt"]
    assert archives_named([]) == ()


def test_an_unknown_archive_is_a_usage_error_naming_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"unknown archive 'timetravel'; known archives: arquivo.pt, loc, archive.today"
    ):
        archives_named(["loc", "timetravel"])
    assert issubclass(ConfigError, UsageError)  # the CLI exits 2


def test_an_archive_listed_twice_is_a_mistake():
    with pytest.raises(ConfigError, match="twice"):
        archives_named(["loc", "LOC"])


def test_other_definitions_can_be_known():
    mine = MementoArchive("mine.example", "http://mine.example/timemap/{url}", rate=30)
    assert archives_named(["mine.example"], {"mine.example": mine}) == (mine,)


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ({"name": "Arquivo PT"}, "lower-case"),
        ({"timemap": "https://x.example/timemap/"}, "one {url}"),
        ({"timemap": "ftp://x.example/{url}"}, "http"),
        ({"rate": 0}, "above 0"),
        ({"raw": "{prefix}{when}id_/{original}"}, "only"),
        ({"retries": -1}, "negative"),
    ],
)
def test_a_definition_that_cannot_work_is_refused(fields, complaint):
    values: dict[str, object] = {"name": "x.example", "timemap": "https://x.example/timemap/{url}", "rate": 10.0}
    with pytest.raises(ConfigError, match=complaint):
        MementoArchive(**(values | fields))


def test_the_default_order_leaves_out_the_archive_that_answers_bots_with_a_captcha():
    from crawler.config import Config

    assert Config().further_archives == DEFAULT_ARCHIVES == ("arquivo.pt", "loc")
    assert [a.name for a in Config().memento_archives] == ["arquivo.pt", "loc"]
    assert Config(archive=False).memento_archives == ()  # --no-archive asks no archive at all


def test_an_archive_of_ones_own_is_defined_by_its_timemap_url():
    mine = archive_of("Mine=http://mine.example/timemap/link/{url} rate=120 retries=0")
    assert (mine.name, mine.timemap_url("https://a.example/"), mine.rate, mine.raw, mine.retries) == (
        "mine",
        "http://mine.example/timemap/link/https://a.example/",
        120.0,
        WAYBACK_RAW,
        0,
    )
    assert archive_of("plain=https://x.example/tm/{url}").rate == UNPUBLISHED_RATE
    for bad, problem in [
        ("mine=", "TimeMap URL"),
        ("mine=https://x.example/tm/", r"\{url\}"),
        ("mine=https://x.example/tm/{url} speed=3", "unknown option 'speed=3'"),
        ("loc=https://x.example/tm/{url}", "shipped"),
    ]:
        with pytest.raises(ConfigError, match=problem):
            archive_of(bad)
    with pytest.raises(ConfigError, match="twice"):
        archives_named(["mine=http://a.example/{url}", "MINE=http://b.example/{url}"])


def test_a_stored_answer_says_which_archives_are_still_to_ask():
    arquivo, loc, today = SHIPPED_ARCHIVES.values()
    assert asked_text(["wayback", "arquivo.pt", "wayback", "loc"]) == "wayback, arquivo.pt, loc"
    assert still_to_ask("wayback", [arquivo, loc]) == (arquivo, loc)
    assert still_to_ask("wayback, arquivo.pt, loc", [arquivo, loc]) == ()
    assert still_to_ask("wayback, arquivo.pt, loc", [today, arquivo, loc]) == (today,)  # added to the list later


def test_only_a_none_not_naming_every_further_archive_is_asked_of_them():
    from datetime import date

    arquivo, loc, _ = SHIPPED_ARCHIVES.values()
    day = date(2024, 3, 27)
    answers = {
        ("https://a.example/", day): ArchiveLookup("https://a.example/", LookupOutcome.NONE),
        ("https://b.example/", None): ArchiveLookup("https://b.example/", LookupOutcome.NONE, archive="wayback, loc"),
        ("https://c.example/", day): ArchiveLookup("https://c.example/", LookupOutcome.FOUND),
        ("https://d.example/", day): ArchiveLookup("https://d.example/", LookupOutcome.FAILED),
        ("https://e.example/", day): ArchiveLookup(
            "https://e.example/", LookupOutcome.NONE, archive="wayback, arquivo.pt, loc"
        ),
    }
    assert further_lookups(answers, [arquivo, loc]) == {
        (arquivo, loc): [("https://a.example/", day)],
        (arquivo,): [("https://b.example/", None)],
    }
    assert further_lookups(answers, []) == {}


def test_the_time_left_is_set_by_the_slowest_archive():
    arquivo, loc, _ = SHIPPED_ARCHIVES.values()
    assert minutes_to_ask(30, [arquivo, loc]) == pytest.approx(30 * 2 * 6.0 / 60)  # loc: 10 a minute
    assert minutes_to_ask(30, []) == 0.0

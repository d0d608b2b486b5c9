"""The shipped Memento archives, and how a configuration's names become definitions."""

from __future__ import annotations

import pytest

from crawler.errors import ConfigError, UsageError
from crawler.wayback.archives import SHIPPED_ARCHIVES, UNPUBLISHED_RATE, WAYBACK_RAW, MementoArchive, archives_named
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

"""The settings that point a crawl at the simulated web, in each form a crawl takes them."""

from __future__ import annotations

import ipaddress

from crawler.cli.main import build_parser
from crawler.config import load_config, scrapy_overrides
from crawler.simweb import HostSpec, SimWeb, crawl_flags, crawl_overrides
from tests.simweb.clients import HOST

HOSTS = [HostSpec(HOST)]  # served to this module by the `web` fixture, with `wayback` as its archive


def test_every_simulated_host_resolves_to_allowed_loopback_and_lookups_go_to_its_archive(web):
    assert web.crawl_overrides() == {
        "allow_private": "127.0.0.0/8",
        "resolve": web.resolve_map(),
        "archive_endpoint": web.archive_endpoint,
        "archive_rate": 6000,
        "further_archives": [],
    }
    assert web.crawl_overrides(archive=False) == {
        "allow_private": "127.0.0.0/8",
        "resolve": web.resolve_map(),
        "further_archives": [],
    }


def test_a_web_without_an_archive_leaves_the_archive_alone():
    web = SimWeb([HostSpec(HOST)])
    assert "archive_endpoint" not in web.crawl_overrides() and "archive_rate" not in web.crawl_overrides()


def test_without_names_to_pin_only_loopback_is_allowed():
    assert crawl_overrides() == {"allow_private": "127.0.0.0/8", "further_archives": []}
    assert crawl_flags(crawl_overrides()) == ["--allow-private", "127.0.0.0/8", "--further-archives", ""]


def test_a_crawl_pointed_at_the_simulated_web_asks_only_its_memento_archives(tmp_path):
    from crawler.simweb.memento import SimMemento

    with SimWeb([HostSpec(HOST)], mementos=[SimMemento("second.test"), SimMemento("third.test")]) as web:
        entries = web.crawl_overrides()["further_archives"]
        config = load_config(web.crawl_overrides(), cwd=tmp_path)
        assert [archive.name for archive in config.memento_archives] == ["second.test", "third.test"]
        assert config.memento_archives[0].timemap_url("https://a.test/") == web.url(
            "second.test", "/timemap/link/https://a.test/"
        )
        args = build_parser().parse_args(["check", "issues", *web.crawl_flags()])
        assert load_config({"further_archives": args.further_archives}, cwd=tmp_path).further_archives == tuple(entries)
    assert load_config(crawl_overrides(), cwd=tmp_path).memento_archives == ()  # never a real archive


def test_the_configuration_they_make_reaches_the_simulated_web(web, tmp_path):
    config = load_config(web.crawl_overrides(), cwd=tmp_path)
    overrides = scrapy_overrides(config)
    assert overrides["ROTWATCH_ALLOWED_PRIVATE"] == (ipaddress.ip_network("127.0.0.0/8"),)
    assert overrides["ROTWATCH_STATIC_HOSTS"] == web.resolve_map()
    assert overrides["ROTWATCH_ARCHIVE_RATE"] == 6000
    assert config.archive_endpoint == web.archive_endpoint


def test_the_flags_say_what_the_overrides_say(web, tmp_path):
    flags = web.crawl_flags()
    assert flags[:2] == ["--allow-private", "127.0.0.0/8"]
    assert flags.count("--resolve") == len(web.resolve_map())
    args = build_parser().parse_args(["check", "issues", *flags])
    names = ("allow_private", "resolve", "archive_endpoint", "archive_rate", "further_archives")
    from_flags = load_config({name: getattr(args, name) for name in names}, cwd=tmp_path)
    assert from_flags == load_config(web.crawl_overrides(), cwd=tmp_path)

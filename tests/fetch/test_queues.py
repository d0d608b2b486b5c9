"""The order start requests are sent in: one URL of each site in turn, busiest sites first."""

from __future__ import annotations

from crawler.spiders.links import sites_in_turn


def test_takes_one_url_of_each_site_in_turn_busiest_first():
    urls = [
        "http://a.test/1",
        "http://big.test/1",
        "http://b.test/1",
        "http://big.test/2",
        "http://www.big.test/3",
        "http://a.test/2",
    ]
    assert list(sites_in_turn(urls)) == [
        ("big.test", "http://big.test/1"),
        ("a.test", "http://a.test/1"),
        ("b.test", "http://b.test/1"),
        ("big.test", "http://big.test/2"),
        ("a.test", "http://a.test/2"),
        ("big.test", "http://www.big.test/3"),
    ]


def test_keeps_every_url_once():
    urls = [f"http://site{n % 7}.test/{n}" for n in range(100)]
    assert sorted(url for _, url in sites_in_turn(urls)) == sorted(urls)

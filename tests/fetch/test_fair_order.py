"""The crawl's order: every site spread through the sequence in proportion to its share."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

import crawler.fetch.fair_order
from crawler.check.urls import host_of, site_key
from crawler.fetch.fair_order import fair_key, fair_order


def test_public_names():
    assert crawler.fetch.fair_order.__all__ == ["fair_key", "fair_order"]


def test_a_sites_urls_stand_at_even_strides_through_the_crawl():
    assert [fair_key(rank, 4) for rank in range(4)] == [0.125, 0.375, 0.625, 0.875]
    assert fair_key(0, 1) == 0.5
    assert all(0 < fair_key(rank, count) < 1 for count in (1, 2, 7, 1000) for rank in range(count))


def test_takes_each_site_in_proportion_bigger_site_first_on_a_tie():
    urls = [
        "http://a.test/1",
        "http://big.test/1",
        "http://b.test/1",
        "http://big.test/2",
        "http://www.big.test/3",
        "http://a.test/2",
    ]
    assert fair_order(urls) == [
        "http://big.test/1",  # 1/6
        "http://a.test/1",  # 1/4
        "http://big.test/2",  # 1/2, the bigger site first
        "http://b.test/1",  # 1/2
        "http://a.test/2",  # 3/4
        "http://www.big.test/3",  # 5/6
    ]


def test_keeps_every_url_once_and_each_sites_urls_in_their_order():
    urls = [f"http://site{n % 7}.test/{n}" for n in range(100)]
    ordered = fair_order(urls)
    assert sorted(ordered) == sorted(urls)
    for site in range(7):
        assert [url for url in ordered if url.startswith(f"http://site{site}.")] == urls[site::7]


def zipf_urls(sites: int, total: int) -> list[str]:
    """URLs over `sites` sites cited by a Zipf law (the benchmarks' shape), shuffled."""
    weights = [1 / rank for rank in range(1, sites + 1)]
    counts = [1 + math.floor(weight * (total - sites) / sum(weights)) for weight in weights]
    urls = [f"http://site{site}.test/{n}" for site, count in enumerate(counts) for n in range(count)]
    random.Random(7).shuffle(urls)
    return urls


@pytest.mark.parametrize(("sites", "total", "slack"), [(40, 2000, 4), (400, 20_000, 16)])
def test_every_prefix_holds_each_site_in_proportion(sites, total, slack):
    ordered = fair_order(zipf_urls(sites, total))
    shares = Counter(site_key(host_of(url)) for url in ordered)
    busiest, most = shares.most_common(1)[0]
    seen: Counter[str] = Counter()
    for length, url in enumerate(ordered, start=1):
        seen[site_key(host_of(url))] += 1
        for site in (busiest, *list(shares)[:: max(1, sites // 20)]):
            assert abs(seen[site] - length * shares[site] / len(ordered)) <= slack, (site, length)
        if length >= 4 * len(ordered) / most:  # the busiest site has work from the start
            assert seen[busiest] >= 4

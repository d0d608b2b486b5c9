"""The nightly crawl's plan on disk groups links as `plan_checks` does and gives them back in bounded chunks."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

import crawler.nightly.plan_spool
from crawler.check.plan import plan_checks
from crawler.check.urls import host_of, site_key
from crawler.models import LinkKind, LinkOccurrence
from crawler.nightly.plan_spool import PlanSpool, plan_of, rows_requesting

SPELLINGS = [
    "https://a.example/x",
    "HTTPS://A.EXAMPLE/x",  # the same page written another way: fetched once, first spelling requested
    "https://a.example/y",
    "https://b.example/",
    "https://b.example:443/",
    "https://skip.example/z",
    "https://c.example/%E4%B8%AD",
]
EXCLUDE = [re.compile(r"skip\.example")]


def occurrence(url: str, issue: str = "issues/a.md", line: int = 1) -> LinkOccurrence:
    return LinkOccurrence(url, issue, line, 3, "text", LinkKind.LINK, url)


def test_public_names_are_pinned() -> None:
    assert crawler.nightly.plan_spool.__all__ == ["PlanRow", "PlanSpool", "plan_of", "rows_requesting"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SPELLINGS), st.sampled_from(["a.md", "b.md"]), st.integers(1, 9))))
def test_the_spool_groups_links_exactly_as_plan_checks_does(cited: list[tuple[str, str, int]]) -> None:
    occurrences = [occurrence(url, issue, line) for url, issue, line in cited]
    expected = plan_checks(occurrences, EXCLUDE)

    with PlanSpool.of(occurrences, EXCLUDE) as spool:
        chunks = [plan_of(rows) for rows in spool.row_chunks(2)]
        requested = [url for batch in spool.urls() for url in batch]
        count = len(spool)

    to_fetch = {url: found for chunk in chunks for url, found in chunk.to_fetch.items()}
    not_fetched = {key: value for chunk in chunks for key, value in chunk.not_fetched.items()}
    assert to_fetch == expected.to_fetch
    assert not_fetched == expected.not_fetched
    assert sorted(requested) == sorted(expected.to_fetch) and count == len(expected.to_fetch)
    assert all(len(chunk.to_fetch) + len(chunk.not_fetched) <= 2 for chunk in chunks)


def test_chunks_come_in_url_order_across_chunks_excluded_links_among_them() -> None:
    urls = [f"https://site{n % 7}.example/page/{n}" for n in range(50)]
    excluded = ["https://a-skip.example/first", "https://site3.example/page/skip/x", "https://zz-skip.example/"]
    exclude = [re.compile("skip")]
    with PlanSpool.of([occurrence(url) for url in reversed(urls + excluded)], exclude) as spool:
        order = [
            url
            for chunk in map(plan_of, spool.row_chunks(8))
            for url in sorted([*chunk.to_fetch, *(result.url for result, _ in chunk.not_fetched.values())])
        ]

    assert order == sorted(urls + excluded)


def test_due_links_come_back_each_once_with_every_site_spread_by_its_share() -> None:
    busy = [f"https://busy.example/{n}" for n in range(60)]
    middling = [f"https://mid.example/{n}" for n in range(30)]
    small = [f"https://small{n}.example/" for n in range(10)]
    with PlanSpool.of([occurrence(url) for url in busy + middling + small]) as spool:
        for batch in spool.urls():
            spool.mark_due(batch)
        order = list(spool.due_in_order())

    assert sorted(order) == sorted(busy + middling + small)
    for length in (10, 20, 50, 100):
        shares = Counter(site_key(host_of(url)) for url in order[:length])
        assert abs(shares["busy.example"] - 0.6 * length) <= 1
        assert abs(shares["mid.example"] - 0.3 * length) <= 1
    assert site_key(host_of(order[0])) == "busy.example"  # the busiest site leads


def test_rows_requesting_some_urls_are_those_links_rows_and_never_an_excluded_links():
    rows = [
        ("https://a.example/", 0, "https://a.example/", "https://a.example", "1.md", 1, 1, "a", "inline", "x"),
        ("https://a.example/", 0, "https://a.example/", "https://a.example/", "2.md", 3, 1, "a", "inline", "x"),
        ("https://b.example/", 0, "https://b.example/", "https://b.example/", "1.md", 2, 1, "b", "inline", "x"),
        ("https://c.example/", 1, "https://c.example/", "https://c.example/", "1.md", 4, 1, "c", "inline", "x"),
    ]
    assert rows_requesting(rows, {"https://a.example/", "https://c.example/"}) == rows[:2]
    assert rows_requesting(rows, set()) == []

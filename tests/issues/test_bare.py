"""Tests for crawler/issues/bare.py: bare URLs in prose, with the CJK punctuation rules."""

from __future__ import annotations

import pytest

import crawler.issues.bare
from crawler.issues.bare import BareUrl, bare_urls
from crawler.issues.extract import extract_links
from crawler.models import LinkKind, LinkOccurrence


def links(markdown: str) -> list[LinkOccurrence]:
    return extract_links(markdown, "issue.md")


def one(markdown: str) -> LinkOccurrence:
    (found,) = links(markdown)
    return found


def test_public_names_are_pinned() -> None:
    assert crawler.issues.bare.__all__ == ["BareUrl", "bare_urls"]


# -- Through extraction -------------------------------------------------------------


@pytest.mark.parametrize("stop", [*list("。，、；：！？）」』】"), "\u3000", "”", "…"])
def test_bare_url_stops_at_cjk_punctuation(stop: str) -> None:
    link = one(f"见https://example.com/a{stop}详情")
    assert (link.kind, link.url, link.column) == (LinkKind.BARE, "https://example.com/a", 2)


@pytest.mark.parametrize(
    ("markdown", "url"),
    [
        ("See https://x.org/a.", "https://x.org/a"),
        ("(see https://x.org/a_(b))", "https://x.org/a_(b)"),
        ("(see https://x.org/a)", "https://x.org/a"),
        ("**https://x.org/a**", "https://x.org/a"),
        ("https://x.org/?q=1, and", "https://x.org/?q=1"),
        ("“https://x.org/中文”", "https://x.org/中文"),
    ],
)
def test_bare_url_follows_gfm_end_rules(markdown: str, url: str) -> None:
    assert one(markdown).url == url


def test_bare_www_gets_http_but_stays_written_as_is() -> None:
    link = one("visit www.example.com/path, now")
    assert link.url == "http://www.example.com/path"
    assert link.written == link.text == "www.example.com/path"


def test_bare_url_is_cut_at_4096_characters() -> None:
    link = one("https://x.org/" + "a" * 5000)
    assert len(link.written) == len(link.url) == 4096


def test_bare_url_unescapes_like_other_links() -> None:
    link = one(r"at https://x.org/a\_b&amp;c")
    assert (link.url, link.written) == ("https://x.org/a_b&c", r"https://x.org/a\_b&amp;c")


@pytest.mark.parametrize(
    "markdown",
    [
        "xhttps://glued.example/",
        "ftp://files.example/ and //proto.example/x and mail@me.example",
        "example.com without scheme",
        "a bare www. alone",
        "[https://text.example/](https://dest.example/)",
        '<a href="https://dest.example/">https://text.example/</a>',
    ],
)
def test_bare_urls_only_in_prose_and_only_http_or_www(markdown: str) -> None:
    assert LinkKind.BARE not in {link.kind for link in links(markdown)}


# -- The module on its own ------------------------------------------------------------


def test_bare_urls_gives_text_offsets_the_fetched_url_and_the_shown_text() -> None:
    text = "见https://x.org/a，和 www.y.org"
    first, second = text.index("https"), text.index("www")
    assert bare_urls(text, []) == [
        BareUrl(first, first + 15, "https://x.org/a", "https://x.org/a"),
        BareUrl(second, second + 9, "http://www.y.org", "www.y.org"),
    ]


def test_bare_urls_skips_the_spans_that_are_not_prose() -> None:
    text = "[https://a.org/](x) https://b.org/"
    assert [bare.url for bare in bare_urls(text, [(0, 19)])] == ["https://b.org/"]


def test_bare_urls_of_text_without_a_start_is_empty() -> None:
    assert bare_urls("no links here, only example.com", []) == []

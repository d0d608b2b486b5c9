"""Tests for crawler/issues/raw_html.py: href and src values in raw HTML."""

from __future__ import annotations

import pytest

import crawler.issues.raw_html
from crawler.issues.extract import extract_links
from crawler.issues.raw_html import HtmlLink, closes_anchor, html_links, opens_anchor
from crawler.models import LinkKind, LinkOccurrence


def links(markdown: str) -> list[LinkOccurrence]:
    return extract_links(markdown, "issue.md")


def test_public_names_are_pinned() -> None:
    assert crawler.issues.raw_html.__all__ == ["HtmlLink", "closes_anchor", "html_links", "opens_anchor"]


# -- Through extraction -------------------------------------------------------------


def test_html_block_href_and_src_with_entities_decoded() -> None:
    markdown = (
        "<div>\n"
        '  <a href="https://h.example/?a=1&amp;b">Anchor <b>text</b></a>\n'
        "  <img alt=\"Alt\" src='https://img.example/i.png'>\n"
        '<!-- <a href="https://commented.example/"> -->\n'
        '<script>var s = "<a href=https://script.example/>";</script>\n'
        "</div>\n"
    )
    assert [(link.line, link.column, link.url, link.written, link.text) for link in links(markdown)] == [
        (2, 12, "https://h.example/?a=1&b", "https://h.example/?a=1&amp;b", "Anchor text"),
        (3, 23, "https://img.example/i.png", "https://img.example/i.png", "Alt"),
    ]
    assert {link.kind for link in links(markdown)} == {LinkKind.HTML}


def test_inline_html_anchor_takes_its_text_from_the_following_tokens() -> None:
    found = links(
        'in <a title="href=no" href="https://i.example/">the *text*</a> and <img src=https://s.example/p.png alt="p">'
    )
    assert [(link.column, link.url, link.text) for link in found] == [
        (29, "https://i.example/", "the text"),
        (77, "https://s.example/p.png", "p"),
    ]


# -- The module on its own ------------------------------------------------------------


def test_html_links_gives_value_offsets_in_the_fragment() -> None:
    fragment = '<p>\n <a class=x HREF="https://a.example/?a=1&amp;b=2">see <i>it</i></a>\n<img src=/i.png alt="I">'
    href, src = fragment.index("https"), fragment.index("/i.png")
    found = html_links(fragment)
    assert found == [
        HtmlLink(href, href + 30, "https://a.example/?a=1&b=2", "see it", closed=True),
        HtmlLink(src, src + 6, "/i.png", "I", closed=True),
    ]
    assert [fragment[link.start : link.end] for link in found] == ["https://a.example/?a=1&amp;b=2", "/i.png"]


def test_an_anchor_not_closed_in_the_fragment_is_marked_open() -> None:
    assert html_links('<a href="https://a.example/">') == [HtmlLink(9, 27, "https://a.example/", "", closed=False)]


@pytest.mark.parametrize(
    ("tag", "opens", "closes"),
    [
        ("<a href=x>", True, False),
        ("<A>", True, False),
        ("<a/>", True, False),
        ("</a>", False, True),
        ("</A >", False, True),
        ("<abbr>", False, False),
        ("</abbr>", False, False),
    ],
)
def test_anchor_tags_are_told_from_other_tags(tag: str, opens: bool, closes: bool) -> None:
    assert (opens_anchor(tag), closes_anchor(tag)) == (opens, closes)


@pytest.mark.parametrize("fragment", ["<div><![[", "<div><![javascript:", '<![CDATA[ <a href="x"> ]]><a href="y">'])
def test_marked_sections_are_bogus_comments_as_in_a_browser(fragment: str) -> None:
    assert [link.url for link in html_links(fragment)] == (["y"] if "y" in fragment else [])

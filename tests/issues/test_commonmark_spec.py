"""Extraction against the CommonMark spec (0.31.2) examples.

For every example of the spec, the destinations `extract_links` finds must be
exactly the `href`/`src` values of the spec's expected HTML: nothing missed,
nothing invented, in code, HTML blocks, lists, everywhere. Markdown
destinations are compared after markdown-it's `normalizeLink` (the
percent-encoding the expected HTML carries); raw HTML values are compared as
written, since the spec passes raw HTML through untouched.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from crawler.issues.extract import extract_links
from crawler.models import LinkKind, LinkOccurrence

EXAMPLES = json.loads((Path(__file__).parents[1] / "data" / "commonmark.json").read_text(encoding="utf-8"))
LINK_SECTIONS = {"Links", "Images", "Autolinks", "Link reference definitions", "Raw HTML"}

_UNUSED = "a definition no link uses renders nothing; rotwatch reports every definition"
_DUPLICATE = "a second definition of a label renders nothing; its URL is still written in the issue"
_BARE = "bare URLs are GFM's autolink extension; CommonMark leaves them as text"

# Example number -> (URLs found beyond the expected HTML, why).
EXCEPTIONS: dict[int, tuple[set[str], str]] = {
    204: ({"second"}, _DUPLICATE),
    207: ({"/url"}, _UNUSED),
    208: ({"/url"}, _UNUSED),
    210: ({"/url"}, _UNUSED),
    317: ({"/url"}, _UNUSED + " (the list item's text is not a link)"),
    536: ({"/uri"}, _UNUSED + " (the would-be use is inside raw HTML)"),
    537: ({"/uri"}, _UNUSED + " (the would-be use is inside a code span)"),
    538: ({"/uri"}, _UNUSED + " (the would-be use is inside an autolink)"),
    544: ({"/url2"}, _DUPLICATE),
    545: ({"/url"}, _UNUSED + " (labels match after normalization, not unescaping)"),
    563: ({"/url"}, _UNUSED + " (the would-be use is escaped)"),
    565: ({"/url1"}, _UNUSED + " ([foo][bar] uses only bar)"),
    567: ({"/url1"}, _UNUSED + " ([foo]() is an inline link)"),
    571: ({"/url2"}, _UNUSED + " ([foo][bar][baz] uses only baz)"),
    592: ({"/url"}, _UNUSED + " (the would-be image is escaped)"),
    602: ({"https://foo.bar/baz"}, _BARE + " (not an autolink: it has a space)"),
    608: ({"https://foo.bar"}, _BARE + " (not an autolink: it has spaces)"),
    611: ({"https://example.com"}, _BARE),
}

_md = MarkdownIt("commonmark")


class _LinkValues(HTMLParser):
    """The href and src values of an HTML document, entities decoded."""

    def __init__(self, document: str) -> None:
        super().__init__()
        self.values: set[str] = set()
        self.feed(document)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.update(value or "" for name, value in attrs if name in ("href", "src"))


def as_rendered(link: LinkOccurrence) -> str:
    return link.url if link.kind is LinkKind.HTML else _md.normalizeLink(link.url)


def test_the_link_sections_are_all_there() -> None:
    assert sum(example["section"] in LINK_SECTIONS for example in EXAMPLES) == 178


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: str(example["example"]))
def test_destinations_are_the_expected_html_links(example: dict) -> None:
    found = extract_links(example["markdown"], "spec.md")
    extra, _reason = EXCEPTIONS.get(example["example"], (set(), ""))

    assert {as_rendered(link) for link in found} == _LinkValues(example["html"]).values | extra


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: str(example["example"]))
def test_written_urls_stand_at_their_positions(example: dict) -> None:
    markdown = example["markdown"]
    line_starts = [0] + [index + 1 for index, char in enumerate(markdown) if char == "\n"]
    for link in extract_links(markdown, "spec.md"):
        start = line_starts[link.line - 1] + link.column - 1
        assert markdown[start : start + len(link.written)] == link.written


def test_every_exception_is_still_needed() -> None:
    for number, (extra, _reason) in EXCEPTIONS.items():
        example = next(example for example in EXAMPLES if example["example"] == number)
        found = {as_rendered(link) for link in extract_links(example["markdown"], "spec.md")}
        assert extra <= found - _LinkValues(example["html"]).values, number

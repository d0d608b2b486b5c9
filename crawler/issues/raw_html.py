"""Links in raw HTML: the `href` and `src` of any element.

Raw HTML (blocks and inline tags) gives the `href` and `src` of any element,
decoded as a browser would; `text` is the anchor's inner text, or the
image's `alt`, or "". Tags are found as a browser finds them (Python's
`HTMLParser`): comments, `<![...>` sections and `<script>` and `<style>`
bodies are not tags.
Offsets are those of the attribute value as written, quotes excluded.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

__all__ = ["HtmlLink", "closes_anchor", "html_links", "opens_anchor"]

_OPENS_ANCHOR = re.compile(r"<a[\s>/]", re.I)
_CLOSES_ANCHOR = re.compile(r"</a[\s>]", re.I)
_TAG_NAME = re.compile(r"<[^\s/>]+")
_ATTRIBUTE = re.compile(r"""([^\s/>="'][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_LINK_ATTRIBUTES = ("href", "src")


@dataclass(slots=True)
class HtmlLink:
    """An href/src value in an HTML fragment: its span, and the text around it.

    `url` is the value with character references decoded, as a browser reads it.
    """

    start: int
    end: int
    url: str
    text: str
    closed: bool  # whether the element's text is complete within the fragment


def opens_anchor(tag: str) -> bool:
    """Whether an inline HTML token is an `<a ...>` start tag."""
    return _OPENS_ANCHOR.match(tag) is not None


def closes_anchor(tag: str) -> bool:
    """Whether an inline HTML token is an `</a>` end tag."""
    return _CLOSES_ANCHOR.match(tag) is not None


def html_links(fragment: str) -> list[HtmlLink]:
    """Every href/src value in `fragment`, in order, with offsets in `fragment`."""
    if "=" not in fragment:  # no attribute has a value: most inline tags (`</a>`, `<br>`)
        return []
    reader = _HtmlLinkReader(fragment)
    reader.feed(fragment)
    reader.close()
    return reader.links


class _HtmlLinkReader(HTMLParser):
    """Finds href/src attributes in HTML as a browser would (comments,
    `<script>` and `<style>` bodies are not tags), with their offsets."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[HtmlLink] = []
        self._fragment = fragment
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", fragment)]
        self._anchor_links: list[HtmlLink] = []
        self._anchor_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        tag_start = self._line_starts[line - 1] + column
        attributes = _attribute_spans(self.get_starttag_text() or "")
        alt = (dict(attrs).get("alt") or "") if tag == "img" else ""
        for name in _LINK_ATTRIBUTES:
            if name in attributes:
                value_start, value_end = attributes[name]
                start, end = tag_start + value_start, tag_start + value_end
                url = html.unescape(self._fragment[start:end])
                link = HtmlLink(start, end, url, alt, closed=tag != "a")
                self.links.append(link)
                if tag == "a":
                    self._anchor_links.append(link)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """`<![...>` outside SVG and MathML is a bogus comment to a browser; Python
        3.11's parser asserts on anything but a known keyword (`<div><![[`)."""
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self._anchor_links:
            self._anchor_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor_links:
            text = " ".join("".join(self._anchor_text).split())
            for link in self._anchor_links:
                link.text, link.closed = text, True
            self._anchor_links, self._anchor_text = [], []


def _attribute_spans(tag: str) -> dict[str, tuple[int, int]]:
    """Offsets of each attribute's value in a start tag (first one wins)."""
    spans: dict[str, tuple[int, int]] = {}
    name = _TAG_NAME.match(tag)
    pos = name.end() if name else 0
    while attribute := _ATTRIBUTE.search(tag, pos):
        pos = attribute.end()
        value_group = next((g for g in (2, 3, 4) if attribute.group(g) is not None), None)
        if value_group is not None:
            spans.setdefault(attribute.group(1).lower(), attribute.span(value_group))
    return spans

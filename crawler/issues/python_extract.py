"""Markdown -> link occurrences with markdown-it-py: the extractor used when
the Rust parser fails on an issue.

markdown-it-pyrs (`crawler.issues.parser`) panics on some inputs: markdown-it
0.6.0, which it bundles, indexes out of bounds in its code-span scanner when
a `[` is followed by a backtick that closes no code span ("a [b `c";
markdown-it-rust issue #40), and a Rust panic reaches Python as a
`BaseException`. `crawler.issues.extract` then reads the issue here, with the
pure-Python markdown-it-py, whose rules are wrapped to record where each
construct stands (`crawler.issues.recorded_parser`). What is returned, and
why, is documented in `crawler.issues.extract`; tests hold both extractors to
the same occurrences.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from markdown_it.token import Token

from crawler.issues.bare import bare_urls
from crawler.issues.positions import BlockText, Source, normalize_source
from crawler.issues.raw_html import closes_anchor, html_links, opens_anchor
from crawler.issues.recorded_parser import Definition, Span, parse, span_of
from crawler.models import LinkKind, LinkOccurrence

__all__ = ["extract_links_in_python"]


def extract_links_in_python(text: str, issue: str) -> list[LinkOccurrence]:
    """Every link written in one issue, of every scheme, in source order.

    `issue` is copied into each occurrence; `text` is the issue's Markdown.
    """
    source = Source(normalize_source(text))
    tokens, definitions = parse(source.text)
    reader = _DocumentReader(source, issue)
    found = reader.read_blocks(tokens)
    found += reader.read_definitions(definitions)
    return sorted(found, key=lambda link: (link.line, link.column))


class _DocumentReader:
    """Walks the parsed issue and turns what the parser recorded into occurrences."""

    def __init__(self, source: Source, issue: str) -> None:
        self.source = source
        self.issue = issue
        self.first_use_text: dict[str, str] = {}  # reference label -> text of its first use

    def at_source(self, start: int, end: int, url: str, text: str, kind: LinkKind) -> LinkOccurrence:
        """The occurrence whose written URL is source span [start, end)."""
        line, column = self.source.position(start)
        return LinkOccurrence(url, self.issue, line, column, text, kind, self.source.text[start:end])

    def in_block(self, block: BlockText, start: int, end: int, url: str, text: str, kind: LinkKind) -> LinkOccurrence:
        """The occurrence whose written URL is block-text span [start, end)."""
        return self.at_source(block.to_source(start), block.to_source(end), url, text, kind)

    def read_blocks(self, tokens: Sequence[Token]) -> list[LinkOccurrence]:
        found: list[LinkOccurrence] = []
        after = 0
        for previous, token in zip([None, *tokens], tokens, strict=False):
            if token.type not in ("inline", "html_block") or token.map is None:
                continue
            in_table = previous is not None and previous.type in ("th_open", "td_open")
            text = token.content.removesuffix("\n")  # an HTML block keeps its last line ending
            block = BlockText(text, range(*token.map), self.source, after, in_table)
            after = max(after, block.to_source(len(text)))
            if token.type == "html_block":
                found += self.read_html(block, 0, text)
            else:
                found += _InlineReader(self, block, token.children or []).read()
        return found

    def read_html(self, block: BlockText, offset: int, fragment: str, text: str = "") -> list[LinkOccurrence]:
        """Occurrences for the href/src values in raw HTML at `offset` of `block`.

        `text` stands in for an anchor's inner text when the anchor is not
        closed inside `fragment` (inline HTML comes one tag at a time).
        """
        return [
            self.in_block(
                block,
                offset + link.start,
                offset + link.end,
                link.url,
                link.text if link.closed else text,
                LinkKind.HTML,
            )
            for link in html_links(fragment)
        ]

    def read_definitions(self, definitions: Sequence[Definition]) -> list[LinkOccurrence]:
        """One occurrence per definition; only the first of a label is used."""
        seen: set[str] = set()
        found = []
        for definition in definitions:
            text = definition.shown_label
            if definition.label not in seen:
                text = self.first_use_text.get(definition.label, text)
                seen.add(definition.label)
            found.append(self.at_source(definition.start, definition.end, definition.url, text, LinkKind.REFERENCE))
        return found


class _InlineReader:
    """Reads the children of one inline token: links, images, HTML, bare URLs."""

    def __init__(self, document: _DocumentReader, block: BlockText, children: list[Token]) -> None:
        self.document = document
        self.block = block
        self.children = children
        self.not_prose: list[tuple[int, int]] = []  # spans where bare URLs are not looked for

    def read(self) -> list[LinkOccurrence]:
        found: list[LinkOccurrence] = []
        for index, token in enumerate(self.children):
            span = span_of(token)
            if span is None:
                continue
            self.not_prose.append((span.start, span.end))
            if token.type == "html_inline":
                found += self.html_tag(index, span)
            elif token.type == "image":
                found += self.link(span, _plain_text(token.children or []), LinkKind.IMAGE)
            elif token.type == "link_open" and token.markup == "autolink":
                found.append(self.autolink(span))
            elif token.type == "link_open":
                text = _plain_text(self.children[index + 1 : self.closing(index)])
                found += self.link(span, text, LinkKind.LINK)
        return found + self.bare_links()

    def closing(self, index: int) -> int:
        """Index of the link_close matching the link_open at `index`."""
        level = self.children[index].level
        return next(
            i
            for i in range(index + 1, len(self.children))
            if self.children[i].type == "link_close" and self.children[i].level == level
        )

    def link(self, span: Span, text: str, kind: LinkKind) -> list[LinkOccurrence]:
        """An inline link or image; a reference-style use only lends its text."""
        if span.destination is None:
            assert span.label is not None
            self.document.first_use_text.setdefault(span.label, text)
            return []
        start, end = span.destination
        return [self.document.in_block(self.block, start, end, span.url, text, kind)]

    def autolink(self, span: Span) -> LinkOccurrence:
        start, end = span.start + 1, span.end - 1  # inside the angle brackets
        written = self.block.text[start:end]
        url = written if ":" in written else f"mailto:{written}"  # <user@host> is an e-mail
        return self.document.in_block(self.block, start, end, url, written, LinkKind.AUTOLINK)

    def html_tag(self, index: int, span: Span) -> list[LinkOccurrence]:
        """Links in one inline tag; an `<a>` takes the text up to its `</a>`."""
        tag = self.children[index].content
        text = ""
        if (end := self.anchor_ends.get(index)) is not None:
            text = _plain_text(self.children[index + 1 : end])
            closing = span_of(self.children[end])
            assert closing is not None, "every inline HTML tag has its span recorded"
            self.not_prose.append((span.start, closing.end))
        return self.document.read_html(self.block, span.start, tag, text)

    @cached_property
    def anchor_ends(self) -> dict[int, int]:
        """Index of each inline `<a>` tag -> index of the next `</a>` tag."""
        ends: dict[int, int] = {}
        next_close = None
        for index in reversed(range(len(self.children))):
            token = self.children[index]
            if token.type != "html_inline":
                continue
            if closes_anchor(token.content):
                next_close = index
            elif opens_anchor(token.content) and next_close is not None:
                ends[index] = next_close
        return ends

    def bare_links(self) -> list[LinkOccurrence]:
        """Bare URLs in the prose around the constructs read so far."""
        return [
            self.document.in_block(self.block, bare.start, bare.end, bare.url, bare.shown, LinkKind.BARE)
            for bare in bare_urls(self.block.text, self.not_prose)
        ]


def _plain_text(tokens: Sequence[Token]) -> str:
    """Link text without markup: text, code, image alt; breaks become spaces."""
    parts = []
    for token in tokens:
        if token.type in ("text", "text_special", "code_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif token.type == "image":
            parts.append(_plain_text(token.children or []))
    return " ".join("".join(parts).split())

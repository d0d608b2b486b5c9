"""Markdown -> link occurrences: the first stage of rotwatch.

An issue is parsed with a real CommonMark parser (markdown-it-pyrs, plus GFM
tables and strikethrough: `crawler.issues.parser`), never with regexes over
the raw text, so nothing is found in code spans or code blocks and every
link is read the way a renderer reads it. What it returns, and why:

- `url` is the destination after Markdown unescaping (backslash escapes and
  entities decoded) but *not* percent-encoded: the address as the author
  meant it. Encoding for the wire and for de-duplication is `crawler.check.urls`.
- `written` is exactly the characters of the source that spell the URL, and
  `line`/`column` (1-based, column in characters, a tab counts as one) point
  at its first character, so a rewrite replaces those characters and nothing
  else. Angle brackets around a destination (`[t](<a b>)`) and around an
  autolink (`<https://x>`) are delimiters, not part of `written`. A `written`
  may differ from `url` (`a\\_b`, `&amp;`, `www.` without a scheme). It lies
  on one line, except an HTML attribute value with a line break in it. Line
  endings are normalized (CRLF/CR -> LF) before counting, as the parser does
  (`crawler.issues.positions`).
- Reference-style links are reported once per *definition*, at the
  definition, because that is the one place a rewrite edits; `text` is the
  link text of the first use of the label, or the label when it is unused.
  Duplicate definitions (which CommonMark ignores) are reported too: their
  URL is still written in the issue.
- Every scheme is returned (`mailto:`, relative paths, `javascript:`,
  empty destinations ...); callers decide which to check. No "unsafe scheme"
  filter applies, so parsing follows the spec exactly.
- Raw HTML (blocks and inline tags) gives the `href` and `src` of any element,
  decoded as a browser would (`crawler.issues.raw_html`).
- Bare URLs (GFM's autolink extension, with CJK punctuation and CJK prose glued on ending a URL:
  `crawler.issues.bare`): only `http://`, `https://` and `www.`, in prose.

Positions: the parser gives each construct's span in the source
(`crawler.issues.parser`); the written destination is re-read from that span
and `crawler.issues.positions` turns offsets into lines and columns.

An issue the Rust parser panics on is read by `crawler.issues.python_extract`
(markdown-it-py, about 20 times slower), which tests hold to the same output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from crawler.issues.bare import bare_urls
from crawler.issues.parser import (
    Node,
    Parsed,
    ParserError,
    parse,
    plain_label_end,
    read_definition,
    read_link,
    read_plain_link,
)
from crawler.issues.positions import BlockText, Source, normalize_source
from crawler.issues.python_extract import extract_links_in_python
from crawler.issues.raw_html import closes_anchor, html_links, opens_anchor
from crawler.models import LinkKind, LinkOccurrence

__all__ = ["extract_links"]

log = logging.getLogger(__name__)

# Nodes whose children are inline text: where bare URLs are looked for.
_INLINE_CONTAINERS = frozenset({"paragraph", "heading", "lheading", "tcell"})
# Inline nodes that are not prose: no bare URL inside them.
_NOT_PROSE = frozenset({"link", "image", "autolink", "html_inline", "code_inline"})
_TEXT = frozenset({"text", "text_special"})
_BREAKS = frozenset({"softbreak", "hardbreak"})
_TEXT_OR_BREAK = _TEXT | _BREAKS
# In a link's label, characters that may make its text differ from what is written.
_MARKUP = re.compile(r"[*_~&\n]")
# How each construct's source must begin and end: a check on the parser's offsets.
_OPENS = {"link": "[", "image": "![", "autolink": "<", "html_inline": "<", "code_inline": "`"}
_CLOSES: dict[str, tuple[str, ...]] = {
    "link": (")", "]"),
    "image": (")", "]"),
    "autolink": (">",),
    "html_inline": (">",),
    "code_inline": ("`",),
}
# Delimited inline nodes and their delimiters' length: `*a*`, `**a**`, `~~a~~`.
_DELIMITER_LENGTH = {"em": 1, "strong": 2, "strikethrough": 2}
_INLINE = _NOT_PROSE | _TEXT | _BREAKS | _DELIMITER_LENGTH.keys()
# Nodes the walk passes by: prose, and delimited nodes whose spans the parser may misplace.
_PASSED_BY = _TEXT_OR_BREAK | _DELIMITER_LENGTH.keys()


def extract_links(text: str, issue: str) -> list[LinkOccurrence]:
    """Every link written in one issue, of every scheme, in source order.

    `issue` is copied into each occurrence; `text` is the issue's Markdown.
    """
    source = Source(normalize_source(text))
    reader = _DocumentReader(source, issue)
    try:
        reader.read(parse(source.text, source.lowered))
    except ParserError as error:
        log.debug("%s: the Rust parser cannot read it exactly (%s); reading it with markdown-it-py", issue, error)
        return extract_links_in_python(text, issue)
    return sorted(reader.found, key=_IN_SOURCE_ORDER)


_IN_SOURCE_ORDER = attrgetter("line", "column")


@dataclass(slots=True)
class _Inline:
    """One block of inline content (a paragraph, heading or table cell) and
    the constructs in it, by their byte spans, in source order."""

    node: Node
    start: int
    end: int
    quote_depth: int
    constructs: list[tuple[str, int, int, Node]] = field(default_factory=list)


class _DocumentReader:
    """Walks the parsed issue once and turns its nodes into occurrences."""

    def __init__(self, source: Source, issue: str) -> None:
        self.source = source
        self.issue = issue
        self.found: list[LinkOccurrence] = []
        self.first_use_text: dict[str, str] = {}  # reference label -> text of its first use
        self.defined: set[str] = set()  # labels whose first definition was read

    def occurrence(self, start: int, written: str, url: str, text: str, kind: LinkKind) -> LinkOccurrence:
        """The occurrence whose written URL starts at character offset `start`."""
        line, column = self.source.position(start)
        return LinkOccurrence(url, self.issue, line, column, text, kind, written)

    def read(self, parsed: Parsed) -> None:
        self.parsed = parsed
        inlines: list[_Inline] = []
        definitions: list[tuple[Node, int]] = []
        image_end = 0  # what an image's alt text holds renders as text: no links
        quote_ends: list[int] = []  # where the block quotes around the current node end
        for node in parsed.root.walk():  # every node in source order
            name = node.name
            if name in _PASSED_BY or (srcmap := node.srcmap) is None:
                continue
            start, end = srcmap
            while quote_ends and start >= quote_ends[-1]:
                quote_ends.pop()
            depth = len(quote_ends)
            if name in _NOT_PROSE:
                if start < image_end:
                    continue
                if name == "image":
                    image_end = end
                inline = inlines[-1]  # usually the block just read
                if not inline.start <= start < inline.end:
                    inline = _containing(inlines, start)
                inline.constructs.append((name, start, end, node))
            elif name in _INLINE_CONTAINERS:
                inlines.append(_Inline(node, start, end, depth))
            elif name == "list_item":  # a tight list's items hold their inline nodes directly
                inlines += _inline_runs(node, depth)
            elif name == "html_block":
                self.read_html_block(node, start, end)
            elif name == "definition":
                definitions.append((node, depth))
            elif name == "blockquote":
                quote_ends.append(end)
        lowered = self.source.lowered
        for inline in inlines:
            if inline.constructs or _may_hold_bare_url(lowered, inline.start, inline.end):
                _InlineReader(self, inline).read()
        for node, depth in definitions:
            self.read_definition(node, depth)

    def read_html_block(self, node: Node, start: int, end: int) -> None:
        text = self.parsed.original(str(node.meta["content"])).removesuffix("\n")  # it keeps its last line ending
        first = self.source.char_offset(start)
        self.read_html(text, first, max(first, self.source.char_offset(end) - 1))

    def read_html(self, fragment: str, start: int, last: int, text: str = "", offset: int = 0) -> None:
        """Occurrences for the href/src values in raw HTML whose lines stand
        on the source lines of character offsets `start` to `last`.

        `fragment` is the HTML without container markers; `offset` is where
        it starts in the text the caller holds. `text` stands in for an
        anchor's inner text when the anchor is not closed inside `fragment`.
        """
        links = html_links(fragment)
        if not links:
            return
        if self.source.text.startswith(fragment, start):
            to_source = start.__add__
        else:  # it runs over lines inside a container: find each line in the source
            first_line, last_line = self.source.position(start)[0] - 1, self.source.position(last)[0]
            to_source = BlockText(fragment, range(first_line, last_line), self.source, start, False).to_source
        for link in links:
            written_start = to_source(link.start)
            written = self.source.text[written_start : to_source(link.end)]
            shown = link.text if link.closed else text
            self.found.append(self.occurrence(written_start, written, link.url, shown, LinkKind.HTML))

    def read_definition(self, node: Node, quote_depth: int) -> None:
        """One occurrence per definition; only the first of a label takes a use's text."""
        start, end = node.srcmap or (0, 0)
        piece = self.source.data[start:end].decode()
        label, shown, destination = read_definition(piece, quote_depth)
        text = shown if label in self.defined else self.first_use_text.get(label, shown)
        self.defined.add(label)
        written = piece[destination.start : destination.end]
        at = self.source.char_offset(start) + destination.start
        self.found.append(self.occurrence(at, written, destination.url, text, LinkKind.REFERENCE))


def _may_hold_bare_url(lowered: bytes, start: int, end: int) -> bool:
    """Whether byte span [start, end) of the issue (ASCII lower-cased) may hold
    a bare URL: a quick look before decoding it."""
    return lowered.find(b"://", start, end) >= 0 or lowered.find(b"www.", start, end) >= 0


def _containing(inlines: list[_Inline], start: int) -> _Inline:
    """The inline block an inline node at byte `start` belongs to (usually the last one)."""
    return next(inline for inline in reversed(inlines) if inline.start <= start < inline.end)


def _inline_runs(item: Node, quote_depth: int) -> list[_Inline]:
    """The runs of inline nodes a list item holds directly, each an inline block."""
    runs: list[_Inline] = []
    joined = False
    for child in item.children:
        span = _span(child) if child.name in _INLINE else None
        if span is None:
            joined = False
        elif joined:
            runs[-1].end = span[1]
        else:
            runs.append(_Inline(item, *span, quote_depth))
            joined = True
    return runs


def _span(node: Node) -> tuple[int, int] | None:
    """The byte span of an inline node.

    markdown-it.rs misplaces emphasis and strikethrough that run over lines
    inside a list item or block quote (its `srcmap` may start on the list
    marker, inside a character, or end past the paragraph), while the nodes
    inside keep exact spans: such a node spans its first and last child's
    spans and its delimiters around them.
    """
    delimiter = _DELIMITER_LENGTH.get(node.name)
    if delimiter is None:
        return node.srcmap
    children = node.children
    first, last = (_span(children[0]), _span(children[-1])) if children else (None, None)
    return (first[0] - delimiter, last[1] + delimiter) if first and last else None


class _InlineReader:
    """Reads the constructs of one inline block: links, images, HTML, bare URLs.

    Offsets are characters from the start of the issue.
    """

    __slots__ = ("document", "inline", "not_prose", "source")

    def __init__(self, document: _DocumentReader, inline: _Inline) -> None:
        self.document = document
        self.inline = inline
        self.source = document.source
        self.not_prose: list[tuple[int, int]] = []  # spans where bare URLs are not looked for

    def read(self) -> None:
        data, locate, not_prose = self.source.data, self.source.locate, self.not_prose
        for index, (name, start, end, node) in enumerate(self.inline.constructs):
            at, line_index = locate(start)
            written = data[start:end].decode()
            if not written.startswith(_OPENS[name]) or not written.endswith(_CLOSES[name]):
                raise ParserError(f"the {name} at byte {start} is {written!r} in the source")
            not_prose.append((at, at + len(written)))
            if name == "link" or name == "image":
                kind = LinkKind.LINK if name == "link" else LinkKind.IMAGE
                if not self.plain_link(at, line_index, written, kind):
                    self.link(node, start, at, written, kind)
            elif name == "autolink":
                self.autolink(at + 1, written[1:-1])  # inside the angle brackets
            elif name == "html_inline":
                self.html_tag(index, at, written)
        if _prose_may_hold_bare_url(self.source.lowered, self.inline):
            self.bare_links()

    def plain_link(self, at: int, line_index: int, piece: str, kind: LinkKind) -> bool:
        """Reads a plainly written inline link or image (most are), which lies
        on line `line_index`; False for any other."""
        plain = read_plain_link(piece)
        if plain is None:
            return False
        text, offset, url = plain
        column = at + offset - self.source.line_starts[line_index] + 1
        self.document.found.append(LinkOccurrence(url, self.document.issue, line_index + 1, column, text, kind, url))
        return True

    def link(self, node: Node, start: int, at: int, piece: str, kind: LinkKind) -> None:
        """An inline link or image at byte `start`; a reference-style use only lends its text."""
        label_open = 0 if kind is LinkKind.LINK else 1
        label_end = plain_label_end(piece, label_open)
        if label_end is not None and not _MARKUP.search(piece, label_open + 1, label_end):
            text = " ".join(piece[label_open + 1 : label_end].split())  # the text as written: nothing to read
        else:
            children = node.children
            text = self.document.parsed.original(_plain_text(children))
            if label_end is None:
                last = _span(children[-1]) if children else None
                text_end = len(self.source.data[start : last[1]].decode()) if last else label_open + 1
                label_end = piece.index("]", text_end)
        destination = read_link(piece, label_open, label_end, self.inline.quote_depth)
        if destination.label is not None:
            self.document.first_use_text.setdefault(destination.label, text)
            return
        written = piece[destination.start : destination.end]
        self.document.found.append(
            self.document.occurrence(at + destination.start, written, destination.url, text, kind)
        )

    def autolink(self, at: int, written: str) -> None:
        url = written if ":" in written else f"mailto:{written}"  # <user@host> is an e-mail
        self.document.found.append(self.document.occurrence(at, written, url, written, LinkKind.AUTOLINK))

    def html_tag(self, index: int, at: int, written: str) -> None:
        """Links in one inline tag; an `<a>` takes the text up to the next `</a>`."""
        tag = self.document.parsed.original(str(self.inline.constructs[index][3].meta["content"]))
        text = ""
        if opens_anchor(tag) and (closing := self.next_anchor_close(index)) is not None:
            _, close_start, close_end, _ = self.inline.constructs[closing]
            text = self.text_between(self.inline.constructs[index][2], close_start)
            self.not_prose.append((at, self.source.char_offset(close_end)))
        self.document.read_html(tag, at, at + max(len(written) - 1, 0), text)

    def next_anchor_close(self, index: int) -> int | None:
        """Index of the next `</a>` tag after construct `index`, if any."""
        for later in range(index + 1, len(self.inline.constructs)):
            name, _, _, node = self.inline.constructs[later]
            if name == "html_inline" and closes_anchor(str(node.meta["content"])):
                return later
        return None

    def text_between(self, start: int, end: int) -> str:
        """Plain text of the block's nodes that start within byte span [start, end)."""
        nodes = [
            node
            for node in self.inline.node.walk(include_self=False)
            if node.srcmap and start <= node.srcmap[0] < end and node.name in _TEXT | _BREAKS
        ]
        return self.document.parsed.original(_plain_text(nodes))

    def bare_links(self) -> None:
        """Bare URLs in the prose around the constructs read so far."""
        piece = self.source.data[self.inline.start : self.inline.end].decode()
        base = self.source.char_offset(self.inline.start)
        not_prose = [(start - base, end - base) for start, end in self.not_prose]
        for bare in bare_urls(piece, not_prose):
            written = piece[bare.start : bare.end]
            occurrence = self.document.occurrence(base + bare.start, written, bare.url, bare.shown, LinkKind.BARE)
            self.document.found.append(occurrence)


def _prose_may_hold_bare_url(lowered: bytes, inline: _Inline) -> bool:
    """Whether the bytes of `inline` between its constructs may hold a bare URL
    (one cannot start inside a construct): a quick look before decoding. A gap
    shorter than `www.` holds none."""
    pos = inline.start
    for _, start, end, _ in inline.constructs:
        if start - pos > 3 and _may_hold_bare_url(lowered, pos, start):
            return True
        pos = max(pos, end)
    return inline.end - pos > 3 and _may_hold_bare_url(lowered, pos, inline.end)


def _plain_text(nodes: Sequence[Node]) -> str:
    """Link text without markup: text, code, image alt; breaks become spaces.

    Each node's descendants come in one call (`walk`), in source order: the
    parser builds a list of children for every `children` asked.
    """
    parts: list[str] = []
    for top in nodes:
        for node in top.walk():
            name = node.name
            if name in _TEXT:
                parts.append(str(node.meta["content"]))
            elif name in _BREAKS:
                parts.append(" ")
    return " ".join("".join(parts).split())

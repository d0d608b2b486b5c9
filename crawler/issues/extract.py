"""Markdown -> link occurrences: the first stage of rotwatch.

An issue is parsed with a real CommonMark parser (markdown-it-py, plus GFM
tables and strikethrough), never with regexes over the raw text, so nothing is
found in code spans or code blocks and every link is read the way a renderer
reads it. What it returns, and why:

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
  endings are normalized (CRLF/CR -> LF) before counting, as the parser does.
- Reference-style links are reported once per *definition*, at the
  definition, because that is the one place a rewrite edits; `text` is the
  link text of the first use of the label, or the label when it is unused.
  Duplicate definitions (which CommonMark ignores) are reported too: their
  URL is still written in the issue.
- Every scheme is returned (`mailto:`, relative paths, `javascript:`,
  empty destinations ...); callers decide which to check. markdown-it's
  "unsafe scheme" filter is switched off so parsing follows the spec exactly.
- Raw HTML (blocks and inline tags) gives the `href` and `src` of any element,
  decoded as a browser would; `text` is the anchor's inner text, or the
  image's `alt`, or "".
- Bare URLs (GFM's autolink extension, done here with linkify-it-py): only
  `http://`, `https://` and `www.`; `www.example.com` becomes
  `http://www.example.com` as in GFM. A bare URL ends at whitespace, at CJK
  punctuation, full-width characters and the ideographic space (the issues
  are in Chinese: `见https://example.com/a，详情`), and at Chinese-style
  quotes, dashes and ellipses; GFM's trailing-punctuation and unbalanced
  parenthesis rules apply (the latter is linkify-it's own). A bare URL is
  cut at 4,096 characters. Unlike GFM, a URL may follow a CJK character
  directly; CJK ideographs *inside* a URL are kept (IRIs are legal).
  Front matter is not special: a URL written in it is a bare URL.

Positions: markdown-it gives line ranges for blocks only, so the inline rules
that find links, images, autolinks, inline HTML and code spans are wrapped to
record where each construct starts and ends in its block's text, and each line
of that text is then found in the source line it came from (blocks drop
container markers and indentation, never inner characters, except that a
table cell turns `\\|` into `|`). Reference definitions are recorded from the
block parser's own line offsets.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from html.parser import HTMLParser
from itertools import accumulate
from pathlib import PurePath
from typing import Any

from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block import reference as reference_rule
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import autolink as autolink_rule
from markdown_it.rules_inline import backtick as backtick_rule
from markdown_it.rules_inline import html_inline as html_inline_rule
from markdown_it.rules_inline import image as image_rule
from markdown_it.rules_inline import link as link_rule
from markdown_it.token import Token

from crawler.models import LinkKind, LinkOccurrence

__all__ = ["date_from_name_or_front_matter", "extract_links"]

# Keys under which the wrapped parser rules leave what they saw.
_SPAN = "rotwatch_span"  # in Token.meta
_DEFINITIONS = "rotwatch_definitions"  # in the parser's env


def extract_links(text: str, issue: str) -> list[LinkOccurrence]:
    """Every link written in one issue, of every scheme, in source order.

    `issue` is copied into each occurrence; `text` is the issue's Markdown.
    """
    source = _Source(_normalize_source(text))
    env: dict[str, Any] = {}
    tokens = _markdown().parse(source.text, env)
    reader = _DocumentReader(source, issue)
    found = reader.read_blocks(tokens)
    found += reader.read_definitions(env.get(_DEFINITIONS, []))
    return sorted(found, key=lambda link: (link.line, link.column))


# -- Publication date ---------------------------------------------------------

_NAME_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?!\d)")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
_DATE_LINE = re.compile(r"""^date[ \t]*:[ \t]*["']?(\d{4})-(\d{2})-(\d{2})(?!\d)""", re.M)


def date_from_name_or_front_matter(name: str, text: str) -> date | None:
    """The issue's publication date as its author wrote it, if anywhere.

    A `YYYY-MM-DD` prefix of the file name wins (archives are named that
    way); else the `date:` line of YAML front matter (`2024-03-27`, quoted,
    or with a time after it). Impossible dates count as absent.
    """
    named = _NAME_DATE.match(PurePath(name).name)
    if named and (found := _valid_date(named)):
        return found
    front_matter = _FRONT_MATTER.match(_normalize_source(text))
    dated = front_matter and _DATE_LINE.search(front_matter.group(1))
    return _valid_date(dated) if dated else None


def _valid_date(match: re.Match[str]) -> date | None:
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


# -- The parser ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """Where an inline construct stands in its block's text (end exclusive).

    For an inline link or image, `destination` is the span of its written
    destination and `url` the unescaped destination; for a reference-style
    use, `label` is the normalized label it refers to.
    """

    start: int
    end: int
    destination: tuple[int, int] | None = None
    url: str = ""
    label: str | None = None


@dataclass(frozen=True, slots=True)
class _Definition:
    """A link reference definition as the block parser read it."""

    label: str  # normalized, the key uses are matched by
    shown_label: str  # as written, for the text of an unused definition
    url: str
    start: int  # offsets of the written destination in the whole source
    end: int


_Describe = Callable[[StateInline, int, int], _Span]  # (state, start, end) -> what was parsed


@cache
def _markdown() -> MarkdownIt:
    """CommonMark plus GFM tables and strikethrough, recording positions."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.validateLink = _any_scheme  # type: ignore[method-assign]
    recorders: dict[str, tuple[Callable[[StateInline, bool], bool], str, _Describe]] = {
        "link": (link_rule, "link_open", _describe_link),
        "image": (image_rule, "image", _describe_image),
        "autolink": (autolink_rule, "link_open", _describe_span),
        "html_inline": (html_inline_rule, "html_inline", _describe_span),
        "backticks": (backtick_rule, "code_inline", _describe_span),
    }
    for name, (rule, token_type, describe) in recorders.items():
        md.inline.ruler.at(name, _recording(rule, token_type, describe))
    md.block.ruler.at("reference", _recording_definitions)
    return md


def _any_scheme(url: str) -> bool:
    """Accept every destination: which schemes get checked is the caller's call."""
    return True


def _recording(
    rule: Callable[[StateInline, bool], bool], token_type: str, describe: _Describe
) -> Callable[[StateInline, bool], bool]:
    """Wrap an inline rule so the token it creates remembers its source span."""

    def recorded(state: StateInline, silent: bool) -> bool:
        start, first_new = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        # Tokens before ours may be pending text flushed by the rule; in silent
        # mode, or for an unmatched backtick run (plain text), there is none.
        token = next((t for t in state.tokens[first_new:] if t.type == token_type), None)
        if token is not None:
            token.meta[_SPAN] = describe(state, start, state.pos)
        return True

    return recorded


def _describe_span(state: StateInline, start: int, end: int) -> _Span:
    return _Span(start, end)


def _describe_link(state: StateInline, start: int, end: int) -> _Span:
    return _describe_link_or_image(state, start, end, label_open=start)


def _describe_image(state: StateInline, start: int, end: int) -> _Span:
    return _describe_link_or_image(state, start, end, label_open=start + 1)


def _describe_link_or_image(state: StateInline, start: int, end: int, label_open: int) -> _Span:
    """Find the destination (or the reference label) of a parsed link.

    Re-runs the parser's own helpers on the span the rule consumed, so the
    written destination is exactly what the rule read.
    """
    src = state.src
    is_link = label_open == start
    label_end = state.md.helpers.parseLinkLabel(state, label_open, is_link)
    if src[end - 1] != ")":  # [text][label], [label][] or [label]
        second_label = src[label_end + 2 : end - 1] if end > label_end + 1 else ""
        label = second_label or src[label_open + 1 : label_end]
        return _Span(start, end, label=normalizeReference(label))
    pos = _skip_whitespace(src, label_end + 2)
    found = state.md.helpers.parseLinkDestination(src, pos, end)
    return _Span(start, end, destination=_unbracketed(src, pos, found.pos), url=found.str)


def _skip_whitespace(text: str, pos: int) -> int:
    """Skip the spaces, tabs and line endings allowed before a destination."""
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    return pos


def _unbracketed(text: str, start: int, end: int) -> tuple[int, int]:
    """A destination's span without its `<...>` delimiters."""
    return (start + 1, end - 1) if text.startswith("<", start) else (start, end)


_DEFINITION_LABEL = re.compile(r"\[((?:[^\\\[\]]|\\.)*)\]:", re.S)


def _recording_definitions(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """The reference rule, remembering every definition (duplicates too)."""
    if not reference_rule(state, start_line, end_line, silent):
        return False
    if not silent:
        state.env.setdefault(_DEFINITIONS, []).append(_read_definition(state, start_line))
    return True


def _read_definition(state: StateBlock, start_line: int) -> _Definition:
    """Re-read a definition the rule accepted, from the rule's own lines.

    The rule joins each line from its first non-blank character (after any
    container markers) through its line ending, so offsets in that string map
    back to the source.
    """
    pieces = []
    for line in range(start_line, state.line):
        start = state.bMarks[line] + state.tShift[line]
        pieces.append((start, state.src[start : state.eMarks[line] + 1]))
    string = "".join(piece for _, piece in pieces)
    label = _DEFINITION_LABEL.match(string)
    assert label, "the reference rule accepted this definition"
    pos = _skip_whitespace(string, label.end())
    found = state.md.helpers.parseLinkDestination(string, pos, len(string))
    first, last = _unbracketed(string, pos, found.pos)
    return _Definition(
        label=normalizeReference(label.group(1)),
        shown_label=" ".join(unescapeAll(label.group(1)).split()),
        url=found.str,
        start=_offset_in_source(pieces, first),
        end=_offset_in_source(pieces, last),
    )


def _offset_in_source(pieces: Sequence[tuple[int, str]], offset: int) -> int:
    """Map an offset in the concatenation of source pieces to the source.

    An offset on a boundary belongs to the next piece: a destination never
    ends with a line ending, but may start a line.
    """
    for start, piece in pieces[:-1]:
        if offset < len(piece):
            return start + offset
        offset -= len(piece)
    return pieces[-1][0] + offset


# -- Source positions ---------------------------------------------------------


def _normalize_source(text: str) -> str:
    """Line endings and NUL exactly as markdown-it normalizes them."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


class _Source:
    """The issue's text, with offset <-> (line, column) conversion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")  # only LF: str.splitlines() knows more breaks
        self.line_starts = [0]
        for line in self.lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a source offset."""
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1


class _BlockText:
    """A block's text (an inline token's content, an HTML block's lines) and
    the map from its offsets to source offsets.

    Each line of the block text, stripped, is found in its source line at or
    after `after` (table cells share a line); in a table cell every `|`
    stands for `\\|` in the source. The parser strips a paragraph with
    Python's `str.strip()`, which may drop whole leading lines that hold only
    Unicode spaces (U+3000), so the first line is looked for on each of the
    block's `lines` in turn.
    """

    def __init__(self, text: str, lines: range, source: _Source, after: int, in_table: bool) -> None:
        self.text = text
        self._in_table = in_table
        text_lines = text.split("\n")
        self._starts = list(accumulate((len(line) + 1 for line in text_lines[:-1]), initial=0))
        for line_index in lines:
            if (first := self._anchor(text_lines[0], line_index, source, after)) is not None:
                break
        else:
            raise AssertionError("a block's text comes from its source lines")
        self._anchors = [first]  # source offset matching the start of each line
        for index, line in enumerate(text_lines[1:], start=line_index + 1):
            anchor = self._anchor(line, index, source, after)
            assert anchor is not None, "the block's later lines follow its first"
            self._anchors.append(anchor)

    def _anchor(self, line: str, line_index: int, source: _Source, after: int) -> int | None:
        """Source offset matching the start of `line`, if it is on that source line."""
        line_start = source.line_starts[line_index]
        body = line.strip()
        if not body:
            return line_start
        written = body.replace("|", "\\|") if self._in_table else body
        line_end = line_start + len(source.lines[line_index])
        found = source.text.find(written, max(line_start, after), line_end)
        return found - (len(line) - len(line.lstrip())) if found >= 0 else None

    def to_source(self, offset: int) -> int:
        index = bisect_right(self._starts, offset) - 1
        column = offset - self._starts[index]
        if self._in_table:
            column += self.text.count("|", self._starts[index], offset)
        return self._anchors[index] + column


# -- Reading the token stream -------------------------------------------------


class _DocumentReader:
    """Walks the parsed issue and turns what the parser recorded into occurrences."""

    def __init__(self, source: _Source, issue: str) -> None:
        self.source = source
        self.issue = issue
        self.first_use_text: dict[str, str] = {}  # reference label -> text of its first use

    def at_source(self, start: int, end: int, url: str, text: str, kind: LinkKind) -> LinkOccurrence:
        """The occurrence whose written URL is source span [start, end)."""
        line, column = self.source.position(start)
        return LinkOccurrence(url, self.issue, line, column, text, kind, self.source.text[start:end])

    def in_block(self, block: _BlockText, start: int, end: int, url: str, text: str, kind: LinkKind) -> LinkOccurrence:
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
            block = _BlockText(text, range(*token.map), self.source, after, in_table)
            after = max(after, block.to_source(len(text)))
            if token.type == "html_block":
                found += self.read_html(block, 0, text)
            else:
                found += _InlineReader(self, block, token.children or []).read()
        return found

    def read_html(self, block: _BlockText, offset: int, fragment: str, text: str = "") -> list[LinkOccurrence]:
        """Occurrences for the href/src values in raw HTML at `offset` of `block`.

        `text` stands in for an anchor's inner text when the anchor is not
        closed inside `fragment` (inline HTML comes one tag at a time).
        """
        return [
            self.in_block(
                block,
                offset + link.start,
                offset + link.end,
                html.unescape(fragment[link.start : link.end]),
                link.text if link.closed else text,
                LinkKind.HTML,
            )
            for link in _html_links(fragment)
        ]

    def read_definitions(self, definitions: Sequence[_Definition]) -> list[LinkOccurrence]:
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

    def __init__(self, document: _DocumentReader, block: _BlockText, children: list[Token]) -> None:
        self.document = document
        self.block = block
        self.children = children
        self.not_prose: list[tuple[int, int]] = []  # spans where bare URLs are not looked for

    def read(self) -> list[LinkOccurrence]:
        found: list[LinkOccurrence] = []
        for index, token in enumerate(self.children):
            span: _Span | None = token.meta.get(_SPAN)
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
        return found + self.bare_urls()

    def closing(self, index: int) -> int:
        """Index of the link_close matching the link_open at `index`."""
        level = self.children[index].level
        return next(
            i
            for i in range(index + 1, len(self.children))
            if self.children[i].type == "link_close" and self.children[i].level == level
        )

    def link(self, span: _Span, text: str, kind: LinkKind) -> list[LinkOccurrence]:
        """An inline link or image; a reference-style use only lends its text."""
        if span.destination is None:
            assert span.label is not None
            self.document.first_use_text.setdefault(span.label, text)
            return []
        start, end = span.destination
        return [self.document.in_block(self.block, start, end, span.url, text, kind)]

    def autolink(self, span: _Span) -> LinkOccurrence:
        start, end = span.start + 1, span.end - 1  # inside the angle brackets
        written = self.block.text[start:end]
        url = written if ":" in written else f"mailto:{written}"  # <user@host> is an e-mail
        return self.document.in_block(self.block, start, end, url, written, LinkKind.AUTOLINK)

    def html_tag(self, index: int, span: _Span) -> list[LinkOccurrence]:
        """Links in one inline tag; an `<a>` takes the text up to its `</a>`."""
        tag = self.children[index].content
        text = ""
        if (end := self.anchor_ends.get(index)) is not None:
            text = _plain_text(self.children[index + 1 : end])
            self.not_prose.append((span.start, self.children[end].meta[_SPAN].end))
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
            if _CLOSES_ANCHOR.match(token.content):
                next_close = index
            elif _OPENS_ANCHOR.match(token.content) and next_close is not None:
                ends[index] = next_close
        return ends

    def bare_urls(self) -> list[LinkOccurrence]:
        text = self.block.text
        if not _BARE_START.search(text):
            return []
        found = []
        for start, end in _bare_url_spans(_blank_out(text, self.not_prose)):
            shown = unescapeAll(text[start:end])
            url = f"http://{shown}" if shown[:4].lower() == "www." else shown
            found.append(self.document.in_block(self.block, start, end, url, shown, LinkKind.BARE))
        return found


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


# -- Bare URLs ----------------------------------------------------------------

# A bare URL starts at http://, https:// or www. that is not glued to a word or
# to another URL: Latin letters and digits block it, CJK characters do not.
_BARE_START = re.compile(r"(?<![0-9A-Za-z/.:@\\-])(?:https?://|www\.)", re.I)
# Where a bare URL ends at the latest: whitespace, Chinese-style quotes, dashes
# and ellipsis (U+2010-U+2027), CJK symbols and punctuation incl. the
# ideographic space (U+3000-U+303F), full-width forms (U+FF00-U+FFEF).
_BARE_STOP = re.compile(r"[\s\u2010-\u2027\u3000-\u303f\uff00-\uffef]")
# GFM: trailing characters that end a sentence rather than a URL.
_TRAILING_PUNCTUATION = "?!.,:*_~"
# A bare URL is cut here: it keeps a long run of URL-like text from costing
# time quadratic in its length. Links written as [text](url) have no limit.
_LONGEST_BARE_URL = 4096  # characters


@cache
def _linkify() -> LinkifyIt:
    """linkify-it with its defaults, built once; only asked at http(s) and www. starts."""
    return LinkifyIt()


def _bare_url_spans(prose: str) -> Iterator[tuple[int, int]]:
    """Spans of bare URLs in text where non-prose has been blanked out."""
    end = 0
    for start_match in _BARE_START.finditer(prose):
        start = start_match.start()
        if start < end:  # inside the previous URL
            continue
        stop = _BARE_STOP.search(prose, start, start + _LONGEST_BARE_URL)
        candidate = prose[start : stop.start() if stop else start + _LONGEST_BARE_URL]
        # linkify-it checks hosts after a scheme only: lend www. one.
        scheme = "http://" if candidate[:4].lower() == "www." else ""
        match = _linkify().match_at_start(scheme + candidate)
        if match is None:
            continue
        # GFM's trailing punctuation; linkify-it has already stopped at an unbalanced `)`.
        url = candidate[: match.last_index - len(scheme)].rstrip(_TRAILING_PUNCTUATION)
        if len(url) > len(start_match.group()):  # a bare "www." is no link
            end = start + len(url)
            yield start, end


def _blank_out(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` with the given spans replaced by spaces (offsets unchanged)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# -- Raw HTML -----------------------------------------------------------------

_OPENS_ANCHOR = re.compile(r"<a[\s>/]", re.I)
_CLOSES_ANCHOR = re.compile(r"</a[\s>]", re.I)
_TAG_NAME = re.compile(r"<[^\s/>]+")
_ATTRIBUTE = re.compile(r"""([^\s/>="'][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_LINK_ATTRIBUTES = ("href", "src")


@dataclass(slots=True)
class _HtmlLink:
    """An href/src value in an HTML fragment: its span, and the text around it."""

    start: int
    end: int
    text: str
    closed: bool  # whether the element's text is complete within the fragment


def _html_links(fragment: str) -> list[_HtmlLink]:
    reader = _HtmlLinkReader(fragment)
    reader.feed(fragment)
    reader.close()
    return reader.links


class _HtmlLinkReader(HTMLParser):
    """Finds href/src attributes in HTML as a browser would (comments,
    `<script>` and `<style>` bodies are not tags), with their offsets."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[_HtmlLink] = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", fragment)]
        self._anchor_links: list[_HtmlLink] = []
        self._anchor_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        tag_start = self._line_starts[line - 1] + column
        attributes = _attribute_spans(self.get_starttag_text() or "")
        alt = (dict(attrs).get("alt") or "") if tag == "img" else ""
        for name in _LINK_ATTRIBUTES:
            if name in attributes:
                start, end = attributes[name]
                link = _HtmlLink(tag_start + start, tag_start + end, alt, closed=tag != "a")
                self.links.append(link)
                if tag == "a":
                    self._anchor_links.append(link)

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

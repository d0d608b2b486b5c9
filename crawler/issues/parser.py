"""The CommonMark parser, and reading each link's destination back from the source.

An issue is parsed with markdown-it-pyrs (the Rust port of markdown-it, kept
by the executablebooks maintainers of markdown-it-py) in CommonMark mode plus
GFM tables and strikethrough. It parses a 9 MB archive about 20 times faster
than markdown-it-py (benchmarks/README.md). Its nodes carry `srcmap`, the
byte offsets of the whole construct in the source (`[text](url "title")`, a
definition's `[label]: url`), and its `url` is already percent-encoded, so the
written destination and the address as the author meant it are re-read from
the construct's source here, with markdown-it-py's own `parseLinkDestination`
wherever the written destination is not a plain run of characters. So a
recorded destination is exactly what CommonMark reads: `a\\_b` is `a_b`,
`&amp;` is `&`, `<a b>` is `a b`.

Every scheme is kept: which schemes get checked is the caller's call.

markdown-it 0.6.0, which markdown-it-pyrs 0.4.0 bundles, panics on some
inputs (a `[` followed by a backtick that closes no code span, as in "a [b `c";
markdown-it-rust issue #40). A Rust panic reaches Python as a
`BaseException`; `parse` raises `ParserError` instead, and the caller reads
that issue with markdown-it-py (`crawler.issues.python_extract`). It does the
same for an issue with a tab in a line's indentation or after its quote
markers (a tab after `>`, a tab-indented list item): markdown-it.rs then
counts the tab as the spaces it stands for, and its offsets for the rest of
the line are off by as many. And for an issue with a definition-like `]:`
and a backslash right before a line ending: markdown-it.rs lets that
backslash escape the line ending in a definition's destination, so
`[r]: /u` plus a backslash is no definition at the end of an issue, and
before another line it takes that line into the URL.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.helpers import parseLinkDestination
from markdown_it_pyrs import MarkdownIt, Node

__all__ = [
    "Destination",
    "Node",
    "Parsed",
    "ParserError",
    "parse",
    "plain_label_end",
    "read_definition",
    "read_link",
    "read_plain_link",
]


@dataclass(frozen=True, slots=True)
class Destination:
    """What a link, image or definition points at, read from its source text.

    `start`/`end` are the written destination's offsets in that text, angle
    brackets excluded, and `url` the destination unescaped. For a
    reference-style use (`[text][label]`, `[label]`), `label` is the
    normalized label it refers to and there is no written destination.
    """

    start: int = 0
    end: int = 0
    url: str = ""
    label: str | None = None


class ParserError(Exception):
    """The Rust parser cannot read an issue exactly: it panicked, or its offsets would be off."""


class Parsed:
    """The syntax tree of an issue, and the way back to its own characters.

    markdown-it-pyrs applies markdown-it's "unsafe scheme" filter and cannot
    be told not to: `[x](javascript:void(0))` would be plain text, and a
    bare URL written in its link text would count as prose. So the parser
    reads a copy in which the last letter of `javascript:`, `vbscript:`,
    `file:` and `data:` is `q` (`Q` for a capital): same length, same kind of
    character, so the copy parses into the same structure at the same
    offsets as the issue would without the filter. `original` undoes the
    change in any text taken from the tree. An issue that already holds such
    a spelling (`filq:`) is parsed as it is, filter and all. A scheme spelled
    with escapes or entities (`java\\script:`) is still filtered.
    """

    def __init__(self, text: str, lowered: bytes | None = None) -> None:
        if "\t" in text and _TAB_IN_INDENT.search(text):
            raise ParserError("a tab in a line's indentation: the parser's offsets would be off")
        if "]:" in text and _BACKSLASH_AT_LINE_END.search(text):
            raise ParserError("a backslash ends a line: the parser may misread a definition there")
        masked = text
        if _may_name_unsafe_scheme(text.encode().lower() if lowered is None else lowered) and not _MASKED_SCHEME.search(
            text
        ):
            masked = _UNSAFE_SCHEME.sub(_mask, text)
        self.masked = masked != text
        try:
            with _rust_panic_output_dropped():
                self.root = _markdown().tree(masked)
        except BaseException as error:  # a Rust panic is a BaseException: turn only that into an error
            if type(error).__name__ != "PanicException":
                raise
            raise ParserError(str(error)) from error

    def original(self, parsed: str) -> str:
        """`parsed` (a text, label or HTML taken from the tree) as the issue spells it."""
        return _MASKED_SCHEME.sub(_unmask, parsed) if self.masked else parsed


@contextmanager
def _rust_panic_output_dropped() -> Iterator[None]:
    """Rust prints a panic's message and backtrace on file descriptor 2 before
    Python sees the panic. The panic is handled (the issue is read by the exact
    fallback), so that output is only noise a user would take for a crash: it
    goes to the null device for the length of one parse."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def parse(text: str, lowered: bytes | None = None) -> Parsed:
    """The syntax tree of `text` (line endings normalized beforehand).

    `lowered`, when the caller has it, is `text` UTF-8 encoded with ASCII
    letters lower-cased. Raises ParserError when the parser panics on it.
    """
    return Parsed(text, lowered)


# A backslash right before a line ending or the end of the issue.
_BACKSLASH_AT_LINE_END = re.compile(r"\\(?:\n|\Z)")
# A tab among a line's leading spaces and quote markers.
_TAB_IN_INDENT = re.compile(r"^[ >]*\t", re.M)
# markdown-it's unsafe schemes (its BAD_PROTO_RE), at the start of a word.
_UNSAFE_SCHEME = re.compile(r"(?<![0-9A-Za-z])(?:javascript|vbscript|file|data)(?=:)", re.I)
_MASKED_SCHEME = re.compile(r"(?<![0-9A-Za-z])(javascrip|vbscrip|fil|dat)q(?=:)", re.I)
_LAST_LETTER = {"javascrip": "t", "vbscrip": "t", "fil": "e", "dat": "a"}


def _may_name_unsafe_scheme(lowered: bytes) -> bool:
    """A quick look before the regular expression (most issues name none), in
    the issue's bytes with ASCII letters lower-cased: `str.lower` turns no
    other character into a letter of these names without breaking the name."""
    return any(scheme in lowered for scheme in (b"javascript:", b"vbscript:", b"file:", b"data:"))


def _mask(scheme: re.Match[str]) -> str:
    return scheme.group()[:-1] + ("Q" if scheme.group()[-1].isupper() else "q")


def _unmask(scheme: re.Match[str]) -> str:
    letter = _LAST_LETTER[scheme.group(1).lower()]
    return scheme.group(1) + (letter.upper() if scheme.group()[-1] == "Q" else letter)


@cache
def _markdown() -> MarkdownIt:
    """CommonMark plus GFM tables and strikethrough, built once."""
    return MarkdownIt("commonmark").enable_many(["table", "strikethrough"])


# `[text](url)` and `![alt](url)` with nothing to unescape, no markup and no title.
_PLAIN_LINK = re.compile(r"!?\[([^\[\]`<\\*_~&\n]*)\]\(([^ \x00-\x1f\x7f()\\<&]+)\)")
# After a destination written as a plain run, only these may follow (or the end of a definition).
_PLAIN_DESTINATION = re.compile(r"[^ \x00-\x1f\x7f()\\<]+(?=[ \t\n)]|\Z)")
# In a link's text, what may hide a `]` that does not close it.
_MAY_HIDE_BRACKET = re.compile(r"[\[`<\\]")
_SPACE = re.compile(r"[ \t\n]*")
_INLINE_SPACE = re.compile(r"[ \t]*")
# A definition's label, then its colon: labels hold no unescaped brackets.
_DEFINITION_LABEL = re.compile(r"\[((?:[^\\\[\]]|\\.)*)\]:", re.S)


def read_link(piece: str, label_open: int, label_end: int, quote_depth: int) -> Destination:
    """The destination (or reference label) of a link or image whose whole
    source is `piece`, its label `[...]` at [`label_open`, `label_end`].

    A label that runs over lines inside `quote_depth` block quotes is read
    without the quote markers.
    """
    if piece[-1] != ")":  # [text][label], [label][] or [label]
        second_label = piece[label_end + 2 : -1] if len(piece) > label_end + 1 else ""
        label = second_label or piece[label_open + 1 : label_end]
        return Destination(label=normalizeReference(_without_quote_markers(label) if quote_depth else label))
    return _destination(piece, _skip(_SPACE, piece, label_end + 2))


def read_plain_link(piece: str) -> tuple[str, int, str] | None:
    """The text, the destination's offset and the destination of `[text](url)`
    or `![alt](url)` when both are written plainly (no markup, escapes,
    entities, title or brackets): most links are, and then one regular
    expression reads them. None otherwise."""
    plain = _PLAIN_LINK.fullmatch(piece)
    if plain is None:
        return None
    text, url = plain.group(1, 2)
    return " ".join(text.split()), plain.start(2), url


def plain_label_end(piece: str, label_open: int) -> int | None:
    """Where a link's label closes, when its text cannot hide a `]`: no
    brackets, code spans, raw HTML, autolinks or escapes in it. None when it
    might: then the label closes at the first `]` after the link's last text node."""
    end = piece.find("]", label_open + 1)
    return None if end < 0 or _MAY_HIDE_BRACKET.search(piece, label_open + 1, end) else end


def read_definition(piece: str, quote_depth: int) -> tuple[str, str, Destination]:
    """The normalized label, the label as shown, and the destination of a
    link reference definition whose source is `piece`.

    Inside `quote_depth` block quotes, a destination on the next line comes
    after that line's quote markers.
    """
    label = _DEFINITION_LABEL.match(piece)
    assert label, "the parser accepted this definition"
    pos = _skip(_INLINE_SPACE, piece, label.end())
    if piece.startswith("\n", pos):  # the destination is on the next line
        pos = _skip(_line_prefix(quote_depth), piece, pos + 1)
    written_label = _without_quote_markers(label.group(1)) if quote_depth else label.group(1)
    shown = " ".join(unescapeAll(written_label).split())
    return normalizeReference(written_label), shown, _destination(piece, pos)


@cache
def _line_prefix(quote_depth: int) -> re.Pattern[str]:
    """A continuation line's container prefix: up to `quote_depth` quote markers, then spaces."""
    return re.compile(rf"(?:[ \t]{{0,3}}>[ \t]?){{0,{quote_depth}}}[ \t]*")


def _without_quote_markers(label: str) -> str:
    """A label that runs over lines inside a block quote, without the quote markers."""
    return re.sub(r"\n[ \t>]*", "\n", label)


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The offset after what `pattern` (which matches the empty string) matches at `pos`."""
    matched = pattern.match(text, pos)
    assert matched is not None, "the pattern matches the empty string"
    return matched.end()


def _destination(piece: str, pos: int) -> Destination:
    """The destination written at `pos` of `piece`, as CommonMark reads it."""
    plain = _PLAIN_DESTINATION.match(piece, pos)
    if plain:
        written = plain.group()
        url = unescapeAll(written) if "&" in written else written
        return Destination(pos, plain.end(), url)
    found = parseLinkDestination(piece, pos, len(piece))
    if not found.ok:  # `[a]()`: an empty destination
        return Destination(pos, pos, "")
    start, end = (pos + 1, found.pos - 1) if piece.startswith("<", pos) else (pos, found.pos)
    return Destination(start, end, found.str)

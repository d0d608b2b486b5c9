"""markdown-it-py, set up to record where each link construct stands (for
`crawler.issues.python_extract`, used when the Rust parser fails on an issue).

An issue is parsed with markdown-it-py in CommonMark mode plus GFM tables and
strikethrough. markdown-it's "unsafe scheme" filter is switched off so
parsing follows the spec exactly: which schemes get checked is the caller's
call.

markdown-it gives line ranges for blocks only, so the inline rules that find
links, images, autolinks, inline HTML and code spans are wrapped to record
where each construct starts and ends in its block's text (`span_of`), and
the reference rule is wrapped to record every definition, duplicates
included, from the block parser's own line offsets. The recording re-runs
the parser's own helpers on what a rule consumed, so a recorded destination
is exactly what the rule read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

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

__all__ = ["Definition", "Span", "parse", "span_of"]

# Keys under which the wrapped parser rules leave what they saw.
_SPAN = "rotwatch_span"  # in Token.meta
_DEFINITIONS = "rotwatch_definitions"  # in the parser's env


@dataclass(frozen=True, slots=True)
class Span:
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
class Definition:
    """A link reference definition as the block parser read it."""

    label: str  # normalized, the key uses are matched by
    shown_label: str  # as written, for the text of an unused definition
    url: str
    start: int  # offsets of the written destination in the whole source
    end: int


def parse(text: str) -> tuple[list[Token], list[Definition]]:
    """The block tokens of `text` and every reference definition, in source order."""
    env: dict[str, Any] = {}
    tokens = _markdown().parse(text, env)
    return tokens, env.get(_DEFINITIONS, [])


def span_of(token: Token) -> Span | None:
    """Where the construct that made `token` stands, if its rule recorded it."""
    span: Span | None = token.meta.get(_SPAN)
    return span


_Describe = Callable[[StateInline, int, int], Span]  # (state, start, end) -> what was parsed


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


def _describe_span(state: StateInline, start: int, end: int) -> Span:
    return Span(start, end)


def _describe_link(state: StateInline, start: int, end: int) -> Span:
    return _describe_link_or_image(state, start, end, label_open=start)


def _describe_image(state: StateInline, start: int, end: int) -> Span:
    return _describe_link_or_image(state, start, end, label_open=start + 1)


def _describe_link_or_image(state: StateInline, start: int, end: int, label_open: int) -> Span:
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
        return Span(start, end, label=normalizeReference(label))
    pos = _skip_whitespace(src, label_end + 2)
    found = state.md.helpers.parseLinkDestination(src, pos, end)
    return Span(start, end, destination=_unbracketed(src, pos, found.pos), url=found.str)


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


def _read_definition(state: StateBlock, start_line: int) -> Definition:
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
    return Definition(
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

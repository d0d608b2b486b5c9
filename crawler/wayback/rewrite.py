"""The archival copy of an issue: dead links pointed at their captures.

Pure: text and edits in, text out. An edit replaces the characters of one
written URL at its (line, column) and nothing else, so whitespace, line
endings, a byte-order mark, front matter, code blocks, link text, titles and
live links stay exactly as the editor wrote them, and a diff between an
issue and its archival copy shows only the mended URLs.

Every edit is checked against the text first: when the characters at its
position are not the URL it expects (the issue changed since it was read, or
the positions are wrong), the edit is skipped and reported, never applied
somewhere else.

Lines end at `\\r\\n`, `\\r` or `\\n` (CommonMark's line endings); columns
are 1-based and counted in characters of the line, a leading byte-order
mark included, as in `LinkOccurrence`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from crawler.models import LinkKind, LinkOccurrence, Snapshot
from crawler.wayback.archives import WAYBACK
from crawler.wayback.protocol import playback_url

__all__ = ["Edit", "Rewrite", "capture_link", "edit_for", "escape_url", "rewrite_issue"]

_LINE_END = re.compile(r"\r\n|\r|\n")

# Characters encoded in every context: the ones a Markdown renderer would
# percent-encode in the href anyway (markdown-it's normalizeLink), so encoding
# them changes nothing a reader follows, and several of them end a link.
_ALWAYS_ENCODED = frozenset(' "<>[]\\^`{|}')
# Characters that would end or change the link where it stands: a link
# destination balances parentheses, a bare URL drops an unbalanced `)` and
# stops at a lone quote, an HTML attribute value ends at its quote.
_ENCODED_IN: dict[LinkKind, frozenset[str]] = {
    LinkKind.LINK: _ALWAYS_ENCODED | frozenset("()"),
    LinkKind.IMAGE: _ALWAYS_ENCODED | frozenset("()"),
    LinkKind.REFERENCE: _ALWAYS_ENCODED | frozenset("()"),
    LinkKind.AUTOLINK: _ALWAYS_ENCODED,
    LinkKind.BARE: _ALWAYS_ENCODED | frozenset("()'"),
    LinkKind.HTML: _ALWAYS_ENCODED | frozenset("'"),
}


@dataclass(frozen=True, slots=True)
class Edit:
    """Write `replacement` where `written` stands at (`line`, `column`)."""

    line: int
    column: int
    written: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Rewrite:
    """The rewritten text, and the edits that did not match it (not applied)."""

    text: str
    skipped: tuple[Edit, ...] = ()


def capture_link(endpoint: str, snapshot: Snapshot, kind: LinkKind) -> str:
    """The playback URL a reader should follow instead of a dead link.

    Markdown images get `im_` so Wayback serves the bare image. Raw HTML is
    one kind for `<a href>` and `<img src>` alike, so it gets the plain
    playback URL, which serves an archived image as well. A capture of
    another archive is shown where that archive said it is (its
    `memento_url`, as its TimeMap lists it), whatever the kind: its URL
    forms are its own.
    """
    if snapshot.archive != WAYBACK and snapshot.memento_url:
        return snapshot.memento_url
    return playback_url(endpoint, snapshot, image=kind is LinkKind.IMAGE)


def escape_url(url: str, kind: LinkKind) -> str:
    """`url` percent-encoded where its raw characters would break a link of `kind`.

    Wayback URLs embed the original URL, parentheses and all; encoding them
    keeps the copy parsing to the same link. The archive finds the same
    capture: its URL canonicalization (SURT's) unescapes the path and query
    before looking up, so `%28` and `(` are one key.
    """
    unsafe = _ENCODED_IN[kind]
    return "".join(quote(char, safe="") if _needs_encoding(char, unsafe) else char for char in url)


def _needs_encoding(char: str, unsafe: frozenset[str]) -> bool:
    return char in unsafe or char.isspace() or not char.isprintable()


def edit_for(occurrence: LinkOccurrence, endpoint: str, snapshot: Snapshot) -> Edit:
    """The edit that points `occurrence` at `snapshot`, escaped for where it stands."""
    link = capture_link(endpoint, snapshot, occurrence.kind)
    return Edit(occurrence.line, occurrence.column, occurrence.written, escape_url(link, occurrence.kind))


def rewrite_issue(text: str, edits: Sequence[Edit]) -> Rewrite:
    """Apply every edit that matches `text`; report the others as skipped.

    An edit is skipped when its position is outside the text, the characters
    there are not its `written` URL, or it overlaps an earlier edit. Edits
    are applied by position, so several on one line, or one URL that is a
    prefix of another, each change only their own characters.
    """
    spans = _line_spans(text)
    located = sorted(
        (offset, index) for index, edit in enumerate(edits) if (offset := _locate(text, spans, edit)) is not None
    )
    pieces: list[str] = []
    applied: set[int] = set()
    cursor = 0
    for offset, index in located:
        if offset < cursor:
            continue  # overlaps the edit just applied
        pieces += [text[cursor:offset], edits[index].replacement]
        cursor = offset + len(edits[index].written)
        applied.add(index)
    pieces.append(text[cursor:])
    skipped = tuple(edit for index, edit in enumerate(edits) if index not in applied)
    return Rewrite("".join(pieces), skipped)


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each line's characters, line breaks excluded."""
    spans, start = [], 0
    for line_break in _LINE_END.finditer(text):
        spans.append((start, line_break.start()))
        start = line_break.end()
    spans.append((start, len(text)))
    return spans


def _locate(text: str, spans: list[tuple[int, int]], edit: Edit) -> int | None:
    """Offset of the edit's URL in `text`, or None when it is not there."""
    if not edit.written or not 1 <= edit.line <= len(spans) or edit.column < 1:
        return None
    start, end = spans[edit.line - 1]
    offset = start + edit.column - 1
    if offset + len(edit.written) > end or not text.startswith(edit.written, offset):
        return None
    return offset

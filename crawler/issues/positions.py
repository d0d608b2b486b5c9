"""Source positions: where a character of a parsed block stands in the issue.

Positions are 1-based lines and columns, a column counted in characters (a
tab counts as one). Line endings are normalized (CRLF/CR -> LF) before
counting, as the parser does.

The parser gives UTF-8 byte offsets (`srcmap`); `Source.char_offset` turns
one into a character offset by decoding only the start of its line, so the
cost does not grow with the issue's length.

Raw HTML comes as a block's text (an HTML block's lines, an inline tag that
runs over lines) without its container markers. Each line of that text is
found in the source line it came from (`BlockText`): blocks drop container
markers and indentation, never inner characters, except that a table cell
turns `\\|` into `|`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence, Sized
from itertools import accumulate

__all__ = ["BlockText", "Source", "normalize_source"]


def normalize_source(text: str) -> str:
    """Line endings and NUL exactly as markdown-it normalizes them."""
    if "\r" not in text and "\0" not in text:  # most issues: two scans rather than three copies
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")


class Source:
    """The issue's text, with offset <-> (line, column) conversion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")  # only LF: str.splitlines() knows more breaks
        self.line_starts = _starts(self.lines)
        self.data = text.encode()
        self.lowered = self.data.lower()  # ASCII letters only: offsets stay those of `data`
        self.is_ascii = len(self.data) == len(text)
        self.line_byte_starts = self.line_starts if self.is_ascii else _starts(self.data.split(b"\n"))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a source offset."""
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def char_offset(self, byte_offset: int) -> int:
        """The character offset of a UTF-8 byte offset (on a character boundary)."""
        return byte_offset if self.is_ascii else self.locate(byte_offset)[0]

    def locate(self, byte_offset: int) -> tuple[int, int]:
        """The character offset of a UTF-8 byte offset and the 0-based index of
        its line: `char_offset` and the line of `position` in one look-up."""
        index = bisect_right(self.line_byte_starts, byte_offset) - 1
        if self.is_ascii:
            return byte_offset, index
        line_start = self.line_byte_starts[index]
        return self.line_starts[index] + len(self.data[line_start:byte_offset].decode()), index


def _starts(lines: Sequence[Sized]) -> list[int]:
    """Where each line starts, given the lines between line feeds (all in C: no Python per line)."""
    return list(accumulate(map((1).__add__, map(len, lines[:-1])), initial=0))


class BlockText:
    """A block's text (an inline token's content, an HTML block's lines) and
    the map from its offsets to source offsets.

    Each line of the block text, stripped, is found in its source line at or
    after `after` (table cells share a line); in a table cell every `|`
    stands for `\\|` in the source. The parser strips a paragraph with
    Python's `str.strip()`, which may drop whole leading lines that hold only
    Unicode spaces (U+3000), so the first line is looked for on each of the
    block's `lines` in turn.
    """

    def __init__(self, text: str, lines: range, source: Source, after: int, in_table: bool) -> None:
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

    def _anchor(self, line: str, line_index: int, source: Source, after: int) -> int | None:
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
        """The source offset of block-text offset `offset`."""
        index = bisect_right(self._starts, offset) - 1
        column = offset - self._starts[index]
        if self._in_table:
            column += self.text.count("|", self._starts[index], offset)
        return self._anchors[index] + column

"""Tests for crawler/issues/positions.py: block text offsets -> source lines and columns."""

from __future__ import annotations

import crawler.issues.positions
from crawler.issues.positions import BlockText, Source, normalize_source


def test_public_names_are_pinned() -> None:
    assert crawler.issues.positions.__all__ == ["BlockText", "Source", "normalize_source"]


def test_line_endings_and_nul_are_normalized_as_the_parser_does() -> None:
    assert normalize_source("a\r\nb\rc\nd\0") == "a\nb\nc\nd\ufffd"


def test_source_positions_are_one_based_and_count_characters() -> None:
    source = Source("中文\n\tab\n")
    assert [source.position(offset) for offset in (0, 1, 2, 3, 4, 7)] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (3, 1),
    ]


def test_block_text_lines_are_found_past_container_markers() -> None:
    source = Source("> quote [a](u)\n> more")
    block = BlockText("quote [a](u)\nmore", range(2), source, after=0, in_table=False)
    assert source.position(block.to_source(block.text.index("(u)") + 1)) == (1, 13)
    assert source.position(block.to_source(block.text.index("more"))) == (2, 3)


def test_a_table_cell_pipe_stands_for_an_escaped_pipe() -> None:
    source = Source("| a\\|b c |")
    block = BlockText("a|b c", range(1), source, after=0, in_table=True)
    assert block.to_source(block.text.index("c")) == source.text.index("c")


def test_a_cell_is_looked_for_after_the_previous_cell_on_its_line() -> None:
    source = Source("| x | x |")
    second = BlockText("x", range(1), source, after=source.text.index("x") + 1, in_table=True)
    assert second.to_source(0) == source.text.rindex("x")


def test_leading_lines_of_unicode_spaces_dropped_by_the_parser_are_skipped() -> None:
    source = Source("\u3000\nword")
    block = BlockText("word", range(2), source, after=0, in_table=False)
    assert source.position(block.to_source(0)) == (2, 1)

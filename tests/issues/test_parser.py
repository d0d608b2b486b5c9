"""Tests for crawler/issues/parser.py: the Rust parser and reading destinations back from the source."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import crawler.issues.parser
from crawler.issues.extract import extract_links
from crawler.issues.parser import (
    Destination,
    ParserError,
    parse,
    plain_label_end,
    read_definition,
    read_link,
    read_plain_link,
)


def test_public_names_are_pinned() -> None:
    assert crawler.issues.parser.__all__ == [
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


def test_an_inline_destination_is_read_as_commonmark_reads_it() -> None:
    piece = "[t](<a\\_b> 'x')"
    assert read_link(piece, 0, 2, quote_depth=0) == Destination(5, 9, "a_b")
    assert read_link("[t](https://x.org/?a=1&amp;b=2)", 0, 2, 0) == Destination(4, 30, "https://x.org/?a=1&b=2")
    assert read_link("[t]()", 0, 2, 0) == Destination(4, 4, "")


def test_a_reference_use_gives_its_normalized_label() -> None:
    assert read_link("![alt][The  Label]", 1, 5, 0).label == "THE LABEL"
    assert read_link("[a\n> b]", 0, 6, quote_depth=1).label == "A B"


def test_a_label_that_may_hide_a_bracket_is_left_to_the_parser_nodes() -> None:
    assert plain_label_end("[plain text](u)", 0) == 11
    assert plain_label_end("[a `]` b](u)", 0) is None


def test_a_definition_on_the_next_line_inside_a_quote() -> None:
    piece = "[a\n> b]:\n>    https://q.example/"
    label, shown, destination = read_definition(piece, quote_depth=1)
    assert (label, shown, piece[destination.start : destination.end]) == ("A B", "a b", "https://q.example/")


def test_unsafe_schemes_are_parsed_as_links_and_read_as_written() -> None:
    parsed = parse("[File: x](JavaScript:void(0)) <data:text/plain,x>")
    assert parsed.masked
    assert parsed.original("JavaScripq: and FILQ: and datq:") == "JavaScript: and FILE: and data:"
    links = extract_links("[File: x](JavaScript:void(0)) <data:text/plain,x>", "issue.md")
    assert [(link.url, link.text) for link in links] == [
        ("JavaScript:void(0)", "File: x"),
        ("data:text/plain,x", "data:text/plain,x"),
    ]


@pytest.mark.parametrize("markdown", ["a [b `c", "> a\n>\t[x](u)", "- a\n\n\t[x](u)", "[r]: /u\\", "[r]: /u\\\n[r]"])
def test_what_the_rust_parser_cannot_read_exactly_is_an_error(markdown: str) -> None:
    with pytest.raises(ParserError):
        parse(markdown)


def test_a_plainly_written_link_is_read_in_one_step() -> None:
    assert read_plain_link("![配图 一](https://i.org/a.png)") == ("配图 一", 8, "https://i.org/a.png")
    assert read_plain_link("[*a*](u)") is None
    assert read_plain_link('[a](u "title")') is None
    assert read_plain_link("[a](u&amp;v)") is None


def test_a_parser_panic_prints_nothing_and_the_issue_is_still_read(tmp_path):
    issue = tmp_path / "a.md"
    issue.write_text("# t\n\na [b `c https://example.com/x\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "links", str(issue)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0
    assert run.stderr == ""
    assert json.loads(run.stdout)["url"] == "https://example.com/x"

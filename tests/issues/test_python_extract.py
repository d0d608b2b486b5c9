"""Tests for crawler/issues/python_extract.py: the markdown-it-py extractor the
Rust parser falls back to, held to the same occurrences as crawler/issues/extract.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crawler.issues.python_extract
from crawler.issues.extract import extract_links
from crawler.issues.parser import ParserError, parse
from crawler.issues.python_extract import extract_links_in_python
from crawler.models import LinkKind
from tests.issues.test_extract import _PIECES, REAL_ISSUE

EXAMPLES = json.loads((Path(__file__).parents[1] / "data" / "commonmark.json").read_text(encoding="utf-8"))
GLUED_FIXTURE = Path(__file__).parent / "fixtures" / "glued-cjk.md"

# Where the Rust parser panics: a `[`, then a backtick that closes no code span.
PANICS = "见[文档 `config https://bare.example/ 和 [链接](https://x.org/a)"


def test_public_names_are_pinned() -> None:
    assert crawler.issues.python_extract.__all__ == ["extract_links_in_python"]


def test_an_issue_the_rust_parser_panics_on_is_read_by_the_python_extractor() -> None:
    with pytest.raises(ParserError):
        parse(PANICS)

    found = extract_links(PANICS, "issue.md")

    assert [(link.column, link.kind, link.url) for link in found] == [
        (14, LinkKind.BARE, "https://bare.example/"),
        (43, LinkKind.LINK, "https://x.org/a"),
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: str(example["example"]))
def test_both_extractors_agree_on_the_commonmark_examples(example: dict) -> None:
    markdown = example["markdown"]
    assert extract_links(markdown, "spec.md") == extract_links_in_python(markdown, "spec.md")


@pytest.mark.parametrize("path", [REAL_ISSUE, GLUED_FIXTURE], ids=lambda path: path.name)
def test_both_extractors_agree_on_real_issues(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert extract_links(text, "issue.md") == extract_links_in_python(text, "issue.md")


_MORE_PIECES = st.sampled_from(
    ["javascript:", "File:", "data:", "](", "![", "`", "\t", "&#35;", "\\]", "了解", "/wiki/人工", "- [", "**", "|"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(_PIECES, _MORE_PIECES), max_size=30).map("".join))
def test_both_extractors_agree(markdown: str) -> None:
    assert extract_links(markdown, "issue.md") == extract_links_in_python(markdown, "issue.md")

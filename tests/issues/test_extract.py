"""Tests for crawler/issues/extract.py: Markdown -> link occurrences with exact positions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import crawler.issues.extract
from crawler.issues.extract import extract_links
from crawler.models import LinkKind, LinkOccurrence

REAL_ISSUE = Path(__file__).parents[2] / "issues" / "2024-03-27-ai-deca-show.md"


def links(markdown: str) -> list[LinkOccurrence]:
    return extract_links(markdown, "issue.md")


def one(markdown: str) -> LinkOccurrence:
    (found,) = links(markdown)
    return found


def summary(markdown: str) -> list[tuple[int, int, str, str]]:
    """(line, column, kind, url) of every occurrence, the usual thing to pin."""
    return [(link.line, link.column, link.kind.value, link.url) for link in links(markdown)]


def test_public_names_are_pinned() -> None:
    assert crawler.issues.extract.__all__ == ["extract_links"]


# -- The real issue -------------------------------------------------------------


def test_real_issue_has_25_links_and_9_images_at_their_lines() -> None:
    found = extract_links(REAL_ISSUE.read_text(encoding="utf-8"), "issues/2024-03-27-ai-deca-show.md")

    http = [link for link in found if link.url.startswith(("http://", "https://"))]
    assert len(http) == 34 == len(found)
    assert Counter(link.kind for link in http) == {LinkKind.LINK: 25, LinkKind.IMAGE: 9}
    assert {link.issue for link in found} == {"issues/2024-03-27-ai-deca-show.md"}
    where = {(link.line, link.column, link.url) for link in found}
    assert (7, 18, "https://img2.imgtp.com/2024/03/27/4hLUr1Cb.jpeg") in where
    assert (35, 66, "https://spectrum.ieee.org/nvidia-gr00t-ros") in where
    assert (53, 18, "https://img2.imgtp.com/2024/03/27/wQmvrWwz.jpeg") in where
    assert (79, 87, "https://research.nvidia.com/labs/toronto-ai/LATTE3D/") in where
    assert (81, 51, "https://droid-dataset.github.io/") in where
    assert (105, 12, "https://img2.imgtp.com/2024/03/27/R6TRZPBU.png") in where
    assert (107, 87, "https://www.whytryai.com/p/my-popular-text-to-image-series") in where
    assert {link.text for link in found if link.kind is LinkKind.LINK} == {"链接"}
    assert found[0].text == "topnews1.jpeg"
    assert [(link.line, link.column) for link in found] == sorted((link.line, link.column) for link in found)


def test_every_written_url_is_the_source_at_its_line_and_column() -> None:
    text = REAL_ISSUE.read_text(encoding="utf-8")
    lines = text.split("\n")
    for link in extract_links(text, "issue"):
        assert lines[link.line - 1][link.column - 1 :].startswith(link.written)
        assert link.written == link.url


# -- Inline links and images ------------------------------------------------------


def test_link_with_title_gives_destination_only() -> None:
    link = one('see [the docs](https://x.org/docs "The title") now')
    assert (link.url, link.written, link.text, link.kind) == (
        "https://x.org/docs",
        "https://x.org/docs",
        "the docs",
        LinkKind.LINK,
    )
    assert (link.line, link.column) == (1, 16)


def test_backslash_escapes_and_entities_are_decoded_in_url_but_not_in_written() -> None:
    escaped = one(r"[t](https://x.org/a\_b)")
    entity = one("[t](https://x.org/?a=1&amp;b=2)")
    assert (escaped.url, escaped.written) == ("https://x.org/a_b", r"https://x.org/a\_b")
    assert (entity.url, entity.written) == ("https://x.org/?a=1&b=2", "https://x.org/?a=1&amp;b=2")


def test_angle_bracket_destination_is_written_without_its_brackets() -> None:
    link = one("[t](<https://x.org/a b>)")
    assert (link.url, link.written, link.column) == ("https://x.org/a b", "https://x.org/a b", 6)


def test_image_inside_link_gives_both_with_alt_as_link_text() -> None:
    image, target = links("[![the *alt*](https://img.example/a.png)](https://target.example/)")
    assert (image.kind, image.url, image.text, image.column) == (
        LinkKind.IMAGE,
        "https://img.example/a.png",
        "the alt",
        15,
    )
    assert (target.kind, target.url, target.text, target.column) == (
        LinkKind.LINK,
        "https://target.example/",
        "the alt",
        43,
    )


def test_link_text_is_plain_text_without_markup() -> None:
    assert one("[**bold** `code` <b>x</b>\nnext](https://x.org/)").text == "bold code x next"


def test_repeated_urls_get_their_own_positions() -> None:
    assert summary("[a](https://x.org/) [a](https://x.org/)\n[a](https://x.org/)") == [
        (1, 5, "link", "https://x.org/"),
        (1, 25, "link", "https://x.org/"),
        (2, 5, "link", "https://x.org/"),
    ]


def test_every_scheme_is_returned() -> None:
    found = links("[a](mailto:me@x.org) [b](../rel.md) [c](javascript:void(0)) [d]()")
    assert [link.url for link in found] == [
        "mailto:me@x.org",
        "../rel.md",
        "javascript:void(0)",
        "",
    ]


def test_destination_on_the_next_line_is_found_there() -> None:
    assert summary("[a](\n  https://x.org/next\n)") == [(2, 3, "link", "https://x.org/next")]


def test_positions_inside_containers_and_headings() -> None:
    markdown = "> quote [a](https://q.example/)\n> - item [b](https://i.example/)\n\n# Head [c](https://h.example/) #\n"
    assert summary(markdown) == [
        (1, 13, "link", "https://q.example/"),
        (2, 14, "link", "https://i.example/"),
        (4, 12, "link", "https://h.example/"),
    ]


def test_table_cells_with_escaped_pipes_keep_source_positions() -> None:
    markdown = (
        "| a | b |\n"
        "|---|---|\n"
        "| [x](https://u.example/) \\| y | [x](https://u.example/) |\n"
        "| | [z](https://v.example/a\\|b) |\n"
    )
    found = links(markdown)
    assert [(link.line, link.column) for link in found] == [(3, 7), (3, 38), (4, 9)]
    assert (found[2].url, found[2].written) == ("https://v.example/a|b", r"https://v.example/a\|b")


def test_crlf_line_endings_count_like_lf() -> None:
    assert summary("first\r\nsecond [a](https://x.org/)\r\n") == [(2, 12, "link", "https://x.org/")]


def test_ideographic_space_lines_do_not_shift_positions() -> None:
    assert summary("\u3000\n[a](https://x.org/)") == [(2, 5, "link", "https://x.org/")]


def test_emphasis_over_lines_in_a_list_item_keeps_its_links() -> None:
    # The parser's span of such emphasis is off (it may start after the link in
    # it, on the list marker or inside a character); from an issue of This Week in Rust.
    markdown = (
        "- **[a b\n  c](https://github.com/mozilla/rust/pull/7684) d\n  e.** f `(i` k\n"
        "- 中文**a\n  https://x.org/ b.** e\n"
        "> - ***a\n>   https://b.example/ b.*** e https://c.example/\n"
    )
    assert summary(markdown) == [
        (2, 6, "link", "https://github.com/mozilla/rust/pull/7684"),
        (5, 3, "bare", "https://x.org/"),
        (7, 5, "bare", "https://b.example/"),
        (7, 32, "bare", "https://c.example/"),
    ]


# -- Nothing from code ------------------------------------------------------------------


def test_nothing_is_taken_from_code() -> None:
    markdown = (
        "`[a](https://inline.example/)` and `https://inline2.example/`\n\n"
        "```\n[b](https://fenced.example/)\n```\n\n"
        "    [c](https://indented.example/)\n"
    )
    assert links(markdown) == []


# -- Reference-style links ------------------------------------------------------------


def test_reference_links_are_reported_at_their_definitions() -> None:
    markdown = (
        "Read [the guide][Guide] and ![logo][guide] and [faq].\n"
        "\n"
        '[guide]: https://guide.example/ "Title"\n'
        "[FAQ]:\n"
        "  <https://faq.example/a b>\n"
        "[unused]: https://unused.example/\n"
        "[guide]: https://duplicate.example/\n"
    )
    assert [(link.line, link.column, link.kind, link.url, link.text) for link in links(markdown)] == [
        (3, 10, LinkKind.REFERENCE, "https://guide.example/", "the guide"),
        (5, 4, LinkKind.REFERENCE, "https://faq.example/a b", "faq"),
        (6, 11, LinkKind.REFERENCE, "https://unused.example/", "unused"),
        (7, 10, LinkKind.REFERENCE, "https://duplicate.example/", "guide"),
    ]


def test_reference_definition_inside_a_blockquote() -> None:
    link = one("> [a\n> b]:\n>    https://q.example/\n\n[a b]")
    assert (link.line, link.column, link.text, link.written) == (3, 6, "a b", "https://q.example/")


def test_reference_definition_destination_keeps_its_escapes_in_written() -> None:
    link = one("[x]\n\n[x]: https://x.org/a\\_b")
    assert (link.url, link.written) == ("https://x.org/a_b", r"https://x.org/a\_b")


# -- Autolinks ----------------------------------------------------------------------------


def test_autolinks_are_written_without_angle_brackets() -> None:
    uri, email = links("<https://auto.example/x> <me@mail.example>")
    assert (uri.kind, uri.url, uri.written, uri.text, uri.column) == (
        LinkKind.AUTOLINK,
        "https://auto.example/x",
        "https://auto.example/x",
        "https://auto.example/x",
        2,
    )
    assert (email.url, email.written) == ("mailto:me@mail.example", "me@mail.example")


# -- Properties --------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        *"[]()<>!\\`*_~|-:#\n \t\"'&;/.@",
        "https://",
        "www.",
        "x.com",
        "a",
        "中",
        "，",
        "\u3000",
        "&amp;",
        '<a href="u">',
        "</a>",
        "<img src=x>",
        "[r]: /u",
        "    ",
        "> ",
        "- ",
        "1. ",
        "|---|",
        "\r\n",
        "<div>",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_written_is_always_the_source_at_line_and_column(markdown: str) -> None:
    source = markdown.replace("\r\n", "\n").replace("\r", "\n")
    line_starts = [0] + [index + 1 for index, char in enumerate(source) if char == "\n"]
    for link in links(markdown):
        start = line_starts[link.line - 1] + link.column - 1
        assert source[start : start + len(link.written)] == link.written

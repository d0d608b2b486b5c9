"""Tests for crawler/wayback/rewrite.py: only the URL characters of dead links change."""

from __future__ import annotations

import pytest

from crawler.models import LinkKind, LinkOccurrence, Snapshot
from crawler.wayback import rewrite
from crawler.wayback.rewrite import Edit, Rewrite, capture_link, edit_for, escape_url, rewrite_issue

ENDPOINT = "https://web.archive.org"
DEAD = "https://gone.example/post/1"
CAPTURE = f"{ENDPOINT}/web/20240301120000/{DEAD}"


def edit(text: str, line: int, written: str, replacement: str = CAPTURE, nth: int = 0) -> Edit:
    """The edit for the nth `written` on 1-based `line` of an LF text (column found by hand)."""
    content = text.split("\n")[line - 1]
    index = -1
    for _ in range(nth + 1):
        index = content.index(written, index + 1)
    return Edit(line, index + 1, written, replacement)


def occurrence(kind: LinkKind, line: int = 1, column: int = 1, written: str = DEAD) -> LinkOccurrence:
    return LinkOccurrence(url=written, issue="issue.md", line=line, column=column, text="", kind=kind, written=written)


def test_public_names_are_pinned():
    assert sorted(rewrite.__all__) == ["Edit", "Rewrite", "capture_link", "edit_for", "escape_url", "rewrite_issue"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f'See [the post]({DEAD} "Title").\n', f'See [the post]({CAPTURE} "Title").\n'),
        (f"![photo]({DEAD})\n", f"![photo]({CAPTURE})\n"),
        (f"Read <{DEAD}> now\n", f"Read <{CAPTURE}> now\n"),
        (f"Read {DEAD} now\n", f"Read {CAPTURE} now\n"),
        (f"[post]: {DEAD} 'Title'\n", f"[post]: {CAPTURE} 'Title'\n"),
        (f'<a href="{DEAD}" title="x">x</a>\n', f'<a href="{CAPTURE}" title="x">x</a>\n'),
    ],
    ids=["inline-link", "image", "autolink", "bare", "reference", "html-href"],
)
def test_each_kind_changes_only_the_url(source, expected):
    assert rewrite_issue(source, [edit(source, 1, DEAD)]) == Rewrite(expected, ())


def test_image_inside_a_link_with_only_the_image_dead():
    image = "https://img.example/a.jpeg"
    source = f"[![alt]({image})](https://live.example/)\n"
    capture = f"{ENDPOINT}/web/20240301120000im_/{image}"
    result = rewrite_issue(source, [edit(source, 1, image, capture)])
    assert result.text == f"[![alt]({capture})](https://live.example/)\n"


def test_image_inside_a_link_with_both_dead():
    image, target = "https://img.example/a.jpeg", "https://gone.example/"
    source = f"[![alt]({image})]({target})\n"
    result = rewrite_issue(source, [edit(source, 1, target, "T"), edit(source, 1, image, "I")])
    assert result == Rewrite("[![alt](I)](T)\n", ())


def test_html_img_src():
    image = "https://img.example/a.jpeg"
    source = f'<p><img src="{image}" alt="a"></p>\n'
    result = rewrite_issue(source, [edit(source, 1, image, "CAPTURE")])
    assert result.text == '<p><img src="CAPTURE" alt="a"></p>\n'


def test_link_text_that_is_the_url_itself_stays():
    source = f"[{DEAD}]({DEAD}) and again [{DEAD}]({DEAD})\n"
    edits = [edit(source, 1, DEAD, "X", nth=1), edit(source, 1, DEAD, "Y", nth=3)]
    assert rewrite_issue(source, edits).text == f"[{DEAD}](X) and again [{DEAD}](Y)\n"


def test_repeated_url_on_one_line_where_only_some_occurrences_are_dead():
    live = DEAD + "/comments"  # the dead URL is a prefix of a live one on the same line
    source = f"- [a]({DEAD}), [b]({live}), [c]({DEAD})\n"
    edits = [edit(source, 1, DEAD, "X", nth=0), edit(source, 1, DEAD, "Y", nth=2)]
    assert rewrite_issue(source, edits).text == f"- [a](X), [b]({live}), [c](Y)\n"


def test_edits_are_applied_whatever_order_they_come_in():
    source = f"{DEAD} {DEAD}\n{DEAD}\n"
    edits = [edit(source, 2, DEAD, "C"), edit(source, 1, DEAD, "B", nth=1), edit(source, 1, DEAD, "A")]
    assert rewrite_issue(source, edits).text == "A B\nC\n"


def test_crlf_line_endings_are_kept():
    source = f"# Title\r\n\r\n- [a]({DEAD})\r\n- [b](https://live.example/)\r\n"
    result = rewrite_issue(source, [Edit(3, 7, DEAD, CAPTURE)])
    assert result.text == f"# Title\r\n\r\n- [a]({CAPTURE})\r\n- [b](https://live.example/)\r\n"


def test_lone_carriage_returns_end_lines_too():
    source = f"one\rtwo {DEAD}\r"
    assert rewrite_issue(source, [Edit(2, 5, DEAD, "X")]).text == "one\rtwo X\r"


def test_a_byte_order_mark_is_kept_and_counted_as_a_character():
    source = f"\ufeff{DEAD}\n[a]({DEAD})\n"
    result = rewrite_issue(source, [Edit(1, 2, DEAD, "X"), Edit(2, 5, DEAD, "Y")])
    assert result.text == "\ufeffX\n[a](Y)\n"


def test_front_matter_and_code_blocks_are_untouched():
    source = f"---\nsource: {DEAD}\n---\n\n```\ncurl {DEAD}\n```\n\n[a]({DEAD})\n"
    result = rewrite_issue(source, [edit(source, 9, DEAD, "X")])
    assert result.text == source.replace(f"[a]({DEAD})", "[a](X)")


def test_cjk_columns_count_characters_not_bytes():
    source = f"苹果发布了论文[链接]({DEAD})。\n"
    result = rewrite_issue(source, [Edit(1, 13, DEAD, "X")])
    assert result.text == "苹果发布了论文[链接](X)。\n"


@pytest.mark.parametrize(
    "bad",
    [
        Edit(1, 1, DEAD, "X"),  # the text there is not the URL
        Edit(1, 6, DEAD + "/other", "X"),  # runs past the URL
        Edit(9, 1, DEAD, "X"),  # no such line
        Edit(0, 1, DEAD, "X"),
        Edit(1, 0, DEAD, "X"),
        Edit(1, 6, "", "X"),  # nothing to replace
        Edit(1, 200, DEAD, "X"),  # past the end of the line
    ],
)
def test_an_edit_that_does_not_match_is_skipped_and_reported(bad):
    source = f"Read {DEAD} now\n{DEAD}\n"
    good = Edit(2, 1, DEAD, "Y")
    result = rewrite_issue(source, [bad, good])
    assert result == Rewrite(f"Read {DEAD} now\nY\n", (bad,))


def test_an_edit_does_not_match_across_a_line_break():
    source = "Read https://gone.\nexample/ now\n"
    bad = Edit(1, 6, "https://gone.\nexample/", "X")
    assert rewrite_issue(source, [bad]) == Rewrite(source, (bad,))


def test_overlapping_edits_apply_the_first_and_skip_the_other():
    source = f"{DEAD}\n"
    first, overlapping = Edit(1, 1, DEAD, "X"), Edit(1, 9, "gone.example", "Y")
    assert rewrite_issue(source, [overlapping, first]) == Rewrite("X\n", (overlapping,))


def test_no_edits_is_the_same_text():
    source = "\ufeff# 标题\r\n\ttext\n"
    assert rewrite_issue(source, []) == Rewrite(source, ())


# --- capture URLs and escaping ----------------------------------------------------------

PARENS = "https://en.wikipedia.org/wiki/Foo_(bar) baz"
SNAPSHOT = Snapshot(original=PARENS, timestamp="20240301120000", status=200)


def test_capture_link_uses_im_for_markdown_images_only():
    assert capture_link(ENDPOINT, SNAPSHOT, LinkKind.IMAGE) == f"{ENDPOINT}/web/20240301120000im_/{PARENS}"
    for kind in set(LinkKind) - {LinkKind.IMAGE}:
        assert capture_link(ENDPOINT, SNAPSHOT, kind) == f"{ENDPOINT}/web/20240301120000/{PARENS}"


def test_a_capture_of_another_archive_is_shown_at_its_memento_url_escaped_where_it_stands():
    memento = "https://arquivo.pt/wayback/20240301120000/https://en.wikipedia.org/wiki/Foo_(bar)"
    snapshot = Snapshot(PARENS, "20240301120000", 200, archive="arquivo.pt", memento_url=memento)
    assert {capture_link(ENDPOINT, snapshot, kind) for kind in LinkKind} == {memento}
    occ = occurrence(LinkKind.LINK, line=3, column=7, written="https://en.wikipedia.org/wiki/Foo_(bar)")
    assert edit_for(occ, ENDPOINT, snapshot).replacement == memento.replace("(", "%28").replace(")", "%29")


RAW = "https://x.example/a_(b) <c>\"d'[e]{f}|g^h`i\\j"
RENDERER_ENCODED = "%20%3Cc%3E%22d'%5Be%5D%7Bf%7D%7Cg%5Eh%60i%5Cj"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (LinkKind.LINK, "https://x.example/a_%28b%29" + RENDERER_ENCODED),
        (LinkKind.IMAGE, "https://x.example/a_%28b%29" + RENDERER_ENCODED),
        (LinkKind.REFERENCE, "https://x.example/a_%28b%29" + RENDERER_ENCODED),
        (LinkKind.AUTOLINK, "https://x.example/a_(b)" + RENDERER_ENCODED),
        (LinkKind.BARE, "https://x.example/a_%28b%29" + RENDERER_ENCODED.replace("'", "%27")),
        (LinkKind.HTML, "https://x.example/a_(b)" + RENDERER_ENCODED.replace("'", "%27")),
    ],
)
def test_escape_url_for_each_markdown_context(kind, expected):
    assert escape_url(RAW, kind) == expected


def test_escape_url_leaves_ordinary_and_cjk_characters():
    url = "https://例子.example/路径?q=链接&x=%20#frag"
    assert all(escape_url(url, kind) == url for kind in LinkKind)


def test_escape_url_encodes_whitespace_and_control_characters():
    assert escape_url("https://x.example/a\tb\u3000c\x7f", LinkKind.AUTOLINK) == (
        "https://x.example/a%09b%E3%80%80c%7F"
    )


def test_edit_for_builds_an_escaped_capture_edit():
    occ = occurrence(LinkKind.LINK, line=3, column=7, written="https://en.wikipedia.org/wiki/Foo_(bar)")
    assert edit_for(occ, ENDPOINT, SNAPSHOT) == Edit(
        3,
        7,
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        f"{ENDPOINT}/web/20240301120000/https://en.wikipedia.org/wiki/Foo_%28bar%29%20baz",
    )


def test_edit_for_an_image_uses_im():
    assert "20240301120000im_/" in edit_for(occurrence(LinkKind.IMAGE), ENDPOINT, SNAPSHOT).replacement


def test_url_with_parentheses_in_an_inline_link_end_to_end():
    written = "https://en.wikipedia.org/wiki/Foo_(bar)"
    source = f"See [Foo]({written}).\n"
    snapshot = Snapshot(original=written, timestamp="20240301120000", status=200)
    result = rewrite_issue(source, [edit_for(occurrence(LinkKind.LINK, 1, 11, written), ENDPOINT, snapshot)])
    assert result.text == f"See [Foo]({ENDPOINT}/web/20240301120000/https://en.wikipedia.org/wiki/Foo_%28bar%29).\n"

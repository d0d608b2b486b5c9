"""Tests for crawler/issues/bare.py: bare URLs in prose, with the CJK punctuation rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import crawler.issues.bare
from crawler.issues.bare import BareUrl, bare_urls
from crawler.issues.extract import extract_links
from crawler.models import LinkKind, LinkOccurrence
from tests.cli_helpers import rotwatch

GLUED_FIXTURE = Path(__file__).parent / "fixtures" / "glued-cjk.md"


def links(markdown: str) -> list[LinkOccurrence]:
    return extract_links(markdown, "issue.md")


def one(markdown: str) -> LinkOccurrence:
    (found,) = links(markdown)
    return found


def test_public_names_are_pinned() -> None:
    assert crawler.issues.bare.__all__ == ["BareUrl", "bare_urls"]


# -- Through extraction -------------------------------------------------------------


@pytest.mark.parametrize("stop", [*list("。，、；：！？）」』】"), "\u3000", "”", "…"])
def test_bare_url_stops_at_cjk_punctuation(stop: str) -> None:
    link = one(f"见https://example.com/a{stop}详情")
    assert (link.kind, link.url, link.column) == (LinkKind.BARE, "https://example.com/a", 2)


@pytest.mark.parametrize(
    ("markdown", "url"),
    [
        ("See https://x.org/a.", "https://x.org/a"),
        ("(see https://x.org/a_(b))", "https://x.org/a_(b)"),
        ("(see https://x.org/a)", "https://x.org/a"),
        ("**https://x.org/a**", "https://x.org/a"),
        ("https://x.org/?q=1, and", "https://x.org/?q=1"),
        ("“https://x.org/中文”", "https://x.org/中文"),
    ],
)
def test_bare_url_follows_gfm_end_rules(markdown: str, url: str) -> None:
    assert one(markdown).url == url


def test_bare_www_gets_http_but_stays_written_as_is() -> None:
    link = one("visit www.example.com/path, now")
    assert link.url == "http://www.example.com/path"
    assert link.written == link.text == "www.example.com/path"


def test_bare_url_is_cut_at_4096_characters() -> None:
    link = one("https://x.org/" + "a" * 5000)
    assert len(link.written) == len(link.url) == 4096


def test_bare_url_unescapes_like_other_links() -> None:
    link = one(r"at https://x.org/a\_b&amp;c")
    assert (link.url, link.written) == ("https://x.org/a_b&c", r"https://x.org/a\_b&amp;c")


@pytest.mark.parametrize(
    "markdown",
    [
        "xhttps://glued.example/",
        "ftp://files.example/ and //proto.example/x and mail@me.example",
        "example.com without scheme",
        "a bare www. alone",
        "[https://text.example/](https://dest.example/)",
        '<a href="https://dest.example/">https://text.example/</a>',
    ],
)
def test_bare_urls_only_in_prose_and_only_http_or_www(markdown: str) -> None:
    assert LinkKind.BARE not in {link.kind for link in links(markdown)}


# -- CJK prose glued to a bare URL ------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "line", "column", "written"),
    [
        ("详见https://github.com/org/repo了解更多。", 1, 3, "https://github.com/org/repo"),
        ("第一行\n第二行：详见https://github.com/org/repo了解更多", 2, 7, "https://github.com/org/repo"),
        ("你看过https://x.org/repo了吗?", 1, 4, "https://x.org/repo"),
        ("示例,详见https://www.yiichina.com/tutorial/1405,示例:", 1, 6, "https://www.yiichina.com/tutorial/1405"),
        ("详见https://x.org/a.html了解", 1, 3, "https://x.org/a.html"),
        (
            "详见https://zh.wikipedia.org/wiki/%E4%BA%BA%E5%B7%A5了解",
            1,
            3,
            "https://zh.wikipedia.org/wiki/%E4%BA%BA%E5%B7%A5",
        ),
        ("詳しくはhttps://example.jp/docsをご覧ください", 1, 5, "https://example.jp/docs"),
        ("カタカナhttps://example.jp/aテスト", 1, 5, "https://example.jp/a"),
        ("자세한 내용은https://example.kr/docs를 참고", 1, 8, "https://example.kr/docs"),
        ("（详见https://github.com/org/repo）", 1, 4, "https://github.com/org/repo"),
        ("【https://github.com/org/repo】了解", 1, 2, "https://github.com/org/repo"),
    ],
)
def test_cjk_prose_glued_after_a_bare_url_is_not_part_of_it(
    markdown: str, line: int, column: int, written: str
) -> None:
    link = one(markdown)
    assert (link.kind, link.line, link.column, link.written, link.url, link.text) == (
        LinkKind.BARE,
        line,
        column,
        written,
        written,
        written,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://zh.wikipedia.org/wiki/人工智能",
        "https://ja.wikipedia.org/wiki/人工知能",
        "https://ko.wikipedia.org/wiki/인공지능",
        "https://例子.中国/路径",
        "https://www.example.中国/a",
        "https://www.baidu.com/s?wd=关键词",
        "https://x.org/s?a=1&关键词=值",
        "https://zh.wikipedia.org/wiki/继承_(计算机科学)",
        "https://github.com/org/repo#api文档",
        "https://github.com/org/repo#0-先决条件",
        "https://x.github.io/2019/05/12/Python学习笔记/",
        "https://x.github.io/2019/05/12/C语言.html",
        "https://baike.baidu.com/item/C语言/1234",
    ],
)
def test_cjk_where_real_urls_put_it_stays_in_the_url(url: str) -> None:
    link = one(f"详见{url}。")
    assert (link.kind, link.column, link.written) == (LinkKind.BARE, 3, url)


def test_a_bare_url_segment_that_starts_ascii_and_ends_cjk_is_cut() -> None:
    # The documented limit: write such a title as a link or an autolink to keep it.
    assert one("见https://zh.wikipedia.org/wiki/C语言").written == "https://zh.wikipedia.org/wiki/C"
    assert one("见<https://zh.wikipedia.org/wiki/C语言>").written == "https://zh.wikipedia.org/wiki/C语言"


def test_a_www_link_glued_on_both_sides() -> None:
    link = one("详见www.example.com/a了解")
    assert (link.column, link.url, link.written) == (3, "http://www.example.com/a", "www.example.com/a")


def test_two_urls_glued_by_a_cjk_word_are_two_links() -> None:
    assert [(link.column, link.url) for link in links("https://a.org/x和https://b.org/y")] == [
        (1, "https://a.org/x"),
        (17, "https://b.org/y"),
    ]


def test_explicit_links_keep_their_destination_as_written() -> None:
    link = one("链接[了解更多](https://github.com/org/repo了解更多)")
    assert (link.kind, link.column, link.url, link.text) == (
        LinkKind.LINK,
        10,
        "https://github.com/org/repo了解更多",
        "了解更多",
    )


def test_rotwatch_links_reports_glued_and_iri_urls_at_their_positions(tmp_path: Path) -> None:
    shutil.copy(GLUED_FIXTURE, tmp_path / "glued-cjk.md")

    run = rotwatch("links", "glued-cjk.md", cwd=tmp_path, check=True)

    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert {tuple(row) for row in rows} == {("url", "issue", "line", "column", "text", "kind")}
    assert {row["issue"] for row in rows} == {"glued-cjk.md"}
    encoded = "https://zh.wikipedia.org/wiki/%E4%BA%BA%E5%B7%A5%E6%99%BA%E8%83%BD"
    assert [(row["line"], row["column"], row["kind"], row["url"], row["text"]) for row in rows] == [
        (3, 3, "bare", "https://github.com/org/repo", "https://github.com/org/repo"),
        (4, 3, "bare", "https://zh.wikipedia.org/wiki/人工智能", "https://zh.wikipedia.org/wiki/人工智能"),
        (
            4,
            40,
            "bare",
            "https://zh.wikipedia.org/wiki/继承_(计算机科学)",
            "https://zh.wikipedia.org/wiki/继承_(计算机科学)",
        ),
        (5, 3, "bare", "https://www.baidu.com/s?wd=关键词", "https://www.baidu.com/s?wd=关键词"),
        (5, 38, "bare", "http://www.example.com", "www.example.com"),
        (6, 4, "bare", "https://github.com/org/repo#快速开始", "https://github.com/org/repo#快速开始"),
        (
            6,
            39,
            "bare",
            "https://x.github.io/2019/05/12/Python学习笔记/",
            "https://x.github.io/2019/05/12/Python学习笔记/",
        ),
        (7, 4, "bare", encoded, encoded),
        (8, 5, "bare", "https://example.jp/docs", "https://example.jp/docs"),
        (8, 43, "bare", "https://example.kr/docs", "https://example.kr/docs"),
        (9, 10, "link", "https://github.com/org/repo了解更多", "了解更多"),
        (9, 46, "bare", "https://x.org/a", "https://x.org/a"),
    ]
    lines = GLUED_FIXTURE.read_text(encoding="utf-8").split("\n")
    for row in rows:
        written = row["text"] if row["kind"] == "bare" else row["url"]
        assert lines[row["line"] - 1][row["column"] - 1 :].startswith(written)


# -- The module on its own ------------------------------------------------------------


def test_bare_urls_gives_text_offsets_the_fetched_url_and_the_shown_text() -> None:
    text = "见https://x.org/a，和 www.y.org"
    first, second = text.index("https"), text.index("www")
    assert bare_urls(text, []) == [
        BareUrl(first, first + 15, "https://x.org/a", "https://x.org/a"),
        BareUrl(second, second + 9, "http://www.y.org", "www.y.org"),
    ]


def test_bare_urls_skips_the_spans_that_are_not_prose() -> None:
    text = "[https://a.org/](x) https://b.org/"
    assert [bare.url for bare in bare_urls(text, [(0, 19)])] == ["https://b.org/"]


def test_bare_urls_ends_where_cjk_prose_is_glued_on() -> None:
    text = "详见https://x.org/repo了解，和https://y.org/wiki/人工智能"
    first, second = text.index("https://x"), text.index("https://y")
    assert bare_urls(text, []) == [
        BareUrl(first, first + 18, "https://x.org/repo", "https://x.org/repo"),
        BareUrl(second, second + 23, "https://y.org/wiki/人工智能", "https://y.org/wiki/人工智能"),
    ]


def test_bare_urls_of_text_without_a_start_is_empty() -> None:
    assert bare_urls("no links here, only example.com", []) == []

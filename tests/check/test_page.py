"""Tests for crawler/check/page.py: decoding and reading the start of a page."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crawler.check.page
from crawler.check.page import MAX_TEXT_CHARS, MAX_TITLE_CHARS, may_be_html, read_page
from crawler.models import Page

# A Chinese paragraph long enough for charset detection, as in a real issue.
PARAGRAPH = (
    "本周人工智能周刊：大模型新闻，包括开源模型、推理加速、多模态应用以及产业动态。"
    "国务院前总理朱镕基曾经说过，要把事情做好。这是一段较长的中文文本，用于检测编码。"
)
GBK_ONLY = "朱镕基"  # 镕 is in GBK but not in GB2312


def test_public_names_are_pinned() -> None:
    assert crawler.check.page.__all__ == ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "may_be_html", "read_page"]


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/html", True),
        ("Text/HTML; charset=gbk", True),
        ("application/xhtml+xml", True),
        (None, True),
        ("", True),
        ("application/pdf", False),
        ("image/jpeg", False),
        ("text/plain; charset=utf-8", False),
    ],
)
def test_may_be_html_for_html_and_undeclared_types(content_type: str | None, expected: bool) -> None:
    assert may_be_html(content_type) is expected


def html(title: str, body: str = "", head: str = "") -> str:
    return f"<html><head>{head}<title>{title}</title></head><body>{body}</body></html>"


def start_of_page(title: str, text: str) -> str:
    """A page as the spider keeps it: cut off in the middle of its text."""
    return f"<html><head><title>{title}</title></head><body><p>{text}"


def test_reads_utf8_declared_in_header():
    body = html("人工智能周刊", "<p>你好</p>").encode()
    page = read_page(body, "text/html; charset=utf-8")
    assert page == Page(title="人工智能周刊", text="你好")


def test_reads_gbk_declared_in_meta_charset():
    body = html("页面不存在", head='<meta charset="gbk">').encode("gbk")
    assert read_page(body, "text/html").title == "页面不存在"


def test_reads_gb2312_header_as_gbk_superset():
    body = html(GBK_ONLY).encode("gbk")
    assert read_page(body, "text/html; charset=gb2312").title == GBK_ONLY


def test_reads_big5_declared_in_http_equiv():
    head = '<meta http-equiv="Content-Type" content="text/html; charset=big5">'
    body = html("頁面不存在", head=head).encode("big5")
    assert read_page(body, None).title == "頁面不存在"


def test_reads_utf8_with_bom_and_no_declaration():
    body = codecs.BOM_UTF8 + html("页面不存在").encode()
    assert read_page(body, None).title == "页面不存在"


def test_header_charset_wins_over_meta():
    body = html("页面不存在", head='<meta charset="big5">').encode("gbk")
    assert read_page(body, "text/html; charset=GBK").title == "页面不存在"


def test_detects_undeclared_gbk():
    body = html("人工智能周刊", f"<p>{PARAGRAPH * 3}</p>").encode("gbk")
    page = read_page(body, "text/html")
    assert page.title == "人工智能周刊"
    assert GBK_ONLY in page.text


def test_detects_undeclared_gbk_cut_mid_character():
    body = start_of_page("人工智能周刊", PARAGRAPH * 3).encode("gbk")
    page = read_page(body[:-1], None)  # the last character loses a byte
    assert page.title == "人工智能周刊"
    assert page.text.startswith(PARAGRAPH)


def test_declared_body_cut_mid_character_still_reads():
    body = start_of_page("人工智能周刊", PARAGRAPH).encode()[:-2]
    page = read_page(body, "text/html; charset=utf-8")
    assert page.title == "人工智能周刊"
    assert page.text.startswith(PARAGRAPH[:-1])


def test_unescapes_entities_in_title():
    page = read_page(b"<title>Tom &amp; Jerry &#8211; &quot;1&quot;</title>", None)
    assert page.title == 'Tom & Jerry \u2013 "1"'


def test_collapses_whitespace_in_title_and_heading():
    body = b"<title>\n  Page\t\tnot \xc2\xa0found\n</title><h1> A\n  <em>b</em>c </h1>"
    page = read_page(body, "text/html; charset=utf-8")
    assert (page.title, page.heading) == ("Page not found", "A bc")


def test_page_without_title_has_none():
    assert read_page(b"<html><body><p>hello</p></body></html>", None).title is None


def test_empty_title_is_none():
    assert read_page(b"<title> \n </title>", None).title is None


def test_first_title_counts_and_svg_titles_do_not():
    body = b"<svg><title>icon</title></svg><title>First</title><title>Second</title>"
    assert read_page(body, None).title == "First"


def test_caps_long_title():
    title = read_page(html("word " * 200).encode(), None).title
    assert title is not None
    assert len(title) <= MAX_TITLE_CHARS


def test_main_heading_is_first_h1():
    body = html("T", "<h2>Sub</h2><h1>Main <span>heading</span></h1><h1>Other</h1>")
    assert read_page(body.encode(), None).heading == "Main heading"


def test_text_leaves_out_scripts_styles_and_comments():
    body = html(
        "T",
        "<script>var hidden = 1;</script><style>p {}</style><!-- note -->"
        "<p>Buy this</p><noscript>enable js</noscript><p>domain</p>",
    )
    assert read_page(body.encode(), None).text == "Buy this domain"


def test_text_keeps_block_elements_apart():
    body = html("T", "<div>one</div><div>two<br>three</div><p>four</p>five")
    assert read_page(body.encode(), None).text == "one two three four five"


def test_text_is_bounded():
    text = read_page(html("T", "<p>lorem ipsum </p>" * 2000).encode(), None).text
    assert 0 < len(text) <= MAX_TEXT_CHARS


def test_page_cut_inside_head_has_title_and_no_text():
    assert read_page(b"<html><head><title>Cut off", None) == Page(title="Cut off")


def test_empty_body_is_an_empty_page():
    assert read_page(b"", None) == Page()


def test_xml_declaration_with_another_encoding_is_ignored_after_decoding():
    body = b"<?xml version='1.0' encoding='latin-1'?><title>caf\xc3\xa9</title>"
    assert read_page(body, "text/html; charset=utf-8").title == "café"


@settings(max_examples=200, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=2048),
        st.text(max_size=512).map(lambda s: f"<title>{s}</title><h1>{s}".encode()),
    ),
    content_type=st.one_of(
        st.none(),
        st.sampled_from(
            [
                "text/html",
                "text/html; charset=gbk",
                "text/html; charset=utf-16",
                "text/html; charset=big5",
                "text/html; charset=bogus",
                "charset=",
            ]
        ),
        st.text(max_size=40),
    ),
)
def test_read_page_never_raises(body: bytes, content_type: str | None):
    page = read_page(body, content_type)
    assert page.title is None or 0 < len(page.title) <= MAX_TITLE_CHARS
    assert len(page.text) <= MAX_TEXT_CHARS


def test_the_excerpt_of_a_long_page_is_its_text_from_the_start():
    paragraphs = "".join(f"<p>  paragraph {n}\u3000with\u00a0words  </p>" for n in range(3000))
    page = read_page(f"<html><body>{paragraphs}</body></html>".encode(), "text/html")
    whole = " ".join(" ".join(f"paragraph {n} with words" for n in range(3000)).split())
    assert page.text == whole[:MAX_TEXT_CHARS].rstrip()

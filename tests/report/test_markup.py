"""The escaping HTML builder (crawler/report/html/markup.py): text from the web stays text.

Unit tests of tag, void, escape, link, json_for_script and the CSP, then the
same guarantees seen on a whole page built from tests.report.views.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from crawler.models import Verdict
from crawler.report.html import LABELS, markup
from crawler.report.html.markup import (
    CONTENT,
    Markup,
    around,
    children,
    content_security_policy,
    escape,
    json_for_script,
    tag,
    void,
)
from tests.report.views import HOSTILE, JAVASCRIPT_URL, MARCH, link, page, sample_view, texts, tree


def test_public_names_are_pinned():
    assert markup.__all__ == [
        "CONTENT",
        "Child",
        "Markup",
        "around",
        "children",
        "content_security_policy",
        "escape",
        "json_for_script",
        "link",
        "script_hash",
        "tag",
        "void",
    ]


def test_an_element_made_in_pieces_has_the_text_of_one_made_whole():
    rows = [tag("li", "a < b"), tag("li", "c")]
    whole = tag("ul", rows, class_="x")
    assert "".join(around(tag("ul", CONTENT, class_="x"), iter(rows))) == whole
    assert "".join(around(tag("ul", CONTENT, class_="x"), [])) == tag("ul", class_="x")


def test_tag_escapes_text_and_attribute_values_but_not_markup():
    built = tag("p", "<b>&", Markup("<i>ok</i>"), 7, None, title='say "hi" <now>')
    assert built == '<p title="say &quot;hi&quot; &lt;now&gt;">&lt;b&gt;&amp;<i>ok</i>7</p>'
    assert isinstance(built, Markup)


def test_attribute_names_and_bare_and_missing_attributes():
    built = tag("tr", class_="row", data_verdict="ok", aria_live="polite", hidden=True, open=False, title=None)
    assert built == '<tr class="row" data-verdict="ok" aria-live="polite" hidden></tr>'


def test_void_elements_close_themselves_for_svg():
    assert void("rect", x="1.0", class_="band-ok") == '<rect x="1.0" class="band-ok"/>'


def test_children_flattens_nested_lists_and_drops_none():
    assert children(["a", [Markup("<br>"), [1, None]], "<"]) == "a<br>1&lt;"


def test_escape_turns_control_characters_into_spaces():
    assert escape("a\x00b\x1b[1m\x85\"'") == "a b [1m &quot;&#x27;"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>", "mailto:a@example.com", None])
def test_link_is_plain_text_unless_http(url):
    assert markup.link(url, "text") == "<span>text</span>"


def test_http_link_opens_without_referrer_or_opener():
    assert markup.link("https://example.com/?a=1&b=2", "x") == (
        '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">x</a>'
    )


def test_json_for_script_cannot_end_the_block_and_reads_back_the_same():
    data = {"text": "</script><!-- & >"}
    text = json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_content_security_policy_allows_only_the_inline_script_by_hash():
    page_text = '<script type="application/json">{}</script><script>run()</script>'
    digest = base64.b64encode(hashlib.sha256(b"run()").digest()).decode()
    policy = content_security_policy(page_text)
    assert f"script-src 'sha256-{digest}'" in policy
    assert policy.startswith("default-src 'none';")


def test_content_security_policy_needs_an_inline_script():
    with pytest.raises(ValueError, match="no inline <script>"):
        content_security_policy('<script type="application/json">{}</script>')


# --- on a whole page ------------------------------------------------------------


def test_script_from_titles_and_reasons_is_text_only():
    text = page()
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    document = tree(text)
    assert len(document.xpath("//script")) == 2  # the JSON block and the page's own script
    assert f"Weekly {HOSTILE}" in texts(document.xpath("//h3"))


def test_javascript_url_is_shown_but_not_linked():
    document = tree(page())
    assert not [href for href in document.xpath("//a/@href") if not href.startswith(("http://", "https://"))]
    assert document.xpath(f'//span[normalize-space()="{JAVASCRIPT_URL}"]')


def test_control_characters_from_the_web_become_spaces():
    hostile = link("https://bell.example/", Verdict.BROKEN, "title says \x1b[31mred\x07", ((MARCH, 2),))
    text = page(sample_view(reports=[hostile]))
    assert "\x1b" not in text and "\x07" not in text
    assert "title says  [31mred " in text


def test_script_data_is_json_that_cannot_close_its_block():
    document = tree(page())
    block = document.xpath('//script[@type="application/json"]')[0].text
    assert "<" not in block
    assert json.loads(block) == {"shown": LABELS["en"]["shown"]}

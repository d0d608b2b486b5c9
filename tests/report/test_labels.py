"""The page's words (crawler/report/html/labels.py): every language complete, fields filled safely."""

from __future__ import annotations

import pytest

from crawler.report.html import LABELS, labels
from crawler.report.html.labels import SINGULAR, Labels
from crawler.report.html.markup import Markup
from tests.report.views import page, texts, tree


def test_public_names_are_pinned():
    assert labels.__all__ == ["LABELS", "SINGULAR", "Labels"]


def test_labels_are_one_languages_table():
    assert dict(Labels("zh")) == LABELS["zh"]
    assert Labels("zh")["dead_links"] == "死链"
    assert Labels("en").html_lang == "en" and Labels("zh").html_lang == "zh-Hans"


def test_labels_refuse_an_unknown_language_naming_the_choices():
    with pytest.raises(ValueError, match=r"unknown report language 'fr'; choose from en, zh"):
        Labels("fr")


def test_fill_fills_fields_as_text():
    assert Labels("en").fill("issue_dead", count=3) == "3 dead"
    assert Labels("zh").fill("chart_bar", month="2024-03", total=6) == "2024-03：6 条链接"


def test_fill_markup_escapes_the_label_and_inserts_the_markup():
    filled = Labels("en").fill_markup("<{count}> & {count}", count=Markup("<strong>1</strong>"))
    assert filled == "&lt;<strong>1</strong>&gt; &amp; <strong>1</strong>"
    assert isinstance(filled, Markup)


# --- on a whole page ------------------------------------------------------------


def test_every_language_labels_every_string():
    assert set(LABELS["zh"]) == set(LABELS["en"])


def test_unknown_language_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match="en, zh"):
        page(lang="fr")


def test_chinese_page_has_chinese_labels():
    text = page(lang="zh")
    document = tree(text)
    assert document.get("lang") == "zh-Hans"
    assert texts(document.xpath("//h1")) == ["链接检查报告"]
    assert "按期列出的死链" in texts(document.xpath("//h2"))
    assert (
        texts(document.xpath('//section[@id="dead"]//tr[@data-verdict]//span[contains(@class, "verdict")]'))[0]
        == "失效"
    )
    for english in ("Dead links by issue", "Since the last run", "no capture", "Link text", "All verdicts"):
        assert english not in text


def test_singular_forms_are_forms_of_existing_labels_with_the_same_fields():
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for lang, singular in SINGULAR.items():
        for key, text in singular.items():
            assert key in LABELS[lang]
            assert fields(text) <= fields(LABELS[lang][key]) | {"count"}, key


def test_form_picks_the_singular_for_one_in_english_only():
    english, chinese = Labels("en"), Labels("zh")
    assert english.fill("run.issues", count=1) == "1 issue"
    assert english.fill("run.issues", count=0) == "0 issues"
    assert english.fill("run.archive_lookups", count=1) == "1 archive lookup"
    assert english.fill("run.archive_lookups", count=2) == "2 archive lookups"
    assert english.fill("links_in_issues", count=1, issues=1) == "in 1 issue"
    assert english.fill("chart_bar", count=1, month="2024-03", total=1) == "2024-03: 1 link"
    assert SINGULAR["zh"] == {}
    assert chinese.fill("run.issues", count=1) == "1 期"

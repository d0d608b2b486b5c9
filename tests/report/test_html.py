"""index.html as a whole (crawler/report/html/__init__.py): self-contained, safe, every link shown.

The views are tests.report.views': every verdict, Chinese text, titles
holding `<script>`, a `javascript:` URL; and the real Chinese issue.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import crawler.report.html as html_report
from crawler.report.html import render
from tests.report.views import (
    APRIL,
    FEBRUARY,
    FLAKY,
    FLAKY_DEAD,
    IMAGE,
    MARCH,
    UNDATED,
    page,
    real_issue_view,
    sample_view,
    texts,
    tree,
)


def test_public_names_are_pinned():
    assert html_report.__all__ == ["LABELS", "Band", "render"]


def test_broken_now_is_dead_even_without_history():
    assert sample_view().is_dead(IMAGE)


def test_unreachable_is_dead_only_when_the_history_says_so():
    view = sample_view()
    assert view.is_dead(FLAKY_DEAD)
    assert not view.is_dead(FLAKY)


def test_since_is_when_the_link_started_failing():
    view = sample_view()
    assert view.since(FLAKY_DEAD.url) == datetime(2024, 4, 20, tzinfo=UTC)
    assert view.since(IMAGE.url) is None


def test_mentions_list_newest_issue_first_and_undated_last():
    issues = [mention.occurrence.issue for mention in sample_view().mentions()]
    assert list(dict.fromkeys(issues)) == [APRIL, MARCH, FEBRUARY, UNDATED]


def test_page_fetches_nothing():
    document = tree(page())
    assert not document.xpath("//link | //iframe | //img | //object | //embed")
    assert not document.xpath("//script[@src] | //*[@src] | //*[@srcset] | //*[@background]")
    assert not document.xpath('//*[@style[contains(., "url(")]]')
    assert "@import" not in page() and "url(" not in "".join(document.xpath("//style/text()"))


def test_http_urls_appear_only_as_link_targets():
    document = tree(page())
    for element in document.iter():
        for name, value in element.attrib.items():
            if re.match(r"\s*https?:", value):
                assert (element.tag, name) == ("a", "href"), (element.tag, name, value)


def test_content_security_policy_forbids_fetching_and_allows_only_the_page_script():
    document = tree(page())
    policy = document.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    assert "default-src 'none'" in policy
    inline = [script for script in document.xpath("//script") if not script.get("type")]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].text.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_real_issue_renders_every_link():
    view = real_issue_view()
    document = tree(render(view, lang="zh"))
    rows = document.xpath('//details[@id="all-links"]//tbody/tr')
    assert len(rows) == sum(len(report.occurrences) for report in view.reports) > 30
    assert texts(document.xpath('//section[@id="dead"]//h3')) == ["AI 十项全能秀 · 2024 年 3 月 27 日"]

"""index.html as a whole (crawler/report/html/__init__.py): self-contained, safe, every link shown.

The views are tests.report.views': every verdict, Chinese text, titles
holding `<script>`, a `javascript:` URL; and the real Chinese issue.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime

import crawler.report.html as html_report
from crawler.models import RunDiff
from crawler.report.html import LABELS, render
from tests.report.views import (
    APRIL,
    FEBRUARY,
    FLAKY,
    FLAKY_DEAD,
    HOSTILE,
    IMAGE,
    MARCH,
    MEMENTO_PLAYBACK,
    MENDED,
    PARKED,
    PLAYBACK,
    TAKEOVER,
    TAKEOVER_CAPTURE,
    UNDATED,
    drift_view,
    page,
    real_issue_view,
    sample_view,
    texts,
    tree,
)


def test_public_names_are_pinned():
    assert html_report.__all__ == ["LABELS", "Band", "render", "render_pieces"]


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


# --- drift and captures from other archives ------------------------------------------


def test_drifted_links_have_a_card_a_change_list_and_a_flag():
    document = tree(page(drift_view()))
    card = document.xpath('//li[contains(@class, "card-drifted")]')[0]
    assert texts([card]) == ["3 Drifted 1 taken over · 1 parked domain · 1 page replaced · 2 new since the last run"]
    newly = document.xpath('//details[contains(@class, "change-drifted")]//li/a/@href')
    assert newly == [PARKED.url, TAKEOVER.url]  # page order: newest issue first
    flags = document.xpath('//*[@id="all-links"]//tr[.//span[@class="drift-flag"]]/@data-drift')
    assert sorted(flags) == ["parked", "replaced", "takeover"]
    assert LABELS["en"]["help.drifted"] in texts(document.xpath('//dl[@class="glossary"]/dd'))


def test_drifted_section_shows_then_and_now_side_by_side_with_the_capture():
    document = tree(page(drift_view()))
    rows = document.xpath('//section[@id="drifted"]//tr[@data-verdict]')
    assert [row.get("data-drift") for row in rows] == ["parked", "takeover", "replaced"]
    takeover = rows[1]
    assert texts(takeover.xpath('td[@class="col-then"]')) == ["AI 十项全能秀 | Deca Show capture of 2024-03-20"]
    assert takeover.xpath('td[@class="col-then"]//a/@href') == [TAKEOVER_CAPTURE]
    assert texts(takeover.xpath('td[@class="col-now"]')) == ["Slot Gacor Hari Ini | Situs Judi"]
    assert texts(takeover.xpath('td[@class="col-drift"]')) == ['taken over now a gambling page: title has "slot gacor"']
    parked = texts(rows[0].xpath('td[@class="col-then"]'))[0]
    assert parked.endswith("as rotwatch first saw it, 2024-04-03")  # no capture: rotwatch's own first check
    assert not rows[0].xpath('td[@class="col-then"]//a')
    assert HOSTILE in texts(rows[2].xpath('td[@class="col-then"]'))[0]  # shown as text


def test_drift_in_chinese():
    document = tree(page(drift_view(), lang="zh"))
    assert texts(document.xpath('//section[@id="drifted"]//h2')) == ["内容已变的链接：现在是另一个页面"]
    then = texts(document.xpath('//section[@id="drifted"]//tr[@data-drift="takeover"]/td[@class="col-then"]'))
    assert then == ["AI 十项全能秀 | Deca Show 2024-03-20 的存档快照"]


def test_a_capture_from_another_archive_shows_the_archives_name():
    document = tree(page(drift_view()))
    cells = document.xpath(f'//section[@id="dead"]//a[@href="{MEMENTO_PLAYBACK}"]')
    assert texts(cells) == ["archive.today, 2024-03-01"]
    assert texts(document.xpath(f'//section[@id="dead"]//a[@href="{PLAYBACK}"]'))[0] == "2024-03-01"
    loc = replace(MENDED, archive=replace(MENDED.archive, archive="loc"))
    zh = tree(page(drift_view(reports=[loc], diff=RunDiff()), lang="zh"))
    assert texts(zh.xpath(f'//section[@id="dead"]//a[@href="{MEMENTO_PLAYBACK}"]')) == ["美国国会图书馆，2024-03-01"]


def test_no_dead_links_never_reads_as_every_link_works_while_some_drifted():
    document = tree(page(drift_view(reports=[TAKEOVER], diff=RunDiff())))
    said = texts(document.xpath('//section[@id="dead"]/p[@class="quiet"]'))
    assert said == ["No dead links, but 1 link now shows another page: see the drifted link below."]
    assert "Every link works" not in page(drift_view(reports=[TAKEOVER], diff=RunDiff()))

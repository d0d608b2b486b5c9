"""The page's sections (crawler/report/html/page.py): summary, changes, filters, sites, footer."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.models import RunDiff, Verdict
from crawler.nightly.held_links import DEAD
from crawler.nightly.view import CrawlView
from crawler.report.html import page as page_module
from crawler.report.html.labels import LABELS, Labels
from crawler.report.html.page import CHANGES_PREVIEW, CHANGES_SHOWN_WHOLE, Page
from crawler.report.html.tables import shown_site
from tests.report.scale import scale_view
from tests.report.views import APRIL, FEBRUARY, GONE_404, MARCH, NXDOMAIN, UNDATED, page, sample_view, texts, tree


def test_public_names_are_pinned():
    assert page_module.__all__ == ["CHANGES_PREVIEW", "CHANGES_SHOWN_WHOLE", "Page"]


# --- on a whole page ------------------------------------------------------------


def test_summary_leads_with_dead_and_change_counts():
    document = tree(page())
    cards = texts(document.xpath('//ul[@class="cards"]/li'))
    assert cards[:5] == [
        "5 Dead links 1 with an archive capture · 4 without",
        "2 Newly dead",
        "1 Fixed",
        "3 Still dead",
        "16 Links checked in 4 issues",
    ]
    facts = texts(document.xpath('//div[@class="facts"]'))
    assert facts == [
        "Verdicts ok 6 redirected 1 broken 4 blocked 1 unreachable 2 skipped 2",
        "This run 4 issues 12 checked 5 reused from earlier runs 2 archive lookups",
    ]


def test_changes_list_newly_dead_fixed_and_still_dead():
    document = tree(page())
    changes = document.xpath('//div[@class="changes"]/details')
    assert [change.get("class") for change in changes] == [
        "change change-new",
        "change change-fixed",
        "change change-still",
    ]
    assert changes[0].get("open") is not None and changes[2].get("open") is None
    assert changes[0].xpath(".//li/a/@href") == [GONE_404.url, NXDOMAIN.url]
    assert "domain does not exist" in texts(changes[0].xpath(".//li"))[1]
    assert changes[1].xpath(".//li/a/@href") == ["https://fixed.example.com/back"]
    assert len(changes[2].xpath(".//li")) == 3


def test_no_change_says_so():
    document = tree(page(sample_view(diff=RunDiff())))
    assert texts(document.xpath('//div[@class="changes"]')) == ["No change since the last run."]


def test_filters_offer_present_verdicts_issues_newest_first_and_sites():
    document = tree(page())

    def options(name: str) -> list[str]:
        return document.xpath(f'//select[@data-filter="{name}"]/option/@value')

    assert options("verdict") == ["", "ok", "redirected", "broken", "blocked", "unreachable", "skipped"]
    assert options("issue") == ["", APRIL, MARCH, FEBRUARY, UNDATED]
    assert "example.com" in options("site") and "imgtp.com" in options("site")
    assert document.xpath('//input[@id="filter-search"][@type="search"]')


def test_worst_sites_list_sites_by_dead_links():
    document = tree(page())
    sites = document.xpath('//ol[@class="sites"]/li')
    assert sites[0].xpath("button/@data-site") == ["example.com"]
    assert texts(sites[0].xpath('span[@class="site-count"]')) == ["2"]
    assert len(sites) == 4


@pytest.mark.parametrize(
    "view", [sample_view(), scale_view(2_500, newly_dead=120, still_dead=60, unchecked=10)], ids=["sample", "2500"]
)
def test_the_dead_links_per_site_are_those_of_the_links_held_as_dead_in_their_order(view: CrawlView):
    """The page counts them while reading the links its filters offer; the counts and their ties' order
    are those of the links the view holds as dead."""
    dead = Counter(shown_site(report.url) for report in view.held_reports(DEAD))
    assert list(Page(view, Labels("en")).listed_links.dead.items()) == list(dead.items())


def test_run_counts_without_a_label_are_shown_by_name():
    document = tree(page(sample_view(run_counts={"retries": 7})))
    assert texts(document.xpath('//div[@class="facts"]'))[1] == "This run 7 retries"


def test_further_archives_and_drift_baselines_are_counted_by_name():
    counts = {"memento_lookups": 3, "memento_loc_requests": 4, "memento_arquivo.pt_429s": 1, "drift_baselines": 2}
    english = tree(page(sample_view(run_counts=counts)))
    assert texts(english.xpath('//div[@class="facts"]'))[1] == (
        "This run 3 lookups in further archives 4 requests to Library of Congress"
        " 1 request refused by arquivo.pt (429) 2 links compared with a capture for drift"
    )
    chinese = tree(page(sample_view(run_counts=counts), lang="zh"))
    assert texts(chinese.xpath('//div[@class="facts"]'))[1] == (
        "本次运行 其他存档查询 3 次 美国国会图书馆 请求 4 次 arquivo.pt 拒绝请求 1 次（429）"
        " 与存档快照对比内容的链接 2 条"
    )


def test_empty_crawl_renders():
    document = tree(page(sample_view(reports=[], histories={}, diff=RunDiff(), run_counts={})))
    assert not document.xpath('//g[@class="bar"]')
    assert texts(document.xpath('//ol[@class="sites"] | //section[@class="sites-section"]/p')) == [
        "No site has a dead link."
    ]


def test_footer_explains_every_verdict():
    document = tree(page())
    terms = texts(document.xpath('//dl[@class="glossary"]/dd'))
    assert terms == [LABELS["en"][f"help.{verdict}"] for verdict in Verdict]


# --- plural forms, long change lists, links not checked ---------------------------


def test_counts_of_one_are_singular_in_english():
    view = sample_view(run_counts={"issues": 1, "archive_lookups": 1}, reports=[GONE_404], diff=RunDiff())
    document = tree(page(view))
    assert texts(document.xpath('//div[@class="facts"]'))[1] == "This run 1 issue 1 archive lookup"
    cards = texts(document.xpath('//ul[@class="cards"]/li'))
    assert cards[0] == "1 Dead link 1 with an archive capture · 0 without"
    assert cards[4] == "1 Link checked in 2 issues"


def test_chinese_has_no_plural_forms():
    view = sample_view(run_counts={"issues": 1, "archive_lookups": 1}, reports=[GONE_404], diff=RunDiff())
    document = tree(page(view, lang="zh"))
    assert texts(document.xpath('//div[@class="facts"]'))[1] == "本次运行 1 期 存档查询 1 次"


def change_lists(document) -> dict[str, object]:
    return {change.get("class").split("-")[-1]: change for change in document.xpath('//div[@class="changes"]/details')}


def test_a_long_change_list_shows_its_count_and_first_entries_the_rest_behind_a_disclosure():
    view = scale_view(400, newly_dead=137, fixed=CHANGES_SHOWN_WHOLE + 1)
    lists = change_lists(tree(page(view)))
    new, fixed = lists["new"], lists["fixed"]
    assert texts(new.xpath("summary")) == ["Newly dead 137"]
    assert len(new.xpath("ul/li/a")) == CHANGES_PREVIEW
    (rest,) = new.xpath('ul/li[@class="rest"]/details')
    assert rest.get("open") is None
    assert texts(rest.xpath("summary")) == [f"{137 - CHANGES_PREVIEW} more"]
    assert len(rest.xpath("ul/li")) == 137 - CHANGES_PREVIEW
    assert len(fixed.xpath("ul/li/a")) == CHANGES_PREVIEW and fixed.xpath('ul/li[@class="rest"]')


def test_a_change_list_of_ten_is_shown_whole():
    lists = change_lists(tree(page(scale_view(400, newly_dead=CHANGES_SHOWN_WHOLE))))
    assert len(lists["new"].xpath("ul/li/a")) == CHANGES_SHOWN_WHOLE
    assert not lists["new"].xpath(".//details")


def test_newly_dead_links_of_the_newest_issues_come_first():
    view = scale_view(400, newly_dead=30)
    lists = change_lists(tree(page(view)))
    shown = lists["new"].xpath("ul/li/a/@href")
    order = [mention.report.url for mention in view.mentions() if mention.report.url in view.diff.newly_dead]
    assert shown == order[:CHANGES_PREVIEW]


def test_links_not_checked_get_a_card_and_a_warning_and_no_all_is_well():
    view = scale_view(60, unchecked=45)
    text = page(view)
    document = tree(text)
    cards = texts(document.xpath('//ul[@class="cards"]/li'))
    assert "15 Links checked in 3 issues" in cards
    assert cards[-1] == "45 Not checked no answer recorded"
    assert texts(document.xpath('//p[@class="warning"]')) == [
        "45 links were not checked: no answer is recorded for them (the crawl stopped before it reached them, "
        "or recorded nothing). This report cannot say whether they work."
    ]
    assert "Every link works" not in text and "No dead links." not in text
    assert "No dead links among the links checked, but 45 links were not checked." in text


def test_one_link_not_checked_is_said_in_the_singular():
    document = tree(page(scale_view(10, unchecked=1)))
    assert texts(document.xpath('//p[@class="warning"]'))[0].startswith("1 link was not checked: ")


def test_every_link_checked_has_no_warning():
    document = tree(page(scale_view(60)))
    assert not document.xpath('//p[@class="warning"] | //li[contains(@class, "card-unchecked")]')
    assert "No dead links. Every link works" in page(scale_view(60))

"""The page's sections (crawler/report/html/page.py): summary, changes, filters, sites, footer."""

from __future__ import annotations

from crawler.models import RunDiff, Verdict
from crawler.report.html import page as page_module
from crawler.report.html.labels import LABELS
from tests.report.views import APRIL, FEBRUARY, GONE_404, MARCH, NXDOMAIN, UNDATED, page, sample_view, texts, tree


def test_public_names_are_pinned():
    assert page_module.__all__ == ["Page"]


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


def test_run_counts_without_a_label_are_shown_by_name():
    document = tree(page(sample_view(run_counts={"retries": 7})))
    assert texts(document.xpath('//div[@class="facts"]'))[1] == "This run 7 retries"


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

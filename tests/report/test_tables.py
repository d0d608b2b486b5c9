"""The link tables (crawler/report/html/tables.py): dead links by issue and every link, row by row."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.models import RunDiff, Verdict
from crawler.report.html import tables
from crawler.report.html.labels import Labels
from crawler.report.html.tables import FULL_TABLE_LIMIT, LinkTables, day_text, shown_site
from tests.report.scale import scale_view
from tests.report.views import (
    APRIL,
    DEAD,
    FEBRUARY,
    FINE,
    GONE_404,
    HOSTILE,
    IMAGE,
    MARCH,
    MOVED,
    NXDOMAIN,
    PLAYBACK,
    REPORTS,
    UNDATED,
    dead_rows,
    page,
    sample_view,
    texts,
    tree,
)


def test_public_names_are_pinned():
    assert tables.__all__ == [
        "FULL_TABLE_LIMIT",
        "LinkTables",
        "day_text",
        "listed_in_all_links",
        "shown_site",
        "verdict_badge",
    ]


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://a.b.example.co.uk/x", "example.co.uk"),
        ("HTTPS://Upper.Example.COM/", "example.com"),
        ("https://alice.github.io/p", "alice.github.io"),
        ("http://例子.中国/路径", "xn--fsqu00a.xn--fiqs8s"),
        ("https://[::1]:8080/", "::1"),
        ("mailto:editor@example.com", ""),
        ("ftp://files.example.com/x", ""),
        ("javascript:alert(1)", ""),
        ("http://exa mple.com/", ""),
        ("https://bad-port.example:99999/", ""),
    ],
)
def test_shown_site_is_the_registered_domain_of_a_fetchable_host(url, site):
    assert shown_site(url) == site


def test_day_text():
    assert day_text(date(2024, 3, 7)) == "2024-03-07"
    assert day_text(None) == ""


def test_an_unknown_column_is_a_programming_error():
    view = sample_view()
    with pytest.raises(ValueError, match=r"col\.nope"):
        LinkTables(view, Labels("en")).cell("col.nope", view.mentions()[0], mark_new=False)


def test_all_links_issue_cells_sort_by_date_and_undated_first():
    document = tree(page())
    sorts = document.xpath('//details[@id="all-links"]//td[@class="col-issue"]/@data-sort')
    assert f"2024-04-03 {APRIL}" in sorts and f"0000 {UNDATED}" in sorts


# --- on a whole page ------------------------------------------------------------


def test_one_row_per_dead_occurrence_grouped_by_issue_newest_first():
    document = tree(page())
    blocks = document.xpath('//section[@id="dead"]/article')
    assert texts(block.xpath("h3")[0] for block in blocks) == [
        f"Weekly {HOSTILE}",
        "AI 十项全能秀 2024-03-27",
        FEBRUARY,
    ]
    assert [len(block.xpath(".//tbody/tr")) for block in blocks] == [2, 3, 1]
    assert "Published 2024-04-03" in texts(blocks[0].xpath("p"))[0]
    assert len(dead_rows(document)) == sum(len(report.occurrences) for report in DEAD)


def test_dead_row_has_text_url_verdict_reason_since_and_capture():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[@data-issue="{MARCH}"][.//a[@href="{GONE_404.url}"]]')[0]
    cells = {cell.get("class"): cell for cell in row.xpath("td")}
    assert texts([cells["col-line"], cells["col-text"], cells["col-verdict"], cells["col-reason"]]) == [
        "12",
        "苹果 MM1 论文",
        "broken new",
        "HTTP 404",
    ]
    assert texts([cells["col-since"]]) == ["2024-05-01"]
    assert cells["col-capture"].xpath("a/@href") == [PLAYBACK]
    assert texts(cells["col-capture"].xpath("a")) == ["2024-03-01"]
    assert row.get("class") == "is-new"
    assert row.get("data-site") == "example.com"


def test_dead_row_without_capture_says_no_capture():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[.//a[@href="{NXDOMAIN.url}"]]')[0]
    assert texts(row.xpath('td[@class="col-capture"]')) == ["no capture"]


def test_image_links_are_marked():
    document = tree(page())
    row = document.xpath(f'//section[@id="dead"]//tr[.//a[@href="{IMAGE.url}"]]')[0]
    assert texts(row.xpath('td[@class="col-text"]')) == ["image 示意图"]


def test_no_dead_links_says_so():
    document = tree(page(sample_view(reports=FINE, histories={}, diff=RunDiff())))
    assert not dead_rows(document)
    assert "No dead links." in texts(document.xpath('//section[@id="dead"]/p'))[0]


def test_all_links_table_has_every_occurrence_and_starts_collapsed():
    document = tree(page())
    section = document.xpath('//details[@id="all-links"]')[0]
    assert section.get("open") is None
    assert len(section.xpath(".//tbody/tr")) == sum(len(report.occurrences) for report in REPORTS)


def test_redirected_link_shows_where_it_now_points():
    document = tree(page())
    cell = document.xpath(f'//tr[.//a[@href="{MOVED.url}"]]/td[@class="col-url"]')[0]
    assert cell.xpath('span[@class="moved"]/a/@href') == ["https://moved.example/new"]


def test_every_table_column_is_sortable():
    document = tree(page())
    for table in document.xpath("//table[contains(@class, 'links')]"):
        assert len(table.xpath(".//th")) == len(table.xpath('.//th/button[@class="sort"]'))


# --- at scale ----------------------------------------------------------------------


def all_links_rows(document) -> list:
    return document.xpath('//details[@id="all-links"]//tr[@data-verdict]')


def test_all_links_lists_every_link_up_to_the_limit():
    document = tree(page(scale_view(FULL_TABLE_LIMIT, newly_dead=20)))
    assert len(all_links_rows(document)) == FULL_TABLE_LIMIT
    assert not document.xpath('//p[@class="csv-pointer"]')


def test_above_the_limit_all_links_lists_links_to_look_at_and_points_to_links_csv():
    view = scale_view(FULL_TABLE_LIMIT + 1, newly_dead=20)
    document = tree(page(view))
    rows = all_links_rows(document)
    verdicts = {Verdict.BROKEN, Verdict.BLOCKED, Verdict.UNREACHABLE}
    to_look_at = [r for r in view.reports if r.assessment.verdict in verdicts and not view.is_dead(r)]
    assert len(rows) == len(to_look_at) < FULL_TABLE_LIMIT / 2
    assert {row.get("data-verdict") for row in rows} <= {"broken", "blocked", "unreachable"}
    assert rows and not any(row.get("data-verdict") == "redirected" for row in rows)  # in links.csv
    assert len(dead_rows(document)) == 20
    (pointer,) = document.xpath('//details[@id="all-links"]/p[@class="csv-pointer"]')
    assert pointer.xpath("a/@href") == ["links.csv"]
    assert texts([pointer]) == [
        f"1,001 links are too many for one page: every link is in links.csv , beside this page. "
        f"Listed here: the {len(to_look_at)} failing links (broken, blocked, unreachable) that are not dead yet; "
        "the dead and drifted links are above."
    ]
    assert texts(document.xpath('//details[@id="all-links"]/summary/h2')) == ["All links 1,001"]


def test_above_the_limit_the_filters_offer_what_the_rows_hold():
    document = tree(page(scale_view(FULL_TABLE_LIMIT + 1, newly_dead=20)))
    assert "skipped" not in document.xpath('//select[@data-filter="verdict"]/option/@value')
    sites = set(document.xpath('//select[@data-filter="site"]/option/@value')) - {""}
    assert sites == {row.get("data-site") for row in document.xpath("//tr[@data-verdict]")}


def test_index_html_grows_with_the_links_to_look_at_not_with_every_link():
    # A full table would take about 700 bytes a link.
    assert len(page(scale_view(20_000, newly_dead=50, all_ok=True)).encode()) < 20_000 * 15


def test_newly_dead_rows_are_tinted_unless_every_dead_row_is_new():
    assert tree(page()).xpath('//section[@id="dead"]')[0].get("class") is None
    first_crawl = tree(page(scale_view(100, newly_dead=8)))
    assert first_crawl.xpath('//section[@id="dead"]')[0].get("class") == "all-new"
    assert len(first_crawl.xpath('//section[@id="dead"]//tr[@class="is-new"]')) == 8

"""The month chart (crawler/report/html/chart.py): bands, months, the SVG and its numbers table."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.models import RunDiff, Verdict
from crawler.report.html import LABELS, Band, chart
from crawler.report.html.chart import band_of, month_bands
from tests.report.views import (
    BLOCKED,
    FINE,
    FLAKY,
    FLAKY_DEAD,
    GONE_404,
    MAIL,
    MOVED,
    NXDOMAIN,
    link,
    page,
    sample_view,
    texts,
    tree,
)


def test_public_names_are_pinned():
    assert chart.__all__ == ["Band", "MonthChart", "band_of", "chart_section", "month_bands"]


@pytest.mark.parametrize(
    ("report", "band"),
    [
        (GONE_404, Band.DEAD_CAPTURED),
        (NXDOMAIN, Band.DEAD_UNCAPTURED),
        (FLAKY_DEAD, Band.DEAD_UNCAPTURED),
        (FLAKY, Band.OTHER),
        (BLOCKED, Band.OTHER),
        (MAIL, Band.OTHER),
        (MOVED, Band.REDIRECTED),
        (FINE[0], Band.OK),
    ],
)
def test_band_of_puts_dead_links_first_by_capture(report, band):
    assert band_of(sample_view(), report) is band


def test_month_bands_oldest_first_undated_last_each_url_once_per_month():
    view = sample_view()
    months = month_bands(view)
    assert list(months) == ["2024-02", "2024-03", "2024-04", ""]
    assert months["2024-03"] == {
        Band.DEAD_UNCAPTURED: 2,
        Band.DEAD_CAPTURED: 1,
        Band.OTHER: 1,
        Band.OK: 2,
    }


# --- on a whole page ------------------------------------------------------------


def test_chart_has_one_stacked_bar_per_month_oldest_first_undated_last():
    document = tree(page())
    svg = document.xpath('//svg[@class="chart"]')[0]
    assert svg.get("role") == "img" and svg.xpath("title") and svg.xpath("desc")
    bars = svg.xpath('g[@class="bar"]')
    assert [bar.get("data-month") for bar in bars] == ["2024-02", "2024-03", "2024-04", "undated"]
    for bar in bars:
        assert sum(float(rect.get("height")) for rect in bar.xpath("rect")) == pytest.approx(204, abs=0.5)


def test_chart_bar_counts_each_url_once_per_month_dead_at_the_bottom():
    document = tree(page())
    march = document.xpath('//g[@data-month="2024-03"]')[0]
    assert march.xpath("title/text()") == [
        "2024-03: 6 links: dead, no capture 2 (33%), dead, capture found 1 (17%), "
        "blocked, unreachable or skipped 1 (17%), ok 2 (33%)"
    ]
    bands = [rect.get("class") for rect in march.xpath("rect")]
    assert bands == ["band-dead-uncaptured", "band-dead-captured", "band-other", "band-ok"]
    heights = [float(rect.get("y")) for rect in march.xpath("rect")]
    assert heights == sorted(heights, reverse=True)


def test_chart_has_a_legend_and_its_numbers_as_a_table():
    document = tree(page())
    assert texts(document.xpath('//ul[@class="legend"]/li')) == [LABELS["en"][f"band.{band}"] for band in Band]
    rows = document.xpath('//table[@class="numbers"]/tbody/tr')
    assert texts(rows[0].xpath("th | td")) == ["2024-02", "4", "1", "0", "0", "1", "2"]


def test_chart_labels_every_nth_month_when_there_are_many():
    issues = {f"issues/{2020 + n // 12}-{n % 12 + 1:02d}-01.md": date(2020 + n // 12, n % 12 + 1, 1) for n in range(30)}
    reports = [
        link(f"https://m{n}.example.com/", Verdict.OK, "HTTP 200", ((issue, 1),)) for n, issue in enumerate(issues)
    ]
    document = tree(page(sample_view(reports=reports, issue_dates=issues, histories={}, diff=RunDiff())))
    bars = document.xpath('//g[@class="bar"]')
    assert len(bars) == 30
    assert [bar.get("data-month") for bar in bars if bar.xpath("text")] == [
        "2020-01",
        "2020-04",
        "2020-07",
        "2020-10",
        "2021-01",
        "2021-04",
        "2021-07",
        "2021-10",
        "2022-01",
        "2022-04",
    ]

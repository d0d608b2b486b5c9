"""index.html in a real browser: headless Chromium through Selenium.

What the unit tests cannot see: the page's script runs under its own
Content-Security-Policy, the filters and the search narrow the rows, the
columns sort, the chart is drawn, and a title holding `<script>` stays text
(no alert, no console error). Screenshots of the whole page are saved under
the test's tmp_path and, for review, as /tmp/rotwatch-report.png (English,
hand-built view), /tmp/rotwatch-report-zh.png (the real Chinese issue) and
/tmp/rotwatch-report-drift.png (drifted links and a capture from archive.today).

Uses the system's chromium and chromedriver (tests.report.browser): skipped
when either is missing, failed instead when CI is set.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.report.crawl_reports import write_crawl_reports
from tests.report.browser import errors_logged, start_browser
from tests.report.views import (
    FLAKY_DEAD,
    HOSTILE,
    MARCH,
    MEMENTO_PLAYBACK,
    NXDOMAIN,
    drift_view,
    real_issue_view,
    sample_view,
)

REVIEW_SCREENSHOTS = {
    "en": Path("/tmp/rotwatch-report.png"),
    "zh": Path("/tmp/rotwatch-report-zh.png"),
    "drift": Path("/tmp/rotwatch-report-drift.png"),
}

VISIBLE_DEAD_ROWS = "return document.querySelectorAll('#dead tr[data-verdict]:not([hidden])').length"
VISIBLE_ALL_ROWS = "return document.querySelectorAll('#all-links tr[data-verdict]:not([hidden])').length"


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    yield from start_browser(tmp_path_factory.mktemp("chromium-profile"))


def open_report(browser, tmp_path: Path, view=None, lang: str = "en"):
    write_crawl_reports(view or sample_view(), tmp_path, lang=lang)
    browser.get((tmp_path / "index.html").as_uri())
    return browser


def screenshot(browser, path: Path) -> None:
    """The whole page: the window is stretched to the document's height
    plus the browser's own frame."""
    height = browser.execute_script(
        "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight"
    )
    browser.set_window_size(1280, height)
    browser.save_screenshot(str(path))
    browser.set_window_size(1280, 900)


def search_for(browser, text: str) -> None:
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.ID, "filter-search")
    box.clear()
    box.send_keys(text)


def choose(browser, name: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, f"filter-{name}")).select_by_value(value)


def test_page_renders_rows_chart_and_counts_without_errors(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path)
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 6
    assert browser.find_element(By.CSS_SELECTOR, '#dead output[data-counts="dead"]').text == "6 of 6 shown"
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart g.bar")
    assert len(bars) == 4
    assert all(bar.find_elements(By.TAG_NAME, "rect") for bar in bars)
    assert browser.find_element(By.CSS_SELECTOR, "svg.chart").size["height"] > 100
    assert errors_logged(browser) == []
    screenshot(browser, tmp_path / "report.png")
    shutil.copyfile(tmp_path / "report.png", REVIEW_SCREENSHOTS["en"])


def test_script_in_a_title_shows_as_text_and_never_runs(browser, tmp_path: Path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path)
    headings = [heading.text for heading in browser.find_elements(By.CSS_SELECTOR, "#dead h3")]
    assert f"Weekly {HOSTILE}" in headings
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check
    assert browser.execute_script("return document.querySelectorAll('script').length") == 2


def test_search_narrows_the_rows(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path)
    search_for(browser, "vanished")
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 1
    assert browser.find_element(By.CSS_SELECTOR, f'#dead tr:not([hidden]) a[href="{NXDOMAIN.url}"]')
    assert browser.find_element(By.CSS_SELECTOR, '#dead output[data-counts="dead"]').text == "1 of 6 shown"
    search_for(browser, "苹果 论文")
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 2
    search_for(browser, "nothing matches this")
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 0
    assert browser.find_element(By.CSS_SELECTOR, "#dead .no-match").is_displayed()


def test_verdict_filter_narrows_dead_and_all_links(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    open_report(browser, tmp_path)
    choose(browser, "verdict", "unreachable")
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 1
    assert browser.find_element(By.CSS_SELECTOR, f'#dead tr:not([hidden]) a[href="{FLAKY_DEAD.url}"]')
    assert browser.execute_script(VISIBLE_ALL_ROWS) == 2
    visible_issues = browser.execute_script(
        "return Array.from(document.querySelectorAll('#dead article:not([hidden]) h3'), h => h.textContent)"
    )
    assert visible_issues == ["issues/2024-02-14-valentine.md"]
    browser.find_element(By.CSS_SELECTOR, "button.reset").click()
    # The form's reset event applies the filters on the next tick, after the fields reset.
    WebDriverWait(browser, 5).until(lambda page: page.execute_script(VISIBLE_DEAD_ROWS) == 6)


def test_issue_filter_and_worst_site_button_narrow_the_rows(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path)
    choose(browser, "issue", MARCH)
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 3
    choose(browser, "issue", "")
    browser.find_element(By.CSS_SELECTOR, 'ol.sites button[data-site="example.org"]').click()
    assert browser.find_element(By.ID, "filter-site").get_attribute("value") == "example.org"
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == 1


def test_columns_sort_both_ways(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path)
    table = browser.find_element(By.CSS_SELECTOR, f'#dead article:has(tr[data-issue="{MARCH}"]) table')
    line_header = table.find_element(By.CSS_SELECTOR, "th.col-line")

    def lines() -> list[str]:
        return [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "tbody td.col-line")]

    line_header.find_element(By.TAG_NAME, "button").click()
    assert lines() == ["7", "12", "20"] and line_header.get_attribute("aria-sort") == "ascending"
    line_header.find_element(By.TAG_NAME, "button").click()
    assert lines() == ["20", "12", "7"] and line_header.get_attribute("aria-sort") == "descending"


def test_real_chinese_issue_in_chinese(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    view = real_issue_view()
    open_report(browser, tmp_path, view, lang="zh")
    assert browser.find_element(By.TAG_NAME, "h1").text == "链接检查报告"
    dead = sum(len(report.occurrences) for report in view.dead_reports())
    assert browser.execute_script(VISIBLE_DEAD_ROWS) == dead
    assert browser.find_element(By.CSS_SELECTOR, '#dead output[data-counts="dead"]').text == f"显示 {dead} / {dead}"
    assert errors_logged(browser) == []
    screenshot(browser, tmp_path / "report-zh.png")
    shutil.copyfile(tmp_path / "report-zh.png", REVIEW_SCREENSHOTS["zh"])


def test_drifted_links_and_a_memento_capture_in_a_browser(browser, tmp_path: Path):
    from selenium.webdriver.common.by import By

    open_report(browser, tmp_path, drift_view())
    assert errors_logged(browser) == []
    assert browser.find_element(By.CSS_SELECTOR, '#drifted output[data-counts="drifted"]').text == "3 of 3 shown"
    then = browser.find_element(By.CSS_SELECTOR, '#drifted tr[data-drift="takeover"] td.col-then')
    now = browser.find_element(By.CSS_SELECTOR, '#drifted tr[data-drift="takeover"] td.col-now')
    assert then.location["y"] == now.location["y"] and then.location["x"] < now.location["x"]  # side by side
    capture = browser.find_element(By.CSS_SELECTOR, f'#dead a[href="{MEMENTO_PLAYBACK}"]')
    assert capture.text.replace("\n", " ") == "archive.today, 2024-03-01"
    cell = capture.find_element(By.XPATH, "./ancestor::td")
    assert capture.size["width"] <= cell.size["width"]  # the archive's name is never cut off
    search_for(browser, "gacor")
    visible = "return document.querySelectorAll('#drifted tr[data-verdict]:not([hidden])').length"
    assert browser.execute_script(visible) == 1
    search_for(browser, "")
    screenshot(browser, tmp_path / "drift.png")
    shutil.copyfile(tmp_path / "drift.png", REVIEW_SCREENSHOTS["drift"])

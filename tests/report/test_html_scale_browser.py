"""index.html at scale in a real browser: a first crawl of 2,000 links with 137 newly dead.

What an editor meets first: at 1400x900 the first screen holds the summary
and the start of the dead links (the long change lists are collapsed to
their first entries), "All links" shows its disclosure marker and opens
onto the links that need a look under a pointer to links.csv, the sticky
filter bar hides what scrolls beneath it, and at 420 px nothing is wider
than the screen, in English and in Chinese.

Headless Chromium through Selenium (tests.report.browser): skipped without
chromium and chromedriver, failed instead when CI is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.models import Verdict
from crawler.report.crawl_reports import write_crawl_reports
from crawler.report.html.page import CHANGES_PREVIEW
from tests.report.browser import errors_logged, require_browser, reset_viewport, set_viewport, start_browser
from tests.report.scale import scale_view

LINKS, NEWLY_DEAD, FIXED = 2_000, 137, 14


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    yield from start_browser(tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="module")
def view():
    return scale_view(LINKS, newly_dead=NEWLY_DEAD, fixed=FIXED)


@pytest.fixture(scope="module")
def reports(view, tmp_path_factory) -> dict[str, Path]:
    folders = {}
    for lang in ("en", "zh"):
        folders[lang] = tmp_path_factory.mktemp(f"reports-{lang}")
        write_crawl_reports(view, folders[lang], lang=lang)
    return folders


@pytest.fixture
def page_at(browser, reports) -> Iterator:
    """Opens a report at a viewport size; the browser's own size again afterwards."""

    def open_at(width: int, height: int = 900, lang: str = "en"):
        set_viewport(browser, width, height)
        browser.get((reports[lang] / "index.html").as_uri())
        return browser

    yield open_at
    reset_viewport(browser)


def box(browser, selector: str) -> dict[str, float]:
    return browser.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};",
        selector,
    )


def test_a_browser_test_fails_in_ci_without_chromium():
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_browser(None, "/usr/bin/chromedriver", {"CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_browser("/usr/bin/chromium", None, {})
    require_browser("/usr/bin/chromium", "/usr/bin/chromedriver", {"CI": "true"})


def test_the_first_screen_shows_the_summary_and_the_start_of_the_dead_links(page_at):
    browser = page_at(1400, 900)
    assert browser.execute_script("return [window.innerWidth, window.innerHeight]") == [1400, 900]
    assert box(browser, "ul.cards")["bottom"] < 900
    assert box(browser, "#dead-heading")["bottom"] < 900
    first_row = box(browser, "#dead tr[data-verdict]")
    assert first_row["top"] < 900 - 20, first_row
    assert errors_logged(browser) == []


def test_long_change_lists_show_their_count_and_first_entries(page_at):
    from selenium.webdriver.common.by import By

    browser = page_at(1400, 900)
    for kind, count in (("new", NEWLY_DEAD), ("fixed", FIXED)):
        panel = browser.find_element(By.CSS_SELECTOR, f"details.change-{kind}")
        assert panel.find_element(By.CSS_SELECTOR, ".tally").text == f"{count:,}"
        shown = [link for link in panel.find_elements(By.CSS_SELECTOR, "li a") if link.is_displayed()]
        assert len(shown) == CHANGES_PREVIEW
        more = panel.find_element(By.CSS_SELECTOR, "summary.more")
        assert more.text == f"{count - CHANGES_PREVIEW} more"
        more.click()
        shown = [link for link in panel.find_elements(By.CSS_SELECTOR, "li a") if link.is_displayed()]
        assert len(shown) == count
    assert box(browser, "details.change-new")["height"] > 900  # opened on demand only


def test_all_links_shows_its_marker_and_opens_onto_a_pointer_to_links_csv(page_at, view):
    from selenium.webdriver.common.by import By

    browser = page_at(1400, 900)
    summary = browser.find_element(By.CSS_SELECTOR, "#all-links > summary")
    marker = browser.execute_script(
        "const s = getComputedStyle(arguments[0], '::before'); return [s.content, s.display, parseFloat(s.width)];",
        summary,
    )
    assert marker[0] not in ("none", "normal", '""') and marker[1] != "none" and marker[2] > 0, marker
    pointer = browser.find_element(By.CSS_SELECTOR, "#all-links .csv-pointer")
    assert not pointer.is_displayed()
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert pointer.is_displayed() and "links.csv" in pointer.text
    assert pointer.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("/links.csv")
    look = {Verdict.BROKEN, Verdict.BLOCKED, Verdict.UNREACHABLE}  # redirected ones are in links.csv
    expected = sum(len(r.occurrences) for r in view.reports if r.assessment.verdict in look and not view.is_dead(r))
    rows = browser.execute_script("return document.querySelectorAll('#all-links tr[data-verdict]').length")
    assert rows == expected < LINKS / 4


def test_the_sticky_filter_bar_hides_what_scrolls_beneath_it(page_at):
    from selenium.webdriver.common.by import By

    browser = page_at(1400, 900)
    browser.execute_script("document.querySelector('#dead article:nth-of-type(3)').scrollIntoView()")
    bar = browser.find_element(By.ID, "filters")
    assert box(browser, "#filters")["top"] == 0  # stuck at the top, over the tables
    background = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", bar)
    assert background.startswith("rgb(") or background.endswith(", 1)"), background


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_is_wider_than_a_narrow_screen(page_at, lang):
    browser = page_at(420, 900, lang=lang)
    browser.execute_script("document.querySelectorAll('details').forEach((d) => { d.open = true; });")
    widths = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == 420
    assert errors_logged(browser) == []

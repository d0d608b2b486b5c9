"""Headless Chromium through Selenium, for the tests that open index.html in a browser.

Uses the system's chromium and chromedriver; Selenium Manager is never asked
to download a driver. Without them a browser test is skipped on a
developer's machine but fails in CI (the CI environment variable set), where
.ci/run installs them: a report no browser opened must not pass as tested.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = "needs chromium and chromedriver on PATH (apt-get install chromium chromium-driver)"


def require_browser(chromium: str | None, chromedriver: str | None, environ: Mapping[str, str]) -> None:
    """Fail in CI, skip elsewhere, when chromium or chromedriver is missing."""
    if chromium and chromedriver:
        return
    if environ.get("CI"):
        pytest.fail(f"CI is set and the browser tests cannot run: {MISSING}")
    pytest.skip(MISSING)


def start_browser(profile: Path) -> Iterator:
    """A headless Chromium logging the page's console, closed when done."""
    require_browser(CHROMIUM, CHROMEDRIVER, os.environ)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_window_size(1280, 900)
    yield driver
    driver.quit()


def errors_logged(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def set_viewport(browser, width: int, height: int) -> None:
    """The page's viewport exactly `width` x `height` CSS pixels, whatever
    the window's frame (a window cannot be made narrower than about 500 px)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def reset_viewport(browser) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

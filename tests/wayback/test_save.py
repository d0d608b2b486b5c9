"""Tests for crawler/wayback/save.py: Save Page Now, paced, one result per URL."""

import crawler.wayback.save
from crawler.wayback.save import SaveResult, save_all


def test_captures_are_paced_and_failures_reported_in_order():
    pauses, seen = [], []

    def save(url, user_agent):
        assert user_agent == "rotwatch-test"
        return (
            SaveResult(url, archive_url=f"https://archive.test/web/1/{url}")
            if "ok" in url
            else SaveResult(url, error="boom")
        )

    results = save_all(
        ["https://a.test/ok", "https://b.test/fail", "https://c.test/ok"],
        "rotwatch-test",
        interval=20,
        save=save,
        sleep=pauses.append,
        on_result=seen.append,
    )
    assert pauses == [20, 20]  # between captures, not before the first
    assert [r.error for r in results] == ["", "boom", ""]
    assert seen == results


def test_public_names_are_pinned() -> None:
    assert crawler.wayback.save.__all__ == ["SAVE_HOST", "SAVE_INTERVAL", "SaveResult", "save_all", "save_one"]


def test_an_unreachable_archive_stops_the_run_after_the_first_url():
    asked = []

    def save(url, user_agent):
        asked.append(url)
        return SaveResult(url, error="cannot reach web.archive.org (no network?)", archive_unreachable=True)

    results = save_all(["https://a.test/", "https://b.test/", "https://c.test/"], "ua", save=save, sleep=lambda _: None)
    assert asked == ["https://a.test/"]
    assert [result.url for result in results] == ["https://a.test/"]


def test_a_failure_of_one_page_goes_on_to_the_next():
    results = save_all(
        ["https://a.test/", "https://b.test/"],
        "ua",
        save=lambda url, _: SaveResult(url, error="MaximumSaveRetriesExceeded: Tried 2 times"),
        sleep=lambda _: None,
    )
    assert len(results) == 2

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
    assert crawler.wayback.save.__all__ == ["SAVE_INTERVAL", "SaveResult", "save_all", "save_one"]

"""The crawl's archive step and the further archives, through real crawls against the simulated web,
its Wayback Machine and two simulated Memento archives."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings
from crawler.issues.reading import collect_links
from crawler.nightly.crawl import CrawlOutcome, rebuild_reports
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.store import StateStore
from crawler.simweb import SimWeb
from crawler.simweb.memento import SimMemento
from tests.further_archives import SECOND, THIRD, start_afresh, web_with_archives
from tests.nightly.nights import crawl_folder
from tests.wayback.scripted_archive import ScriptedArchive

NIGHT_1 = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
QUICK = {"ROTWATCH_RETRY_BACKOFF": 0.01, "ROTWATCH_BACKOFF_CAP": 0.02, "ROTWATCH_ARCHIVE_429_PAUSE": 0.05}


@pytest.fixture(scope="module")
def wayback() -> ScriptedArchive:
    return ScriptedArchive()


@pytest.fixture(scope="module")
def second() -> SimMemento:
    return SimMemento(SECOND)


@pytest.fixture(scope="module")
def third() -> SimMemento:
    return SimMemento(THIRD)


@pytest.fixture(scope="module")
def web(wayback, second, third) -> Iterator[SimWeb]:
    with web_with_archives(wayback, second, third) as simulated:
        yield simulated


@pytest.fixture(autouse=True)
def fresh(web, wayback, second, third) -> None:
    start_afresh(web, wayback, second, third)
    wayback.asked.clear()


def write_issue(folder: Path, name: str, *urls: str) -> None:
    (folder / "issues").mkdir(parents=True, exist_ok=True)
    text = f"# {name}\n\n" + "".join(f"* [link {n}]({url})\n" for n, url in enumerate(urls))
    (folder / "issues" / name).write_text(text, encoding="utf-8")


def night(web, reactor_thread, folder, when, **values) -> CrawlOutcome:
    """One crawl of `folder` at `when`; `values` are configuration keys over the simulated web's."""
    config = load_config(
        {**web.crawl_overrides(), "archive_playback_rate": 60000, "retries": 0, "timeout": 5, **values}, cwd=folder
    )
    settings = base_settings({**scrapy_overrides(config), **QUICK})
    return crawl_folder(web, reactor_thread, folder, when, config, settings, full=True)


def links(folder: Path) -> dict[str, dict]:
    document = json.loads((folder / "reports" / "report.json").read_text(encoding="utf-8"))
    return {link["url"]: link for link in document["links"]}


def asked(web: SimWeb, host: str) -> list[str]:
    return [record.path for record in web.log.records(host)]


def stored_answers(folder: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(folder / "reports" / "state.sqlite") as db:
        return db.execute("SELECT archive, memento_url FROM archive_answers ORDER BY url").fetchall()


def test_a_dead_link_the_wayback_machine_lacks_is_mended_from_the_second_archive(
    web, wayback, second, reactor_thread, tmp_path
):
    dead = web.url("news.test", "/s/not-found/only-elsewhere")
    second.add_capture(dead, "20240320120000", title="The story")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    outcome = night(web, reactor_thread, tmp_path, NIGHT_1)
    memento = web.url(SECOND, f"/web/20240320120000/{dead}")
    (report,) = outcome.view.dead_reports()
    assert (report.archive.archive, report.archive_url, report.capture_status.value) == (SECOND, memento, "found")
    assert report.captures[0].url == memento and report.captures[0].snapshot.archive == SECOND
    assert links(tmp_path)[dead]["capture_status"] == "found"
    assert links(tmp_path)[dead]["archive"]["url"] == memento
    copy = (tmp_path / "reports" / "archive" / "2024-03-27-a.md").read_text(encoding="utf-8")
    assert f"[link 0]({memento})" in copy
    assert stored_answers(tmp_path) == [(SECOND, memento)]
    counts = outcome.view.run_counts
    assert counts["memento_lookups"] == 1 and counts[f"memento_{SECOND}_requests"] == 2  # TimeMap, memento
    assert f"memento_{THIRD}_requests" not in counts  # the first archive with a capture ends the lookup
    assert outcome.pending == 0


def test_a_second_night_asks_no_archive_again_and_rebuilt_reports_keep_the_capture(
    web, wayback, second, third, reactor_thread, tmp_path
):
    found, nowhere = web.url("news.test", "/s/not-found/kept"), web.url("news.test", "/s/not-found/nowhere")
    second.add_capture(found, "20240320120000", title="Kept")
    write_issue(tmp_path, "2024-03-27-a.md", found, nowhere)
    first = night(web, reactor_thread, tmp_path, NIGHT_1)
    assert {url: link["capture_status"] for url, link in links(tmp_path).items()} == {found: "found", nowhere: "none"}
    assert asked(web, THIRD) == [f"/timemap/link/{nowhere}"]  # the first had none: the next is asked
    assert first.view.run_counts["memento_lookups"] == 2
    assert sorted(stored_answers(tmp_path)) == [
        (SECOND, web.url(SECOND, f"/web/20240320120000/{found}")),
        (f"wayback, {SECOND}, {THIRD}", None),  # every archive that said "none"
    ]
    web.log.clear()
    wayback.asked.clear()
    second_night = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert (asked(web, SECOND), asked(web, THIRD), wayback.asked) == ([], [], [])
    assert "memento_lookups" not in second_night.view.run_counts and second_night.pending == 0
    assert {url: link["capture_status"] for url, link in links(tmp_path).items()} == {found: "found", nowhere: "none"}
    config = load_config(web.crawl_overrides(), cwd=tmp_path)
    occurrences, issues, _ = collect_links([tmp_path / "issues"])
    with (
        StateStore.open(tmp_path / "reports" / "state.sqlite", clock=lambda: NIGHT_1) as store,
        PlanSpool.of(occurrences, config.exclude_patterns) as plan,
    ):
        rebuilt = rebuild_reports(store, plan, issues, config, tmp_path / "rebuilt")
    assert {r.url: (r.capture_status.value, r.archive_url) for r in rebuilt.view.dead_reports()} == {
        found: ("found", web.url(SECOND, f"/web/20240320120000/{found}")),
        nowhere: ("none", None),
    }


def test_a_none_of_the_further_archives_is_asked_again_after_thirty_days(web, wayback, third, reactor_thread, tmp_path):
    dead = web.url("news.test", "/s/not-found/later-captured")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    night(web, reactor_thread, tmp_path, NIGHT_1)
    assert links(tmp_path)[dead]["capture_status"] == "none"
    third.add_capture(dead, "20240326000000", title="Captured later")
    night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=29))
    assert links(tmp_path)[dead]["capture_status"] == "none"  # trusted as long as the Wayback Machine's
    night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=31))
    assert links(tmp_path)[dead]["archive"]["url"] == web.url(THIRD, f"/web/20240326000000/{dead}")


@pytest.mark.parametrize("refusal", ["captcha", "429"])
def test_a_refusing_second_archive_leaves_the_capture_pending_and_is_asked_again(
    web, wayback, second, third, reactor_thread, tmp_path, refusal
):
    dead = web.url("news.test", f"/s/not-found/refused-{refusal}")
    second.add_capture(dead, "20240320120000", title="Behind a wall")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    if refusal == "captcha":
        second.answer_with_captcha(3)  # the request and its two retries: archive.today's wall
        first = night(web, reactor_thread, tmp_path, NIGHT_1)
    else:
        wall = SimMemento(SECOND, rate_limit=0.0001, burst=1.0)  # the TimeMap, then bare 429s
        wall.add_capture(dead, "20240320120000", title="Behind a wall")
        web.mementos[SECOND] = wall
        try:
            first = night(web, reactor_thread, tmp_path, NIGHT_1)
        finally:
            web.mementos[SECOND] = second
    assert first.pending == 1 and links(tmp_path)[dead]["capture_status"] == "pending"
    assert first.view.run_counts[f"memento_{SECOND}_429s"] >= 1
    assert asked(web, THIRD) == [f"/timemap/link/{dead}"]  # the next archive is still asked; it has none
    assert stored_answers(tmp_path) == [("wayback", None)]  # the Wayback Machine's "none" alone
    web.log.clear()
    wayback.asked.clear()
    night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert wayback.asked == []  # its "none" is trusted; only the further archives are asked again
    assert links(tmp_path)[dead]["archive"]["url"] == web.url(SECOND, f"/web/20240320120000/{dead}")


def test_the_archives_are_asked_in_the_configured_order(web, wayback, second, third, reactor_thread, tmp_path):
    dead = web.url("news.test", "/s/not-found/in-both")
    second.add_capture(dead, "20240320120000", title="In both")
    third.add_capture(dead, "20240321120000", title="In both")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    third_first = list(reversed(web.crawl_overrides()["further_archives"]))
    night(web, reactor_thread, tmp_path, NIGHT_1, further_archives=third_first)
    assert links(tmp_path)[dead]["archive"]["url"] == web.url(THIRD, f"/web/20240321120000/{dead}")
    assert asked(web, SECOND) == []


def test_a_wayback_capture_asks_no_further_archive(web, wayback, second, third, reactor_thread, tmp_path):
    dead = web.url("news.test", "/s/not-found/in-wayback")
    wayback.add_capture(dead, "20240320000000", title="Here")
    second.add_capture(dead, "20240320120000", title="Here too")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    outcome = night(web, reactor_thread, tmp_path, NIGHT_1)
    assert links(tmp_path)[dead]["archive"]["url"].startswith(web.archive_endpoint)
    assert (asked(web, SECOND), asked(web, THIRD)) == ([], [])
    assert "memento_lookups" not in outcome.view.run_counts


@pytest.mark.parametrize("off", [{"archive": False}, {"further_archives": []}])
def test_no_archive_or_an_empty_list_asks_nothing_of_the_further_archives(
    web, wayback, second, reactor_thread, tmp_path, off
):
    dead = web.url("news.test", "/s/not-found/not-asked")
    second.add_capture(dead, "20240320120000", title="Unasked")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    outcome = night(web, reactor_thread, tmp_path, NIGHT_1, **off)
    assert (asked(web, SECOND), asked(web, THIRD)) == ([], [])
    expected = "pending" if "archive" in off else "none"  # off: nothing asked; an empty list: Wayback's word
    assert links(tmp_path)[dead]["capture_status"] == expected
    assert (wayback.asked == []) is ("archive" in off)
    assert "memento_lookups" not in outcome.view.run_counts


def test_the_budget_bounds_the_further_archives_too(web, wayback, second, reactor_thread, tmp_path):
    dead = [web.url("news.test", f"/s/not-found/budget-{n}") for n in range(12)]
    write_issue(tmp_path, "2024-03-27-a.md", *dead)
    slow = [entry.replace("rate=6000", "rate=120") for entry in web.crawl_overrides()["further_archives"]]
    first = night(web, reactor_thread, tmp_path, NIGHT_1, further_archives=slow, archive_budget=0.03)  # 1.8 s
    assert first.stopped == "budget" and 0 < first.pending < 12 and first.minutes_left > 0
    statuses = [link["capture_status"] for link in links(tmp_path).values()]
    assert statuses.count("pending") == first.pending and statuses.count("none") == 12 - first.pending
    assert len(asked(web, SECOND)) < 12
    web.log.clear()
    second_night = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert second_night.pending == 0 and len(asked(web, SECOND)) == first.pending  # only what was left

"""Content drift through real crawls on the simulated web and archive: the "then" of a live link
(rotwatch's first check, or the capture before an old issue), takeovers, the diff and the archival copy."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings
from crawler.models import DriftKind, LinkReport, Snapshot
from crawler.nightly.crawl import CrawlOutcome
from crawler.simweb import HostSpec
from crawler.simweb.pages import TAKEOVER_TITLE, render
from crawler.wayback.protocol import playback_url
from tests.nightly.nights import crawl_folder
from tests.nightly.test_stopping import rows, start_and_wait
from tests.wayback.scripted_archive import ScriptedArchive

NIGHT_1 = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
HOSTS = [HostSpec("news.test", 0.01), HostSpec("shop.test", 0.01)]  # served by the `web` fixture in conftest.py
ORIGINAL_TEXT = (
    "<h1>Launch notes</h1><p>Our open source editor ships its first stable release today, with plugins, themes,"
    " a command palette and collaborative editing. Thanks to every contributor who tested the betas.</p>"
)


@pytest.fixture(scope="module")
def wayback() -> ScriptedArchive:
    return ScriptedArchive()


@pytest.fixture(autouse=True)
def fresh(web, wayback):
    web.log.wait_idle()
    wayback.reset()
    yield
    web.take_over("shop.test", False)


def write_issue(folder: Path, name: str, *urls: str) -> None:
    (folder / "issues").mkdir(parents=True, exist_ok=True)
    text = f"# {name}\n\n" + "".join(f"* [link {n}]({url})\n" for n, url in enumerate(urls))
    (folder / "issues" / name).write_text(text, encoding="utf-8")


def night(web, reactor_thread, folder: Path, when: datetime, **values) -> CrawlOutcome:
    """One full crawl of `folder` at `when`; `values` are configuration keys."""
    config = load_config(
        {**web.crawl_overrides(), "archive_playback_rate": 60000, "retries": 0, "timeout": 5, **values}, cwd=folder
    )
    settings = base_settings(scrapy_overrides(config))
    return crawl_folder(web, reactor_thread, folder, when, config, settings, full=True)


def report_of(outcome: CrawlOutcome, url: str) -> LinkReport:
    return next(report for report in outcome.view.reports if report.url == url)


def copy_of(folder: Path, name: str) -> str:
    return (folder / "reports" / "archive" / name).read_text(encoding="utf-8")


def baselines(folder: Path) -> dict[str, tuple]:
    with sqlite3.connect(folder / "reports" / "state.sqlite") as db:
        found = db.execute("SELECT url, source, capture, taken_on, fingerprint IS NOT NULL FROM baselines")
        return {url: tuple(rest) for url, *rest in found}


def test_a_takeover_after_the_first_check_is_drift_with_then_and_now_and_newly_drifted_once(
    web, wayback, reactor_thread, tmp_path
):
    story = web.url("shop.test", "/2024/06/story")
    write_issue(tmp_path, "2024-06-20-june.md", story)  # eleven days before the first check: it proves the page
    first = night(web, reactor_thread, tmp_path, NIGHT_1)
    assert report_of(first, story).drift is None and first.view.diff.newly_drifted == ()
    assert baselines(tmp_path)[story] == ("first-check", None, "2024-07-01", 1)
    assert wayback.of("batch") == []  # a first check this close to the issue needs no capture

    web.take_over("shop.test")
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=4))
    drift = report_of(second, story).drift
    assert drift is not None and drift.kind is DriftKind.TAKEOVER
    assert (drift.then_title, drift.now_title) == ("Page /2024/06/story on shop.test", TAKEOVER_TITLE)
    assert (drift.capture, drift.then_on) == (None, "2024-07-01")
    assert report_of(second, story).assessment.verdict.value == "ok"  # it works: drift is its own flag
    assert second.view.diff.newly_drifted == (story,)
    assert "/web/" not in copy_of(tmp_path, "2024-06-20-june.md")  # no capture to point at: reported only

    third = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=8))
    assert report_of(third, story).drift is not None and third.view.diff.newly_drifted == ()  # news once

    web.take_over("shop.test", False)
    fourth = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=12))
    assert report_of(fourth, story).drift is None  # the page came back: no longer drifted
    with sqlite3.connect(tmp_path / "reports" / "state.sqlite") as db:
        assert db.execute("SELECT drifted_since FROM links WHERE url = ?", (story,)).fetchone() == (None,)


def test_an_old_issue_is_compared_with_the_capture_before_it_and_its_copy_points_there(
    web, wayback, reactor_thread, tmp_path
):
    launch = web.url("taken-over.test", "/blog/launch")
    wayback.add_capture(launch, "20230420101500", body=render("Launch notes | Example Editor", ORIGINAL_TEXT))
    wayback.add_capture(launch, "20240101000000", body=render(TAKEOVER_TITLE))  # after the issue: not "then"
    write_issue(tmp_path, "2023-05-01-may.md", launch)
    first = night(web, reactor_thread, tmp_path, NIGHT_1)
    drift = report_of(first, launch).drift
    capture = playback_url(web.archive_endpoint, Snapshot(launch, "20230420101500"))
    assert drift is not None and drift.kind is DriftKind.TAKEOVER
    assert (drift.then_title, drift.now_title, drift.capture, drift.then_on) == (
        "Launch notes | Example Editor",
        TAKEOVER_TITLE,
        capture,
        "2023-04-20",
    )
    assert first.view.diff.newly_drifted == (launch,)
    assert f"[link 0]({capture})" in copy_of(tmp_path, "2023-05-01-may.md")  # mended like a dead link
    assert first.view.run_counts["drift_baselines"] == 1
    assert first.view.run_counts["archive_playback_requests"] == 1
    lines = [line for asked in wayback.of("batch") for line in asked.lines]
    assert len(lines) == 1 and "closest=before" in lines[0]

    wayback.asked.clear()
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=4), drift_rewrite="off")
    assert wayback.asked == []  # the capture baseline is kept for good: one lookup per link
    assert report_of(second, launch).drift == drift and second.view.diff.newly_drifted == ()
    assert f"[link 0]({launch})" in copy_of(tmp_path, "2023-05-01-may.md")  # drift_rewrite = off: reported only


def test_a_title_tweak_is_no_drift_and_a_link_without_a_capture_before_its_issue_is_not_asked_again(
    web, wayback, reactor_thread, tmp_path
):
    article = web.url("news.test", "/s/head-405")  # "An article that is still here"
    unknown = web.url("news.test", "/2023/never-captured")
    wayback.add_capture(article, "20230301000000", title="An article that is still here | News Test")
    wayback.add_capture(unknown, "20240301000000")  # only after the issue
    write_issue(tmp_path, "2023-03-15-march.md", article, unknown)
    first = night(web, reactor_thread, tmp_path, NIGHT_1)
    assert report_of(first, article).drift is None and report_of(first, unknown).drift is None
    kept = baselines(tmp_path)
    assert kept[article][:2] == ("capture", playback_url(web.archive_endpoint, Snapshot(article, "20230301000000")))
    assert kept[unknown] == ("capture", None, "", 0)  # nothing usable before the issue
    assert wayback.of("cdx") == []  # "nothing before" is not confirmed in the index: cheap, and kept
    wayback.asked.clear()
    night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=200))
    assert wayback.asked == []


def test_baselines_wait_for_the_next_night_when_the_dead_links_spent_the_archive_budget(
    web, wayback, reactor_thread, tmp_path
):
    dead = web.url("news.test", "/s/not-found/budget")
    launch = web.url("taken-over.test", "/blog/budget")
    wayback.add_capture(launch, "20230420101500", body=render("Launch notes | Example Editor", ORIGINAL_TEXT))
    write_issue(tmp_path, "2023-05-01-may.md", dead, launch)
    # The dead link's "before" batch finds nothing; its "after" batch waits 10 s for the query pool,
    # past the budget of 1.2 s: the dead links spend it all and no baseline is asked.
    first = night(web, reactor_thread, tmp_path, NIGHT_1, archive_rate=6, archive_budget=0.02)
    assert first.stopped == "budget"
    assert launch not in wayback.batch_lines() and dead in wayback.batch_lines()
    assert baselines(tmp_path)[launch][0] == "first-check" and report_of(first, launch).drift is None
    assert "drift_baselines" not in first.view.run_counts
    assert first.view.run_counts["drift_baselines_pending"] == 1  # the reports say it was not compared yet
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert report_of(second, launch).drift is not None  # asked the next night
    assert "drift_baselines_pending" not in second.view.run_counts


def test_a_crawl_killed_during_baseline_lookups_is_resumed_asking_only_the_rest(tmp_path, web, wayback):
    from tests.cli_helpers import archive_flags, loopback_flags, rotwatch

    links = [web.url("taken-over.test", f"/blog/{n}") for n in range(40)]
    for url in links:
        wayback.add_capture(url, "20230420101500", body=render("Launch notes | Example Editor", ORIGINAL_TEXT))
    write_issue(tmp_path, "2023-05-01-may.md", *links)
    database = tmp_path / "reports" / "state.sqlite"

    def kept(db: Path) -> set[str]:
        return {url for (url,) in rows(db, "SELECT url FROM baselines WHERE source = 'capture'")}

    flags = [*loopback_flags(web), *archive_flags(web)]
    process = start_and_wait(
        tmp_path,
        [*flags, "--archive-playback-rate", "240"],  # 4 verifications a second: 10 s of lookups
        lambda db: len(kept(db)) >= 10,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.kill()
    process.wait()
    stored = kept(database)
    assert 10 <= len(stored) < len(links)
    wayback.asked.clear()
    rerun = rotwatch("crawl", *flags, "--archive-playback-rate", "60000", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(wayback.batch_lines()) == sorted(set(links) - stored)  # nothing asked twice
    assert kept(database) == set(links)

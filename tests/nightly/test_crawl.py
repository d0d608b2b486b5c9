"""The nightly crawl through real Scrapy crawls, with simulated days (an injected clock)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config, scrapy_overrides
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec, SimWayback, SimWeb
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch, rotwatch_command
from tests.nightly.nights import crawl_folder

NIGHT_1 = datetime(2024, 4, 1, 2, 0, tzinfo=UTC)
# Served to this module by the `web` fixture in conftest.py.
HOSTS = [HostSpec("news.test", 0.01), HostSpec("blog.test", 0.01), HostSpec("flaky.test", 0.01)]


@pytest.fixture
def archive_folder(tmp_path, web, wayback):
    issues = tmp_path / "issues"
    issues.mkdir()
    (issues / "2024-03-27-weekly.md").write_bytes(
        (
            "\ufeff# 周刊\r\n\r\n"
            f"* 好 [链接]({web.scenario_url('ok-utf8', 'news.test')})\r\n"
            f'* 坏 [链接]({web.scenario_url("not-found", "news.test")} "标题")\r\n'
            f"![图]({web.url('blog.test', '/img/gone.png')})\r\n"
            f"见 <{web.scenario_url('gone', 'blog.test')}>\r\n"
            "```\nhttp://news.test/in-code\n```\r\n"
        ).encode()
    )
    (issues / "2024-04-03-weekly.md").write_text(f"* {web.url('flaky.test', '/story')}\n", encoding="utf-8")
    wayback.add_capture(web.scenario_url("not-found", "news.test"), "20240320000000", title="Was here")
    wayback.add_capture(web.scenario_url("gone", "blog.test"), "20240301000000", title="Gone now")
    return tmp_path


def night(web, reactor_thread, folder, when, *, full=False):
    """One crawl of `folder` at `when`."""
    config = load_config({**web.crawl_overrides(), "archive_rate": 6000, "retries": 0, "timeout": 5}, cwd=folder)
    overrides = {**scrapy_overrides(config), "ROTWATCH_ALLOWED_PRIVATE": (ipaddress.ip_network("127.0.0.0/8"),)}
    from crawler.fetch.runner import base_settings

    return crawl_folder(web, reactor_thread, folder, when, config, base_settings(overrides), full=full)


def verdicts(outcome):
    return {report.url.rsplit("/", 1)[1]: report.assessment.verdict.value for report in outcome.view.reports}


def test_first_night_checks_everything_and_mends_dead_links(web, reactor_thread, archive_folder):
    outcome = night(web, reactor_thread, archive_folder, NIGHT_1)
    assert verdicts(outcome) == {
        "ok-utf8": "ok",
        "not-found": "broken",
        "gone.png": "ok",
        "gone": "broken",
        "story": "ok",
    }
    assert set(outcome.view.diff.newly_dead) == {
        web.scenario_url("not-found", "news.test"),
        web.scenario_url("gone", "blog.test"),
    }
    names = {path.name for path in (archive_folder / "reports").iterdir()}
    assert {"index.html", "dead-links.md", "dead-links.csv", "links.csv", "report.json", "archive"} <= names
    report = json.loads((archive_folder / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["broken"] == 2


def test_the_view_keeps_the_histories_of_failing_links_only_and_reports_read_the_rest_as_healthy(
    web, reactor_thread, archive_folder
):
    outcome = night(web, reactor_thread, archive_folder, NIGHT_1)
    dead = {web.scenario_url("not-found", "news.test"), web.scenario_url("gone", "blog.test")}
    assert set(outcome.view.histories) == dead
    report = json.loads((archive_folder / "reports" / "report.json").read_text(encoding="utf-8"))
    healthy = [link for link in report["links"] if link["url"] not in dead]
    assert len(healthy) == 3
    assert all(not link["dead"] and link["failing_since"] is None and link["dead_since"] is None for link in healthy)
    assert all(
        link["dead"] and link["failing_since"] == NIGHT_1.isoformat() for link in report["links"] if link["url"] in dead
    )


def test_a_failed_checks_detail_reaches_report_json_though_the_crawl_keeps_no_results(
    web, reactor_thread, archive_folder
):
    """Results are read back from the state, which keeps an error's kind, not its detail: the crawl keeps those."""
    (archive_folder / "issues" / "2024-04-03-weekly.md").write_text(
        f"* {web.url('flaky.test', '/story')}\n* http://gone.invalid/page\n", encoding="utf-8"
    )
    night(web, reactor_thread, archive_folder, NIGHT_1)
    report = json.loads((archive_folder / "reports" / "report.json").read_text(encoding="utf-8"))
    (gone,) = [link for link in report["links"] if link["url"] == "http://gone.invalid/page"]
    assert gone["verdict"] == "broken"
    assert gone["error"] and gone["error"] != "nxdomain"  # the spider's words, not the kind the state keeps


def test_archival_copy_changes_only_the_dead_urls(web, reactor_thread, archive_folder):
    original = archive_folder / "issues" / "2024-03-27-weekly.md"
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    night(web, reactor_thread, archive_folder, NIGHT_1)
    copy = (archive_folder / "reports" / "archive" / "2024-03-27-weekly.md").read_bytes()
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before  # the source is untouched
    dead_page = web.scenario_url("not-found", "news.test")
    dead_auto = web.scenario_url("gone", "blog.test")
    expected = (
        original.read_bytes()
        .replace(dead_page.encode(), f"{web.archive_endpoint}/web/20240320000000/{dead_page}".encode())
        .replace(dead_auto.encode(), f"{web.archive_endpoint}/web/20240301000000/{dead_auto}".encode())
    )
    assert copy == expected  # BOM, CRLF, the title, the code block and live links stay byte for byte


def test_next_night_rechecks_only_failing_and_new_links_and_asks_the_archive_nothing(
    web, wayback, reactor_thread, archive_folder
):
    night(web, reactor_thread, archive_folder, NIGHT_1)
    web.log.clear()
    (archive_folder / "issues" / "2024-04-10-weekly.md").write_text(
        f"* new [x]({web.url('news.test', '/brand-new')})\n", encoding="utf-8"
    )
    outcome = night(web, reactor_thread, archive_folder, NIGHT_1 + timedelta(days=1))
    requested = {(record.host, record.path) for record in web.log.records()}
    assert requested == {("news.test", "/brand-new")}  # ok links within TTL and dead links: not asked
    assert web.log.records(host="archive.test") == []  # captures come from the state
    assert outcome.checked == 1
    assert verdicts(outcome)["not-found"] == "broken"  # still reported, from the state


def test_a_site_down_for_one_night_is_not_dead_but_a_week_of_nights_is(web, reactor_thread, archive_folder):
    flaky = web.url("flaky.test", "/story")
    night(web, reactor_thread, archive_folder, NIGHT_1)
    web.set_outage("flaky.test")
    try:
        for day in (1, 2):  # unreachable twice in two days: one bad spell never rewrites an issue
            outcome = night(web, reactor_thread, archive_folder, NIGHT_1 + timedelta(days=day), full=True)
            assert flaky not in outcome.view.diff.newly_dead
            assert verdicts(outcome)["story"] == "unreachable"
        outcome = night(web, reactor_thread, archive_folder, NIGHT_1 + timedelta(days=9), full=True)
        assert flaky in outcome.view.diff.newly_dead  # the third failure, spanning 8 days
    finally:
        web.set_outage("flaky.test", down=False)
    outcome = night(web, reactor_thread, archive_folder, NIGHT_1 + timedelta(days=10), full=True)
    assert flaky in outcome.view.diff.fixed


def test_report_rebuilds_from_state_without_network(web, reactor_thread, archive_folder):
    night(web, reactor_thread, archive_folder, NIGHT_1)
    (archive_folder / "reports" / "index.html").unlink()
    web.log.clear()
    run = rotwatch("report", cwd=archive_folder)
    assert run.returncode == 0, run.stderr
    assert (archive_folder / "reports" / "index.html").is_file()
    assert web.log.records() == []


def test_history_tells_a_links_story(web, reactor_thread, archive_folder):
    night(web, reactor_thread, archive_folder, NIGHT_1)
    run = rotwatch("history", web.scenario_url("not-found", "news.test"), cwd=archive_folder)
    assert run.returncode == 0
    assert "404 Not Found" in run.stdout and "archive capture 20240320000000" in run.stdout


def test_a_second_crawl_on_the_same_state_is_refused(archive_folder):
    with StateStore.open(archive_folder / "reports" / "state.sqlite"):
        run = rotwatch(
            "crawl", "--canary-host", "canary.test", "--resolve", "canary.test=127.0.0.1", cwd=archive_folder
        )
    assert run.returncode == 2
    assert "another rotwatch crawl is using" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_killed_crawl_leaves_a_consistent_state_and_the_next_one_completes(tmp_path):
    slow = [HostSpec(f"slow{n}.test", latency=0.4) for n in range(4)]
    with SimWeb(hosts=slow, archive=SimWayback()) as web:
        (tmp_path / "issues").mkdir()
        links = [f"* [{n}]({web.url(f'slow{n % 4}.test', f'/page/{n}')})" for n in range(240)]
        (tmp_path / "issues" / "2024-01-01-big.md").write_text("\n".join(links) + "\n", encoding="utf-8")
        flags = [*loopback_flags(web), *archive_flags(web), "--no-archive", "--per-host", "2"]
        process = subprocess.Popen(
            rotwatch_command("crawl", *flags), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        database = tmp_path / "reports" / "state.sqlite"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _checked(database) < 60:
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait()
        checked_before = _checked(database)
        assert 50 <= checked_before < 240  # killed mid-run, after some batches were stored
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rerun = rotwatch("crawl", *flags, cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        assert f"checked {240 - checked_before} links" in rerun.stdout  # only what the killed run missed
    assert _checked(database) == 240


def _checked(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute("SELECT count(*) FROM links WHERE last_checked IS NOT NULL").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_demo_runs_and_shows_newly_dead_and_fixed_links(tmp_path):
    run = rotwatch("demo", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "1 newly dead, 1 fixed" in run.stdout
    index = Path(run.stdout.strip().splitlines()[-1].removeprefix("report: "))
    html = index.read_text(encoding="utf-8")
    assert "vanishing.test" in html and "comeback.test" in html


def test_a_night_without_dns_records_nothing(tmp_path):
    (tmp_path / "issues").mkdir()
    links = "\n".join(f"* [x](https://site{n}.invalid/a)" for n in range(5))
    (tmp_path / "issues" / "2024-01-01-a.md").write_text(links + "\n", encoding="utf-8")
    run = rotwatch("crawl", "--no-archive", "--canary-host", "offline.invalid", cwd=tmp_path)
    assert run.returncode == 3
    assert "offline" in run.stderr and "Traceback" not in run.stderr
    assert _checked(tmp_path / "reports" / "state.sqlite") == 0
    assert not (tmp_path / "reports" / "index.html").exists()

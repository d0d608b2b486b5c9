"""A crawl stopped mid-run, as a real process: SIGKILL keeps what was stored, SIGINT/SIGTERM still report.

The crawl runs as `rotwatch crawl` in its own process against the simulated
web and archive served from this one; it is stopped once the state shows
it is well into its lookups (or its checks).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from crawler.simweb import HostSpec, SimWayback, SimWeb
from tests.cli_helpers import archive_flags, loopback_flags, rotwatch, rotwatch_command
from tests.wayback.scripted_archive import ScriptedArchive

HOSTS = [HostSpec("news.test", 0.01)]  # served by the `web` fixture in conftest.py
DEAD = 40


@pytest.fixture(scope="module")
def wayback() -> ScriptedArchive:
    return ScriptedArchive()


@pytest.fixture
def dead_links(tmp_path, web, wayback) -> list[str]:
    web.log.wait_idle()
    wayback.reset()
    urls = [web.url("news.test", f"/s/not-found/{n}") for n in range(DEAD)]
    for url in urls:
        wayback.add_capture(url, "20240320000000", title="As it was")
    (tmp_path / "issues").mkdir()
    links = "".join(f"* [{n}]({url})\n" for n, url in enumerate(urls))
    (tmp_path / "issues" / "2024-03-27-dead.md").write_text(links, encoding="utf-8")
    return urls


def flags(web: SimWeb, playback_rate: int) -> list[str]:
    return [*loopback_flags(web), *archive_flags(web), "--archive-playback-rate", str(playback_rate)]


def rows(database: Path, sql: str) -> list[tuple]:
    if not database.exists():
        return []
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return db.execute(sql).fetchall()
    except sqlite3.Error:  # not created yet, or being migrated
        return []


def answered(database: Path) -> set[str]:
    return {url for (url,) in rows(database, "SELECT url FROM archive_answers")}


def start_and_wait(tmp_path: Path, arguments: list[str], ready, **popen) -> subprocess.Popen:
    """Starts `rotwatch crawl ARGUMENTS` in `tmp_path`; returns once `ready(database)` holds."""
    process = subprocess.Popen(rotwatch_command("crawl", *arguments), cwd=tmp_path, **popen)
    database = tmp_path / "reports" / "state.sqlite"
    deadline = time.monotonic() + 60
    while not ready(database):
        assert process.poll() is None, "the crawl ended before it could be stopped"
        assert time.monotonic() < deadline, "the crawl never got that far"
        time.sleep(0.1)
    return process


def test_a_crawl_killed_during_lookups_is_resumed_asking_only_what_was_not_answered(tmp_path, web, wayback, dead_links):
    process = start_and_wait(
        tmp_path,
        flags(web, playback_rate=240),  # 4 verifications a second: 10 s of lookups
        lambda database: len(answered(database)) >= 10,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = answered(tmp_path / "reports" / "state.sqlite")
    assert 10 <= len(stored) < DEAD
    wayback.asked.clear()
    rerun = rotwatch("crawl", *flags(web, playback_rate=60000), cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert sorted(wayback.batch_lines()) == sorted(set(dead_links) - stored)  # nothing asked twice
    assert len(wayback.of("playback")) <= DEAD - len(stored)
    assert answered(tmp_path / "reports" / "state.sqlite") == set(dead_links)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_crawl_stopped_during_lookups_writes_every_report_with_captures_pending(tmp_path, web, dead_links, stop):
    process = start_and_wait(
        tmp_path,
        flags(web, playback_rate=240),
        lambda database: len(answered(database)) >= 10,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.send_signal(stop)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "stopping: storing what is known" in err and "Traceback" not in err
    stored = answered(tmp_path / "reports" / "state.sqlite")
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    statuses = [link["capture_status"] for link in report["links"]]
    assert statuses.count("found") == len(stored) and statuses.count("pending") == DEAD - len(stored) > 0
    assert f"captures pending: {DEAD - len(stored)}" in out and "the crawl was stopped" in out
    markdown = (tmp_path / "reports" / "dead-links.md").read_text(encoding="utf-8")
    assert markdown.count("| capture pending |") == DEAD - len(stored)
    for name in ("index.html", "dead-links.csv", "links.csv"):
        assert (tmp_path / "reports" / name).is_file()
    assert (tmp_path / "reports" / "archive" / "2024-03-27-dead.md").is_file()
    unfinished = rows(tmp_path / "reports" / "state.sqlite", "SELECT id FROM runs WHERE finished_at IS NULL")
    assert len(unfinished) == 1  # a stopped run has no end: the next finished one reports its news


def test_a_crawl_stopped_during_its_checks_stores_every_result_and_still_reports(tmp_path):
    slow = [HostSpec(f"slow{n}.test", latency=0.4) for n in range(4)]
    with SimWeb(hosts=slow, archive=SimWayback()) as web:
        (tmp_path / "issues").mkdir()
        links = [f"* [{n}]({web.url(f'slow{n % 4}.test', f'/page/{n}')})" for n in range(240)]
        (tmp_path / "issues" / "2024-01-01-big.md").write_text("\n".join(links) + "\n", encoding="utf-8")
        arguments = [*loopback_flags(web), *archive_flags(web), "--per-host", "2"]
        checked = "SELECT count(*) FROM links WHERE last_checked IS NOT NULL"
        database = tmp_path / "reports" / "state.sqlite"
        process = start_and_wait(
            tmp_path,
            arguments,
            lambda db: (rows(db, checked) or [(0,)])[0][0] >= 50,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert time.monotonic() - started < 10  # at the next results, not at the end of the crawl
    assert process.returncode == 130, err
    (stored,) = rows(database, checked)[0]
    assert 50 <= stored < 240
    assert f"checked {stored} links" in out  # every result received was stored, the last batch too
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert len(report["links"]) == 240

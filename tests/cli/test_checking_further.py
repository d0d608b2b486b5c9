"""`rotwatch check --suggest` and the further archives: a real process, the simulated web, its Wayback
Machine and two simulated Memento archives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.simweb import SimWayback, SimWeb
from crawler.simweb.memento import SimMemento
from tests.cli_helpers import loopback_flags, rotwatch
from tests.further_archives import SECOND, THIRD, start_afresh, web_with_archives

ISSUE = "2024-03-27-weekly.md"


@pytest.fixture(scope="module")
def wayback() -> SimWayback:
    return SimWayback()


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


def suggest(web: SimWeb, folder: Path, *dead: str, extra: tuple[str, ...] = ()) -> dict[str, dict]:
    """`rotwatch check --suggest --format json` over one issue citing `dead`; the links by URL."""
    (folder / "issues").mkdir(parents=True, exist_ok=True)
    text = "# Weekly\n\n" + "".join(f"* [link]({url})\n" for url in dead)
    (folder / "issues" / ISSUE).write_text(text, encoding="utf-8")
    archive = ["--archive-endpoint", web.archive_endpoint, "--archive-rate", "6000"]
    flags = [*loopback_flags(web), *archive, "--timeout", "3", "--retries", "0", *extra]
    run = rotwatch("check", "issues", "--format", "json", "--suggest", *flags, cwd=folder)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    web.log.wait_idle()
    return {link["url"]: link for link in json.loads(run.stdout)["links"]}


def test_suggest_finds_in_the_second_archive_what_the_wayback_machine_lacks(web, second, third, tmp_path):
    dead, nowhere = web.url("news.test", "/s/not-found/elsewhere"), web.url("news.test", "/s/not-found/nowhere")
    third.add_capture(dead, "20240320101010", title="The article as it was")
    found = suggest(web, tmp_path, dead, nowhere)
    assert found[dead]["archive"] == {
        "url": web.url(THIRD, f"/web/20240320101010/{dead}"),
        "timestamp": "20240320101010",
        "archive": THIRD,
    }
    assert found[nowhere]["archive"] is None
    assert sorted(r.path for r in web.log.records(SECOND)) == sorted(f"/timemap/link/{u}" for u in (dead, nowhere))


def test_suggest_with_a_refusing_archive_leaves_the_capture_pending(web, second, tmp_path):
    dead = web.url("news.test", "/s/not-found/walled")
    second.add_capture(dead, "20240320101010", title="Behind a wall")
    second.answer_with_captcha(1)  # archive.today's way: a 429 with a CAPTCHA page, not retried
    walled = second.config_entry(web.url(SECOND, ""), retries=0)
    found = suggest(web, tmp_path, dead, extra=("--further-archives", walled))
    assert found[dead]["archive"] is None
    assert [r.path for r in web.log.records(SECOND)] == [f"/timemap/link/{dead}"]
    assert second.count("timemap", 429) == 1


def test_suggest_with_no_further_archive_asks_none(web, second, third, tmp_path):
    dead = web.url("news.test", "/s/not-found/unasked")
    second.add_capture(dead, "20240320101010", title="Unasked")
    found = suggest(web, tmp_path, dead, extra=("--further-archives", ""))
    assert found[dead]["archive"] is None
    assert web.log.records(SECOND) == [] and web.log.records(THIRD) == []

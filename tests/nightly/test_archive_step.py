"""The crawl's archive step through real crawls: a capture per date, answers kept, failures not, Save Page Now."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings
from crawler.nightly.crawl import CrawlOutcome
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec
from tests.nightly.nights import crawl_folder
from tests.wayback.scripted_archive import ScriptedArchive

NIGHT_1 = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
HOSTS = [HostSpec("news.test", 0.01)]  # served by the `web` fixture in conftest.py
QUICK_RETRIES = {"ROTWATCH_RETRY_BACKOFF": 0.01, "ROTWATCH_BACKOFF_CAP": 0.02, "ROTWATCH_ARCHIVE_429_PAUSE": 0.05}


@pytest.fixture(scope="module")
def wayback() -> ScriptedArchive:
    return ScriptedArchive()


@pytest.fixture(autouse=True)
def fresh_archive(web, wayback):
    web.log.wait_idle()
    wayback.reset()
    yield


def write_issue(folder: Path, name: str, *urls: str) -> None:
    (folder / "issues").mkdir(parents=True, exist_ok=True)
    text = f"# {name}\n\n" + "".join(f"* [link {n}]({url})\n" for n, url in enumerate(urls))
    (folder / "issues" / name).write_text(text, encoding="utf-8")


def night(web, reactor_thread, folder, when, *, save_live=False, full=False, settings=None, **values) -> CrawlOutcome:
    """One crawl of `folder` at `when`; `values` are configuration keys, `settings` Scrapy overrides."""
    config = load_config(
        {**web.crawl_overrides(), "archive_playback_rate": 60000, "retries": 0, "timeout": 5, **values}, cwd=folder
    )
    scrapy = base_settings({**scrapy_overrides(config), **(settings or {})})
    return crawl_folder(web, reactor_thread, folder, when, config, scrapy, full=full, save_live=save_live)


def report_json(folder: Path) -> dict:
    return json.loads((folder / "reports" / "report.json").read_text(encoding="utf-8"))


def capture_statuses(folder: Path) -> dict[str, str | None]:
    return {link["url"]: link["capture_status"] for link in report_json(folder)["links"]}


def test_a_url_cited_in_issues_of_three_dates_gets_three_captures_in_three_copies(
    web, wayback, reactor_thread, tmp_path
):
    dead = web.url("news.test", "/s/not-found/cited-thrice")
    for timestamp in ("20240101000000", "20240301000000", "20240601000000", "20240901000000"):
        wayback.add_capture(dead, timestamp, title="The story")
    issues = {
        "2024-02-01-a.md": "20240101000000",
        "2024-06-30-b.md": "20240601000000",
        "2024-03-15-c.md": "20240301000000",
    }
    for name in issues:
        write_issue(tmp_path, name, dead)
    outcome = night(web, reactor_thread, tmp_path, NIGHT_1)
    for name, timestamp in issues.items():
        copy = (tmp_path / "reports" / "archive" / name).read_text(encoding="utf-8")
        assert f"({web.archive_endpoint}/web/{timestamp}/{dead})" in copy, name
    assert len(wayback.of("batch")) == 1 and len(wayback.of("playback")) == 3 and wayback.of("cdx") == []
    (link,) = report_json(tmp_path)["links"]
    assert link["archive"]["timestamp"] == "20240601000000"  # the link as a whole: its latest issue's
    markdown = (tmp_path / "reports" / "dead-links.md").read_text(encoding="utf-8")
    assert {"[2024-01-01]", "[2024-03-01]", "[2024-06-01]"} <= {
        part[: len("[2024-01-01]")] for part in markdown.split("| ")
    }
    assert outcome.looked_up == 3 and outcome.pending == 0


@pytest.mark.parametrize("failure", ["503", "429", "timeout"])
def test_an_archive_that_did_not_answer_is_asked_again_next_night(web, wayback, reactor_thread, tmp_path, failure):
    dead = web.url("news.test", f"/s/not-found/{failure}")
    wayback.add_capture(dead, "20240320000000", title="Was here")
    write_issue(tmp_path, "2024-03-27-a.md", dead)
    if failure == "timeout":
        wayback.answer("batch", 200, times=None, delay=3)  # no answer within the timeout, then the index fails
        wayback.answer("cdx", 503, times=None)
    else:
        for kind in ("batch", "cdx"):
            wayback.answer(kind, int(failure), times=None)
    timeout = {"timeout": 1} if failure == "timeout" else {}
    first = night(web, reactor_thread, tmp_path, NIGHT_1, settings=QUICK_RETRIES, **timeout)
    assert first.pending == 1 and capture_statuses(tmp_path) == {dead: "pending"}
    assert "capture pending" in (tmp_path / "reports" / "dead-links.md").read_text(encoding="utf-8")
    with StateStore.open(tmp_path / "reports" / "state.sqlite") as store:
        assert store.archive.cached_for(dead) == []  # a failure is not "no capture"
    wayback.reset()
    wayback.add_capture(dead, "20240320000000", title="Was here")
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert second.looked_up == 1 and second.pending == 0
    assert capture_statuses(tmp_path) == {dead: "found"}


def test_the_budget_leaves_captures_pending_and_the_next_night_asks_only_those(web, wayback, reactor_thread, tmp_path):
    dead = [web.url("news.test", f"/s/not-found/budget-{n}") for n in range(30)]
    for url in dead:
        wayback.add_capture(url, "20240320000000", title="Budget")
    write_issue(tmp_path, "2024-03-27-a.md", *dead)
    first = night(web, reactor_thread, tmp_path, NIGHT_1, archive_budget=0.02, archive_playback_rate=600)  # 1.2 s
    assert first.stopped == "budget" and 0 < first.pending < 30 and first.minutes_left > 0
    assert first.view.run_counts["captures_pending"] == first.pending
    assert list(capture_statuses(tmp_path).values()).count("pending") == first.pending
    answered = {url for url, status in capture_statuses(tmp_path).items() if status == "found"}
    wayback.asked.clear()
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=1))
    assert set(wayback.batch_lines()) == set(dead) - answered  # nothing asked twice
    assert second.pending == 0 and set(capture_statuses(tmp_path).values()) == {"found"}


@pytest.fixture
def save_page_now() -> Iterator[tuple[str, list[str]]]:
    """A loopback stand-in for Save Page Now: answers /save/URL as SPN does (a Link header to the new memento)."""
    saved: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = self.path.removeprefix("/save/")
            saved.append(url)
            memento = f"https://web.archive.org/web/20240701020000/{url}"
            date = 'datetime="Mon, 01 Jul 2024 02:00:00 GMT"'
            self.send_response(200)
            self.send_header(
                "Link",
                f'<{url}>; rel="original", <{memento}>; rel="memento"; {date}, <{memento}>; rel="last memento"; {date}',
            )
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", saved
    server.shutdown()
    server.server_close()


def test_save_live_saves_only_links_without_a_recent_capture_and_once(
    web, wayback, reactor_thread, tmp_path, save_page_now
):
    from crawler.cli.save import save_live

    endpoint, saved = save_page_now
    recent, stale, never = (web.url("news.test", f"/live/{name}") for name in ("recent", "stale", "never"))
    wayback.add_capture(recent, "20240501000000")  # two months before the crawl
    wayback.add_capture(stale, "20220101000000")  # two and a half years before
    write_issue(tmp_path, "2024-03-27-a.md", recent, stale, never)
    first = night(web, reactor_thread, tmp_path, NIGHT_1, save_live=True)
    assert first.to_save == [never, stale]  # in the order of the links (by URL)
    state = tmp_path / "reports" / "state.sqlite"
    with StateStore.open(state, clock=lambda: NIGHT_1) as store:
        save_live(first, "rotwatch-test", endpoint, store.archive.record_saved, interval=0)
    assert saved == [never, stale]
    wayback.asked.clear()
    second = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=10), save_live=True, full=True)
    assert second.to_save == [] and wayback.of("batch") == []  # a recent capture or our own save: not asked
    year_on = night(web, reactor_thread, tmp_path, NIGHT_1 + timedelta(days=370), save_live=True)
    assert year_on.to_save == [never, recent, stale]  # a year on, every capture and save is old
    assert sorted(wayback.batch_lines()) == sorted([recent, stale, never])

"""A crawl split by site over three machines, merged, equals the crawl of one machine
(crawler/check/shards.py, crawler/nightly/merge.py), through real crawls of the simulated web."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.check.shards import Shard
from crawler.config import load_config, scrapy_overrides
from crawler.errors import ConfigError, StateError
from crawler.fetch.runner import base_settings
from crawler.issues.reading import collect_links
from crawler.models import Assessment, CheckResult, Verdict
from crawler.nightly.crawl import crawl
from crawler.nightly.merge import ShardMerged, merge_states
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec

NIGHT = datetime(2024, 4, 1, 2, 0, tzinfo=UTC)
HOSTS = [HostSpec(f"site{n}.test", 0.005) for n in range(1, 9)]  # 1, 4 and 3 sites per shard
SCENARIOS = ("ok-utf8", "not-found", "gone", "moved-301", "soft-404-title")
# What a link's row says once checked; times and run numbers differ between machines.
COMPARED = "url, last_verdict, http_status, final_url, title, error, reason, consecutive_failures, dead, fingerprint"
BASELINES = "SELECT url, fingerprint, source, capture, taken_on FROM baselines ORDER BY url"


@pytest.fixture
def issues(tmp_path, web):
    folder = tmp_path / "issues"
    folder.mkdir()
    lines = [f"* [{name}]({web.scenario_url(name, host.name)})" for host in HOSTS for name in SCENARIOS]
    (folder / "2024-03-27-weekly.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def crawl_into(web, reactor_thread, issues: Path, state: Path, shard: Shard | None, when: datetime) -> None:
    config = load_config({**web.crawl_overrides(archive=False), "archive": False, "retries": 0}, cwd=issues)
    occurrences, found, _ = collect_links([issues])
    if shard is not None:
        occurrences = [occurrence for occurrence in occurrences if shard.takes(occurrence.url)]
    settings = base_settings(scrapy_overrides(config))
    with (
        StateStore.open(state, policy=policy_of(config), clock=lambda: when) as store,
        PlanSpool.of(occurrences, config.exclude_patterns) as plan,
    ):
        reactor_thread.run(lambda: crawl(store, plan, found, settings, config, state.parent / "reports"))
    web.log.wait_idle()


def rows(state: Path, sql: str = f"SELECT {COMPARED} FROM links ORDER BY url") -> list[tuple[object, ...]]:
    with sqlite3.connect(state) as db:
        found = db.execute(sql).fetchall()
    db.close()
    return found


def test_shards_cover_every_site_once():
    urls = [f"https://a{n}.example{n % 7}.com/x" for n in range(200)] + ["mailto:a@b.c", "https://b.github.io/"]
    shards = [Shard(k, 3) for k in (1, 2, 3)]
    for url in urls:
        assert sum(shard.takes(url) for shard in shards) == 1
    assert Shard(2, 3).takes("https://x.example1.com/") == Shard(2, 3).takes("https://y.example1.com/other")


@pytest.mark.parametrize("text", ["0/3", "4/3", "2", "a/b", "2/0"])
def test_a_bad_shard_says_the_form(text):
    with pytest.raises(ConfigError, match="expected K/N"):
        Shard.parse(text)


def test_three_shards_merged_equal_one_machine(tmp_path, web, reactor_thread, issues):
    crawl_into(web, reactor_thread, issues, tmp_path / "single" / "state.sqlite", None, NIGHT)
    shards = [tmp_path / f"shard{k}" / "state.sqlite" for k in (1, 2, 3)]
    for k, state in enumerate(shards, start=1):
        crawl_into(web, reactor_thread, issues, state, Shard(k, 3), NIGHT)
    assert all(rows(state) for state in shards)  # each shard checked some sites
    merged = tmp_path / "merged" / "state.sqlite"
    outcome = merge_states(merged, shards, NIGHT + timedelta(hours=1))
    run_id = outcome.run_id
    cited = [len(rows(state, "SELECT url FROM links")) for state in shards]
    assert outcome.shards == [ShardMerged(state, True, n, n) for state, n in zip(shards, cited, strict=True)]
    assert rows(merged) == rows(tmp_path / "single" / "state.sqlite")
    assert rows(merged, BASELINES) == rows(tmp_path / "single" / "state.sqlite", BASELINES) != []
    with (
        StateStore.open_read_only(merged) as store,
        StateStore.open_read_only(tmp_path / "single" / "state.sqlite") as single,
    ):
        single_run = single.latest_run()
        assert single_run is not None
        assert store.diff(run_id) == single.diff(single_run.id)
        assert store.diff(run_id).newly_dead


def test_the_newest_check_wins_and_a_shard_is_never_changed(tmp_path, web, reactor_thread, issues):
    old, new = tmp_path / "old" / "state.sqlite", tmp_path / "new" / "state.sqlite"
    crawl_into(web, reactor_thread, issues, old, None, NIGHT)
    web.set_outage("site1.test")
    try:
        crawl_into(web, reactor_thread, issues, new, Shard(1, 1), NIGHT + timedelta(days=1))
    finally:
        web.set_outage("site1.test", down=False)
    before = old.read_bytes()
    merged = tmp_path / "merged" / "state.sqlite"
    merge_states(merged, [new, old], NIGHT + timedelta(days=1, hours=1))
    assert rows(merged) == rows(new)
    assert old.read_bytes() == before


def test_a_shard_that_never_finished_a_crawl_gives_nothing_and_says_so(tmp_path):
    finished, stopped = tmp_path / "a" / "state.sqlite", tmp_path / "b" / "state.sqlite"
    shard_with_answers(finished, NIGHT, "20240301000000")
    with StateStore.open(stopped, clock=lambda: NIGHT) as store:  # killed after its first results
        run = store.begin_run({})
        url = "https://stopped.example/"
        store.record_sightings(run.id, [url])
        store.record_results(run.id, [(CheckResult(url, 404), Assessment(Verdict.BROKEN, "404"))])
    merged = tmp_path / "merged" / "state.sqlite"
    outcome = merge_states(merged, [finished, stopped], NIGHT + timedelta(hours=1))
    assert outcome.shards == [ShardMerged(finished, True, 2, 1), ShardMerged(stopped, False)]
    assert rows(merged, "SELECT url FROM links ORDER BY url") == [
        ("https://gone.example/",),
        ("https://live.example/",),
    ]


def test_a_missing_shard_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "merged.sqlite"
    with pytest.raises(StateError, match="no state database"):
        merge_states(target, [tmp_path / "nope.sqlite"], NIGHT)
    assert not target.exists()


def shard_with_answers(path: Path, when: datetime, timestamp: str) -> None:
    """A shard that checked one dead link, looked it up, verified a capture and saved a live link."""
    from crawler.models import ArchiveLookup, CaptureCheck, LookupOutcome, Snapshot

    dead, live = "https://gone.example/", "https://live.example/"
    with StateStore.open(path, clock=lambda: when) as store:
        run = store.begin_run({})
        store.record_sightings(run.id, [dead, live])
        store.record_results(run.id, [(CheckResult(dead, 404), Assessment(Verdict.BROKEN, "404"))])
        capture = Snapshot(dead, timestamp, 200)
        check = CaptureCheck(dead, timestamp, True, capture, "verified")
        store.archive.record([ArchiveLookup(dead, LookupOutcome.FOUND, capture, cited_on=NIGHT.date()), check])
        store.archive.record_saved(live)
        store.finish_run(run.id, {})


def test_the_newest_archive_answers_verifications_and_saves_are_merged(tmp_path):
    older, newer = tmp_path / "a" / "state.sqlite", tmp_path / "b" / "state.sqlite"
    shard_with_answers(older, NIGHT, "20240101000000")
    shard_with_answers(newer, NIGHT + timedelta(days=1), "20240301000000")
    merged = tmp_path / "merged" / "state.sqlite"
    merge_states(merged, [newer, older], NIGHT + timedelta(days=2))
    with StateStore.open(merged, clock=lambda: NIGHT + timedelta(days=2)) as store:
        (answer,) = store.archive.cached_for("https://gone.example/")
        assert answer.snapshot.timestamp == "20240301000000"  # the newest answer per (URL, date)
        assert {check.timestamp for check in store.archive.checks(["https://gone.example/"])} == {
            "20240101000000",
            "20240301000000",
        }
        assert store.archive.needing_fresh_capture(["https://live.example/"]) == []  # saved: not again

"""The nightly crawl checks in its own mode: a timeout is not retried within the night
(the next night is the retry), while `check` retries it once (crawler.fetch.timeout_policy)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.config import load_config, scrapy_overrides
from crawler.fetch.runner import base_settings
from crawler.issues.reading import collect_links
from crawler.nightly.crawl import crawl
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec

HOSTS = [HostSpec("news.test", 0.005)]


def test_a_timeout_in_the_nightly_crawl_is_asked_once(tmp_path, web, reactor_thread):
    issues = tmp_path / "issues"
    issues.mkdir()
    hanging = web.scenario_url("hang", "news.test")
    (issues / "2024-03-27-weekly.md").write_text(f"* [x]({hanging})\n", encoding="utf-8")
    config = load_config({**web.crawl_overrides(archive=False), "archive": False, "timeout": 0.5}, cwd=tmp_path)
    occurrences, found, _ = collect_links([issues])
    settings = base_settings(scrapy_overrides(config))
    with (
        StateStore.open(tmp_path / "state.sqlite", policy=policy_of(config), clock=lambda: datetime.now(UTC)) as store,
        PlanSpool.of(occurrences, config.exclude_patterns) as plan,
    ):
        outcome = reactor_thread.run(lambda: crawl(store, plan, found, settings, config, tmp_path / "r"))
    web.log.wait_idle()
    assert outcome.view.reports[0].assessment.verdict.value == "unreachable"
    assert len(web.log.records(path="/s/hang")) == 1

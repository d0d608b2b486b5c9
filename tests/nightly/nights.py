"""One nightly crawl of a test folder's issues, as the nightly job runs it: the plumbing the crawl tests share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from crawler.config import Config
from crawler.issues.reading import collect_links
from crawler.nightly.crawl import CrawlOutcome, crawl
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore


def crawl_folder(
    web: Any, reactor_thread: Any, folder: Path, when: datetime, config: Config, settings: Settings, **options: Any
) -> CrawlOutcome:
    """Crawls `folder`/issues at `when` into `folder`/reports (its state there too); `options` go to `crawl`."""
    occurrences, issues, _ = collect_links([folder / "issues"])
    with (
        StateStore.open(folder / "reports" / "state.sqlite", policy=policy_of(config), clock=lambda: when) as store,
        PlanSpool.of(occurrences, config.exclude_patterns) as plan,
    ):
        outcome = reactor_thread.run(
            lambda: crawl(store, plan, issues, settings, config, folder / "reports", **options)
        )
    web.log.wait_idle()
    return outcome

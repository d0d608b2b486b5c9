"""`rotwatch demo`: two nightly crawls of a small archive on the simulated web.

A newcomer's first five minutes, with no network and no setup: it starts the
simulated web and its Wayback-compatible archive on loopback, writes three
issues into a temporary folder, crawls them, then crawls again four
simulated days later, when one site has come back and another has gone.
The report shows links that are newly dead and fixed, a link whose domain
changed hands (drift, against its capture before the issue), and the
archival copies point dead and taken-over links at captures. One dead link
the Wayback Machine has no capture of is mended from a second,
Memento-compatible archive (`SECOND_ARCHIVE`), whose name the reports show
with its capture.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.settings import Settings

from crawler.config import Config, load_config, scrapy_overrides
from crawler.fetch.runner import base_settings, run_in_reactor
from crawler.issues.reading import Issue, collect_links
from crawler.models import LinkOccurrence
from crawler.nightly.crawl import CrawlOutcome, crawl
from crawler.nightly.plan_spool import PlanSpool
from crawler.nightly.policy import policy_of
from crawler.nightly.store import StateStore
from crawler.simweb import HostSpec, SimWayback, SimWeb
from crawler.simweb.hosts import UNREACHABLE_ADDRESS
from crawler.simweb.memento import MEMENTO_HOST, SimMemento
from crawler.simweb.pages import render

__all__ = ["run_demo"]

FIRST_NIGHT = datetime(2024, 4, 1, 2, 0, tzinfo=UTC)
NIGHTS_APART = timedelta(days=4)
EDITOR_RELEASE = render(
    "编辑器 1.0 正式发布 | 开源编辑器",
    "<h1>编辑器 1.0 正式发布</h1><p>经过两年的开发，开源编辑器发布第一个稳定版本："
    "插件系统、主题、命令面板和多人协作编辑。感谢每一位参与测试的贡献者。</p>",
)
HOSTS = [
    HostSpec("news.test", 0.02),
    HostSpec("blog.test", 0.05),
    HostSpec("comeback.test"),
    HostSpec("vanishing.test"),
]


def _issues(web: SimWeb) -> dict[str, str]:
    """Three issues in the style of the real input: Chinese prose, `[链接](URL)` items, images."""
    url = web.scenario_url
    return {
        "2024-01-10-weekly.md": f"""# 一月周刊

![cover]({url("ok-image", "news.test")})

* 本周头条 [链接]({url("ok-utf8", "news.test")})
* 旧文章已经删除 [链接]({url("not-found", "news.test")})
* 网站搬家 [链接]({url("moved-301", "blog.test")})
* 域名易主 [链接]({web.url("taken-over.test", "/2024/01/editor-1-0")})
""",
        "2024-02-14-weekly.md": f"""# 二月周刊

* GBK 编码的页面 [链接]({url("ok-gbk", "blog.test")})
* 页面不存在 [链接]({url("soft-404-zh", "news.test")})
* 域名已停放 [链接]({url("parked")})
* 暂时下线的网站 [链接]({web.url("comeback.test", "/2024/02/story")})
""",
        "2024-03-20-weekly.md": f"""# 三月周刊

* 仍然可用 [链接]({url("ok-big5", "news.test")})
* 即将消失的网站 [链接]({web.url("vanishing.test", "/2024/03/story")})
* 已删除 [链接]({url("gone", "blog.test")})
""",
    }


def _stock_archive(archive: SimWayback, web: SimWeb) -> None:
    """Captures of the pages that die, as the Wayback Machine would hold them."""
    archive.add_capture(web.scenario_url("not-found", "news.test"), "20240109120000", title="旧文章")
    archive.add_capture(web.scenario_url("soft-404-zh", "news.test"), "20240210080000", title="一篇好文章")
    archive.add_capture(web.url("vanishing.test", "/2024/03/story"), "20240319000000", title="即将消失")
    archive.add_capture(web.url("comeback.test", "/2024/02/story"), "20240213000000", title="回来了")
    # What a link shows now, compared with its capture before the issue: the domain changed hands (drift).
    archive.add_capture(web.url("taken-over.test", "/2024/01/editor-1-0"), "20240108000000", body=EDITOR_RELEASE)


SECOND_ARCHIVE = MEMENTO_HOST  # the simulated Memento archive's name, as the reports show it


def _stock_second_archive(archive: SimMemento, web: SimWeb) -> None:
    """The capture only the second archive holds: of a page that is gone, which the Wayback Machine lacks."""
    archive.add_capture(web.scenario_url("gone", "blog.test"), "20240318090000", title="三月的一篇旧文章")


@dataclass(frozen=True)
class Night:
    """One simulated night: when it is, and the crawl's settings with one site down."""

    when: datetime
    config: Config
    settings: Settings

    def clock(self) -> datetime:
        """The state's clock for this night: the whole crawl happens at `when`."""
        return self.when


def _night(web: SimWeb, when: datetime, down: str) -> Night:
    """A night at `when` on which `down`'s address refuses connections."""
    overrides = web.crawl_overrides()
    overrides["resolve"] = {**overrides["resolve"], down: UNREACHABLE_ADDRESS}
    config = load_config({**overrides, "retries": 0, "timeout": 5})
    return Night(when, config, base_settings(scrapy_overrides(config)))


async def _crawl_nights(
    nights: list[Night], occurrences: list[LinkOccurrence], issues: list[Issue], folder: Path, lang: str
) -> list[CrawlOutcome]:
    """Crawls the archive once a night, in order, each night on the same state."""
    outcomes = []
    for night in nights:
        with (
            StateStore.open(
                folder / "reports" / "state.sqlite", policy=policy_of(night.config), clock=night.clock
            ) as store,
            PlanSpool.of(occurrences, night.config.exclude_patterns) as plan,
        ):
            outcome = await crawl(
                store, plan, issues, night.settings, night.config, folder / "reports", full=True, lang=lang
            )
        outcomes.append(outcome)
    return outcomes


def run_demo(lang: str = "en", folder: Path | None = None) -> str:
    """Runs the two crawls; returns a short account with the report's path."""
    folder = (folder or Path(tempfile.mkdtemp(prefix="rotwatch-demo-"))).resolve()
    archive, memento = SimWayback(), SimMemento(SECOND_ARCHIVE)
    # Issues are named relative to the current folder: from inside the demo's
    # folder the report names them issues/2024-03-20-weekly.md, as an editor
    # would, not by the temporary folder's path.
    with SimWeb(hosts=HOSTS, archive=archive, mementos=[memento]) as web, contextlib.chdir(folder):
        _stock_archive(archive, web)
        _stock_second_archive(memento, web)
        for name, text in _issues(web).items():
            (folder / "issues").mkdir(parents=True, exist_ok=True)
            (folder / "issues" / name).write_text(text, encoding="utf-8")
        occurrences, issues, _ = collect_links([folder / "issues"])
        nights = [
            _night(web, FIRST_NIGHT, down="comeback.test"),
            _night(web, FIRST_NIGHT + NIGHTS_APART, down="vanishing.test"),
        ]
        first, second = run_in_reactor(
            lambda: _crawl_nights(nights, occurrences, issues, folder, lang), nights[0].settings
        )
    return _account(folder, first, second)


def _account(folder: Path, first: CrawlOutcome, second: CrawlOutcome) -> str:
    diff = second.view.diff
    dead = sum(1 for report in second.view.reports if report.assessment.verdict.value == "broken")
    return "\n".join(
        [
            f"demo archive: {folder / 'issues'}",
            f"night 1: checked {first.checked} links; night 2 (4 days later): checked {second.checked}",
            f"night 2: {len(diff.newly_dead)} newly dead, {len(diff.fixed)} fixed, {dead} dead in all",
            f"drifted (working, but now another page): {sum(r.drift is not None for r in second.view.reports)}",
            f"mended from {SECOND_ARCHIVE}, which the Wayback Machine lacked: {_from_second_archive(second)}",
            f"archival copies: {folder / 'reports' / 'archive'}",
            f"report: {folder / 'reports' / 'index.html'}",
        ]
    )


def _from_second_archive(outcome: CrawlOutcome) -> int:
    """Dead links whose capture the second archive holds."""
    return sum(1 for r in outcome.view.reports if r.archive is not None and r.archive.archive == SECOND_ARCHIVE)

"""A crawl view of any size, built by hand: the report at scale.

`scale_view(2000, newly_dead=137)` is a first crawl of a weekly newsletter's
archive: 25 links per issue over years of issues, a few busy sites, URLs
from short to very long, Chinese and English link text, every verdict, dead
links with and without an archive capture. Deterministic (a seeded random
generator), so a screenshot or a failing test can be reproduced.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from crawler.check.plan import NO_ANSWER
from crawler.models import (
    Assessment,
    CheckResult,
    ErrorKind,
    LinkHistory,
    LinkKind,
    LinkOccurrence,
    LinkReport,
    RunDiff,
    Snapshot,
    Verdict,
)
from crawler.nightly.view import CrawlView

WHEN = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
FIRST_ISSUE = date(2021, 1, 6)
LINKS_PER_ISSUE = 25

_SITES = [
    "github.com",
    "news.ycombinator.com",
    "www.theverge.com",
    "arxiv.org",
    "mp.weixin.qq.com",
    "zhuanlan.zhihu.com",
    "medium.com",
    "blog.example.org",
    "www.36kr.com",
    "sspai.com",
] + [f"site{n:02d}.example.com" for n in range(40)]
_TEXTS = ["苹果发布会回顾", "Read the paper", "这篇文章", "示意图", "Release notes", "原文链接", "a thread", "视频"]
_BROKEN = ["HTTP 404", "HTTP 410", "domain does not exist (NXDOMAIN)", "soft 404: page says Page Not Found"]


def scale_view(
    links: int,
    *,
    newly_dead: int = 0,
    still_dead: int = 0,
    fixed: int = 0,
    unchecked: int = 0,
    all_ok: bool = False,
) -> CrawlView:
    """`links` unique URLs, of which `newly_dead + still_dead` dead (every
    other one with an archive capture), `unchecked` without any recorded
    answer, and the rest spread over the other verdicts (all ok when
    `all_ok`); `fixed` URLs came back since the last run."""
    rng = random.Random(links)
    issues = [_issue(n) for n in range(max(1, -(-links // LINKS_PER_ISSUE)))]
    kinds = ["dead"] * (newly_dead + still_dead) + ["unchecked"] * unchecked
    kinds += ["ok" if all_ok else _live_kind(n) for n in range(links - len(kinds))]
    rng.shuffle(kinds)
    reports = [_report(index, kind, issues[index // LINKS_PER_ISSUE], rng) for index, kind in enumerate(kinds)]
    dead = [report.url for report, kind in zip(reports, kinds, strict=True) if kind == "dead"]
    return CrawlView(
        reports=reports,
        histories={url: _dead_history(url) for url in dead},
        issue_dates=dict(issues),
        diff=RunDiff(
            newly_dead=tuple(dead[:newly_dead]),
            fixed=tuple(f"https://site{n % 40:02d}.example.com/back/{n}" for n in range(fixed)),
            still_dead=tuple(dead[newly_dead:]),
        ),
        generated_at=WHEN,
        run_counts={"issues": len(issues), "checked": links - unchecked, "archive_lookups": len(dead)},
        issue_titles={name: f"Weekly #{n + 1} · 第 {n + 1} 期" for n, (name, _) in enumerate(issues)},
    )


def _issue(number: int) -> tuple[str, date]:
    published = FIRST_ISSUE + timedelta(weeks=number)
    return f"issues/{published.isoformat()}-weekly.md", published


def _live_kind(n: int) -> str:
    for kind, every in (("redirected", 11), ("blocked", 23), ("unreachable", 31), ("skipped", 47)):
        if n % every == every - 1:
            return kind
    return "ok"


def _url(index: int, rng: random.Random) -> str:
    site = _SITES[min(int(rng.paretovariate(1.2)) - 1, len(_SITES) - 1)]
    words = ["how", "we", "rebuilt", "the", "search", "index", "in", "rust", "and", "what", "it", "cost", "us"]
    slug = "-".join(rng.sample(words, rng.randint(1, 12)))
    query = f"?utm_source=newsletter&utm_campaign=weekly-{index}" if index % 9 == 0 else ""
    return f"https://{site}/{index:04d}/{slug}{query}"


def _report(index: int, kind: str, issue: tuple[str, date], rng: random.Random) -> LinkReport:
    url = _url(index, rng) if kind != "skipped" else f"mailto:editor{index}@example.com"
    line = 3 + 2 * (index % LINKS_PER_ISSUE)
    link_kind = LinkKind.IMAGE if index % 17 == 0 else LinkKind.LINK
    occurrence = LinkOccurrence(url, issue[0], line, 3, _TEXTS[index % len(_TEXTS)], link_kind, url)
    result, assessment = _check(url, kind, index)
    capture = kind == "dead" and index % 2 == 0
    snapshot = Snapshot(url, "20230115093000", 200) if capture else None
    playback = f"https://web.archive.org/web/20230115093000/{url}" if capture else None
    return LinkReport(url, assessment, result, (occurrence,), snapshot, playback)


def _check(url: str, kind: str, index: int) -> tuple[CheckResult, Assessment]:
    match kind:
        case "dead":
            return CheckResult(url, http_status=404), Assessment(Verdict.BROKEN, _BROKEN[index % len(_BROKEN)])
        case "unchecked":
            return CheckResult(url, error=ErrorKind.OTHER, error_detail=NO_ANSWER), Assessment(
                Verdict.UNREACHABLE, "request failed"
            )
        case "redirected":
            final = url.replace("/0", "/new/0")
            moved = Assessment(Verdict.REDIRECTED, f"moved permanently to {final}")
            return CheckResult(url, 200, final_url=final), moved
        case "blocked":
            return CheckResult(url, 403), Assessment(Verdict.BLOCKED, "HTTP 403: refuses automated clients")
        case "unreachable":
            return CheckResult(url, error=ErrorKind.TIMEOUT), Assessment(Verdict.UNREACHABLE, "timed out after 3 tries")
        case "skipped":
            return CheckResult(url, error=ErrorKind.UNSUPPORTED_SCHEME), Assessment(Verdict.SKIPPED, "not http(s)")
    return CheckResult(url, 200), Assessment(Verdict.OK, "HTTP 200")


def _dead_history(url: str) -> LinkHistory:
    since = WHEN - timedelta(days=1)
    return LinkHistory(url, first_seen=since, last_checked=WHEN, failing_since=since, dead=True, dead_since=since)

"""`rotwatch save` and `crawl --save-live`: Save Page Now, one clear line per page that could not be saved.

Captures are asked one at a time, SAVE_INTERVAL apart (crawler/wayback/save.py
says why); only http(s) URLs are sent. When the archive cannot be reached at
all, that is said once, with how many pages were not saved, and the rest are
not tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.cli.console import warn
from crawler.cli.exit_codes import EXIT_FAILING, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from crawler.nightly.crawl import CrawlOutcome
    from crawler.wayback.save import SaveResult

__all__ = ["SaveArguments", "run_save", "save_live"]


@dataclass(frozen=True)
class SaveArguments:
    urls: list[str]
    interval: float
    user_agent: str | None


def run_save(args: SaveArguments) -> int:
    from crawler.check.urls import is_http_url
    from crawler.settings import USER_AGENT
    from crawler.wayback.save import save_all

    urls = [url for url in args.urls if is_http_url(url)]
    for url in sorted(set(args.urls) - set(urls)):
        warn(f"{url}: not an http(s) URL, not saved")
    if not urls:
        return EXIT_USAGE

    def report(result: SaveResult) -> None:
        if result.archive_url:
            print(f"saved {result.url} -> {result.archive_url}")

    results = save_all(urls, args.user_agent or USER_AGENT, interval=args.interval, on_result=report)
    _warn_failures(results, len(urls))
    return EXIT_OK if len(results) == len(urls) and all(result.archive_url for result in results) else EXIT_FAILING


def save_live(outcome: CrawlOutcome, user_agent: str) -> None:
    """Captures of the crawl's working links that have none yet."""
    from crawler.wayback.save import save_all

    live = [r.url for r in outcome.view.reports if r.assessment.verdict.value in ("ok", "redirected") and not r.archive]
    _warn_failures(save_all(live, user_agent), len(live))


def _warn_failures(results: list[SaveResult], asked: int) -> None:
    """A line per page that could not be saved; one line in all when the archive could not be reached."""
    for result in results:
        if result.archive_unreachable:
            unsaved = asked - len(results) + 1
            warn(f"{result.error}: {unsaved} {'page' if unsaved == 1 else 'pages'} not saved")
        elif not result.archive_url:
            warn(f"cannot save {result.url}: {result.error}")

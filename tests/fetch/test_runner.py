"""The runner: the nightly crawl's mode, and long-lived objects kept out of full GC passes while a crawl runs."""

from __future__ import annotations

import gc

import crawler.fetch.runner
from crawler.fetch.runner import base_settings, nightly_settings, stream_checks
from crawler.simweb import HostSpec
from tests.fetch.crawls import LOOPBACK, crawl
from tests.fetch.probes import PROBE, DownloaderProbe

HOSTS = [HostSpec("news.test")]


def test_public_names():
    assert crawler.fetch.runner.__all__ == [
        "ArchiveRun",
        "Interruption",
        "archive_settings",
        "base_settings",
        "check_urls",
        "lookup_baselines",
        "lookup_captures",
        "nightly_settings",
        "run_in_reactor",
        "stream_checks",
    ]


def test_checks_run_in_check_mode_unless_the_nightly_crawl_runs_them():
    settings = base_settings({"DOWNLOAD_TIMEOUT": 5})
    assert settings.get("ROTWATCH_MODE") == "check"
    nightly = nightly_settings(settings)
    assert nightly.get("ROTWATCH_MODE") == "crawl"
    assert nightly.getfloat("DOWNLOAD_TIMEOUT") == 5
    assert settings.get("ROTWATCH_MODE") == "check"  # a copy: the command's own settings are unchanged


def test_objects_older_than_the_crawl_are_frozen_while_it_runs(web, run_crawl):
    DownloaderProbe.frozen = 0
    crawl(run_crawl, web, [web.url("news.test", "/a")], EXTENSIONS={PROBE: 0})
    assert DownloaderProbe.frozen > 0
    assert gc.get_freeze_count() == 0


def test_streamed_checks_hand_every_result_over_and_keep_none(web, reactor_thread):
    urls = [web.url("news.test", f"/post-{n}") for n in range(5)]
    settings = base_settings({"ROTWATCH_ALLOWED_PRIVATE": LOOPBACK, "ROTWATCH_STATIC_HOSTS": web.resolve_map()})
    handed: list[str] = []
    kept = reactor_thread.run(lambda: stream_checks(urls, settings, lambda result: handed.append(result.url)))
    assert kept is None
    assert sorted(handed) == sorted(urls)

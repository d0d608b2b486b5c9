"""crawler/cli/console.py: the `crawler` logger's own handler on stderr."""

from __future__ import annotations

import io
import logging

import pytest

import crawler.cli.console
from crawler.cli.console import CheckProgress, configure_logging


class Counting(logging.Handler):
    """Like Scrapy's LogCounterHandler, which sits on the root logger while a spider is open."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@pytest.fixture
def root_counter():
    counter = Counting()
    logging.root.addHandler(counter)
    yield counter
    logging.root.removeHandler(counter)


def test_public_names_are_pinned():
    assert sorted(crawler.cli.console.__all__) == ["CheckProgress", "configure_logging", "warn"]


def test_a_warning_is_shown_while_scrapy_counts_on_the_root(root_counter, capsys):
    configure_logging(False)
    logging.getLogger("crawler.fetch.example").warning("site %s paused for %d s", "a.test", 30)
    logging.getLogger("crawler.fetch.example").debug("not shown")
    assert capsys.readouterr().err == "rotwatch: site a.test paused for 30 s\n"
    assert root_counter.count == 1


def test_verbose_shows_debug_with_the_logger_name(root_counter, capsys):
    configure_logging(True)
    logging.getLogger("crawler.fetch.example").debug("retry %s in %.1f s", "https://a.test/", 2.0)
    assert capsys.readouterr().err.endswith(" DEBUG crawler.fetch.example: retry https://a.test/ in 2.0 s\n")


def test_configuring_twice_keeps_one_handler(root_counter, capsys):
    configure_logging(True)
    configure_logging(False)
    logging.getLogger("crawler.x").warning("once")
    assert capsys.readouterr().err == "rotwatch: once\n"


def test_other_loggers_are_left_alone(root_counter, capsys):
    configure_logging(True)
    logging.getLogger("scrapy.core.engine").debug("scrapy's own")
    assert "scrapy's own" not in capsys.readouterr().err


def test_verbose_shows_scrapys_warnings(root_counter, capsys):
    configure_logging(True)
    logging.getLogger("scrapy.core.scraper").warning("Spider error processing %s", "https://a.test/")
    logging.getLogger("scrapy.core.engine").info("Spider opened")
    err = capsys.readouterr().err
    assert " WARNING scrapy.core.scraper: Spider error processing https://a.test/" in err
    assert "Spider opened" not in err


def test_scrapys_warnings_are_not_shown_by_default(root_counter, capsys):
    configure_logging(True)
    configure_logging(False)
    logging.getLogger("scrapy.core.scraper").warning("Spider error processing %s", "https://a.test/")
    assert capsys.readouterr().err == ""


def test_progress_counts_against_a_total_given_later():
    stream = io.StringIO()
    with CheckProgress(0, stream=stream) as progress:
        progress.start(200)
        for _ in range(200):
            progress.advance()
    assert stream.getvalue().splitlines()[-1] == "checking: 200/200"
